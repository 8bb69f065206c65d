"""A visit's participants and files -> Telegram HTML for staff: the lines of the card, the full list
(/participants N), the file list (/files N). Register data: shown only where the register may be."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bot.core.model import Language
from bot.core.visits import Visit
from bot.core.visits.files import VisitFile
from bot.core.visits.people import Participant, head_of
from bot.core.visits.places import OtherPlace
from bot.locale import Markup
from bot.replies.reply import fit, shorten

if TYPE_CHECKING:
    from bot.replies.visits import VisitReplies

CARD_NAMES = 8  # participants named on the card; /participants N shows them all
CARD_NAME_CHARS = 40
CARD_FILES = 10  # files listed on the card; /files N sends them all


def place_text(view: VisitReplies, lang: Language, place: OtherPlace | None) -> str:
    """ "другое: Таллин (Эстония)" — a place that is not a partner, with its country when known."""
    if place is None:
        return view.t(lang, "details.other")
    if not place.country:
        return view.t(lang, "details.other_place", name=place.name)
    country = view.replies.country(lang, place.country)
    return view.t(lang, "details.other_place_country", name=place.name, country=country)


def size_text(view: VisitReplies, lang: Language, size: int | None) -> Markup:
    """ " · 340 KB", " · 1.2 MB" (decimal comma in Russian); nothing when Telegram gave no size."""
    if size is None:
        return Markup("")
    if size < 1024 * 1024:
        return view.t(lang, "details.size_kb", value=max(1, round(size / 1024)))
    value = f"{size / (1024 * 1024):.1f}"
    return view.t(lang, "details.size_mb", value=value.replace(".", ",") if lang == "ru" else value)


def person(view: VisitReplies, lang: Language, number: int, participant: Participant) -> Markup:
    key = "details.participant_line_role" if participant.role else "details.participant_line"
    line = view.t(lang, key, number=number, name=participant.name, role=participant.role)
    return Markup(line + view.t(lang, "details.head_mark")) if participant.head else line


def card_lines(view: VisitReplies, lang: Language, visit: Visit) -> list[str]:
    lines: list[str] = []
    head = head_of(visit.participants)
    if head is not None:
        lines.append(view.t(lang, "details.card_head", value=head.line()))
    if visit.participants:
        shown = [shorten(p.name, CARD_NAME_CHARS) for p in visit.participants[:CARD_NAMES]]
        names = ", ".join(shown)
        more = len(visit.participants) - len(shown)
        if more:
            names = view.t(lang, "details.card_participants_more", names=names, more=more)
        lines.append(view.t(lang, "details.card_participants", count=len(visit.participants), names=names))
    if visit.files:
        lines.append(view.t(lang, "details.card_files", count=len(visit.files)))
        shown_files = enumerate(visit.files[:CARD_FILES], 1)
        lines.extend(file_line(view, lang, number, item) for number, item in shown_files)
        if len(visit.files) > CARD_FILES:
            lines.append(
                view.t(lang, "details.card_files_more", more=len(visit.files) - CARD_FILES, id=visit.id)
            )
    return lines


def file_line(view: VisitReplies, lang: Language, number: int, item: VisitFile) -> Markup:
    return view.t(
        lang,
        "details.card_file",
        number=number,
        name=shorten(item.name, 80),
        size=size_text(view, lang, item.size),
    )


def audit_text(value: object) -> str:
    """A participant list as the history shows it: how many, and the first names (the head marked)."""
    if not isinstance(value, list):
        return str(value)
    people = [p for p in (Participant.from_json(item) for item in value) if p is not None]
    if not people:
        return ""
    names = ", ".join(p.name + ("*" if p.head else "") for p in people[:CARD_NAMES])
    return f"{len(people)}: {names}" + (" …" if len(people) > CARD_NAMES else "")


def participant_pages(view: VisitReplies, lang: Language, visit: Visit) -> list[str]:
    """The whole list, in as many messages as it needs (200 names with roles are more than one)."""
    if not visit.participants:
        return [view.t(lang, "details.participants_empty", id=visit.id)]
    header = view.t(lang, "details.participants_header", id=visit.id, count=len(visit.participants))
    lines: Iterator[str] = (
        person(view, lang, number, participant) for number, participant in enumerate(visit.participants, 1)
    )
    pages: list[str] = []
    pending: list[str] = [header]
    size = len(header)
    for line in lines:
        if size + len(line) + 1 > 3800:  # well inside 4096 after HTML parsing
            pages.append(fit(pending))
            pending, size = [], 0
        pending.append(line)
        size += len(line) + 1
    pages.append(fit(pending))
    return pages
