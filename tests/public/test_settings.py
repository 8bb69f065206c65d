"""[http] public and public_url: errors that name the key, and the feed address they make."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_settings
from bot.public.feed import feed_address


def test_public_pages_need_the_web_server() -> None:
    with pytest.raises(ConfigError, match=r"\[http\] public = true needs the web server"):
        parse_settings({"http": {"public": True}})
    assert parse_settings({"http": {"enabled": True, "public": True}}).http.public
    webhook = {"enabled": True, "public_url": "https://bot.example.org/telegram", "secret_token": "s3cret"}
    assert parse_settings({"webhook": webhook, "http": {"public": True}}).http.public


@pytest.mark.parametrize("url", ["twins.example.org", "ftp://twins.example.org", "https://"])
def test_public_url_must_be_an_http_address(url: str) -> None:
    with pytest.raises(ConfigError, match=r"\[http\] public_url"):
        parse_settings({"http": {"enabled": True, "public": True, "public_url": url}})


def test_the_feed_address_is_webcal_on_the_public_host() -> None:
    settings = parse_settings(
        {"http": {"enabled": True, "public": True, "public_url": "https://twins.example.org/partners/"}}
    )
    assert feed_address(settings, "ru") == "webcal://twins.example.org/partners/calendar.ics"
    assert feed_address(settings, "en") == "webcal://twins.example.org/partners/calendar.ics?lang=en"
    off = parse_settings({"http": {"enabled": True, "public_url": "https://twins.example.org"}})
    assert feed_address(off, "ru") == ""  # the pages are not public: no address to give out
