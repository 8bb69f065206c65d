"""The token never reaches a log line: the masking formatter on its own, and its installation."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import parse_settings
from bot.logmask import SecretMaskingFormatter, mask_secret, mask_token_in_logs, token_secrets

TOKEN = "123456:AAE-very-secret_part"
SECRET = "AAE-very-secret_part"


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("telegram.ext", logging.ERROR, __file__, 1, message, args, exc_info)


def test_the_formatter_masks_message_arguments_and_traceback() -> None:
    formatter = SecretMaskingFormatter(logging.Formatter("%(name)s %(message)s"), token_secrets(TOKEN))
    try:
        raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except ConnectionError as error:
        text = formatter.format(
            record("url %s, encoded %s", f"/bot{TOKEN}/", "123456%3A" + SECRET, exc=error)
        )
    assert SECRET not in text
    assert text.startswith("telegram.ext url /bot***/, encoded 123456%3A***")
    assert "Traceback" in text and "ConnectionError: POST https://api.telegram.org/bot***/getMe" in text


def test_the_formatter_keeps_other_text_and_handles_no_base() -> None:
    formatter = SecretMaskingFormatter(None, ["", "s3cret"])
    assert formatter.secrets == ["s3cret"]
    assert formatter.format(record("nothing to hide: %d", 5)) == "nothing to hide: 5"


def test_token_secrets_and_mask_secret() -> None:
    assert token_secrets("") == [] and token_secrets("  ") == []
    assert token_secrets(TOKEN) == [TOKEN, SECRET]
    assert token_secrets("nocolon") == ["nocolon"]
    assert mask_secret(f"a {TOKEN} b {SECRET}", TOKEN) == "a *** b ***"
    assert mask_secret("untouched", "") == "untouched"


@pytest.fixture
def root_stream() -> Iterator[io.StringIO]:
    """A plain handler on the root logger, as an embedding's logging.basicConfig() would add."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    saved_level = root.level
    last_resort = logging.lastResort.formatter if logging.lastResort else None
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
        if logging.lastResort is not None:
            logging.lastResort.setFormatter(last_resort)


def test_installing_twice_keeps_one_mask_and_adds_new_secrets(root_stream: io.StringIO) -> None:
    mask_token_in_logs(TOKEN)
    mask_token_in_logs(TOKEN)
    mask_token_in_logs("999:other-secret")
    logging.getLogger("somewhere").warning("t=%s o=%s", TOKEN, "999:other-secret")
    assert root_stream.getvalue() == "WARNING t=*** o=***\n"
    handler = logging.getLogger().handlers[-1]
    assert isinstance(handler.formatter, SecretMaskingFormatter)
    assert not isinstance(handler.formatter.base, SecretMaskingFormatter)


def test_build_application_installs_the_mask_for_any_embedding(
    root_stream: io.StringIO, tmp_path: Path
) -> None:
    from bot.app import build_application

    settings = parse_settings(
        {"telegram": {"token": TOKEN}, "storage": {"database": str(tmp_path / "bot.sqlite3")}}
    )
    build_application(settings)
    logging.getLogger("telegram.ext.Updater").error("Network error on %s", f"https://x/bot{TOKEN}/getUpdates")
    assert SECRET not in root_stream.getvalue()
    assert "bot***/getUpdates" in root_stream.getvalue()
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


def test_the_excepthook_masks_an_uncaught_exception(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last line of defence: what Python itself prints for an exception nobody caught is masked."""
    import sys
    import threading

    from bot.logmask import install_masking_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    token = "123456:HOOK-SECRET-TOKEN"
    install_masking_excepthook(token, "webhook-HOOK-secret")
    try:
        raise RuntimeError(f"The token `{token}` was rejected by the server; webhook-HOOK-secret")
    except RuntimeError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    worker = threading.Thread(target=lambda: (_ for _ in ()).throw(ValueError(token)), name="worker")
    worker.start()
    worker.join()
    printed = capsys.readouterr().err
    assert "RuntimeError: The token `***` was rejected" in printed and "Traceback" in printed
    assert "Exception in worker" in printed and "ValueError: ***" in printed
    assert "HOOK-SECRET" not in printed and "webhook-HOOK-secret" not in printed
