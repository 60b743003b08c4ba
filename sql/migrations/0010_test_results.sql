-- Test requests (POST /api/editor/test, issue 14): the run's row says which exercise it
-- graded and its counts and score; each case has a row of its own in run_cases, with its
-- verdict. A teacher's results table (runbox results) is read from these. A plain run has
-- NULLs in the new columns and no case rows.
ALTER TABLE runs ADD COLUMN exercise_id TEXT;    -- NULL: not an exercise (a plain run,
                                                 -- or a client's own tests)
ALTER TABLE runs ADD COLUMN tests_passed INTEGER;
ALTER TABLE runs ADD COLUMN tests_total INTEGER;
ALTER TABLE runs ADD COLUMN score REAL;          -- percent of the cases' weights passed

CREATE TABLE run_cases (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,               -- the case's place in the exercise, from 0
    name         TEXT NOT NULL,
    verdict      TEXT NOT NULL,                  -- judge.h's names
    hidden       INTEGER NOT NULL,
    weight       INTEGER NOT NULL,
    duration_ms  INTEGER,
    memory_bytes INTEGER,
    exit_code    INTEGER,
    signal       INTEGER,
    message      TEXT,
    PRIMARY KEY (run_id, idx)
);

-- One student's attempts at one exercise, for the results table.
CREATE INDEX runs_by_exercise ON runs (exercise_id, user_id, received_ms)
    WHERE exercise_id IS NOT NULL;
