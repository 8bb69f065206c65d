"""The deployment files: the systemd unit and the Dockerfile say what README promises."""

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "twinbot.service"
DOCKERFILE = ROOT / "Dockerfile"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT, encoding="utf-8")
    return parser


def test_the_unit_restarts_runs_as_its_own_user_and_reads_the_secrets_from_a_file() -> None:
    service = unit()["Service"]
    assert service["Restart"] == "always"
    assert service["User"] == "twinbot" and service["User"] != "root"
    assert service["EnvironmentFile"].startswith("/etc/twinbot/")
    assert "twinbot run --config" in service["ExecStart"] and "--log-format json" in service["ExecStart"]
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 10
    assert "TWINBOT_TOKEN" not in UNIT.read_text().split("[Service]")[1].split("EnvironmentFile")[0]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    # the unit as installed, with ExecStart pointing at this checkout's twinbot (verify wants it to exist)
    twinbot = Path(sys.executable).parent / "twinbot"
    copy = tmp_path / "twinbot.service"
    copy.write_text(
        UNIT.read_text().replace("/opt/twinbot/.venv/bin/twinbot", str(twinbot)), encoding="utf-8"
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )
    problems = [line for line in result.stderr.splitlines() if "twinbot.service" in line]
    assert result.returncode == 0 and not problems, result.stderr


def test_the_dockerfile_runs_slim_as_a_user_with_a_healthcheck_and_a_volume() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.\d+-slim$", text, re.MULTILINE)
    assert re.search(r"^USER twinbot$", text, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", text, re.MULTILINE)
    assert 'VOLUME ["/data"]' in text and "STOPSIGNAL SIGTERM" in text


def test_the_dockerfiles_built_in_config_is_valid_and_keeps_the_data_on_the_volume(tmp_path: Path) -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    block = text[text.index("RUN printf") : text.index("> /etc/twinbot/config.toml")]
    lines = re.findall(r"'([^']*)'", block)[1:]  # the first quoted string is printf's format
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(config, environ={})
    assert settings.storage.database == Path("/data/twinbot.sqlite3")
    assert settings.backup.directory == Path("/data/backups")
    assert settings.http.enabled and settings.http.port == 8081
