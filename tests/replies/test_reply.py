"""The reply type's fitting into Telegram's limits (bot/replies/reply.py)."""

from __future__ import annotations

from collections.abc import Iterator

from bot.replies.reply import (
    MESSAGE_LIMIT,
    fit,
    fit_list,
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


def test_fit_list_names_what_fits_and_counts_the_rest() -> None:
    rendered: list[int] = []

    def line(number: int) -> str:
        rendered.append(number)
        return f"<b>town {number}</b> " + "z" * 80

    text = fit_list(["header"], range(500), line, lambda hidden: f"… and {hidden} more")
    lines = text.split("\n")
    assert visible_length(text) <= MESSAGE_LIMIT and lines[0] == "header"
    shown = lines[1:-1]
    assert shown == [line(number) for number in range(len(shown))]
    assert lines[-1] == f"… and {500 - len(shown)} more"
    assert len(rendered) < 2 * len(shown) + 5  # rendered only as far as they fit
    # everything fits: the same text as fit(), no count line
    assert fit_list(["h"], ["a", "b"], str, lambda _hidden: "never") == fit(["h", "a", "b"])
    assert fit_list((), [], str, lambda _hidden: "never") == ""


def test_fit_list_keeps_the_tail_and_room_for_a_longer_count() -> None:
    text = fit_list(
        (),
        range(10**4),
        lambda _number: "y" * 40,
        lambda hidden: "…" + "w" * 100 + str(hidden),
        tail=["", "f"],
    )
    assert visible_length(text) <= MESSAGE_LIMIT and text.endswith("\n\nf")
    shown = text.split("\n")[:-3]
    assert text.split("\n")[-3] == "…" + "w" * 100 + str(10**4 - len(shown))
