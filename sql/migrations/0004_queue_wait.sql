-- How long each request waited for a free FastCGI process before it was looked at
-- (the queue in front of the runners), for /metrics and for admins reading the log.
ALTER TABLE runs ADD COLUMN queue_ms INTEGER;
