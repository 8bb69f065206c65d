-- People who acted on the register (staff and admins): their Telegram display name, refreshed every
-- time they act, so /history, the export and /staff list can say "Olga Ivanova (1001)", not "id 1001".

CREATE TABLE people (
    user_id  INTEGER PRIMARY KEY CHECK (user_id > 0),
    name     TEXT    NOT NULL DEFAULT '',
    seen_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
