"""The calendar as an RFC 5545 .ics file (icalendar library), for Outlook, Google Calendar or a phone.

* Agreement anniversaries with an exact date: one all-day event per agreement, repeating yearly
  (RRULE FREQ=YEARLY; 29 February as BYMONTH=2;BYMONTHDAY=-1, i.e. 28 February in common years, as the
  reminders do). Round anniversaries in the coming years get an event of their own as well.
* Agreements known only to the year or month have no day: they are not placed on any day (the
  reminders announce them; the calendar never invents a date).
* Town Days with a rule: one yearly series (RRULE ...;BYDAY=2SA for "the second weekend", lasting two
  days for a weekend); a date set for a single year replaces that year's occurrence as an override with
  the same UID and a RECURRENCE-ID (the standard way, understood by Outlook and phones). Dates without a
  rule (or from before the series starts) are single events. Unknown Town Days are absent.
* Planned visits (staff only): single events.

Every event is all-day (VALUE=DATE), so time zones never shift them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar as ICalendar
from icalendar import Event as IEvent

from bot.core.calendar import Calendar, DateSpan, safe_date
from bot.core.model import Language
from bot.replies.calendar import CalendarReplies
from bot.replies.reply import plain_text

PRODID = "-//Kingisepp District international relations//Twin Towns Bot//EN"
UID_DOMAIN = "twinbot.kingisepp"
ROUND_HORIZON_YEARS = 10


def build_ics(
    calendar: Calendar,
    texts: CalendarReplies,
    lang: Language,
    today: date,
    *,
    include_visits: bool = False,
    zone: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    ical = ICalendar()
    ical.add("prodid", PRODID)
    ical.add("version", "2.0")
    ical.add("calscale", "GREGORIAN")
    ical.add("method", "PUBLISH")
    ical.add("x-wr-calname", plain_text(texts.t(lang, "ics.calendar_name")))
    if zone:
        ical.add("x-wr-timezone", zone)

    def event(uid: str, summary: str, span: DateSpan, description: str = "") -> IEvent:
        item = IEvent()
        item.add("uid", f"{uid}@{UID_DOMAIN}")
        item.add("dtstamp", stamp)
        item.add("last-modified", stamp)  # a feed subscriber sees a staff change as an update of the event
        item.add("summary", plain_text(summary))
        item.add("dtstart", span.start)
        item.add("dtend", span.end + timedelta(days=1))  # DTEND of an all-day event is exclusive
        item.add("transp", "TRANSPARENT")
        if description:
            item.add("description", plain_text(description))
        return item

    for town in calendar.towns.values():
        _, name = texts.town_name(lang, town.key)
        for agreement in town.agreements:
            signed = agreement.signed
            if signed.month is None or signed.day is None:
                continue
            start = date(signed.year, signed.month, signed.day)
            summary = texts.t(
                lang, "ics.anniversary", name=name, title=agreement.title(lang), year=signed.year
            )
            # a day the district's text does not give says who gives it ("according to inforing.net")
            sourced = texts.t(lang, "date.per_source", source=agreement.signed_source)
            description = sourced if agreement.signed_source else ""
            series = event(
                f"anniversary-{town.key}-{agreement.key}", summary, DateSpan.day(start), description
            )
            if (signed.month, signed.day) == (2, 29):
                series.add("rrule", {"FREQ": "YEARLY", "BYMONTH": 2, "BYMONTHDAY": -1})
            else:
                series.add("rrule", {"FREQ": "YEARLY"})
            series.add("categories", ["anniversary"])
            ical.add_component(series)
            for year in range(today.year, today.year + ROUND_HORIZON_YEARS + 1):
                years = year - signed.year
                if years not in calendar.settings.round_years:
                    continue
                day = safe_date(year, signed.month, signed.day)
                summary = texts.t(
                    lang, "ics.anniversary_round", name=name, title=agreement.title(lang), years=years
                )
                single = event(f"round-{town.key}-{agreement.key}-{years}", summary, DateSpan.day(day))
                single.add("categories", ["anniversary", "round"])
                ical.add_component(single)
        info = calendar.town_day(town.key)
        summary = texts.t(lang, "ics.town_day", name=name)
        first_year = None
        if info.rule is not None:
            first_year = next((y for y in range(today.year - 1, today.year + 6) if info.rule.span(y)), None)
        if info.rule is not None and first_year is not None:
            first = info.rule.span(first_year)
            assert first is not None
            series = event(f"townday-{town.key}", summary, first, texts.rule(lang, info.rule))
            series.add("rrule", info.rule.ical_recurrence())
            series.add("categories", ["town-day"])
            ical.add_component(series)
        for year, span in sorted(info.dates.items()):
            regular = info.rule.span(year) if info.rule is not None else None
            if first_year is not None and year >= first_year and regular is not None:
                override = event(f"townday-{town.key}", summary, span)
                override.add("recurrence-id", regular.start)
                override.add("categories", ["town-day"])
                ical.add_component(override)
            else:
                single = event(f"townday-{town.key}-{year}", summary, span)
                single.add("categories", ["town-day"])
                ical.add_component(single)
    if include_visits:
        for visit in calendar.visits:
            _, name = texts.town_name(lang, visit.town_key)
            direction = texts.t(
                lang, "calendar.visit_in" if visit.direction == "in" else "calendar.visit_out"
            )
            summary = texts.t(lang, "ics.visit", name=name, id=visit.id, direction=direction)
            single = event(
                f"visit-{visit.id}", summary, DateSpan(visit.start, visit.end or visit.start), visit.purpose
            )
            single.add("categories", ["visit"])
            ical.add_component(single)
    data: bytes = ical.to_ical()
    return data
