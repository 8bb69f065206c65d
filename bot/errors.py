"""The one error handler: log with the traceback, tell the user politely, tell the admins briefly.

It is the last resort, so it never raises: when localising or notifying fails (the database is the usual
suspect, since the chat's language comes from it), it falls back to the default language, logs that, and
goes on. Admin alerts are throttled per kind of fault (exception class + where it was raised): at most one
per ALERT_WINDOW, and the next alert says how many repeats were held back.
"""

from __future__ import annotations

import html
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update

from bot.context import BotContext
from bot.core.model import Language
from bot.logmask import describe_error, mask_secret
from bot.metrics import mark_update
from bot.ratelimit import BroadcastRateLimiter
from bot.runtime import Runtime

__all__ = ["ALERT_WINDOW_SECONDS", "AlertThrottle", "fault_kind", "mask_secret", "on_error"]

log = logging.getLogger("bot.errors")

ALERT_WINDOW_SECONDS = 10 * 60
THROTTLE_KEY = "error_alerts"  # bot_data: this application's AlertThrottle
# a location inside our own code names the fault better than the library frame that raised it
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_OWN_PACKAGES = tuple(str(_PROJECT_ROOT / package) for package in ("bot", "storage"))
_HANDLERS = str(_PROJECT_ROOT / "bot" / "handlers")
FALLBACK_USER_TEXT = "Something went wrong. Please try again a little later."


@dataclass
class AlertThrottle:
    """At most one alert per kind of fault in `window` seconds; counts the repeats it holds back."""

    window: float = ALERT_WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _last_sent: dict[str, float] = field(default_factory=dict)
    _held_back: dict[str, int] = field(default_factory=dict)

    def admit(self, kind: str) -> int | None:
        """None: hold this alert back. Otherwise send it, mentioning the returned number of held-back repeats."""
        now = self.clock()
        last = self._last_sent.get(kind)
        if last is not None and now - last < self.window:
            self._held_back[kind] = self._held_back.get(kind, 0) + 1
            return None
        self._last_sent[kind] = now
        return self._held_back.pop(kind, 0)


def fault_kind(error: BaseException | None) -> str:
    """Exception class + where it arose: the innermost frame in a handler module (else in our own code,
    else at all), and the handler PTB called when that is another function. Our own plumbing on the way
    to Telegram (the rate limiter, the metrics) is never named: the handler that asked is."""
    if error is None:
        return "unknown"
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    handlers = [frame for frame in frames if frame.filename.startswith(_HANDLERS)]
    own = [frame for frame in frames if frame.filename.startswith(_OWN_PACKAGES)]
    if not (handlers or own or frames):
        return name
    frame = (handlers or own or frames)[-1]
    kind = f"{name} at {_where(frame.filename)}:{frame.lineno} in {frame.name}"
    if handlers and handlers[0] is not frame:
        kind += f" (handler {_where(handlers[0].filename)} {handlers[0].name})"
    return kind


def _where(filename: str) -> str:
    where = Path(filename)
    if where.is_relative_to(_PROJECT_ROOT):
        where = where.relative_to(_PROJECT_ROOT)
    return where.as_posix()


def _throttle(context: BotContext) -> AlertThrottle:
    throttle = context.bot_data.get(THROTTLE_KEY)
    if not isinstance(throttle, AlertThrottle):
        throttle = context.bot_data[THROTTLE_KEY] = AlertThrottle()
    return throttle


async def on_error(update: object, context: BotContext) -> None:
    """PTB's error handler. Never raises: a failure in here is logged and swallowed."""
    try:
        await _handle(update, context)
    except Exception:  # the last resort must not fail in turn: logged with its traceback
        log.exception("the error handler itself failed")


async def _handle(update: object, context: BotContext) -> None:
    runtime = context.bot_data.get("runtime")
    rt = runtime if isinstance(runtime, Runtime) else None
    token = rt.settings.token if rt else ""
    error = context.error
    description = describe_error(error, token) if error is not None else "unknown error"
    if rt is not None and rt.settings.webhook.secret:
        description = description.replace(rt.settings.webhook.secret, "***")
    log.error("error while handling an update: %s", description, exc_info=error)
    mark_update("error")
    if rt is None:
        return
    try:  # for /status: errors of the last day by kind (best effort: the database may be the fault)
        await rt.faults.record(type(error).__name__ if error is not None else "unknown")
    except Exception as failure:  # noqa: BLE001 - logged; the user and the admins must still hear
        log.warning(
            "could not record the fault: %s", mask_secret(f"{type(failure).__name__}: {failure}", token)
        )
    default = rt.default_language()
    if isinstance(update, Update):
        lang = await _user_language(update, context, default, token)
        await _tell_user(update, context, rt, lang, token)
    kind = fault_kind(error)
    held_back = _throttle(context).admit(kind)
    if held_back is None:
        log.info("admin alert held back (one per %d s): %s", ALERT_WINDOW_SECONDS, kind)
        return
    await _tell_admins(context, rt, default, description, kind, held_back, token)


async def _user_language(update: Update, context: BotContext, default: Language, token: str) -> Language:
    from bot.handlers.chat import language_of

    try:
        return await language_of(update, context)
    except Exception as failure:  # noqa: BLE001 - any failure (often the database itself): default language
        log.warning(
            "could not find the chat's language, using %s: %s",
            default,
            mask_secret(f"{type(failure).__name__}: {failure}", token),
        )
        return default


def _text(rt: Runtime, lang: Language, key: str, **params: object) -> str | None:
    try:
        return str(rt.replies().t(lang, key, **params))
    except Exception as failure:  # noqa: BLE001 - a broken text must not stop the report; logged
        log.warning("could not render %s: %s: %s", key, type(failure).__name__, failure)
        return None


async def _tell_user(update: Update, context: BotContext, rt: Runtime, lang: Language, token: str) -> None:
    text = _text(rt, lang, "error.user") or FALLBACK_USER_TEXT
    query = update.callback_query
    limiter = context.bot.rate_limiter
    # a press is answered exactly once: when the handler did before it failed, the chat hears instead
    answered = (
        query is not None and isinstance(limiter, BroadcastRateLimiter) and limiter.has_answered(query.id)
    )
    try:
        if query is not None and not answered:
            await query.answer(text[:200])
        elif update.effective_chat is not None and (update.effective_message is not None or answered):
            await context.bot.send_message(update.effective_chat.id, text)
    except Exception as failure:  # noqa: BLE001 - Telegram or network trouble: logged, the admins still hear
        log.warning(
            "could not tell the user about the error: %s",
            mask_secret(f"{type(failure).__name__}: {failure}", token),
        )


async def _tell_admins(
    context: BotContext,
    rt: Runtime,
    lang: Language,
    description: str,
    kind: str,
    held_back: int,
    token: str,
) -> None:
    parts = [
        _text(rt, lang, "error.admin", error=html.unescape(description)[:3000]),
        _text(rt, lang, "error.where", where=mask_secret(kind, token)[:500]),
        _text(rt, lang, "error.held_back", count=held_back, minutes=ALERT_WINDOW_SECONDS // 60)
        if held_back
        else None,
    ]
    text = "\n".join(part for part in parts if part) or html.escape(description[:3000])
    for admin in rt.settings.access.admins:
        try:
            await context.bot.send_message(admin, text)
        except Exception as failure:  # noqa: BLE001 - one unreachable admin must not stop the others
            log.warning(
                "could not notify admin %s: %s",
                admin,
                mask_secret(f"{type(failure).__name__}: {failure}", token),
            )
