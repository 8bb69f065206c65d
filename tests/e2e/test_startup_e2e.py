"""Start-up and network failures of the real `twinbot run` process: one clear line each, never the token.

- Telegram rejects the token (401 on getMe), with the token in the config and in TWINBOT_TOKEN: one line,
  no traceback, a non-zero exit code, the token nowhere in the output.
- The Bot API cannot be reached: one line per failed try (what failed, when the next try is), one line at
  the end, exit code 1.
- An outage while polling: one line when it starts and one when it ends, however many polls failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.clock_guard import child_environment

from .conftest import SECRET, TOKEN, RunningBot, finish, free_port
from .fake_bot_api import FakeBotApi

EXIT_TIMEOUT = 30.0
REJECTED = "Telegram rejected the token: check [telegram] token or TWINBOT_TOKEN; get one from @BotFather"


def _config(directory: Path, base_url: str, token: str, extra: str = "") -> Path:
    config = directory / "config.toml"
    config.write_text(
        f"[telegram]\ntoken = {json.dumps(token)}\nbase_url = {json.dumps(base_url)}\n{extra}"
        f"[storage]\ndatabase = {json.dumps(str(directory / 'bot.sqlite3'))}\n"
        f"[backup]\ndirectory = {json.dumps(str(directory / 'backups'))}\n",
        encoding="utf-8",
    )
    return config


def _run_to_exit(directory: Path, config: Path, env_token: str | None = None) -> tuple[int, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("TWINBOT_TOKEN",)}
    if env_token is not None:
        env["TWINBOT_TOKEN"] = env_token
    env["PYTHONUNBUFFERED"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=directory,
        env=child_environment(env, directory),
        timeout=EXIT_TIMEOUT,
    )
    return done.returncode, (done.stdout + done.stderr).decode("utf-8", errors="replace")


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def _assert_rejected(code: int, output: str) -> None:
    assert code != 0, output
    assert SECRET not in output and TOKEN not in output, f"the token reached the screen:\n{output}"
    assert "Traceback" not in output, output
    assert len(_lines(output)) == 1, f"expected one line:\n{output}"
    assert REJECTED in output, output


def test_a_rejected_token_in_the_config_is_one_line_without_the_token(
    fresh_server: FakeBotApi, tmp_path: Path
) -> None:
    fresh_server.fail_next("getMe", 401, description="Unauthorized")
    config = _config(tmp_path, fresh_server.base_url, TOKEN)
    _assert_rejected(*_run_to_exit(tmp_path, config))
    assert [method for method, _ in fresh_server.requests] == ["getMe"]  # rejected once, not retried


def test_a_rejected_token_from_twinbot_token_is_one_line_without_the_token(
    fresh_server: FakeBotApi, tmp_path: Path
) -> None:
    fresh_server.fail_next("getMe", 401, description="Unauthorized")
    config = _config(tmp_path, fresh_server.base_url, "")
    _assert_rejected(*_run_to_exit(tmp_path, config, env_token=TOKEN))


def test_an_unreachable_api_is_one_line_per_try_and_one_at_the_end(tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/bot"  # nothing listens there
    config = _config(tmp_path, nobody, TOKEN, extra="startup_retries = 2\n")
    code, output = _run_to_exit(tmp_path, config)
    assert code == 1, output
    assert SECRET not in output and "Traceback" not in output, output
    lines = _lines(output)
    assert len(lines) == 3, f"expected 2 tries and an end line:\n{output}"
    assert "getMe failed (try 1 of 3)" in lines[0] and "next try in 1 s" in lines[0], output
    assert "getMe failed (try 2 of 3)" in lines[1] and "next try in 2 s" in lines[1], output
    assert "could not reach the Telegram Bot API (getMe) after 3 tries" in lines[2], output


def test_an_outage_while_polling_is_logged_when_it_starts_and_when_it_ends(
    fresh_server: FakeBotApi, tmp_path: Path
) -> None:
    bot = RunningBot(fresh_server, tmp_path, mode="polling").start()
    try:
        before = len(bot.log())
        polls = len(fresh_server.requests_for("getUpdates"))
        fresh_server.fail_next("getUpdates", 502, times=3)
        fresh_server.push_message(1000, "/help")  # ends the poll under way: the next ones fail
        fresh_server.wait_for(
            lambda: len(fresh_server.requests_for("getUpdates")) >= polls + 5 or None,
            timeout=20,
            description="three failed polls and a good one",
        )
        assert bot.ask(1001, "/help")  # polling works again
        log = bot.log()[before:]
        assert log.count("cannot be reached") == 1, log
        assert log.count("reachable again after") == 1 and "(3 failed polls)" in log, log
        assert "Traceback" not in log, log
        finish(bot)
    finally:
        bot.kill()
