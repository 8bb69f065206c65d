"""The register's button data (bot/handlers/visits/callback_data.py): within 64 bytes, and only
what the bot made is accepted.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.core.directory import TownDirectory
from bot.core.townfile import shipped_towns
from bot.handlers.visits.callback_data import (
    CB_CARD,
    CB_DUPLICATE,
    EDIT_FIELD,
    CardPress,
    DuplicatePress,
    ListPress,
    callback,
    list_callback,
    parse_card_press,
    parse_duplicate_press,
    parse_list_press,
)
from bot.handlers.visits.drafts import FORM_NAME
from tests.handlers.conftest import Harness
from tests.handlers.visits.conftest import (
    buttons,
    form_id,
    press,
    record,
    rt,
    staff,
    texts,
)


async def test_callback_data_stays_within_64_bytes(bot: Harness) -> None:
    form = form_id(await staff(bot, "/visit"))
    await press(bot, f"vf:{form}:t:narva_joesuu")
    for call in bot.request.calls:
        for data in buttons([call]):
            assert len(data.encode()) <= 64, data
    assert FORM_NAME == "visit_form"


async def test_forged_form_buttons_are_refused_not_crashed(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    form = form_id(await staff(bot, "/visit Нарва"))
    await press(bot, f"vf:{form}:d:in")  # now at the start date, with Today / Yesterday buttons
    forged = (
        f"vf:{form}:day:-700",  # a date in the future
        f"vf:{form}:day:{'9' * 40}",  # int() -> timedelta raised OverflowError
        f"vf:{form}:day:2",  # the bot makes only 0 and 1
        f"vf:{form}:day:01",
        f"vf:{form}:day",
        f"vf:{form}:d:sideways",
        f"vf:{form}:k:ballet",
        f"vf:{form}:t:../../etc",
        f"vf:{form}:s:extra",
        f"vf:{form}:f:secret",
        f"vf:{form}:zz",
        "vf:short:day:0",
    )
    with caplog.at_level(logging.ERROR):
        for data in forged:
            calls = await press(bot, data)
            assert [call.method for call in calls] == ["answerCallbackQuery"], data
            assert calls[0].params.get("text"), data
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    # the form is where it was: the real Yesterday button works
    calls = await press(bot, f"vf:{form}:day:1")
    assert "шаг 4 из 8" in texts(calls) and "25 ноября 2026" in texts(calls)


async def test_forged_card_and_list_buttons_are_refused_not_crashed(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    visit_id = await record(bot)
    forged = (
        f"vc:0{visit_id}:1:o",  # a leading zero: not what the bot makes
        f"vc:{visit_id}:0:o",
        f"vc:{visit_id}:1:o:notes",  # an argument where none is taken
        f"vc:{visit_id}:1:ef",
        f"vc:{visit_id}:1:ef:secret",
        f"vc:{'9' * 13}:1:o",
        "vl:1:0:-:1800",  # a year out of range
        "vl:1:0:-:9999",
        "vl:1:0:kingisepp:-",  # not a partner town
        "vl:01:0:-:-",
        f"vl:1:{'9' * 9}:-:-",
    )
    with caplog.at_level(logging.ERROR):
        for data in forged:
            calls = await press(bot, data)
            assert [call.method for call in calls] == ["answerCallbackQuery"], data
            assert "понимаю эту кнопку" in calls[0].params["text"], data
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    visit = await rt(bot).visits.get(visit_id)
    assert visit is not None and visit.revision == 1 and not visit.deleted


def test_the_grammar_reads_back_exactly_what_it_writes() -> None:
    directory = TownDirectory(shipped_towns())
    today = date(2026, 11, 26)
    assert parse_card_press(callback(CB_CARD, 12, 3, EDIT_FIELD, "notes")) == CardPress(12, 3, "ef", "notes")
    assert parse_card_press(callback(CB_CARD, 12, 3, "dy")) == CardPress(12, 3, "dy", None)
    for forged in (
        "vc:12:3:zz",
        "vc:12:3:ef",
        "vc:12:3:o:notes",
        "vc:012:3:o",
        "vl:1:0:-:-",
        "vc:1:1:ef:x:y",
    ):
        assert parse_card_press(forged) is None, forged
    data = list_callback(1_000_007, 2, "narva", 2024)
    assert data == "vl:7:2:narva:2024"  # the generation modulo GENERATION_MODULO
    assert parse_list_press(data, directory, today) == ListPress(7, 2, "narva", 2024)
    assert parse_list_press(list_callback(0, 0, None, None), directory, today) == ListPress(0, 0, None, None)
    for forged in (
        "vl:7:2:kingisepp:-",
        "vl:7:2:atlantis:-",
        "vl:7:2:-:2029",
        "vl:7:2:-:1949",
        "vl:07:2:-:-",
    ):
        assert parse_list_press(forged, directory, today) is None, forged
    for action in ("s", "e", "y", "n"):  # save, edit, save anyway, cancel
        data = callback(CB_DUPLICATE, "AbCd_-12", action)
        assert parse_duplicate_press(data) == DuplicatePress("AbCd_-12", action)
    for forged in ("vd:short:y", "vd:AbCd_-12:maybe", "vd:AbCd_-12", "vd:AbCd_-12:x", "vd:AbCd_-12:s:1"):
        assert parse_duplicate_press(forged) is None, forged
    with pytest.raises(ValueError, match="64 bytes"):
        callback(CB_CARD, "я" * 40)
