"""What /metrics shows (Prometheus text format, prometheus-client), and the places that feed it.

One registry per application (several can live in one test process). Three feeds:
- :class:`UpdateTrack`: TwinApplication starts one per update; the handlers it runs concurrently join
  it (a context variable, which tasks inherit), so the latency covers the update until its last handler
  finished, and the dedup and the error handler can name the outcome.
- :class:`InstrumentedRequest`: wraps the HTTP requests to the Bot API (replies, errors by code, 429s).
- gauges read at scrape time (:meth:`BotMetrics.refresh`): ledger rows pending, backup age, file size.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.request_layer import RequestLayer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# methods whose success is a message the bot sent or changed
REPLY_PREFIXES = ("send", "edit", "copy", "forward", "answer")
_UPDATE_KINDS = tuple(Update.ALL_TYPES)


def update_kind(update: object) -> str:
    if not isinstance(update, Update):
        return "other"
    for kind in _UPDATE_KINDS:
        if getattr(update, kind, None) is not None:
            return kind
    return "unknown"


class BotMetrics:
    def __init__(self) -> None:
        registry = self.registry = CollectorRegistry(auto_describe=True)
        self.started_at = time.time()
        self.updates = Counter(
            "twinbot_updates", "Updates handled, by type and outcome", ["type", "outcome"], registry=registry
        )
        self.update_seconds = Histogram(
            "twinbot_update_handling_seconds",
            "From taking an update until its last handler finished",
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self.replies = Counter(
            "twinbot_replies_sent",
            "Bot API calls that sent, edited or answered, by method",
            ["method"],
            registry=registry,
        )
        self.api_errors = Counter(
            "twinbot_bot_api_errors",
            "Bot API answers other than 200, by HTTP code",
            ["code"],
            registry=registry,
        )
        self.flood_waits = Counter(
            "twinbot_bot_api_flood_waits", "429 Too Many Requests answers", registry=registry
        )
        self.flood_wait_seconds = Counter(
            "twinbot_bot_api_flood_wait_seconds",
            "Seconds Telegram asked the bot to wait (retry_after)",
            registry=registry,
        )
        self.webhook_rejected = Counter(
            "twinbot_webhook_rejected", "Webhook requests refused, by reason", ["reason"], registry=registry
        )
        self.reminders = Counter(
            "twinbot_reminders",
            "Reminder ledger rows due, and reminder messages by outcome (sent, delayed, retry, failed, ...)",
            ["outcome"],
            registry=registry,
        )
        self.reminder_delay = Histogram(
            "twinbot_reminder_delay_seconds",
            "From a pass's due time until its messages were sent",
            buckets=(1, 5, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600),
            registry=registry,
        )
        self.ledger_pending = Gauge(
            "twinbot_ledger_pending",
            "Reminder ledger rows not delivered yet (pending or sending)",
            registry=registry,
        )
        self.backup_age = Gauge(
            "twinbot_backup_age_seconds",
            "Seconds since the last good backup (-1: none yet)",
            registry=registry,
        )
        self.backup_failures = Counter(
            "twinbot_backup_failures",
            "Backups that could not be made or failed their check",
            registry=registry,
        )
        self.database_bytes = Gauge(
            "twinbot_database_bytes", "Size of the database file with its WAL", registry=registry
        )
        self.start_time = Gauge("twinbot_start_time_seconds", "When this process started", registry=registry)
        self.start_time.set(self.started_at)
        # (type, outcome) -> its counter: labels() validates and looks the pair up under a lock each time
        self._update_counters: dict[tuple[str, str], Counter] = {}

    def count_update(self, kind: str, outcome: str, seconds: float | None = None) -> None:
        """One update handled (and how long it took, when it was handled rather than skipped)."""
        counter = self._update_counters.get((kind, outcome))
        if counter is None:
            counter = self._update_counters[(kind, outcome)] = self.updates.labels(kind, outcome)
        counter.inc()
        if seconds is not None:
            self.update_seconds.observe(seconds)

    def observe_request(self, method: str, code: int, payload: bytes) -> None:
        if code == 200:
            if method.startswith(REPLY_PREFIXES):
                self.replies.labels(method).inc()
            return
        self.api_errors.labels(str(code)).inc()
        if code == 429:
            self.flood_waits.inc()
            retry_after = _retry_after(payload)
            if retry_after:
                self.flood_wait_seconds.inc(retry_after)

    def observe_pass(
        self, planned: int, outcomes: dict[str, int], delayed: bool, delay_seconds: float
    ) -> None:
        self.reminders.labels("due").inc(planned)
        for outcome, count in outcomes.items():
            self.reminders.labels(outcome).inc(count)
        sent = outcomes.get("sent", 0)
        if delayed and sent:
            self.reminders.labels("delayed").inc(sent)
        for _ in range(sent):
            self.reminder_delay.observe(max(0.0, delay_seconds))

    def observe_skipped_passes(self, count: int) -> None:
        if count:
            self.reminders.labels("skipped_pass").inc(count)

    def set_storage(self, database: Path, pending: int, last_backup_at: float | None) -> None:
        self.ledger_pending.set(pending)
        self.backup_age.set(-1 if last_backup_at is None else max(0.0, time.time() - last_backup_at))
        self.database_bytes.set(database_size(database))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def database_size(path: Path) -> int:
    total = 0
    for candidate in (path, path.with_name(path.name + "-wal")):
        try:
            total += candidate.stat().st_size
        except OSError:
            continue
    return total


def _retry_after(payload: bytes) -> float:
    try:
        data = json.loads(payload)
        return float(data.get("parameters", {}).get("retry_after", 0))
    except (ValueError, TypeError, AttributeError):
        return 0.0


# ---- per update --------------------------------------------------------------------------------------


@dataclass(slots=True)
class UpdateTrack:
    """One update on its way through the handlers; finished when the last of its tasks is done."""

    metrics: BotMetrics
    kind: str
    started: float = field(default_factory=time.perf_counter)
    pending: int = 1
    outcome: str = "handled"
    on_finished: Callable[[], None] | None = None  # the inbox marks the update done (bot.intake)

    def join(self) -> None:
        self.pending += 1

    def leave(self) -> None:
        self.pending -= 1
        if self.pending == 0:
            self.metrics.count_update(self.kind, self.outcome, time.perf_counter() - self.started)
            if self.on_finished is not None:
                self.on_finished()


current_update: ContextVar[UpdateTrack | None] = ContextVar("twinbot_current_update", default=None)


def mark_update(outcome: str) -> None:
    """Name the outcome of the update being handled ("duplicate", "error"); a no-op outside one."""
    track = current_update.get()
    if track is not None and track.outcome != "error":
        track.outcome = outcome


# ---- Bot API requests ---------------------------------------------------------------------------------


class InstrumentedRequest(RequestLayer):
    """A BaseRequest that hands every call to `inner` and counts what came back.

    `max_in_flight` bounds the requests on the wire at once: handlers run concurrently, and a burst of
    hundreds of replies queued inside httpcore's connection pool costs time quadratic in their number
    (every request that finishes scans every connection and every queued request), so they wait here
    instead, in an asyncio.Semaphore, at constant cost."""

    __slots__ = ("_gate", "metrics")

    def __init__(self, inner: BaseRequest, metrics: BotMetrics, max_in_flight: int | None = None) -> None:
        super().__init__(inner)
        self.metrics = metrics
        self._gate = asyncio.Semaphore(max_in_flight) if max_in_flight else None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        call = self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if self._gate is None:
            code, payload = await call
        else:
            async with self._gate:
                code, payload = await call
        self.metrics.observe_request(url.rsplit("/", 1)[-1], code, payload)
        return code, payload


def metric_names(metrics: BotMetrics) -> Iterable[str]:
    return (family.name for family in metrics.registry.collect())
