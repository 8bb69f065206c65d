"""Log lines: JSON for servers, a file for the terminal chat, secrets masked in both."""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import configure_logging
from bot.logmask import mask_token_in_logs

TOKEN = "123456:LOG-TOKEN-SECRET"
WEBHOOK_SECRET = "log-webhook-secret_9"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_lines_with_the_secrets_masked(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json_lines=True)
    mask_token_in_logs(TOKEN)
    mask_token_in_logs(WEBHOOK_SECRET)
    try:
        raise RuntimeError(
            f"POST https://api.telegram.org/bot{TOKEN}/setWebhook secret_token={WEBHOOK_SECRET}"
        )
    except RuntimeError:
        logging.getLogger("bot.test").exception("request failed for %s", TOKEN)
    [line] = capsys.readouterr().err.strip().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.test"
    assert entry["message"] == "request failed for ***"
    assert "RuntimeError" in entry["exception"]
    assert "LOG-TOKEN-SECRET" not in line and WEBHOOK_SECRET not in line


def test_the_console_logs_to_a_file_and_not_between_the_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "twinbot-console.log"
    configure_logging(file=log_file)
    logging.getLogger("bot.test").warning("the network is down")
    logging.getLogger("bot.test").info("a reminder pass ran")
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    logged = log_file.read_text(encoding="utf-8")
    assert (
        "WARNING bot.test: the network is down" in logged and "INFO bot.test: a reminder pass ran" in logged
    )


def test_the_console_shows_the_log_with_verbose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_file = tmp_path / "twinbot-console.log"
    configure_logging(verbose=True, file=log_file)
    logging.getLogger("bot.test").debug("details")
    assert "DEBUG bot.test: details" in capsys.readouterr().err
    assert "details" in log_file.read_text(encoding="utf-8")
