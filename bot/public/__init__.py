"""The district's partnerships in public: read-only web pages, the calendar feed and the map.

Joined to the bot's web server (bot.web.server) when ``[http] public = true``; see bot.public.site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.public.site import PublicSite, public_routes

__all__ = ["PublicSite", "public_routes"]


def __getattr__(name: str) -> Any:
    # the site (jinja2, starlette) is loaded when asked for, not by every `import bot.public.x`: the
    # bot's handlers use the digest, the map and the feed's address without the web pages running
    if name in __all__:
        from bot.public import site

        return getattr(site, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
