"""Residents' side: /start, /help, /towns, /town NAME, town-card buttons and free-text questions."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.access import acting_user_id, is_staff, register_visible
from bot.core.model import Language
from bot.core.text import words
from bot.handlers.chat import (
    Context,
    addressed_text,
    command_language,
    is_private,
    language_of,
    markup,
    send,
)
from bot.handlers.knowledge import send_answer
from bot.handlers.visits.register import answer_register_question
from bot.locale import escape
from bot.replies.answers import Answers
from bot.replies.reply import Reply, fit
from bot.replies.towns import TownCards
from bot.replies.wording import CALLBACK_CARD
from bot.runtime import Runtime

MAX_QUESTION = 1000


def start_keyboard(context: Context, lang: Language) -> ReplyKeyboardMarkup:
    texts = context.runtime.replies().texts

    def row(*keys: str) -> list[KeyboardButton]:
        return [KeyboardButton(texts.raw(lang, f"keyboard.{key}")) for key in keys]

    # bot.handlers.knowledge.KEYBOARD_KEYS: these are not logged as questions
    return ReplyKeyboardMarkup(
        [row("all", "estonia"), row("oldest", "help")],
        resize_keyboard=True,
        input_field_placeholder=texts.raw(lang, "keyboard.placeholder"),
    )


async def start(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    lang = await language_of(update, context)
    replies = context.runtime.replies()
    user = update.effective_user
    name = user.first_name if user else ""
    reply = Reply(replies.t(lang, "start.text", name=name))
    keyboard = start_keyboard(context, lang) if is_private(update) else None
    await send(message, reply, reply_markup=keyboard)


async def help_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    lang = await language_of(update, context)
    rt = context.runtime
    replies = rt.replies()
    text: str = replies.t(lang, "help.text", bot=context.bot.username)
    if await shows_staff_help(update, rt):
        text += "\n\n" + replies.t(lang, "help.staff")
    await send(message, Reply(text))


async def shows_staff_help(update: Update, rt: Runtime) -> bool:
    """Staff commands are listed to staff, and only where staff data may be shown (not to residents in a
    group: they would only learn about commands refused to them)."""
    chat = update.effective_chat
    user_id = acting_user_id(update)
    if chat is None or user_id is None or not register_visible(rt, chat.id, chat.type):
        return False
    return await is_staff(rt, user_id)


async def towns(update: Update, context: Context) -> None:
    if update.effective_message is None:
        return
    lang = await language_of(update, context)
    await send(update.effective_message, TownCards(context.runtime.replies()).towns_list(lang))


async def town(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    query = " ".join(context.args or []).strip()
    lang = await command_language(update, context, query)
    rt = context.runtime
    replies = rt.replies()
    if not query:
        await send(message, Reply(replies.t(lang, "town_command.usage")))
        return
    query = query[:MAX_QUESTION]
    found = [match.town for match in rt.directory.find(words(query))]
    if len(found) >= 1:
        cards = TownCards(replies)
        await send(message, cards.card(lang, found[0]) if len(found) == 1 else cards.short_list(lang, found))
        return
    # one "not found" sentence (the question-answer no_match would add a second one), then suggestions
    suggestions = rt.directory.suggest(words(query))
    lines: list[str] = [replies.t(lang, "town_command.not_found", query=query[:100])]
    if suggestions:
        lines.append(replies.t(lang, "answer.suggest"))
        lines.extend(f"• {escape(found_town.name(lang))}" for found_town in suggestions)
    lines.append(replies.t(lang, "answer.no_match_hint"))
    await send(message, Reply(fit(lines), replies.town_buttons(lang, suggestions)))


async def question(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    rt = context.runtime
    text = addressed_text(update, context.bot.username, context.bot.id)
    if text is None:
        return  # a group conversation not meant for the bot
    lang = await language_of(update, context, text)
    replies = rt.replies()
    if len(text) > MAX_QUESTION:
        await send(message, Reply(replies.t(lang, "input.too_long", length=len(text), limit=MAX_QUESTION)))
        return
    # staff asking about the register, where it may be shown; everyone else: the question engine
    if await answer_register_question(update, context, text, lang):
        return
    answer = rt.engine.answer(text, lang, rt.today())
    await send_answer(message, rt, answer, Answers(replies).answer(answer), text)


async def card_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = context.runtime
    # the card speaks the language of the answer the button belongs to
    lang = await language_of(update, context, getattr(query.message, "text", None))
    town = rt.directory.get(query.data.removeprefix(CALLBACK_CARD))
    if town is None or query.message is None:
        await query.answer(rt.replies().t(lang, "input.stale_button", command="/towns"), show_alert=False)
        return
    await query.answer()
    card = TownCards(rt.replies()).card(lang, town)
    await context.bot.send_message(
        chat_id=query.message.chat.id,
        text=card.text,
        reply_markup=markup(card),
        message_thread_id=getattr(query.message, "message_thread_id", None)
        if query.message.chat.is_forum
        else None,
    )


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    # block=False: each runs as its own task, so one chat waiting for its rate-limit window (a busy group:
    # 20 messages a minute) does not hold up the others. They keep no per-chat state between updates.
    # The duplicate-update filter (group -100) blocks, so it still runs before any of these.
    return [
        (0, CommandHandler("start", start, block=False)),
        (0, CommandHandler("help", help_command, block=False)),
        (0, CommandHandler("towns", towns, block=False)),
        (0, CommandHandler("town", town, block=False)),
        # a card button sends the card as a new message (the list stays to choose the next town from)
        (0, CallbackQueryHandler(card_button, pattern=f"^{CALLBACK_CARD}", block=False)),
        (0, MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT, question, block=False)),
    ]
