"""The command line speaks one language (--lang, else [bot] default_language), with terminal hints."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar as ICalendar

from bot.core.visits import DelegationType, Direction
from bot.locale import catalogue
from bot.replies.reply import plain_text
from bot.terminal import CHAT_HINTS, for_terminal

MOSCOW = ZoneInfo("Europe/Moscow")


def _config(tmp_path: Path, lang: str = "ru") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n[bot]\ndefault_language = "{lang}"\n'
    )
    return config


def _seed(config: Path) -> None:
    from bot.config import load_settings
    from bot.core.visits import VisitDraft
    from bot.runtime import open_runtime

    async def seed() -> None:
        runtime = await open_runtime(load_settings(config))
        try:
            for key, start in enumerate((date(2025, 6, 5), date(2026, 12, 20))):
                draft = VisitDraft(
                    "narva", Direction.INCOMING, start, None, DelegationType.SPORTS, 3, "match"
                )
                await runtime.visits.record(draft, 900, f"lang-{key}")
        finally:
            await runtime.close()

    asyncio.run(seed())


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=MOSCOW), tick=False)
def test_a_russian_run_ends_in_russian_and_lang_switches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = _config(tmp_path)
    _seed(config)
    assert main(["export", "csv", str(tmp_path / "v.csv"), "--config", str(config)]) == 0
    assert "Записано визитов: 2" in capsys.readouterr().out
    assert main(["export", "csv", str(tmp_path / "v.csv"), "--lang", "en", "--config", str(config)]) == 0
    assert "2 visits written" in capsys.readouterr().out
    assert main(["export", "csv", str(tmp_path / "x.csv"), "--year", "1999", "--config", str(config)]) == 1
    assert "Таких визитов нет — файл не записан." in capsys.readouterr().err
    assert (
        main(["export", "csv", str(tmp_path / "x.csv"), "--town", "Atlantis", "--config", str(config)]) == 2
    )
    assert "--town «Atlantis» — такого города нет" in capsys.readouterr().err
    assert main(["upcoming", "--days", "0", "--config", str(config)]) == 2
    assert "--days: от 1 до 3660." in capsys.readouterr().err
    assert main(["towns", "--lang", "en", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Partner towns" in out or "partner towns" in out
    assert "a button below" not in out and 'twinbot ask "Narva"' in out


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=MOSCOW), tick=False)
def test_chat_hints_become_terminal_hints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    config = _config(tmp_path)
    assert main(["towns", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "кнопка ниже" not in out and "twinbot ask «Нарва»" in out
    assert main(["upcoming", "--days", "400", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "файл календаря: /calendar" not in out and "twinbot export ics ФАЙЛ" in out
    # every listed hint exists in both languages and is replaced whole
    texts = catalogue()
    for lang in ("ru", "en"):
        for key in CHAT_HINTS:
            hint = plain_text(texts.text(lang, key))
            assert hint and hint not in for_terminal(lang, f"before\n{hint}\nafter")  # type: ignore[arg-type]


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=MOSCOW), tick=False)
def test_export_ics_leaves_out_planned_visits_unless_staff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = _config(tmp_path)
    _seed(config)
    public, staff = tmp_path / "public.ics", tmp_path / "staff.ics"
    assert main(["export", "ics", str(public), "--config", str(config)]) == 0
    assert "--staff" in capsys.readouterr().out
    assert main(["export", "ics", str(staff), "--staff", "--config", str(config)]) == 0

    def uids(path: Path) -> set[str]:
        return {str(event["UID"]) for event in ICalendar.from_ical(path.read_bytes()).walk("VEVENT")}

    visits = {uid for uid in uids(staff) if uid.startswith("visit")}
    assert visits and not {uid for uid in uids(public) if uid.startswith("visit")}
    assert uids(public) == uids(staff) - visits


# English phrases the one-shot commands printed in a Russian run before issue 14 item 7
ENGLISH_SUMMARIES = (
    "added:",
    "updated:",
    "unchanged:",
    "backup written",
    "restored ",
    "previous database",
    "pass 20",
    "reminder(s)",
    "recipient(s)",
    "already handled",
    "-> chat",
    "has not run",
    "integrity ok",
    "FAQ entries",
)


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=MOSCOW), tick=False)
def test_every_one_shot_command_speaks_the_run_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """import-towns, backup, restore, status, remind, digest: Russian by default, English with --lang en,
    and --lang counts before the command's name as after it."""
    from bot.cli import main

    config = _config(tmp_path)
    _seed(config)
    towns = tmp_path / "towns.toml"
    towns.write_text(
        (Path(__file__).resolve().parents[1] / "bot/data/towns.toml")
        .read_text(encoding="utf-8")
        .replace("population = 53955", "population = 54000"),
        encoding="utf-8",
    )
    copy = tmp_path / "copy.sqlite3"

    def run(*argv: str) -> str:
        main(list(argv))
        captured = capsys.readouterr()
        return captured.out + captured.err

    russian = "\n".join(
        [
            run("import-towns", str(towns), "--config", str(config)),
            run("backup", str(copy), "--config", str(config)),
            run("restore", str(copy), "--config", str(config)),
            run("status", "--config", str(config)),
            run("remind", "--dry-run", "--config", str(config)),
            run("digest", "--dry-run", "--config", str(config)),
            run("export-faq", str(tmp_path / "faq.toml"), "--config", str(config)),
        ]
    )
    for line in (
        "Добавлено городов: 0",
        "Обновлено: 1 (narva)",
        "Без изменений: 9",
        "Резервная копия записана: ",
        "(целостность: в порядке, схема ",
        "Прежняя база сохранена как ",
        "Восстановлено из ",
        "Состояние бота",
        "⚠️ Опаздывает: проход напоминаний за 2026-11-26 должен был пройти в 10:00 и не прошёл",
        "Проход напоминаний за 2026-11-26 [пробный]: положено ",
        "Сводка за ноябрь 2026 (пробная): получателей 0",
        "Ответов FAQ записано: 0 — ",
    ):
        assert line in russian, line
    for phrase in ENGLISH_SUMMARIES:
        assert phrase not in russian, phrase

    english = "\n".join(
        [
            run("--lang", "en", "import-towns", str(towns), "--config", str(config)),
            run("--lang", "en", "backup", str(copy.with_name("copy2.sqlite3")), "--config", str(config)),
            run("--lang", "en", "--config", str(config), "status"),
            run("remind", "--dry-run", "--lang", "en", "--config", str(config)),
        ]
    )
    for line in (
        "Towns added: 0",
        "Unchanged: 10",
        "Backup written to ",
        "(integrity ok, schema ",
        "Bot status",
        "⚠️ Overdue: the reminder pass of 2026-11-26 was due at 10:00 and has not run",
        "Reminder pass of 2026-11-26 [dry run]: ",
    ):
        assert line in english, line
    assert "Состояние" not in english and "Проход" not in english
