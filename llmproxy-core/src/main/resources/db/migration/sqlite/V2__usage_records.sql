-- Usage tracking (SQLite): one row per proxied /v1 request. Written in batches by the usage writer,
-- read by /manage/usage/*. Timestamps as in V1 (fixed-width UTC text); booleans 0/1. cost_nanos is
-- the cost in nano-dollars (1e-9 USD), an exact integer.

CREATE TABLE usage_records (
    id                INTEGER PRIMARY KEY,            -- insertion order; request ids may repeat
    occurred_at       TEXT    NOT NULL,
    request_id        TEXT    NOT NULL,
    project_id        TEXT,                           -- no foreign key: usage outlives the project
    token_id          TEXT,
    method            TEXT    NOT NULL,
    endpoint          TEXT    NOT NULL,
    model             TEXT,
    response_model    TEXT,
    status            INTEGER NOT NULL,
    streamed          INTEGER NOT NULL DEFAULT 0,
    cache_status      TEXT    NOT NULL,               -- HIT, MISS, BYPASS, NONE
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    cached_tokens     INTEGER NOT NULL DEFAULT 0,
    tokens_estimated  INTEGER NOT NULL DEFAULT 0,
    latency_ms        INTEGER NOT NULL,
    ttft_ms           INTEGER,
    cost_nanos        INTEGER NOT NULL DEFAULT 0,
    cost_known        INTEGER NOT NULL DEFAULT 1,
    tool_calls        INTEGER NOT NULL DEFAULT 0,
    error_code        TEXT
);

CREATE INDEX idx_usage_occurred_at ON usage_records (occurred_at);
CREATE INDEX idx_usage_project_occurred_at ON usage_records (project_id, occurred_at);
