-- Partner towns, their agreements and the facts residents ask about; chat language preferences.

CREATE TABLE towns (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE CHECK (key GLOB '[a-z]*' AND length(key) <= 40),
    is_home         INTEGER NOT NULL DEFAULT 0 CHECK (is_home IN (0, 1)),
    name_en         TEXT    NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    name_ru         TEXT    NOT NULL CHECK (length(name_ru) BETWEEN 1 AND 200),
    name_local      TEXT    NOT NULL DEFAULT '',
    country         TEXT    NOT NULL CHECK (length(country) = 2),
    region_en       TEXT    NOT NULL DEFAULT '',
    region_ru       TEXT    NOT NULL DEFAULT '',
    latitude        REAL    CHECK (latitude BETWEEN -90 AND 90),
    longitude       REAL    CHECK (longitude BETWEEN -180 AND 180),
    population      INTEGER CHECK (population > 0),
    population_year INTEGER,
    description_en  TEXT    NOT NULL DEFAULT '',
    description_ru  TEXT    NOT NULL DEFAULT '',
    identity_en     TEXT    NOT NULL DEFAULT '',
    identity_ru     TEXT    NOT NULL DEFAULT '',
    status_en       TEXT    NOT NULL DEFAULT '',
    status_ru       TEXT    NOT NULL DEFAULT '',
    town_day_en     TEXT    NOT NULL DEFAULT '',
    town_day_ru     TEXT    NOT NULL DEFAULT '',
    -- names of the columns staff changed in chat; `twinbot import-towns` leaves those alone
    staff_fields    TEXT    NOT NULL DEFAULT '[]',
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE town_aliases (
    town_id INTEGER NOT NULL REFERENCES towns (id) ON DELETE CASCADE,
    alias   TEXT    NOT NULL CHECK (length(alias) BETWEEN 1 AND 200),
    PRIMARY KEY (town_id, alias)
);

CREATE TABLE town_cooperation (
    town_id INTEGER NOT NULL REFERENCES towns (id) ON DELETE CASCADE,
    area    TEXT    NOT NULL,
    PRIMARY KEY (town_id, area)
);

CREATE TABLE town_facts (
    town_id INTEGER NOT NULL REFERENCES towns (id) ON DELETE CASCADE,
    topic   TEXT    NOT NULL,
    text_en TEXT    NOT NULL,
    text_ru TEXT    NOT NULL,
    PRIMARY KEY (town_id, topic)
);

CREATE TABLE agreements (
    id           INTEGER PRIMARY KEY,
    town_id      INTEGER NOT NULL REFERENCES towns (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    signed_year  INTEGER NOT NULL CHECK (signed_year BETWEEN 1900 AND 2200),
    -- precision is carried by which parts are known: a year alone never becomes 1 January
    signed_month INTEGER CHECK (signed_month BETWEEN 1 AND 12),
    signed_day   INTEGER CHECK (signed_day IS NULL OR (signed_day BETWEEN 1 AND 31 AND signed_month IS NOT NULL)),
    title_en     TEXT    NOT NULL,
    title_ru     TEXT    NOT NULL,
    parties_en   TEXT    NOT NULL DEFAULT '',
    parties_ru   TEXT    NOT NULL DEFAULT '',
    note_en      TEXT    NOT NULL DEFAULT '',
    note_ru      TEXT    NOT NULL DEFAULT '',
    staff_fields TEXT    NOT NULL DEFAULT '[]',
    UNIQUE (town_id, key)
);

CREATE INDEX agreements_by_year ON agreements (signed_year);

CREATE TABLE chat_preferences (
    chat_id    INTEGER PRIMARY KEY,
    language   TEXT    NOT NULL CHECK (language IN ('ru', 'en')),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
