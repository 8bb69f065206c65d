"""/upcoming [DAYS], /calendar (.ics), and for staff: /townday, /events, /agreement (all audited)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from telegram import InputFile, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import BaseHandler, CommandHandler

from bot.access import acting_user_id, is_staff, register_visible, staff_user
from bot.calendar_replies import CalendarReplies
from bot.core.calendar import (
    CalendarInputError,
    DateSpan,
    ParsedKind,
    TownDay,
    parse_partial_date,
    parse_town_day,
)
from bot.core.model import Language, Town
from bot.core.text import words
from bot.handlers.chat import Context, command_language, language_of, runtime, send
from bot.handlers.staff import refuse_staff_only
from bot.ics import build_ics
from bot.locale import Markup
from bot.replies import Reply, fit
from bot.runtime import Runtime

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_ARGUMENT = 300


def texts(rt: Runtime) -> CalendarReplies:
    return CalendarReplies(rt.replies())


async def shows_visits(rt: Runtime, update: Update) -> bool:
    """Planned visits are staff data: shown where bot.access.register_visible allows (a private chat or the
    staff chat), and only to staff."""
    chat = update.effective_chat
    if chat is None or not register_visible(rt, chat.id, chat.type):
        return False
    user_id = acting_user_id(update)
    return user_id is not None and await is_staff(rt, user_id)


def find_town_prefix(rt: Runtime, text: str) -> tuple[Town, str] | None:
    """The town the text starts with and the rest: 'Narva-Jõesuu 15 June' -> (Narva-Jõesuu, '15 June').

    'TOWN; REST' is also accepted. Longer names are tried first, so "Narva-Jõesuu" is not read as "Narva".
    """
    if ";" in text:
        name, _, rest = text.partition(";")
        found = [match.town for match in rt.directory.find(words(name))]
        return (found[0], rest.strip()) if len(found) == 1 else None
    tokens = text.split()
    for size in range(min(4, len(tokens)), 0, -1):
        candidate = words(" ".join(tokens[:size]))
        if not candidate:
            continue
        matches = rt.directory.find(candidate)
        if len(matches) == 1 and matches[0].start == 0 and matches[0].length == len(candidate):
            return matches[0].town, " ".join(tokens[size:])
    return None


def next_span(info: TownDay, today: date) -> DateSpan | None:
    for year in range(today.year, today.year + 3):
        span = info.span(year)
        if span is not None and span.end >= today:
            return span
    return None


async def error_reply(update: Update, rt: Runtime, lang: Language, error: CalendarInputError) -> None:
    message = update.effective_message
    assert message is not None
    await send(message, Reply(rt.replies().t(lang, f"calendar.error.{error.code}", **error.params)))


# ---- everyone ----------------------------------------------------------------------------------------


async def upcoming(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = runtime(context)
    lang = await language_of(update, context)
    days = DEFAULT_DAYS
    if context.args:
        argument = context.args[0]
        if not argument.isdigit() or not 1 <= int(argument) <= MAX_DAYS or len(context.args) > 1:
            await send(message, Reply(rt.replies().t(lang, "upcoming.usage", max=MAX_DAYS)))
            return
        days = int(argument)
    today = rt.today()
    last = today + timedelta(days=days)
    visits = await shows_visits(rt, update)
    calendar = await rt.load_calendar(today, last, include_visits=visits)
    await send(message, texts(rt).upcoming(lang, calendar, today, last, include_visits=visits))


async def calendar_file(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = runtime(context)
    lang = await language_of(update, context)
    today = rt.today()
    visits = await shows_visits(rt, update)
    calendar = await rt.load_calendar(today, today + timedelta(days=MAX_DAYS), include_visits=visits)
    # a few hundred events of icalendar work: off the event loop, so other chats are not kept waiting
    data = await asyncio.to_thread(
        build_ics,
        calendar,
        texts(rt),
        lang,
        today,
        include_visits=visits,
        zone=rt.settings.reminders.timezone,
    )
    name = str(rt.replies().texts.raw(lang, "ics.file_name"))
    await message.reply_document(
        document=InputFile(data, filename=name),
        caption=rt.replies().t(lang, "ics.caption"),
        parse_mode=ParseMode.HTML,
        do_quote=message.chat.type != ChatType.PRIVATE,
    )


# ---- staff -------------------------------------------------------------------------------------------


async def _staff(update: Update, context: Context, action: str) -> tuple[Runtime, int] | None:
    rt = runtime(context)
    actor = await staff_user(rt, update, action)
    if actor is None:
        await refuse_staff_only(update, context)
        return None
    return rt, actor


async def townday(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    allowed = await _staff(update, context, "/townday")
    if allowed is None:
        return
    rt, actor = allowed
    argument = " ".join(context.args or []).strip()[:MAX_ARGUMENT]
    lang = await command_language(update, context, argument)
    replies = rt.replies()
    if not argument:
        await send(message, Reply(replies.t(lang, "townday.usage")))
        return
    found = find_town_prefix(rt, argument)
    if found is None:
        example = replies.t(lang, "townday.example")
        await send(
            message, Reply(replies.t(lang, "calendar.unknown_town", text=argument[:100], example=example))
        )
        return
    town, rest = found
    today = rt.today()
    try:
        parsed = parse_town_day(rest, today)
    except CalendarInputError as error:
        await error_reply(update, rt, lang, error)
        return
    calendar_texts = texts(rt)
    flag, name = replies.flag(town.country), town.name(lang)

    async def next_text(year: int | None = None) -> str:
        info = (await rt.calendar.town_days()).get(town.key) or TownDay(town.key)
        span = info.span(year) if year is not None else next_span(info, today)
        return calendar_texts.span(lang, span) if span else replies.t(lang, "townday.unknown_next")

    text: str
    if parsed.kind is ParsedKind.RULE:
        assert parsed.rule is not None
        await rt.calendar.set_rule(town.key, parsed.rule, rest, actor)
        text = replies.t(
            lang,
            "townday.set_rule",
            flag=flag,
            name=name,
            rule=calendar_texts.rule(lang, parsed.rule),
            next=await next_text(),
        )
    elif parsed.kind is ParsedKind.DATE:
        assert parsed.span is not None and parsed.year is not None
        previous = await rt.calendar.set_date(town.key, parsed.span, actor)
        text = replies.t(
            lang,
            "townday.set_date",
            flag=flag,
            name=name,
            year=parsed.year,
            when=calendar_texts.span(lang, parsed.span),
        )
        if previous is not None and previous != parsed.span:
            text += replies.t(lang, "townday.replaced", previous=calendar_texts.span(lang, previous))
        if parsed.span.end < today:
            text += replies.t(lang, "townday.past_year", year=parsed.year)
    elif parsed.year is not None:
        removed = await rt.calendar.clear_date(town.key, parsed.year, actor)
        if removed is None:
            text = replies.t(lang, "townday.nothing_to_clear", flag=flag, name=name, year=parsed.year)
        else:
            text = replies.t(
                lang,
                "townday.cleared_date",
                flag=flag,
                name=name,
                year=parsed.year,
                next=await next_text(parsed.year),
            )
    else:
        await rt.calendar.set_rule(town.key, None, rest, actor)
        text = replies.t(lang, "townday.cleared_rule", flag=flag, name=name, next=await next_text())
    await send(message, Reply(text))


async def events(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    allowed = await _staff(update, context, "/events")
    if allowed is None:
        return
    rt, _ = allowed
    lang = await language_of(update, context)
    replies = rt.replies()
    calendar_texts = texts(rt)
    today = rt.today()
    town_days = await rt.calendar.town_days()
    lines: list[str] = [replies.t(lang, "events.header", today=replies.format_date(lang, today))]
    towns = sorted(rt.directory.towns, key=lambda town: (not town.is_home, town.name(lang)))
    for town in towns:
        lines.append("")
        lines.append(replies.t(lang, "events.town", flag=replies.flag(town.country), name=town.name(lang)))
        info = town_days.get(town.key) or TownDay(town.key)
        upcoming_span = next_span(info, today)
        next_text = (
            calendar_texts.span(lang, upcoming_span)
            if upcoming_span
            else replies.t(lang, "townday.unknown_next")
        )
        if info.rule is not None:
            lines.append(
                replies.t(
                    lang, "events.town_day_rule", rule=calendar_texts.rule(lang, info.rule), next=next_text
                )
            )
        elif info.dates:
            lines.append(replies.t(lang, "events.town_day_only_dates", next=next_text))
        else:
            lines.append(replies.t(lang, "events.town_day_unknown"))
        if info.dates:
            dates = ", ".join(calendar_texts.span(lang, span) for _, span in sorted(info.dates.items())[-4:])
            lines.append(replies.t(lang, "events.town_day_dates", dates=dates))
        for agreement in town.agreements:
            lines.append(
                replies.t(
                    lang,
                    "events.agreement",
                    title=replies.t(
                        lang, "events.agreement_title", title=agreement.title(lang), code=agreement.key
                    ),
                    signed=replies.format_date(lang, agreement.signed),
                    precision=replies.t(lang, f"events.precision_{agreement.signed.precision}"),
                )
            )
    subscribers = await rt.subscriptions.count_active()
    last_pass = await rt.ledger.last_pass()
    staff_chat = rt.settings.reminders.staff_chat
    footer = replies.t(
        lang,
        "events.footer",
        subscribers=subscribers,
        chats_word=replies.texts.plural(lang, "chats", subscribers),
        staff_chat=str(staff_chat) if staff_chat else replies.t(lang, "events.no_staff_chat"),
        last_pass=replies.format_date(lang, last_pass) if last_pass else replies.t(lang, "events.no_pass"),
    )
    body = fit(lines, 4096 - len(footer) - 2)
    await send(message, Reply(f"{body}\n\n{footer}"))


async def agreement(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    allowed = await _staff(update, context, "/agreement")
    if allowed is None:
        return
    rt, actor = allowed
    argument = " ".join(context.args or []).strip()[:MAX_ARGUMENT]
    lang = await command_language(update, context, argument)
    replies = rt.replies()
    if not argument:
        await send(message, Reply(replies.t(lang, "agreement_edit.usage")))
        return
    found = find_town_prefix(rt, argument)
    if found is None:
        example = replies.t(lang, "agreement_edit.example")
        await send(
            message, Reply(replies.t(lang, "calendar.unknown_town", text=argument[:100], example=example))
        )
        return
    town, rest = found
    flag, name = replies.flag(town.country), town.name(lang)
    agreements = {item.key: item for item in town.agreements}
    if not agreements:
        await send(message, Reply(replies.t(lang, "agreement_edit.no_agreements", flag=flag, name=name)))
        return
    tokens = rest.split()
    if tokens and tokens[0] in agreements:
        key, rest = tokens[0], " ".join(tokens[1:])
    elif len(agreements) == 1:
        key = next(iter(agreements))
    else:
        await send(
            message,
            Reply(
                replies.t(
                    lang, "agreement_edit.which", flag=flag, name=name, keys=", ".join(sorted(agreements))
                )
            ),
        )
        return
    chosen = agreements[key]
    if not rest:
        listing = Markup(
            "; ".join(
                replies.t(
                    lang,
                    "agreement_edit.listing",
                    title=item.title(lang),
                    code=item.key,
                    signed=replies.format_date(lang, item.signed),
                )
                for item in town.agreements
            )
        )
        await send(
            message,
            Reply(replies.t(lang, "agreement_edit.current", flag=flag, name=name, agreements=listing)),
        )
        return
    try:
        signed = parse_partial_date(rest, rt.today())
    except CalendarInputError as error:
        await error_reply(update, rt, lang, error)
        return
    previous = await rt.calendar.set_agreement_date(town.key, key, signed, actor)
    await rt.reload_towns()
    await send(
        message,
        Reply(
            replies.t(
                lang,
                "agreement_edit.done",
                flag=flag,
                name=name,
                title=chosen.title(lang),
                signed=replies.format_date(lang, signed),
                previous=replies.format_date(lang, previous),
            )
        ),
    )


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, CommandHandler("upcoming", upcoming)),
        (0, CommandHandler("calendar", calendar_file)),
        (0, CommandHandler("townday", townday)),
        (0, CommandHandler("events", events)),
        (0, CommandHandler("agreement", agreement)),
    ]
