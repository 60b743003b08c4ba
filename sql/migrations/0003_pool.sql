-- The warm pool: containers created and started ahead of requests, waiting for a job.
-- Shared by every FastCGI process; a process claims one with a single UPDATE, so no two
-- requests ever get the same container.
CREATE TABLE pool (
    container   TEXT PRIMARY KEY,          -- Docker container id
    instance    TEXT NOT NULL,
    language    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('idle', 'busy')),
    created_ms  INTEGER NOT NULL,
    claimed_ms  INTEGER,
    claimed_pid INTEGER
);
CREATE INDEX pool_idle ON pool (instance, language, created_ms) WHERE state = 'idle';
