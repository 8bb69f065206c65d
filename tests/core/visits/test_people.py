"""Participant lists as staff paste them (bot/core/visits/people.py) and what may be attached (files.py)."""

from __future__ import annotations

import pytest

from bot.core.visits import VisitInputError
from bot.core.visits.files import MAX_FILE_NAME, MAX_PHOTO_BYTES, FileKind, FileOffer, check_offer, clean_name
from bot.core.visits.people import (
    MAX_PARTICIPANT_NAME,
    MAX_PARTICIPANTS,
    Participant,
    head_of,
    parse_participant,
    parse_participants,
    with_head,
)


@pytest.mark.parametrize(
    ("line", "name", "role"),
    [
        ("Иванов Иван Иванович — глава администрации", "Иванов Иван Иванович", "глава администрации"),
        ("2) Anna Virtanen – mayor", "Anna Virtanen", "mayor"),
        ("• Ola Nordmann - interpreter", "Ola Nordmann", "interpreter"),
        ("Петров: водитель, сопровождающий", "Петров", "водитель, сопровождающий"),
        ("  Jaan   Tamm  ", "Jaan Tamm", ""),
        ("Анна-Мария Лыхмус — переводчик", "Анна-Мария Лыхмус", "переводчик"),
    ],
)
def test_a_line_is_a_name_and_a_role(line: str, name: str, role: str) -> None:
    assert parse_participant(line) == Participant(name, role)


def test_the_head_is_the_first_line_that_says_so_and_blank_lines_are_skipped() -> None:
    people = parse_participants(
        "Иванов — глава администрации\n\nПетрова — руководитель делегации\nSmith — Head of the delegation"
    )
    assert [p.name for p in people] == ["Иванов", "Петрова", "Smith"]
    assert head_of(people) == Participant("Петрова", "руководитель делегации", head=True)
    assert head_of(parse_participants("Иванов — мэр")) is None


def test_a_list_of_500_names_is_refused_whole_with_the_limit() -> None:
    text = "\n".join(f"Участник {n} — член делегации" for n in range(500))
    with pytest.raises(VisitInputError) as raised:
        parse_participants(text)
    (error,) = raised.value.errors
    assert error.code == "participants_too_many"
    assert error.params == {"count": 500, "limit": MAX_PARTICIPANTS}
    assert len(parse_participants("\n".join(f"P{n}" for n in range(MAX_PARTICIPANTS)))) == MAX_PARTICIPANTS


def test_bad_lines_are_named_and_counted() -> None:
    long_name = "Я" * (MAX_PARTICIPANT_NAME + 1)
    text = "\n".join(["Иванов", "— переводчик", f"{long_name} — гость", "Пет\x07ров", *["— x"] * 10])
    with pytest.raises(VisitInputError) as raised:
        parse_participants(text)
    codes = [(e.code, e.params.get("line")) for e in raised.value.errors]
    assert codes[:4] == [
        ("participant_no_name", 2),
        ("participant_name_long", 3),
        ("control_character", 4),
        ("participant_no_name", 5),
    ]
    assert raised.value.errors[-1].code == "participants_more_errors"
    assert raised.value.errors[-1].params == {"count": 8}  # 13 bad lines, 5 named
    with pytest.raises(VisitInputError) as empty:
        parse_participants(" \n\u200b\n")
    assert empty.value.errors[0].code == "participants_empty"


def test_with_head_marks_a_listed_person_or_adds_the_head_first() -> None:
    people = (Participant("Иванов", "мэр"), Participant("Петрова", "переводчик", head=True))
    marked = with_head(people, Participant("иванов", ""))
    assert marked == (Participant("Иванов", "мэр", head=True), Participant("Петрова", "переводчик"))
    added = with_head(people, Participant("Smith", "director"))
    assert added[0] == Participant("Smith", "director", head=True) and sum(p.head for p in added) == 1
    assert head_of(with_head(people, None)) is None and len(with_head(people, None)) == 2


def test_what_may_be_attached() -> None:
    check_offer(FileOffer(FileKind.DOCUMENT, "id", "u", "Протокол.DOCX", "", 5))
    check_offer(FileOffer(FileKind.DOCUMENT, "id", "u", "scan", "application/pdf", 5))
    check_offer(FileOffer(FileKind.PHOTO, "id", "u", "", "", MAX_PHOTO_BYTES))
    refused = {
        "file_too_big": FileOffer(FileKind.PHOTO, "id", "u", "", "", MAX_PHOTO_BYTES + 1),
        "file_type": FileOffer(FileKind.DOCUMENT, "id", "u", "archive.rar", "application/x-rar", 5),
        "file_from_channel": FileOffer(FileKind.PHOTO, "id", "u", "", "", 5, from_channel=True),
    }
    for code, offer in refused.items():
        with pytest.raises(VisitInputError) as raised:
            check_offer(offer)
        assert raised.value.errors[0].code == code
    assert clean_name("a\x00b.pdf", FileKind.DOCUMENT, "x") == "ab.pdf"
    long = clean_name("я" * 300 + ".pdf", FileKind.DOCUMENT, "x")
    assert len(long) <= MAX_FILE_NAME and long.endswith(".pdf")
    assert clean_name("  ", FileKind.PHOTO, "photo-1.jpg") == "photo-1.jpg"
