"""What the command line prints: in one language (--lang, else [bot] default_language), and with the
chat's hints ("the button below", "/subscribe") replaced by what works in a terminal.

The texts are the catalogue's `cli.*` entries (bot/locale/cli.*.toml). A chat hint is found by its
catalogue key, rendered as the chat shows it, and replaced by `cli.hint.<key>`: the chat texts stay
the one source, and a changed hint cannot silently slip through (tests/test_cli_language.py).
"""

from __future__ import annotations

from bot.config import Settings
from bot.core.model import Language
from bot.locale import catalogue
from bot.replies.reply import plain_text

# the chat hints that mean nothing in a terminal, by catalogue key
CHAT_HINTS = ("towns.footer", "upcoming.footer", "answer.off_topic_card", "answer.off_topic_cards")


def cli_language(settings: Settings, lang: str | None) -> Language:
    return "en" if lang == "en" else "ru" if lang == "ru" else settings.bot.default_language


def say(lang: Language, key: str, **values: object) -> str:
    """A `cli.<key>` text, filled in (plain text: nothing to escape in a terminal)."""
    return str(catalogue().raw(lang, f"cli.{key}")).format(**values)


def outcome_counts(lang: Language, outcomes: dict[str, int]) -> str:
    """'доставлено 3, бот заблокирован 1': a pass's or a digest's outcomes, by name."""
    return ", ".join(f"{say(lang, f'outcome.{name}')} {count}" for name, count in sorted(outcomes.items()))


def for_terminal(lang: Language, text: str) -> str:
    """A chat reply as plain text, its chat hints replaced by their terminal equivalents."""
    texts = catalogue()
    shown = plain_text(text)
    for key in CHAT_HINTS:
        if texts.has(lang, key):
            shown = shown.replace(
                plain_text(texts.text(lang, key)), say(lang, f"hint.{key.replace('.', '_')}")
            )
    return shown
