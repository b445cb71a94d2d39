//! The schema, as an ordered list of migrations. Never edit a released migration: add one.

use rusqlite_migration::{Migrations, M};

pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('generation', '0');

CREATE TABLE taxonomy (
    dimension   TEXT NOT NULL CHECK (dimension IN ('domain', 'cause', 'failure_mode')),
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    parent      TEXT,
    aliases     TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (dimension, slug)
);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    year        INTEGER,
    source      TEXT NOT NULL,
    incomplete  INTEGER NOT NULL DEFAULT 0,
    doc         TEXT NOT NULL,
    hash        TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    provenance  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX cases_year ON cases (year);

CREATE TABLE case_labels (
    case_id   TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    position  INTEGER NOT NULL,
    slug      TEXT,
    raw       TEXT NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('confirmed', 'inferred', 'unmapped')),
    is_primary INTEGER NOT NULL DEFAULT 0,
    evidence  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (case_id, dimension, position),
    FOREIGN KEY (dimension, slug) REFERENCES taxonomy (dimension, slug),
    CHECK ((state = 'unmapped') = (slug IS NULL))
);
CREATE INDEX case_labels_slug ON case_labels (dimension, slug);

CREATE TABLE case_references (
    case_id  TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind     TEXT,
    title    TEXT,
    authors  TEXT NOT NULL DEFAULT '[]',
    venue    TEXT,
    year     INTEGER,
    doi      TEXT,
    arxiv    TEXT,
    url      TEXT,
    PRIMARY KEY (case_id, position)
);
CREATE INDEX case_references_doi ON case_references (lower(doi));

CREATE TABLE revisions (
    id          INTEGER PRIMARY KEY,
    case_id     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    hash        TEXT NOT NULL,
    provenance  TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    UNIQUE (case_id, version)
);
"#,
        ),
        M::up(
            r#"
CREATE TABLE submissions (
    id          INTEGER PRIMARY KEY,
    public_id   TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    title       TEXT NOT NULL,
    doc         TEXT NOT NULL,
    contributor TEXT,
    client      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    reviewer    TEXT,
    reason      TEXT,
    case_id     TEXT
);
CREATE INDEX submissions_status ON submissions (status, created_at);

CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"#,
        ),
        // The home page and the feed list the newest cases; without this, each asked for a
        // scan and sort of every case (200 ms at 100k cases).
        M::up("CREATE INDEX cases_newest ON cases (created_at DESC, year DESC, id);"),
        // The `method` dimension (model families). SQLite cannot change a CHECK constraint, so
        // the taxonomy table is rebuilt the documented way (new table, copy, drop, rename),
        // which needs foreign keys off: `Store::init` turns them on after the migrations, and
        // the foreign key check below proves no label lost its entry.
        M::up(
            r#"
CREATE TABLE taxonomy_new (
    dimension   TEXT NOT NULL CHECK (dimension IN ('domain', 'cause', 'failure_mode', 'method')),
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    parent      TEXT,
    aliases     TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (dimension, slug)
);
INSERT INTO taxonomy_new (dimension, slug, name, description, parent, aliases)
    SELECT dimension, slug, name, description, parent, aliases FROM taxonomy;
DROP TABLE taxonomy;
ALTER TABLE taxonomy_new RENAME TO taxonomy;
"#,
        )
        .foreign_key_check(),
        // Labels mapped by a looser rule than an exact alias (`matched`): SQLite cannot change
        // a CHECK constraint, so the table is rebuilt.
        M::up(
            r#"
CREATE TABLE case_labels_v5 (
    case_id   TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    position  INTEGER NOT NULL,
    slug      TEXT,
    raw       TEXT NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('confirmed', 'inferred', 'unmapped', 'matched')),
    is_primary INTEGER NOT NULL DEFAULT 0,
    evidence  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (case_id, dimension, position),
    FOREIGN KEY (dimension, slug) REFERENCES taxonomy (dimension, slug),
    CHECK ((state = 'unmapped') = (slug IS NULL))
);
INSERT INTO case_labels_v5 SELECT case_id, dimension, position, slug, raw, state, is_primary, evidence FROM case_labels;
DROP TABLE case_labels;
ALTER TABLE case_labels_v5 RENAME TO case_labels;
CREATE INDEX case_labels_slug ON case_labels (dimension, slug);
"#,
        )
        .foreign_key_check(),
        // The changes each generation made, so that an index on another node can follow the
        // store (`Store::changes_since`); a NULL case id means "everything" (a restore).
        M::up(
            r#"
CREATE TABLE changes (
    generation INTEGER NOT NULL,
    case_id    TEXT
);
CREATE INDEX changes_generation ON changes (generation);
"#,
        ),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
