"""The idle bot stays light: the heavy libraries are imported where they are first needed, not at start.

Each check runs in a fresh interpreter (this test process has imported everything long ago) and lists
what `sys.modules` holds after the start-up in question. Issue 13: idle RSS <= 55 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# charts, workbooks, PDFs, .ics, the public pages and the web server: none of them at start
NOT_AT_START = (
    "matplotlib",
    "numpy",
    "openpyxl",
    "reportlab",
    "pypdf",
    "icalendar",
    "jinja2",
    "starlette",
    "uvicorn",
    # /metrics' writer: the values are plain dicts until a scrape (bot/metrics.py)
    "prometheus_client",
    # the fuzzy matcher: loaded at the first typo, not to build the question engine
    "rapidfuzz",
    # snowballstemmer's 30 pure-Python stemmers: PyStemmer's C ones are used instead
    "snowballstemmer.russian_stemmer",
)


def last_json_line(script: str, tmp_path: Path) -> object:
    """Run `script` in a fresh interpreter (nothing imported yet) and read the JSON of its last line."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def loaded_after(script: str, tmp_path: Path) -> set[str]:
    epilogue = "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    modules = last_json_line(textwrap.dedent(script) + epilogue, tmp_path)
    assert isinstance(modules, list)
    return set(modules)


def heavy(modules: set[str]) -> list[str]:
    return sorted(name for name in NOT_AT_START if name in modules)


def test_importing_the_service_and_the_application_loads_nothing_heavy(tmp_path: Path) -> None:
    modules = loaded_after("import bot.service, bot.app, bot.cli", tmp_path)
    assert "telegram.ext" in modules  # the check sees what was imported
    assert heavy(modules) == []


def test_a_started_application_loads_nothing_heavy(tmp_path: Path) -> None:
    """build_application, initialize and post_init (the runtime, the question engine, the menu, every
    job scheduled), then one resident's question answered: still none of the heavy libraries."""
    script = f"""
    import asyncio
    from bot.app import build_application, settle
    from bot.config import parse_settings
    from bot.console import ConsoleRequest
    from telegram import Update

    async def main():
        settings = parse_settings({{"storage": {{"database": {str(tmp_path / "bot.sqlite3")!r}}}}})
        request = ConsoleRequest()
        app = build_application(settings, request=request)
        await app.initialize()
        await app.post_init(app)
        chat = {{"id": 5, "type": "private", "first_name": "A"}}
        user = {{"id": 5, "is_bot": False, "first_name": "A", "language_code": "ru"}}
        message = {{"message_id": 1, "date": 0, "chat": chat, "from": user, "text": "Нарва"}}
        await app.process_update(Update.de_json({{"update_id": 1, "message": message}}, app.bot))
        await settle(app)
        assert request.outbox, "the question was not answered"
        await app.shutdown()
        await app.post_shutdown(app)

    asyncio.run(main())
    """
    assert heavy(loaded_after(script, tmp_path)) == []


# the data files' schemas (pydantic models, bot/core/schemas.py): built when a file is validated (the
# first start, which loads the shipped towns; an import; a shipped file edited since the tests checked
# it), never by a start that finds the towns in the database. pydantic itself is then not loaded at all:
# the config is read with msgspec (bot/config.py)
SCHEMAS = "bot.core.schemas"


def test_a_restart_and_twinbot_ask_build_no_data_file_schema(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n', encoding="utf-8")
    ask = f"""
    import contextlib, io
    from bot.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["ask", "--config", {str(config)!r}, "когда День города в Нарве?"]) == 0
    """
    assert SCHEMAS in loaded_after(ask, tmp_path)  # the first start: the towns file, validated
    again = loaded_after(ask, tmp_path)
    assert SCHEMAS not in again and "pydantic" not in again
    restart = f"""
    import asyncio
    from bot.app import build_application
    from bot.config import load_settings
    from bot.console import ConsoleRequest
    from pathlib import Path

    async def main():
        app = build_application(load_settings(Path({str(config)!r})), request=ConsoleRequest())
        await app.initialize()
        await app.post_init(app)
        await app.shutdown()
        await app.post_shutdown(app)

    asyncio.run(main())
    """
    modules = loaded_after(restart, tmp_path)
    assert SCHEMAS not in modules and "pydantic" not in modules
    assert "msgspec" in modules  # the check sees what was imported


def test_twinbot_ask_of_a_town_name_loads_nothing_heavy(tmp_path: Path) -> None:
    """A town named exactly needs no fuzzy scan (a longer question, whose other words are checked
    for typos, loads rapidfuzz then: that is where it is needed)."""
    question = "Нарва"
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n', encoding="utf-8")
    script = f"""
    import contextlib, io
    from bot.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["ask", "--config", {str(config)!r}, {question!r}]) == 0
    """
    assert heavy(loaded_after(script, tmp_path)) == []
