-- Every update from Telegram, stored before it is acknowledged: before the getUpdates offset moves past
-- it (polling) or before the webhook answers 200. done_at is set when its handlers have finished; a row
-- without it is handled again at the next start, before any new update (the handlers' own dedup, such
-- as the visit's idempotency key, keeps a half-handled one from counting twice). Done rows are pruned.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT    NOT NULL,                 -- the update as Telegram sent it (JSON)
    received_at TEXT    NOT NULL,
    done_at     TEXT                              -- NULL: not handled to the end yet
);

CREATE INDEX inbox_unfinished ON inbox (update_id) WHERE done_at IS NULL;
