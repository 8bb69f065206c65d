"""The /stats chart as a PNG (bot/exports/chart.py)."""

from __future__ import annotations

import struct

import pytest

from bot.core.visits import Direction
from bot.exports.chart import render_chart
from bot.exports.summary import summarize
from tests.exports.sample import DIRECTORY


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_chart_is_a_real_png(lang: str) -> None:
    periods = [(year, direction, (year * 7 + len(direction.value)) % 11) for year in range(1955, 2027)
               for direction in Direction]  # fmt: skip
    towns = [(town.key, i + 1) for i, town in enumerate(DIRECTORY.partners)]
    data = render_chart(summarize(periods, towns), lang, DIRECTORY)  # type: ignore[arg-type]
    width, height = png_size(data)
    assert width >= 800 and height >= 600 and width * height <= 10_000_000
    assert len(data) > 20_000  # bars, labels, text: not a blank picture


def test_chart_of_one_year_and_many_towns() -> None:
    towns = [(f"town{i}", 30 - i) for i in range(30)]
    summary = summarize([(3, Direction.INCOMING, 2), (11, Direction.OUTGOING, 1)], towns, 2025)
    width, height = png_size(render_chart(summary, "ru", DIRECTORY))
    assert width >= 800 and height < 2000  # twelve bars at most: "others" gathers the rest
