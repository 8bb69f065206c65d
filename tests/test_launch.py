"""The process entry point imports the bot with the cyclic collector paused, then freezes what it made."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_weight import ROOT, last_json_line


def test_the_collector_runs_again_after_the_import_and_skips_what_it_made(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "bot.sqlite3"}"\n', encoding="utf-8")
    script = f"""
    import contextlib, gc, io, json, sys
    from bot.launch import main
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["ask", "--config", {str(config)!r}, "Нарва"])
    print(json.dumps({{"code": code, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                      "answer": out.getvalue(), "click": "click" in sys.modules}}))
    """
    found = last_json_line(script, tmp_path)
    assert isinstance(found, dict)
    assert found["code"] == 0 and "Нарва" in found["answer"]
    assert found["enabled"] is True
    # the import's objects (tens of thousands: PTB, httpx, bot/) are in the permanent generation
    assert found["frozen"] > 20_000
    # httpx's command-line tool (and click with it) stays out, whether click is installed or not
    assert found["click"] is False


def test_python_dash_m_bot_goes_through_the_same_entry_point() -> None:
    assert (
        (ROOT / "bot" / "__main__.py").read_text(encoding="utf-8").startswith("from bot.launch import main")
    )
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'twinbot = "bot.launch:main"' in pyproject
