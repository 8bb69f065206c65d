#!/usr/bin/env python3
"""Quick start without any setup: `python3 dev.py bot` or `python3 dev.py test` (or `bench [NAME|all]`).

Creates ./.venv on first use, installs the project with its test tools (pinned ranges from
pyproject.toml), then runs the bot or the whole check suite (ruff, mypy, pytest). Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file may be started by an older python3
        sys.exit(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing the bot and its test tools into .venv ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def run(*command: str, env: dict[str, str] | None = None) -> int:
    shown = " ".join(f"{key}={value}" for key, value in (env or {}).items())
    print("$", shown + (" " if shown else "") + " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT, env={**os.environ, **env} if env else None).returncode


def run_on_awkward_dates(in_flight: int = 3) -> list[str]:
    """The fast part of the suite once per date in tests/clock_guard.py, a few at a time: a test that
    holds only on the day it was written fails here. The e2e tests (real bot processes) and the import
    checks run once, in the normal pass. Returns the dates that failed."""
    from concurrent.futures import ThreadPoolExecutor

    sys.path.insert(0, str(ROOT))
    from tests.clock_guard import AWKWARD_DATES, GUARD_ZONE

    env = {**os.environ, "TZ": GUARD_ZONE}
    command = [str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not e2e"]
    command += ["--ignore=tests/e2e", "--ignore=tests/test_architecture.py", "--clock"]
    print(f"$ pytest -m 'not e2e' on {len(AWKWARD_DATES)} shifted dates (TZ={GUARD_ZONE})", flush=True)

    def one(moment: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, moment], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    failed: list[str] = []
    with ThreadPoolExecutor(in_flight) as pool:
        results = pool.map(one, AWKWARD_DATES.values())
        for (name, moment), result in zip(AWKWARD_DATES.items(), results, strict=True):
            lines = result.stdout.strip().splitlines()
            print(f"  {name:<11} {moment}: {lines[-1] if lines else 'no output'}", flush=True)
            if result.returncode != 0:
                print(result.stdout, flush=True)
                failed.append(f"pytest --clock {moment}")
    return failed


def main() -> int:
    task = sys.argv[1] if len(sys.argv) > 1 else "help"
    extra = sys.argv[2:]
    if task not in ("bot", "test", "bench"):
        print(__doc__)
        return 2
    ensure_environment()
    if task == "bot":
        os.execv(str(BIN / "twinbot"), [str(BIN / "twinbot"), *extra])
    if task == "bench":
        # python3 dev.py bench [questions|visits|reports|stats1m|broadcast|priority|webhook|public|process|all]
        # [options of that benchmark]
        names = {"questions": "tests.bench", "visits": "tests.bench_visits", "reports": "tests.bench_reports"}
        # /stats at 100,000 visits, then grown to 1,000,000 in the same run (not part of "all": ~10 minutes)
        presets = {
            "stats1m": (
                "tests.bench_reports",
                "--visits",
                "100000",
                "--grow-to",
                "1000000",
                "--only",
                "stats",
            )
        }
        names["broadcast"] = "tests.bench_broadcast"
        names["priority"] = "tests.bench_priority"  # replies while a pass runs, with and without the rule
        names["webhook"] = "tests.bench_webhook"
        names["public"] = "tests.bench_public"
        names["process"] = "tests.bench_process"
        chosen = extra[0] if extra and extra[0] in (*names, *presets, "all") else "questions"
        rest = extra[1:] if extra and extra[0] == chosen else extra
        if chosen in presets:
            module, *preset = presets[chosen]
            return run(str(PYTHON), "-m", module, *preset, *rest)
        modules = list(names.values()) if chosen == "all" else [names[chosen]]
        return max(run(str(PYTHON), "-m", module, *rest) for module in modules)
    checks = [
        (str(BIN / "ruff"), "check", "bot", "storage", "tests", "dev.py"),
        (str(BIN / "ruff"), "format", "--check", "bot", "storage", "tests", "dev.py"),
        (str(BIN / "mypy"),),
        (str(PYTHON), "-m", "pytest", *extra),
    ]
    failed = [" ".join([Path(check[0]).name, *check[1:2]]) for check in checks if run(*check) != 0]
    if not extra:  # the same end-to-end suite once more with the bot in webhook mode
        webhook = (str(PYTHON), "-m", "pytest", "-q", "tests/e2e")
        if run(*webhook, env={"TWINBOT_E2E_MODE": "webhook"}) != 0:
            failed.append("pytest tests/e2e (webhook mode)")
    if not extra and not failed:
        failed += run_on_awkward_dates()
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
