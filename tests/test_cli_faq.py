"""twinbot import-faq / export-faq: the office's FAQ as a TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n', encoding="utf-8")
    return path


FAQ = """format = 1

[[entry]]
number = 3
question_ru = "Как попасть в делегацию?"
answer_ru = "Напишите в отдел <международных> связей."
question_en = "How can I join a delegation?"
answer_en = "Write to the office."
"""


def test_import_then_ask_then_export_round_trip(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "faq.toml"
    source.write_text(FAQ, encoding="utf-8")
    assert main(["import-faq", "--config", str(config), str(source)]) == 0
    assert "Ответов FAQ загружено: 1" in capsys.readouterr().out
    assert main(["ask", "--config", str(config), "как попасть в делегацию"]) == 0
    assert "Напишите в отдел <международных> связей." in capsys.readouterr().out
    exported = tmp_path / "out.toml"
    assert main(["export-faq", "--config", str(config), str(exported)]) == 0
    text = exported.read_text(encoding="utf-8")
    assert "number = 3" in text and "Write to the office." in text


def test_a_bad_file_is_named_and_nothing_is_written(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.toml"
    good.write_text(FAQ, encoding="utf-8")
    assert main(["import-faq", "--config", str(config), str(good)]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.toml"
    bad.write_text('format = 1\n[[entry]]\nnumber = 1\nquestion_en = "Half?"\n', encoding="utf-8")
    assert main(["import-faq", "--config", str(config), str(bad)]) == 2
    assert "bad.toml: entry[0] (number 1)" in capsys.readouterr().err
    exported = tmp_path / "out.toml"
    assert main(["export-faq", "--config", str(config), str(exported)]) == 0
    assert "Как попасть в делегацию?" in exported.read_text(encoding="utf-8")  # the old FAQ is intact
    assert main(["import-faq", "--config", str(config), str(tmp_path / "missing.toml")]) == 2
