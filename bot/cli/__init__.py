"""twinbot, the command line: one module per group of commands.

commands: the arguments and the dispatch (`twinbot` = `bot.cli:main`); chat: run, console, ask, towns;
calendar: upcoming, remind; exports: export csv|xlsx|ics; operations: import-towns, backup, restore, status;
logs: where log lines go."""

from bot.cli.commands import main
from bot.cli.logs import configure_logging

# the masking formatter lives in bot.logmask (build_application installs it too); re-exported here
from bot.logmask import SecretMaskingFormatter, mask_token_in_logs

__all__ = ["SecretMaskingFormatter", "configure_logging", "main", "mask_token_in_logs"]
