/* The store's exercises and users' roles (migration 9) against real SQLite files in a fresh
 * temporary directory per test. Apart from tests/unit/test_store.c (which holds the rest
 * of the store's tests) only because that file is long already; the fixtures are shared
 * (store_fixture.h). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "store_fixture.h"

/* A file of an exercise: content is a literal, so the store's copy is what is checked. */
#define FILE_OF(p, c, n) { (char *)(p), (unsigned char *)(c), (n) }

static const struct exercise_file three[] = {
	FILE_OF("README.md", "# Fib\n", 6),
	FILE_OF("tests/test_fib.py", "def test():\n\0pass\n", 18), /* a NUL inside */
	FILE_OF("cases/empty.in", "", 0),
};

static int put(struct store *s, const char *id, const char *title,
	       const struct exercise_file *files, size_t n, int replace)
{
	struct err e;

	err_init(&e);
	return store_exercise_put(s, id, title, "id = x\n", files, n, replace, &e);
}

/* The row of id with its files (and their content if asked); the caller releases it. */
static struct exercise_row get_ok(struct store *s, const char *id, int content)
{
	struct exercise_row r;
	struct err e;

	err_init(&e);
	if (store_exercise_get(s, id, content, &r, &e) != 0)
		fail_msg("store_exercise_get %s: %s", id, e.msg);
	return r;
}

/* ---- Exercises ------------------------------------------------------------------------ */

static void test_put_get_list(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct exercise_row r, *rows = NULL;
	struct err e;
	size_t n = 0;

	assert_int_equal(store_exercise_put(s, "fib", "Fibonacci", "id = fib\ntitle = Fibonacci\n",
					    three, 3, 0, &e), 0);
	/* Files by path, with their bytes: the empty one and the NUL inside kept. */
	r = get_ok(s, "fib", 1);
	assert_string_equal(r.id, "fib");
	assert_string_equal(r.title, "Fibonacci");
	assert_string_equal(r.definition, "id = fib\ntitle = Fibonacci\n");
	assert_true(r.created_ms > 0 && r.updated_ms == r.created_ms);
	assert_int_equal(r.file_count, 3);
	assert_int_equal(r.file_bytes, 24);
	assert_int_equal(r.nfiles, 3);
	assert_string_equal(r.files[0].path, "README.md");
	assert_string_equal(r.files[1].path, "cases/empty.in");
	assert_int_equal(r.files[1].len, 0);
	assert_non_null(r.files[1].content);
	assert_string_equal(r.files[2].path, "tests/test_fib.py");
	assert_int_equal(r.files[2].len, 18);
	assert_memory_equal(r.files[2].content, three[1].content, 18);
	exercise_row_release(&r);
	assert_null(r.id);
	/* Without content: the list of files and their sizes only. */
	r = get_ok(s, "fib", 0);
	assert_int_equal(r.nfiles, 3);
	assert_null(r.files[0].content);
	assert_int_equal(r.files[0].len, 6);
	exercise_row_release(&r);

	assert_int_equal(put(s, "aaa", "First", NULL, 0, 0), 0);
	assert_int_equal(store_exercise_list(s, &rows, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].id, "aaa");
	assert_int_equal(rows[0].file_count, 0);
	assert_string_equal(rows[1].id, "fib");
	assert_string_equal(rows[1].definition, "id = fib\ntitle = Fibonacci\n");
	assert_int_equal(rows[1].file_count, 3);
	assert_int_equal(rows[1].file_bytes, 24);
	assert_null(rows[1].files);
	exercise_rows_free(rows, n);

	assert_int_equal(store_exercise_get(s, "nope", 1, &r, &e), RC_NOT_FOUND);
	assert_null(r.id);
	store_close(s);
}

static void test_add_refuses_existing(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct exercise_row r;

	assert_int_equal(put(s, "fib", "Fibonacci", three, 3, 0), 0);
	assert_int_equal(put(s, "fib", "Other", three, 1, 0), RC_EXISTS);
	r = get_ok(s, "fib", 0);
	assert_string_equal(r.title, "Fibonacci");
	assert_int_equal(r.nfiles, 3);
	exercise_row_release(&r);
	store_close(s);
}

static void test_replace(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	const struct exercise_file two[] = {
		FILE_OF("README.md", "# Fib, again\n", 13),
		FILE_OF("main.py", "print()\n", 8),
	};
	struct exercise_row r;
	long long created;

	assert_int_equal(put(s, "fib", "Fibonacci", three, 3, 0), 0);
	created = sql_int(f->path, "SELECT created_ms FROM exercises");
	/* The clock must move for updated_ms to show it. */
	(void)nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	assert_int_equal(put(s, "fib", "Fibonacci 2", two, 2, 1), 0);
	r = get_ok(s, "fib", 1);
	assert_string_equal(r.title, "Fibonacci 2");
	assert_int_equal(r.created_ms, created);
	assert_true(r.updated_ms > created);
	/* Wholesale: files the new version does not have are gone. */
	assert_int_equal(r.nfiles, 2);
	assert_string_equal(r.files[0].path, "README.md");
	assert_memory_equal(r.files[0].content, "# Fib, again\n", 13);
	assert_string_equal(r.files[1].path, "main.py");
	exercise_row_release(&r);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM exercise_files"), 2);

	/* Replacing what is not there creates nothing. */
	assert_int_equal(put(s, "other", "Other", two, 2, 1), RC_NOT_FOUND);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM exercises"), 1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM exercise_files"), 2);
	store_close(s);
}

static void test_put_refuses_bad_input(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	const struct exercise_file twice[] = {
		FILE_OF("a.txt", "1", 1), FILE_OF("b.txt", "2", 1), FILE_OF("a.txt", "3", 1),
	};
	const struct exercise_file nameless[] = { FILE_OF("", "1", 1) };
	struct exercise_row r;
	struct err e;

	for (size_t i = 0; i < 4; i++) {
		static const char *const ids[] = { "", "no spaces", "../x",
			"a234567890123456789012345678901234567890123456789012345678901234" };

		assert_int_equal(put(s, ids[i], "T", NULL, 0, 0), RC_BAD_REQUEST);
	}
	assert_int_equal(put(s, "fib", "", NULL, 0, 0), RC_BAD_REQUEST);
	assert_int_equal(store_exercise_put(s, "fib", "T", NULL, NULL, 0, 0, &e), RC_BAD_REQUEST);
	assert_int_equal(put(s, "fib", "T", nameless, 1, 0), RC_BAD_REQUEST);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM exercises"), 0);

	/* A path given twice: refused in the middle of the transaction, which is undone; the
	 * version stored before stays whole. */
	assert_int_equal(put(s, "fib", "Fibonacci", three, 3, 0), 0);
	err_init(&e);
	assert_int_equal(store_exercise_put(s, "fib", "T2", "x", twice, 3, 1, &e), RC_BAD_REQUEST);
	assert_non_null(strstr(e.msg, "a.txt is given twice"));
	assert_int_equal(put(s, "new", "T", twice, 3, 0), RC_BAD_REQUEST);
	r = get_ok(s, "fib", 0);
	assert_string_equal(r.title, "Fibonacci");
	assert_int_equal(r.nfiles, 3);
	exercise_row_release(&r);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM exercises"), 1);
	store_close(s);
}

static void test_remove(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	struct err e;

	assert_int_equal(put(s, "fib", "Fibonacci", three, 3, 0), 0);
	assert_int_equal(put(s, "other", "Other", three, 2, 0), 0);
	assert_int_equal(store_exercise_remove(s, "fib", &e), 0);
	/* Its files go with it (ON DELETE CASCADE); the other's stay. */
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM exercise_files"
				 " WHERE exercise_id = 'fib'"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM exercise_files"), 2);
	assert_int_equal(store_exercise_remove(s, "fib", &e), RC_NOT_FOUND);
	assert_int_equal(put(s, "fib", "Back", NULL, 0, 0), 0);
	store_close(s);
}

/* ---- Roles ---------------------------------------------------------------------------- */

static enum user_role role_in_list(struct store *s, const char *user)
{
	struct user_row *rows = NULL;
	enum user_role role = (enum user_role)-1;
	struct err e;
	size_t n = 0;

	assert_int_equal(store_user_list(s, &rows, &n, &e), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].user, user) == 0)
			role = rows[i].role;
	user_rows_free(rows, n);
	return role;
}

static void test_roles(void **state)
{
	struct fx *f = *state;
	struct store *s = open_ok(f->path);
	enum user_role r;
	struct user u;
	char key[64];
	struct err e;

	assert_int_equal(user_role_parse("teacher", &r), 0);
	assert_int_equal(r, ROLE_TEACHER);
	assert_int_equal(user_role_parse("Teacher", &r), -1);
	assert_int_equal(user_role_parse("", &r), -1);
	assert_string_equal(user_role_name(ROLE_ADMIN), "admin");

	assert_int_equal(store_user_add(s, "alice", NULL, ROLE_TEACHER, key, sizeof key, &e), 0);
	assert_int_equal(store_user_add(s, "bob", NULL, ROLE_STUDENT, key, sizeof key, &e), 0);
	assert_int_equal(store_user_ensure(s, USER_REMOTE, "carol", &u, &e), 0);
	assert_int_equal(role_in_list(s, "alice"), ROLE_TEACHER);
	assert_int_equal(role_in_list(s, "bob"), ROLE_STUDENT);
	/* Users the server makes itself are students. */
	assert_int_equal(role_in_list(s, "remote:carol"), ROLE_STUDENT);

	assert_int_equal(store_user_set_role(s, "remote:carol", ROLE_ADMIN, &e), 0);
	assert_int_equal(role_in_list(s, "remote:carol"), ROLE_ADMIN);
	assert_int_equal(store_user_set_role(s, "alice", ROLE_STUDENT, &e), 0);
	assert_int_equal(role_in_list(s, "alice"), ROLE_STUDENT);
	assert_int_equal(store_user_set_role(s, "nobody", ROLE_TEACHER, &e), RC_NOT_FOUND);
	/* A sign-in name that has not signed in yet is added with its role (a teacher set up
	 * before the first lesson); a key or address user must exist. */
	assert_int_equal(store_user_set_role(s, "remote:alice", ROLE_TEACHER, &e), 0);
	assert_int_equal(role_in_list(s, "remote:alice"), ROLE_TEACHER);
	assert_int_equal(store_user_set_role(s, "address:10.0.0.9", ROLE_TEACHER, &e), RC_NOT_FOUND);
	assert_int_equal(store_user_set_role(s, "other:x", ROLE_TEACHER, &e), RC_BAD_REQUEST);
	/* The column's CHECK keeps anything else out, whoever writes. */
	assert_int_not_equal(sql_rc(f->path, "UPDATE users SET role = 'boss'"), SQLITE_OK);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM users WHERE role = 'boss'"), 0);
	store_close(s);
}

/* Migration 9 on a database in use: its users become students, its runs stay. */
static void test_upgrade_adds_roles(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	struct err e;
	int v;

	assert_int_equal(store_open_at(&s, f->path, BUSY_MS, 8, &e), 0);
	store_close(s);
	assert_int_equal(sql_rc(f->path, "INSERT INTO users (kind, name, created_ms)"
				  " VALUES ('key', 'old', 1000)"), SQLITE_OK);
	assert_int_not_equal(sql_rc(f->path, "SELECT role FROM users"), SQLITE_OK);
	s = open_ok(f->path);
	assert_int_equal(store_schema_version(s, &v, &e), 0);
	assert_int_equal(v, store_schema_latest());
	assert_int_equal(role_in_list(s, "old"), ROLE_STUDENT);
	assert_int_equal(put(s, "fib", "Fibonacci", three, 3, 0), 0);
	store_close(s);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM users WHERE role = 'student'"), 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_put_get_list),
		T(test_add_refuses_existing),
		T(test_replace),
		T(test_put_refuses_bad_input),
		T(test_remove),
		T(test_roles),
		T(test_upgrade_adds_roles),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
