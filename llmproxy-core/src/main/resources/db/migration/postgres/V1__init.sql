-- Initial schema (PostgreSQL). Text columns that are sorted or compared use COLLATE "C" (code point
-- order) so lists come back in the same order as on SQLite and in memory, whatever the database locale.

CREATE TABLE projects (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL,
    api_key        TEXT        NOT NULL,      -- 'enc:v1:…' (AES-256-GCM) when ENCRYPTION_KEY is set
    is_active      BOOLEAN     NOT NULL DEFAULT TRUE,
    deactivated_at TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT projects_name_unique UNIQUE (name)
);

CREATE TABLE tokens (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    token_hash      TEXT COLLATE "C" NOT NULL, -- SHA-256 hex of the token; the token itself is never stored
    project_id      TEXT COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ,               -- NULL: never expires
    is_active       BOOLEAN     NOT NULL DEFAULT TRUE,
    max_requests    BIGINT,                    -- NULL: unlimited
    rate_limit_rpm  INTEGER,                   -- NULL: no per-minute limit
    request_count   BIGINT      NOT NULL DEFAULT 0,
    cache_hit_count BIGINT      NOT NULL DEFAULT 0,
    last_used_at    TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ,
    CONSTRAINT tokens_token_hash_unique UNIQUE (token_hash),
    CONSTRAINT tokens_max_requests_positive CHECK (max_requests IS NULL OR max_requests > 0),
    CONSTRAINT tokens_request_count_not_negative CHECK (request_count >= 0)
);

CREATE INDEX idx_tokens_project_id ON tokens (project_id, created_at);
CREATE INDEX idx_tokens_created_at ON tokens (created_at);

CREATE TABLE audit_events (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    reason      TEXT,
    client_ip   TEXT,
    request_id  TEXT,
    project_id  TEXT,                          -- no foreign key: the record outlives the project
    token_id    TEXT,
    details     TEXT NOT NULL DEFAULT '{}'     -- JSON object of string values
);

CREATE INDEX idx_audit_occurred_at ON audit_events (occurred_at);
CREATE INDEX idx_audit_action ON audit_events (action, occurred_at);
CREATE INDEX idx_audit_project_id ON audit_events (project_id, occurred_at);
