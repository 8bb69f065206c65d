"""What /metrics shows (Prometheus text format, prometheus-client), and the places that feed it.

One set of metrics per application (several can live in one test process). Three feeds:
- :class:`UpdateTrack`: TwinApplication starts one per update; the handlers it runs concurrently join
  it (a context variable, which tasks inherit), so the latency covers the update until its last handler
  finished, and the dedup and the error handler can name the outcome.
- :class:`InstrumentedRequest`: wraps the HTTP requests to the Bot API (replies, errors by code, 429s).
- gauges read at scrape time (:meth:`BotMetrics.set_storage`): ledger rows pending, backup age, file size.

The values are kept in plain dicts and lists (:class:`Tally`, :class:`Level`, :class:`Spread`), and
prometheus-client is imported only to write them out at a scrape (:meth:`BotMetrics.exposition`): most
installations never serve /metrics, and the library with the HTTP and WSGI servers it imports is ~1.6
MB of the idle process and ~10 ms of every start. An event is then a dict addition, not a locked
prometheus-client sample.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.request_layer import RequestLayer

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric

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


class _Family:
    __slots__ = ("documentation", "labelnames", "name")

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)

    def _key(self, values: tuple[str, ...]) -> tuple[str, ...]:
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name} takes the labels {self.labelnames}, not {values}")
        return tuple(str(value) for value in values)


class Tally(_Family):
    """A counter (by its labels, when it has any): what Prometheus shows as NAME_total."""

    __slots__ = ("values",)

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, documentation, labelnames)
        # an unlabelled counter is shown from the start, at 0; a labelled one by the labels seen
        self.values: dict[tuple[str, ...], float] = {} if labelnames else {(): 0.0}

    def labels(self, *values: str) -> TallyOf:
        return TallyOf(self, self._key(values))

    def inc(self, amount: float = 1.0) -> None:
        self.add((), amount)

    def add(self, key: tuple[str, ...], amount: float) -> None:
        if amount < 0:
            raise ValueError(f"{self.name} only counts up")
        self.values[key] = self.values.get(key, 0.0) + amount


@dataclass(frozen=True, slots=True)
class TallyOf:
    """One label combination of a :class:`Tally`."""

    tally: Tally
    key: tuple[str, ...]

    def inc(self, amount: float = 1.0) -> None:
        self.tally.add(self.key, amount)


class Level(_Family):
    """A gauge: a value set when it is known."""

    __slots__ = ("value",)

    def __init__(self, name: str, documentation: str) -> None:
        super().__init__(name, documentation)
        self.value = 0.0

    def set(self, value: float) -> None:
        self.value = float(value)


class Spread(_Family):
    """A histogram: how many observations fell at or under each bucket's bound, their count and sum."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, name: str, documentation: str, buckets: Sequence[float]) -> None:
        super().__init__(name, documentation)
        self.bounds = tuple(sorted(float(bound) for bound in buckets))
        self.counts = [0] * (len(self.bounds) + 1)  # the last one: over every bound (+Inf)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value


class BotMetrics:
    def __init__(self) -> None:
        self.started_at = time.time()
        self.updates = Tally("twinbot_updates", "Updates handled, by type and outcome", ["type", "outcome"])
        self.update_seconds = Spread(
            "twinbot_update_handling_seconds",
            "From taking an update until its last handler finished",
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.replies = Tally(
            "twinbot_replies_sent", "Bot API calls that sent, edited or answered, by method", ["method"]
        )
        self.api_errors = Tally(
            "twinbot_bot_api_errors", "Bot API answers other than 200, by HTTP code", ["code"]
        )
        self.flood_waits = Tally("twinbot_bot_api_flood_waits", "429 Too Many Requests answers")
        self.flood_wait_seconds = Tally(
            "twinbot_bot_api_flood_wait_seconds", "Seconds Telegram asked the bot to wait (retry_after)"
        )
        self.webhook_rejected = Tally(
            "twinbot_webhook_rejected", "Webhook requests refused, by reason", ["reason"]
        )
        self.reminders = Tally(
            "twinbot_reminders",
            "Reminder ledger rows due, and reminder messages by outcome (sent, delayed, retry, failed, ...)",
            ["outcome"],
        )
        self.reminder_delay = Spread(
            "twinbot_reminder_delay_seconds",
            "From a pass's due time until its messages were sent",
            buckets=(1, 5, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600),
        )
        self.ledger_pending = Level(
            "twinbot_ledger_pending", "Reminder ledger rows not delivered yet (pending or sending)"
        )
        self.backup_age = Level(
            "twinbot_backup_age_seconds", "Seconds since the last good backup (-1: none yet)"
        )
        self.backup_failures = Tally(
            "twinbot_backup_failures", "Backups that could not be made or failed their check"
        )
        self.database_bytes = Level("twinbot_database_bytes", "Size of the database file with its WAL")
        self.start_time = Level("twinbot_start_time_seconds", "When this process started")
        self.start_time.set(self.started_at)
        # every family above, in the order defined: what a scrape writes out
        self.families: tuple[Tally | Level | Spread, ...] = tuple(
            value for value in vars(self).values() if isinstance(value, Tally | Level | Spread)
        )

    def count_update(self, kind: str, outcome: str, seconds: float | None = None) -> None:
        """One update handled (and how long it took, when it was handled rather than skipped)."""
        self.updates.add((kind, outcome), 1.0)
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

    @property
    def registry(self) -> CollectorRegistry:
        """The values as a prometheus-client registry (built at each call: a scrape, a test's look)."""
        from prometheus_client import CollectorRegistry

        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Scrape(self))
        return registry

    def exposition(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


class _Scrape:
    """prometheus-client's collector protocol over the plain values of one :class:`BotMetrics`."""

    def __init__(self, metrics: BotMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.metrics_core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        for family in self.metrics.families:
            if isinstance(family, Tally):
                counter = CounterMetricFamily(family.name, family.documentation, labels=family.labelnames)
                for key, value in sorted(family.values.items()):
                    counter.add_metric(list(key), value)
                yield counter
            elif isinstance(family, Level):
                yield GaugeMetricFamily(family.name, family.documentation, value=family.value)
            else:
                cumulative, buckets = 0, []
                for bound, count in zip((*family.bounds, float("inf")), family.counts, strict=True):
                    cumulative += count
                    buckets.append(("+Inf" if bound == float("inf") else repr(bound), float(cumulative)))
                yield HistogramMetricFamily(
                    family.name, family.documentation, buckets=buckets, sum_value=family.total
                )


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
