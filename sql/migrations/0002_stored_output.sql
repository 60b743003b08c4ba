-- Keep what the student sent and saw, so a teacher can look at a run: the code and each
-- output stream (capped by log_output_cap). Rows logged before this migration have NULL.
ALTER TABLE runs ADD COLUMN code TEXT;
ALTER TABLE runs ADD COLUMN stdout TEXT;
ALTER TABLE runs ADD COLUMN stderr TEXT;

-- A one-row table that health checks write to, so a full disk shows up as an error.
CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_ms INTEGER NOT NULL
);
INSERT INTO health (id, checked_ms) VALUES (1, 0);
