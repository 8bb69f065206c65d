"""Residents' answers as replies (bot/replies/answers.py). The public question set, run through the
engine and these replies, is tests/core/test_questions.py; here the replies' own rules."""

from __future__ import annotations

import re
from datetime import date

from bot.core.directory import TownDirectory
from bot.core.model import Agreement, PartialDate, Town
from bot.core.questions import Answer, Intent
from bot.core.townfile import shipped_towns
from bot.replies.answers import Answers
from bot.replies.reply import MESSAGE_LIMIT, plain_text, visible_length
from bot.replies.wording import Replies, VisitLine

TODAY = date(2026, 11, 26)
DIRECTORY = TownDirectory(shipped_towns())
ANSWERS = Answers(Replies(DIRECTORY, TODAY))


def towns(*keys: str) -> tuple[Town, ...]:
    return tuple(DIRECTORY.by_key[key] for key in keys)


def test_a_superlative_says_when_it_ranks_only_the_towns_with_data() -> None:
    answer = Answer(Intent.POPULATION, "ru", towns=towns("narva", "narvik"), extra={"superlative": "biggest"})
    text = plain_text(ANSWERS.answer(answer).text)
    first, _, *rest = text.splitlines()
    assert first == (
        "Самый большой по населению город-партнёр (из тех, чьё население известно) — "
        "🇪🇪 Нарва: население 53\u00a0955 (2021)."
    )
    assert rest == ["🇪🇪 Нарва: население 53\u00a0955 (2021).", "🇳🇴 Нарвик: данных о населении у меня нет."]


def test_the_distance_between_two_towns() -> None:
    answer = Answer(Intent.WHERE, "ru", towns=towns("narva", "narvik"), extra={"between": "1"})
    reply = ANSWERS.answer(answer)
    assert plain_text(reply.text) == "🇪🇪 Нарва — 🇳🇴 Нарвик: ≈1\u00a0133 км по прямой."
    assert [button.data for row in reply.buttons for button in row] == ["card:narva", "card:narvik"]


def test_a_country_without_partners_but_with_home() -> None:
    reply = ANSWERS.answer(Answer(Intent.COUNTRY, "ru", country="RU"))
    assert plain_text(reply.text).endswith("Сам Кингисепп находится в России.")
    assert len([button for row in reply.buttons for button in row]) == len(DIRECTORY.partners)


def test_the_last_visit_over_all_towns_is_the_latest_held_one() -> None:
    visits = {
        "narva": [
            VisitLine(date(2024, 6, 5), "visits.public.direction_in", "visits.public.kind_official", "")
        ],
        "raisio": [
            VisitLine(date(2025, 3, 1), "visits.public.direction_out", "visits.public.kind_youth", "<camp>"),
            VisitLine(date(2027, 1, 10), "visits.public.direction_out", "visits.public.kind_cultural", ""),
        ],
    }
    answers = Answers(Replies(DIRECTORY, TODAY, visits=visits))
    reply = answers.answer(Answer(Intent.LAST_VISIT, "ru"))
    text = plain_text(reply.text)
    assert text.startswith("Последний записанный визит: 🇫🇮 Райсио, 1 марта 2025") and "<camp>" in text
    assert "&lt;camp&gt;" in reply.text  # escaped on the way
    none = plain_text(ANSWERS.answer(Answer(Intent.LAST_VISIT, "ru")).text)
    assert none.startswith("Визиты делегаций пока не записаны")


def test_off_topic_answers_name_no_town_and_offer_the_cards() -> None:
    reply = ANSWERS.answer(Answer(Intent.OFF_TOPIC, "en", towns=towns("narva"), topic="weather"))
    text = plain_text(reply.text)
    assert "the weather" in text and "Narva" not in text
    assert [button.data for row in reply.buttons for button in row] == ["card:narva"]


def national_directory(count: int) -> TownDirectory:
    """The shipped towns and `count` more in Estonia, all of 1960: a list longer than a message."""
    made = [
        Town(
            key=f"ee{number}",
            name_en=f"Eetown{number}",
            name_ru=f"Ээгород{number}",
            country="EE",
            agreements=(
                Agreement("cooperation", "cooperation", PartialDate(1960), "Cooperation", "Сотрудничество"),
            ),
        )
        for number in range(count)
    ]
    return TownDirectory([*shipped_towns(), *made])


def test_lists_longer_than_a_message_name_what_fits_and_count_the_rest() -> None:
    """A national directory's 600 Estonian towns: the reply names as many as fit, then how many more."""
    directory = national_directory(600)
    answers = Answers(Replies(directory, TODAY))
    sixties = directory.began_between(1960, 1969)
    # the count with its plural ("502 города", "600 городов"), then why the list stops
    ru_more = r"… и ещё \d+ город(а|ов)? — весь список не помещается в одно сообщение\.$"
    en_more = r"… and \d+ more towns?: the whole list does not fit in one message\.$"
    cases = [
        (Answer(Intent.COUNTRY, "ru", country="EE"), len(directory.in_country("EE")), ru_more),
        (Answer(Intent.COUNTRY, "en", country="EE"), len(directory.in_country("EE")), en_more),
        (Answer(Intent.OLDEST, "ru"), len(directory.oldest()), ru_more),
        (Answer(Intent.SIGNED_IN, "en", when=PartialDate(1960)), len(directory.signed_in(1960)), en_more),
        (Answer(Intent.PERIOD, "ru", towns=sixties), len(sixties), ru_more),
        (Answer(Intent.POPULATION, "en", towns=directory.partners), len(directory.partners), en_more),
        (Answer(Intent.CARD, "ru", towns=directory.partners), len(directory.partners), ru_more),
    ]
    for answer, listed, more in cases:
        text = answers.answer(answer).text
        assert visible_length(text) <= MESSAGE_LIMIT, answer
        lines = plain_text(text).splitlines()
        shown = sum(1 for line in lines if FLAG.search(line))  # one line per town, each with its flag
        hidden = int(re.findall(r"\d+", lines[-1])[0])
        assert shown > 20 and re.match(more, lines[-1]), (answer, lines[-1])
        assert shown + hidden == listed, answer


FLAG = re.compile("[🇦-🇿]")
