"""The `twinbot` process's entry point: the command line, imported with the cyclic collector paused.

Importing the bot (PTB, httpx, the 150 modules of bot/ and storage/) makes some 60,000 objects that live
as long as the process. While they are being made, the cyclic garbage collector keeps starting and
scanning them all again (a full collection of them takes ~20 ms; the import ~10% longer with it on). So
it is paused for the import and the objects are then frozen (`gc.freeze`): later collections, a
resident's update among them, skip them. Nothing of the import is garbage worth collecting.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    gc.disable()
    try:
        from bot.cli import main as command_line
    finally:
        gc.enable()
    gc.freeze()
    return command_line(argv)
