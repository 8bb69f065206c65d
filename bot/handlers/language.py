"""/lang: the chat chooses the answer language (a Cyrillic or Latin question still decides its own).

In a group only its admins may change it (asked from Telegram on the command and again on every button
press, for the user who pressed); in a private chat, the user."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.access import may_change_chat_settings
from bot.core.model import LANGUAGES, Language
from bot.handlers.chat import Context, edit_or_send, language_of, send
from bot.replies.reply import Reply

CALLBACK_LANG = "lang:"
CONFIRMED = "lang_confirmed"  # chat_data: (message id, language) of the last confirmed prompt


async def choose_language(update: Update, context: Context) -> None:
    if update.effective_message is None:
        return
    lang = await language_of(update, context)
    texts = context.runtime.replies().texts
    if not await may_change_chat_settings(update, context.bot):
        await send(update.effective_message, Reply(texts.text(lang, "lang.refused")))
        return
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
    rt = context.runtime
    code = query.data.removeprefix(CALLBACK_LANG)
    if code not in LANGUAGES:
        lang = await language_of(update, context)
        await query.answer(rt.replies().t(lang, "input.stale_button", command="/lang"))
        return
    if not await may_change_chat_settings(update, context.bot):
        # the prompt may have been opened by an admin; whoever presses is checked again
        lang = await language_of(update, context)
        await query.answer(rt.replies().t(lang, "lang.refused")[:200], show_alert=True)
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
    await edit_or_send(update, context, rt.replies().t(chosen, "lang.set"))
    chat_data[CONFIRMED] = confirmed


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    # blocking (unlike the residents' handlers): a double tap's second press must see the first's chat_data
    return [
        (0, CommandHandler("lang", choose_language)),
        (0, CallbackQueryHandler(language_chosen, pattern=f"^{CALLBACK_LANG}")),
    ]
