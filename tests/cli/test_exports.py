"""`twinbot export csv|xlsx PATH`: the same files /export sends, written to a path."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.core.visits import DelegationType, Direction


def test_cli_export_writes_the_register(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main
    from bot.config import load_settings
    from bot.core.visits import VisitDraft
    from bot.runtime import open_runtime

    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n[bot]\ndefault_language = "en"\n')

    async def seed() -> None:
        runtime = await open_runtime(load_settings(config))
        try:
            for key, (town, start) in enumerate(
                [("narva", date(2025, 6, 5)), ("raisio", date(2025, 8, 1)), ("narva", date(2024, 1, 2))]
            ):
                draft = VisitDraft(town, Direction.INCOMING, start, None, DelegationType.SPORTS, 3, "match")
                await runtime.visits.record(draft, 900, f"cli-{key}")
        finally:
            await runtime.close()

    asyncio.run(seed())
    target = tmp_path / "out" / "visits-2025.xlsx"
    assert main(["export", "xlsx", str(target), "--year", "2025", "--config", str(config)]) == 0
    assert "2 visits written" in capsys.readouterr().out
    sheet = load_workbook(target).active
    assert sheet is not None and sheet.max_row == 3 and sheet["B1"].value == "Town"

    csv_path = tmp_path / "narva.csv"
    assert (
        main(["export", "csv", str(csv_path), "--town", "Нарва", "--lang", "ru", "--config", str(config)])
        == 0
    )
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["Нарва", "Нарва"] and rows[0][1] == "Город"

    empty = tmp_path / "none.csv"
    assert main(["export", "csv", str(empty), "--year", "1999", "--config", str(config)]) == 1
    assert not empty.exists() and "nothing written" in capsys.readouterr().err
    assert main(["export", "csv", str(empty), "--town", "Atlantis", "--config", str(config)]) == 2
    assert main(["export", "csv", str(empty), "--year", "1800", "--config", str(config)]) == 2
    assert not empty.exists()
