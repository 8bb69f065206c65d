"""How the bot is doing: one report for /status (admins), `twinbot status` and /readyz.

Everything is read from the database (the lease, the backups, the passes, the ledger, the fault log),
so `twinbot status` in another process sees what the running bot would say about itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot import __version__
from bot.core.model import Language
from bot.locale import Markup, catalogue
from bot.metrics import database_size
from bot.reminders import scheduled_at as due_at
from bot.runtime import Runtime
from storage.backup import BackupRun
from storage.lease import InstanceLease, LeaseHolder

# the day's pass counts as overdue this long after its send_time (the catch-up runs right after start)
PASS_GRACE = timedelta(minutes=30)
FAULT_WINDOW_SECONDS = 24 * 3600
OPEN_STATUSES = ("pending", "sending")
FAILED_STATUSES = ("failed", "blocked", "in_doubt", "expired")


@dataclass(frozen=True, slots=True)
class StatusReport:
    version: str
    running: bool
    mode: str
    started_at: float | None
    holder: str  # "pid 123 on host"
    database: str
    database_bytes: int
    last_backup: BackupRun | None
    last_good_backup: BackupRun | None
    backups_enabled: bool
    last_pass: tuple[str, str] | None  # ISO date and status (running, done, skipped)
    next_pass: datetime | None
    overdue: datetime | None  # when today's late reminder pass was due
    pending: int
    failed: int
    faults: dict[str, int] = field(default_factory=dict)
    queue: int | None = None
    staff_chat: int = 0
    staff_chat_reachable: bool | None = None


async def overdue_since(runtime: Runtime) -> datetime | None:
    """When today's reminder pass was due, if it is late: it should have run (send_time + grace) and has
    no record. In the runtime's time zone."""
    now = runtime.now()
    today = now.date()
    passes = await runtime.ledger.passes(since=today - timedelta(days=1))
    due = due_at(runtime, today)
    if now.astimezone(UTC) > due + PASS_GRACE and passes.get(today) is None:
        return due.astimezone(now.tzinfo)
    return None


async def reminder_overdue(runtime: Runtime) -> str | None:
    """Why the reminder pass is late, or None (for /readyz, a machine's reader: English)."""
    due = await overdue_since(runtime)
    if due is None:
        return None
    return f"the reminder pass of {due.date()} was due at {due:%H:%M} and has not run"


async def next_pass(runtime: Runtime) -> datetime:
    now = runtime.now()
    today = now.date()
    passes = await runtime.ledger.passes(since=today)
    done = passes.get(today)
    due = due_at(runtime, today)
    if now.astimezone(UTC) < due or done is None or done.status == "running":
        return due.astimezone(now.tzinfo)
    return due_at(runtime, today + timedelta(days=1)).astimezone(now.tzinfo)


async def gather(
    runtime: Runtime,
    *,
    running_mode: str | None,
    started_at: float | None,
    holder: LeaseHolder | None = None,
    queue: int | None = None,
    staff_chat_reachable: bool | None = None,
) -> StatusReport:
    """The report. `running_mode` None: the caller is not the bot; the lease row says whether one runs."""
    settings = runtime.settings
    running = running_mode is not None
    mode = running_mode or settings.mode
    where = ""
    if holder is not None:
        running, mode, started_at = True, holder.mode, holder.started_at
        where = f"pid {holder.pid} on {holder.host}"
    counts = await runtime.ledger.status_counts()
    last_pass = await runtime.ledger.last_pass()
    passes = await runtime.ledger.passes(since=last_pass) if last_pass else {}
    state = passes.get(last_pass) if last_pass else None
    return StatusReport(
        version=__version__,
        running=running,
        mode=mode,
        started_at=started_at,
        holder=where,
        database=str(settings.storage.database),
        database_bytes=database_size(settings.storage.database),
        last_backup=await runtime.backups.last(),
        last_good_backup=await runtime.backups.last(ok=True),
        backups_enabled=settings.backup.enabled,
        last_pass=(last_pass.isoformat(), state.status) if last_pass and state else None,
        next_pass=await next_pass(runtime),
        overdue=await overdue_since(runtime),
        pending=sum(counts.get(status, 0) for status in OPEN_STATUSES),
        failed=sum(counts.get(status, 0) for status in FAILED_STATUSES),
        faults=await runtime.faults.counts_since(FAULT_WINDOW_SECONDS),
        queue=queue,
        staff_chat=settings.reminders.staff_chat,
        staff_chat_reachable=staff_chat_reachable,
    )


async def lease_holder(runtime: Runtime) -> LeaseHolder | None:
    """The live process holding the bot's lease on this database, if any."""
    return await InstanceLease(runtime.database).running_elsewhere()


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"


def _duration(lang: Language, seconds: float) -> str:
    """'2 д 3 ч', '3 h 5 min': the two largest units."""
    seconds = int(max(0, seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    texts = catalogue()
    if days:
        return str(texts.text(lang, "status.duration_days", days=days, hours=hours))
    if hours:
        return str(texts.text(lang, "status.duration_hours", hours=hours, minutes=minutes))
    return str(texts.text(lang, "status.duration_minutes", minutes=minutes, seconds=seconds % 60))


def _stamp(unix: float, runtime: Runtime) -> str:
    return datetime.fromtimestamp(unix, tz=runtime.settings.reminders.zone).strftime("%Y-%m-%d %H:%M")


def render(report: StatusReport, runtime: Runtime, lang: Language, wall: float | None = None) -> Markup:
    """The report as Telegram HTML in `lang` (`plain_text` of it for the terminal)."""
    texts = catalogue()
    now = time.time() if wall is None else wall

    def t(key: str, **params: object) -> str:
        return str(texts.text(lang, f"status.{key}", **params))

    lines = [t("title")]
    lines.append(t("version", version=report.version, mode=t(f"mode_{report.mode}")))
    if report.running and report.started_at is not None:
        uptime = _duration(lang, now - report.started_at)
        lines.append(
            t("uptime", uptime=uptime, since=_stamp(report.started_at, runtime), holder=report.holder)
        )
    else:
        lines.append(t("not_running"))
    lines.append(t("database", path=report.database, size=_size(report.database_bytes)))
    backup = report.last_backup
    if not report.backups_enabled:
        lines.append(t("backup_off"))
    elif backup is None:
        lines.append(t("backup_none"))
    elif backup.ok:
        lines.append(
            t(
                "backup_ok",
                at=_stamp(backup.finished_at, runtime),
                age=_duration(lang, now - backup.finished_at),
                size=_size(backup.size_bytes),
                check=backup.detail,
            )
        )
    else:
        lines.append(t("backup_failed", at=_stamp(backup.finished_at, runtime), error=backup.detail[:300]))
        good = report.last_good_backup
        if good is not None:
            lines.append(t("backup_last_good", at=_stamp(good.finished_at, runtime)))
    if report.last_pass is None:
        lines.append(t("last_pass", last=t("never")))
    else:
        day, state = report.last_pass
        lines.append(t("last_pass", last=f"{day} ({t(f'pass_{state}')})"))
    if report.next_pass is not None:
        lines.append(t("next_pass", at=f"{report.next_pass:%Y-%m-%d %H:%M}"))
    if report.overdue is not None:
        lines.append(t("overdue", day=f"{report.overdue:%Y-%m-%d}", at=f"{report.overdue:%H:%M}"))
    lines.append(t("deliveries", pending=report.pending, failed=report.failed))
    if report.queue is not None:
        lines.append(t("queue", count=report.queue))
    if report.faults:
        kinds = ", ".join(f"{kind} × {count}" for kind, count in list(report.faults.items())[:8])
        lines.append(t("faults", kinds=kinds))
    else:
        lines.append(t("no_faults"))
    if report.staff_chat == 0:
        lines.append(t("staff_chat_none"))
    elif report.staff_chat_reachable is None:
        lines.append(t("staff_chat_unknown", chat=report.staff_chat))
    elif report.staff_chat_reachable:
        lines.append(t("staff_chat_ok", chat=report.staff_chat))
    else:
        lines.append(t("staff_chat_unreachable", chat=report.staff_chat))
    return Markup("\n".join(lines))
