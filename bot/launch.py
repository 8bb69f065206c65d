"""The `twinbot` process's entry point: the command line, imported with the cyclic collector paused.

Importing the bot (PTB, httpx, the 150 modules of bot/ and storage/) makes some 60,000 objects that live
as long as the process. While they are being made, the cyclic garbage collector keeps starting and
scanning them all again (a full collection of them takes ~20 ms; the import ~10% longer with it on). So
it is paused for the import and the objects are then frozen (`gc.freeze`): later collections, a
resident's update among them, skip them. Nothing of the import is garbage worth collecting.

httpx imports its command-line tool at import whenever click is installed (uvicorn, our web server,
requires click): click and httpx's CLI, ~1.2 MB of the idle process and ~20 ms of every start, for an
`httpx` command the bot never runs. Its import is refused here, so httpx falls back to the stub it has
for installations without the CLI; nothing else of httpx changes.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

HTTPX_COMMAND_LINE = "httpx._main"


def before_import() -> None:
    sys.modules.setdefault(HTTPX_COMMAND_LINE, None)  # type: ignore[arg-type]
    gc.disable()


def after_import() -> None:
    gc.enable()
    gc.freeze()


def main(argv: Sequence[str] | None = None) -> int:
    before_import()
    try:
        from bot.cli import main as command_line
    finally:
        after_import()
    return command_line(argv)
