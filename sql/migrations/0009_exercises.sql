-- Teachers' exercises (issue 14), as `runbox exercise add DIR` stores them: the
-- exercise.conf text as written (core/exercise.h parses it), and every file it names,
-- with its path relative to the exercise's folder ("tests/test_fib.py"). An update
-- replaces the definition and all of its files at once; created_ms stays.
CREATE TABLE exercises (
    id         TEXT PRIMARY KEY,        -- exercise.conf's id: letters, digits, - and _
    title      TEXT NOT NULL,
    definition TEXT NOT NULL,           -- the exercise.conf text
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE exercise_files (
    exercise_id TEXT NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    content     BLOB NOT NULL,
    PRIMARY KEY (exercise_id, path)
);

-- What a user may do besides running code: teachers will manage exercises through the
-- API. SQLite (3.40 checked) accepts a CHECK in ADD COLUMN with a constant default;
-- every existing user is a student.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'student'
    CHECK (role IN ('student', 'teacher', 'admin'));
