-- What a visit record lacked (issue 14):
--   1. visits to places that are not partners ("Таллин", a region, an organisation): the visit has no
--      partner town (town_key NULL) and names the place instead (place_name, place_country). SQLite
--      cannot drop NOT NULL in place, so the table is rebuilt as its documented procedure says, with
--      its indexes and the triggers of 0003 (which count such visits under '~other', a key no town can have);
--   2. who was in the delegation, with its head (visit_participants);
--   3. the files kept with a visit: photos, the programme, the protocol (visit_files).
-- All of it is staff data: never on public pages, the feed, the digest or residents' answers.

CREATE TABLE visits_rebuilt (
    id            INTEGER PRIMARY KEY,
    town_key      TEXT    REFERENCES towns (key) ON UPDATE CASCADE,   -- NULL: not a partner, see place_*
    place_name    TEXT,
    place_country TEXT,
    direction     TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    start_date    TEXT    NOT NULL CHECK (start_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    end_date      TEXT    CHECK (
        end_date IS NULL
        OR (end_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND end_date >= start_date)
    ),
    kind          TEXT    NOT NULL CHECK (
        kind IN ('official', 'business', 'youth', 'schoolchildren', 'cultural', 'sports', 'medical', 'other')
    ),
    people        INTEGER CHECK (people IS NULL OR people BETWEEN 1 AND 10000),
    purpose       TEXT    NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    notes         TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    revision      INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_by    INTEGER NOT NULL,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by    INTEGER NOT NULL,
    updated_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at    TEXT,
    deleted_by    INTEGER,
    CHECK (
        (town_key IS NOT NULL AND place_name IS NULL AND place_country IS NULL)
        OR (
            town_key IS NULL
            AND place_name IS NOT NULL AND length(place_name) BETWEEN 1 AND 120   -- NULL would pass a CHECK
            AND place_country IS NOT NULL AND (place_country = '' OR place_country GLOB '[A-Z][A-Z]')
        )
    )
);

INSERT INTO visits_rebuilt (
    id, town_key, direction, start_date, end_date, kind, people, purpose, notes, revision,
    created_by, created_at, updated_by, updated_at, deleted_at, deleted_by
)
SELECT
    id, town_key, direction, start_date, end_date, kind, people, purpose, notes, revision,
    created_by, created_at, updated_by, updated_at, deleted_at, deleted_by
FROM visits;

DROP TABLE visits;
ALTER TABLE visits_rebuilt RENAME TO visits;

CREATE INDEX visits_by_town ON visits (town_key, start_date DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX visits_by_date ON visits (start_date DESC, id DESC) WHERE deleted_at IS NULL;

CREATE TRIGGER visits_counted_on_insert AFTER INSERT ON visits
BEGIN
    INSERT INTO visit_counts (town_key, year, direction, visits)
    SELECT coalesce(NEW.town_key, '~other'), CAST(substr(NEW.start_date, 1, 4) AS INTEGER), NEW.direction, 1
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (town_key, year, direction) DO UPDATE SET visits = visits + 1;
    UPDATE visit_register SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER visits_counted_on_update AFTER UPDATE ON visits
BEGIN
    UPDATE visit_counts SET visits = visits - 1
    WHERE OLD.deleted_at IS NULL
      AND town_key = coalesce(OLD.town_key, '~other')
      AND year = CAST(substr(OLD.start_date, 1, 4) AS INTEGER)
      AND direction = OLD.direction;
    INSERT INTO visit_counts (town_key, year, direction, visits)
    SELECT coalesce(NEW.town_key, '~other'), CAST(substr(NEW.start_date, 1, 4) AS INTEGER), NEW.direction, 1
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (town_key, year, direction) DO UPDATE SET visits = visits + 1;
    UPDATE visit_register SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER visits_counted_on_delete AFTER DELETE ON visits
BEGIN
    UPDATE visit_counts SET visits = visits - 1
    WHERE OLD.deleted_at IS NULL
      AND town_key = coalesce(OLD.town_key, '~other')
      AND year = CAST(substr(OLD.start_date, 1, 4) AS INTEGER)
      AND direction = OLD.direction;
    UPDATE visit_register SET generation = generation + 1 WHERE id = 1;
END;

CREATE TABLE visit_participants (
    visit_id  INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position BETWEEN 1 AND 200),   -- the order staff typed
    name      TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    role      TEXT    NOT NULL DEFAULT '' CHECK (length(role) <= 160),
    head      INTEGER NOT NULL DEFAULT 0 CHECK (head IN (0, 1)),     -- the head of the delegation
    PRIMARY KEY (visit_id, position)
) WITHOUT ROWID;
CREATE UNIQUE INDEX visit_participants_one_head ON visit_participants (visit_id) WHERE head = 1;

-- Telegram keeps the bytes; the register keeps what sends them back (sendDocument / sendPhoto by id).
CREATE TABLE visit_files (
    id             INTEGER PRIMARY KEY,
    visit_id       INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL CHECK (kind IN ('document', 'photo')),
    file_id        TEXT    NOT NULL CHECK (length(file_id) BETWEEN 1 AND 300),
    file_unique_id TEXT    NOT NULL DEFAULT '',          -- the same file sent twice is kept once
    name           TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    mime           TEXT    NOT NULL DEFAULT '',
    size           INTEGER CHECK (size IS NULL OR size >= 0),
    added_by       INTEGER NOT NULL,
    added_at       TEXT    NOT NULL,
    removed_at     TEXT,                                  -- removed files stay for the history
    removed_by     INTEGER
);
CREATE INDEX visit_files_of_visit ON visit_files (visit_id, id) WHERE removed_at IS NULL;
