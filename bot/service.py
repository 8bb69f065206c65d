"""`twinbot run`: the bot as a long-running service, in long polling (the default) or webhook mode.

The order of things:
1. A backup before migrating: when the database's schema is older than this program's, a checked copy
   is made first (an upgrade never risks the only copy).
2. One instance: a lock on the token (a file lock on this machine) and the lease row in the database
   (see storage/lease.py). A second process refuses with one line and exit code 3.
3. PTB's Application is initialised (post_init opens the runtime and schedules the jobs) and started;
   in polling mode the Updater starts polling (it deletes a leftover webhook first), in webhook mode
   setWebhook is called with the secret token, allowed_updates and max_connections.
4. The web server (uvicorn) runs when the webhook or [http] is enabled.
5. SIGTERM or SIGINT: polling stops or the server stops taking requests, then Application.stop()
   handles the updates already taken, lets a reminder on its way finish and be recorded (a pass starts
   no new message once stopping), stops the JobQueue; the database is closed and the lease released.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import signal
import socket
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application

from bot import __version__
from bot.app import CONNECTIVITY_KEY, DATABASE_KEY, build_application
from bot.config import Settings
from bot.connectivity import Connectivity, StartupFailedError, with_retries
from bot.handlers.status import SERVICE_KEY
from bot.intake import INBOX_REQUEST_KEY, INTAKE_KEY, InboxRequest, Intake, replay_unfinished, runtime_intake
from bot.persistence import SqlitePersistence
from storage import Database, open_database
from storage.backup import BackupError, make_backup
from storage.database import migrations
from storage.lease import HEARTBEAT_SECONDS, InstanceLease, LeaseLostError, LeaseRefusedError

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("bot.service")

ALREADY_RUNNING = 3  # exit code of a second instance
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StartupError(Exception):
    """The service cannot start; the text is the one line to print."""


class InstanceRefusedError(StartupError):
    """Another twinbot holds this token or this database."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class TokenLock:
    """An exclusive file lock named after the hash of the token and the Bot API server: one process per
    bot on this machine, whatever database it uses (two test doubles on different ports may share a
    token). The kernel drops the lock when the process dies, so it is never stale."""

    def __init__(self, token: str, base_url: str, directory: Path | None = None) -> None:
        folder = directory or Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
        self.path = folder / f"twinbot-{token_hash(base_url.rstrip('/') + ' ' + token)}.lock"
        self._handle: IO[str] | None = None

    def acquire(self, database: Path) -> None:
        import fcntl

        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise InstanceRefusedError(
                f"another twinbot is already running with this bot token on this machine ({holder}); "
                "stop it first: two would fight over the updates"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, database {database.resolve()}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing drops the lock
            self._handle = None


def backup_before_migrating(settings: Settings) -> Path | None:
    """A checked copy of a database whose schema this program is about to migrate; None when there is
    nothing to migrate. Raises BackupError: the bot then does not start (the file stays as it was)."""
    path = settings.storage.database
    if str(path) == ":memory:" or not path.is_file():
        return None
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    finally:
        connection.close()
    if version == 0 or version >= len(migrations()):
        return None
    result = make_backup(path, settings.backup.directory, datetime.now().astimezone())
    log.info(
        "schema %d -> %d: the database was backed up first to %s (%s)",
        version,
        len(migrations()),
        result.path,
        result.check.summary(),
    )
    return result.path


def _quiet_server(config: uvicorn.Config) -> uvicorn.Server:
    """uvicorn without its own signal handlers: this service decides when and in which order to stop."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return Server(config)


def listening_socket(settings: Settings) -> socket.socket | None:
    """The web server's socket, bound before anything else starts (a port in use is a clear error)."""
    if settings.webhook.enabled:
        host, port = settings.webhook.listen, settings.webhook.port
    elif settings.http.enabled:
        host, port = settings.http.listen, settings.http.port
    else:
        return None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise StartupError(f"the web server cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.setblocking(False)
    return sock


def web_server(app: Any) -> uvicorn.Server:
    # uvicorn and starlette are imported only here, when a web server runs: in polling mode without
    # [http] the process never loads them (a lighter idle bot, a quicker start)
    import uvicorn

    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", server_header=False)
    return _quiet_server(config)


def run_service(settings: Settings) -> int:
    try:
        return asyncio.run(serve(settings))
    except InstanceRefusedError as exc:
        log.error("%s", exc)
        return ALREADY_RUNNING
    except (StartupError, StartupFailedError) as exc:
        log.error("%s", exc)
        return 1
    except BackupError as exc:
        log.error("the database was not migrated, because the backup before it failed: %s", exc)
        return 1


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    # on the loop's own thread: nothing else runs yet (a stop signal is seen once it returns, as before),
    # and asyncio.to_thread would leave the default executor's thread idle for the life of the process
    backup_before_migrating(settings)
    lock = TokenLock(settings.token, settings.telegram.base_url)
    lock.acquire(settings.storage.database)
    try:
        database = await open_database(settings.storage.database)
        try:
            lease = InstanceLease(
                database, token_hash=token_hash(settings.token), mode=settings.mode, version=__version__
            )
            try:
                taken = await lease.acquire()
            except LeaseRefusedError as exc:
                raise InstanceRefusedError(
                    f"{exc}; stop it first: two would fight over the updates"
                ) from None
            if taken is not None:
                log.warning(
                    "took over the lease of %s: it had stopped without releasing it", taken.describe()
                )
            try:
                await _run(settings, stop, lease, database)
            finally:
                await lease.release()
        finally:
            await database.close()
    finally:
        lock.release()
    return 0


async def _heartbeat(lease: InstanceLease, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS)
        if stop.is_set():
            return
        try:
            await lease.renew()
        except LeaseLostError:
            log.error("another process took over this bot's lease: stopping, so that only one runs")
            stop.set()
        except Exception as exc:  # noqa: BLE001 - a busy database: the next beat tries again
            log.warning("could not renew the lease: %s", type(exc).__name__)


async def _run(settings: Settings, stop: asyncio.Event, lease: InstanceLease, database: Database) -> None:
    sock = listening_socket(settings)
    application: Application = build_application(settings)  # type: ignore[type-arg]
    application.bot_data[SERVICE_KEY] = settings.mode
    application.bot_data[DATABASE_KEY] = database  # the runtime's too (it is closed here, after it)
    if isinstance(application.persistence, SqlitePersistence):
        application.persistence.borrow(database)  # and the conversations': one writer, one reader
    beating = asyncio.create_task(_heartbeat(lease, stop), name="lease-heartbeat")
    retries, token = settings.telegram.startup_retries, settings.token
    connectivity = application.bot_data.get(CONNECTIVITY_KEY)
    connectivity = connectivity if isinstance(connectivity, Connectivity) else Connectivity(token)
    try:
        # the order of PTB's own run_polling(): initialize, post_init, ..., stop, shutdown, post_shutdown
        # initialize() asks getMe: a rejected token or an unreachable API ends here with one line
        await with_retries(application.initialize, "getMe", retries=retries, token=token, stop=stop)
        try:
            if application.post_init is not None:
                await application.post_init(application)  # the runtime, the menu, the jobs
            intake = _open_intake(application)
            if settings.webhook.enabled:
                await with_retries(
                    lambda: application.bot.set_webhook(
                        url=settings.webhook.public_url,
                        secret_token=settings.webhook.secret,
                        allowed_updates=Update.ALL_TYPES,
                        max_connections=settings.webhook.max_connections,
                    ),
                    "setWebhook",
                    retries=retries,
                    token=token,
                    stop=stop,
                )
            else:  # a webhook left from an earlier webhook run (PTB's bootstrap deletes it again, cheaply)
                await with_retries(
                    application.bot.delete_webhook, "deleteWebhook", retries=retries, token=token, stop=stop
                )
            await application.start()
            try:
                # what was stored but never finished (a kill), before anything new is fetched
                await replay_unfinished(application)
                await intake.inbox.prune()
                if not settings.webhook.enabled and application.updater is not None:
                    await application.updater.start_polling(
                        allowed_updates=Update.ALL_TYPES,
                        bootstrap_retries=retries,
                        # an outage while running: one line when it starts, one when it ends
                        error_callback=connectivity.failed,
                    )
                if sock is None:
                    await stop.wait()
                else:
                    from bot.public import public_routes
                    from bot.web.server import build_web_app

                    runtime = application.bot_data["runtime"]
                    public = public_routes(runtime) if settings.http.public else ()
                    app = build_web_app(application, runtime, settings, extra_routes=public)
                    await _until_stopped(web_server(app), sock, stop)
            finally:
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                # handles what was already taken, waits for running handlers and jobs
                await application.stop()
                await intake.close()  # the last done marks, before the database closes
        finally:
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)  # closes the database
        log.info("stopped cleanly (%s)", settings.mode)
    finally:
        stop.set()
        await beating
        if sock is not None:
            sock.close()


def _open_intake(application: Application) -> Intake:  # type: ignore[type-arg]
    """The inbox on the runtime's database, attached to the getUpdates request and process_update."""
    intake = runtime_intake(application.bot_data["runtime"])
    application.bot_data[INTAKE_KEY] = intake
    request = application.bot_data.get(INBOX_REQUEST_KEY)
    if isinstance(request, InboxRequest):
        request.intake = intake
    return intake


async def _until_stopped(server: uvicorn.Server, sock: socket.socket, stop: asyncio.Event) -> None:
    serving = asyncio.create_task(server.serve(sockets=[sock]), name="web-server")
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if serving in done:
        stopping.cancel()
        serving.result()  # the server's own failure, if that is what ended it
        raise StartupError("the web server stopped by itself")
    server.should_exit = True  # no new requests; the ones in flight are answered
    await serving
