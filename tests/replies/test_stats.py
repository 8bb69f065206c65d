"""The /stats chart's caption (bot/replies/stats.py)."""

from __future__ import annotations

from bot.core.directory import TownDirectory
from bot.core.townfile import shipped_towns
from bot.core.visits import Direction
from bot.exports.summary import summarize
from bot.replies.reply import visible_length
from bot.replies.stats import CAPTION_LIMIT, stats_caption
from bot.replies.wording import Replies
from tests.exports.sample import DIRECTORY, TODAY

REPLIES = Replies(DIRECTORY, TODAY)


def test_caption_is_escaped_and_short() -> None:
    summary = summarize(
        [(2024, Direction.INCOMING, 3), (2025, Direction.OUTGOING, 4)], [("narva", 5), ("raisio", 2)]
    )
    ru = stats_caption(summary, "ru", REPLIES)
    assert "Всего: <b>7</b> визитов" in ru and "Нарва — 5" in ru and "2025 (4)" in ru
    en = stats_caption(summary, "en", REPLIES)
    assert "Total: <b>7</b> visits" in en and "Busiest year: 2025 (4)" in en
    year = stats_caption(summarize([(6, Direction.INCOMING, 1)], [("narva", 1)], 2025), "en", REPLIES)
    assert "Busiest month: June (1)" in year and "· 2025" in year and "1</b> visit;" in year
    # a town name with markup is escaped; a huge list is cut to the caption limit
    evil = TownDirectory([*shipped_towns()])
    many = summarize([(2025, Direction.INCOMING, 10**6)], [(f"<b>{'x' * 400}{i}", 1) for i in range(50)])
    text = stats_caption(many, "ru", Replies(evil, TODAY))
    assert "<b>x" not in text and "&lt;b&gt;" in text
    assert visible_length(text) <= CAPTION_LIMIT
    assert "1\u00a0000\u00a0000" in text  # numbers as Replies.number writes them


def test_caption_limit_counts_utf16_units_like_telegram() -> None:
    """Emoji and other astral characters are two UTF-16 units each: Telegram's 1024 counts them so."""
    # three towns of 200 emoji: ~700 code points (what the old count saw), but ~1400 UTF-16 units
    many = summarize([(2025, Direction.INCOMING, 5)], [("🎉" * 200 + str(i), 1) for i in range(3)])
    text = stats_caption(many, "en", REPLIES)
    assert visible_length("🎉") == 2
    assert len(text.encode("utf-16-le")) // 2 <= CAPTION_LIMIT
    assert "🎉" in text  # the towns that fit are kept
