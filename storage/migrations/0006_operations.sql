-- Running in production: who holds the bot (one process per database and token), the backups made and
-- checked, and the faults of the last days by kind (for /status and `twinbot status`).

-- At most one row per name ('bot'): the process that runs the bot on this file. Taken in BEGIN
-- IMMEDIATE, renewed every few seconds (heartbeat_at), deleted on a clean stop. A row whose holder is a
-- dead pid on this host, or whose heartbeat is older than the lease time, is taken over.
CREATE TABLE instance_lease (
    name         TEXT    PRIMARY KEY,
    holder       TEXT    NOT NULL,                -- random id of the holding process
    pid          INTEGER NOT NULL,
    host         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL DEFAULT '',     -- sha256 prefix of the bot token, never the token
    mode         TEXT    NOT NULL DEFAULT 'polling',
    version      TEXT    NOT NULL DEFAULT '',
    started_at   REAL    NOT NULL,                -- unix time
    heartbeat_at REAL    NOT NULL
);

CREATE TABLE backup_runs (
    id          INTEGER PRIMARY KEY,
    started_at  REAL    NOT NULL,                 -- unix time
    finished_at REAL    NOT NULL,
    path        TEXT    NOT NULL DEFAULT '',
    ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
    size_bytes  INTEGER NOT NULL DEFAULT 0,
    detail      TEXT    NOT NULL DEFAULT ''       -- the check's result, or what went wrong
);

CREATE TABLE fault_log (
    id    INTEGER PRIMARY KEY,
    at    REAL    NOT NULL,                       -- unix time
    kind  TEXT    NOT NULL
);

CREATE INDEX fault_log_at ON fault_log (at);
