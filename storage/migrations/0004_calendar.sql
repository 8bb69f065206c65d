-- Part 3: the calendar (Town Day rules and the dates set for single years), subscriptions to reminders,
-- the delivery ledger that makes every reminder exactly-once, and the bookkeeping of the daily passes.

-- A town's Town Day rule ("first weekend of June"), as bot.core.calendar.TownDayRule.encode() writes it.
-- No row, or rule NULL: no rule (the Town Day is unknown unless a date is set for the year).
CREATE TABLE town_day_rules (
    town_key   TEXT    PRIMARY KEY REFERENCES towns (key) ON UPDATE CASCADE ON DELETE CASCADE,
    rule       TEXT    CHECK (rule IS NULL OR rule GLOB 'fixed:*' OR rule GLOB 'weekday:*' OR rule GLOB 'weekend:*'),
    typed      TEXT    NOT NULL DEFAULT '',        -- what staff typed, kept for the record
    updated_by INTEGER NOT NULL DEFAULT 0,         -- 0: the shipped data
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- A concrete Town Day for one year; it overrides the rule for that year.
CREATE TABLE town_day_dates (
    town_key   TEXT    NOT NULL REFERENCES towns (key) ON UPDATE CASCADE ON DELETE CASCADE,
    year       INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2200),
    start_date TEXT    NOT NULL CHECK (start_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    end_date   TEXT    NOT NULL CHECK (end_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    updated_by INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (town_key, year),
    CHECK (end_date >= start_date),
    CHECK (CAST(substr(start_date, 1, 4) AS INTEGER) = year)
);

-- A chat that wants reminders. kinds: what it chose in /subscribe. Inactive rows are kept (an
-- unsubscribe, or a 403 from Telegram) so that subscribing again restores the chosen towns.
CREATE TABLE subscriptions (
    chat_id     INTEGER PRIMARY KEY,
    chat_type   TEXT    NOT NULL CHECK (chat_type IN ('private', 'group', 'supergroup', 'channel')),
    kinds       TEXT    NOT NULL CHECK (kinds IN ('anniversaries', 'town_days', 'all')),
    language    TEXT    NOT NULL CHECK (language IN ('ru', 'en')),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    title       TEXT    NOT NULL DEFAULT '',
    changed_by  INTEGER NOT NULL DEFAULT 0,
    inactive_reason TEXT NOT NULL DEFAULT '',     -- 'unsubscribed', 'blocked', 'chat not found', ...
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE INDEX subscriptions_active ON subscriptions (active, chat_id);

-- Only these towns (no rows: every town).
CREATE TABLE subscription_towns (
    chat_id  INTEGER NOT NULL REFERENCES subscriptions (chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    town_key TEXT    NOT NULL REFERENCES towns (key) ON UPDATE CASCADE ON DELETE CASCADE,
    PRIMARY KEY (chat_id, town_key)
) WITHOUT ROWID;

-- One row per reminder that is due: (event, occurrence, chat, lead) is unique, so a reminder can be
-- planned any number of times and still exists once. The status moves
--   pending -> sending (claimed right before the HTTP request) -> sent
--   sending -> pending  (Telegram definitely did not deliver: 429, connection refused, 5xx)
--   sending -> failed | blocked (Telegram refused for good: 400, 403)
--   sending -> in_doubt (the request may have been delivered: a read timeout, a crash mid-request;
--                        never sent again, so never twice)
--   pending -> expired  (still undelivered when the catch-up window closed)
-- See bot/reminders.py for the whole protocol.
CREATE TABLE delivery_ledger (
    id         INTEGER PRIMARY KEY,
    event_key  TEXT    NOT NULL,
    occurrence TEXT    NOT NULL,
    chat_id    INTEGER NOT NULL,
    lead_days  INTEGER NOT NULL CHECK (lead_days >= 0),
    due_date   TEXT    NOT NULL,                 -- the local day of the pass it belongs to
    status     TEXT    NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sending', 'sent', 'in_doubt', 'failed', 'blocked', 'expired')),
    delayed    INTEGER NOT NULL DEFAULT 0 CHECK (delayed IN (0, 1)),
    attempts   INTEGER NOT NULL DEFAULT 0,
    claim      TEXT,                             -- token of the attempt that holds a 'sending' row
    claimed_at REAL,                             -- unix time of the claim (stale claims become in_doubt)
    sent_at    TEXT,
    message_id INTEGER,
    error      TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (event_key, occurrence, chat_id, lead_days)
);

CREATE INDEX delivery_ledger_open ON delivery_ledger (status, due_date);
CREATE INDEX delivery_ledger_by_day ON delivery_ledger (due_date, chat_id);

-- One row per local day with a pass: 'running' until the pass got through everyone once, 'skipped'
-- when the bot came back after the catch-up window had closed.
CREATE TABLE reminder_passes (
    pass_date   TEXT    PRIMARY KEY CHECK (pass_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    status      TEXT    NOT NULL CHECK (status IN ('running', 'done', 'skipped')),
    delayed     INTEGER NOT NULL DEFAULT 0 CHECK (delayed IN (0, 1)),
    runs        INTEGER NOT NULL DEFAULT 0,
    planned     INTEGER NOT NULL DEFAULT 0,
    sent        INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT,
    finished_at TEXT,
    note        TEXT    NOT NULL DEFAULT ''
);
