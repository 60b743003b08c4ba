-- Files a client uploads once and names in later runs by id (Jobe's PUT files/{id}, which
-- CodeRunner uses for support files). Each user has its own ids, so nobody can replace a
-- file another user's runs name. The id is only ever a key here, never a path. The least
-- recently used files are evicted when the total is over its cap.
CREATE TABLE files (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    id         TEXT NOT NULL,
    data       BLOB NOT NULL,
    bytes      INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    used_ms    INTEGER NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX files_used ON files (used_ms);
