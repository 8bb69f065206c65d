-- Finding visits (bot/core/visits/filters.py, storage/visit_search.py).
--
-- Text search over the register's texts: an FTS5 index with the unicode61 tokenizer, which folds case
-- for Cyrillic as well as Latin (SQLite's LOWER() and LIKE fold ASCII only). It is contentless (the
-- texts stay in `visits` alone) and holds them with ё as е, as bot.core.visits.normalize reads them, so
-- "ёлка" and "елка" find each other. The triggers keep it in step with `visits`, live visits only: a
-- deleted visit leaves the index and a restored one comes back, so the index alone counts the hits.
--
-- The indexed columns are storage.visit_search.SEARCH_COLUMNS: a column added there (participants) needs
-- a migration that drops and recreates this table and its triggers with it, then re-fills it.
CREATE VIRTUAL TABLE visits_fts USING fts5(
    purpose, notes, content = '', tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO visits_fts (rowid, purpose, notes)
SELECT id, replace(replace(purpose, 'ё', 'е'), 'Ё', 'Е'), replace(replace(notes, 'ё', 'е'), 'Ё', 'Е')
FROM visits WHERE deleted_at IS NULL;

CREATE TRIGGER visits_fts_on_insert AFTER INSERT ON visits WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO visits_fts (rowid, purpose, notes)
    VALUES (
        NEW.id,
        replace(replace(NEW.purpose, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(NEW.notes, 'ё', 'е'), 'Ё', 'Е')
    );
END;

CREATE TRIGGER visits_fts_on_update AFTER UPDATE OF purpose, notes, deleted_at ON visits
BEGIN
    INSERT INTO visits_fts (visits_fts, rowid, purpose, notes)
    SELECT
        'delete',
        OLD.id,
        replace(replace(OLD.purpose, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(OLD.notes, 'ё', 'е'), 'Ё', 'Е')
    WHERE OLD.deleted_at IS NULL;
    INSERT INTO visits_fts (rowid, purpose, notes)
    SELECT
        NEW.id,
        replace(replace(NEW.purpose, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(NEW.notes, 'ё', 'е'), 'Ё', 'Е')
    WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER visits_fts_on_delete AFTER DELETE ON visits WHEN OLD.deleted_at IS NULL
BEGIN
    INSERT INTO visits_fts (visits_fts, rowid, purpose, notes)
    VALUES (
        'delete',
        OLD.id,
        replace(replace(OLD.purpose, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(OLD.notes, 'ё', 'е'), 'Ё', 'Е')
    );
END;

-- The filters behind the page buttons of a found list: a button carries the filter's token (its data
-- must fit 64 bytes, a search text does not), any staff member in the chat can page on, and a restart
-- keeps them. One row per distinct filter; rows unused for 180 days are dropped when a new one is kept.
CREATE TABLE visit_filters (
    token   TEXT PRIMARY KEY CHECK (length(token) = 12),
    filter  TEXT NOT NULL CHECK (json_valid(filter)),
    used_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;
