-- Users, their API keys and quota overrides, and the run log: one row per request to
-- the run endpoint, accepted or refused.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('key', 'remote', 'address')),
    name           TEXT NOT NULL,
    note           TEXT,
    created_ms     INTEGER NOT NULL,
    revoked_ms     INTEGER,
    -- Quota overrides; NULL means the default from runbox.conf.
    per_minute     INTEGER,
    per_day        INTEGER,
    concurrent     INTEGER,
    max_code_bytes INTEGER,
    UNIQUE (kind, name)
);

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,            -- the key's public prefix, "rbx_" + 8 hex
    user_id    INTEGER NOT NULL REFERENCES users (id),
    sha256     TEXT NOT NULL UNIQUE,        -- of the whole key; the key itself is not kept
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);

CREATE TABLE runs (
    id               TEXT PRIMARY KEY,
    received_ms      INTEGER NOT NULL,
    finished_ms      INTEGER,
    instance         TEXT NOT NULL,
    worker_pid       INTEGER,
    user_id          INTEGER REFERENCES users (id),
    client_addr      TEXT,
    auth             TEXT NOT NULL,         -- key, remote, address, none
    language         TEXT,
    code_bytes       INTEGER,
    code_sha256      TEXT,
    stdin_bytes      INTEGER,
    accepted         INTEGER NOT NULL,      -- 1 if the run took a unit of quota
    status           TEXT NOT NULL,         -- running, ok, runtime_error, ..., refused, failed, interrupted
    http_status      INTEGER,
    error_code       TEXT,
    message          TEXT,
    exit_code        INTEGER,
    signal           INTEGER,
    duration_ms      INTEGER,
    cpu_ms           INTEGER,
    memory_bytes     INTEGER,
    stdout_bytes     INTEGER,
    stderr_bytes     INTEGER,
    stdout_truncated INTEGER,
    stderr_truncated INTEGER
);

-- Quota counts: accepted runs of one user in a time window, and runs in progress.
CREATE INDEX runs_quota ON runs (user_id, received_ms) WHERE accepted = 1;
CREATE INDEX runs_running ON runs (user_id) WHERE status = 'running';
CREATE INDEX runs_received ON runs (received_ms);
