"""The pass of a day: planning what each chat hears, the pass over the delivery ledger, delivering one
message under the exactly-once protocol, and catch-up of passes that are due and not done."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from telegram.error import ChatMigrated, TelegramError

from bot.core.calendar import Calendar, Due, EventKind, Subscriber, plan_deliveries
from bot.core.model import Language
from bot.logmask import describe_error
from bot.replies.calendar import CalendarReplies
from bot.runtime import PlannedVisitSource
from storage.ledger import ClaimLostError, LedgerKey

if TYPE_CHECKING:
    from bot.runtime import Runtime
from bot.reminders.sending import LedgerGuard, Outcome, Sender, classify, masked

log = logging.getLogger("bot.reminders")

# ledger rows that other services plan for the same day (bot.public.digest): never this pass's orphans
DIGEST_EVENT_KEY = "digest"
PLANNED_ELSEWHERE: frozenset[str] = frozenset({DIGEST_EVENT_KEY})
STALE_CLAIM_SECONDS = 300.0  # far beyond any request timeout: a claim this old belongs to a dead attempt
SEND_WORKERS = 8
MAX_CATCH_UP_DAYS = 400  # how far back a long outage is even looked at (older days are just skipped)


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
        orphans = [
            entry.id
            for entry in entries
            if entry.status == "pending"
            and entry.key not in keys
            and entry.event_key not in PLANNED_ELSEWHERE
        ]
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


def describe_pass(report: PassReport, lang: Language) -> Iterable[str]:
    """Plain-text lines for the CLI, in the CLI's language (cli.remind.*, cli.outcome.*)."""
    from bot.terminal import outcome_counts, say

    yield say(
        lang,
        "remind.pass",
        day=report.day.isoformat(),
        delayed=say(lang, "remind.delayed") if report.delayed else "",
        dry=say(lang, "remind.dry_run") if report.dry_run else "",
        planned=report.planned,
        already=report.already_sent,
        verb=say(lang, "remind.would_be_sent" if report.dry_run else "remind.sent"),
        messages=len(report.deliveries),
    )
    if report.outcomes:
        yield say(lang, "remind.outcomes", outcomes=outcome_counts(lang, report.outcomes))
