"""`twinbot report YEAR PATH`: the annual report /report sends, written to files in one language."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from openpyxl import load_workbook

from bot.core.visits import DelegationType, Direction

MOSCOW = ZoneInfo("Europe/Moscow")


def _seed(tmp_path: Path, lang: str = "ru") -> Path:
    from bot.config import load_settings
    from bot.core.visits import VisitDraft
    from bot.runtime import open_runtime

    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n[bot]\ndefault_language = "{lang}"\n'
    )

    async def seed() -> None:
        runtime = await open_runtime(load_settings(config))
        try:
            visits = [
                ("narva", date(2025, 6, 5), 10),
                ("raisio", date(2025, 8, 1), 4),
                ("narva", date(2024, 1, 2), 2),
                ("narvik", date(2026, 12, 1), 6),
            ]
            for key, (town, start, people) in enumerate(visits):
                draft = VisitDraft(
                    town, Direction.INCOMING, start, None, DelegationType.SPORTS, people, "match"
                )
                await runtime.visits.record(draft, 900, f"cli-report-{key}")
        finally:
            await runtime.close()

    asyncio.run(seed())
    return config


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=MOSCOW), tick=False)
def test_report_writes_both_files_into_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    config = _seed(tmp_path)
    folder = tmp_path / "out"
    assert main(["report", "2025", str(folder), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Отчёт за 2025 год: состоялось визитов — 2, участников — 14; запланировано — 0." in out
    assert str(folder / "report-2025.pdf") in out
    workbook = load_workbook(folder / "report-2025.xlsx")
    assert workbook.sheetnames[0] == "Итоги"
    reader = pypdf.PdfReader(folder / "report-2025.pdf")
    assert "отчёт за 2025 год" in reader.pages[0].extract_text()
    assert sorted(path.name for path in folder.iterdir()) == ["report-2025.pdf", "report-2025.xlsx"]

    single = tmp_path / "report.pdf"
    assert main(["report", "2025", str(single), "--lang", "en", "--config", str(config)]) == 0
    assert "Report 2025: 2 visits held, 14 participants; 0 planned." in capsys.readouterr().out
    assert "annual report 2025" in pypdf.PdfReader(single).pages[0].extract_text()


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=MOSCOW), tick=False)
def test_report_refuses_empty_and_future_years_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = _seed(tmp_path)
    folder = tmp_path / "none"
    assert main(["report", "2019", str(folder), "--config", str(config)]) == 1
    assert "За 2019 год в реестре нет визитов" in capsys.readouterr().err
    assert main(["report", "2027", str(folder), "--lang", "en", "--config", str(config)]) == 1
    assert "2027 has not begun yet" in capsys.readouterr().err
    assert main(["report", "1800", str(folder), "--config", str(config)]) == 2
    assert not folder.exists()
