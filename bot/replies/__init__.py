"""Replies: what the bot shows, as Telegram HTML in the reader's language, one module per view.

- `reply`: the reply type (text and buttons) and fitting a text into Telegram's 4096 characters;
- `wording`: what every view shares: the catalogue, dates with their precision, plurals, numbers,
  countries, flags, the town buttons, a partnership's age (`Replies`);
- `towns`: the town list and the town card;
- `answers`: residents' answers to questions (where, how far, what together, last visit, ...);
- `years`: answers about the partnerships' years and anniversaries;
- `calendar`: upcoming events and reminders;  `visits`: the visit register for staff;
- `stats`: the caption of the /stats chart.

Shared by the bot, the console and the CLI. The reply type is re-exported here for the handlers.
"""

from bot.replies.reply import Button, Reply

__all__ = ["Button", "Reply"]
