"""Webhook benchmark: updates POSTed to the bot's own server, timed until the reply reaches a Bot API.

Run: `python3 dev.py bench webhook [--updates N] [--seconds S] [--quick]`.

Side by side in one run, on this machine, against the same minimal Bot API stand-in (a starlette app in
this process that answers at once and notes when each reply request arrives):

  * stock:   PTB's own ``run_webhook`` (tornado) serving an echo bot, no rate limiter; and the same echo
    with twinbot's rate limiter (bot/ratelimit.py, the 30/s window lifted as for twinbot);
  * twinbot: ``twinbot run`` in webhook mode with every handler, the database, the dedup, metrics, as
    shipped, except that the 30 messages/s overall window of the rate limiter is lifted (bot/ratelimit.py:
    it is Telegram's broadcast limit, and would make this a benchmark of the limiter); the shipped
    limiter's own rate is measured too, as "twinbot (limiter on)".

Each update comes from a chat of its own ("Нарва" for twinbot: the town card, the common resident
question; the same text for the echo bot). Two loads per bot:
  * burst: N updates as fast as the load generator can (64 keep-alive connections), bounded by
    --seconds: updates/s and p50/p99 from the POST to the reply request;
  * paced: 100 updates/s for a few seconds: p50/p99 at that rate (target p99 < 50 ms).
Also the idle resident memory (VmRSS) of `twinbot run`, in polling and in webhook mode (target < 80 MB).
Targets: twinbot's burst throughput >= 0.8x the stock echo's.

A script, not a test (pytest does not collect it). Linux only (it reads /proc for the RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import multiprocessing.process
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.production_imports import production_env

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-WEBHOOK"
SECRET = "bench-secret"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
FIRST_CHAT = 50_000_000
STOCK = "stock PTB run_webhook echo"
STOCK_LIMITED = "stock echo + twinbot's limiter"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---- the Bot API stand-in ------------------------------------------------------------------------------


@dataclass
class StandIn:
    """Answers every Bot API method at once; notes when the first reply to each chat arrived. It runs
    in a process of its own (so that it and the load generator do not share one interpreter), and
    time.perf_counter is the system's monotonic clock, the same in every process."""

    port: int = field(default_factory=free_port)
    replies: dict[int, float] = field(default_factory=dict)
    _process: multiprocessing.process.BaseProcess | None = None

    def app(self) -> Starlette:
        counter = iter(range(1, 10**9))

        async def api(request: Request) -> JSONResponse:
            method = request.path_params["method"]
            arrived = time.perf_counter()
            body = await request.body()
            form: dict[str, Any] = {}
            if request.headers.get("content-type", "").startswith("application/json"):
                form = json.loads(body or b"{}")
            else:  # PTB posts its parameters form-encoded
                form = dict(parse_qsl(body.decode()))
            if method == "getMe":
                return JSONResponse({"ok": True, "result": BOT_USER})
            if method.startswith("send"):
                chat_id = int(form.get("chat_id", 0))
                self.replies.setdefault(chat_id, arrived)
                message = {
                    "message_id": next(counter),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "U"},
                    "from": BOT_USER,
                    "text": str(form.get("text", ""))[:50] or "x",
                }
                return JSONResponse({"ok": True, "result": message})
            if method == "getUpdates":
                await asyncio.sleep(min(float(form.get("timeout", 0) or 0), 1.0))
                return JSONResponse({"ok": True, "result": []})
            return JSONResponse({"ok": True, "result": True})

        async def replies(_request: Request) -> JSONResponse:
            return JSONResponse({str(chat): at for chat, at in self.replies.items()})

        return Starlette(
            routes=[
                Route("/_replies", replies, methods=["GET"]),
                Route("/bot{token}/{method}", api, methods=["GET", "POST"]),
            ]
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _serve(self) -> None:
        uvicorn.run(
            self.app(),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )

    def start(self) -> StandIn:
        self._process = multiprocessing.get_context("fork").Process(target=self._serve, daemon=True)
        self._process.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/_replies", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise SystemExit("the Bot API stand-in did not start")

    async def fetch(self, client: httpx.AsyncClient) -> dict[int, float]:
        answer = await client.get(f"http://127.0.0.1:{self.port}/_replies")
        return {int(chat): float(at) for chat, at in answer.json().items()}

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(10)


# ---- the bots under test -------------------------------------------------------------------------------

STOCK_ECHO = textwrap.dedent(
    """
    import sys
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    token, base_url, port, secret = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    limiter = sys.argv[5:] == ["limiter"]

    async def echo(update: Update, context) -> None:
        await update.message.reply_text(update.message.text)

    builder = Application.builder().token(token).base_url(base_url)
    if limiter:  # the rate limiter twinbot ships, its 30 messages/s window lifted as for twinbot
        from bot.ratelimit import BroadcastRateLimiter
        builder = builder.rate_limiter(BroadcastRateLimiter(max_retries=3, overall_max_rate=0))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_webhook(
        listen="127.0.0.1", port=port, url_path="telegram", secret_token=secret,
        webhook_url=f"http://127.0.0.1:{port}/telegram", allowed_updates=Update.ALL_TYPES,
    )
    """
)

# `twinbot run` with the overall 30/s window lifted (see the module docstring); LIMITER=on keeps it
TWINBOT = textwrap.dedent(
    """
    import functools, os, sys
    from bot.launch import before_import
    before_import()  # bot.launch's main() then finishes the import as `twinbot` does
    import bot.app
    if os.environ.get("BENCH_LIMITER") != "on":
        bot.app.BroadcastRateLimiter = functools.partial(bot.app.BroadcastRateLimiter, overall_max_rate=0)
    from bot.launch import main
    raise SystemExit(main(sys.argv[1:]))
    """
)


@dataclass
class Bot:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    path: str = "/telegram"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def write_config(folder: Path, api: StandIn, port: int, mode: str) -> Path:
    lines = [
        "[telegram]",
        f'token = "{TOKEN}"',
        f'base_url = "{api.base_url}"',
        "[storage]",
        f'database = "{folder / "bench.sqlite3"}"',
        "[backup]",
        f'directory = "{folder / "backups"}"',
        "[bot]",
        'default_language = "ru"',
    ]
    if mode == "webhook":
        lines += [
            "[webhook]",
            "enabled = true",
            f"port = {port}",
            f'public_url = "http://127.0.0.1:{port}/telegram"',
            f'secret_token = "{SECRET}"',
        ]
    config = folder / f"config-{mode}.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def start_twinbot(folder: Path, api: StandIn, mode: str = "webhook", limiter: bool = False) -> Bot:
    port = free_port()
    config = write_config(folder, api, port, mode)
    # as installed for production: .venv's test-only packages hidden (tests/production_imports.py); the
    # stock echo keeps them, its run_webhook needs the test extras' tornado
    env = production_env({**os.environ, "PYTHONUNBUFFERED": "1", "BENCH_LIMITER": "on" if limiter else "off"})
    env.pop("TWINBOT_TOKEN", None)
    log = (folder / f"twinbot-{mode}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-c", TWINBOT, "run", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=folder,
        env=env,
    )
    bot = Bot(f"twinbot{' (limiter on)' if limiter else ''}", process, port)
    if mode == "webhook":
        wait_http(bot, "/healthz", folder / f"twinbot-{mode}.log")
    return bot


def start_stock(folder: Path, api: StandIn, limiter: bool = False) -> Bot:
    port = free_port()
    script = folder / "stock_echo.py"
    script.write_text(STOCK_ECHO, encoding="utf-8")
    log = (folder / "stock.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            str(script),
            TOKEN,
            api.base_url,
            str(port),
            SECRET,
            *(["limiter"] if limiter else []),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=folder,
    )
    bot = Bot(STOCK_LIMITED if limiter else STOCK, process, port)
    wait_http(bot, "/telegram", folder / "stock.log", expect_any=True)
    return bot


def wait_http(bot: Bot, path: str, log: Path, expect_any: bool = False) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if bot.process.poll() is not None:
            raise SystemExit(f"{bot.name} exited at start:\n{log.read_text(errors='replace')}")
        try:
            response = httpx.get(f"http://127.0.0.1:{bot.port}{path}", timeout=1)
            if expect_any or response.status_code == 200:
                time.sleep(0.5)  # post-start work (set_my_commands, the catch-up pass) settles
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{bot.name} did not answer on {path}:\n{log.read_text(errors='replace')}")


# ---- load -----------------------------------------------------------------------------------------------


@dataclass
class Result:
    sent: int
    answered: int
    seconds: float
    latencies_ms: list[float]
    refused: int

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def update(update_id: int, chat_id: int, text: str) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "U"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "U", "language_code": "ru"},
                "text": text,
            },
        }
    ).encode()


class Connection:
    """One keep-alive HTTP/1.1 connection to the bot, as lean as a load generator needs to be (httpx
    would be the bottleneck at a few hundred requests per second)."""

    def __init__(self, port: int, path: str) -> None:
        self.port = port
        self.head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> int:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        if "content-length" in fields:
            await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            await self.reader.readuntil(b"0\r\n\r\n")
        if fields.get("connection") == "close":
            self.writer.close()
            self.reader = self.writer = None
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(
    bot: Bot, api: StandIn, count: int, first_chat: int, seconds: float, text: str, rate: float | None = None
) -> Result:
    """POST `count` updates (at `rate` per second, or as fast as possible) over 64 connections (Telegram's
    max_connections is 40 by default, 100 at most), then wait (bounded) for the replies; latency = the
    reply's arrival at the stand-in - the start of the POST."""
    started: dict[int, float] = {}
    refused = 0
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    deadline = time.perf_counter() + seconds
    connections = [Connection(bot.port, bot.path) for _ in range(64)]

    async def worker(connection: Connection) -> None:
        nonlocal refused
        while (index := await queue.get()) is not None:
            chat = first_chat + index
            body = update(first_chat + index, chat, text)
            started[chat] = time.perf_counter()
            if await connection.post(body) != 200:
                refused += 1

    begin = time.perf_counter()
    workers = [asyncio.create_task(worker(connection)) for connection in connections]
    for index in range(count):
        if time.perf_counter() > deadline:
            break
        if rate is not None:
            pause = begin + index / rate - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
        queue.put_nowait(index)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    for connection in connections:
        connection.close()
    chats = set(started)
    async with httpx.AsyncClient(timeout=30) as client:
        replies = await api.fetch(client)
        while time.perf_counter() < deadline + 10 and not chats <= replies.keys():
            await asyncio.sleep(0.05)
            replies = await api.fetch(client)
    answered = [chat for chat in chats if chat in replies]
    end = max((replies[chat] for chat in answered), default=begin)
    latencies = [(replies[chat] - started[chat]) * 1000 for chat in answered]
    return Result(len(chats), len(answered), end - begin, latencies, refused)


def describe(name: str, result: Result) -> str:
    return (
        f"  {name:<34} {result.answered:>5}/{result.sent:<5} {result.rate:>8.1f}/s "
        f"p50 {result.percentile(50):>7.1f} ms  p99 {result.percentile(99):>7.1f} ms"
        + (f"  ({result.refused} refused)" if result.refused else "")
    )


async def compare(
    bots: Sequence[Bot],
    api: StandIn,
    text: str,
    count: int,
    seconds: float,
    rounds: int,
    first: int = FIRST_CHAT,
) -> dict[str, tuple[Result, Result]]:
    """Bursts alternate between the bots, `rounds` times, and the best of each bot counts: the machine
    is shared, and a burst slowed by someone else's work says nothing about the bot. Then one paced run
    each."""
    # chats of their own for every bot and load (the stand-in keeps the first reply per chat)
    base = {bot.name: first + 10_000_000 * number for number, bot in enumerate(bots)}
    for bot in bots:
        await load(bot, api, 50, base[bot.name], 10, text)  # warm-up: imports, caches, connections
    best: dict[str, Result] = {}
    for round_number in range(rounds):
        for bot in bots:
            result = await load(bot, api, count, base[bot.name] + 1_000 + round_number * count, seconds, text)
            if bot.name not in best or result.rate > best[bot.name].rate:
                best[bot.name] = result
    found: dict[str, tuple[Result, Result]] = {}
    for bot in bots:
        paced_count = int(100 * min(5.0, seconds))
        paced = await load(bot, api, paced_count, base[bot.name] + 5_000_000, seconds, text, rate=100.0)
        found[bot.name] = (best[bot.name], paced)
    return found


def idle_rss(folder: Path, api: StandIn) -> dict[str, float]:
    """Idle RSS of the first start on a new database (it validates the shipped towns file: pydantic, kept
    until the process ends) and of a restart (the towns come from the database), in each mode."""
    found: dict[str, float] = {}
    for mode in ("polling", "webhook"):
        sub = folder / f"rss-{mode}"
        sub.mkdir()
        for start in ("first start", "restart"):
            bot = start_twinbot(sub, api, mode=mode, limiter=True)
            try:
                time.sleep(8)  # started, the catch-up pass done, idle
                found[f"{mode}, {start}"] = bot.rss_mb()
            finally:
                bot.stop()
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000, help="updates per burst (default 2000)")
    parser.add_argument("--seconds", type=float, default=30.0, help="time bound of each load (default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating bursts per bot, best counts (3)")
    parser.add_argument("--quick", action="store_true", help="300 updates, 10 s bounds, 2 rounds")
    args = parser.parse_args(argv)
    count, seconds = (300, 10.0) if args.quick else (args.updates, args.seconds)
    if args.quick:
        args.rounds = 2
    api = StandIn().start()
    results: dict[str, tuple[Result, Result]] = {}
    with tempfile.TemporaryDirectory(prefix="twinbot-bench-") as temporary:
        folder = Path(temporary)
        try:
            (folder / "off").mkdir()
            (folder / "on").mkdir()
            stock = start_stock(folder, api)
            (folder / "stock-limited").mkdir()
            stock_limited = start_stock(folder / "stock-limited", api, limiter=True)
            ours = start_twinbot(folder / "off", api)
            bots = [stock, stock_limited, ours]
            try:
                results.update(asyncio.run(compare(bots, api, "Нарва", count, seconds, args.rounds)))
            finally:
                for bot in bots:
                    bot.stop()
            limited = start_twinbot(folder / "on", api, limiter=True)
            try:
                limited_run = compare(
                    [limited], api, "Нарва", min(count, 500), seconds, 1, first=FIRST_CHAT * 4
                )
                results.update(asyncio.run(limited_run))
            finally:
                limited.stop()
            rss = idle_rss(folder, api)
        finally:
            api.stop()
    print(
        f"webhook benchmark: {count} updates per burst (bound {seconds:.0f} s), one chat per update, "
        f"best of {args.rounds} alternating bursts"
    )
    print(f"  {'':<34} {'replies':>11} {'rate':>10}")
    print("burst (as fast as possible, 64 in flight):")
    for name, (burst, _) in results.items():
        print(describe(name, burst))
    print("paced at 100 updates/s:")
    for name, (_, paced) in results.items():
        print(describe(name, paced))
    stock_burst = results[STOCK][0]
    stock_limited_burst = results[STOCK_LIMITED][0]
    ours = results["twinbot"][0]
    limited = results["twinbot (limiter on)"][0]
    print("ratios:")
    print(f"  twinbot / stock echo, burst throughput:  {ours.rate / stock_burst.rate:.2f}x (target >= 0.8x)")
    print(
        f"  twinbot / stock echo, burst p50 latency: {ours.percentile(50) / stock_burst.percentile(50):.2f}x"
    )
    print(
        "  twinbot / stock echo with the same limiter, burst throughput: "
        f"{ours.rate / stock_limited_burst.rate:.2f}x"
    )
    print(
        "  stock echo p99 at 100 updates/s:         "
        f"{results[STOCK][1].percentile(99):.1f} ms (the same load, the baseline)"
    )
    print(f"  twinbot limiter on / off, throughput:    {limited.rate / ours.rate:.2f}x (30 messages/s cap)")
    print(
        f"  twinbot p99 at 100 updates/s:            {results['twinbot'][1].percentile(99):.1f} ms (target < 50 ms)"
    )
    print(
        "idle RSS of twinbot run (target < 80 MB): "
        + ", ".join(f"{name} {megabytes:.1f} MB" for name, megabytes in rss.items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
