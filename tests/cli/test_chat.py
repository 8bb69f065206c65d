"""`twinbot ask` and `twinbot towns`: the answers the bot would send, as plain text."""

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n', encoding="utf-8")
    return path


def test_ask_prints_the_answer_and_its_buttons(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--config", str(config), "погода в Нарве"]) == 0
    out = capsys.readouterr().out
    assert "погод" in out and "<" not in out
    assert "[🇪🇪 Нарва]" in out  # the answer refers to the card button, so it is shown


def test_towns_lists_the_partners(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["towns", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "(9 городов)" in out and "Нарвик" in out and "<b>" not in out


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[reminders]\ntimezone = 'Mars/Olympus'\n", encoding="utf-8")
    assert main(["towns", "--config", str(bad)]) == 2
    assert "[reminders] timezone: unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
