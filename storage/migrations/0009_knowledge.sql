-- The knowledge the office grows from the chat (issue 8): its own question-and-answer entries, and the
-- residents' questions the bot could not answer (or answered only with a fallback), with the residents'
-- helpful / not helpful marks. No resident's user id, name or chat id is kept: text, language, time and
-- the kind of chat only. (Numbered 0007 on its branch; the lead renumbers at merge if 0007 is taken.)

CREATE TABLE faq_entries (
    id          INTEGER PRIMARY KEY,            -- the N of /faq edit N, /faq remove N
    question_ru TEXT    NOT NULL DEFAULT '',
    question_en TEXT    NOT NULL DEFAULT '',
    answer_ru   TEXT    NOT NULL DEFAULT '',
    answer_en   TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER NOT NULL,               -- staff id (staff are not residents)
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    CHECK (question_ru <> '' OR question_en <> ''),
    CHECK (answer_ru <> '' OR answer_en <> '')
);

-- One row per resident question answered in a chat: what was asked, how it went, and the mark.
CREATE TABLE question_log (
    id         INTEGER PRIMARY KEY,
    asked_at   TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    language   TEXT    NOT NULL CHECK (language IN ('ru', 'en')),
    chat_type  TEXT    NOT NULL,                -- private, group, supergroup, channel
    outcome    TEXT    NOT NULL CHECK (outcome IN ('answered', 'fallback', 'unanswered')),
    intent     TEXT    NOT NULL,
    message_id INTEGER,                         -- the bot's answer message: a mark must come from it
    helpful    INTEGER CHECK (helpful IN (0, 1)),  -- NULL until marked; the first mark stays
    answered_by_faq INTEGER                     -- a FAQ entry written for it (from /unanswered)
);
CREATE INDEX question_log_recent ON question_log (asked_at);
