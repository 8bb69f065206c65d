"""Process weight and per-update cost, side by side with a bare PTB echo bot (not a test).

Run: `python3 dev.py bench process [--rounds N] [--updates N] [--quick]`.

Measured in one run on this machine, the project and the echo bot interleaved round by round (the
machine is shared: the best round of each counts, and the median is printed beside it):

* one update in-process: ``Application.process_update`` of a resident's question ("Нарва", the town
  card) through the whole application (the inbox dedup, metrics, every handler group, the question
  engine, the reply through PTB's Bot), against PTB's echo bot answering the same text; both with an
  in-memory Bot API (no network), without a rate limiter and with the same one (the shipped
  BroadcastRateLimiter), its 30 messages/s overall window lifted: every update is a chat of its own,
  and that window would only measure its pacing;
* ``twinbot run`` (polling) as a process, against the echo bot's ``run_polling`` on the same Bot API
  stand-in: the time from the start of the process to its first getUpdates, and the idle resident
  memory (VmRSS) a few seconds later;
* ``twinbot ask "..."`` as a whole process (target 0.25 s), beside ``python -c pass``.

Targets (issue 13): per update <= 1.5x the echo, start to first getUpdates <= 1.5x the echo, idle RSS
<= 55 MB, `twinbot ask` <= 0.25 s.

Every process measured here, the echo bot's alike, sees only the packages a production install has
(tests/production_imports.py).

A script, not a test (pytest does not collect it). Linux only (it reads /proc for the RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bot.app import build_application, settle
from bot.config import parse_settings
from bot.intake import INTAKE_KEY, Intake, runtime_intake
from bot.ratelimit import BroadcastRateLimiter
from tests.bench_webhook import StandIn
from tests.production_imports import production_env

BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
TEXT = "Нарва"


# ---- one update in-process --------------------------------------------------------------------------


class InMemoryBotApi(BaseRequest):
    """Answers every Bot API call at once, as the real API would shape it (sendMessage returns the
    message): the cost measured is the bot's, not a network's."""

    def __init__(self) -> None:
        self.sent = 0
        self._message_id = 0

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,  # noqa: ARG002
        request_data: RequestData | None = None,
        read_timeout: Any = None,  # noqa: ARG002
        write_timeout: Any = None,  # noqa: ARG002
        connect_timeout: Any = None,  # noqa: ARG002
        pool_timeout: Any = None,  # noqa: ARG002
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result: Any = True
        if api_method == "getMe":
            result = BOT_USER
        elif api_method in ("getUpdates", "getMyCommands"):
            result = []
        elif api_method.startswith("send") or api_method.startswith("edit"):
            self.sent += 1
            self._message_id += 1
            result = {
                "message_id": self._message_id,
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 1)), "type": "private"},
                "from": BOT_USER,
                "text": str(params.get("text", "x"))[:50] or "x",
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def message_update(update_id: int, chat_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "U"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "U", "language_code": "ru"},
            "text": TEXT,
        },
    }


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


class Contender:
    """An application fed updates one at a time; `measure` times a batch of them."""

    def __init__(self, name: str, app: Application, api: InMemoryBotApi) -> None:  # type: ignore[type-arg]
        self.name = name
        self.app = app
        self.api = api
        self.update_ids = iter(range(1, 10**9))
        self.samples: list[float] = []  # ms per update, one per round

    async def feed(self, count: int) -> float:
        updates = []
        for _ in range(count):
            number = next(self.update_ids)
            updates.append(message_update(number, 70_000_000 + number))
        sent_before = self.api.sent
        gc.collect()
        started = time.perf_counter()
        intake = self.app.bot_data.get(INTAKE_KEY)
        for first in range(0, count, 100):  # as getUpdates answers (at most 100) and PTB's Updater hands
            batch = updates[first : first + 100]  # them over: stored (twinbot), parsed, processed
            if isinstance(intake, Intake):
                store = getattr(intake, "store", intake.inbox.store)  # (an older Intake had none)
                await store(batch)
            for data in batch:
                await self.app.process_update(Update.de_json(data, self.app.bot))
                await settle(self.app)
        elapsed = time.perf_counter() - started
        assert self.api.sent - sent_before == count, f"{self.name}: not every update was answered"
        return elapsed * 1000 / count


async def project(folder: Path, limiter: bool) -> Contender:
    settings = parse_settings({"storage": {"database": str(folder / "bench.sqlite3")}})
    api = InMemoryBotApi()
    app = build_application(settings, request=api)
    # the shipped limiter with its 30 messages/s overall window lifted (else it measures that pacing,
    # as bench_webhook explains), or none
    app.bot._rate_limiter = BroadcastRateLimiter(max_retries=3, overall_max_rate=0) if limiter else None
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    # the inbox dedup of `twinbot run` (bot.service attaches it the same way)
    app.bot_data[INTAKE_KEY] = runtime_intake(app.bot_data["runtime"])
    return Contender(f"twinbot{' + limiter' if limiter else ''}", app, api)


async def echo_bot(limiter: bool) -> Contender:
    api = InMemoryBotApi()
    builder = Application.builder().token("123456:BENCH").request(api).get_updates_request(api)
    if limiter:
        builder = builder.rate_limiter(BroadcastRateLimiter(max_retries=3, overall_max_rate=0))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    return Contender(f"PTB echo{' + limiter' if limiter else ''}", app, api)


async def close(contender: Contender) -> None:
    intake = contender.app.bot_data.get(INTAKE_KEY)
    if isinstance(intake, Intake):
        await intake.close()
    await settle(contender.app)
    await contender.app.shutdown()
    if contender.app.post_shutdown is not None:
        await contender.app.post_shutdown(contender.app)


async def per_update(rounds: int, count: int) -> list[Contender]:
    with tempfile.TemporaryDirectory(prefix="twinbot-bench-") as temporary:
        folder = Path(temporary)
        (folder / "a").mkdir()
        (folder / "b").mkdir()
        contenders = [
            await echo_bot(limiter=False),
            await project(folder / "a", limiter=False),
            await echo_bot(limiter=True),
            await project(folder / "b", limiter=True),
        ]
        try:
            for contender in contenders:
                await contender.feed(50)  # warm-up: caches, the first SQLite pages, lazy imports
            for _ in range(rounds):
                for contender in contenders:
                    contender.samples.append(await contender.feed(count))
        finally:
            for contender in contenders:
                await close(contender)
    return contenders


# ---- processes ------------------------------------------------------------------------------------------

ECHO_POLLING = textwrap.dedent(
    """
    import sys
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    async def echo(update, context):
        await update.message.reply_text(update.message.text)

    app = Application.builder().token(sys.argv[1]).base_url(sys.argv[2]).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    """
)


def write_config(folder: Path, token: str, base_url: str) -> Path:
    config = folder / "config.toml"
    config.write_text(
        "\n".join(
            [
                "[telegram]",
                f'token = "{token}"',
                f'base_url = "{base_url}"',
                "[storage]",
                f'database = "{folder / "bench.sqlite3"}"',
                "[backup]",
                f'directory = "{folder / "backups"}"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


# An installed bot runs from bytecode compiled once (pip install . writes the .pyc files, the Docker image
# included). A shell with PYTHONDONTWRITEBYTECODE=1 and the editable install of .venv would instead
# compile every module of bot/ and storage/ on every start (~90 ms of `twinbot ask`, and its garbage in
# the RSS): the processes measured here, the echo bot's alike, keep their bytecode in one folder of the
# run, filled by the warm-up round.
BYTECODE = Path(tempfile.mkdtemp(prefix="twinbot-bench-pyc-"))
atexit.register(shutil.rmtree, BYTECODE, ignore_errors=True)


def child_env() -> dict[str, str]:
    """The environment of every measured process, the echo bot's alike: as installed for production
    (tests/production_imports.py: .venv's test-only packages, such as trio that httpcore would import,
    hidden)."""
    env = production_env({**os.environ, "PYTHONPYCACHEPREFIX": str(BYTECODE)})
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("TWINBOT_TOKEN", None)
    return env


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def first_poll(base: str, token: str) -> float | None:
    answer = httpx.get(f"{base}/_polls", timeout=5).json()
    return answer.get(token)


def polling_process(
    command: list[str], folder: Path, api_base: str, token: str, idle_seconds: float
) -> tuple[float, float]:
    """Start the process, wait for its first getUpdates (the seconds since the start), let it idle,
    read its RSS, stop it with SIGTERM."""
    log = (folder / "process.log").open("ab")
    env = {**child_env(), "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder, env=env)
    try:
        deadline = started + 60
        polled = None
        while polled is None and time.perf_counter() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{command} exited:\n{(folder / 'process.log').read_text()}")
            time.sleep(0.01)
            polled = first_poll(api_base, token)
        if polled is None:
            raise SystemExit(f"{command} never asked getUpdates")
        time.sleep(idle_seconds)
        return polled - started, rss_mb(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class PollingStandIn(StandIn):
    """The webhook benchmark's Bot API stand-in, also noting each token's first getUpdates."""

    def app(self) -> Any:
        inner = super().app()
        polls: dict[str, float] = {}

        async def noting_polls(scope: dict[str, Any], receive: Any, send: Any) -> None:
            path = scope.get("path", "")
            if path == "/_polls":
                body = json.dumps(polls).encode()
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            if path.endswith("/getUpdates"):
                polls.setdefault(path.split("/")[1].removeprefix("bot"), time.perf_counter())
            await inner(scope, receive, send)

        return noting_polls


def processes(rounds: int, idle_seconds: float) -> dict[str, list[tuple[float, float]]]:
    api = PollingStandIn().start()
    base = f"http://127.0.0.1:{api.port}"
    found: dict[str, list[tuple[float, float]]] = {"twinbot run": [], "PTB echo run_polling": []}
    tokens = (f"{number}:BENCH-PROCESS" for number in range(100_000, 200_000))
    try:
        with tempfile.TemporaryDirectory(prefix="twinbot-bench-") as temporary:
            folder = Path(temporary)
            (folder / "twinbot").mkdir()
            (folder / "echo").mkdir()
            script = folder / "echo" / "echo.py"
            script.write_text(ECHO_POLLING, encoding="utf-8")

            def twinbot() -> tuple[float, float]:
                token = next(tokens)
                config = write_config(folder / "twinbot", token, api.base_url)
                command = [sys.executable, "-m", "bot", "run", "--config", str(config)]
                return polling_process(command, folder / "twinbot", base, token, idle_seconds)

            def echo() -> tuple[float, float]:
                token = next(tokens)
                command = [sys.executable, str(script), token, api.base_url]
                return polling_process(command, folder / "echo", base, token, idle_seconds)

            twinbot()  # warm-up: the database is created and migrated (later starts are restarts)
            echo()
            for _ in range(rounds):
                found["twinbot run"].append(twinbot())
                found["PTB echo run_polling"].append(echo())
    finally:
        api.stop()
    return found


def ask_process(rounds: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"twinbot ask": [], "python -c pass": []}
    with tempfile.TemporaryDirectory(prefix="twinbot-bench-") as temporary:
        folder = Path(temporary)
        config = write_config(folder, "", "https://api.telegram.org/bot")
        env = child_env()
        ask = [sys.executable, "-m", "bot", "ask", "--config", str(config), "когда День города в Нарве?"]
        commands = {"twinbot ask": ask, "python -c pass": [sys.executable, "-c", "pass"]}
        subprocess.run(ask, check=True, capture_output=True, env=env)  # the database, the bytecode
        for _ in range(rounds):
            for name, command in commands.items():
                started = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, env=env)
                found[name].append(time.perf_counter() - started)
    return found


# ---- report ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds, best counts (5)")
    parser.add_argument("--updates", type=int, default=400, help="updates per in-process round (400)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading RSS (5)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, 200 updates, 3 s idle")
    parser.add_argument("--only", choices=("update", "start", "ask"), help="one of the three parts")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.updates, args.idle = 3, 200, 3.0
    print(f"process benchmark: best (median) of {args.rounds} interleaved rounds")
    if args.only in (None, "update"):
        report_updates(asyncio.run(per_update(args.rounds, args.updates)), args.updates)
    if args.only in (None, "start"):
        report_starts(processes(args.rounds, args.idle))
    if args.only in (None, "ask"):
        report_asks(ask_process(args.rounds))
    return 0


def report_updates(contenders: list[Contender], count: int) -> None:

    print(f"one update in-process ({count} per round, the reply included):")
    by_name = {contender.name: contender for contender in contenders}
    for contender in contenders:
        best, median = min(contender.samples), statistics.median(contender.samples)
        print(f"  {contender.name:<24} {best:>7.3f} ms  ({median:.3f})")
    for suffix in ("", " + limiter"):
        ours, theirs = by_name[f"twinbot{suffix}"].samples, by_name[f"PTB echo{suffix}"].samples
        ratio_best = min(ours) / min(theirs)
        ratio_median = statistics.median(ours) / statistics.median(theirs)
        label = f"twinbot{suffix} / echo{suffix}"
        print(f"  ratio {label:<34} {ratio_best:.2f}x  ({ratio_median:.2f}x)  target <= 1.5x")


def report_starts(started: dict[str, list[tuple[float, float]]]) -> None:
    print("start to first getUpdates, and idle RSS (polling):")
    for name, samples in started.items():
        seconds = [sample[0] for sample in samples]
        rss = [sample[1] for sample in samples]
        print(
            f"  {name:<24} {min(seconds):>6.2f} s ({statistics.median(seconds):.2f})"
            f"   RSS {min(rss):>5.1f} MB ({statistics.median(rss):.1f})"
        )
    ours_start = [sample[0] for sample in started["twinbot run"]]
    echo_start = [sample[0] for sample in started["PTB echo run_polling"]]
    print(
        f"  ratio start twinbot / echo {min(ours_start) / min(echo_start):.2f}x "
        f"({statistics.median(ours_start) / statistics.median(echo_start):.2f}x)  target <= 1.5x"
    )
    ours_rss = statistics.median(sample[1] for sample in started["twinbot run"])
    echo_rss = statistics.median(sample[1] for sample in started["PTB echo run_polling"])
    print(
        f"  idle RSS twinbot {ours_rss:.1f} MB vs echo {echo_rss:.1f} MB: {ours_rss / echo_rss:.2f}x  target <= 55 MB"
    )


def report_asks(asks: dict[str, list[float]]) -> None:
    print("a whole process:")
    for name, samples in asks.items():
        print(f"  {name:<24} {min(samples):>6.3f} s ({statistics.median(samples):.3f})")
    print(f"  twinbot ask target <= 0.25 s: best {min(asks['twinbot ask']):.3f} s")


if __name__ == "__main__":
    raise SystemExit(main())
