-- Counters that are not rows of the run log (containers created and removed), for /metrics.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
