"""build_application(): the only place that wires python-telegram-bot."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Generator
from datetime import datetime
from typing import Any, TypeVar

import httpx
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest, HTTPXRequest
from telegram.warnings import PTBUserWarning

from bot.backups import schedule_backups
from bot.config import Settings
from bot.connectivity import Connectivity, WatchedRequest
from bot.context import CONTEXT_TYPES
from bot.core.model import LANGUAGES
from bot.errors import on_error
from bot.handlers import all_handlers
from bot.handlers.reports import prewarm_stats_charts
from bot.http_pool import ShardedPool
from bot.intake import INBOX_REQUEST_KEY, INTAKE_KEY, InboxRequest, Intake
from bot.locale import catalogue
from bot.logmask import mask_token_in_logs
from bot.metrics import BotMetrics, InstrumentedRequest, UpdateTrack, current_update, update_kind
from bot.persistence import SqlitePersistence
from bot.public.digest import schedule_digest
from bot.question_retention import start_question_retention
from bot.ratelimit import BroadcastRateLimiter
from bot.reminders import SEND_WORKERS, ReminderService, TelegramSender, schedule
from bot.runtime import Runtime, open_runtime

log = logging.getLogger(__name__)

# The menu shown by Telegram's "/" button, in each language (descriptions come from the catalogue).
MENU_COMMANDS = (
    "start",
    "help",
    "towns",
    "town",
    "map",
    "upcoming",
    "calendar",
    "subscribe",
    "unsubscribe",
    "lang",
)
OFFLINE_TOKEN = "1:offline"
CONNECTIVITY_KEY = "connectivity"
DATABASE_KEY = "database"  # bot_data: an open database for the runtime (bot.service); absent elsewhere
STATS_PREWARM_SECONDS = 20
# Every text the bot sends is Telegram HTML (the catalogue escapes all data), without link previews:
# said once here for every request, also for the bot `twinbot remind` builds. A send that is not HTML
# says parse_mode=None.
DEFAULTS = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
# Bot API requests on the wire at once (more wait in bot.metrics.InstrumentedRequest): twice the
# reminder pass's senders, so replies still go out during a broadcast; 16 requests of 100 ms each are
# 160 a second, well above Telegram's 30 messages a second
REQUESTS_IN_FLIGHT = 2 * SEND_WORKERS
T = TypeVar("T")


class TwinApplication(Application):  # type: ignore[type-arg]
    """PTB's Application, keeping hold of the handlers it runs concurrently (block=False), so that the
    console and the offline tests can wait for their answers with :meth:`settle`."""

    __slots__ = ("_concurrent", "metrics")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._concurrent: set[asyncio.Task[Any]] = set()
        self.metrics = BotMetrics()

    async def process_update(self, update: object) -> None:
        # the service's inbox (bot.intake): a redelivered update is skipped, a finished one marked done
        intake = self.bot_data.get(INTAKE_KEY)
        finished = None
        if isinstance(intake, Intake) and isinstance(update, Update):
            update_id = update.update_id
            if not await intake.admit(update_id):
                log.info("update %d was handled before or is being handled: skipped", update_id)
                self.metrics.count_update(update_kind(update), "duplicate")
                return
            finished = lambda: intake.finished(update_id)  # noqa: E731 - called once, by the track
        # the handlers it starts concurrently join the track (see bot.metrics): it ends with the last one
        track = UpdateTrack(self.metrics, update_kind(update), on_finished=finished)
        marker = current_update.set(track)
        try:
            await super().process_update(update)
        finally:
            current_update.reset(marker)
            track.leave()

    def create_task(
        self,
        coroutine: Generator[asyncio.Future[object], None, T] | Awaitable[T],
        update: object | None = None,
        *,
        name: str | None = None,
    ) -> asyncio.Task[T]:
        if self.running:
            task = super().create_task(coroutine, update, name=name)
        else:
            # process_update() without start() (console, tests): PTB warns that such a task is not
            # awaited on stop(); settle() is what awaits it then
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Tasks created via", PTBUserWarning)
                task = super().create_task(coroutine, update, name=name)
        self._concurrent.add(task)
        task.add_done_callback(self._concurrent.discard)
        track = current_update.get()
        if track is not None and update is not None:
            track.join()
            task.add_done_callback(lambda _: track.leave())
        return task

    async def settle(self) -> None:
        """Wait until every handler started with block=False (and whatever they started) has finished."""
        while self._concurrent:
            await asyncio.gather(*self._concurrent, return_exceptions=True)


async def settle(application: Application) -> None:  # type: ignore[type-arg]
    """Wait for the concurrently running handlers of an application built here (no-op for another)."""
    if isinstance(application, TwinApplication):
        await application.settle()


def menu(lang: str) -> list[BotCommand]:
    texts = catalogue()
    return [BotCommand(command, texts.raw(lang, f"commands.{command}")) for command in MENU_COMMANDS]  # type: ignore[arg-type]


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Application:  # type: ignore[type-arg]
    """The PTB application with every handler; `request` replaces the network (console, tests)."""
    # here rather than in the CLI, so that any embedding gets it: the token never reaches a log line
    mask_token_in_logs(settings.token)
    mask_token_in_logs(settings.webhook.secret)  # PTB logs setWebhook's parameters at DEBUG
    builder = (
        ApplicationBuilder()
        .application_class(TwinApplication)
        .context_types(CONTEXT_TYPES)
        .defaults(DEFAULTS)
        .token(settings.token or OFFLINE_TOKEN)
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        # PTB's AIORateLimiter with the #5338 fix and sliding windows: see bot/ratelimit.py
        .rate_limiter(BroadcastRateLimiter(max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        # conversation state (the /visit form) in the same SQLite file, so a form survives a restart
        .persistence(SqlitePersistence(settings.storage.database))
    )
    metrics = BotMetrics()
    connectivity = Connectivity(settings.token)
    if request is None:  # PTB's own requests, counted for /metrics; at most REQUESTS_IN_FLIGHT on the wire
        # one TLS context for both clients: each would otherwise load the CA bundle into a context of
        # its own (0.8 MB); the same settings httpx gives a client by default (certifi, SSL_CERT_FILE).
        # The pools' idle connections are checked cheaply, and 8 small pools cost less than one large
        # one: bot/http_pool.py
        tls = {"verify": httpx.create_ssl_context()}
        pool = ShardedPool.of_httpx(connections=REQUESTS_IN_FLIGHT, per_shard=2, httpx_kwargs=tls)
        builder = builder.request(InstrumentedRequest(pool, metrics, max_in_flight=REQUESTS_IN_FLIGHT))
        polling = InstrumentedRequest(HTTPXRequest(httpx_kwargs=tls), metrics)
        # the fetched updates are stored before PTB's next poll confirms them (bot.intake)
        inbox_request = InboxRequest(WatchedRequest(polling, connectivity))
        builder = builder.get_updates_request(inbox_request)
    else:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    if isinstance(application, TwinApplication):
        application.metrics = metrics
    application.bot_data["settings"] = settings
    application.bot_data["clock"] = clock
    application.bot_data[CONNECTIVITY_KEY] = connectivity  # the polling error_callback (bot.service)
    if request is None:
        application.bot_data[INBOX_REQUEST_KEY] = inbox_request  # the service attaches its Intake
    for group, handler in all_handlers():
        application.add_handler(handler, group=group)
    application.add_error_handler(on_error)
    return application


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    settings: Settings = application.bot_data["settings"]
    mask_token_in_logs(settings.token)  # again: log handlers added after build_application()
    mask_token_in_logs(settings.webhook.secret)
    # `twinbot run` hands over the database it holds the lease on (bot.service): one set of connections
    runtime = await open_runtime(
        settings, clock=application.bot_data.get("clock"), database=application.bot_data.get(DATABASE_KEY)
    )
    runtime.bot_username = application.bot.username or runtime.bot_username
    application.bot_data["runtime"] = runtime
    default = settings.bot.default_language
    # the menus at once, not one round trip after another: the start waits for the slowest only
    await asyncio.gather(
        application.bot.set_my_commands(menu(default)),
        *(application.bot.set_my_commands(menu(lang), language_code=lang) for lang in LANGUAGES),
    )
    # reminders: the schedule is rebuilt from the database at every start (no pickled jobs)
    application.bot_data["reminders"] = ReminderService(
        runtime, TelegramSender(application.bot), stopping=lambda: not application.running
    )
    schedule(application)
    schedule_digest(application)
    schedule_backups(application)
    await start_question_retention(application)
    if application.job_queue is not None:
        # /stats charts are drawn after each change to the register, not while a user waits
        application.job_queue.run_repeating(
            prewarm_stats_charts, interval=STATS_PREWARM_SECONDS, first=5, name="stats-prewarm"
        )
    log.info("bot @%s is ready, %d towns loaded", application.bot.username, len(runtime.directory.towns))


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    runtime: Runtime | None = application.bot_data.pop("runtime", None)
    if runtime is not None:
        await runtime.close()
