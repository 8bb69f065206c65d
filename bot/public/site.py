"""The public pages as starlette routes, joined to the bot's web server through ``extra_routes``.

- ``/``: the partner towns (flag, name, country, since when, years) and the map;
- ``/town/SLUG``: a town's card and the public part of its visit register, paged;
- ``/upcoming``: the coming anniversaries and Town Days;
- ``/calendar.ics``: the calendar feed (bot.public.feed); ``/map.svg``: the map alone.

Read-only, from the runtime the bot uses (its town directory and Town Days in memory; visits from the
public queries of storage.public), so a staff change in the chat shows at the next request. The language
is ``?lang=`` (ru or en), else the browser's Accept-Language, else the bot's default. Every failure is a
page in the reader's language: an unknown town a 404, anything unexpected a 500 page with nothing in it
but an apology (the error is logged).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.model import Language, Town
from bot.public.feed import CalendarFeed, feed_address
from bot.public.language import chosen_language
from bot.public.map import TownMap
from bot.public.views import UPCOMING_DAYS, PublicViews
from bot.runtime import Runtime
from storage.public import PublicRegister

log = logging.getLogger("bot.public")

VISITS_PER_PAGE = 20
MAX_PAGE = 100_000

Endpoint = Callable[[Request], Awaitable[Response]]


def slug_of(town: Town) -> str:
    return town.key.replace("_", "-")


class PublicSite:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.register = PublicRegister(runtime.database)
        self.feed = CalendarFeed(runtime, self.register)
        self.map = TownMap()
        self.templates = Environment(
            loader=PackageLoader("bot.public", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self._guarded(self.index), methods=["GET"]),
            Route("/town/{slug}", self._guarded(self.town), methods=["GET"]),
            Route("/upcoming", self._guarded(self.upcoming), methods=["GET"]),
            Route("/map.svg", self._guarded(self.map_svg), methods=["GET"]),
            Route("/calendar.ics", self._guarded(self.feed.respond), methods=["GET"]),
            # last: any other address gets the not-found page in the reader's language
            Route("/{path:path}", self._guarded(self.unknown), methods=["GET"]),
        ]

    def _guarded(self, endpoint: Endpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            try:
                await self.runtime.refresh()  # another process's changes (import-towns) as well
                return await endpoint(request)
            except HTTPException:
                raise
            except Exception:
                log.exception("the public page %s failed", request.url.path)
                return self.page(request, "error.html", {}, status_code=500)

        return guarded

    # -- rendering ---------------------------------------------------------------------------------

    def page(
        self, request: Request, template: str, values: dict[str, Any], status_code: int = 200
    ) -> Response:
        lang, explicit = chosen_language(request, self.runtime.default_language())
        other: Language = "en" if lang == "ru" else "ru"
        replies = self.runtime.replies()
        views = PublicViews(replies)

        def link(path: str, language: Language | None = None, **params: object) -> str:
            query: dict[str, object] = {}
            if language is not None or explicit:
                query["lang"] = language or lang
            query.update(params)
            pairs = "&".join(f"{name}={value}" for name, value in query.items())
            return f"{path}?{pairs}" if pairs else path

        body = self.templates.get_template(template).render(
            lang=lang,
            t=lambda key, **params: views.t(lang, key, **params),
            link=link,
            switch=link(request.url.path, other, **_kept_params(request)),
            other=other,
            webcal=feed_address(self.runtime.settings, lang)
            or f"webcal://{request.url.netloc}/calendar.ics" + ("?lang=en" if lang == "en" else ""),
            updated=replies.format_date(lang, self.runtime.today()),
            **values,
        )
        headers = {"Content-Language": lang, "Vary": "Accept-Language", "Cache-Control": "no-cache"}
        return HTMLResponse(body, status_code=status_code, headers=headers)

    def not_found(self, request: Request, message_key: str, **params: object) -> Response:
        return self.page(
            request, "not_found.html", {"message_key": message_key, "params": params}, status_code=404
        )

    # -- pages -------------------------------------------------------------------------------------

    async def unknown(self, request: Request) -> Response:
        return self.not_found(request, "public.not_found_page")

    async def index(self, request: Request) -> Response:
        lang, _ = chosen_language(request, self.runtime.default_language())
        views = PublicViews(self.runtime.replies())
        directory = self.runtime.directory
        return self.page(
            request,
            "index.html",
            {
                "towns": views.town_rows(lang),
                "map": self.map.svg(directory, lang, views),
                "not_drawn": [town.name(lang) for town in self.map.not_drawn(directory)],
            },
        )

    async def town(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        town = self.runtime.directory.get(slug.replace("-", "_")) if len(slug) <= 40 else None
        if town is None:
            return self.not_found(request, "public.not_found_town", slug=slug[:60])
        lang, _ = chosen_language(request, self.runtime.default_language())
        views = PublicViews(self.runtime.replies())
        town_days = await self.runtime.calendar.town_days()
        today = self.runtime.today()
        total = await self.register.count(town.key, today, await self.runtime.visits.generation())
        pages = max(1, math.ceil(total / VISITS_PER_PAGE))
        raw_page = request.query_params.get("page", "1")
        number = int(raw_page) if raw_page.isdigit() and len(raw_page) <= 6 else 1
        number = min(max(number, 1), pages, MAX_PAGE)
        visits = await self.register.page(town.key, today, (number - 1) * VISITS_PER_PAGE, VISITS_PER_PAGE)
        return self.page(
            request,
            "town.html",
            {
                "town": town,
                "slug": slug_of(town),
                "card": views.card(lang, town, town_days.get(town.key)),
                "visits": views.visit_rows(lang, visits),
                "total": total,
                "page_number": number,
                "pages": pages,
            },
        )

    async def upcoming(self, request: Request) -> Response:
        lang, _ = chosen_language(request, self.runtime.default_language())
        today = self.runtime.today()
        calendar = await self.runtime.load_calendar(
            today, today + timedelta(days=UPCOMING_DAYS), include_visits=False
        )
        views = PublicViews(self.runtime.replies())
        header, lines = views.upcoming(lang, calendar, today)
        return self.page(
            request,
            "upcoming.html",
            {"header": header, "events": lines, "unknown": views.unknown_town_days(lang, calendar, today)},
        )

    async def map_svg(self, request: Request) -> Response:
        lang, _ = chosen_language(request, self.runtime.default_language())
        views = PublicViews(self.runtime.replies())
        svg = self.map.svg(self.runtime.directory, lang, views, standalone=True)
        return Response(svg, media_type="image/svg+xml", headers={"Content-Language": lang})


def _kept_params(request: Request) -> dict[str, str]:
    page = request.query_params.get("page", "")
    return {"page": page} if page.isdigit() and len(page) <= 6 else {}


def public_routes(runtime: Runtime) -> list[BaseRoute]:
    """The routes of the public pages, for build_web_app(extra_routes=...). The map's outlines are
    projected here, once (a few tenths of a second), rather than by the first reader's request."""
    site = PublicSite(runtime)
    site.map.prepare(runtime.directory)
    return site.routes()
