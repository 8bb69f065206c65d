"""Settings: one TOML file read with tomllib into one validated model per section.

Every problem is reported as a single line that names the key, e.g.
``config.toml: [reminders] timezone: unknown time zone 'Mars/Olympus'``.

pydantic is the one part of a start's weight kept on purpose (the design's choice of validator): with
this module it is ~9.5 MB of the idle bot (pydantic_core's library 4 MB, its Python side and these
models) and ~50 ms of every `twinbot` command. The data files no longer need it at start
(bot/core/datafile.py), so a plain reader here would take it out of the process entirely.
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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_CONFIG_PATH = Path("config.toml")
TOKEN_ENV = "TWINBOT_TOKEN"
WEBHOOK_SECRET_ENV = "TWINBOT_WEBHOOK_SECRET"


class ConfigError(Exception):
    """A configuration problem, already phrased for the person starting the bot."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TelegramSettings(_Section):
    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    # start-up requests (getMe, deleteWebhook/setWebhook) tried again this many times, waiting 1, 2, 4 ... s
    startup_retries: int = Field(default=5, ge=0, le=20)

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


def _time_of_day(value: object) -> object:
    if isinstance(value, str):
        try:
            hours, minutes = value.split(":")
            return time(int(hours), int(minutes))
        except ValueError:
            raise ValueError(f"{value!r} is not a time of day in HH:MM form") from None
    return value


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
    # the anniversaries marked round everywhere (cards, /upcoming, reminders, .ics): every fifth year
    round_years: list[Annotated[int, Field(ge=1, le=1000)]] = list(range(5, 101, 5))
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
        return _time_of_day(value)

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


# /unanswered looks back this many days: a shorter retention would empty it
UNANSWERED_WINDOW_DAYS = 30


class KnowledgeSettings(_Section):
    # residents' logged questions (answered or not, with their marks) are deleted after this many days,
    # daily and at every start: their texts are kept only as long as the office needs them
    keep_unanswered_days: Annotated[int, Field(ge=UNANSWERED_WINDOW_DAYS, le=3650)] = 180


TimeOfDay = time
Port = Annotated[int, Field(ge=1, le=65535)]


def _listen_address(value: str) -> str:
    if value.lower() != "localhost":
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)") from None
    return value


class HttpSettings(_Section):
    """Health and metrics in polling mode (in webhook mode the webhook's server serves them)."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: Port = 8081
    # when set, /metrics wants "Authorization: Bearer <this>"
    metrics_token: SecretStr = SecretStr("")
    # the public pages (/, /town/SLUG, /upcoming, /calendar.ics) on this server (or the webhook's)
    public: bool = False
    # where the public pages are reached from outside (https://...), for the webcal:// link in /calendar
    public_url: str = ""

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        return _listen_address(value)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and (not value.startswith(("https://", "http://")) or not urlsplit(value).hostname):
            raise ValueError(f"{value!r} is not an http(s):// address")
        return value


class WebhookSettings(_Section):
    enabled: bool = False
    listen: str = "127.0.0.1"
    port: Port = 8443
    path: str = "/telegram"
    # the https:// address Telegram posts to, as the reverse proxy publishes it (path included)
    public_url: str = ""
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; or env TWINBOT_WEBHOOK_SECRET
    secret_token: SecretStr = SecretStr("")
    max_connections: Annotated[int, Field(ge=1, le=100)] = 40

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        return _listen_address(value)

    @model_validator(mode="after")
    def _complete(self) -> WebhookSettings:
        if self.enabled and not self.public_url:
            raise ValueError("public_url must be set when the webhook is enabled")
        return self

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or any(char.isspace() for char in value):
            raise ValueError(f"{value!r} must start with / and contain no spaces")
        return value

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str) -> str:
        if not value:
            return value
        try:
            host = urlsplit(value).hostname or ""
        except ValueError:
            raise ValueError(f"{value!r} is not a URL") from None
        if not value.startswith(("https://", "http://")) or not host:
            raise ValueError(f"{value!r} is not an https:// URL")
        if value.startswith("http://") and not _loopback(host):
            # a local Bot API server or a test double may post to 127.0.0.1; Telegram itself only to https
            raise ValueError("Telegram delivers webhooks only to https:// addresses")
        return value

    @property
    def secret(self) -> str:
        return self.secret_token.get_secret_value().strip()


class BackupSettings(_Section):
    enabled: bool = True
    # relative paths are relative to the directory the bot is started from
    directory: Path = Path("backups")
    time: TimeOfDay = TimeOfDay(3, 30)  # local time ([reminders] timezone) of the daily backup
    daily: Annotated[int, Field(ge=1, le=366)] = 7
    weekly: Annotated[int, Field(ge=0, le=520)] = 4
    monthly: Annotated[int, Field(ge=0, le=1200)] = 12

    @field_validator("directory", mode="before")
    @classmethod
    def _directory(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("must not be empty")
            return Path(value)
        return value

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: object) -> object:
        return _time_of_day(value)


class Settings(_Section):
    telegram: TelegramSettings = TelegramSettings()
    storage: StorageSettings = StorageSettings()
    access: AccessSettings = AccessSettings()
    reminders: RemindersSettings = RemindersSettings()
    bot: BotSettings = BotSettings()
    knowledge: KnowledgeSettings = KnowledgeSettings()
    webhook: WebhookSettings = WebhookSettings()
    http: HttpSettings = HttpSettings()
    backup: BackupSettings = BackupSettings()

    @property
    def token(self) -> str:
        return self.telegram.token.get_secret_value().strip()

    @property
    def mode(self) -> Literal["polling", "webhook"]:
        return "webhook" if self.webhook.enabled else "polling"

    @model_validator(mode="after")
    def _public_needs_a_server(self) -> Settings:
        if self.http.public and not (self.http.enabled or self.webhook.enabled):
            raise ValueError(
                "[http] public = true needs the web server: set [http] enabled = true (or enable the webhook)"
            )
        return self


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
    secret = env.get(WEBHOOK_SECRET_ENV, "").strip()
    if secret:
        webhook = settings.webhook.model_copy(update={"secret_token": SecretStr(secret)})
        settings = settings.model_copy(update={"webhook": webhook})
    if settings.webhook.enabled:
        _check_secret(settings.webhook.secret, path)
    return settings


def _check_secret(secret: str, path: Path) -> None:
    # Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -
    if not secret:
        raise ConfigError(
            f"{path}: [webhook] secret_token: must be set when the webhook is enabled "
            f"(or set {WEBHOOK_SECRET_ENV}); e.g. the output of: python3 -c "
            '"import secrets; print(secrets.token_urlsafe(32))"'
        )
    if len(secret) > 256 or not all(char.isascii() and (char.isalnum() or char in "_-") for char in secret):
        raise ConfigError(
            f"{path}: [webhook] secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
        )
