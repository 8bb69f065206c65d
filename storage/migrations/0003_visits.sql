-- Delegation visits (soft delete, a revision per change), their per-town/year/direction counts kept by
-- triggers for fast statistics, idempotency keys that make a repeated "save" create one visit, and
-- the state python-telegram-bot keeps between updates (conversations, user/chat data), so that a
-- half-filled form survives a restart. Everything lives in this one file.

CREATE TABLE visits (
    id          INTEGER PRIMARY KEY,
    town_key    TEXT    NOT NULL REFERENCES towns (key) ON UPDATE CASCADE,
    direction   TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    start_date  TEXT    NOT NULL CHECK (start_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    end_date    TEXT    CHECK (
        end_date IS NULL
        OR (end_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND end_date >= start_date)
    ),
    kind        TEXT    NOT NULL CHECK (
        kind IN ('official', 'business', 'youth', 'schoolchildren', 'cultural', 'sports', 'medical', 'other')
    ),
    people      INTEGER CHECK (people IS NULL OR people BETWEEN 1 AND 10000),
    purpose     TEXT    NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    notes       TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    revision    INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by  INTEGER NOT NULL,
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at  TEXT,
    deleted_by  INTEGER
);

-- newest first, live visits only: the town card, `/visits TOWN`, `/visits`, the year filter
CREATE INDEX visits_by_town ON visits (town_key, start_date DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX visits_by_date ON visits (start_date DESC, id DESC) WHERE deleted_at IS NULL;

-- live visits per (town, year of the start date, direction), maintained by the triggers below
CREATE TABLE visit_counts (
    town_key  TEXT    NOT NULL,
    year      INTEGER NOT NULL,
    direction TEXT    NOT NULL,
    visits    INTEGER NOT NULL CHECK (visits >= 0),
    PRIMARY KEY (town_key, year, direction)
) WITHOUT ROWID;

-- one row; grows with every change to the register (list buttons carry it to notice a stale list)
CREATE TABLE visit_register (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO visit_register (id, generation) VALUES (1, 0);

CREATE TRIGGER visits_counted_on_insert AFTER INSERT ON visits
BEGIN
    INSERT INTO visit_counts (town_key, year, direction, visits)
    SELECT NEW.town_key, CAST(substr(NEW.start_date, 1, 4) AS INTEGER), NEW.direction, 1
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (town_key, year, direction) DO UPDATE SET visits = visits + 1;
    UPDATE visit_register SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER visits_counted_on_update AFTER UPDATE ON visits
BEGIN
    UPDATE visit_counts SET visits = visits - 1
    WHERE OLD.deleted_at IS NULL
      AND town_key = OLD.town_key
      AND year = CAST(substr(OLD.start_date, 1, 4) AS INTEGER)
      AND direction = OLD.direction;
    INSERT INTO visit_counts (town_key, year, direction, visits)
    SELECT NEW.town_key, CAST(substr(NEW.start_date, 1, 4) AS INTEGER), NEW.direction, 1
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (town_key, year, direction) DO UPDATE SET visits = visits + 1;
    UPDATE visit_register SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER visits_counted_on_delete AFTER DELETE ON visits
BEGIN
    UPDATE visit_counts SET visits = visits - 1
    WHERE OLD.deleted_at IS NULL
      AND town_key = OLD.town_key
      AND year = CAST(substr(OLD.start_date, 1, 4) AS INTEGER)
      AND direction = OLD.direction;
    UPDATE visit_register SET generation = generation + 1 WHERE id = 1;
END;

-- A key per write that must happen once (a form's Save, a one-line /visit message), written in the
-- same transaction as the visit: a repeated key finds the visit made the first time.
CREATE TABLE idempotency_keys (
    key        TEXT    PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
    entity     TEXT    NOT NULL,
    entity_id  TEXT    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;

-- python-telegram-bot persistence (bot/persistence.py): conversation states by handler name and
-- JSON-encoded key, and user/chat/bot data as JSON.
CREATE TABLE ptb_conversations (
    name       TEXT NOT NULL,
    key        TEXT NOT NULL,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (name, key)
) WITHOUT ROWID;

CREATE TABLE ptb_data (
    kind       TEXT    NOT NULL CHECK (kind IN ('user', 'chat', 'bot', 'callback')),
    id         INTEGER NOT NULL,
    data       TEXT    NOT NULL,
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
