"""/calendar.ics: the feed parsed back with icalendar; cheap polling (ETag, Last-Modified, 304); a staff
change is an update of the same event, never a second one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import httpx
from icalendar import Calendar as ICalendar
from starlette.applications import Starlette

from bot.core.calendar import DateSpan
from bot.core.model import PartialDate
from bot.public import public_routes
from bot.runtime import open_runtime
from tests.public.conftest import Site, public_settings


def events(body: bytes) -> dict[tuple[str, str], dict[str, object]]:
    """(UID, RECURRENCE-ID or '') -> the event's start, stamps and summary."""
    found: dict[tuple[str, str], dict[str, object]] = {}
    for event in ICalendar.from_ical(body).walk("VEVENT"):
        recurrence = event.get("recurrence-id")
        key = (str(event["uid"]), recurrence.dt.isoformat() if recurrence else "")
        assert key not in found, key
        found[key] = {
            "start": event.decoded("dtstart"),
            "stamp": event.decoded("dtstamp"),
            "modified": event.decoded("last-modified"),
            "summary": str(event["summary"]),
        }
    return found


async def test_the_feed_holds_anniversaries_and_town_days_in_the_language_asked(site: Site) -> None:
    response = await site.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    ru = events(response.content)
    en = events((await site.get("/calendar.ics?lang=en")).content)
    assert set(ru) == set(en)  # the same events, the same UIDs, whatever the language
    assert ("anniversary-sassnitz-partnership@twinbot.kingisepp", "") in ru
    assert ("townday-narva@twinbot.kingisepp", "") in ru
    assert "Засниц" in str(ru["anniversary-sassnitz-partnership@twinbot.kingisepp", ""]["summary"])
    assert "Sassnitz" in str(en["anniversary-sassnitz-partnership@twinbot.kingisepp", ""]["summary"])
    assert not any(uid.startswith("visit-") for uid, _ in ru)  # planned visits are for staff


async def test_one_towns_feed(site: Site) -> None:
    narva = events((await site.get("/calendar.ics?town=narva")).content)
    assert narva and all("narva" in uid and "narva_joesuu" not in uid for uid, _ in narva)
    assert events((await site.get("/calendar.ics?town=narva-joesuu")).content)
    missing = await site.get("/calendar.ics?town=atlantis&lang=en")
    assert missing.status_code == 404 and "no such page" in missing.text


async def test_conditional_requests_get_304_and_garbage_is_ignored(site: Site) -> None:
    first = await site.get("/calendar.ics")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and parsedate_to_datetime(modified).tzinfo is not None
    again = await site.get("/calendar.ics")
    assert again.headers["etag"] == etag and again.content == first.content
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": modified},
        {"If-Modified-Since": format_datetime(datetime(2100, 1, 1, tzinfo=UTC), usegmt=True)},
    ):
        response = await site.get("/calendar.ics", headers=headers)
        assert response.status_code == 304, headers
        assert response.content == b"" and response.headers["etag"] == etag
    for headers in (
        {"If-None-Match": "garbage, \x7f;;" * 300},
        {"If-None-Match": '"deadbeef"', "If-Modified-Since": modified},  # ETag decides when both come
        {"If-Modified-Since": "yesterday-ish"},
        {"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"},
    ):
        response = await site.get("/calendar.ics", headers=headers)
        assert response.status_code == 200 and response.content == first.content, headers
    head = await site.client.head("/calendar.ics")
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag


async def test_a_staff_change_is_an_update_of_the_same_event(site: Site) -> None:
    rt = site.runtime
    # the shipped towns were loaded before the test's clock took over: stamped with the real time
    async with rt.database.transaction() as conn:
        await conn.execute("UPDATE towns SET updated_at = '2026-01-01T00:00:00Z'")
    before_response = await site.get("/calendar.ics")
    before = events(before_response.content)
    site.advance(hours=2)
    await rt.calendar.set_date("narva", DateSpan(date(2027, 6, 12), date(2027, 6, 13)), 900)
    await rt.calendar.set_agreement_date("sassnitz", "partnership", PartialDate(2003, 6, 2), 900)
    await rt.reload_towns()  # as /agreement in the chat does
    after_response = await site.get(
        "/calendar.ics", headers={"If-None-Match": before_response.headers["etag"]}
    )
    assert after_response.status_code == 200
    assert after_response.headers["etag"] != before_response.headers["etag"]
    assert parsedate_to_datetime(after_response.headers["last-modified"]) > parsedate_to_datetime(
        before_response.headers["last-modified"]
    )
    after = events(after_response.content)
    uids_before = {uid for uid, _ in before}
    assert {uid for uid, _ in after} == uids_before  # nothing new to subscribers: the same events

    anniversary = "anniversary-sassnitz-partnership@twinbot.kingisepp", ""
    assert before[anniversary]["start"] == date(2003, 6, 1) and after[anniversary]["start"] == date(
        2003, 6, 2
    )
    assert after[anniversary]["modified"] > before[anniversary]["modified"]  # type: ignore[operator]
    assert after[anniversary]["stamp"] > before[anniversary]["stamp"]  # type: ignore[operator]

    # the rule's occurrence of 2027 (5-6 June) is replaced in the same series, by its RECURRENCE-ID
    override = "townday-narva@twinbot.kingisepp", "2027-06-05"
    assert override not in before and after[override]["start"] == date(2027, 6, 12)


async def test_uids_and_the_etag_survive_a_restart(site: Site, tmp_path: Path) -> None:
    first = await site.get("/calendar.ics")
    settings = public_settings(tmp_path / "bot.sqlite3")
    other = await open_runtime(settings, clock=lambda: site.now)
    try:
        app = Starlette(routes=public_routes(other))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            second = await client.get("/calendar.ics")
    finally:
        await other.close()
    assert second.headers["etag"] == first.headers["etag"] and second.content == first.content
