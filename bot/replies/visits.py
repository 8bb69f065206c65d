"""Visits -> Telegram HTML for staff: cards, the confirmation card of the form, list pages, history,
field errors. Every text comes from visits.ru.toml / visits.en.toml; all data is escaped there.

Everything here is register data (notes included): the handlers show it only where
`bot.access.register_visible` allows, which is the one rule for staff data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from bot.core.calendar import DateSpan
from bot.core.model import Language
from bot.core.stamps import local_time
from bot.core.visit_form import FormValues
from bot.core.visits import (
    MAX_NOTES,
    MAX_PURPOSE,
    DelegationType,
    Direction,
    FieldError,
    Visit,
    year_range,
)
from bot.core.visits.filters import VisitFilter
from bot.core.visits.places import OTHER_TOWN, OtherPlace
from bot.locale import Markup, escape
from bot.replies.reply import fit, shorten
from bot.replies.visit_details import audit_text as details_audit_text
from bot.replies.visit_details import card_lines as details_card_lines
from bot.replies.visit_details import place_text
from bot.replies.wording import Replies
from storage.audit import AuditEntry
from storage.visit_search import FoundSummary

LIST_PURPOSE_CHARS = 60
HISTORY_VALUE_CHARS = 120


class VisitReplies:
    def __init__(self, replies: Replies) -> None:
        self.replies = replies
        self.today = replies.today

    def t(self, lang: Language, key: str, **params: object) -> Markup:
        return self.replies.t(lang, f"visits.{key}", **params)

    # ---- values ----------------------------------------------------------------------------------

    def town(self, lang: Language, town_key: str | None, place: OtherPlace | None = None) -> str:
        if town_key is None:
            return self.t(lang, "card_unknown")
        if town_key == OTHER_TOWN:
            return place_text(self, lang, place)
        town = self.replies.directory.get(town_key)
        return town.name(lang) if town else town_key

    def flag(self, town_key: str | None, place: OtherPlace | None = None) -> str:
        if town_key == OTHER_TOWN and place is not None and place.country:
            return self.replies.flag(place.country)
        town = self.replies.directory.get(town_key) if town_key else None
        return self.replies.flag(town.country) if town else "🏳"

    def direction(self, lang: Language, direction: Direction | str) -> str:
        value = direction.value if isinstance(direction, Direction) else direction
        return self.t(lang, f"direction.{value}")

    def kind(self, lang: Language, kind: DelegationType | str) -> str:
        value = kind.value if isinstance(kind, DelegationType) else kind
        return self.t(lang, f"kind.{value}")

    def day(self, lang: Language, value: date) -> str:
        return self.replies.format_date(lang, value)

    def dates(self, lang: Language, start: date | None, end: date | None) -> str:
        if start is None:
            return self.t(lang, "card_unknown")
        if end is None or end == start:
            return self.day(lang, start)
        days = (end - start).days + 1
        return self.t(
            lang,
            "dates_range",
            # "5–7 июня 2026", the same words as the calendar's spans
            span=self.replies.span_dates(lang, DateSpan(start, end)),
            days=days,
            days_word=self.replies.plural(lang, "visit_days", days),
        )

    def field_name(self, lang: Language, field: str) -> str:
        return self.t(lang, f"field.{field}")

    def value(self, lang: Language, field: str, values: FormValues) -> str:
        """One field's current value as plain text (for 'now: ...' in edit prompts)."""
        unknown = self.t(lang, "card_unknown")
        if field == "town":
            return self.town(lang, values.town_key, values.place)
        if field == "direction":
            return self.direction(lang, values.direction) if values.direction else unknown
        if field in ("dates", "start"):
            return self.dates(lang, values.start, values.end)
        if field == "end":
            return self.day(lang, values.end) if values.end else unknown
        if field == "kind":
            return self.kind(lang, values.kind) if values.kind else unknown
        if field == "people":
            return self.replies.number(lang, values.people) if values.people else unknown
        if field == "purpose":
            return escape(shorten(values.purpose, 200)) if values.purpose else unknown
        if field == "notes":
            return escape(shorten(values.notes, 200)) if values.notes else unknown
        raise KeyError(field)

    # ---- cards -----------------------------------------------------------------------------------

    def card_lines(self, lang: Language, values: FormValues) -> list[str]:
        unknown = self.t(lang, "card_unknown")
        lines: list[str] = [
            self.t(
                lang,
                "card_direction",
                value=self.direction(lang, values.direction) if values.direction else unknown,
            ),
            self.t(lang, "card_dates", value=self.dates(lang, values.start, values.end)),
            self.t(lang, "card_kind", value=self.kind(lang, values.kind) if values.kind else unknown),
            self.t(
                lang,
                "card_people",
                value=self.replies.number(lang, values.people) if values.people else unknown,
            ),
            self.t(lang, "card_purpose", value=values.purpose or unknown),
        ]
        if values.notes:
            lines.append(self.t(lang, "card_notes", value=values.notes))
        if values.start is not None and values.start > self.today:
            lines.append(self.t(lang, "card_planned"))
        return lines

    def card(self, lang: Language, visit: Visit, note: str = "") -> str:
        lines: list[str] = [note] if note else []
        lines.append(
            self.t(
                lang,
                "card_title",
                id=visit.id,
                flag=self.flag(visit.town_key, visit.place),
                town=self.town(lang, visit.town_key, visit.place),
            )
        )
        lines.extend(self.card_lines(lang, FormValues.of(visit)))
        lines.extend(details_card_lines(self, lang, visit))
        if visit.deleted:
            lines.append(self.t(lang, "card_deleted"))
        return fit(lines)

    def draft_card(self, lang: Language, values: FormValues) -> str:
        lines = [
            self.t(
                lang,
                "draft_title",
                flag=self.flag(values.town_key, values.place),
                town=self.town(lang, values.town_key, values.place),
            ),
            *self.card_lines(lang, values),
            "",
            self.t(lang, "draft_footer"),
        ]
        return fit(lines)

    # ---- errors ----------------------------------------------------------------------------------

    def error(self, lang: Language, error: FieldError) -> str:
        params: dict[str, Any] = dict(error.params)
        code = error.code
        names = params.pop("names", None)
        if names is not None:
            params["names"] = ", ".join(self.town(lang, key) for key in names)
            if code == "town_unknown" and names:
                code = "town_unknown_suggest"
        if code == "kind_unknown":
            params["kinds"] = ", ".join(self.kind(lang, kind) for kind in DelegationType)
        if code == "control_character":
            params["field"] = self.field_name(lang, error.field)
        return self.t(lang, f"error.{code}", **params)

    def errors(self, lang: Language, errors: Sequence[FieldError], header: str = "errors_header") -> str:
        lines = [self.t(lang, header)]
        for error in errors:
            lines.append(
                self.t(
                    lang,
                    "error_line",
                    field=self.field_name(lang, error.field if error.field != "date" else "dates"),
                    message=self.error(lang, error),
                )
            )
        return fit(lines)

    def limit_hint(self, lang: Language, field: str) -> str:
        limit = MAX_PURPOSE if field == "purpose" else MAX_NOTES
        return self.t(lang, "limit_hint", limit=self.replies.number(lang, limit))

    # ---- list ------------------------------------------------------------------------------------

    def list_filter(self, lang: Language, town_key: str | None, year: int | None) -> Markup:
        parts = ""
        if town_key is not None:
            parts += self.t(lang, "list_filter_town", town=self.town(lang, town_key))
        if year is not None:
            parts += self.t(lang, "list_filter_year", year=year)
        return Markup(parts)

    def found_filter(self, lang: Language, found: VisitFilter) -> Markup:
        """' · Нарва · приезд · молодёжная · 1 июня – 31 августа 2025 · 🔎 «фестивал»' (towns in name order)."""
        parts = ""
        if found.town_keys:
            names = sorted(self.town(lang, key) for key in found.town_keys)
            parts += self.t(lang, "list_filter_towns", towns=", ".join(names))
        if found.direction is not None:
            parts += self.t(
                lang,
                "list_filter_direction",
                direction=self.t(lang, f"direction_short.{found.direction.value}"),
            )
        if found.kinds:
            kinds = ", ".join(self.kind(lang, kind) for kind in DelegationType if kind in found.kinds)
            parts += self.t(lang, "list_filter_kinds", kinds=kinds)
        if found.first is not None and found.last is not None:
            whole_year = found.first == date(found.first.year, 1, 1) and found.last == date(
                found.first.year, 12, 31
            )
            period = (
                str(found.first.year)
                if whole_year
                else self.replies.span_dates(lang, DateSpan(found.first, found.last))
            )
            parts += self.t(lang, "list_filter_period", period=period)
        if found.terms:
            # the terms are word beginnings ("фестивал" finds "фестиваля"): shown as such
            parts += self.t(lang, "list_filter_search", text=" ".join(f"{term}…" for term in found.terms))
        return Markup(parts)

    def list_line(self, lang: Language, visit: Visit) -> str:
        purpose = Markup(f" — {escape(shorten(visit.purpose, LIST_PURPOSE_CHARS))}") if visit.purpose else ""
        return self.t(
            lang,
            "list_line",
            id=visit.id,
            date=self.day(lang, visit.start),
            direction=self.t(lang, f"direction_short.{visit.direction.value}"),
            kind=self.kind(lang, visit.kind),
            flag=self.flag(visit.town_key, visit.place),
            town=self.town(lang, visit.town_key, visit.place),
            purpose=purpose,
            planned=self.t(lang, "list_planned") if visit.start > self.today else "",
        )

    def register_answer(
        self, lang: Language, found: VisitFilter, summary: FoundSummary, latest: Sequence[Visit]
    ) -> str:
        """A staff question about the register: the count, the split, the towns, the latest visits."""
        chosen = self.found_filter(lang, found)
        if summary.visits == 0:
            return self.t(lang, "ask_none", filter=chosen)
        number = self.replies.number
        lines: list[str] = [
            self.t(
                lang,
                "ask_count",
                count=number(lang, summary.visits),
                visits_word=self.replies.plural(lang, "register_visits", summary.visits),
                filter=chosen,
            ),
            self.t(
                lang,
                "ask_split",
                incoming=number(lang, summary.incoming),
                outgoing=number(lang, summary.outgoing),
                people=number(lang, summary.people),
            ),
        ]
        if len(summary.towns) > 1:
            towns = ", ".join(f"{self.town(lang, key)} {number(lang, n)}" for key, n in summary.towns[:8])
            lines.append(self.t(lang, "ask_towns", towns=towns + (" …" if len(summary.towns) > 8 else "")))
        lines.append("")
        lines.append(self.t(lang, "ask_latest"))
        lines.extend(self.list_line(lang, visit) for visit in latest)
        return fit(lines)

    def list_page(
        self,
        lang: Language,
        visits: Sequence[Visit],
        total: int,
        page: int,
        pages: int,
        town_key: str | None = None,
        year: int | None = None,
        *,
        found: VisitFilter | None = None,
    ) -> str:
        chosen = (
            self.found_filter(lang, found) if found is not None else self.list_filter(lang, town_key, year)
        )
        if total == 0:
            return self.t(lang, "list_empty", filter=chosen)
        lines: list[str] = [
            self.t(lang, "list_header", filter=chosen, count=total, page=page + 1, pages=pages)
        ]
        lines.extend(self.list_line(lang, visit) for visit in visits)
        return fit(lines)

    # ---- history ---------------------------------------------------------------------------------

    def history(
        self,
        lang: Language,
        visit_id: int,
        entries: Sequence[AuditEntry],
        names: Mapping[int, str],
        zone: tzinfo,
    ) -> str:
        if not entries:
            return self.t(lang, "history_empty", id=visit_id)
        lines = [self.t(lang, "history_header", id=visit_id)]
        for entry in entries:
            name = names.get(entry.actor_id)
            who = (
                self.t(lang, "who_name", name=name, id=entry.actor_id)
                if name
                else self.t(lang, "who_id", id=entry.actor_id)
            )
            lines.append(
                self.t(
                    lang,
                    "history_entry",
                    when=self.moment(lang, entry.at, zone),
                    action=self.replies.t_or(lang, f"visits.action.{entry.action}", entry.action),
                    who=who,
                )
            )
            before, after = entry.before or {}, entry.after or {}
            if entry.action == "update":
                for field in after:
                    lines.append(
                        self.t(
                            lang,
                            "history_change",
                            field=self.field_name(lang, self._audit_field(field)),
                            before=self.audit_value(lang, field, before.get(field)),
                            after=self.audit_value(lang, field, after.get(field)),
                        )
                    )
            elif entry.action in ("attach", "detach"):
                name = (after or before).get("file")
                if name:
                    lines.append(
                        self.t(lang, "history_value", field=self.field_name(lang, "file"), value=str(name))
                    )
            elif entry.action == "create":
                for field, value in after.items():
                    if value in (None, "") or field not in _AUDIT_FIELDS:
                        continue
                    lines.append(
                        self.t(
                            lang,
                            "history_value",
                            field=self.field_name(lang, self._audit_field(field)),
                            value=self.audit_value(lang, field, value),
                        )
                    )
        return fit(lines)

    @staticmethod
    def _audit_field(field: str) -> str:
        return _AUDIT_FIELDS.get(field, field)

    def audit_value(self, lang: Language, field: str, value: Any) -> str:
        if value is None or value == "":
            return self.t(lang, "value_empty")
        try:
            if field == "town_key":
                return self.town(lang, str(value)) if value != OTHER_TOWN else self.t(lang, "details.other")
            if field == "direction":
                return self.direction(lang, Direction(value))
            if field == "kind":
                return self.kind(lang, DelegationType(value))
            if field in ("start", "end"):
                return self.day(lang, date.fromisoformat(str(value)))
            if field == "participants":
                return escape(shorten(details_audit_text(value), HISTORY_VALUE_CHARS)) or self.t(
                    lang, "value_empty"
                )
        except ValueError:
            pass
        return escape(shorten(str(value), HISTORY_VALUE_CHARS))

    def moment(self, lang: Language, stamp: str, zone: tzinfo) -> str:
        """A stored UTC stamp as local date and time, in the language's format."""
        moment = local_time(stamp, zone)
        if moment is None:
            return escape(stamp)
        return moment.strftime(self.date_format(lang, "moment"))

    def short_day(self, lang: Language, value: date | datetime) -> str:
        """A date for a button label: short, in the language's format."""
        return value.strftime(self.date_format(lang, "button_date"))

    def date_format(self, lang: Language, name: str) -> str:
        return str(self.replies.texts.raw(lang, f"visits.format.{name}"))

    def bad_year(self, lang: Language) -> str:
        low, high = year_range(self.today)
        return self.t(lang, "list_bad_year", low=low, high=high)


_AUDIT_FIELDS = {
    "town_key": "town",
    "direction": "direction",
    "start": "start",
    "end": "end",
    "kind": "kind",
    "people": "people",
    "purpose": "purpose",
    "notes": "notes",
    "participants": "participants",
    "place_name": "place_name",
    "place_country": "place_country",
}
