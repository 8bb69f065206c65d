"""bot/core/townfile.py: the shipped facts parse, and a broken file says what is wrong and where."""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

import pytest

from bot.core.model import PartialDate
from bot.core.townfile import (
    TownFileError,
    load_town_file,
    parse_mentions,
    parse_towns,
    shipped_mentions,
    shipped_towns,
    sourced_facts,
)

MINIMAL = """
format = 1

[[town]]
key = "kingisepp"
home = true
name_en = "Kingisepp"
name_ru = "Кингисепп"
country = "RU"

[[town]]
key = "narva"
name_en = "Narva"
name_ru = "Нарва"
country = "EE"
latitude = 59.3758

[[town.agreement]]
key = "cooperation"
kind = "cooperation"
signed = "2000"
title_en = "Cooperation agreement"
title_ru = "Соглашение о сотрудничестве"
sources = ["district"]
"""


def test_shipped_file_parses() -> None:
    towns = shipped_towns()
    keys = [town.key for town in towns]
    assert len(keys) == len(set(keys)) == 10
    assert [town.key for town in towns if town.is_home] == ["kingisepp"]
    by_key = {town.key: town for town in towns}
    assert by_key["sassnitz"].since == PartialDate(2003, 6, 1)
    assert by_key["narvik"].since == PartialDate(1972)  # known to the year only
    assert by_key["narvik"].population is None  # unknown stays unknown
    for town in towns:
        assert town.name_en and town.name_ru
        assert town.is_home or town.agreements, town.key


def test_minimal_file_parses() -> None:
    towns = parse_towns(MINIMAL)
    assert [town.key for town in towns] == ["kingisepp", "narva"]
    assert towns[1].since == PartialDate(2000)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("latitude = 59.3758", "latitude = 123.0", "latitude"),
        ('country = "EE"', 'country = "Estonia"', "country"),
        ('signed = "2000"', 'signed = "2000-02-30"', "signed"),
        ('kind = "cooperation"', 'kind = "alliance"', "kind"),
        ('name_ru = "Нарва"', 'name_ru = ""', "name_ru"),
        ("latitude = 59.3758", "latitude = 59.3758\nmayor = 'unknown'", "mayor"),
    ],
)
def test_broken_file_names_the_town_and_field(old: str, new: str, field: str) -> None:
    assert old in MINIMAL
    with pytest.raises(TownFileError) as error:
        parse_towns(MINIMAL.replace(old, new), source="towns.toml")
    message = str(error.value)
    assert "towns.toml" in message
    assert "'narva'" in message
    assert field in message


def test_duplicate_town_keys_are_rejected() -> None:
    narva = MINIMAL[MINIMAL.index('[[town]]\nkey = "narva"') :]
    doubled = MINIMAL + "\n" + narva
    assert doubled.count('key = "narva"') == 2
    with pytest.raises(TownFileError, match=r"repeat.*narva"):
        parse_towns(doubled)


def test_two_home_towns_are_rejected() -> None:
    with pytest.raises(TownFileError, match="home"):
        parse_towns(MINIMAL.replace('country = "EE"', 'country = "EE"\nhome = true'))


def test_not_toml_at_all() -> None:
    with pytest.raises(TownFileError, match="not valid TOML"):
        parse_towns("[[town]\nkey = ")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TownFileError, match="cannot be read"):
        load_town_file(tmp_path / "missing.toml")


def test_loaded_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "towns.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert [town.key for town in load_town_file(path)] == ["kingisepp", "narva"]


def test_shipped_mentions_are_no_partner_towns() -> None:
    mentions = {mention.key: mention for mention in shipped_mentions()}
    assert set(mentions) == {"pitsunda", "kraslava"}
    assert mentions["kraslava"].country == "LV" and "2019" in mentions["kraslava"].note_en
    assert not set(mentions) & {town.key for town in shipped_towns()}


def test_a_broken_mentions_file_says_where() -> None:
    with pytest.raises(TownFileError, match="mentioned"):
        parse_mentions('format = 1\n[[mentioned]]\nkey = "x"\n', source="m.toml")


FACT = '\n[[town.fact]]\ntopic = "delegations"\ntext_en = "Delegations."\ntext_ru = "Делегации."\n'


def test_every_fact_and_description_names_its_sources() -> None:
    """Issue 8: a fact or a description no source states does not ship."""
    with pytest.raises(TownFileError, match="sources"):
        parse_towns(MINIMAL + FACT)
    sourced = parse_towns(MINIMAL + FACT + 'sources = ["district"]\n')
    assert sourced[1].fact("delegations") is not None
    with pytest.raises(TownFileError, match="description_sources"):
        parse_towns(MINIMAL.replace("latitude = 59.3758", 'latitude = 59.3758\ndescription_en = "Nice."'))
    with pytest.raises(TownFileError, match="sources"):
        parse_towns(MINIMAL + FACT + 'sources = ["wikipedia"]\n')


@pytest.mark.parametrize("text", ["town_day", "status", "identity", "description"])
def test_a_town_text_without_sources_is_refused(text: str) -> None:
    with_text = MINIMAL.replace("latitude = 59.3758", f'latitude = 59.3758\n{text}_ru = "Текст."')
    with pytest.raises(TownFileError, match=f"'narva': {text} names its sources"):
        parse_towns(with_text)
    with pytest.raises(TownFileError, match=f"{text}_sources"):
        parse_towns(with_text.replace('"Текст."', f'"Текст."\n{text}_sources = ["news"]'))
    parse_towns(with_text.replace('"Текст."', f'"Текст."\n{text}_sources = ["reference"]'))


def test_an_agreement_without_sources_is_refused() -> None:
    with pytest.raises(TownFileError, match=r"'narva': agreement\.0\.sources"):
        parse_towns(MINIMAL.replace('sources = ["district"]\n', ""))
    with pytest.raises(TownFileError, match="sources"):
        parse_towns(MINIMAL.replace('sources = ["district"]', "sources = []"))


def test_a_day_from_another_source_says_who_gives_it() -> None:
    dated = MINIMAL.replace('signed = "2000"', 'signed = "2000-06-06"\nsigned_source = "news.ee"')
    with pytest.raises(TownFileError, match='sources include "reference"'):
        parse_towns(dated)
    (narva,) = parse_towns(dated.replace('["district"]', '["district", "reference"]'))[1:]
    assert narva.agreements[0].signed_source == "news.ee"
    year_only = MINIMAL.replace('signed = "2000"', 'signed = "2000"\nsigned_source = "news.ee"')
    with pytest.raises(TownFileError, match="year only"):
        parse_towns(year_only.replace('["district"]', '["district", "reference"]'))


SOURCES = Path(__file__).resolve().parents[1] / "sources"


def _district_text() -> str:
    return (SOURCES / "partner-towns-source.txt").read_text(encoding="utf-8")


def _reference_rows() -> dict[str, dict[str, str]]:
    with (SOURCES / "partner-towns.csv").open(encoding="utf-8", newline="") as file:
        return {row["key"]: row for row in csv.DictReader(file)}


def _named_in(text: str, names: list[str]) -> str | None:
    """The first of the names the district's text spells (it writes 'Johvi', 'Narva-Joessuu')."""
    return next((name for name in names if name and name in text), None)


def test_every_shipped_fact_names_a_source_that_exists_and_states_it() -> None:
    """Issue 8: each fact of bot/data/towns.toml (agreements, facts, Town Days, status notes, descriptions,
    identities) names sources, and each named source is there: the district's text names the town (and,
    for an agreement, its year), the reference has the town's row (and, for a day it gives, the day and
    who gives it). Fails for a new fact without sources or one pointing at a source that says nothing."""
    text = resources.files("bot.data").joinpath("towns.toml").read_text(encoding="utf-8")
    district = _district_text()
    rows = _reference_rows()
    towns = {town.key: town for town in shipped_towns()}
    facts = sourced_facts(text)
    kinds = {fact.what.split()[0] for fact in facts}
    assert kinds == {"agreement", "fact", "town_day", "status", "description", "identity"}
    for fact in facts:
        where = f"{fact.town}: {fact.what}"
        assert fact.sources, where
        town = towns[fact.town]
        names = [town.name_en, town.name_ru, *town.aliases]
        for source in fact.sources:
            if source == "district":
                assert _named_in(district, names), f"{where}: the district's text does not name the town"
            else:
                assert source == "reference", where
                assert fact.town in rows, f"{where}: no reference row for {fact.town!r}"
        if fact.what.startswith("agreement"):
            year = fact.signed[:4]
            if "district" in fact.sources:
                paragraph = next(p for p in district.split("\n\n") if _named_in(p, names))
                assert year in paragraph, f"{where}: {year} is not in the district's paragraph on the town"
            if fact.signed_source:
                row = rows[fact.town]["doc_partnership"]
                day = int(fact.signed[8:10])
                assert fact.signed_source in row, (
                    f"{where}: the reference row does not cite {fact.signed_source}"
                )
                assert re.search(rf"\b{day} \w+ {year}\b", row), (
                    f"{where}: the reference row gives no {fact.signed}"
                )


def test_johvi_has_the_reference_day_and_says_whose_it_is() -> None:
    """The district's text gives 1999; the reference row gives 6 June 1999 per inforing.net."""
    (agreement,) = next(town for town in shipped_towns() if town.key == "johvi").agreements
    assert agreement.signed == PartialDate(1999, 6, 6)
    assert agreement.signed_source == "inforing.net"
    assert _reference_rows()["johvi"]["doc_partnership"] == "1999 (6 Jun 1999 per inforing.net)"
    assert "Johvi in 1999" in _district_text()


def test_the_shipped_descriptions_are_the_sourced_ones() -> None:
    described = {town.key for town in shipped_towns() if town.description_en or town.description_ru}
    assert described == {"kingisepp", "sassnitz", "renhuai"}
