/* Fixtures shared by the store's test files (test_store.c, test_store_exercises.c): a fresh
 * temporary directory per test holding the database, and raw SQL on a connection of the
 * test's own, to check what the store's API cannot show. Include after <cmocka.h> and
 * <sqlite3.h>. */
#ifndef RUNBOX_TEST_STORE_FIXTURE_H
#define RUNBOX_TEST_STORE_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

#define BUSY_MS 10000

struct fx {
	char dir[64];
	char path[128];   /* dir/runbox.db */
};

static inline int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	(void)snprintf(f->dir, sizeof f->dir, "/tmp/test_store.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	(void)snprintf(f->path, sizeof f->path, "%s/runbox.db", f->dir);
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fx *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
		(void)unlink(p);
	}
	if (d)
		closedir(d);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static inline struct store *open_ok(const char *path)
{
	struct store *s = NULL;
	struct err e;

	err_init(&e);
	if (store_open(&s, path, BUSY_MS, &e) != 0)
		fail_msg("store_open %s: %s", path, e.msg);
	return s;
}

/* One integer from raw SQL on a separate connection (the test's own view of the file). */
static inline long long sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, BUSY_MS);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* sqlite3_exec's result for raw SQL on a separate connection. */
static inline int sql_rc(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, BUSY_MS);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

#endif
