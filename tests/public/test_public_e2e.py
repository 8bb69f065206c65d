"""The public pages from the real `twinbot run` process: [http] public = true, in polling and in webhook
mode; pages and the feed over a socket, and a staff change made in the chat shown at the next request."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import ADMIN_ID, RunningBot, finish
from tests.e2e.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.e2e


def fetch(
    bot: RunningBot, path: str, method: str = "GET", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{bot.port}{path}", headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), {k.lower(): v for k, v in exc.headers.items()}, exc.read()


@pytest.fixture
def server() -> FakeBotApi:
    started = FakeBotApi().start()
    yield started  # type: ignore[misc]
    started.stop()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_the_pages_and_the_feed_from_the_running_bot(server: FakeBotApi, tmp_path: Path, mode: str) -> None:
    # polling: on the [http] server; webhook: on the webhook's own server, beside the webhook
    bot = RunningBot(server, tmp_path, mode=mode, http=["public = true"]).start()
    try:
        status, headers, body = fetch(bot, "/")
        assert status == 200 and headers["content-type"].startswith("text/html")
        page = body.decode()
        assert "Нарва" in page and "Засниц" in page and "<svg" in page and len(body) < 100 * 1024
        status, _, body = fetch(bot, "/town/narva?lang=en")
        assert status == 200 and "Narva" in body.decode() and "not confirmed" in body.decode()
        status, _, body = fetch(bot, "/town/atlantis", **{"Accept-Language": "en-GB,en;q=0.9"})
        assert status == 404 and "not on the list" in body.decode()
        assert fetch(bot, "/upcoming?lang=xx")[0] == 200
        status, headers, body = fetch(bot, "/calendar.ics")
        assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
        assert fetch(bot, "/calendar.ics", **{"If-None-Match": headers["etag"]})[0] == 304
        status, _, head_body = fetch(bot, "/", method="HEAD")
        assert status == 200 and head_body == b""
        assert fetch(bot, "/healthz")[0] == 200  # the bot's own routes are still there

        # a staff change in the chat is on the page at the next request
        bot.ask(ADMIN_ID, "/townday Narva 12-13 June 2027")
        _, _, body = fetch(bot, "/town/narva?lang=en")
        assert "12–13 June 2027" in body.decode() and "date confirmed" in body.decode()
        status, _, _ = fetch(bot, "/calendar.ics", **{"If-None-Match": headers["etag"]})
        assert status == 200  # the feed moved on: subscribed calendars pick the change up
    finally:
        finish(bot)
