"""The daily reminder pass: what is due, for whom, and delivery that is exactly-once.

Plan
----
A pass is *for a local day* D (in ``[reminders] timezone``). It computes the calendar events whose date
minus one of their lead days is D (bot.core.calendar.Calendar.due_on), matches them against the active
subscriptions plus the staff chat (which hears everything, planned visits included), and groups them per
chat: each chat gets one message per pass (split only if it would exceed 4096 characters).

Exactly-once protocol
---------------------
The delivery ledger (storage/ledger.py) has one row per (event, occurrence, chat, lead), UNIQUE.

1. **Record.** The pass inserts its rows with ``INSERT OR IGNORE`` as ``pending``. Running the pass again
   (a second pass the same day, a restart, cron and the bot at once) finds the rows already there and
   only ever works on those still ``pending``.
2. **Claim, as late as possible.** Right before the HTTP request leaves, *after* every rate-limit wait,
   one ``BEGIN IMMEDIATE`` transaction moves all rows of the message from ``pending`` to ``sending`` with
   a fresh claim token, and commits. If any row is no longer pending (another pass got there first), the
   claim fails as a whole and nothing is sent. The claim runs inside our rate limiter
   (bot/ratelimit.py, the "send guard") precisely so that the window between "claimed" and "on the wire"
   holds no waiting at all.
3. **Send, then settle**, in a second transaction, according to what Telegram answered:

   - a Message: ``sent`` (with the message id);
   - 429 (after the limiter's retries), a connection that was never made (connect error/timeout, pool
     timeout), or a 5xx answer: the message was certainly not delivered -> back to ``pending``, retried
     by a later run of the pass while the catch-up window is open. Inside the limiter, each 429 releases
     the claim while waiting (``after_refusal``) and the retry claims again;
   - 403 (blocked, kicked) or 400 "chat not found": ``blocked``, and that chat's subscription is switched
     off in the same transaction (audited, like every subscription change); everybody else still gets
     theirs;
   - "group chat was upgraded to a supergroup" (ChatMigrated, nothing delivered): ``failed`` for the old
     id; in the same transaction the subscription and the chat's language move to the new id (audited)
     and the same rows are recorded for it, and the message goes to the new id within the same pass;
   - another 400: ``failed`` (logged; a bug of ours, not retried);
   - no answer although the request may have arrived (read/write timeout, connection dropped mid-way):
     ``in_doubt``, never sent again.

4. **Crash recovery.** A process that dies between 2 and 3 leaves rows in ``sending``. They are not sent
   again (the request may well have been delivered); a later pass turns claims older than
   :data:`STALE_CLAIM_SECONDS` into ``in_doubt``.

So a reminder is **never sent twice**: a row is sent only from ``pending``, by the one attempt whose claim
committed, and it only returns to ``pending`` when Telegram's answer proves nothing was delivered. And
**nobody is skipped**: every row stays ``pending`` until an attempt was made for it, however often the pass
is interrupted; the only rows that can end without a certain delivery are those whose request was already
on the wire when the answer was lost (``in_doubt``, counted and logged) - with a late claim that is at
most the handful of requests in flight at that instant. Resending those would risk the duplicate, which
the office considered worse.

Catch-up
--------
:meth:`ReminderService.run_due` runs every pass whose time has come and that is not done: the scheduled
one, the one missed while the bot was down (the same day: sent as usual; after midnight: marked
"delayed", as long as it is within ``catch_up_hours`` of the missed send time; later it is logged and
skipped), one interrupted by a restart, and one whose rows are still ``pending`` after transient errors.
It runs at start (from post_init, as a JobQueue job) and every day at ``send_time`` (JobQueue.run_daily,
with an explicit misfire grace). Jobs carry nothing but their name; everything is re-read from the database.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.core.calendar import Calendar, Due, EventKind, Subscriber, plan_deliveries
from bot.core.model import Language
from bot.errors import mask_secret
from bot.logmask import describe_error
from bot.metrics import BotMetrics
from bot.ratelimit import BroadcastRateLimiter
from bot.replies.calendar import CalendarReplies
from bot.runtime import TOWNS_CHECK_SECONDS, PlannedVisitSource
from storage.ledger import ClaimLostError, LedgerKey

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import Application, CallbackContext

    from bot.runtime import Runtime

log = logging.getLogger("bot.reminders")

STALE_CLAIM_SECONDS = 300.0  # far beyond any request timeout: a claim this old belongs to a dead attempt
SEND_WORKERS = 8
SEND_READ_TIMEOUT = 20.0
RETRY_MINUTES = 10  # a pass with messages still pending after transient errors runs again this much later
MAX_CATCH_UP_DAYS = 400  # how far back a long outage is even looked at (older days are just skipped)
DAILY_JOB = "reminders-daily"
CATCH_UP_JOB = "reminders-catch-up"
RETRY_JOB = "reminders-retry"
TOWNS_JOB = "towns-watch"


# ---- sending ----------------------------------------------------------------------------------------


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"  # certainly not delivered; pending again
    BLOCKED = "blocked"
    FAILED = "failed"
    IN_DOUBT = "in_doubt"
    TAKEN = "taken"  # another pass holds the rows


class LedgerGuard:
    """The send guard of one message: claims its ledger rows right before each HTTP attempt."""

    def __init__(self, runtime: Runtime, ids: Sequence[int]) -> None:
        self.ledger = runtime.ledger
        self.ids = list(ids)
        self.token = uuid.uuid4().hex
        self.claimed = False

    async def before_attempt(self) -> None:
        await self.ledger.claim(self.ids, self.token)
        self.claimed = True

    async def after_refusal(self) -> None:
        if self.claimed:
            await self.ledger.finish(self.ids, self.token, "pending", error="429 Too Many Requests")
            self.claimed = False

    def __repr__(self) -> str:
        return f"LedgerGuard({len(self.ids)} rows)"


class Sender(Protocol):
    async def send(self, chat_id: int, text: str, guard: LedgerGuard) -> int:
        """Send one HTML message; returns its message id. Must call guard.before_attempt() right before
        the request goes out (and guard.after_refusal() after a 429)."""
        ...


class TelegramSender:
    """Sends through a bot that carries bot.app.DEFAULTS (HTML, no link previews), as the application's
    bot and the one `twinbot remind` builds do."""

    def __init__(self, bot: Bot, read_timeout: float = SEND_READ_TIMEOUT) -> None:
        self.bot = bot
        self.read_timeout = read_timeout

    async def send(self, chat_id: int, text: str, guard: LedgerGuard) -> int:
        limiter = getattr(self.bot, "rate_limiter", None)
        extra: dict[str, Any] = {}
        if isinstance(limiter, BroadcastRateLimiter):
            extra["rate_limit_args"] = guard  # the limiter claims after its waits
        else:
            await guard.before_attempt()
        message = await self.bot.send_message(
            chat_id=chat_id,
            text=text,
            read_timeout=self.read_timeout,
            **extra,
        )
        return message.message_id


def masked(text: str, token: str) -> str:
    """An error's text without the token, for the ledger and the log: what httpx or Telegram said can hold
    the request URL. PTB's TelegramError capitalize()s its message, i.e. lower-cases the token in it."""
    return mask_secret(mask_secret(text, token), token.lower())


def classify(error: BaseException) -> Outcome:
    """What a failed send means for the ledger (see the module docstring)."""
    if isinstance(error, ClaimLostError):
        return Outcome.TAKEN
    if isinstance(error, RetryAfter):
        return Outcome.RETRY
    if isinstance(error, Forbidden):
        return Outcome.BLOCKED
    if isinstance(error, BadRequest):
        return Outcome.BLOCKED if "chat not found" in error.message.lower() else Outcome.FAILED
    cause = error.__cause__
    if isinstance(
        cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.UnsupportedProtocol
    ):
        return Outcome.RETRY  # the connection was never made: nothing left this machine
    if isinstance(cause, BaseException):
        return Outcome.IN_DOUBT  # the request may have arrived; the answer did not
    if isinstance(error, TelegramError):
        return Outcome.RETRY  # an error answer from the server (5xx): it did not send the message
    return Outcome.IN_DOUBT


# ---- the pass ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Delivery:
    chat_id: int
    language: Language
    text: str
    ids: list[int]
    items: list[Due]


@dataclass(slots=True)
class PassReport:
    day: date
    delayed: bool = False
    dry_run: bool = False
    planned: int = 0  # ledger rows of the day (chat x event x lead)
    deliveries: list[Delivery] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    already_sent: int = 0

    def count(self, outcome: Outcome) -> int:
        return self.outcomes.get(outcome.value, 0)

    @property
    def pending_left(self) -> int:
        return self.count(Outcome.RETRY)


async def load_calendar(
    runtime: Runtime,
    first: date,
    last: date,
    visits: PlannedVisitSource | None = None,
    *,
    include_visits: bool = True,
) -> Calendar:
    """The calendar with the planned visits that start between first and last (Runtime.load_calendar);
    the towns and Town Days are first brought up to date with what other processes may have written."""
    return await runtime.load_calendar(
        first, last, include_visits=include_visits, visits=visits, force_refresh=True
    )


def scheduled_at(runtime: Runtime, day: date) -> datetime:
    """When the pass of `day` is due: send_time on that day in the configured zone, as an instant (UTC).

    On a spring-forward day a send_time inside the gap (e.g. 03:30 in Helsinki) is read with the offset
    before the change, i.e. it lands an hour later on the wall clock; on the autumn day an ambiguous time
    means its first occurrence. Both are what zoneinfo does with fold=0, and what APScheduler's cron
    trigger does. Comparisons are made in UTC: within one zone Python compares wall clocks, which would
    be an hour off across a change."""
    reminders = runtime.settings.reminders
    return datetime.combine(day, reminders.send_time, tzinfo=reminders.zone).astimezone(UTC)


class ReminderService:
    def __init__(
        self,
        runtime: Runtime,
        sender: Sender | None,
        visits: PlannedVisitSource | None = None,
        workers: int = SEND_WORKERS,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.runtime = runtime
        self.sender = sender
        self.visits = visits  # None: the register (through the runtime's calendar)
        self.workers = workers
        # true once the bot is shutting down: no new message is started (the rest stays pending and
        # goes out when the bot is back); a message already on its way is finished
        self.stopping = stopping
        self._lock = asyncio.Lock()
        # for /metrics: what the last run_due skipped (passes past their window) and expired (rows)
        self.last_skipped = 0
        self.last_expired = 0

    # -- planning ----------------------------------------------------------------------------------

    async def staff_subscriber(self) -> Subscriber | None:
        chat = self.runtime.settings.reminders.staff_chat
        if not chat:
            return None
        language = await self.runtime.preferences.language(chat) or self.runtime.default_language()
        return Subscriber(chat, language, frozenset(EventKind), staff=True)

    async def plan(self, day: date) -> tuple[Calendar, dict[int, list[Due]], dict[int, Language]]:
        """What each chat should hear about on `day`: (calendar, chat -> items, chat -> language)."""
        settings = self.runtime.calendar_settings()
        calendar = await load_calendar(
            self.runtime, day, day + timedelta(days=settings.max_lead), self.visits
        )
        due = calendar.due_on(day)
        if not due:
            return calendar, {}, {}
        subscribers: list[Subscriber] = []
        if any(not item.event.staff_only for item in due):
            subscribers = await self.runtime.subscriptions.active_subscribers()
        staff = await self.staff_subscriber()
        if staff is not None:
            subscribers.append(staff)
        languages: dict[int, Language] = {}
        for subscriber in subscribers:
            languages[subscriber.chat_id] = "en" if subscriber.language == "en" else "ru"
        return calendar, plan_deliveries(due, subscribers), languages

    # -- one pass ----------------------------------------------------------------------------------

    async def run_pass(self, day: date, *, delayed: bool = False, dry_run: bool = False) -> PassReport:
        """Plan the pass of `day` and send what is still pending (nothing is written with dry_run)."""
        report = PassReport(day=day, delayed=delayed, dry_run=dry_run)
        calendar, by_chat, languages = await self.plan(day)
        keys = {
            LedgerKey(item.event.key, item.event.occurrence, chat_id, item.lead): (chat_id, item)
            for chat_id, items in by_chat.items()
            for item in items
        }
        report.planned = len(keys)
        today = self.runtime.today()
        reference = day if dry_run or day >= today else today
        delayed_from = day if delayed else None
        if dry_run:
            status = {entry.key: entry.status for entry in await self.runtime.ledger.entries(day)}
            report.already_sent = sum(1 for key in keys if status.get(key, "pending") != "pending")
            pending = {key: value for key, value in keys.items() if status.get(key, "pending") == "pending"}
            report.deliveries = self._deliveries(pending, {}, calendar, languages, reference, delayed_from)
            return report
        ledger = self.runtime.ledger
        await ledger.start_pass(day, delayed=delayed)
        await ledger.plan(day, keys, delayed=delayed)
        entries = await ledger.entries(day)
        ids = {entry.key: entry.id for entry in entries if entry.status == "pending"}
        report.already_sent = sum(1 for entry in entries if entry.key in keys and entry.status != "pending")
        orphans = [entry.id for entry in entries if entry.status == "pending" and entry.key not in keys]
        if orphans:  # the event moved or vanished, or the chat unsubscribed since the rows were planned
            await self._retire(orphans)
        pending = {key: value for key, value in keys.items() if key in ids}
        report.deliveries = self._deliveries(pending, ids, calendar, languages, reference, delayed_from)
        await self._send_all(report)
        sent = report.count(Outcome.SENT)
        if sum(report.outcomes.values()) < len(report.deliveries):  # shutdown began mid-pass
            log.info(
                "reminder pass %s interrupted by shutdown after %d message(s); resumed at start", day, sent
            )
            return report
        await ledger.finish_pass(day, planned=report.planned, sent=sent)
        log.info(
            "reminder pass %s%s: %d planned, %d sent now, %d already handled, %s",
            day,
            " (delayed)" if delayed else "",
            report.planned,
            sent,
            report.already_sent,
            ", ".join(f"{name} {count}" for name, count in sorted(report.outcomes.items()))
            or "nothing to send",
        )
        return report

    async def _retire(self, ids: Sequence[int]) -> None:
        token = uuid.uuid4().hex
        try:
            await self.runtime.ledger.claim(ids, token)
        except ClaimLostError:
            return
        await self.runtime.ledger.finish(ids, token, "expired", error="no longer due to this chat")

    def _deliveries(
        self,
        pending: dict[LedgerKey, tuple[int, Due]],
        ids: dict[LedgerKey, int],
        calendar: Calendar,
        languages: dict[int, Language],
        reference: date,
        delayed_from: date | None,
    ) -> list[Delivery]:
        by_chat: dict[int, list[tuple[LedgerKey, Due]]] = {}
        for key, (chat_id, item) in pending.items():
            by_chat.setdefault(chat_id, []).append((key, item))
        texts = CalendarReplies(self.runtime.replies())
        staff_chat = self.runtime.settings.reminders.staff_chat
        deliveries = []
        for chat_id, pairs in by_chat.items():
            pairs.sort(key=lambda pair: pair[1].event.sort_key)
            items = [item for _, item in pairs]
            language = languages.get(chat_id, self.runtime.default_language())
            chunks = texts.reminder_chunks(
                language, items, reference, calendar, delayed_from, footer=chat_id != staff_chat
            )
            for text, indexes in chunks:
                deliveries.append(
                    Delivery(
                        chat_id=chat_id,
                        language=language,
                        text=text,
                        ids=[ids.get(pairs[i][0], 0) for i in indexes],
                        items=[items[i] for i in indexes],
                    )
                )
        return deliveries

    async def _send_all(self, report: PassReport) -> None:
        if self.sender is None or not report.deliveries:
            return
        queue: asyncio.Queue[Delivery] = asyncio.Queue()
        for delivery in report.deliveries:
            queue.put_nowait(delivery)

        async def worker() -> None:
            while not self.stopping():
                try:
                    delivery = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                outcome = await self.deliver(delivery)
                report.outcomes[outcome.value] = report.outcomes.get(outcome.value, 0) + 1

        await asyncio.gather(*(worker() for _ in range(max(1, min(self.workers, len(report.deliveries))))))

    async def deliver(self, delivery: Delivery, *, moved: bool = False) -> Outcome:
        """Send one message under the exactly-once protocol; returns what happened."""
        assert self.sender is not None
        ledger = self.runtime.ledger
        guard = LedgerGuard(self.runtime, delivery.ids)
        try:
            message_id = await self.sender.send(delivery.chat_id, delivery.text, guard)
        except ChatMigrated as error:
            if moved:  # the new id says it moved again: not followed any further
                await self._settle_failure(delivery, guard, Outcome.FAILED, error)
                return Outcome.FAILED
            return await self._follow_migration(delivery, guard, error.new_chat_id)
        except (TelegramError, ClaimLostError, httpx.HTTPError, OSError) as error:
            outcome = classify(error)
            await self._settle_failure(delivery, guard, outcome, error)
            return outcome
        except asyncio.CancelledError:
            # shutting down mid-request: the claim stays, the row becomes in_doubt later (never twice)
            raise
        await ledger.finish(delivery.ids, guard.token, "sent", message_id=message_id)
        return Outcome.SENT

    async def _follow_migration(self, delivery: Delivery, guard: LedgerGuard, new_chat: int) -> Outcome:
        """The group became a supergroup: nothing was delivered. Its subscription and language move to
        the new id (audited, in the ledger's transaction) and the same message goes there now."""
        old_chat = delivery.chat_id
        migrated = await self.runtime.ledger.migrate(
            delivery.ids, guard.token, old_chat, new_chat, error=f"the chat moved to {new_chat}"
        )
        log.warning(
            "chat %s became supergroup %s: %s",
            old_chat,
            new_chat,
            "its subscription moved" if migrated.move.subscription else "no subscription to move",
        )
        if old_chat == self.runtime.settings.reminders.staff_chat:
            log.warning("the staff chat is now %s: set [reminders] staff_chat = %s", new_chat, new_chat)
        language = migrated.move.language
        if language is not None and await self.runtime.preferences.language(new_chat) != language:
            # ChatPreferences keeps an in-memory copy, which may still say "no choice" for the new id; the
            # database already holds this value (moved above, audited), so this only refreshes the copy
            await self.runtime.preferences.set_language(new_chat, language)
        if not migrated.complete:
            # the new id already had some of these (its own subscription): a later run of the pass sends
            # whatever is still pending for it, without repeating the rest
            return Outcome.RETRY if migrated.pending else Outcome.TAKEN
        moved = Delivery(new_chat, delivery.language, delivery.text, migrated.pending, delivery.items)
        return await self.deliver(moved, moved=True)

    async def _settle_failure(
        self, delivery: Delivery, guard: LedgerGuard, outcome: Outcome, error: BaseException
    ) -> None:
        ledger = self.runtime.ledger
        description = masked(describe_error(error), self.runtime.settings.token)[:300]
        if outcome is Outcome.TAKEN:
            log.info("chat %s: another pass is sending these reminders", delivery.chat_id)
            return
        if not guard.claimed and outcome is not Outcome.RETRY:
            # failed before the claim (nothing went out): leave the rows pending
            log.warning("chat %s: not sent (%s); will retry", delivery.chat_id, description)
            return
        if outcome is Outcome.SENT:  # pragma: no cover - not a failure
            return
        if outcome is Outcome.RETRY:
            if guard.claimed:
                await ledger.finish(delivery.ids, guard.token, "pending", error=description)
            log.warning("chat %s: not delivered (%s); will retry", delivery.chat_id, description)
        elif outcome is Outcome.BLOCKED:
            await ledger.finish(
                delivery.ids, guard.token, "blocked", error=description, deactivate_chat=delivery.chat_id
            )
            log.warning(
                "chat %s cannot be reached (%s); its subscription is off", delivery.chat_id, description
            )
        elif outcome is Outcome.FAILED:
            await ledger.finish(delivery.ids, guard.token, "failed", error=description)
            log.error("chat %s: Telegram refused the reminder: %s", delivery.chat_id, description)
        else:
            await ledger.finish(delivery.ids, guard.token, "in_doubt", error=description)
            log.warning(
                "chat %s: no answer to the reminder (%s); it may have arrived, so it is not sent again",
                delivery.chat_id,
                description,
            )

    # -- what is due now ---------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None, early: timedelta = timedelta(0)) -> list[PassReport]:
        """Run every pass that is due and not done (see "Catch-up" in the module docstring).

        `early`: how much before send_time the pass of the day may already run; the daily job passes a
        little, because a timer may fire a moment before the wall clock reaches send_time."""
        async with self._lock:
            return await self._run_due(now or self.runtime.now(), early)

    async def _run_due(self, now: datetime, early: timedelta) -> list[PassReport]:
        runtime = self.runtime
        ledger = runtime.ledger
        zone = runtime.settings.reminders.zone
        today = now.astimezone(zone).date()
        utc_now = now.astimezone(UTC)
        window = timedelta(hours=runtime.settings.reminders.catch_up_hours)
        recovered = await ledger.recover_stale_claims(STALE_CLAIM_SECONDS)
        if recovered:
            log.warning(
                "%d reminder(s) were mid-request when a previous run stopped: marked in doubt", recovered
            )
        horizon = today - timedelta(days=MAX_CATCH_UP_DAYS)
        passes = await ledger.passes(since=horizon)
        last = await ledger.last_pass()
        candidates: set[date] = set()
        if last is None or last < horizon:
            candidates.add(today)
            if last is not None:
                log.warning("no reminder pass since %s; only today's is considered", last)
        else:
            day = last
            while day <= today:
                candidates.add(day)
                day += timedelta(days=1)
        candidates |= {day for day, state in passes.items() if state.status == "running"}
        pending_days = set(await ledger.pending_dates())
        candidates |= {day for day in pending_days if day >= horizon}
        reports: list[PassReport] = []
        skipped: list[date] = []
        for day in sorted(candidates):
            due_at = scheduled_at(runtime, day)
            if utc_now + early < due_at:
                continue  # not yet (today's pass before send_time)
            state = passes.get(day)
            if state is not None and state.status == "done" and day not in pending_days:
                continue
            if utc_now - due_at > window:
                if state is None or state.status != "done":
                    await ledger.skip_pass(day, f"the bot was down past the catch-up window ({window})")
                    skipped.append(day)
                continue
            reports.append(await self.run_pass(day, delayed=today > day))
        if skipped:
            log.warning(
                "reminder passes skipped, later than catch_up_hours after their time: %s",
                ", ".join(day.isoformat() for day in skipped[:10]) + (" ..." if len(skipped) > 10 else ""),
            )
        cutoff = today
        while utc_now - scheduled_at(runtime, cutoff - timedelta(days=1)) <= window:
            cutoff -= timedelta(days=1)
        expired = await ledger.expire(cutoff)
        self.last_skipped, self.last_expired = len(skipped), expired
        if expired:
            log.warning("%d reminder(s) still undelivered when their catch-up window closed", expired)
        log.info("reminders checked (%s): %d pass(es) run", today, len(reports))
        return reports


# ---- JobQueue wiring -----------------------------------------------------------------------------------


def schedule(application: Application) -> None:  # type: ignore[type-arg]
    """Rebuild the reminder jobs (nothing is pickled): the daily pass, a catch-up right after start, and
    the watch that picks up towns another process changed (`twinbot import-towns` while the bot runs)."""
    job_queue = application.job_queue
    if job_queue is None:
        log.warning("no JobQueue: reminders are only sent by `twinbot remind`")
        return
    runtime: Runtime = application.bot_data["runtime"]
    reminders = runtime.settings.reminders
    for name in (DAILY_JOB, CATCH_UP_JOB, RETRY_JOB, TOWNS_JOB):
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
    at = time(reminders.send_time.hour, reminders.send_time.minute, tzinfo=reminders.zone)
    job_queue.run_daily(
        reminder_job,
        time=at,
        name=DAILY_JOB,
        job_kwargs={
            # a late wake-up (suspended machine, blocked loop) still runs within the catch-up window;
            # coalesce: several missed runs become one (the pass itself works out what is due)
            "misfire_grace_time": max(60, reminders.catch_up_hours * 3600),
            "coalesce": True,
            "max_instances": 1,
        },
    )
    job_queue.run_once(reminder_job, when=0, name=CATCH_UP_JOB)
    job_queue.run_repeating(
        towns_job,
        interval=TOWNS_CHECK_SECONDS,
        first=TOWNS_CHECK_SECONDS,
        name=TOWNS_JOB,
        job_kwargs={"coalesce": True, "max_instances": 1},
    )


async def towns_job(context: CallbackContext) -> None:  # type: ignore[type-arg]
    """Answers follow the database: a cheap look at PRAGMA data_version, the towns only when it moved."""
    runtime: Runtime | None = context.bot_data.get("runtime")
    if runtime is not None:
        await runtime.refresh()


async def reminder_job(context: CallbackContext) -> None:  # type: ignore[type-arg]
    service: ReminderService | None = context.bot_data.get("reminders")
    if service is None:
        return
    early = (
        timedelta(minutes=2) if context.job is not None and context.job.name == DAILY_JOB else timedelta(0)
    )
    reports = await service.run_due(early=early)
    metrics = getattr(context.application, "metrics", None)
    if isinstance(metrics, BotMetrics):
        now = service.runtime.now()
        for report in reports:
            delay = (now - scheduled_at(service.runtime, report.day)).total_seconds()
            metrics.observe_pass(report.planned - report.already_sent, report.outcomes, report.delayed, delay)
        metrics.reminders.labels("skipped").inc(service.last_expired)
        metrics.observe_skipped_passes(service.last_skipped)
    job_queue = context.job_queue
    if (
        any(report.pending_left for report in reports)
        and job_queue
        and not job_queue.get_jobs_by_name(RETRY_JOB)
    ):
        job_queue.run_once(reminder_job, when=RETRY_MINUTES * 60, name=RETRY_JOB)


def describe_pass(report: PassReport) -> Iterable[str]:
    """Plain-text lines for the CLI."""
    yield (
        f"pass {report.day}{' (delayed)' if report.delayed else ''}{' [dry run]' if report.dry_run else ''}: "
        f"{report.planned} reminder(s) due, {report.already_sent} already handled, "
        f"{len(report.deliveries)} message(s) {'would be ' if report.dry_run else ''}sent"
    )
    if report.outcomes:
        yield "outcomes: " + ", ".join(f"{name} {count}" for name, count in sorted(report.outcomes.items()))
