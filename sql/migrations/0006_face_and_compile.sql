-- Which face a request came through (the editor API, later Jobe and Piston), and the compile
-- stage as the run pipeline saw it: its figures and output (capped like the run stage's).
-- Rows logged before this migration came through the editor API and have no compile stage.
ALTER TABLE runs ADD COLUMN face TEXT NOT NULL DEFAULT 'editor';
ALTER TABLE runs ADD COLUMN compile_exit_code INTEGER;
ALTER TABLE runs ADD COLUMN compile_signal INTEGER;
ALTER TABLE runs ADD COLUMN compile_duration_ms INTEGER;
ALTER TABLE runs ADD COLUMN compile_cpu_ms INTEGER;
ALTER TABLE runs ADD COLUMN compile_memory_bytes INTEGER;
ALTER TABLE runs ADD COLUMN compile_stdout TEXT;
ALTER TABLE runs ADD COLUMN compile_stderr TEXT;
