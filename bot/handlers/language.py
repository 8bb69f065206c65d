"""/lang: the chat chooses the answer language (a Cyrillic or Latin question still decides its own)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.model import LANGUAGES, Language
from bot.handlers.chat import Context, language_of, runtime, send
from bot.replies import Reply

CALLBACK_LANG = "lang:"
CONFIRMED = "lang_confirmed"  # chat_data: (message id, language) of the last confirmed prompt


async def choose_language(update: Update, context: Context) -> None:
    if update.effective_message is None:
        return
    lang = await language_of(update, context)
    texts = runtime(context).replies().texts
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.raw(lang, f"lang.button_{code}"), callback_data=f"{CALLBACK_LANG}{code}"
                )
                for code in LANGUAGES
            ]
        ]
    )
    await send(update.effective_message, Reply(texts.text(lang, "lang.choose")), reply_markup=keyboard)


async def language_chosen(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None or update.effective_chat is None:
        return
    rt = runtime(context)
    code = query.data.removeprefix(CALLBACK_LANG)
    if code not in LANGUAGES:
        lang = await language_of(update, context)
        await query.answer(rt.replies().t(lang, "input.stale_button"))
        return
    chosen: Language = "ru" if code == "ru" else "en"
    await rt.preferences.set_language(update.effective_chat.id, chosen)
    await query.answer()
    if query.message is None:
        return
    # A double tap sends two queries for one prompt: the second must not repeat the same edit.
    confirmed = (query.message.message_id, chosen)
    chat_data = context.chat_data if context.chat_data is not None else {}
    if chat_data.get(CONFIRMED) == confirmed:
        return
    try:
        await query.edit_message_text(rt.replies().t(chosen, "lang.set"), parse_mode="HTML")
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
    chat_data[CONFIRMED] = confirmed


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, CommandHandler("lang", choose_language)),
        (0, CallbackQueryHandler(language_chosen, pattern=f"^{CALLBACK_LANG}")),
    ]
