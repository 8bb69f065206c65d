"""/status for admins: version, mode, uptime, database, backups, reminder passes, deliveries, errors."""

from __future__ import annotations

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot.access import admin_user
from bot.handlers.chat import Context, language_of, send
from bot.metrics import BotMetrics
from bot.replies import Reply
from bot.status import gather, render

SERVICE_KEY = "service"  # bot_data: the mode this process serves in (set by bot.service)


async def status_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    if await admin_user(rt, update, "/status") is None:
        await send(message, Reply(rt.replies().t(lang, "status.admins_only")))
        return
    reachable: bool | None = None
    staff_chat = rt.settings.reminders.staff_chat
    if staff_chat:
        try:
            await context.bot.get_chat(staff_chat)
            reachable = True
        except TelegramError:
            reachable = False
    metrics = getattr(context.application, "metrics", None)
    started = metrics.started_at if isinstance(metrics, BotMetrics) else None
    mode = context.bot_data.get(SERVICE_KEY) or rt.settings.mode
    report = await gather(
        rt,
        running_mode=mode,
        started_at=started,
        queue=context.application.update_queue.qsize(),
        staff_chat_reachable=reachable,
    )
    await send(message, Reply(render(report, rt, lang)))


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [(0, CommandHandler("status", status_command))]
