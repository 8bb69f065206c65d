"""Residents' side: /start, /help, /towns, /town NAME, town-card buttons and free-text questions."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.model import Language
from bot.core.text import words
from bot.handlers.chat import (
    NO_PREVIEW,
    Context,
    addressed_text,
    command_language,
    is_private,
    language_of,
    runtime,
    send,
)
from bot.replies import CALLBACK_CARD, Reply

MAX_QUESTION = 1000


def start_keyboard(context: Context, lang: Language) -> ReplyKeyboardMarkup:
    texts = runtime(context).replies().texts

    def row(*keys: str) -> list[KeyboardButton]:
        return [KeyboardButton(texts.raw(lang, f"keyboard.{key}")) for key in keys]

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
    replies = runtime(context).replies()
    user = update.effective_user
    name = user.first_name if user else ""
    reply = Reply(replies.t(lang, "start.text", name=name))
    keyboard = start_keyboard(context, lang) if is_private(update) else None
    await send(message, reply, reply_markup=keyboard)


async def help_command(update: Update, context: Context) -> None:
    if update.effective_message is None:
        return
    lang = await language_of(update, context)
    replies = runtime(context).replies()
    await send(update.effective_message, Reply(replies.t(lang, "help.text", bot=context.bot.username)))


async def towns(update: Update, context: Context) -> None:
    if update.effective_message is None:
        return
    lang = await language_of(update, context)
    await send(update.effective_message, runtime(context).replies().towns_list(lang))


async def town(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    query = " ".join(context.args or []).strip()
    lang = await command_language(update, context, query)
    rt = runtime(context)
    replies = rt.replies()
    if not query:
        await send(message, Reply(replies.t(lang, "town_command.usage")))
        return
    query = query[:MAX_QUESTION]
    found = [match.town for match in rt.directory.find(words(query))]
    if len(found) >= 1:
        await send(
            message, replies.card(lang, found[0]) if len(found) == 1 else replies.short_list(lang, found)
        )
        return
    suggestions = rt.directory.suggest(words(query))
    no_match = replies.no_match(lang, suggestions)
    text = replies.t(lang, "town_command.not_found", query=query[:100]) + "\n" + no_match.text
    await send(message, Reply(text, no_match.buttons))


async def question(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    rt = runtime(context)
    text = addressed_text(update, context.bot.username, context.bot.id)
    if text is None:
        return  # a group conversation not meant for the bot
    lang = await language_of(update, context, text)
    replies = rt.replies()
    if len(text) > MAX_QUESTION:
        await send(message, Reply(replies.t(lang, "input.too_long", length=len(text), limit=MAX_QUESTION)))
        return
    answer = rt.engine.answer(text, lang)
    await send(message, replies.answer(answer))


async def card_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = runtime(context)
    # the card speaks the language of the answer the button belongs to
    lang = await language_of(update, context, getattr(query.message, "text", None))
    town = rt.directory.get(query.data.removeprefix(CALLBACK_CARD))
    if town is None or query.message is None:
        await query.answer(rt.replies().t(lang, "input.stale_button"), show_alert=False)
        return
    await query.answer()
    await context.bot.send_message(
        chat_id=query.message.chat.id,
        text=rt.replies().card(lang, town).text,
        parse_mode="HTML",
        link_preview_options=NO_PREVIEW,
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
