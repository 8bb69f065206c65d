"""The public pages: what they show, in which language, and how they take bad input (never a 500)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser

import pytest

from bot.core.calendar import DateSpan
from bot.public.site import VISITS_PER_PAGE
from tests.public.conftest import Site

PAGE_LIMIT = 100 * 1024


def partners(site: Site, lang: str) -> list[str]:
    names = [town.name(lang) for town in site.runtime.directory.partners]  # type: ignore[arg-type]
    assert len(names) >= 9
    return names


class Page(HTMLParser):
    """The page's visible text, its links and whatever would make the browser fetch something."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.fetches: list[str] = []
        self.tags: list[str] = []
        self._skip = 0
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag in ("style", "title"):
            self._skip += 1
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag in ("script", "img", "iframe", "link", "source", "video", "audio", "object", "embed"):
            target = values.get("src") or values.get("href") or ""
            # an alternate-language link is not fetched; a data: icon stops the browser asking for one
            if values.get("rel") != "alternate" and not target.startswith("data:"):
                self.fetches.append(f"{tag}:{target}")
        for name, value in attrs:
            if name == "style" and value and "url(" in value:
                self.fetches.append(f"style:{value}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip -= 1
        if tag in ("td", "th", "li", "p", "h1", "h2", "tr", "span", "a", "figcaption"):
            self.text.append(" ")  # what a browser shows apart stays apart

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join("".join(self.text).split())


async def page(site: Site, path: str, **kwargs: object) -> tuple[int, Page, str]:
    response = await site.get(path, **kwargs)  # type: ignore[arg-type]
    assert response.status_code != 500, response.text
    assert len(response.content) < PAGE_LIMIT, (path, len(response.content))
    assert response.headers["content-type"].startswith("text/html")
    return response.status_code, Page(response.text), response.text


@pytest.mark.parametrize("path", ["/", "/town/narva", "/upcoming", "/town/no-such-town"])
async def test_every_page_is_light_self_contained_and_has_a_language_switch(site: Site, path: str) -> None:
    for lang, other in (("ru", "en"), ("en", "ru")):
        _, parsed, source = await page(site, f"{path}?lang={lang}")
        assert f'<html lang="{lang}">' in source
        assert parsed.fetches == []  # no script, image, font or stylesheet from anywhere
        assert "<script" not in source and "http://" not in source.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )
        assert any(link.endswith(f"lang={other}") for link in parsed.links)
        assert {"header", "nav", "main", "footer"} <= set(parsed.tags)


async def test_the_front_page_lists_every_partner_with_since_and_years_and_the_map(site: Site) -> None:
    status, parsed, source = await page(site, "/")
    assert status == 200
    text = parsed.visible
    for name in partners(site, "ru"):
        assert name in text
    assert "Кингисепп" in text
    assert "с 2003 года" in text or "с 1 июня 2003 года" in text  # Sassnitz, as the bot says it
    assert "🇩🇪" in text
    assert "/town/narva-joesuu" in parsed.links
    assert source.count("<svg") == 1 and 'data-town="renhuai"' in source


async def test_english_by_query_or_by_accept_language_and_ru_by_default(site: Site) -> None:
    _, by_query, _ = await page(site, "/?lang=en")
    _, by_header, _ = await page(site, "/", headers={"Accept-Language": "de-DE,en-GB;q=0.8,ru;q=0.3"})
    _, by_default, _ = await page(site, "/", headers={"Accept-Language": "fr, de;q=0.5"})
    _, unknown, _ = await page(site, "/?lang=xx", headers={"Accept-Language": "en"})
    for parsed in (by_query, by_header, unknown):
        assert all(name in parsed.visible for name in partners(site, "en"))
        assert "Partner towns" in parsed.visible
    assert "Города-партнёры" in by_default.visible
    # links keep a language chosen in the address; one from the browser needs none
    assert "/town/narva?lang=en" in by_query.links and "/town/narva" in by_header.links


async def test_the_town_card_says_what_the_bot_says(site: Site) -> None:
    status, parsed, _ = await page(site, "/town/sassnitz?lang=en")
    assert status == 200
    text = parsed.visible
    cards = site.runtime.replies()
    from bot.replies.towns import TownCards

    card = TownCards(cards).card("en", site.runtime.directory.get("sassnitz"))  # type: ignore[arg-type]
    # every line of the bot's card (its words, not its markup) is on the page
    for line in card.text.split("\n"):
        plain = " ".join(re.sub(r"<[^>]+>", "", line).split()).removeprefix("• ")  # facts: paragraphs
        if plain and not plain.startswith("🚌"):
            assert plain.replace("&amp;", "&") in text, plain
    assert "Partner Agreement" in text and "1 June 2003" in text
    assert "by the usual rule, not confirmed" in text  # Rügen harbour days: a rule, no date set


async def test_a_staff_change_shows_at_the_next_request(site: Site) -> None:
    _, before, _ = await page(site, "/town/narva?lang=en")
    assert "not confirmed" in before.visible
    await site.runtime.calendar.set_date("narva", DateSpan(date(2027, 6, 12), date(2027, 6, 13)), 900)
    _, after, _ = await page(site, "/town/narva?lang=en")
    assert "12–13 June 2027" in after.visible and "date confirmed" in after.visible


async def test_the_register_shows_dates_direction_kind_purpose_newest_first_and_pages(site: Site) -> None:
    for day in range(1, 46):
        await site.add_visit(
            "narva", date(2020, 1, 1).replace(day=1 + day % 28, month=1 + day // 28), f"Purpose {day}"
        )
    await site.add_visit(
        "narva", date(2026, 3, 2), "Culture days", direction="out", kind="cultural", end=date(2026, 3, 4)
    )
    await site.add_visit("narva", date(2027, 5, 1), "A planned one")  # not yet: staff only
    _, first, _ = await page(site, "/town/narva?lang=en")
    text = first.visible
    assert "On record: 46." in text
    assert "2–4 March 2026" in text and "a trip from Kingisepp" in text and "cultural delegation" in text
    assert text.index("Culture days") < text.index("Purpose 45")
    assert "A planned one" not in text
    assert "Page 1 of 3" in text and "/town/narva?lang=en&page=2#visits" in first.links
    _, last, last_source = await page(site, "/town/narva?lang=en&page=3")
    assert "Page 3 of 3" in last.visible
    assert len(re.findall(r"<td>Purpose \d+</td>", last_source)) == 46 - 2 * VISITS_PER_PAGE
    for wrong in ("999999", "0", "-1", "abc", "1" * 50):
        status, parsed, _ = await page(site, f"/town/narva?lang=en&page={wrong}")
        assert status == 200 and "Page " in parsed.visible


async def test_html_in_a_purpose_is_shown_as_text(site: Site) -> None:
    await site.add_visit("raisio", date(2025, 5, 5), '<script>alert("x")</script><b>bold</b> & "quotes"')
    status, parsed, source = await page(site, "/town/raisio")
    assert status == 200
    assert "<script>" not in source and "&lt;script&gt;" in source
    assert '<script>alert("x")</script><b>bold</b> & "quotes"' in parsed.visible


async def test_upcoming_lists_anniversaries_and_town_days(site: Site) -> None:
    status, parsed, _ = await page(site, "/upcoming?lang=en")
    assert status == 200
    text = parsed.visible
    assert "Coming up" in text
    assert "Town Day" in text or "anniversary" in text.lower()
    # Renhuai's friendship agreement of 2016 turns 10 within 90 days of 26 November 2026? whatever the
    # data says, each event line is one the bot would send
    from bot.public.views import PublicViews

    calendar = await site.runtime.load_calendar(site.runtime.today(), date(2027, 3, 1), include_visits=False)
    _, lines = PublicViews(site.runtime.replies()).upcoming("en", calendar, site.runtime.today())
    assert lines
    for line in lines:
        assert " ".join(re.sub(r"<[^>]+>", "", line).split()) in text


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/town/atlantis", {}, "«atlantis» нет в списке"),
        ("/town/atlantis?lang=en", {}, "“atlantis” is not on the list"),
        ("/town/atlantis", {"Accept-Language": "en"}, "“atlantis” is not on the list"),
        ("/town/..%2F..%2Fetc%2Fpasswd", {}, "Страница не найдена"),
        ("/town/%3Cscript%3E", {}, "«<script>» нет в списке"),
        ("/../../etc/passwd", {}, "Такой страницы нет"),
        ("/static/../../bot.sqlite3", {}, "Такой страницы нет"),
        ("/town/" + "x" * 5000, {}, "нет в списке"),
        ("/nowhere?lang=en", {}, "There is no such page"),
    ],
)
async def test_unknown_addresses_get_a_404_page_in_the_readers_language(
    site: Site, path: str, headers: dict[str, str], expected: str
) -> None:
    status, parsed, source = await page(site, path, headers=headers)
    assert status == 404
    assert expected in parsed.visible
    assert "<script>" not in source and "root:" not in source


async def test_huge_query_strings_and_garbage_headers_are_ignored(site: Site) -> None:
    status, parsed, _ = await page(
        site,
        "/?" + "&".join(f"k{i}={'v' * 50}" for i in range(500)) + "&lang=" + "e" * 5000,
        headers={"Accept-Language": ";q=;;," * 200 + "en;q=abc"},
    )
    assert status == 200 and "Нарва" in parsed.visible


async def test_head_answers_like_get_without_a_body(site: Site) -> None:
    for path in ("/", "/town/narva", "/upcoming", "/town/atlantis"):
        got = await site.get(path)
        head = await site.client.head(path)
        assert head.status_code == got.status_code and head.content == b""


async def test_a_town_without_coordinates_is_listed_but_not_drawn(site: Site) -> None:
    runtime = site.runtime
    towns = [
        replace(town, latitude=None, longitude=None) if town.key == "raisio" else town
        for town in runtime.directory.towns
    ]
    runtime._use_towns(towns)
    status, parsed, source = await page(site, "/?lang=en")
    assert status == 200
    assert "Raisio" in parsed.visible and 'data-town="raisio"' not in source
    assert "No coordinates, not on the map: Raisio." in parsed.visible
    status, card, _ = await page(site, "/town/raisio?lang=en")
    assert status == 200 and "km from Kingisepp" not in card.visible


async def test_a_failure_is_a_500_page_in_the_readers_language_not_a_traceback(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object) -> int:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(site.runtime.database, "fetchone", broken)
    response = await site.get("/town/narva?lang=en")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "fire" not in response.text
