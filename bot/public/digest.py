"""The monthly digest: last month's visits and this month's anniversaries and Town Days, to the staff chat
and to the subscribers who opted in (/subscribe), exactly once per month and chat.

The digest of month M goes out at the start of M (the 1st at ``[reminders] send_time``, or the first
start of the bot within the first DIGEST_DAYS days of M): the visits of the month before M (counts per
town and direction, the notable ones: official delegations first) and M's anniversaries (round ones
marked) and Town Days, in the bot's own words.

Delivery is the reminders': one delivery-ledger row per (``digest``, ``YYYY-MM``, chat) under the UNIQUE
key, claimed right before sending inside the rate limiter and settled by what Telegram answered
(bot.reminders.ReminderService.deliver). A second run, a restart or `twinbot digest` finds the rows and
sends only what is still pending.

One limit, shared with the reminders' own protocol: a digest whose send failed transiently (429 after the
limiter's retries, a 5xx) stays pending and is retried by the next run of the month; the reminder pass of
that same day may retire such a row as "no longer due". It is then missed (logged), never sent twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from telegram.ext import Application, CallbackContext

from bot.core.model import Language, PartialDate
from bot.locale import escape
from bot.reminders import Delivery, Outcome, ReminderService
from bot.reminders.passes import DIGEST_EVENT_KEY
from bot.replies.calendar import CalendarReplies
from bot.replies.reply import fit
from bot.runtime import Runtime
from storage.digest import DigestStore
from storage.ledger import LedgerKey

log = logging.getLogger(__name__)

EVENT_KEY = DIGEST_EVENT_KEY  # the reminder pass leaves these rows alone
DIGEST_DAYS = 7  # a bot that was down on the 1st still sends the month's digest this many days into it
DIGEST_JOB = "monthly-digest"
CATCH_UP_JOB = "monthly-digest-catch-up"
Month = tuple[int, int]


def month_of(day: date) -> Month:
    return day.year, day.month


def parse_month(text: str) -> Month:
    """'2026-12' -> (2026, 12)."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(part.isdigit() for part in parts) or len(parts[0]) != 4:
        raise ValueError(f"{text!r} is not YYYY-MM")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: no month {month}")
    return year, month


def bounds(month: Month) -> tuple[date, date]:
    first = date(month[0], month[1], 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def previous(month: Month) -> Month:
    return (month[0] - 1, 12) if month[1] == 1 else (month[0], month[1] - 1)


@dataclass(slots=True)
class DigestReport:
    month: Month
    dry_run: bool = False
    recipients: int = 0
    already_sent: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        outcomes = ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))
        return (
            f"digest {self.month[0]:04d}-{self.month[1]:02d}{' (dry run)' if self.dry_run else ''}: "
            f"{self.recipients} recipient(s), {self.already_sent} already handled, "
            f"{len(self.deliveries)} to send" + (f"; {outcomes}" if outcomes else "")
        )


class DigestService:
    def __init__(self, runtime: Runtime, reminders: ReminderService) -> None:
        self.runtime = runtime
        self.reminders = reminders
        self.store = DigestStore(runtime.database)

    async def recipients(self) -> dict[int, Language]:
        rt = self.runtime
        chats: dict[int, Language] = {}
        staff = rt.settings.reminders.staff_chat
        if staff:
            chats[staff] = await rt.preferences.language(staff) or rt.default_language()
        for chat_id, language in await self.store.recipients():
            chats.setdefault(chat_id, language)
        return chats

    async def text(self, lang: Language, month: Month, *, staff: bool = False) -> str:
        rt = self.runtime
        replies = rt.replies()
        calendar_texts = CalendarReplies(replies)
        last_month = previous(month)
        seen_first, seen_last = bounds(last_month)
        first, last = bounds(month)
        label = replies.format_date(lang, PartialDate(*month))
        lines: list[str] = [replies.t(lang, "digest.header", month=label)]
        counts = await self.store.counts(seen_first, seen_last)
        seen = replies.format_date(lang, PartialDate(*last_month))
        lines.append("")
        if counts:
            incoming = sum(count for _, direction, count in counts if direction.value == "in")
            outgoing = sum(count for _, direction, count in counts if direction.value == "out")
            lines.append(
                replies.t(
                    lang,
                    "digest.visits",
                    month=seen,
                    total=incoming + outgoing,
                    incoming=incoming,
                    outgoing=outgoing,
                )
            )
            per_town: dict[str, dict[str, int]] = {}
            for town_key, direction, count in counts:
                per_town.setdefault(town_key, {"in": 0, "out": 0})[direction.value] = count
            for town_key, numbers in per_town.items():
                flag, name = calendar_texts.town_name(lang, town_key)
                lines.append(
                    replies.t(
                        lang,
                        "digest.town",
                        flag=flag,
                        name=name,
                        incoming=numbers["in"],
                        outgoing=numbers["out"],
                    )
                )
            notable = await self.store.notable(seen_first, seen_last)
            if notable:
                lines.append(replies.t(lang, "digest.notable"))
                for visit in notable:
                    flag, name = calendar_texts.town_name(lang, visit.town_key)
                    lines.append(
                        replies.t(
                            lang,
                            "digest.notable_line",
                            date=replies.format_date(lang, visit.start),
                            flag=flag,
                            name=name,
                            kind=replies.t(lang, f"visits.public.kind_{visit.kind.value}"),
                            direction=replies.t(lang, f"visits.public.direction_{visit.direction.value}"),
                            purpose=escape(visit.purpose[:200]),
                        )
                    )
        else:
            lines.append(replies.t(lang, "digest.no_visits", month=seen))
        calendar = await rt.load_calendar(first, last, include_visits=False)
        events = calendar.events_between(first, last, include_visits=False)
        lines.append("")
        if events:
            lines.append(replies.t(lang, "digest.events", month=label))
            for event in events:
                rule = calendar.town_day(event.town_key).rule
                lines.append(calendar_texts.event_line(lang, event, first, rule))
        else:
            lines.append(replies.t(lang, "digest.no_events", month=label))
        tail = [] if staff else ["", replies.t(lang, "digest.footer")]
        return fit(lines, tail=tail)

    async def run(self, month: Month | None = None, *, dry_run: bool = False) -> DigestReport:
        rt = self.runtime
        month = month or month_of(rt.today())
        occurrence = f"{month[0]:04d}-{month[1]:02d}"
        report = DigestReport(month, dry_run=dry_run)
        chats = await self.recipients()
        report.recipients = len(chats)
        keys = {chat_id: LedgerKey(EVENT_KEY, occurrence, chat_id, 0) for chat_id in chats}
        if not dry_run and keys:
            await rt.ledger.plan(rt.today(), keys.values())
        rows = await self.store.ledger_rows(EVENT_KEY, occurrence)
        staff = rt.settings.reminders.staff_chat
        texts: dict[tuple[Language, bool], str] = {}
        for chat_id, language in chats.items():
            row = rows.get(chat_id)
            if row is not None and row[1] != "pending":
                report.already_sent += 1
                continue
            if row is None and not dry_run:
                continue  # planned a moment ago by another run and already being handled there
            key = (language, chat_id == staff)
            if key not in texts:
                texts[key] = await self.text(language, month, staff=key[1])
            report.deliveries.append(
                Delivery(
                    chat_id=chat_id, language=language, text=texts[key], ids=[row[0]] if row else [], items=[]
                )
            )
        if dry_run or self.reminders.sender is None:
            return report
        for delivery in report.deliveries:
            if self.reminders.stopping():
                break
            outcome = await self.reminders.deliver(delivery)
            report.outcomes[outcome.value] = report.outcomes.get(outcome.value, 0) + 1
        if report.deliveries:
            log.info("%s", report.describe())
        if report.outcomes.get(Outcome.RETRY.value):
            log.warning(
                "digest %s: %d chat(s) still pending, retried by the next run",
                occurrence,
                report.outcomes[Outcome.RETRY.value],
            )
        return report


# ---- JobQueue wiring -----------------------------------------------------------------------------------


def schedule_digest(application: Application) -> None:  # type: ignore[type-arg]
    """The 1st of every month, a few minutes after the reminders; and once at start (a bot that was down
    on the 1st sends the month's digest within its first DIGEST_DAYS days)."""
    job_queue = application.job_queue
    if job_queue is None:
        return
    runtime: Runtime = application.bot_data["runtime"]
    reminders = runtime.settings.reminders
    for name in (DIGEST_JOB, CATCH_UP_JOB):
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
    minutes = min(reminders.send_time.hour * 60 + reminders.send_time.minute + 5, 24 * 60 - 1)
    at = time(minutes // 60, minutes % 60, tzinfo=reminders.zone)
    job_queue.run_monthly(digest_job, when=at, day=1, name=DIGEST_JOB)
    job_queue.run_once(digest_job, when=30, name=CATCH_UP_JOB)


async def digest_job(context: CallbackContext) -> None:  # type: ignore[type-arg]
    service: ReminderService | None = context.bot_data.get("reminders")
    runtime: Runtime | None = context.bot_data.get("runtime")
    if service is None or runtime is None:
        return
    today = runtime.today()
    if today.day > DIGEST_DAYS:
        return  # too late in the month for its digest: the next one comes on the 1st
    if today.day == 1 and runtime.now().time() < runtime.settings.reminders.send_time:
        return  # the 1st before send_time: the monthly job sends it
    await DigestService(runtime, service).run(month_of(today))
