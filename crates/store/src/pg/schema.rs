//! The PostgreSQL schema, as an ordered list of migrations (never edit a released one: add
//! one). The tables mean what SQLite's mean after its migration 6; documents are `jsonb`.

/// Migration `i` brings the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('generation', '0');
-- Which database this is, so a node can tell an index built from another one.
INSERT INTO meta (key, value) VALUES ('store_id', md5(random()::text || clock_timestamp()::text));

CREATE TABLE taxonomy (
    dimension   TEXT NOT NULL CHECK (dimension IN ('domain', 'cause', 'failure_mode', 'method')),
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
    year        BIGINT,
    source      TEXT NOT NULL,
    incomplete  BOOLEAN NOT NULL DEFAULT FALSE,
    doc         JSONB NOT NULL,
    hash        TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    provenance  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX cases_year ON cases (year);
CREATE INDEX cases_newest ON cases (created_at DESC, year DESC NULLS LAST, id);

CREATE TABLE case_labels (
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    dimension  TEXT NOT NULL,
    position   BIGINT NOT NULL,
    slug       TEXT,
    raw        TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('confirmed', 'inferred', 'unmapped', 'matched')),
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    evidence   TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (case_id, dimension, position),
    FOREIGN KEY (dimension, slug) REFERENCES taxonomy (dimension, slug),
    CHECK ((state = 'unmapped') = (slug IS NULL))
);
CREATE INDEX case_labels_slug ON case_labels (dimension, slug);

CREATE TABLE case_references (
    case_id  TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    kind     TEXT,
    title    TEXT,
    authors  TEXT NOT NULL DEFAULT '[]',
    venue    TEXT,
    year     BIGINT,
    doi      TEXT,
    arxiv    TEXT,
    url      TEXT,
    PRIMARY KEY (case_id, position)
);
CREATE INDEX case_references_doi ON case_references (lower(doi));

CREATE TABLE revisions (
    id          BIGSERIAL PRIMARY KEY,
    case_id     TEXT NOT NULL,
    version     BIGINT NOT NULL,
    doc         JSONB NOT NULL,
    hash        TEXT NOT NULL,
    provenance  TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    UNIQUE (case_id, version)
);

CREATE TABLE submissions (
    id          BIGSERIAL PRIMARY KEY,
    public_id   TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    title       TEXT NOT NULL,
    doc         JSONB NOT NULL,
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
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  TEXT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE changes (
    generation BIGINT NOT NULL,
    case_id    TEXT
);
CREATE INDEX changes_generation ON changes (generation);
"#];

/// The tables the store owns, parents before children (the order a copy inserts in).
pub(crate) const TABLES: &[&str] = &[
    "meta",
    "taxonomy",
    "cases",
    "case_labels",
    "case_references",
    "revisions",
    "submissions",
    "users",
    "sessions",
    "changes",
];
