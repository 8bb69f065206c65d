"""Settings: one TOML file read with tomllib into one validated model per section.

Every problem is reported as a single line that names the key, e.g.
``config.toml: [reminders] timezone: unknown time zone 'Mars/Olympus'``.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

DEFAULT_CONFIG_PATH = Path("config.toml")
TOKEN_ENV = "TWINBOT_TOKEN"


class ConfigError(Exception):
    """A configuration problem, already phrased for the person starting the bot."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TelegramSettings(_Section):
    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        try:
            host = urlsplit(value).hostname or ""
        except ValueError:
            raise ValueError(f"{value!r} is not a URL") from None
        if not host:
            raise ValueError(f"{value!r} has no host name")
        if value.startswith("http://") and not _loopback(host):
            # every request URL carries the token: in clear text, anyone on the way could take the bot over
            raise ValueError(
                f"plain http:// would send the bot token unencrypted to {host}; use https:// "
                "(http:// is allowed only for a local Bot API server on 127.0.0.1, ::1 or localhost)"
            )
        return value

    @property
    def base_file_url(self) -> str:
        # https://api.telegram.org/bot -> https://api.telegram.org/file/bot
        root, _, tail = self.base_url.rstrip("/").rpartition("/")
        return f"{root}/file/{tail}"


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class StorageSettings(_Section):
    database: Path = Path("twinbot.sqlite3")

    @field_validator("database", mode="before")
    @classmethod
    def _path(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("must not be empty")
            return Path(value)
        return value


UserId = Annotated[int, Field(gt=0)]


class AccessSettings(_Section):
    admins: list[UserId] = []
    staff: list[UserId] = []


class RemindersSettings(_Section):
    timezone: str = "Europe/Moscow"
    send_time: time = time(10, 0)
    lead_days: list[Annotated[int, Field(ge=0, le=365)]] = [7, 1, 0]
    staff_chat: int = 0
    # round anniversaries (5, 10, ... 100 years) are also announced this many days ahead
    round_lead_days: Annotated[int, Field(ge=0, le=365)] = 30
    # MM-DD: the day on which an anniversary known only to its year is announced ("this year marks ...")
    year_only_day: str = "01-15"
    # a pass missed while the bot was down is still sent (marked delayed) up to this long after send_time
    catch_up_hours: Annotated[int, Field(ge=0, le=24 * 14)] = 24

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Europe/Moscow)"
            ) from None
        return value

    @field_validator("send_time", mode="before")
    @classmethod
    def _time(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                hours, minutes = value.split(":")
                return time(int(hours), int(minutes))
            except ValueError:
                raise ValueError(f"{value!r} is not a time of day in HH:MM form") from None
        return value

    @field_validator("lead_days")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("must not repeat a day")
        return sorted(value, reverse=True)

    @field_validator("year_only_day")
    @classmethod
    def _month_day(cls, value: str) -> str:
        try:
            month, day = (int(part) for part in value.split("-"))
            date(2001, month, day)  # a common year: 02-29 would be missing three years in four
        except ValueError:
            raise ValueError(f'{value!r} is not a day of every year in MM-DD form, e.g. "01-15"') from None
        return f"{month:02d}-{day:02d}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def year_only_month_day(self) -> tuple[int, int]:
        month, day = self.year_only_day.split("-")
        return int(month), int(day)


class BotSettings(_Section):
    default_language: Literal["ru", "en"] = "ru"


class Settings(_Section):
    telegram: TelegramSettings = TelegramSettings()
    storage: StorageSettings = StorageSettings()
    access: AccessSettings = AccessSettings()
    reminders: RemindersSettings = RemindersSettings()
    bot: BotSettings = BotSettings()

    @property
    def token(self) -> str:
        return self.telegram.token.get_secret_value().strip()


def _describe(error: dict[str, object]) -> str:
    raw_location = error.get("loc", ())
    parts = raw_location if isinstance(raw_location, tuple) else ()
    location = [str(part) for part in parts if not isinstance(part, int)]
    if not location:
        where = "(file)"
    elif len(location) > 1:
        where = f"[{location[0]}] {'.'.join(location[1:])}"
    else:
        where = f"[{location[0]}]"
    kind = str(error.get("type", ""))
    if kind == "extra_forbidden":
        return f"{where}: unknown key"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {message}"


def parse_settings(data: dict[str, object], source: str = "config") -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: {_describe(dict(err))}" for err in exc.errors()]
        raise ConfigError("\n".join(lines)) from None


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read the TOML file (the default path may be absent: then defaults apply) and the token variable."""
    env = os.environ if environ is None else environ
    explicit = path is not None
    path = path or DEFAULT_CONFIG_PATH
    data: dict[str, object] = {}
    if path.exists():
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    elif explicit:
        raise ConfigError(f"{path}: no such file (copy config.example.toml to start)")
    settings = parse_settings(data, source=str(path))
    token = env.get(TOKEN_ENV, "").strip()
    if token:
        telegram = settings.telegram.model_copy(update={"token": SecretStr(token)})
        settings = settings.model_copy(update={"telegram": telegram})
    return settings
