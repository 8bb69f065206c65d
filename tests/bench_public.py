"""Public pages benchmark: /, /town/narva and /calendar.ics with 100,000 visits in the register, side by
side with a static file served by the same server.

Run: `python3 dev.py bench public [--visits N] [--seconds S] [--concurrency C]`.

One uvicorn process (as `twinbot run` starts it: the public routes on the bot's runtime and database)
also serves, through starlette's StaticFiles, a copy of the front page as a plain file of the same size:
the ceiling of what this server can do for a page of that size. The load generator is another process.
For each address, in one run:
  * burst: C requests in flight for S seconds: requests/s, and that as a ratio of the static file's;
  * one at a time: p50/p99 latency of sequential requests (what one reader waits).
Targets: p99 < 20 ms, throughput >= 0.3x the static file's.

A script, not a test (pytest does not collect it).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
PATHS = ("/static/front.html", "/", "/town/narva", "/calendar.ics")
KINDS = ("official", "business", "youth", "schoolchildren", "cultural", "sports", "medical", "other")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_for(database: Path):  # type: ignore[no-untyped-def]
    from bot.config import parse_settings

    return parse_settings({"storage": {"database": str(database)}, "http": {"enabled": True, "public": True}})


async def fill(database: Path, visits: int) -> None:
    """The shipped towns and `visits` past visits spread over the partners (a fifth of them Narva's)."""
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings_for(database), clock=lambda: NOW)
    try:
        partners = [town.key for town in runtime.directory.partners]
        rng = random.Random(10)
        rows = []
        for number in range(visits):
            town = "narva" if number % 5 == 0 else rng.choice(partners)
            start = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
            rows.append(
                (
                    town,
                    rng.choice(("in", "out")),
                    start.isoformat(),
                    rng.choice(KINDS),
                    rng.randint(2, 40),
                    f"Delegation no. {number}: talks, a school exchange & <a concert>",
                    "a staff note",
                )
            )
        async with runtime.database.transaction() as conn:
            await conn.executemany(
                "INSERT INTO visits (town_key, direction, start_date, kind, people, purpose, notes, "
                "created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1)",
                rows,
            )
    finally:
        await runtime.close()


def serve(database: str, static: str, port: int) -> None:
    """The server process: the public routes plus the static folder, on one uvicorn."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from bot.public import public_routes
    from bot.runtime import open_runtime

    async def main() -> None:
        runtime = await open_runtime(settings_for(Path(database)), clock=lambda: NOW)
        routes = [Mount("/static", StaticFiles(directory=static)), *public_routes(runtime)]
        config = uvicorn.Config(
            Starlette(routes=routes), host="127.0.0.1", port=port, log_config=None, access_log=False
        )
        await uvicorn.Server(config).serve()

    asyncio.run(main())


async def burst(client: httpx.AsyncClient, path: str, seconds: float, concurrency: int) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            response = await client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def sequential(client: httpx.AsyncClient, path: str, count: int) -> tuple[float, float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path)
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200
    latencies.sort()
    return latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000


async def measure(
    port: int, seconds: float, concurrency: int, count: int
) -> dict[str, tuple[float, float, float, int]]:
    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    results: dict[str, tuple[float, float, float, int]] = {}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for path in PATHS:
            size = len((await client.get(path)).content)
            for _ in range(20):  # warm: caches, connections
                await client.get(path)
            rate = await burst(client, path, seconds, concurrency)
            p50, p99 = await sequential(client, path, count)
            results[path] = (rate, p50, p99, size)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--count", type=int, default=500, help="sequential requests per address")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        started = time.perf_counter()
        asyncio.run(fill(database, options.visits))
        print(f"{options.visits:,} visits written in {time.perf_counter() - started:.1f}s", flush=True)
        static = Path(folder) / "static"
        static.mkdir()
        port = free_port()
        context = multiprocessing.get_context("spawn")
        server = context.Process(target=serve, args=(str(database), str(static), port), daemon=True)
        server.start()
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    front = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or not server.is_alive():
                        print("the server did not start", file=sys.stderr)
                        return 1
                    time.sleep(0.1)
            (static / "front.html").write_bytes(front.content)  # the same bytes as a plain file
            results = asyncio.run(measure(port, options.seconds, options.concurrency, options.count))
        finally:
            server.terminate()
            server.join(10)
    static_rate = results[PATHS[0]][0]
    print(
        f"\n{'address':<20} {'size':>8} {'req/s':>8} {'x static':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f"   (burst: {options.concurrency} in flight, {options.seconds:g}s; latency: one at a time)"
    )
    failed = []
    for path, (rate, p50, p99, size) in results.items():
        ratio = rate / static_rate
        print(f"{path:<20} {size:>8,} {rate:>8.0f} {ratio:>8.2f}x {p50:>8.2f} {p99:>8.2f}")
        if path != PATHS[0] and (p99 >= 20 or ratio < 0.3):
            failed.append(path)
    print(
        "\ntargets: p99 < 20 ms, >= 0.3x the static file's throughput:",
        "missed by " + ", ".join(failed) if failed else "met",
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
