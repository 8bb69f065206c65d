"""Town Day rules and dates and staff edits of agreement dates (every change audited in its transaction), and
the planned visits the calendar shows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import date

import aiosqlite

from bot.core.calendar import DateSpan, PlannedVisit, TownDay, TownDayRule, TownDaySeed
from bot.core.model import PartialDate
from storage.audit import write_audit
from storage.database import Database


class UnknownTownError(LookupError):
    pass


class UnknownAgreementError(LookupError):
    pass


def _span_json(span: DateSpan | None) -> dict[str, str] | None:
    if span is None:
        return None
    return {"start": span.start.isoformat(), "end": span.end.isoformat()}


class CalendarRepository:
    """Town Days, agreement date edits, and the planned visits the calendar shows.

    The Town Days are read once and kept in memory: every write here drops the copy and moves `version`
    on, and :meth:`forget` does the same when another process may have written (bot.runtime notices).
    """

    def __init__(self, database: Database) -> None:
        self.db = database
        self.version = 0  # moves on with every change this process makes (and every forget())
        self._town_days: dict[str, TownDay] | None = None

    def forget(self) -> None:
        """Drop what is kept in memory; the next read goes to the database."""
        self._town_days = None
        self.version += 1

    async def reload(self) -> None:
        """Read the Town Days again and only then replace the copy: a reader in between (a page, a card
        rendered while this awaits the database) sees the old copy, never none."""
        fresh = await self._load_town_days()
        self._town_days = fresh
        self.version += 1

    def cached_town_days(self) -> Mapping[str, TownDay] | None:
        """The Town Days kept in memory, without a query; None when they are not loaded."""
        return self._town_days

    async def town_days(self) -> dict[str, TownDay]:
        if self._town_days is None:
            self._town_days = await self._load_town_days()
        return dict(self._town_days)

    async def planned_visits(self, first: date, last: date) -> list[PlannedVisit]:
        """Live visits of the register that start between first and last, with only what the calendar
        shows (no staff notes)."""
        rows = await self.db.fetchall(
            "SELECT id, town_key, direction, start_date, end_date, kind, purpose, people FROM visits "
            "WHERE deleted_at IS NULL AND town_key IS NOT NULL AND start_date >= ? AND start_date <= ? "
            "ORDER BY start_date, id",  # partner towns only: another place is staff data
            (first.isoformat(), last.isoformat()),
        )
        return [
            PlannedVisit(
                id=row["id"],
                town_key=row["town_key"],
                start=date.fromisoformat(row["start_date"]),
                end=date.fromisoformat(row["end_date"]) if row["end_date"] else None,
                direction=row["direction"],
                kind=row["kind"],
                purpose=row["purpose"],
                people=row["people"],
            )
            for row in rows
        ]

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; what is kept in memory is dropped whatever the outcome."""
        try:
            async with self.db.transaction() as conn:
                yield conn
        except BaseException:
            self.forget()
            raise
        # read back at once: Runtime.replies() (synchronous) shows the Town Days from this copy
        await self.reload()

    async def _load_town_days(self) -> dict[str, TownDay]:
        rules = {
            row["town_key"]: (TownDayRule.decode(row["rule"]) if row["rule"] else None)
            for row in await self.db.fetchall("SELECT town_key, rule FROM town_day_rules")
        }
        dates: dict[str, dict[int, DateSpan]] = {}
        for row in await self.db.fetchall("SELECT town_key, year, start_date, end_date FROM town_day_dates"):
            dates.setdefault(row["town_key"], {})[row["year"]] = DateSpan(
                date.fromisoformat(row["start_date"]), date.fromisoformat(row["end_date"])
            )
        return {
            key: TownDay(key, rules.get(key), dates.get(key, {})) for key in sorted(set(rules) | set(dates))
        }

    async def seed_if_empty(self, seeds: Mapping[str, TownDaySeed]) -> bool:
        """Load the shipped rules and dates once, for the towns that exist; staff edits are never replaced."""
        async with self._write() as conn:
            async with conn.execute(
                "SELECT (SELECT count(*) FROM town_day_rules) + (SELECT count(*) FROM town_day_dates)"
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None and row[0]:
                return False
            async with conn.execute("SELECT key FROM towns") as cursor:
                known = {r[0] for r in await cursor.fetchall()}
            for town_key, seed in seeds.items():
                if town_key not in known or (seed.rule is None and not seed.dates):
                    continue  # unknown here, or known only roughly (`about`: not kept, read from the file)
                await conn.execute(
                    "INSERT INTO town_day_rules (town_key, rule, typed, updated_at) VALUES (?, ?, ?, clock_now())",
                    (town_key, seed.rule.encode() if seed.rule else None, seed.typed),
                )
                await conn.executemany(
                    "INSERT INTO town_day_dates (town_key, year, start_date, end_date, updated_at) "
                    "VALUES (?, ?, ?, ?, clock_now())",
                    [
                        (town_key, year, span.start.isoformat(), span.end.isoformat())
                        for year, span in sorted(seed.dates.items())
                    ],
                )
        return True

    async def set_rule(self, town_key: str, rule: TownDayRule | None, typed: str, actor_id: int) -> None:
        """Set (or, with None, remove) a town's rule; the dates set for single years stay."""
        async with self._write() as conn:
            await _require_town(conn, town_key)
            async with conn.execute(
                "SELECT rule, typed FROM town_day_rules WHERE town_key = ?", (town_key,)
            ) as cursor:
                before = await cursor.fetchone()
            await conn.execute(
                "INSERT INTO town_day_rules (town_key, rule, typed, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?, clock_now()) "
                "ON CONFLICT (town_key) DO UPDATE SET rule = excluded.rule, typed = excluded.typed, "
                "updated_by = excluded.updated_by, updated_at = clock_now()",
                (town_key, rule.encode() if rule else None, typed[:200], actor_id),
            )
            await write_audit(
                conn,
                "town_day",
                town_key,
                "set_rule" if rule else "clear_rule",
                actor_id,
                before={"rule": before["rule"], "typed": before["typed"]} if before else None,
                after={"rule": rule.encode() if rule else None, "typed": typed[:200]},
            )

    async def set_date(self, town_key: str, span: DateSpan, actor_id: int) -> DateSpan | None:
        """The Town Day of span.start.year is this span (overrides the rule); returns the previous one."""
        year = span.start.year
        async with self._write() as conn:
            await _require_town(conn, town_key)
            previous = await _stored_span(conn, town_key, year)
            await conn.execute(
                "INSERT INTO town_day_dates (town_key, year, start_date, end_date, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?, clock_now()) ON CONFLICT (town_key, year) DO UPDATE SET "
                "start_date = excluded.start_date, end_date = excluded.end_date, "
                "updated_by = excluded.updated_by, updated_at = clock_now()",
                (town_key, year, span.start.isoformat(), span.end.isoformat(), actor_id),
            )
            await write_audit(
                conn,
                "town_day",
                f"{town_key}:{year}",
                "set_date",
                actor_id,
                before=_span_json(previous),
                after=_span_json(span),
            )
        return previous

    async def clear_date(self, town_key: str, year: int, actor_id: int) -> DateSpan | None:
        """Remove the date set for `year` (the rule applies again); returns what was removed, if anything."""
        async with self._write() as conn:
            await _require_town(conn, town_key)
            previous = await _stored_span(conn, town_key, year)
            if previous is None:
                return None
            await conn.execute("DELETE FROM town_day_dates WHERE town_key = ? AND year = ?", (town_key, year))
            await write_audit(
                conn,
                "town_day",
                f"{town_key}:{year}",
                "clear_date",
                actor_id,
                before=_span_json(previous),
                after=None,
            )
        return previous

    async def set_agreement_date(
        self, town_key: str, agreement_key: str, signed: PartialDate, actor_id: int
    ) -> PartialDate:
        """Change when an agreement was signed, with its precision; returns the previous date.

        The agreement remembers that staff changed 'signed', so `twinbot import-towns` keeps the edit.
        """
        async with self._write() as conn:
            async with conn.execute(
                "SELECT a.id, a.signed_year, a.signed_month, a.signed_day, a.staff_fields "
                "FROM agreements a JOIN towns t ON t.id = a.town_id WHERE t.key = ? AND a.key = ?",
                (town_key, agreement_key),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise UnknownAgreementError(f"{town_key}.{agreement_key}")
            before = PartialDate(row["signed_year"], row["signed_month"], row["signed_day"])
            fields = sorted({*json.loads(row["staff_fields"]), "signed"})
            await conn.execute(
                # the staff's date stands on its own: a reference's claim to the day no longer applies
                "UPDATE agreements SET signed_year = ?, signed_month = ?, signed_day = ?, signed_source = '', "
                "staff_fields = ? WHERE id = ?",
                (signed.year, signed.month, signed.day, json.dumps(fields), row["id"]),
            )
            await write_audit(
                conn,
                "agreement",
                f"{town_key}.{agreement_key}",
                "set_date",
                actor_id,
                before={"signed": before.iso()},
                after={"signed": signed.iso()},
            )
        return before


async def _require_town(conn: aiosqlite.Connection, town_key: str) -> None:
    async with conn.execute("SELECT 1 FROM towns WHERE key = ?", (town_key,)) as cursor:
        if await cursor.fetchone() is None:
            raise UnknownTownError(town_key)


async def _stored_span(conn: aiosqlite.Connection, town_key: str, year: int) -> DateSpan | None:
    async with conn.execute(
        "SELECT start_date, end_date FROM town_day_dates WHERE town_key = ? AND year = ?", (town_key, year)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    return DateSpan(date.fromisoformat(row[0]), date.fromisoformat(row[1]))
