"""The public side in the chat: /map sends the map as a PNG, a town card offers its place (sendVenue),
/calendar gives the webcal:// address of the feed when the pages are public."""

from __future__ import annotations

import io

from PIL import Image

from bot.config import parse_settings
from tests.handlers.conftest import Harness, harness

__all__ = ["harness"]


async def test_map_sends_a_png_with_a_caption(harness: Harness) -> None:
    # a chat that chose English (set before the first update: the bot keeps the choices in memory)
    await harness.app.bot_data["runtime"].preferences.set_language(11, "en")
    calls = await harness.say("/map")
    photos = [call for call in calls if call.method == "sendPhoto"]
    assert len(photos) == 1
    photo = photos[0].params["photo"]
    image = Image.open(io.BytesIO(photo.data))
    assert image.format == "PNG"
    assert "Кингисепп" in photos[0].params["caption"]
    english = await harness.say(
        "/map", chat_id=11, **{"from": {"id": 11, "is_bot": False, "first_name": "A", "language_code": "en"}}
    )
    assert any("Kingisepp" in str(call.params.get("caption", "")) for call in english), [
        (c.method, c.params.get("caption")) for c in english
    ]


async def test_a_town_card_offers_its_place_and_the_button_sends_a_venue(harness: Harness) -> None:
    calls = await harness.say("/town Narva")
    card = next(call for call in calls if call.method == "sendMessage")
    keyboard = card.params["reply_markup"]
    buttons = [button for row in keyboard["inline_keyboard"] for button in row]
    assert [button["callback_data"] for button in buttons] == ["venue:narva"]
    pressed = await harness.press("venue:narva")
    venue = next(call for call in pressed if call.method == "sendVenue")
    assert abs(float(venue.params["latitude"]) - 59.377) < 0.1
    assert "Нарва" in venue.params["title"] and "Эстония" in venue.params["address"]
    stale = await harness.press("venue:atlantis")
    assert [call.method for call in stale] == ["answerCallbackQuery"]


async def test_calendar_gives_the_feed_address_when_the_pages_are_public(harness: Harness) -> None:
    rt = harness.app.bot_data["runtime"]
    plain = await harness.say("/calendar")
    assert "webcal://" not in str(next(c for c in plain if c.method == "sendDocument").params["caption"])
    rt.settings = parse_settings(
        {
            "storage": {"database": str(rt.settings.storage.database)},
            "http": {"enabled": True, "public": True, "public_url": "https://twins.example.org/"},
        }
    )
    public = await harness.say("/calendar")
    caption = str(next(c for c in public if c.method == "sendDocument").params["caption"])
    assert "<code>webcal://twins.example.org/calendar.ics</code>" in caption
