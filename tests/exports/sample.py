"""A small register shared by the export tests: four visits (one deleted, one planned, one hostile)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.core.directory import TownDirectory
from bot.core.model import Language
from bot.core.townfile import shipped_towns
from bot.core.visits import DelegationType, Direction, Visit
from bot.exports.register import ExportRow, export_rows

TODAY = date(2026, 11, 26)
ZONE = ZoneInfo("Europe/Moscow")
DIRECTORY = TownDirectory(shipped_towns())


def visit(number: int, **fields: object) -> Visit:
    values: dict[str, object] = {
        "id": number,
        "town_key": "narva",
        "direction": Direction.INCOMING,
        "start": date(2025, 6, 5),
        "end": date(2025, 6, 7),
        "kind": DelegationType.CULTURAL,
        "people": 12,
        "purpose": "Town Day concert",
        "notes": "met at the station",
        "created_by": 900,
        "created_at": "2025-06-01T09:30:00Z",
        "updated_at": "2025-06-01T09:30:00Z",
    }
    values.update(fields)
    return Visit(**values)  # type: ignore[arg-type]


VISITS = [
    visit(1),
    visit(
        2,
        town_key="narvik",
        direction=Direction.OUTGOING,
        start=date(2027, 3, 1),
        end=None,
        kind=DelegationType.OFFICIAL,
        people=None,
        purpose='=HYPERLINK("http://evil")',
        notes="+1 call -2 @admin",
        created_by=77,
    ),
    visit(3, start=date(2024, 1, 10), end=None, purpose="Школьный обмен, «Нарва»; 5 дней", notes=""),
    visit(4, deleted=True, purpose="gone"),
]


def rows(lang: Language = "ru") -> list[ExportRow]:
    return export_rows(
        VISITS,
        directory=DIRECTORY,
        lang=lang,
        today=TODAY,
        zone=ZONE,
        names={77: "Ольга"},
    )
