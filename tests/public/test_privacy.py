"""Nothing private reaches the public pages or the feed.

PUBLIC lists, for every table of the database, the columns whose values may appear on a page or in the
feed; every other column is private. A new column fails the first test until it is put in one list or
the other. The second test writes a recognisable value into the private columns (a visit's notes, who
recorded it, staff names, chat ids and titles, what staff typed, ...) and reads every page and feed in
both languages looking for any of them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.core.calendar import DateSpan, TownDayRule
from bot.core.visits import DelegationType, Direction, VisitDraft
from bot.core.visits.files import FileKind, FileOffer
from bot.core.visits.people import Participant
from bot.core.visits.places import OTHER_TOWN, OtherPlace
from storage.public import PUBLIC_VISIT_COLUMNS
from tests.public.conftest import Site

PUBLIC: dict[str, set[str]] = {
    "towns": {
        "key", "is_home", "name_en", "name_ru", "name_local", "country", "region_en", "region_ru",
        "latitude", "longitude", "population", "population_year", "description_en", "description_ru",
        "identity_en", "identity_ru", "status_en", "status_ru", "town_day_en", "town_day_ru",
        "updated_at",  # only as the feed's Last-Modified
    },
    "town_aliases": set(),
    "town_cooperation": {"area"},
    "town_facts": {"topic", "text_en", "text_ru"},
    "agreements": {"key", "kind", "signed_year", "signed_month", "signed_day", "signed_source", "title_en", "title_ru", "parties_en", "parties_ru", "note_en", "note_ru"},
    "town_day_rules": {"town_key", "rule", "updated_at"},
    "town_day_dates": {"town_key", "year", "start_date", "end_date", "updated_at"},
    "visits": {"town_key", "direction", "start_date", "end_date", "kind", "purpose"},
    "audit_log": {"at"},  # only as the feed's Last-Modified, for town, agreement and Town Day entries
}  # fmt: skip
PRIVATE: dict[str, set[str]] = {
    "towns": {"id", "staff_fields"},
    "town_aliases": {"town_id", "alias"},
    "town_cooperation": {"town_id"},
    "town_facts": {"town_id"},
    "agreements": {"id", "town_id", "staff_fields"},
    "town_day_rules": {"typed", "updated_by"},
    "town_day_dates": {"updated_by"},
    "visits": {"id", "people", "notes", "revision", "created_by", "created_at", "updated_by", "updated_at", "deleted_at", "deleted_by", "place_name", "place_country"},
    "audit_log": {"id", "entity", "entity_id", "action", "actor_id", "before_json", "after_json"},
    "visit_counts": {"town_key", "year", "direction", "visits"},
    "visit_months": {"year", "month", "town_key", "direction", "visits", "people", "unknown"},
    "visit_years": {"year", "town_key", "direction", "visits", "people", "unknown"},
    "visit_register": {"id", "generation"},
    # the text search over purpose and notes (notes are private) and its FTS5 shadow tables
    "visits_fts": {"purpose", "notes"},
    "visits_fts_data": {"id", "block"},
    "visits_fts_idx": {"segid", "term", "pgno"},
    "visits_fts_docsize": {"id", "sz"},
    "visits_fts_config": {"k", "v"},
    "visit_filters": {"token", "filter", "used_at"},  # the filters behind staff list buttons
    "chat_preferences": {"chat_id", "language", "updated_at"},
    "staff_members": {"user_id", "name", "added_by", "added_at"},
    "people": {"user_id", "name", "seen_at"},
    "subscriptions": {"chat_id", "chat_type", "kinds", "language", "active", "title", "changed_by", "inactive_reason", "created_at", "updated_at", "digest"},
    "subscription_towns": {"chat_id", "town_key"},
    "delivery_ledger": {"id", "event_key", "occurrence", "chat_id", "lead_days", "due_date", "status", "delayed", "attempts", "claim", "claimed_at", "sent_at", "message_id", "error", "created_at"},
    "reminder_passes": {"pass_date", "status", "delayed", "runs", "planned", "sent", "started_at", "finished_at", "note"},
    "idempotency_keys": {"key", "entity", "entity_id", "created_at"},
    "ptb_conversations": {"name", "key", "state", "updated_at"},
    "ptb_data": {"kind", "id", "data", "updated_at"},
    "instance_lease": {"name", "holder", "pid", "host", "token_hash", "mode", "version", "started_at", "heartbeat_at"},
    "backup_runs": {"id", "started_at", "finished_at", "path", "ok", "size_bytes", "detail"},
    "fault_log": {"id", "at", "kind"},
    "inbox": {"update_id", "payload", "received_at", "done_at"},  # updates as Telegram sent them
    "faq_entries": {"id", "question_ru", "question_en", "answer_ru", "answer_en", "created_by", "created_at", "updated_at"},
    "question_log": {"id", "asked_at", "text", "language", "chat_type", "outcome", "intent", "message_id", "helpful", "answered_by_faq"},
    # who was in a delegation and the files kept with a visit: staff data, never public
    "visit_participants": {"visit_id", "position", "name", "role", "head"},
    "visit_files": {"id", "visit_id", "kind", "file_id", "file_unique_id", "name", "mime", "size", "added_by", "added_at", "removed_at", "removed_by"},
}  # fmt: skip

SECRET_ID = 987654321
SECRETS = [
    "NOTE-zq81",
    "DELETED-zq82",
    "STAFFNAME-zq83",
    "PERSON-zq84",
    "GROUPTITLE-zq85",
    "TYPED-zq86",
    "PTBDATA-zq87",
    "LEDGERERR-zq88",
    "IDEMKEY-zq89",
    "PARTICIPANT-zq90",
    "ROLE-zq91",
    "FILENAME-zq92",
    "FILEID-zq93",
    "OTHERPLACE-zq94",
    "OTHERPURPOSE-zq95",
    str(SECRET_ID),
    "4321",
    "4 321",
    "4\u00a0321",
    "-100777666555",
]


async def test_every_column_of_every_table_is_either_public_or_private(site: Site) -> None:
    tables = await site.runtime.database.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    actual: dict[str, set[str]] = {}
    for (table,) in tables:
        columns = await site.runtime.database.fetchall("SELECT name FROM pragma_table_info(?)", (table,))
        actual[str(table)] = {str(column[0]) for column in columns}
    for table, columns in actual.items():
        public, private = PUBLIC.get(table, set()), PRIVATE.get(table, set())
        assert not public & private, table
        assert public | private == columns, f"{table}: classify {sorted(columns - public - private)}"
    assert set(PUBLIC) | set(PRIVATE) == set(actual)
    assert set(PUBLIC_VISIT_COLUMNS) <= PUBLIC["visits"]


async def test_no_private_value_reaches_a_page_or_the_feed(site: Site) -> None:
    rt = site.runtime
    db = rt.database
    await site.add_visit(
        "narva", date(2025, 4, 3), "Public purpose", notes="NOTE-zq81", people=4321, actor=SECRET_ID
    )
    await site.add_visit("narva", date(2025, 4, 4), "DELETED-zq82", actor=SECRET_ID)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE visits SET deleted_at = '2025-05-01T00:00:00Z', deleted_by = ? WHERE purpose = 'DELETED-zq82'",
            (SECRET_ID,),
        )
        await conn.execute(
            "INSERT INTO staff_members (user_id, name, added_by) VALUES (?, 'STAFFNAME-zq83', ?)",
            (SECRET_ID, SECRET_ID),
        )
        await conn.execute("INSERT INTO people (user_id, name) VALUES (?, 'PERSON-zq84')", (SECRET_ID + 1,))
        await conn.execute(
            "INSERT INTO subscriptions (chat_id, chat_type, kinds, language, title, changed_by) "
            "VALUES (-100777666555, 'supergroup', 'all', 'ru', 'GROUPTITLE-zq85', ?)",
            (SECRET_ID,),
        )
        await conn.execute("INSERT INTO chat_preferences (chat_id, language) VALUES (-100777666555, 'en')")
        await conn.execute(
            "INSERT INTO ptb_data (kind, id, data) VALUES ('user', ?, '\"PTBDATA-zq87\"')", (SECRET_ID,)
        )
        await conn.execute(
            "INSERT INTO delivery_ledger (event_key, occurrence, chat_id, lead_days, due_date, error) "
            "VALUES ('x', '2026', -100777666555, 1, '2026-11-26', 'LEDGERERR-zq88')"
        )
        await conn.execute(
            "INSERT INTO idempotency_keys (key, entity, entity_id) VALUES ('IDEMKEY-zq89', 'visit', '1')"
        )
    public_visit = (await rt.visits.list(town_key="narva"))[-1]
    await rt.visits.set_participants(
        public_visit.id, (Participant("PARTICIPANT-zq90", "ROLE-zq91", head=True),), SECRET_ID
    )
    offer = FileOffer(FileKind.DOCUMENT, "FILEID-zq93", "u", "FILENAME-zq92.pdf", "application/pdf", 4321)
    await rt.visits.attach(public_visit.id, offer, SECRET_ID)
    for day in (date(2025, 4, 5), date(2027, 1, 5)):  # held and planned: neither on a page nor in the feed
        other = VisitDraft(
            OTHER_TOWN, Direction.INCOMING, day, None, DelegationType.OFFICIAL, 3, "OTHERPURPOSE-zq95"
        )
        await rt.visits.record(
            replace(other, place=OtherPlace("OTHERPLACE-zq94", "EE")), SECRET_ID, f"o{day}"
        )
    await rt.calendar.set_rule("narva", TownDayRule.decode("weekend:1:6"), "TYPED-zq86", SECRET_ID)
    await rt.calendar.set_date("raisio", DateSpan(date(2027, 5, 15), date(2027, 5, 16)), SECRET_ID)
    await rt.visits.load_public(rt.today())
    paths = ["/", "/upcoming", "/calendar.ics", "/calendar.ics?town=narva", "/map.svg", "/town/atlantis"]
    paths += [f"/town/{town.key}" for town in rt.directory.towns]
    seen = 0
    for path in paths:
        for lang in ("ru", "en"):
            separator = "&" if "?" in path else "?"
            response = await site.get(f"{path}{separator}lang={lang}")
            assert response.status_code in (200, 404), path
            body = response.text
            for secret in SECRETS:
                assert secret not in body, (path, lang, secret)
            seen += "Public purpose" in body
    assert seen == 2  # the visit itself is public: its date, direction, kind and purpose
