"""/staff: who may record visits and export the register.

Admins come from `[access] admins`, staff from `[access] staff` plus the people admins add in chat:
`/staff add ID [name]`, `/staff add` as a reply to a person's message (or to a message forwarded
from them), `/staff list`, `/staff remove ID`. Staff may list; only admins add and remove.
Everyone else gets a polite refusal in their language; `bot.access` logs the attempt.

The list is staff data: it is shown only where `bot.access.register_visible` allows (a private chat
or the office's staff chat); elsewhere the bot asks to use a private chat. Who counts as staff, and
the answers every staff feature shares, are in bot/handlers/staff_gate.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
    User,
)
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.access import admin_user, is_admin
from bot.core.model import Language
from bot.core.staff import Refusal, add_refusal, parse_user_id, remove_refusal
from bot.core.stamps import local_time
from bot.handlers.chat import Context, alert, language_of, send
from bot.handlers.staff_gate import (
    ask_for_private_chat,
    note_actor,
    refuse_staff_only,
    register_here,
    staff_only,
)
from bot.locale import Markup
from bot.replies.reply import Reply, plain_text
from bot.runtime import Runtime

CALLBACK_ADD = "staff:add:"
MAX_NAME = 100
LIST_LIMIT = 3800  # characters of HTML, safely under Telegram's 4096
FORWARD_NAMES = "staff_forward_names"  # chat_data: user id -> name seen in a forward

ADD = {"add", "+", "добавить", "добавь"}
REMOVE = {"remove", "rm", "del", "delete", "-", "удалить", "удали", "убрать"}
LIST = {"list", "ls", "список"}


# ---- who is the target --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    user_id: int
    name: str


def person(user: User | None) -> Target | str:
    if user is None:
        return "reports.staff.no_target"
    if user.is_bot:
        return f"reports.staff.{Refusal.IS_BOT.value}"
    return Target(user.id, user.full_name[:MAX_NAME])


def reply_target(replied: Message) -> Target | str:
    """The person behind a replied-to message: a forward's original author, else its sender.

    Returns a catalogue key when there is nobody to add (a hidden forward, a channel, a bot)."""
    origin = replied.forward_origin
    if origin is not None:
        if isinstance(origin, MessageOriginUser):
            return person(origin.sender_user)
        if isinstance(origin, MessageOriginHiddenUser):
            return "reports.staff.hidden_forward"
        return "reports.staff.chat_forward"  # a chat or a channel
    if replied.sender_chat is not None:
        return "reports.staff.chat_forward"
    return person(replied.from_user)


# ---- /staff -------------------------------------------------------------------------------------


async def staff_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    args = list(context.args or [])
    action = args[0].lower() if args else "list"
    user_id = await staff_only(update, context, f"/staff {action}"[:40], lang)
    if user_id is None:
        return
    await note_actor(rt, update)
    if action in LIST:
        if not register_here(update, context):
            await ask_for_private_chat(update, context, lang)
            return
        await send(message, Reply(await staff_list(rt, lang, show_usage=is_admin(rt, user_id))))
        return
    replies = rt.replies()
    if action not in ADD | REMOVE:
        text = replies.t(lang, "reports.staff.unknown_action", action=action[:30])
        await send(message, Reply(text + "\n\n" + replies.t(lang, "reports.staff.usage")))
        return
    admin_id = await admin_user(rt, update, f"/staff {action}")
    if admin_id is None:
        await send(message, Reply(replies.t(lang, "reports.access.admin_only")))
        return
    if action in ADD:
        await add(update, context, lang, admin_id, args[1:])
    else:
        await remove(update, context, lang, admin_id, args[1:])


async def add(update: Update, context: Context, lang: Language, admin_id: int, args: list[str]) -> None:
    message = update.effective_message
    if message is None:
        return
    replies = context.runtime.replies()
    target: Target | str
    if args:
        user_id = parse_user_id(args[0])
        if user_id is None:
            await send(message, Reply(replies.t(lang, "reports.staff.bad_id", text=args[0][:30])))
            return
        target = Target(user_id, " ".join(args[1:])[:MAX_NAME])
    elif message.reply_to_message is not None and message.reply_to_message.forum_topic_created is None:
        # (in a forum topic every message "replies" to the topic's first message: that is no reply)
        target = reply_target(message.reply_to_message)
    else:
        target = "reports.staff.no_target"
    if isinstance(target, str):
        await send(message, Reply(replies.t(lang, target)))
        return
    await send(message, Reply(await add_target(context.runtime, lang, target, admin_id)))


async def add_target(rt: Runtime, lang: Language, target: Target, admin_id: int) -> Markup:
    replies = rt.replies()
    access = rt.settings.access
    refusal = add_refusal(target.user_id, admins=access.admins, config_staff=access.staff)
    if refusal is not None:
        return replies.t(lang, f"reports.staff.{refusal.value}", id=target.user_id)
    name = target.name.strip()
    if await rt.staff.add(target.user_id, name, admin_id):
        key = "reports.staff.added" if name else "reports.staff.added_unnamed"
        return replies.t(lang, key, id=target.user_id, name=name)
    known = (await rt.staff.names()).get(target.user_id, "")
    key = "reports.staff.already" if known else "reports.staff.already_unnamed"
    return replies.t(lang, key, id=target.user_id, name=known)


async def remove(update: Update, context: Context, lang: Language, admin_id: int, args: list[str]) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = context.runtime
    replies = rt.replies()
    if not args:
        await send(message, Reply(replies.t(lang, "reports.staff.no_remove_target")))
        return
    user_id = parse_user_id(args[0])
    if user_id is None:
        await send(message, Reply(replies.t(lang, "reports.staff.bad_id", text=args[0][:30])))
        return
    access = rt.settings.access
    refusal = remove_refusal(user_id, admins=access.admins, config_staff=access.staff)
    if refusal is not None:
        key = f"reports.staff.{refusal.value}"
    elif await rt.staff.remove(user_id, admin_id):
        key = "reports.staff.removed"
    else:
        key = "reports.staff.not_found"
    await send(message, Reply(replies.t(lang, key, id=user_id)))


async def staff_list(rt: Runtime, lang: Language, show_usage: bool = False) -> str:
    replies = rt.replies()
    names = await rt.staff.names()

    def line(key: str, user_id: int, **params: object) -> str:
        # "• Olga Ivanova (1001) — ..." when the name is known, "• 1001 — ..." otherwise
        name = names.get(user_id, "")
        return replies.t(lang, f"{key}_named" if name else key, id=user_id, name=name, **params)

    lines: list[str] = [replies.t(lang, "reports.staff.list_title")]
    lines += [line("reports.staff.admin_line", user_id) for user_id in rt.settings.access.admins]
    lines += [
        line("reports.staff.config_line", user_id)
        for user_id in rt.settings.access.staff
        if user_id not in rt.settings.access.admins
    ]
    members = await rt.staff.all()
    if not members:
        lines.append(replies.t(lang, "reports.staff.list_empty"))
    footer = "\n\n" + replies.t(lang, "reports.staff.usage") if show_usage else ""
    size = sum(len(text) + 1 for text in lines) + len(footer)
    for shown, member in enumerate(members):
        by = (
            f"{names[member.added_by]} ({member.added_by})" if names.get(member.added_by) else member.added_by
        )
        text = line(
            "reports.staff.member_line", member.user_id, by=by, date=added_on(rt, lang, member.added_at)
        )
        more = replies.t(lang, "reports.staff.more", count=len(members) - shown)
        if size + len(text) + len(more) + 2 > LIST_LIMIT:
            lines.append(more)
            break
        lines.append(text)
        size += len(text) + 1
    return "\n".join(lines) + footer


def added_on(rt: Runtime, lang: Language, stamp: str) -> str:
    moment = local_time(stamp, rt.settings.reminders.zone)
    return rt.replies().format_date(lang, moment.date()) if moment is not None else stamp[:10]


# ---- a message forwarded to the bot by an admin -------------------------------------------------


async def forwarded(update: Update, context: Context) -> None:
    """An admin forwards someone's message to the bot: offer to add that person (instead of treating
    the text as a resident's question). Everyone else's forwards go on to the other handlers."""
    message = update.effective_message
    if message is None or message.forward_origin is None or update.effective_user is None:
        return
    rt = context.runtime
    if message.sender_chat is not None or not is_admin(rt, update.effective_user.id):
        return
    target = reply_target(message)
    if target == "reports.staff.chat_forward":
        return  # a channel post: not about staff, let the other handlers answer it
    lang = await language_of(update, context)
    replies = rt.replies()
    if isinstance(target, str):
        await send(message, Reply(replies.t(lang, target)))
        raise ApplicationHandlerStop
    if context.chat_data is not None:
        seen: dict[int, str] = context.chat_data.setdefault(FORWARD_NAMES, {})
        seen[target.user_id] = target.name
        while len(seen) > 50:
            seen.pop(next(iter(seen)))
    label = plain_text(replies.t(lang, "reports.staff.add_button", name=target.name or target.user_id))[:60]
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"{CALLBACK_ADD}{target.user_id}")]]
    )
    text = replies.t(lang, "reports.staff.forward_seen", name=target.name, id=target.user_id)
    await send(message, Reply(text), reply_markup=keyboard)
    raise ApplicationHandlerStop


async def add_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    admin_id = await admin_user(rt, update, "staff add button")
    if admin_id is None:
        await refuse_staff_only(update, context, lang)
        return
    user_id = parse_user_id(query.data.removeprefix(CALLBACK_ADD))
    if user_id is None or not isinstance(query.message, Message):
        await alert(query, rt.replies().t(lang, "input.stale_button", command="/staff"))
        return
    seen = (context.chat_data or {}).get(FORWARD_NAMES, {})
    text = await add_target(rt, lang, Target(user_id, seen.get(user_id, "")), admin_id)
    await alert(query)
    await send(query.message, Reply(text))


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        # before the residents' question handler (group 0), which would answer the forwarded text
        (-1, MessageHandler(filters.FORWARDED & filters.ChatType.PRIVATE & ~filters.COMMAND, forwarded)),
        (0, CommandHandler("staff", staff_command)),
        (0, CallbackQueryHandler(add_pressed, pattern=f"^{CALLBACK_ADD}")),
    ]
