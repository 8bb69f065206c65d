"""The office's FAQ as a TOML file (`twinbot export-faq` / `import-faq`), and the checks every FAQ entry
passes, from the chat or from a file: a question and an answer in at least one language, no answer over
the limit, no question asked twice.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence

from bot.core.datafile import DataFileError, load_toml, validate
from bot.core.questions.faq import TEXT_LIMIT, FaqEntry, question_key

QUESTION_LIMIT = 300


class FaqFileError(DataFileError):
    """The FAQ file is not usable; the message names the entry."""


def entry_problem(entry: FaqEntry) -> str | None:
    """What makes an entry unusable (a key of the staff catalogue's faq.error texts), or None."""
    pairs = ((entry.question_ru, entry.answer_ru), (entry.question_en, entry.answer_en))
    if any(bool(question.strip()) != bool(answer.strip()) for question, answer in pairs):
        return "half"  # a question without its answer (or the reverse) in one language
    if not any(question.strip() and answer.strip() for question, answer in pairs):
        return "empty"
    for question, answer in pairs:
        if len(answer) > TEXT_LIMIT:
            return "too_long"
        if len(question) > QUESTION_LIMIT:
            return "question_too_long"
    return None


def duplicate_of(entry: FaqEntry, others: Sequence[FaqEntry]) -> FaqEntry | None:
    """Another entry that asks one of this entry's questions (same words, any order or case)."""
    keys = {question_key(q) for q in (entry.question_ru, entry.question_en) if q.strip()}
    for other in others:
        if other.number == entry.number:
            continue
        if keys & {question_key(q) for q in (other.question_ru, other.question_en) if q.strip()}:
            return other
    return None


def parse_faq_file(text: str, source: str = "FAQ file") -> list[FaqEntry]:
    from bot.core.schemas import FaqFile  # the schema (pydantic): only when a file is read

    raw = load_toml(text, source, FaqFileError)
    parsed = validate(FaqFile, raw, source, FaqFileError)
    entries = [
        FaqEntry(e.number, e.question_ru, e.question_en, e.answer_ru, e.answer_en) for e in parsed.entry
    ]
    problems: list[str] = []
    numbers: set[int] = set()
    for index, entry in enumerate(entries):
        where = f"{source}: entry[{index}] (number {entry.number})"
        if entry.number in numbers:
            problems.append(f"{where}: the number is used twice")
        numbers.add(entry.number)
        problem = entry_problem(entry)
        if problem is not None:
            problems.append(f"{where}: {_FILE_PROBLEMS[problem]}")
        twin = duplicate_of(entry, entries[:index])
        if twin is not None:
            problems.append(f"{where}: asks the same question as number {twin.number}")
    if problems:
        raise FaqFileError("\n".join(problems))
    return entries


_FILE_PROBLEMS = {
    "empty": "needs a question and its answer in at least one language",
    "half": "a question without its answer, or an answer without its question, in one language",
    "too_long": f"an answer is longer than {TEXT_LIMIT} characters",
    "question_too_long": f"a question is longer than {QUESTION_LIMIT} characters",
}


def _quoted(value: str) -> str:
    """A TOML basic string (json's escaping is valid TOML for these characters)."""
    return json.dumps(value, ensure_ascii=False)


def dump_faq_file(entries: Sequence[FaqEntry]) -> str:
    lines = [
        "# The office's question-and-answer entries (twinbot export-faq). Edit and load with",
        "# `twinbot import-faq FILE`: the file's entries replace the ones in the bot (audited).",
        "",
        "format = 1",
    ]
    for entry in entries:
        lines += ["", "[[entry]]", f"number = {entry.number}"]
        for field in ("question_ru", "answer_ru", "question_en", "answer_en"):
            value = getattr(entry, field)
            if value:
                lines.append(f"{field} = {_quoted(value)}")
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # what we write reads back
    return text
