"""bot/core/townfile.py: the shipped facts parse, and a broken file says what is wrong and where."""

from __future__ import annotations

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


def test_the_shipped_descriptions_are_the_sourced_ones() -> None:
    described = {town.key for town in shipped_towns() if town.description_en or town.description_ru}
    assert described == {"kingisepp", "sassnitz", "renhuai"}
