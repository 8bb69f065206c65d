"""build_web_app(): the one ASGI application reached over HTTP (starlette, served by uvicorn).

- ``POST [webhook] path`` (webhook mode only): Telegram's updates. The secret header is compared in
  constant time; a missing or wrong one gets 403 and is counted, never processed. A body over
  MAX_BODY_BYTES gets 413, one that is not a JSON update 400. A good update is handed to the same
  ``Application`` (its update queue) and answered 200 at once; a repeat of an update_id (Telegram
  retries after a timeout) is dropped by the dedup handler, as in polling.
- ``GET /healthz``: the process answers (liveness).
- ``GET /readyz``: 200, or 503 with the reasons: the database answers, the application and its
  scheduler run, today's reminder pass is not overdue.
- ``GET /metrics``: Prometheus text format; with ``[http] metrics_token`` set it wants that bearer token.

``extra_routes`` lets other features (public pages, a calendar feed) join the same server.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.intake import INTAKE_KEY, Intake
from bot.metrics import CONTENT_TYPE, BotMetrics
from bot.runtime import Runtime
from bot.status import reminder_overdue

log = logging.getLogger("bot.web")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few KB (a message is at most 4096 characters plus entities); 1 MiB is ample
MAX_BODY_BYTES = 1 << 20
READY_TIMEOUT = 2.0


class _BodyTooLargeError(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def _metrics_of(application: Application) -> BotMetrics:  # type: ignore[type-arg]
    metrics = getattr(application, "metrics", None)
    return metrics if isinstance(metrics, BotMetrics) else BotMetrics()


def build_web_app(
    application: Application,  # type: ignore[type-arg]
    runtime: Runtime,
    settings: Settings,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    metrics = _metrics_of(application)
    secret = settings.webhook.secret.encode()
    metrics_token = settings.http.metrics_token.get_secret_value().strip()

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        # compare_digest: the time taken does not tell how much of a guess was right
        if not secret or not hmac.compare_digest(given, secret):
            metrics.webhook_rejected.labels("secret").inc()
            log.warning("webhook request without the right secret token from %s", _client(request))
            return PlainTextResponse("forbidden", status_code=403)
        try:
            body = await _read_body(request, MAX_BODY_BYTES)
        except _BodyTooLargeError:
            metrics.webhook_rejected.labels("too_large").inc()
            return PlainTextResponse("payload too large", status_code=413)
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, application.bot)
        except Exception:  # noqa: BLE001 - any malformed body: refused and counted, never processed
            metrics.webhook_rejected.labels("invalid").inc()
            return PlainTextResponse("not a Telegram update", status_code=400)
        intake = application.bot_data.get(INTAKE_KEY)
        if isinstance(intake, Intake):  # stored before the 200: Telegram sends it again otherwise
            try:
                await intake.store([data])
            except Exception as exc:  # noqa: BLE001 - not acknowledged: Telegram retries it
                log.warning("could not store a webhook update, answering 500: %s", type(exc).__name__)
                return PlainTextResponse("could not store the update", status_code=500)
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        reasons = await readiness(application, runtime)
        if reasons:
            return JSONResponse({"status": "not ready", "reasons": reasons}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def metrics_page(request: Request) -> Response:
        if metrics_token:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {metrics_token}".encode()):
                return PlainTextResponse(
                    "unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
        try:
            pending = sum(
                count
                for status, count in (await runtime.ledger.status_counts()).items()
                if status in ("pending", "sending")
            )
            last = await runtime.backups.last(ok=True)
            metrics.set_storage(settings.storage.database, pending, last.finished_at if last else None)
        except Exception as exc:  # noqa: BLE001 - the counters are still worth serving; the gauges go stale
            log.warning("metrics: could not read the database: %s", type(exc).__name__)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]
    if settings.webhook.enabled:
        routes.append(Route(settings.webhook.path, telegram, methods=["POST"]))
    routes.extend(extra_routes)
    return Starlette(routes=routes)


async def readiness(application: Application, runtime: Runtime) -> list[str]:  # type: ignore[type-arg]
    """Why the bot is not ready (an empty list: it is)."""
    reasons: list[str] = []
    try:
        await asyncio.wait_for(runtime.database.fetchone("SELECT 1"), READY_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - whatever it is, the database does not answer
        reasons.append(f"the database does not answer ({type(exc).__name__})")
    if not application.running:
        reasons.append("the application is not running")
    job_queue = application.job_queue
    if job_queue is None or not job_queue.scheduler.running:
        reasons.append("the scheduler is not running")
    if not reasons:
        try:
            overdue = await reminder_overdue(runtime)
        except Exception as exc:  # noqa: BLE001
            overdue = f"the reminder passes cannot be read ({type(exc).__name__})"
        if overdue:
            reasons.append(overdue)
    return reasons


def _client(request: Request) -> Any:
    return request.client.host if request.client else "?"
