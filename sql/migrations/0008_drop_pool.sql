-- The warm pool and its container counters are kept in the runner process's memory now
-- (fcgi/pool.c): the pool table and the counters table have no reader or writer left.
DROP INDEX IF EXISTS pool_idle;
DROP TABLE IF EXISTS pool;
DROP TABLE IF EXISTS counters;
