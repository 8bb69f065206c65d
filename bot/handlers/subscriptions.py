"""/subscribe (a menu: anniversaries, Town Days or both, optionally some towns), /unsubscribe,
/mysubscriptions. In groups only the chat's admins may change the subscription
(bot.access.may_change_chat_settings); every button press is checked again (the presser, not the one who
opened the menu), and unknown or forged buttons are answered politely without changing anything.

Every button names the state it asks for, never "the other one": `sub:k:<kinds>`, `sub:t:<town>:1` (choose
the town) or `sub:t:<town>:0` (drop it), `sub:off`. Pressing one twice, or Telegram delivering the press
again after a restart, leaves the chat as the first press did."""

from __future__ import annotations

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.access import may_change_chat_settings
from bot.core.model import Language
from bot.handlers.chat import Context, edit_or_send, language_of, send
from bot.replies.calendar import CalendarReplies
from bot.replies.reply import Reply, plain_text
from bot.runtime import Runtime
from storage.digest import DigestStore
from storage.subscriptions import KINDS, Kinds, Subscription

CALLBACK = "sub:"
KIND_CODES: dict[str, Kinds] = {"a": "anniversaries", "t": "town_days", "all": "all"}
CODE_OF_KIND = {kind: code for code, kind in KIND_CODES.items()}


def actor_id(update: Update) -> int:
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    return update.effective_user.id if update.effective_user else 0


def describe(
    rt: Runtime, lang: Language, subscription: Subscription, *, labelled: bool = True
) -> tuple[str, str]:
    """(what, towns) in words; `labelled` says "towns: A, B" (in a sentence), else just "A, B" (after a
    "Towns:" label of its own)."""
    replies = rt.replies()
    what = replies.t(lang, f"subscribe.what_{subscription.kinds}")
    if not subscription.towns:
        return what, replies.t(lang, "subscribe.towns_all")
    names = [
        town.name(lang) for key in subscription.towns if (town := rt.directory.get(key)) is not None
    ] or list(subscription.towns)
    key = "subscribe.towns_some" if labelled else "subscribe.towns_names"
    return what, replies.t(lang, key, names=", ".join(sorted(names)))


def schedule_words(rt: Runtime, lang: Language) -> dict[str, str]:
    reminders = rt.settings.reminders
    leads = CalendarReplies(rt.replies()).leads(lang, reminders.lead_days, reminders.round_lead_days)
    return {"time": reminders.send_time.strftime("%H:%M"), "zone": reminders.timezone, "leads": leads}


def town_button(town_key: str, choose: bool) -> str:
    """The data of a town's button: what pressing it should make true (at most 48 bytes: keys are <= 40)."""
    return f"{CALLBACK}t:{town_key}:{int(choose)}"


def parse_town_button(action: str) -> tuple[str, bool] | None:
    """'t:narva:1' -> ('narva', True); None for anything else (including the old 't:narva' toggles)."""
    if not action.startswith("t:"):
        return None
    town_key, _, state = action[2:].rpartition(":")
    if not town_key or state not in ("0", "1"):
        return None
    return town_key, state == "1"


def main_menu(
    rt: Runtime, lang: Language, subscription: Subscription | None, digest: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    replies = rt.replies()
    text: str = replies.t(lang, "subscribe.menu", **schedule_words(rt, lang))
    active = subscription is not None and subscription.active
    if active:
        assert subscription is not None
        what, towns = describe(rt, lang, subscription)
        text += "\n\n" + replies.t(lang, "subscribe.current", what=what, towns=towns)
        if digest:
            text += "\n" + replies.t(lang, "subscribe_digest.state_on")

    def kind_button(kind: Kinds) -> InlineKeyboardButton:
        label = replies.texts.raw(lang, f"subscribe.button_{'all' if kind == 'all' else kind}")
        if active and subscription is not None and subscription.kinds == kind:
            label = f"• {label} •"
        return InlineKeyboardButton(label, callback_data=f"{CALLBACK}k:{CODE_OF_KIND[kind]}")

    rows = [[kind_button(kind) for kind in KINDS]]
    if active:  # towns narrow a subscription: offered once there is one, so every button shown works
        rows.append(
            [
                InlineKeyboardButton(
                    replies.texts.raw(lang, "subscribe.button_towns"), callback_data=f"{CALLBACK}towns"
                )
            ]
        )
        # the monthly digest (bot/public/digest.py): the button names the state it asks for
        digest_label = replies.texts.raw(lang, f"subscribe_digest.button_{'off' if digest else 'on'}")
        rows.append([InlineKeyboardButton(digest_label, callback_data=f"{CALLBACK}dg:{0 if digest else 1}")])
        rows.append(
            [
                InlineKeyboardButton(
                    replies.texts.raw(lang, "subscribe.button_off"), callback_data=f"{CALLBACK}off"
                )
            ]
        )
    return text, InlineKeyboardMarkup(rows)


def towns_menu(rt: Runtime, lang: Language, subscription: Subscription) -> tuple[str, InlineKeyboardMarkup]:
    replies = rt.replies()
    _, towns = describe(rt, lang, subscription)
    text = replies.t(lang, "subscribe.towns_menu", towns=towns)
    buttons = []
    for town in sorted(rt.directory.towns, key=lambda item: (not item.is_home, item.name(lang))):
        chosen = town.key in subscription.towns
        buttons.append(
            InlineKeyboardButton(
                f"{'✅ ' if chosen else ''}{replies.flag(town.country)} {town.name(lang)}",
                callback_data=town_button(town.key, not chosen),
            )
        )
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [
            InlineKeyboardButton(
                replies.texts.raw(lang, "subscribe.button_done"), callback_data=f"{CALLBACK}done"
            )
        ]
    )
    return text, InlineKeyboardMarkup(rows)


async def _chat_admin_command(
    update: Update, context: Context
) -> tuple[Runtime, Language, Message, Chat] | None:
    """The start of commands that change the chat's subscription: (runtime, language, message, chat), or
    None when there is nothing to answer or the sender may not change the chat's settings (told so)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return None
    rt = context.runtime
    lang = await language_of(update, context)
    if not await may_change_chat_settings(update, context.bot):
        await send(message, Reply(rt.replies().t(lang, "subscribe.not_admin")))
        return None
    return rt, lang, message, chat


async def subscribe(update: Update, context: Context) -> None:
    allowed = await _chat_admin_command(update, context)
    if allowed is None:
        return
    rt, lang, message, chat = allowed
    digest = await DigestStore(rt.database).is_on(chat.id)
    text, keyboard = main_menu(rt, lang, await rt.subscriptions.get(chat.id), digest)
    await send(message, Reply(text), reply_markup=keyboard)


async def unsubscribe(update: Update, context: Context) -> None:
    allowed = await _chat_admin_command(update, context)
    if allowed is None:
        return
    rt, lang, message, chat = allowed
    changed = await rt.subscriptions.unsubscribe(chat.id, actor_id(update))
    await send(
        message,
        Reply(rt.replies().t(lang, "subscribe.unsubscribed" if changed else "subscribe.not_subscribed")),
    )


async def my_subscriptions(update: Update, context: Context) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    replies = rt.replies()
    subscription = await rt.subscriptions.get(chat.id)
    if subscription is None:
        await send(message, Reply(replies.t(lang, "subscribe.not_subscribed")))
        return
    if not subscription.active:
        reason_key = (
            "subscribe.reason_unsubscribed"
            if subscription.inactive_reason == "unsubscribed"
            else "subscribe.reason_blocked"
        )
        await send(
            message, Reply(replies.t(lang, "subscribe.mine_inactive", reason=replies.t(lang, reason_key)))
        )
        return
    what, towns = describe(rt, lang, subscription, labelled=False)
    language = await rt.preferences.language(chat.id) or subscription.language
    await send(
        message,
        Reply(
            replies.t(
                lang,
                "subscribe.mine",
                what=what,
                towns=towns,
                language=replies.t(lang, f"subscribe.language_{language}"),
                **schedule_words(rt, lang),
            )
        ),
    )


async def pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or query.data is None or chat is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    replies = rt.replies()
    action = query.data.removeprefix(CALLBACK)
    kind = KIND_CODES.get(action[2:]) if action.startswith("k:") else None
    town = parse_town_button(action)
    known = (
        kind is not None
        or action in ("towns", "done", "off", "dg:0", "dg:1")
        or (town is not None and rt.directory.get(town[0]) is not None)
    )
    if not known:
        await query.answer(plain_text(replies.t(lang, "subscribe.stale")))
        return
    if not await may_change_chat_settings(update, context.bot):
        await query.answer(plain_text(replies.t(lang, "subscribe.not_admin")), show_alert=True)
        return
    actor = actor_id(update)
    subscription = await rt.subscriptions.get(chat.id)
    if kind is not None:
        title = chat.title or chat.full_name or ""
        subscription = await rt.subscriptions.subscribe(chat.id, chat.type, kind, lang, actor, title=title)
        what, towns = describe(rt, lang, subscription)
        done: str = replies.t(
            lang, "subscribe.subscribed", what=what, towns=towns, **schedule_words(rt, lang)
        )
        _, keyboard = main_menu(rt, lang, subscription, await DigestStore(rt.database).is_on(chat.id))
        await query.answer()
        await edit_or_send(update, context, done, keyboard)
        return
    if action == "off":
        await rt.subscriptions.unsubscribe(chat.id, actor)
        await query.answer()
        await edit_or_send(update, context, replies.t(lang, "subscribe.unsubscribed"), None)
        return
    if subscription is None or not subscription.active:
        await query.answer(plain_text(replies.t(lang, "subscribe.not_subscribed_yet")), show_alert=True)
        return
    if action in ("dg:0", "dg:1"):
        on = action == "dg:1"
        store = DigestStore(rt.database)
        await store.set(chat.id, on, actor)
        _, keyboard = main_menu(rt, lang, subscription, on)
        await query.answer()
        await edit_or_send(
            update,
            context,
            replies.t(lang, "subscribe_digest.on" if on else "subscribe_digest.off"),
            keyboard,
        )
        return
    if town is not None:
        changed = await rt.subscriptions.set_town(chat.id, town[0], town[1], actor)
        assert changed is not None
        subscription = changed
    if action == "done":
        text, keyboard = main_menu(rt, lang, subscription, await DigestStore(rt.database).is_on(chat.id))
    else:
        text, keyboard = towns_menu(rt, lang, subscription)
    await query.answer()
    await edit_or_send(update, context, text, keyboard)


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, CommandHandler("subscribe", subscribe)),
        (0, CommandHandler("unsubscribe", unsubscribe)),
        (0, CommandHandler("mysubscriptions", my_subscriptions)),
        (0, CallbackQueryHandler(pressed, pattern=f"^{CALLBACK}")),
    ]
