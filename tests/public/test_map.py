"""The offline map: the SVG parses, every town with coordinates is drawn inside the picture with its
great-circle distance, one without is not; the PNG opens."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

from PIL import Image

from bot.core.directory import TownDirectory
from bot.core.model import distance_km
from bot.core.townfile import shipped_towns
from bot.public.map import SIZE, Projection, TownMap, outlines, place_labels
from bot.public.views import PublicViews
from bot.replies.wording import Replies

SVG = "{http://www.w3.org/2000/svg}"


def views(directory: TownDirectory) -> PublicViews:
    return PublicViews(Replies(directory, date(2026, 11, 26)))


def test_the_svg_parses_and_draws_every_town_inside_the_picture_with_its_distance() -> None:
    directory = TownDirectory(shipped_towns())
    svg = TownMap().svg(directory, "en", views(directory), standalone=True)
    root = ET.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == f"0 0 {SIZE} {SIZE}"
    drawn = {group.get("data-town"): group for group in root.iter(f"{SVG}g") if group.get("data-town")}
    assert set(drawn) == {town.key for town in directory.partners}
    home = directory.home
    assert home is not None
    for town in directory.partners:
        circle = drawn[town.key].find(f"{SVG}circle")
        text = drawn[town.key].find(f"{SVG}text")
        assert circle is not None and text is not None
        x, y = float(circle.get("cx", "-1")), float(circle.get("cy", "-1"))
        assert 0 < x < SIZE and 0 < y < SIZE
        label_x = float(text.get("x", "-1"))
        assert 0 <= label_x <= SIZE
        km = distance_km(home, town)
        assert km is not None
        assert f"{town.name_en} · {round(km):,} km" == text.text
    lines = [line for line in root.iter(f"{SVG}line")]
    assert len(lines) == len(directory.partners)  # one great circle from Kingisepp to each
    assert len(svg.encode()) < 60_000


def test_directions_are_true_and_distances_grow_outwards() -> None:
    projection = Projection(59.367, 28.617, 8000)
    north = projection.xy(*projection.polar(65.0, 28.617))
    east = projection.xy(*projection.polar(59.0, 40.0))
    assert abs(north[0] - SIZE / 2) < 0.5 and north[1] < SIZE / 2
    assert east[0] > SIZE / 2
    radii = [projection.radius(km) for km in (10, 100, 1000, 8000)]
    assert radii == sorted(radii) and math.isclose(radii[-1], SIZE / 2 - 24)


def test_outlines_stay_inside_the_disc() -> None:
    shapes = outlines(59.367, 28.617, 7700.0)
    assert len(shapes.land) > 20 and len(shapes.borders) > 20
    centre = SIZE / 2
    for ring in (*shapes.land, *shapes.lakes, *shapes.borders):
        for x, y in ring:
            assert math.hypot(x - centre, y - centre) <= SIZE / 2 - 24 + 0.01


def test_labels_of_towns_side_by_side_do_not_overlap() -> None:
    centre = SIZE / 2
    labels = place_labels(
        centre, [(centre - 30, centre, "Narva · 24 km"), (centre - 32, centre + 2, "Ivangorod · 22 km")]
    )
    assert abs(labels[0].y - labels[1].y) >= 12


def test_a_town_without_coordinates_is_not_drawn() -> None:
    towns = [
        replace(town, latitude=None, longitude=None) if town.key == "narvik" else town
        for town in shipped_towns()
    ]
    directory = TownDirectory(towns)
    site_map = TownMap()
    svg = site_map.svg(directory, "ru", views(directory))
    assert 'data-town="narvik"' not in svg and 'data-town="narva"' in svg
    assert [town.key for town in site_map.not_drawn(directory)] == ["narvik"]


def test_the_png_opens_and_has_the_size_promised() -> None:
    directory = TownDirectory(shipped_towns())
    png = TownMap().png(directory, "ru", views(directory))
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert image.format == "PNG" and image.size == (960, 960)
