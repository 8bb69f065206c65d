"""twinbot upcoming | remind | digest: the coming dates, and one reminder pass or monthly digest run by hand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.cli.chat import catalogue_text
from bot.config import Settings
from bot.core.model import Language, PartialDate

if TYPE_CHECKING:
    from telegram.ext import ExtBot

    from bot.reminders import Delivery


async def upcoming(settings: Settings, start: date | None, days: int, lang: str | None) -> int:
    """`twinbot upcoming --from DATE --days N`: what /upcoming shows, planned visits included."""
    from bot.reminders import load_calendar
    from bot.replies.calendar import CalendarReplies
    from bot.runtime import open_runtime
    from bot.terminal import cli_language, for_terminal, say

    language = cli_language(settings, lang)
    if not 1 <= days <= 3660:
        print(say(language, "upcoming.bad_days"), file=sys.stderr)
        return 2
    runtime = await open_runtime(settings)
    try:
        first = start or runtime.today()
        last = first + timedelta(days=days)
        calendar = await load_calendar(runtime, first, last)
        reply = CalendarReplies(runtime.replies()).upcoming(
            language, calendar, first, last, include_visits=True
        )
        print(for_terminal(language, reply.text))
    finally:
        await runtime.close()
    return 0


async def remind(settings: Settings, day: date | None, dry_run: bool, lang: str | None = None) -> int:
    """`twinbot remind [--date DATE] [--dry-run]`: one pass, exactly-once like the bot's own."""
    from bot.reminders import ReminderService, TelegramSender, describe_pass
    from bot.runtime import open_runtime
    from bot.terminal import cli_language, say

    language = cli_language(settings, lang)
    runtime = await open_runtime(settings)
    try:
        today = runtime.today()
        day = day or today
        if day > today and not dry_run:
            print(say(language, "remind.future", day=day), file=sys.stderr)
            return 2
        if not dry_run and not _can_send(settings, language):
            return 2
        if dry_run:
            report = await ReminderService(runtime, sender=None).run_pass(day, dry_run=True)
        else:
            async with _sending_bot(settings) as bot:
                service = ReminderService(runtime, TelegramSender(bot))
                report = await service.run_pass(day, delayed=day < today)
        for line in describe_pass(report, language):
            print(line)
        _print_deliveries(report.deliveries, language)
    finally:
        await runtime.close()
    return 0


def month_argument(text: str) -> tuple[int, int]:
    from bot.public.digest import parse_month

    try:
        return parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


async def digest(
    settings: Settings, month: tuple[int, int] | None, dry_run: bool, lang: str | None = None
) -> int:
    """`twinbot digest [--month YYYY-MM] [--dry-run]`: the month's digest, exactly once per chat."""
    from bot.public.digest import DigestService
    from bot.reminders import ReminderService, TelegramSender
    from bot.runtime import open_runtime
    from bot.terminal import cli_language, outcome_counts, say

    language = cli_language(settings, lang)
    if not dry_run and not _can_send(settings, language):
        return 2
    runtime = await open_runtime(settings)
    try:
        if dry_run:
            report = await DigestService(runtime, ReminderService(runtime, sender=None)).run(
                month, dry_run=True
            )
        else:
            async with _sending_bot(settings) as bot:
                service = ReminderService(runtime, TelegramSender(bot))
                report = await DigestService(runtime, service).run(month)
        year, number = report.month
        print(
            say(
                language,
                "digest.summary",
                month=runtime.replies().format_date(language, PartialDate(year, number)),
                dry=say(language, "digest.dry_run") if report.dry_run else "",
                recipients=report.recipients,
                already=report.already_sent,
                messages=len(report.deliveries),
                outcomes=say(language, "digest.outcomes", outcomes=outcome_counts(language, report.outcomes))
                if report.outcomes
                else "",
            )
        )
        _print_deliveries(report.deliveries, language)
    finally:
        await runtime.close()
    return 0


def _can_send(settings: Settings, language: Language) -> bool:
    """Sending needs the token; without it say so (and that --dry-run previews) and send nothing."""
    from bot.terminal import say

    if settings.token:
        return True
    print(catalogue_text(settings, "console.no_token", language), file=sys.stderr)
    print(say(language, "remind.nothing_sent"), file=sys.stderr)
    return False


def _sending_bot(settings: Settings) -> ExtBot[int]:
    """The bot a pass run by hand sends through: the service's limiter and HTML defaults, no Application."""
    from telegram.ext import ExtBot

    from bot.app import DEFAULTS
    from bot.ratelimit import BroadcastRateLimiter

    return ExtBot(
        settings.token,
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url,
        rate_limiter=BroadcastRateLimiter(max_retries=3),
        defaults=DEFAULTS,
    )


def _print_deliveries(deliveries: Iterable[Delivery], language: Language) -> None:
    from bot.replies.reply import plain_text
    from bot.terminal import say

    for delivery in deliveries:
        print()
        print(say(language, "remind.delivery", chat=delivery.chat_id, language=delivery.language))
        print(plain_text(delivery.text))  # as the chat gets it, its chat hints included
