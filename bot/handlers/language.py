"""/lang: the chat chooses the answer language (a Cyrillic or Latin question still decides its own)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.model import LANGUAGES, Language
from bot.handlers.chat import Context, language_of, runtime, send
from bot.replies import Reply

CALLBACK_LANG = "lang:"


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
    if query.message is not None:
        await query.edit_message_text(rt.replies().t(chosen, "lang.set"), parse_mode="HTML")


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, CommandHandler("lang", choose_language)),
        (0, CallbackQueryHandler(language_chosen, pattern=f"^{CALLBACK_LANG}")),
    ]
