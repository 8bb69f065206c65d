"""The reply type's fitting into Telegram's limits (bot/replies/reply.py)."""

from __future__ import annotations

from collections.abc import Iterator

from bot.replies.reply import (
    MESSAGE_LIMIT,
    fit,
    fit_with_tail,
    plain_text,
    shorten,
    truncate_line,
    visible_length,
)


def test_visible_length_counts_what_telegram_counts() -> None:
    assert visible_length("<b>Нарва</b>") == 5  # tags are not text
    assert visible_length("a &lt; b &amp; c") == 9  # an entity is one character
    assert visible_length("🎉") == 2  # UTF-16 code units, as Telegram counts the 4096
    assert plain_text("<b>a &lt; b</b>") == "a < b"


def test_fit_drops_whole_lines_from_the_end_and_marks_the_cut() -> None:
    lines = [f"<b>line {i}</b> " + "x" * 90 for i in range(100)]
    text = fit(lines)
    assert visible_length(text) <= MESSAGE_LIMIT
    assert text.endswith("\n…")
    kept = text.split("\n")[:-1]
    assert kept == lines[: len(kept)]  # never cut inside a line (or a tag)
    assert fit(["short", "list"]) == "short\nlist"


def test_fit_keeps_the_tail_and_reads_a_generator_only_as_far_as_it_fits() -> None:
    read: list[int] = []

    def endless() -> Iterator[str]:
        for i in range(10**6):
            read.append(i)
            yield "y" * 100

    text = fit(endless(), tail=["", "footer"])
    assert text.endswith("…\n\nfooter") and visible_length(text) <= MESSAGE_LIMIT
    assert len(read) < 50


def test_fit_with_tail_and_truncate_line() -> None:
    text = fit_with_tail(["z" * 3000, "z" * 3000], ["the footer"])
    assert text.endswith("…\n\nthe footer") and visible_length(text) <= MESSAGE_LIMIT
    assert fit_with_tail(["a"], []) == "a"
    assert truncate_line("short", 10) == "short"
    long = "\n".join(["w" * 50] * 10)
    cut = truncate_line(long, 120)
    assert visible_length(cut) <= 120 and cut.endswith("…")


def test_shorten_folds_white_space_and_cuts_with_an_ellipsis() -> None:
    assert shorten("  Летний\n лагерь  ", 60) == "Летний лагерь"
    assert shorten("abcdefghij", 5) == "abcd…"
    assert len(shorten("word " * 40, 28)) == 28
