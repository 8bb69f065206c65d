-- What a visit record lacked (issue 14): who was in the delegation, with its head, and the files kept
-- with it (photos, the programme, the protocol). Both are staff data: never on public pages, the feed
-- or residents' answers. A list is replaced whole in one transaction (bot/core/visits/people.py).

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
