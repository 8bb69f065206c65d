"""The district's partnerships in public: read-only web pages, the calendar feed and the map.

Joined to the bot's web server (bot.web.server) when ``[http] public = true``; see bot.public.site.
"""

from bot.public.site import PublicSite, public_routes

__all__ = ["PublicSite", "public_routes"]
