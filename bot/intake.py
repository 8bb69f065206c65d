"""Intake: every update is stored in the inbox (storage/inbox.py) before Telegram is told it arrived,
and marked done when its handlers have finished. At-least-once in, exactly-once through the handlers.

- Polling: :class:`InboxRequest` wraps the getUpdates request and writes the updates of each answer
  before PTB sees them. PTB confirms them by asking for a higher offset on its *next* poll, which it
  only makes after this one returned, so an update is confirmed only once it is stored.
- Webhook: bot/web/server.py stores the update before it answers 200.
- :class:`Intake` skips an update already done (a redelivery: the offset was not confirmed in time) or
  still being handled, and collects the finished ones to mark them done in batches.
- :func:`replay_unfinished` hands what was stored but never finished (the process was killed) to the
  handlers at the next start, before polling or the webhook takes anything new. A half-handled update
  meets the handlers' own dedup then (the visit's idempotency key is the chat and message id).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.ratelimit import BroadcastRateLimiter
from bot.request_layer import RequestLayer
from storage.inbox import Inbox

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("bot.intake")

INTAKE_KEY = "intake"  # bot_data: the running service's Intake (absent in the console and the tests)
PRUNE_EVERY = 1000  # finished updates between two prunings of the inbox
FLUSH_DELAY = 0.05  # seconds from the first unwritten done mark to the commit of all of them
RECENT_DONE = 4096  # updates finished by this process whose redelivery is skipped without a read
INBOX_REQUEST_KEY = "inbox_request"  # bot_data: the getUpdates request that stores what it fetched


class Intake:
    """The dedup and the done marks, with as few database steps per update as the guarantees allow:

    - an update this process stored itself (new rows, :meth:`store`) is known not to be done: admitted
      without reading the inbox; one finished here is remembered (the last RECENT_DONE), so that its
      redelivery is skipped without reading it either; only the rest (the first poll after a start, a
      redelivery of something older) is looked up;
    - done marks are written in batches, FLUSH_DELAY after the first of them: one commit for the
      updates finished meanwhile instead of one each (a commit waits for the disk, synchronous=FULL).
      A kill inside that window hands those updates to the handlers again at the next start, as it
      would for one killed while being handled: the handlers' own dedup is for exactly that.

    ``before_done`` writes what the handlers left in memory to be written behind them (the question
    log, storage/knowledge.py) before any of their updates is marked done: a kill before that mark
    hands those updates over again, so nothing an update did is lost with the memory.
    """

    def __init__(self, inbox: Inbox, before_done: Callable[[], Awaitable[None]] | None = None) -> None:
        self.inbox = inbox
        self._before_done = before_done
        self._in_flight: set[int] = set()
        self._finished: list[int] = []
        self._unflushed: set[int] = set()  # finished, the done mark not committed yet
        self._fresh: set[int] = set()  # stored by this process as new rows, not admitted yet
        self._recent: OrderedDict[int, None] = OrderedDict()  # finished here, the last RECENT_DONE
        self._flushing: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        # updates waiting to be stored together, and the future their requests wait on (see store)
        self._batch: tuple[list[dict[str, Any]], asyncio.Future[None]] | None = None
        self._storing: asyncio.Task[None] | None = None
        self.skipped = 0
        self.done = 0

    async def store(self, updates: list[dict[str, Any]]) -> None:
        """Into the inbox, before Telegram is told they arrived (raises when that failed).

        A group commit: the updates that arrive while one batch is being written (webhook requests
        come concurrently, up to max_connections at once) go together in the next one, so a burst
        waits for the disk once per batch rather than once per request."""
        if self._batch is None:
            self._batch = ([], asyncio.get_running_loop().create_future())
        self._batch[0].extend(updates)
        written = self._batch[1]
        if self._storing is None or self._storing.done():
            self._storing = asyncio.get_running_loop().create_task(self._store_batches(), name="inbox-store")
        await asyncio.shield(written)

    async def _store_batches(self) -> None:
        while self._batch is not None:
            (updates, written), self._batch = self._batch, None
            try:
                stored = await self.inbox.store(updates)
            except Exception as exc:  # noqa: BLE001 - handed to every request of the batch
                written.set_exception(exc)
                written.exception()  # retrieved: a request that stopped waiting leaves no warning
                continue
            if stored == len(updates):  # every row new (else some were there before: looked up)
                self._fresh.update(int(update["update_id"]) for update in updates)
            written.set_result(None)

    async def admit(self, update_id: int) -> bool:
        """False for an update that is being handled or was handled to the end before."""
        known = update_id in self._in_flight or update_id in self._unflushed or update_id in self._recent
        if known or (update_id not in self._fresh and await self.inbox.is_done(update_id)):
            self.skipped += 1
            return False
        self._fresh.discard(update_id)
        self._in_flight.add(update_id)
        return True

    def finished(self, update_id: int) -> None:
        """Its handlers are done (a failure included: the error handler has reported it)."""
        self._in_flight.discard(update_id)
        self._finished.append(update_id)
        self._unflushed.add(update_id)
        self._recent[update_id] = None
        if len(self._recent) > RECENT_DONE:
            self._recent.popitem(last=False)
        self.done += 1
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush_soon(), name="inbox-done")

    async def _flush_soon(self) -> None:
        # one batch per FLUSH_DELAY, also under a steady stream of updates: those that finish while a
        # batch is being written wait for the next one instead of being written one or two at a time
        while self._finished:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), FLUSH_DELAY)
            await self._flush_batch()

    async def _flush(self) -> None:
        while self._finished:
            await self._flush_batch()

    async def _flush_batch(self) -> None:
        ids, self._finished = self._finished, []
        if not ids:
            return
        try:
            if self._before_done is not None:
                await self._before_done()
            await self.inbox.mark_done(ids)
            self._unflushed.difference_update(ids)
            if self.done % PRUNE_EVERY < len(ids):  # now and then, the old done rows go
                await self.inbox.prune()
        except Exception as exc:  # noqa: BLE001 - they are handled again at the next start (dedup)
            log.warning("could not mark %d updates done in the inbox: %s", len(ids), type(exc).__name__)

    async def close(self) -> None:
        """Write the last done marks (before the database closes)."""
        self._closing.set()
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing
        await self._flush()


def runtime_intake(runtime: Runtime) -> Intake:
    """The inbox on the runtime's database, writing the runtime's question log before its done marks."""
    return Intake(Inbox(runtime.database), before_done=runtime.knowledge.flush_log)


class InboxRequest(RequestLayer):
    """The getUpdates request: the updates of each answer are in the inbox before PTB gets them.

    ``intake`` is attached when the service has opened the database (polling starts only after that).
    A failure to store is raised as a NetworkError: PTB asks again with the same offset, so nothing is
    confirmed that was not stored."""

    __slots__ = ("intake",)

    def __init__(self, inner: BaseRequest) -> None:
        super().__init__(inner)
        self.intake: Intake | None = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if self.intake is not None and code == 200 and url.endswith("/getUpdates"):
            await self._store(payload)
        return code, payload

    async def _store(self, payload: bytes) -> None:
        assert self.intake is not None
        try:
            answer = json.loads(payload)
        except ValueError:
            return  # PTB reports the malformed answer itself
        updates = answer.get("result") if isinstance(answer, dict) and answer.get("ok") else None
        if not isinstance(updates, list):
            return
        stored = [
            update
            for update in updates
            if isinstance(update, dict) and isinstance(update.get("update_id"), int)
        ]
        try:
            await self.intake.store(stored)
        except Exception as exc:
            raise NetworkError(f"the fetched updates could not be stored, fetching again: {exc}") from exc


async def replay_unfinished(application: Any) -> int:
    """Hand the updates stored but never finished to the handlers, oldest first, and wait for them."""
    from bot.app import settle

    intake = application.bot_data.get(INTAKE_KEY)
    if not isinstance(intake, Intake):
        return 0
    unfinished = await intake.inbox.unfinished()
    if not unfinished:
        return 0
    log.info("handling %d updates stored before the last stop, before any new one", len(unfinished))
    limiter = application.bot.rate_limiter
    for data in unfinished:
        update = Update.de_json(data, application.bot)
        if update.callback_query is not None and isinstance(limiter, BroadcastRateLimiter):
            # the process before may have answered this press; Telegram refuses a second answer
            limiter.mark_answered(update.callback_query.id)
        await application.process_update(update)
    await settle(application)
    return len(unfinished)
