"""Keep the bot token out of every log line: a masking formatter on the log handlers, quiet HTTP loggers.

Telegram-free and cheap to import: the CLI installs it before any command runs, and build_application()
installs it again, so an embedding that builds the application itself is covered too.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterable, Sequence
from types import TracebackType

MASK = "***"
# these log every request URL at INFO/DEBUG, and a Bot API URL carries the token
CHATTY_LOGGERS = ("httpx", "httpcore")


def token_secrets(token: str) -> list[str]:
    """The token, and its part after "123456:" (a URL-encoded colon would hide the whole token)."""
    token = token.strip()
    if not token:
        return []
    return sorted({token, token.partition(":")[2]} - {""}, key=len, reverse=True)


def mask_secret(text: str, token: str) -> str:
    for secret in token_secrets(token):
        text = text.replace(secret, MASK)
    return text


class SecretMaskingFormatter(logging.Formatter):
    """Masks the secrets in whole log lines, tracebacks included (PTB logs its token URL at DEBUG)."""

    def __init__(self, base: logging.Formatter | None, secrets: Sequence[str]) -> None:
        super().__init__()
        self.base = base or logging.Formatter()
        self.secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = self.base.format(record)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def _handlers() -> Iterable[logging.Handler]:
    yield from logging.getLogger().handlers
    # with no handler configured, logging prints warnings through lastResort: mask those too
    if logging.lastResort is not None:
        yield logging.lastResort


def mask_token_in_logs(token: str) -> None:
    """Install the masking formatter on every root handler (again after new handlers were added; a handler
    that already masks keeps its own base formatter and gains this token's secrets)."""
    secrets = token_secrets(token)
    for logger_name in CHATTY_LOGGERS:
        chatty = logging.getLogger(logger_name)
        if chatty.getEffectiveLevel() < logging.WARNING:
            chatty.setLevel(logging.WARNING)
    if not secrets:
        return
    for handler in _handlers():
        current = handler.formatter
        if isinstance(current, SecretMaskingFormatter):
            if set(secrets) <= set(current.secrets):
                continue
            handler.setFormatter(SecretMaskingFormatter(current.base, [*current.secrets, *secrets]))
        else:
            handler.setFormatter(SecretMaskingFormatter(current, secrets))


def install_masking_excepthook(*tokens: str) -> None:
    """The last line of defence: an exception nobody caught is printed by Python itself, past every log
    formatter, with its text (PTB's InvalidToken carries the whole token). This hook prints it masked,
    for the main thread and for other threads alike."""
    secrets = sorted({secret for token in tokens for secret in token_secrets(token)}, key=len, reverse=True)

    def masked(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, MASK)
        return text

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        sys.stderr.write(masked("".join(traceback.format_exception(kind, value, tb))))
        sys.stderr.flush()

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        sys.stderr.write(f"Exception in {masked(name)}:\n")
        hook(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook


def describe_error(error: BaseException, token: str = "") -> str:
    """ "Kind: what it said", the token masked. Telegram's own texts already start with their kind
    ("Forbidden: bot was blocked by the user"): the class name is not put before them a second time."""
    kind = type(error).__name__
    text = str(error).strip()
    if not text:
        return kind
    plain = text.replace(" ", "").lower()
    line = text if plain.startswith(kind.lower() + ":") else f"{kind}: {text}"
    return mask_secret(mask_secret(line, token), token.lower()) if token else line
