"""``/calendar.ics``: the calendar feed calendar apps subscribe to (``?lang=en``, ``?town=SLUG``).

The body is bot.ics's file without the planned visits (those are for staff). Calendar apps poll it, so
it is cheap to ask again: every response carries an ``ETag`` (a hash of the body) and ``Last-Modified``
(the latest stamp of the towns, Town Days and agreement edits in the database), and a request whose
``If-None-Match`` or ``If-Modified-Since`` shows it has the current version gets 304 with no body.

The events keep their UIDs (bot.ics names them after the town and the agreement or Town Day), and their
DTSTAMP and LAST-MODIFIED are that stamp: when staff move a Town Day or correct an agreement's date, a
subscribed calendar sees the same event with a later stamp, i.e. an update, never a second event.
The body is built once per version of the data (and day) and kept.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.config import Settings
from bot.core.calendar import Calendar
from bot.core.model import Language
from bot.ics import build_ics
from bot.public.language import chosen_language
from bot.replies.calendar import CalendarReplies
from bot.runtime import Runtime
from storage.public import PublicRegister

FEED_DAYS = 366
_KEPT = 64
MEDIA_TYPE = "text/calendar; charset=utf-8"


def feed_address(settings: Settings, lang: Language) -> str:
    """webcal://HOST/calendar.ics (and ?lang=en) when the public pages are on and their address is known."""
    if not settings.http.public or not settings.http.public_url:
        return ""
    host_and_path = settings.http.public_url.split("://", 1)[1]
    return f"webcal://{host_and_path}/calendar.ics" + ("?lang=en" if lang == "en" else "")


@dataclass(frozen=True, slots=True)
class FeedVersion:
    body: bytes
    etag: str
    last_modified: datetime


def parse_stamp(text: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match: a list of entity tags (weak ones compare by their value) or "*"; garbage matches
    nothing."""
    for candidate in header[:2000].split(","):
        candidate = candidate.strip().removeprefix("W/")
        if candidate == "*" or candidate == etag:
            return True
    return False


def not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header[:100])
    except (TypeError, ValueError, IndexError):
        return False
    if since is None:
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified <= since


class CalendarFeed:
    def __init__(self, runtime: Runtime, register: PublicRegister) -> None:
        self.runtime = runtime
        self.register = register
        self._versions: dict[tuple[object, ...], FeedVersion] = {}

    async def version(self, lang: Language, town_key: str | None) -> FeedVersion:
        rt = self.runtime
        today = rt.today()
        calendar = await rt.load_calendar(today, today + timedelta(days=FEED_DAYS), include_visits=False)
        key: tuple[object, ...] = (rt.towns_version, rt.calendar.version, today, lang, town_key)
        kept = self._versions.get(key)
        if kept is not None:
            return kept
        stamp = parse_stamp(await self.register.calendar_changed_at()) or rt.now().astimezone(UTC)
        stamp = stamp.replace(microsecond=0)
        if town_key is not None:
            town = calendar.towns[town_key]
            calendar = Calendar([town], calendar.town_days, [], rt.calendar_settings())
        texts = CalendarReplies(rt.replies())
        body = await asyncio.to_thread(
            build_ics, calendar, texts, lang, today, zone=rt.settings.reminders.timezone, stamp=stamp
        )
        version = FeedVersion(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', stamp)
        if len(self._versions) >= _KEPT:
            self._versions.clear()
        self._versions[key] = version
        return version

    async def respond(self, request: Request) -> Response:
        rt = self.runtime
        lang, _ = chosen_language(request, rt.default_language())
        town_key = None
        slug = request.query_params.get("town")
        if slug is not None:
            town = rt.directory.get(slug[:60].replace("-", "_"))
            if town is None:
                return PlainTextResponse(rt.replies().t(lang, "public.not_found_page"), status_code=404)
            town_key = town.key
        version = await self.version(lang, town_key)
        headers = {
            "ETag": version.etag,
            "Last-Modified": format_datetime(version.last_modified, usegmt=True),
            # calendar apps may keep it an hour; a conditional request costs nothing anyway
            "Cache-Control": "public, max-age=3600",
            "Content-Disposition": 'inline; filename="kingisepp-partners.ics"',
            "Content-Language": lang,
        }
        if_none_match = request.headers.get("if-none-match")
        if if_none_match is not None:
            if etag_matches(if_none_match, version.etag):
                return Response(status_code=304, headers=headers)
        elif not_modified_since(request.headers.get("if-modified-since", ""), version.last_modified):
            return Response(status_code=304, headers=headers)
        return Response(version.body, media_type=MEDIA_TYPE, headers=headers)
