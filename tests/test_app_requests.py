"""The Bot API clients build_application() makes for `twinbot run` (not the console's or the tests')."""

from __future__ import annotations

import ssl
from pathlib import Path

from telegram.request import BaseRequest, HTTPXRequest

from bot.app import REQUESTS_IN_FLIGHT, build_application
from bot.config import parse_settings
from bot.http_pool import ShardedPool


def httpx_requests(request: BaseRequest) -> list[HTTPXRequest]:
    """The HTTPXRequests under the layers (metrics, connectivity, the inbox, the sharded pool)."""
    while not isinstance(request, HTTPXRequest | ShardedPool):
        request = request.inner  # type: ignore[attr-defined]
    if isinstance(request, ShardedPool):
        return [shard for shard in request.shards if isinstance(shard, HTTPXRequest)]
    return [request]


def test_the_clients_share_one_tls_context(tmp_path: Path) -> None:
    """getUpdates has a client, every other call goes to one of 8 small clients (bot/http_pool.py): one CA
    bundle loaded for all of them, not nine (0.8 MB each)."""
    app = build_application(parse_settings({"storage": {"database": str(tmp_path / "bot.sqlite3")}}))
    updates_request, others_request = app.bot._request
    (updates,) = httpx_requests(updates_request)
    others = httpx_requests(others_request)
    assert len(others) == 8 and updates not in others
    assert sum(other._client._transport._pool._max_connections for other in others) == REQUESTS_IN_FLIGHT  # type: ignore[attr-defined]
    context = updates._client_kwargs["verify"]
    assert isinstance(context, ssl.SSLContext)
    assert all(other._client_kwargs["verify"] is context for other in others)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
