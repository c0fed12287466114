-- Initial schema (SQLite). Timestamps are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ': fixed width, so
-- text order is time order. Booleans are 0/1.

CREATE TABLE projects (
    id             TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL,
    api_key        TEXT    NOT NULL,          -- 'enc:v1:…' (AES-256-GCM) when ENCRYPTION_KEY is set
    is_active      INTEGER NOT NULL DEFAULT 1,
    deactivated_at TEXT,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    CONSTRAINT projects_name_unique UNIQUE (name)
);

CREATE TABLE tokens (
    id              TEXT    NOT NULL PRIMARY KEY,
    token_hash      TEXT    NOT NULL,         -- SHA-256 hex of the token; the token itself is never stored
    project_id      TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at      TEXT    NOT NULL,
    expires_at      TEXT,                     -- NULL: never expires
    is_active       INTEGER NOT NULL DEFAULT 1,
    max_requests    INTEGER,                  -- NULL: unlimited
    rate_limit_rpm  INTEGER,                  -- NULL: no per-minute limit
    request_count   INTEGER NOT NULL DEFAULT 0,
    cache_hit_count INTEGER NOT NULL DEFAULT 0,
    last_used_at    TEXT,
    revoked_at      TEXT,
    CONSTRAINT tokens_token_hash_unique UNIQUE (token_hash),
    CONSTRAINT tokens_max_requests_positive CHECK (max_requests IS NULL OR max_requests > 0),
    CONSTRAINT tokens_request_count_not_negative CHECK (request_count >= 0)
);

CREATE INDEX idx_tokens_project_id ON tokens (project_id, created_at);
CREATE INDEX idx_tokens_created_at ON tokens (created_at);

CREATE TABLE audit_events (
    id          TEXT NOT NULL PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    reason      TEXT,
    client_ip   TEXT,
    request_id  TEXT,
    project_id  TEXT,                         -- no foreign key: the record outlives the project
    token_id    TEXT,
    details     TEXT NOT NULL DEFAULT '{}'    -- JSON object of string values
);

CREATE INDEX idx_audit_occurred_at ON audit_events (occurred_at);
CREATE INDEX idx_audit_action ON audit_events (action, occurred_at);
CREATE INDEX idx_audit_project_id ON audit_events (project_id, occurred_at);
