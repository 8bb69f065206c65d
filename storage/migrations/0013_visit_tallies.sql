-- Live visits per (year, town, direction) and per (year, month, town, direction) of the start date,
-- with their headcount, kept by the triggers below. /stats sums whole years from the first (towns x 2
-- rows a year), whole months of the part years from the second, and reads single visits only for the
-- part months at the ends of a stretch (storage/visit_stats.py), so its cost stays flat as the register
-- grows: a pass over the visits took ~17 ms at 100,000 and ~170 ms at 1,000,000. A visit to a place that
-- is not a partner (town_key NULL) is counted under '~other' (bot.core.visits.places.OTHER_TOWN).

CREATE TABLE visit_years (
    year      INTEGER NOT NULL,
    town_key  TEXT    NOT NULL,
    direction TEXT    NOT NULL,
    visits    INTEGER NOT NULL CHECK (visits >= 0),
    people    INTEGER NOT NULL CHECK (people >= 0),   -- the headcounts given, summed
    unknown   INTEGER NOT NULL CHECK (unknown >= 0),  -- visits without a headcount
    PRIMARY KEY (year, town_key, direction)
) WITHOUT ROWID;

CREATE TABLE visit_months (
    year      INTEGER NOT NULL,
    month     INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    town_key  TEXT    NOT NULL,
    direction TEXT    NOT NULL,
    visits    INTEGER NOT NULL CHECK (visits >= 0),
    people    INTEGER NOT NULL CHECK (people >= 0),   -- the headcounts given, summed
    unknown   INTEGER NOT NULL CHECK (unknown >= 0),  -- visits without a headcount
    PRIMARY KEY (year, month, town_key, direction)
) WITHOUT ROWID;

INSERT INTO visit_months (year, month, town_key, direction, visits, people, unknown)
SELECT CAST(substr(start_date, 1, 4) AS INTEGER), CAST(substr(start_date, 6, 2) AS INTEGER),
       coalesce(town_key, '~other'), direction, count(*), coalesce(sum(people), 0), sum(people IS NULL)
FROM visits WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4;

INSERT INTO visit_years (year, town_key, direction, visits, people, unknown)
SELECT year, town_key, direction, sum(visits), sum(people), sum(unknown)
FROM visit_months GROUP BY 1, 2, 3;

CREATE TRIGGER visit_tallies_on_insert AFTER INSERT ON visits WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO visit_months (year, month, town_key, direction, visits, people, unknown)
    VALUES (
        CAST(substr(NEW.start_date, 1, 4) AS INTEGER), CAST(substr(NEW.start_date, 6, 2) AS INTEGER),
        coalesce(NEW.town_key, '~other'), NEW.direction, 1, coalesce(NEW.people, 0), NEW.people IS NULL
    )
    ON CONFLICT (year, month, town_key, direction) DO UPDATE SET
        visits = visits + 1, people = people + excluded.people, unknown = unknown + excluded.unknown;
    INSERT INTO visit_years (year, town_key, direction, visits, people, unknown)
    VALUES (
        CAST(substr(NEW.start_date, 1, 4) AS INTEGER), coalesce(NEW.town_key, '~other'), NEW.direction, 1, coalesce(NEW.people, 0),
        NEW.people IS NULL
    )
    ON CONFLICT (year, town_key, direction) DO UPDATE SET
        visits = visits + 1, people = people + excluded.people, unknown = unknown + excluded.unknown;
END;

CREATE TRIGGER visit_tallies_on_update
AFTER UPDATE OF town_key, direction, start_date, people, deleted_at ON visits
BEGIN
    UPDATE visit_months
    SET visits = visits - 1, people = people - coalesce(OLD.people, 0), unknown = unknown - (OLD.people IS NULL)
    WHERE OLD.deleted_at IS NULL
      AND year = CAST(substr(OLD.start_date, 1, 4) AS INTEGER)
      AND month = CAST(substr(OLD.start_date, 6, 2) AS INTEGER)
      AND town_key = coalesce(OLD.town_key, '~other')
      AND direction = OLD.direction;
    UPDATE visit_years
    SET visits = visits - 1, people = people - coalesce(OLD.people, 0), unknown = unknown - (OLD.people IS NULL)
    WHERE OLD.deleted_at IS NULL
      AND year = CAST(substr(OLD.start_date, 1, 4) AS INTEGER)
      AND town_key = coalesce(OLD.town_key, '~other')
      AND direction = OLD.direction;
    INSERT INTO visit_months (year, month, town_key, direction, visits, people, unknown)
    SELECT CAST(substr(NEW.start_date, 1, 4) AS INTEGER), CAST(substr(NEW.start_date, 6, 2) AS INTEGER),
           coalesce(NEW.town_key, '~other'), NEW.direction, 1, coalesce(NEW.people, 0), NEW.people IS NULL
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (year, month, town_key, direction) DO UPDATE SET
        visits = visits + 1, people = people + excluded.people, unknown = unknown + excluded.unknown;
    INSERT INTO visit_years (year, town_key, direction, visits, people, unknown)
    SELECT CAST(substr(NEW.start_date, 1, 4) AS INTEGER), coalesce(NEW.town_key, '~other'), NEW.direction, 1, coalesce(NEW.people, 0),
           NEW.people IS NULL
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (year, town_key, direction) DO UPDATE SET
        visits = visits + 1, people = people + excluded.people, unknown = unknown + excluded.unknown;
END;

CREATE TRIGGER visit_tallies_on_delete AFTER DELETE ON visits WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE visit_months
    SET visits = visits - 1, people = people - coalesce(OLD.people, 0), unknown = unknown - (OLD.people IS NULL)
    WHERE year = CAST(substr(OLD.start_date, 1, 4) AS INTEGER)
      AND month = CAST(substr(OLD.start_date, 6, 2) AS INTEGER)
      AND town_key = coalesce(OLD.town_key, '~other')
      AND direction = OLD.direction;
    UPDATE visit_years
    SET visits = visits - 1, people = people - coalesce(OLD.people, 0), unknown = unknown - (OLD.people IS NULL)
    WHERE year = CAST(substr(OLD.start_date, 1, 4) AS INTEGER)
      AND town_key = coalesce(OLD.town_key, '~other')
      AND direction = OLD.direction;
END;
