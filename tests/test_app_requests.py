"""The Bot API clients build_application() makes for `twinbot run` (not the console's or the tests')."""

from __future__ import annotations

import ssl
from pathlib import Path

from telegram.request import BaseRequest, HTTPXRequest

from bot.app import build_application
from bot.config import parse_settings


def httpx_request(request: BaseRequest) -> HTTPXRequest:
    """The HTTPXRequest under the layers (metrics, connectivity, the inbox)."""
    while not isinstance(request, HTTPXRequest):
        request = request.inner  # type: ignore[attr-defined]
    return request


def test_the_two_clients_share_one_tls_context(tmp_path: Path) -> None:
    """getUpdates and every other call have a client each; one CA bundle loaded, not two (0.8 MB)."""
    app = build_application(parse_settings({"storage": {"database": str(tmp_path / "bot.sqlite3")}}))
    updates, others = (httpx_request(request) for request in app.bot._request)
    assert updates is not others
    context = updates._client_kwargs["verify"]
    assert isinstance(context, ssl.SSLContext) and others._client_kwargs["verify"] is context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
