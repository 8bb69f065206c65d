-- Staff added in chat by admins (config staff/admins are not copied here), and the audit log
-- of every change staff make: who, when, what it was before and after.

CREATE TABLE staff_members (
    user_id    INTEGER PRIMARY KEY CHECK (user_id > 0),
    name       TEXT    NOT NULL DEFAULT '',
    added_by   INTEGER NOT NULL,
    added_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    entity      TEXT    NOT NULL,              -- 'visit', 'town', 'agreement', 'town_day', 'staff', ...
    entity_id   TEXT    NOT NULL,
    action      TEXT    NOT NULL,              -- 'create', 'update', 'delete', 'restore', ...
    actor_id    INTEGER NOT NULL,
    at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    before_json TEXT,
    after_json  TEXT
);

CREATE INDEX audit_by_entity ON audit_log (entity, entity_id, id);
