"""The reply keyboards: one frozen markup per distinct keyboard, shared by every reply that shows it."""

from __future__ import annotations

import pytest

from bot.handlers.chat import markup
from bot.replies.reply import Button, Reply

CARD = ((Button("Town Day", "town:narva:day"), Button("Map", "venue:narva")), (Button("Visits", "v:narva"),))


def test_the_same_buttons_share_one_markup_and_other_buttons_get_their_own() -> None:
    first = markup(Reply("<b>Narva</b>", CARD))
    again = markup(Reply("another text, the same card", CARD))
    other = markup(Reply("x", ((Button("Map", "venue:johvi"),),)))
    assert first is not None and first is again
    assert other is not None and other is not first
    assert [[button.callback_data for button in row] for row in first.inline_keyboard] == [
        ["town:narva:day", "venue:narva"],
        ["v:narva"],
    ]
    assert markup(Reply("no buttons")) is None


def test_a_shared_markup_cannot_be_changed_by_one_reply() -> None:
    shared = markup(Reply("x", CARD))
    assert shared is not None
    with pytest.raises(AttributeError):
        shared.inline_keyboard = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        shared.inline_keyboard[0][0].text = "changed"  # type: ignore[misc]
