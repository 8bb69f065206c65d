from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, section_keys

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid_and_documents_every_section() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.reminders.timezone == "Europe/Moscow"
    assert settings.reminders.lead_days == [7, 1, 0]
    assert settings.bot.default_language == "ru"
    text = EXAMPLE.read_text(encoding="utf-8")
    for section, keys in section_keys().items():
        assert f"[{section}]" in text
        for key in keys:
            assert f"\n{key} = " in text, f"config.example.toml does not document [{section}] {key}"


def test_example_config_says_where_plain_http_is_accepted() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    comment = text[: text.index("\nbase_url = ")].rsplit("token = ", 1)[1]
    assert "http://" in comment and "127.0.0.1" in comment and "localhost" in comment


def test_missing_default_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={})
    assert settings.token == ""
    assert settings.storage.database == Path("twinbot.sqlite3")


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_token_from_environment_wins(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:file"\n')
    assert load_settings(path, environ={}).token == "1:file"
    assert load_settings(path, environ={"TWINBOT_TOKEN": "2:env"}).token == "2:env"


def test_token_is_secret_in_repr(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "123:VERY-SECRET"\n')
    settings = load_settings(path, environ={})
    assert "VERY-SECRET" not in repr(settings)
    assert "VERY-SECRET" not in str(settings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[reminders]\ntimezone = 'Mars/Olympus'\n",
            "[reminders] timezone: unknown time zone 'Mars/Olympus'",
        ),
        ("[reminders]\nsend_time = '25:99'\n", "[reminders] send_time"),
        ("[reminders]\nsend_time = 'ten'\n", "[reminders] send_time: 'ten' is not a time of day"),
        ("[reminders]\nlead_days = [7, 7]\n", "[reminders] lead_days: must not repeat"),
        ("[reminders]\nlead_days = [-1]\n", "[reminders] lead_days"),
        ("[access]\nadmins = ['alice']\n", "[access] admins: expected an integer, got a string"),
        ("[access]\nstaff = [0]\n", "[access] staff: expected an integer >= 1"),
        ("[http]\nenabled = 1\n", "[http] enabled: expected a boolean, got an integer"),
        ("[telegram]\nstartup_retries = 21\n", "[telegram] startup_retries: expected an integer <= 20"),
        ("telegram = 5\n", "[telegram]: expected a table, got an integer"),
        ("[reminders]\nsend_time = true\n", "[reminders] send_time: expected a time of day"),
        (
            "[reminders]\nyear_only_day = '02-29'\n",
            "[reminders] year_only_day: '02-29' is not a day of every year",
        ),
        ("[access]\nadmin = [1]\n", "[access] admin: unknown key"),
        ("[telegram]\ntokn = 'x'\n", "[telegram] tokn: unknown key"),
        ("[telegram]\nbase_url = 'ftp://x'\n", "[telegram] base_url: must start with http"),
        ("[bot]\ndefault_language = 'de'\n", "[bot] default_language: 'de' is not one of the allowed values"),
        ("[storage]\ndatabase = 5\n", "[storage] database"),
        ("[storage]\ndatabase = ''\n", "[storage] database: must not be empty"),
        ("[extra]\nx = 1\n", "[extra]: unknown key"),
        ("[bot\n", "not valid TOML"),
    ],
)
def test_bad_values_give_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


def test_send_time_and_base_file_url(tmp_path: Path) -> None:
    path = write(
        tmp_path, "[reminders]\nsend_time = '09:30'\n[telegram]\nbase_url = 'http://127.0.0.1:8081/bot'\n"
    )
    settings = load_settings(path, environ={})
    assert (settings.reminders.send_time.hour, settings.reminders.send_time.minute) == (9, 30)
    assert settings.telegram.base_file_url == "http://127.0.0.1:8081/file/bot"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.telegram.org/bot",
        "https://bot-api.example.org:8443/bot",
        "http://127.0.0.1:8081/bot",
        "http://127.5.0.1/bot",
        "http://localhost:8081/bot",
        "http://LOCALHOST/bot",
        "http://[::1]:8081/bot",
    ],
)
def test_base_url_https_anywhere_or_plain_http_on_this_machine(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, f"[telegram]\nbase_url = '{url}'\n")
    assert load_settings(path, environ={}).telegram.base_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.telegram.org/bot",
        "http://10.0.0.5:8081/bot",
        "http://localhost.example.org/bot",
        "http://127.0.0.1.nip.io/bot",
    ],
)
def test_plain_http_to_another_host_is_refused(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, f"[telegram]\nbase_url = '{url}'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert message.startswith(
        f"{path}: [telegram] base_url: plain http:// would send the bot token unencrypted"
    )
    assert "use https://" in message and len(message.splitlines()) == 1


@pytest.mark.parametrize("url", ["https:///bot", "http://[::1/bot"])
def test_base_url_without_a_host_is_refused(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, f"[telegram]\nbase_url = '{url}'\n")
    with pytest.raises(ConfigError, match=r"\[telegram\] base_url: .* (no host name|not a URL)"):
        load_settings(path, environ={})


def test_polling_is_the_default_and_backups_are_on(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), environ={})
    assert settings.mode == "polling" and not settings.http.enabled
    assert settings.backup.enabled and settings.backup.directory == Path("backups")
    assert (settings.backup.daily, settings.backup.weekly, settings.backup.monthly) == (7, 4, 12)


def test_webhook_secret_from_environment_and_kept_secret(tmp_path: Path) -> None:
    path = write(tmp_path, '[webhook]\nenabled = true\npublic_url = "https://bot.example.org/telegram"\n')
    settings = load_settings(path, environ={"TWINBOT_WEBHOOK_SECRET": "s3cret-Value_1"})
    assert settings.mode == "webhook" and settings.webhook.secret == "s3cret-Value_1"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[webhook]\nenabled = true\nsecret_token = "abc"\n', "[webhook]: public_url must be set"),
        (
            '[webhook]\nenabled = true\npublic_url = "https://x.org/t"\n',
            "[webhook] secret_token: must be set",
        ),
        (
            '[webhook]\nenabled = true\npublic_url = "https://x.org/t"\nsecret_token = "a b"\n',
            "[webhook] secret_token: 1-256 characters",
        ),
        ('[webhook]\npublic_url = "http://bot.example.org/t"\n', "only to https://"),
        ('[webhook]\npath = "telegram"\n', "[webhook] path: 'telegram' must start with /"),
        ("[http]\nport = 70000\n", "[http] port:"),
        ('[http]\nlisten = "example.org"\n', "[http] listen: 'example.org' is not an IP address"),
        ('[backup]\ntime = "3h"\n', "[backup] time: '3h' is not a time of day"),
        ("[backup]\ndaily = 0\n", "[backup] daily:"),
        ("[backup]\nhourly = 3\n", "[backup] hourly: unknown key"),
    ],
)
def test_bad_production_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), environ={})
    assert message in str(caught.value)


def test_round_years_default_to_every_fifth_and_can_be_set() -> None:
    from bot.config import parse_settings

    default = parse_settings({}).reminders.round_years
    assert 55 in default and default == list(range(5, 101, 5))
    assert parse_settings({"reminders": {"round_years": [50, 100]}}).reminders.round_years == [50, 100]


def test_times_of_day_as_text_or_as_toml_times(tmp_path: Path) -> None:
    path = write(tmp_path, "[reminders]\nsend_time = 09:30:00\n[backup]\ntime = '4:05'\n")
    settings = load_settings(path, environ={})
    assert (settings.reminders.send_time.hour, settings.reminders.send_time.minute) == (9, 30)
    assert (settings.backup.time.hour, settings.backup.time.minute) == (4, 5)


def test_settings_are_frozen_and_normalised() -> None:
    from bot.config import parse_settings

    settings = parse_settings(
        {
            "reminders": {"lead_days": [1, 14, 3], "year_only_day": "3-1"},
            "http": {"public_url": " https://x.org/ "},
        }
    )
    assert settings.reminders.lead_days == [14, 3, 1]
    assert settings.reminders.year_only_month_day == (3, 1) and settings.reminders.year_only_day == "03-01"
    assert settings.http.public_url == "https://x.org"
    with pytest.raises(AttributeError):
        settings.reminders.staff_chat = 5  # type: ignore[misc]
