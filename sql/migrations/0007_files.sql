-- Files a client uploads once and names in later runs by id (Jobe's PUT files/{id}, which
-- CodeRunner uses for support files). The id is the client's; it is only ever a key here,
-- never a path. The oldest files (by last use) are evicted when the total is over its cap.
CREATE TABLE files (
    id         TEXT PRIMARY KEY,
    data       BLOB NOT NULL,
    bytes      INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    used_ms    INTEGER NOT NULL
);
CREATE INDEX files_used ON files (used_ms);

