"""The /stats chart: a PNG of the visits per year (or month) by direction and per town.

matplotlib is imported inside render_chart, so that starting the bot does not pay for it, and always
renders with the Agg backend (no display).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from bot.core.directory import TownDirectory
from bot.core.model import Language
from bot.exports.register import label, town_name
from bot.exports.summary import StatsSummary
from bot.locale import catalogue
from bot.replies.reply import shorten

TOWNS_IN_CHART = 12
INCOMING_COLOUR = "#2b6cb0"
OUTGOING_COLOUR = "#dd7a2c"
TOWN_COLOUR = "#4a8c5c"
MAX_YEAR_LABELS = 16
MAX_TOWN_LABEL = 28
DPI = 100
WIDTH_PX = 1000
# the layout is computed in pixels (no constrained layout: it would draw the figure twice)
TITLE_PX, PERIOD_AXES_PX, GAP_PX, TOWN_ROW_PX, FOOT_PX, RIGHT_PX = 34, 300, 24, 36, 52, 40


def _bars(xs: Sequence[float], bottoms: Sequence[float], heights: Sequence[float], width: float) -> list[Any]:
    """Rectangles for one PolyCollection: far cheaper than one Rectangle patch per bar."""
    half = width / 2
    return [
        ((x - half, b), (x - half, b + h), (x + half, b + h), (x + half, b))
        for x, b, h in zip(xs, bottoms, heights, strict=True)
        if h > 0
    ]


def render_chart(summary: StatsSummary, lang: Language, directory: TownDirectory) -> bytes:
    """A PNG: visits per year (or per month of the chosen year) by direction, and visits per town."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    texts = catalogue()
    towns = list(summary.towns)
    if len(towns) > TOWNS_IN_CHART:
        rest = sum(n for _, n in towns[TOWNS_IN_CHART - 1 :])
        shown = [(town_name(directory, key, lang), n) for key, n in towns[: TOWNS_IN_CHART - 1]]
        shown.append((label(lang, "reports.chart.other_towns", texts), rest))
    else:
        shown = [(town_name(directory, key, lang), n) for key, n in towns]
    shown = [(shorten(name, MAX_TOWN_LABEL), n) for name, n in shown] or [("", 0)]

    if summary.year is None:
        first, last = (summary.periods[0][0], summary.periods[-1][0]) if summary.periods else (0, 0)
        periods = list(range(first, last + 1))
    else:
        periods = list(range(1, 13))
    rotate = summary.year is None and len(periods) > MAX_YEAR_LABELS
    period_foot = FOOT_PX + (28 if rotate else 0)
    town_axes = TOWN_ROW_PX * len(shown) + 12
    height = TITLE_PX + PERIOD_AXES_PX + period_foot + GAP_PX + TITLE_PX + town_axes + FOOT_PX

    def rect(top_px: float, axes_px: float) -> tuple[float, float, float, float]:
        return (
            left / WIDTH_PX,
            1 - (top_px + axes_px) / height,
            (WIDTH_PX - left - RIGHT_PX) / WIDTH_PX,
            axes_px / height,
        )

    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI)
    canvas: Any = FigureCanvasAgg(figure)
    # room on the left for the longest town name, measured with the font that will draw it
    renderer = canvas.get_renderer()
    font = FontProperties(size=matplotlib.rcParams["ytick.labelsize"])
    widest = max(renderer.get_text_width_height_descent(name, font, ismath=False)[0] for name, _ in shown)
    left = max(70.0, widest + 24)
    top = figure.add_axes(rect(TITLE_PX, PERIOD_AXES_PX))
    bottom = figure.add_axes(rect(TITLE_PX * 2 + PERIOD_AXES_PX + period_foot + GAP_PX, town_axes))

    # visits per period, stacked by direction
    by_period = {period: (incoming, outgoing) for period, incoming, outgoing in summary.periods}
    incoming = [by_period.get(period, (0, 0))[0] for period in periods]
    outgoing = [by_period.get(period, (0, 0))[1] for period in periods]
    totals = [a + b for a, b in zip(incoming, outgoing, strict=True)]
    zeros = [0] * len(periods)
    top.add_collection(
        PolyCollection(_bars(periods, zeros, incoming, 0.8), facecolors=INCOMING_COLOUR, edgecolors="none")
    )
    top.add_collection(
        PolyCollection(_bars(periods, incoming, outgoing, 0.8), facecolors=OUTGOING_COLOUR, edgecolors="none")
    )
    peak = max(totals, default=0) or 1
    top.set_xlim(periods[0] - 0.6, periods[-1] + 0.6)
    top.set_ylim(0, peak * 1.12 + 0.2)
    if len(periods) <= 24:
        for period, total in zip(periods, totals, strict=True):
            if total:
                top.text(period, total + peak * 0.01, str(total), ha="center", va="bottom", fontsize=8)
    if summary.year is None:
        title = label(lang, "reports.chart.per_year", texts)
        top.set_xlabel(label(lang, "reports.chart.year", texts))
        top.xaxis.set_major_locator(MaxNLocator(nbins=MAX_YEAR_LABELS, integer=True))
        if rotate:
            top.tick_params(axis="x", labelrotation=45)
    else:
        title = label(lang, "reports.chart.per_month", texts).format(year=summary.year)
        top.set_xlabel(label(lang, "reports.chart.month", texts))
        top.set_xticks(periods, [str(name) for name in texts.raw(lang, "reports.chart.months")])
    top.set_title(title, fontsize=13, loc="left")
    top.set_ylabel(label(lang, "reports.chart.visits", texts))
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.legend(
        handles=[
            Patch(color=INCOMING_COLOUR, label=label(lang, "reports.chart.incoming", texts)),
            Patch(color=OUTGOING_COLOUR, label=label(lang, "reports.chart.outgoing", texts)),
        ],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=2,
        frameon=False,
        borderaxespad=0.2,
    )
    top.spines[["top", "right"]].set_visible(False)

    # visits per town, the busiest on top
    rows = list(range(len(shown)))
    counts = [n for _, n in reversed(shown)]
    bottom.add_collection(
        PolyCollection(
            [
                ((0, y - 0.35), (n, y - 0.35), (n, y + 0.35), (0, y + 0.35))
                for y, n in zip(rows, counts, strict=True)
            ],
            facecolors=TOWN_COLOUR,
            edgecolors="none",
        )
    )
    most = max(counts) or 1
    for y, n in zip(rows, counts, strict=True):
        if n:
            bottom.text(n + most * 0.01, y, str(n), va="center", fontsize=8)
    bottom.set_xlim(0, most * 1.1)
    bottom.set_ylim(-0.6, len(shown) - 0.4)
    bottom.set_yticks(rows, [name for name, _ in reversed(shown)])
    bottom.set_title(label(lang, "reports.chart.per_town", texts), fontsize=13, loc="left")
    bottom.set_xlabel(label(lang, "reports.chart.visits", texts))
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.spines[["top", "right"]].set_visible(False)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
