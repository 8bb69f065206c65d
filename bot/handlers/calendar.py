"""/upcoming [DAYS], /calendar (.ics), and for staff: /townday, /events, /agreement (all audited)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.access import acting_user_id, is_staff, register_visible, staff_user
from bot.core.calendar.parsing import CalendarInputError, ParsedKind, parse_partial_date, parse_town_day
from bot.core.calendar.town_days import DateSpan, TownDay
from bot.core.model import Language, PartialDate, Town
from bot.core.text import words
from bot.handlers.chat import Context, edit, edit_or_send, language_of, send, staff_language
from bot.handlers.staff_gate import staff_only
from bot.locale import Markup
from bot.replies.calendar import CalendarReplies
from bot.replies.reply import Reply, fit, plain_text
from bot.runtime import Runtime

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_ARGUMENT = 300
# an agreement date moved by more than this many years is applied only after staff confirm it
CONFIRM_SHIFT_YEARS = 5
CALLBACK_AGREEMENT = "agr:"
_PENDING_AGREEMENTS = "calendar.pending_agreements"
_MAX_PENDING = 100


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
    return info.next_span(today)


async def error_reply(update: Update, rt: Runtime, lang: Language, error: CalendarInputError) -> None:
    message = update.effective_message
    assert message is not None
    await send(message, Reply(rt.replies().t(lang, f"calendar.error.{error.code}", **error.params)))


# ---- everyone ----------------------------------------------------------------------------------------


async def upcoming(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = context.runtime
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
    rt = context.runtime
    lang = await language_of(update, context)
    today = rt.today()
    visits = await shows_visits(rt, update)
    calendar = await rt.load_calendar(today, today + timedelta(days=MAX_DAYS), include_visits=visits)
    # icalendar (and the feed's module, starlette) only when a calendar is asked for: the idle bot is lighter
    from bot.ics import build_ics
    from bot.public.feed import feed_address

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
    caption: str = rt.replies().t(lang, "ics.caption")
    feed = feed_address(rt.settings, lang)
    if feed:
        caption += "\n" + rt.replies().t(lang, "ics.subscribe", url=feed)
    await message.reply_document(
        document=InputFile(data, filename=name),
        caption=caption,
        do_quote=message.chat.type != ChatType.PRIVATE,
    )


# ---- staff -------------------------------------------------------------------------------------------


async def _staff(update: Update, context: Context, action: str) -> tuple[Runtime, int] | None:
    actor = await staff_only(update, context, action, await staff_language(update, context))
    if actor is None:
        return None
    return context.runtime, actor


async def _staff_town_command(
    update: Update, context: Context, action: str, texts_key: str
) -> tuple[Message, Runtime, int, Language, Town, str] | None:
    """The start shared by staff commands written `/command TOWN ...`: (message, runtime, staff id,
    language, town, the rest of the arguments), or None once answered (refused, usage, unknown town)."""
    message = update.effective_message
    if message is None:
        return None
    allowed = await _staff(update, context, action)
    if allowed is None:
        return None
    rt, actor = allowed
    argument = " ".join(context.args or []).strip()[:MAX_ARGUMENT]
    lang = await staff_language(update, context)
    replies = rt.replies()
    if not argument:
        await send(message, Reply(replies.t(lang, f"{texts_key}.usage")))
        return None
    found = find_town_prefix(rt, argument)
    if found is None:
        example = replies.t(lang, f"{texts_key}.example")
        await send(
            message, Reply(replies.t(lang, "calendar.unknown_town", text=argument[:100], example=example))
        )
        return None
    town, rest = found
    return message, rt, actor, lang, town, rest


async def townday(update: Update, context: Context) -> None:
    found = await _staff_town_command(update, context, "/townday", "townday")
    if found is None:
        return
    message, rt, actor, lang, town, rest = found
    replies = rt.replies()
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
        if parsed.span.end < today:  # the whole span is over (an earlier day of this year included)
            text += replies.t(lang, "townday.past_dates", when=calendar_texts.span(lang, parsed.span))
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
    elif (await rt.calendar.town_days()).get(town.key, TownDay(town.key)).rule is None:
        text = replies.t(lang, "townday.no_rule_to_clear", flag=flag, name=name, next=await next_text())
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
        elif town.key in replies.town_day_abouts:  # known roughly: with the precision it has
            about = replies.about_text(lang, replies.town_day_abouts[town.key])
            lines.append(replies.t(lang, "events.town_day_about", about=about))
        else:
            lines.append(replies.t(lang, "events.town_day_unknown"))
        if info.dates:
            dates = "; ".join(
                replies.span_text(lang, span, short=True) for _, span in sorted(info.dates.items())[-4:]
            )
            lines.append(replies.t(lang, "events.town_day_dates", dates=dates))
        for agreement in town.agreements:
            lines.append(
                replies.t(
                    lang,
                    "events.agreement",
                    title=replies.t(
                        lang, "events.agreement_title", title=agreement.title(lang), code=agreement.key
                    ),
                    signed=replies.signed_date(lang, agreement),
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
    found = await _staff_town_command(update, context, "/agreement", "agreement_edit")
    if found is None:
        return
    message, rt, actor, lang, town, rest = found
    replies = rt.replies()
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
    if signed == chosen.signed:
        await send(
            message,
            Reply(
                replies.t(
                    lang,
                    "agreement_edit.unchanged",
                    flag=flag,
                    name=name,
                    title=chosen.title(lang),
                    signed=replies.format_date(lang, signed),
                )
            ),
        )
        return
    if abs(signed.year - chosen.signed.year) > CONFIRM_SHIFT_YEARS:
        pending: dict[str, tuple[str, str, PartialDate, PartialDate]] = context.bot_data.setdefault(
            _PENDING_AGREEMENTS, {}
        )
        if len(pending) >= _MAX_PENDING:
            pending.clear()
        token = secrets.token_hex(4)
        pending[token] = (town.key, key, chosen.signed, signed)
        text = replies.t(
            lang,
            "agreement_edit.confirm",
            flag=flag,
            name=name,
            title=chosen.title(lang),
            signed=replies.format_date(lang, signed),
            previous=replies.format_date(lang, chosen.signed),
            years=abs(signed.year - chosen.signed.year),
        )
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        replies.texts.raw(lang, "agreement_edit.button_yes"),
                        callback_data=f"{CALLBACK_AGREEMENT}yes:{token}",
                    ),
                    InlineKeyboardButton(
                        replies.texts.raw(lang, "agreement_edit.button_no"),
                        callback_data=f"{CALLBACK_AGREEMENT}no:{token}",
                    ),
                ]
            ]
        )
        await send(message, Reply(text), reply_markup=keyboard)
        return
    await send(message, Reply(await _apply_agreement(rt, lang, town, key, signed, actor)))


async def _apply_agreement(
    rt: Runtime, lang: Language, town: Town, key: str, signed: PartialDate, actor: int
) -> str:
    replies = rt.replies()
    chosen = next(item for item in town.agreements if item.key == key)
    previous = await rt.calendar.set_agreement_date(town.key, key, signed, actor)
    await rt.reload_towns()
    return replies.t(
        lang,
        "agreement_edit.done",
        flag=replies.flag(town.country),
        name=town.name(lang),
        title=chosen.title(lang),
        signed=replies.format_date(lang, signed),
        previous=replies.format_date(lang, previous),
    )


async def agreement_pressed(update: Update, context: Context) -> None:
    """'Yes' / 'No' under a large agreement date change; the presser is checked to be staff again."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = context.runtime
    lang = await staff_language(update, context)
    replies = rt.replies()
    answer, _, token = query.data.removeprefix(CALLBACK_AGREEMENT).partition(":")
    actor = await staff_user(rt, update, "/agreement (confirm)")
    if actor is None:
        await query.answer(plain_text(replies.t(lang, "agreement_edit.staff_only")), show_alert=True)
        return
    pending: dict[str, tuple[str, str, PartialDate, PartialDate]] = context.bot_data.get(
        _PENDING_AGREEMENTS, {}
    )
    found = pending.pop(token, None)
    town = rt.directory.get(found[0]) if found is not None else None
    current = None
    if found is not None and town is not None:
        current = next((item for item in town.agreements if item.key == found[1]), None)
    # gone (a restart, pressed twice) or changed meanwhile: nothing is applied
    if found is None or town is None or current is None or current.signed != found[2]:
        await query.answer(plain_text(replies.t(lang, "agreement_edit.stale")), show_alert=True)
        await edit(update, replies.t(lang, "agreement_edit.stale"))
        return
    await query.answer()
    if answer != "yes":
        await edit_or_send(update, context, replies.t(lang, "agreement_edit.cancelled"))
        return
    await edit_or_send(update, context, await _apply_agreement(rt, lang, town, found[1], found[3], actor))


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, CommandHandler("upcoming", upcoming)),
        (0, CommandHandler("calendar", calendar_file)),
        (0, CommandHandler("townday", townday)),
        (0, CommandHandler("events", events)),
        (0, CommandHandler("agreement", agreement)),
        (0, CallbackQueryHandler(agreement_pressed, pattern=f"^{CALLBACK_AGREEMENT}")),
    ]
