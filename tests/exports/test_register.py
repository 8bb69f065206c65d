"""The register as rows: order, labels, stamps and file names (bot/exports/register.py)."""

from __future__ import annotations

from datetime import datetime

from bot.exports.register import export_filename, naive_local
from tests.exports.sample import ZONE, rows


def test_rows_are_in_date_order_without_deleted_visits() -> None:
    register = rows("ru")
    assert [row.number for row in register] == [3, 1, 2]
    narvik = register[2]
    assert narvik.town == "Нарвик" and narvik.country == "Норвегия"
    assert narvik.direction == "Поездка из Кингисеппа" and narvik.kind == "Официальная"
    assert narvik.status == "Запланирован" and register[1].status == "Состоялся"
    assert narvik.recorded_by == "Ольга (77)" and register[1].recorded_by == "900"
    assert register[1].recorded_at == datetime(2025, 6, 1, 12, 30)  # UTC+3
    english = rows("en")
    assert english[2].town == "Narvik" and english[2].direction == "From Kingisepp"
    assert english[2].status == "Planned"


def test_stamps_and_filenames() -> None:
    assert naive_local("2025-06-01 09:30:00", ZONE) == datetime(2025, 6, 1, 12, 30)
    assert naive_local("2025-06-01T09:30:00.123Z", None) == datetime(2025, 6, 1, 9, 30)
    assert naive_local("garbage", ZONE) is None and naive_local("", ZONE) is None
    assert export_filename("xlsx", year=2025) == "visits-2025.xlsx"
    assert export_filename("csv") == "visits.csv"
    assert export_filename("csv", year=2024, town_key="narva_joesuu") == "visits-narva-joesuu-2024.csv"
