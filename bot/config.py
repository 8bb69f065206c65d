"""Settings: one TOML file read with tomllib into one validated model per section.

Every problem is reported as a single line that names the key, e.g.
``config.toml: [reminders] timezone: unknown time zone 'Mars/Olympus'``.

The models are msgspec structs (typed, frozen, unknown keys refused, values converted strictly), not
pydantic ones: every `twinbot` command reads this file, and pydantic was a third of `twinbot ask`
(~100 ms of imports and model building) and ~9 MB of the idle bot, for a dozen small sections that
msgspec validates in microseconds after a ~3 ms import. Checks a type cannot say live in each section's
``__post_init__``, which names the key it refuses (msgspec then adds the section).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from msgspec.structs import force_setattr, replace

DEFAULT_CONFIG_PATH = Path("config.toml")
TOKEN_ENV = "TWINBOT_TOKEN"
WEBHOOK_SECRET_ENV = "TWINBOT_WEBHOOK_SECRET"


class ConfigError(Exception):
    """A configuration problem, already phrased for the person starting the bot."""


class Secret:
    """A token or password: its text is read with `get_secret_value()`, never shown by repr or str."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class TimeOfDay(time):
    """A local time of day, written "HH:MM" (or as a TOML time) in the file."""


def _invalid(key: str, problem: str) -> ValueError:
    # the "key: " prefix is how _describe tells a key's problem from the section's
    return ValueError(f"{key}: {problem}")


def _convert(kind: type, value: Any) -> Any:
    """msgspec's hook for the types it does not know: paths, secrets, times of day."""
    if kind is Secret:
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {_toml_type(value)}")
        return Secret(value)
    if kind is Path:
        if not isinstance(value, str):
            raise TypeError(f"expected a path as a string, got {_toml_type(value)}")
        if not value.strip():
            raise ValueError("must not be empty")
        return Path(value)
    if kind is TimeOfDay:
        if isinstance(value, time):
            return TimeOfDay(value.hour, value.minute)
        if isinstance(value, str):
            try:
                hours, minutes = value.split(":")
                return TimeOfDay(int(hours), int(minutes))
            except ValueError:
                raise ValueError(f"{value!r} is not a time of day in HH:MM form") from None
        raise TypeError(f'expected a time of day such as "10:00", got {_toml_type(value)}')
    raise NotImplementedError(kind)


# the names of types, msgspec's and Python's alike, in the words of a TOML file
_TOML_WORDS = {
    "int": "an integer",
    "str": "a string",
    "bool": "a boolean",
    "float": "a number",
    "object": "a table",
    "dict": "a table",
    "array": "a list",
    "list": "a list",
}


def _toml_type(value: object) -> str:
    name = type(value).__name__
    return _TOML_WORDS.get(name, name)


class _Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host(key: str, value: str) -> str:
    try:
        return urlsplit(value).hostname or ""
    except ValueError:
        raise _invalid(key, f"{value!r} is not a URL") from None


class TelegramSettings(_Section, frozen=True):
    token: Secret = msgspec.field(default_factory=lambda: Secret(""))
    base_url: str = "https://api.telegram.org/bot"
    # start-up requests (getMe, deleteWebhook/setWebhook) tried again this many times, waiting 1, 2, 4 ... s
    startup_retries: Annotated[int, msgspec.Meta(ge=0, le=20)] = 5

    def __post_init__(self) -> None:
        value = self.base_url
        if not value.startswith(("http://", "https://")):
            raise _invalid("base_url", "must start with http:// or https://")
        host = _host("base_url", value)
        if not host:
            raise _invalid("base_url", f"{value!r} has no host name")
        if value.startswith("http://") and not _loopback(host):
            # every request URL carries the token: in clear text, anyone on the way could take the bot over
            raise _invalid(
                "base_url",
                f"plain http:// would send the bot token unencrypted to {host}; use https:// "
                "(http:// is allowed only for a local Bot API server on 127.0.0.1, ::1 or localhost)",
            )

    @property
    def base_file_url(self) -> str:
        # https://api.telegram.org/bot -> https://api.telegram.org/file/bot
        root, _, tail = self.base_url.rstrip("/").rpartition("/")
        return f"{root}/file/{tail}"


class StorageSettings(_Section, frozen=True):
    database: Path = Path("twinbot.sqlite3")


UserId = Annotated[int, msgspec.Meta(gt=0)]


class AccessSettings(_Section, frozen=True):
    admins: list[UserId] = []
    staff: list[UserId] = []


class RemindersSettings(_Section, frozen=True):
    timezone: str = "Europe/Moscow"
    send_time: TimeOfDay = TimeOfDay(10, 0)
    lead_days: list[Annotated[int, msgspec.Meta(ge=0, le=365)]] = msgspec.field(
        default_factory=lambda: [7, 1, 0]
    )
    staff_chat: int = 0
    # round anniversaries (5, 10, ... 100 years) are also announced this many days ahead
    round_lead_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 30
    # the anniversaries marked round everywhere (cards, /upcoming, reminders, .ics): every fifth year
    round_years: list[Annotated[int, msgspec.Meta(ge=1, le=1000)]] = msgspec.field(
        default_factory=lambda: list(range(5, 101, 5))
    )
    # MM-DD: the day on which an anniversary known only to its year is announced ("this year marks ...")
    year_only_day: str = "01-15"
    # a pass missed while the bot was down is still sent (marked delayed) up to this long after send_time
    catch_up_hours: Annotated[int, msgspec.Meta(ge=0, le=24 * 14)] = 24

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise _invalid(
                "timezone", f"unknown time zone {self.timezone!r} (use an IANA name such as Europe/Moscow)"
            ) from None
        if len(set(self.lead_days)) != len(self.lead_days):
            raise _invalid("lead_days", "must not repeat a day")
        force_setattr(self, "lead_days", sorted(self.lead_days, reverse=True))
        try:
            month, day = (int(part) for part in self.year_only_day.split("-"))
            date(2001, month, day)  # a common year: 02-29 would be missing three years in four
        except ValueError:
            raise _invalid(
                "year_only_day",
                f'{self.year_only_day!r} is not a day of every year in MM-DD form, e.g. "01-15"',
            ) from None
        force_setattr(self, "year_only_day", f"{month:02d}-{day:02d}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def year_only_month_day(self) -> tuple[int, int]:
        month, day = self.year_only_day.split("-")
        return int(month), int(day)


class BotSettings(_Section, frozen=True):
    default_language: Literal["ru", "en"] = "ru"


# /unanswered looks back this many days: a shorter retention would empty it
UNANSWERED_WINDOW_DAYS = 30


class KnowledgeSettings(_Section, frozen=True):
    # residents' logged questions (answered or not, with their marks) are deleted after this many days,
    # daily and at every start: their texts are kept only as long as the office needs them
    keep_unanswered_days: Annotated[int, msgspec.Meta(ge=UNANSWERED_WINDOW_DAYS, le=3650)] = 180


Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]


def _check_listen(value: str) -> None:
    if value.lower() != "localhost":
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise _invalid(
                "listen", f"{value!r} is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)"
            ) from None


class HttpSettings(_Section, frozen=True):
    """Health and metrics in polling mode (in webhook mode the webhook's server serves them)."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: Port = 8081
    # when set, /metrics wants "Authorization: Bearer <this>"
    metrics_token: Secret = msgspec.field(default_factory=lambda: Secret(""))
    # the public pages (/, /town/SLUG, /upcoming, /calendar.ics) on this server (or the webhook's)
    public: bool = False
    # where the public pages are reached from outside (https://...), for the webcal:// link in /calendar
    public_url: str = ""

    def __post_init__(self) -> None:
        _check_listen(self.listen)
        value = self.public_url.strip().rstrip("/")
        if value and (not value.startswith(("https://", "http://")) or not _host("public_url", value)):
            raise _invalid("public_url", f"{value!r} is not an http(s):// address")
        force_setattr(self, "public_url", value)


class WebhookSettings(_Section, frozen=True):
    enabled: bool = False
    listen: str = "127.0.0.1"
    port: Port = 8443
    path: str = "/telegram"
    # the https:// address Telegram posts to, as the reverse proxy publishes it (path included)
    public_url: str = ""
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; or env TWINBOT_WEBHOOK_SECRET
    secret_token: Secret = msgspec.field(default_factory=lambda: Secret(""))
    max_connections: Annotated[int, msgspec.Meta(ge=1, le=100)] = 40

    def __post_init__(self) -> None:
        _check_listen(self.listen)
        if not self.path.startswith("/") or any(char.isspace() for char in self.path):
            raise _invalid("path", f"{self.path!r} must start with / and contain no spaces")
        value = self.public_url
        if value:
            host = _host("public_url", value)
            if not value.startswith(("https://", "http://")) or not host:
                raise _invalid("public_url", f"{value!r} is not an https:// URL")
            if value.startswith("http://") and not _loopback(host):
                # a local Bot API server or a test double may post to 127.0.0.1; Telegram itself only to https
                raise _invalid("public_url", "Telegram delivers webhooks only to https:// addresses")
        if self.enabled and not value:
            raise ValueError("public_url must be set when the webhook is enabled")

    @property
    def secret(self) -> str:
        return self.secret_token.get_secret_value().strip()


class BackupSettings(_Section, frozen=True):
    enabled: bool = True
    # relative paths are relative to the directory the bot is started from
    directory: Path = Path("backups")
    time: TimeOfDay = TimeOfDay(3, 30)  # local time ([reminders] timezone) of the daily backup
    daily: Annotated[int, msgspec.Meta(ge=1, le=366)] = 7
    weekly: Annotated[int, msgspec.Meta(ge=0, le=520)] = 4
    monthly: Annotated[int, msgspec.Meta(ge=0, le=1200)] = 12


class Settings(_Section, frozen=True):
    telegram: TelegramSettings = msgspec.field(default_factory=TelegramSettings)
    storage: StorageSettings = msgspec.field(default_factory=StorageSettings)
    access: AccessSettings = msgspec.field(default_factory=AccessSettings)
    reminders: RemindersSettings = msgspec.field(default_factory=RemindersSettings)
    bot: BotSettings = msgspec.field(default_factory=BotSettings)
    knowledge: KnowledgeSettings = msgspec.field(default_factory=KnowledgeSettings)
    webhook: WebhookSettings = msgspec.field(default_factory=WebhookSettings)
    http: HttpSettings = msgspec.field(default_factory=HttpSettings)
    backup: BackupSettings = msgspec.field(default_factory=BackupSettings)

    def __post_init__(self) -> None:
        if self.http.public and not (self.http.enabled or self.webhook.enabled):
            raise ValueError(
                "[http] public = true needs the web server: set [http] enabled = true (or enable the webhook)"
            )

    @property
    def token(self) -> str:
        return self.telegram.token.get_secret_value().strip()

    @property
    def mode(self) -> Literal["polling", "webhook"]:
        return "webhook" if self.webhook.enabled else "polling"


def section_keys() -> dict[str, tuple[str, ...]]:
    """Each section's name and its keys, in the order the file documents them."""
    sections: dict[str, tuple[str, ...]] = {}
    for field in msgspec.structs.fields(Settings):
        kind = field.type
        assert isinstance(kind, type) and issubclass(kind, msgspec.Struct)
        sections[field.name] = kind.__struct_fields__
    return sections


def _describe(error: msgspec.ValidationError) -> str:
    # msgspec's text is "<problem>" or "<problem> - at `$.section.key[2]`"
    message, _, at = str(error).rpartition(" - at `$")
    if not message:
        message, at = str(error), ""
    # "$.access.admins[1]" -> ["access", "admins"]: a key, not the place in its list
    location = [key for part in at.rstrip("`").split(".") if (key := part.split("[", 1)[0])]
    unknown = message.removeprefix("Object contains unknown field `")
    if unknown != message:
        location.append(unknown.rstrip("`"))
        message = "unknown key"
    elif len(location) == 1:
        # a section's own check: "key: problem" names the key, anything else is about the section
        key, colon, problem = message.partition(": ")
        if colon and key in section_keys().get(location[0], ()):
            location.append(key)
            message = problem
    message = _plain(message)
    if not location:
        return f"(file): {message}"
    if len(location) == 1:
        return f"[{location[0]}]: {message}"
    return f"[{location[0]}] {'.'.join(location[1:])}: {message}"


def _plain(message: str) -> str:
    """msgspec's "Expected `int`, got `str`" as "expected an integer, got a string": one style with the
    checks above."""
    enum_value = message.removeprefix("Invalid enum value ")
    if enum_value != message:
        return f"{enum_value} is not one of the allowed values (see config.example.toml)"
    message = re.sub(r"`(\w+)`", lambda found: _TOML_WORDS.get(found[1], found[1]), message)
    return message[:1].lower() + message[1:]


def parse_settings(data: dict[str, object], source: str = "config") -> Settings:
    try:
        return msgspec.convert(data, Settings, strict=True, dec_hook=_convert)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from None


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
        settings = replace(settings, telegram=replace(settings.telegram, token=Secret(token)))
    secret = env.get(WEBHOOK_SECRET_ENV, "").strip()
    if secret:
        settings = replace(settings, webhook=replace(settings.webhook, secret_token=Secret(secret)))
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
