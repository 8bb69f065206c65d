"""The public side in the chat: /map sends the map as a PNG, a town card offers its place (sendVenue),
/calendar gives the webcal:// address of the feed when the pages are public."""

from __future__ import annotations

import io

from msgspec.structs import replace
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


def buttons(call: object) -> list[str]:
    markup = call.params["reply_markup"]  # type: ignore[attr-defined]
    return [button["callback_data"] for row in markup["inline_keyboard"] for button in row]


async def test_subscribe_offers_the_monthly_digest_and_the_button_names_the_state(harness: Harness) -> None:
    rt = harness.app.bot_data["runtime"]
    await harness.say("/subscribe")
    _, subscribed = await harness.press("sub:k:all")
    assert "sub:dg:1" in buttons(subscribed)
    _, on = await harness.press("sub:dg:1")
    assert "дайджест включён" in on.params["text"] and "sub:dg:0" in buttons(on)
    _, again = await harness.press("sub:dg:1")  # delivered twice: still on, never undone
    assert "sub:dg:0" in buttons(again)
    from storage.digest import DigestStore

    assert await DigestStore(rt.database).recipients() == [(10, "ru")]
    (menu,) = await harness.say("/subscribe")
    assert "Дайджест раз в месяц: включён." in menu.params["text"]
    _, off = await harness.press("sub:dg:0")
    assert "выключен" in off.params["text"] and await DigestStore(rt.database).recipients() == []


async def test_the_digest_is_scheduled_monthly_and_not_sent_late_in_the_month(harness: Harness) -> None:
    from bot.public.digest import CATCH_UP_JOB, DIGEST_JOB, digest_job

    job_queue = harness.app.job_queue
    assert job_queue is not None
    assert job_queue.get_jobs_by_name(DIGEST_JOB) and job_queue.get_jobs_by_name(CATCH_UP_JOB)
    rt = harness.app.bot_data["runtime"]
    rt.settings = replace(rt.settings, reminders=replace(rt.settings.reminders, staff_chat=-100555))

    class Job:
        name = CATCH_UP_JOB

    class Context:
        bot_data = harness.app.bot_data
        job = Job()

    before = len(harness.calls("sendMessage"))
    await digest_job(Context())  # type: ignore[arg-type]
    assert len(harness.calls("sendMessage")) == before  # 26 November: that month's digest time is over
