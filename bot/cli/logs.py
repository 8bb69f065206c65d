"""Logging for the twinbot commands: to stderr, or to a file beside the database for the terminal chat."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONSOLE_LOG = "twinbot-console.log"


def configure_logging(
    verbose: bool = False, quiet: bool = False, json_lines: bool = False, file: Path | None = None
) -> None:
    """Log lines to stderr; with `file`, to that file instead (and to stderr too only when verbose),
    so that the terminal chat is never interleaved with them."""
    from bot.logformat import JsonLineFormatter

    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    formatter = JsonLineFormatter() if json_lines else logging.Formatter(LOG_FORMAT)
    handlers: list[logging.Handler] = []
    if file is not None:
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    if file is None or verbose:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet and file is None else logging.INFO)
    # httpx logs every request URL, and the URL carries the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
