/*
 * store_users: users, their roles, API keys and quotas (store.h).
 */
#define _GNU_SOURCE
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"

/* ---- Users and keys ------------------------------------------------------------------ */

/* The users.role values (migration 9's CHECK), in enum user_role's order. */
static const char *const role_names[] = { "student", "teacher", "admin" };

const char *user_role_name(enum user_role role)
{
	/* Not a role: the column's CHECK refuses "?" should it ever be written. */
	return (unsigned)role < sizeof role_names / sizeof *role_names ? role_names[role] : "?";
}

int user_role_parse(const char *name, enum user_role *out)
{
	for (size_t i = 0; i < sizeof role_names / sizeof *role_names; i++)
		if (strcmp(name, role_names[i]) == 0) {
			*out = (enum user_role)i;
			return 0;
		}
	return -1;
}

static enum user_role role_of(sqlite3_stmt *q, int i)
{
	const char *role = (const char *)sqlite3_column_text(q, i);
	enum user_role r = ROLE_STUDENT;

	/* The CHECK keeps other values out; a NULL (out of memory) reads as the least. */
	if (role != NULL)
		(void)user_role_parse(role, &r);
	return r;
}

static long col_quota(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(q, i);
}

/* Columns: id, kind, name, revoked_ms, per_minute, per_day, concurrent, max_code_bytes */
#define USER_COLS "u.id, u.kind, u.name, u.revoked_ms, u.per_minute, u.per_day, u.concurrent, u.max_code_bytes, u.role"

static enum user_kind kind_of(sqlite3_stmt *q, int i)
{
	const char *kind = (const char *)sqlite3_column_text(q, i);

	return kind && strcmp(kind, "remote") == 0 ? USER_REMOTE
	       : kind && strcmp(kind, "address") == 0 ? USER_ADDRESS : USER_KEY;
}

static void read_user(sqlite3_stmt *q, struct user *u)
{
	u->id = sqlite3_column_int64(q, 0);
	u->kind = kind_of(q, 1);
	(void)snprintf(u->name, sizeof u->name, "%s", (const char *)sqlite3_column_text(q, 2));
	u->override.per_minute = col_quota(q, 4);
	u->override.per_day = col_quota(q, 5);
	u->override.concurrent = col_quota(q, 6);
	u->override.max_code_bytes = col_quota(q, 7);
	u->role = role_of(q, 8);
}

int store_user_by_key(struct store *s, const char *key, struct user *u, struct err *e)
{
	sqlite3_stmt *q = db_stmt(s, ST_KEY_LOOKUP, "SELECT " USER_COLS ", k.revoked_ms FROM api_keys k"
			       " JOIN users u ON u.id = k.user_id WHERE k.sha256 = ?1", e);
	char hex[65];
	int rc;

	if (q == NULL)
		return RC_STORE;
	sha256_hex(key, strlen(key), hex);
	sqlite3_bind_text(q, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_user(q, u);
		rc = sqlite3_column_type(q, 3) != SQLITE_NULL || sqlite3_column_type(q, 9) != SQLITE_NULL
		     ? err_set(e, RC_UNAUTHORIZED, "key of %s is revoked", u->name) : 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, RC_UNAUTHORIZED, "unknown API key");
	} else {
		rc = db_fail(s, e, "look up key");
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

static int user_find(struct store *s, enum user_kind kind, const char *name, struct user *u,
		     int *found, struct err *e)
{
	sqlite3_stmt *q = db_stmt(s, ST_USER_FIND, "SELECT " USER_COLS " FROM users u"
			       " WHERE u.kind = ?1 AND u.name = ?2", e);
	int rc;

	*found = 0;
	if (q == NULL)
		return RC_STORE;
	sqlite3_bind_text(q, 1, db_kind_names[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_user(q, u);
		*found = sqlite3_column_type(q, 3) == SQLITE_NULL ? 1 : -1;
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? 0 : db_fail(s, e, "look up user");
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

static int user_insert(struct store *s, enum user_kind kind, const char *name, const char *note,
		       enum user_role role, long long *id, struct err *e)
{
	sqlite3_stmt *q = db_stmt(s, ST_USER_INSERT, "INSERT INTO users (kind, name, note, created_ms,"
			       " role) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, name) DO NOTHING", e);
	int rc;

	if (q == NULL)
		return RC_STORE;
	sqlite3_bind_text(q, 1, db_kind_names[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	if (note)
		sqlite3_bind_text(q, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, clock_wall_ms());
	sqlite3_bind_text(q, 5, user_role_name(role), -1, SQLITE_STATIC);
	rc = db_step_done(s, q, e, "add user");
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		return err_set(e, RC_EXISTS, "a user named '%s' already exists", name);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int store_user_ensure(struct store *s, enum user_kind kind, const char *name, struct user *u,
		      struct err *e)
{
	long long id;
	int found, rc;

	if ((rc = user_find(s, kind, name, u, &found, e)) != 0)
		return rc;
	if (found < 0)
		return err_set(e, RC_UNAUTHORIZED, "user %s:%s is revoked", db_kind_names[kind], name);
	if (found > 0)
		return 0;
	/* Two processes may both try: DO NOTHING on conflict, then read the winner's row. */
	rc = user_insert(s, kind, name, NULL, ROLE_STUDENT, &id, e);
	if (rc != 0 && rc != RC_EXISTS)
		return rc;
	if ((rc = user_find(s, kind, name, u, &found, e)) != 0)
		return rc;
	return found > 0 ? 0 : err_set(e, RC_STORE, "user %s vanished", name);
}

/* "alice" (a key user), "remote:bob", "address:10.0.0.5". */
static int parse_user(const char *user, enum user_kind *kind, const char **name, struct err *e)
{
	const char *colon = strchr(user, ':');

	*kind = USER_KEY;
	*name = user;
	if (colon != NULL) {
		size_t n = (size_t)(colon - user);

		if (n == 6 && strncmp(user, "remote", 6) == 0)
			*kind = USER_REMOTE;
		else if (n == 7 && strncmp(user, "address", 7) == 0)
			*kind = USER_ADDRESS;
		else
			return err_set(e, RC_BAD_REQUEST, "'%s': a user is NAME, remote:NAME or "
				       "address:IP", user);
		*name = colon + 1;
	}
	return (*name)[0] ? 0 : err_set(e, RC_BAD_REQUEST, "empty user name");
}

static int user_id_of(struct store *s, const char *user, long long *id, struct err *e)
{
	enum user_kind kind;
	const char *name;
	struct user u;
	int rc, found;
	if ((rc = parse_user(user, &kind, &name, e)) != 0 ||
	    (rc = user_find(s, kind, name, &u, &found, e)) != 0)
		return rc;
	if (!found)
		return err_set(e, RC_NOT_FOUND, "there is no user '%s' (see 'runbox user list')", user);
	*id = u.id;
	return 0;
}

static int valid_name(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '@'))
			return 0;
	}
	return 1;
}

/* The api_keys row of a key: its public id and the SHA-256 of the whole key (the key itself
 * is never kept). RC_EXISTS if that key is registered already. */
static int key_row(struct store *s, const char *id, long long user_id, const char *hex,
		   struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(s, &q, "INSERT INTO api_keys (id, user_id, sha256, created_ms)"
			     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, user_id);
	sqlite3_bind_text(q, 3, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, clock_wall_ms());
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "add key");
	sqlite3_finalize(q);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = err_set(e, RC_EXISTS, "this key is already registered (see 'runbox user list')");
	return rc;
}

static int key_insert(struct store *s, long long user_id, char *key_out, size_t key_cap,
		      struct err *e)
{
	unsigned char r[20];
	char key[48], id[16], hex[65];
	size_t i;
	int rc;

	if (key_cap < 45)
		return err_set(e, RC_INTERNAL, "key buffer too small");
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return err_set(e, RC_INTERNAL, "getrandom: %s", strerror(errno));
	memcpy(key, "rbx_", 4);
	for (i = 0; i < sizeof r; i++)
		(void)snprintf(key + 4 + 2 * i, 3, "%02x", r[i]);
	(void)snprintf(id, sizeof id, "%.12s", key); /* rbx_ + 8 hex: the public id */
	sha256_hex(key, strlen(key), hex);
	if ((rc = key_row(s, id, user_id, hex, e)) == 0)
		(void)snprintf(key_out, key_cap, "%s", key);
	return rc;
}

int store_user_add(struct store *s, const char *name, const char *note, enum user_role role,
		   char *key_out, size_t key_cap, struct err *e)
{
	long long id;
	int rc;

	if (!valid_name(name))
		return err_set(e, RC_BAD_REQUEST, "'%s' is not a valid user name: use 1 to 64 letters, "
			       "digits and . _ - @", name);
	if ((rc = db_tx_begin(s, e)) != 0)
		return rc;
	if ((rc = user_insert(s, USER_KEY, name, note, role, &id, e)) != 0 ||
	    (rc = key_insert(s, id, key_out, key_cap, e)) != 0 ||
	    (rc = db_tx_commit(s, e)) != 0) {
		db_tx_rollback(s);
		return rc;
	}
	return 0;
}

int store_user_set_role(struct store *s, const char *user, enum user_role role,
			struct err *e)
{
	enum user_kind kind;
	const char *name;
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = parse_user(user, &kind, &name, e)) != 0)
		return rc;
	/* A name of the school's sign-in may be made a teacher before its first sign-in. */
	if (kind == USER_REMOTE) {
		struct user u;

		if ((rc = store_user_ensure(s, kind, name, &u, e)) != 0 && rc != RC_UNAUTHORIZED)
			return rc;
		err_init(e);
	}
	if ((rc = db_prepare(s, &q, "UPDATE users SET role = ?3 WHERE kind = ?1 AND name = ?2", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, db_kind_names[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, user_role_name(role), -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "set role");
	sqlite3_finalize(q);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = err_set(e, RC_NOT_FOUND, "there is no user '%s' (see 'runbox user list')", user);
	return rc;
}

int store_key_add(struct store *s, const char *name, char *key_out, size_t key_cap,
		  struct err *e)
{
	struct user u;
	int found, rc;

	if ((rc = user_find(s, USER_KEY, name, &u, &found, e)) != 0)
		return rc;
	if (found == 0)
		return err_set(e, RC_NOT_FOUND, "there is no user '%s' with keys (see 'runbox user list')", name);
	if (found < 0)
		return err_set(e, RC_BAD_REQUEST, "user '%s' is revoked", name);
	return key_insert(s, u.id, key_out, key_cap, e);
}

/* A key a school already uses elsewhere: printable ASCII without spaces, 8 to 128 long. */
static int valid_imported_key(const char *v)
{
	size_t n = strlen(v);

	if (n < 8 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return 0;
	return 1;
}

int store_key_import(struct store *s, const char *name, const char *value, char *id_out,
		     size_t id_cap, int *created, struct err *e)
{
	char hex[65], id[16];
	struct user u;
	long long uid;
	int found, rc;

	*created = 0;
	if (!valid_name(name))
		return err_set(e, RC_BAD_REQUEST, "'%s' is not a valid user name: use 1 to 64 letters, "
			       "digits and . _ - @", name);
	if (!valid_imported_key(value))
		return err_set(e, RC_BAD_REQUEST, "a key to import must be 8 to 128 printable "
			       "characters without spaces");
	sha256_hex(value, strlen(value), hex);
	/* Not the value's own prefix: an imported key may be short or guessable from it. */
	(void)snprintf(id, sizeof id, "key_%.8s", hex);
	if ((rc = db_tx_begin(s, e)) != 0)
		return rc;
	if ((rc = user_find(s, USER_KEY, name, &u, &found, e)) != 0)
		goto fail;
	if (found < 0) {
		rc = err_set(e, RC_BAD_REQUEST, "user '%s' is revoked", name);
		goto fail;
	}
	if (found == 0) {
		if ((rc = user_insert(s, USER_KEY, name, "imported key", ROLE_STUDENT, &uid, e)) != 0)
			goto fail;
		*created = 1;
	} else {
		uid = u.id;
	}
	if ((rc = key_row(s, id, uid, hex, e)) != 0 || (rc = db_tx_commit(s, e)) != 0)
		goto fail;
	(void)snprintf(id_out, id_cap, "%s", id);
	return 0;
fail:
	db_tx_rollback(s);
	return rc;
}

int store_user_revoke(struct store *s, const char *user, struct err *e)
{
	sqlite3_stmt *q = NULL;
	long long id, t = clock_wall_ms();
	int rc;

	if ((rc = db_tx_begin(s, e)) != 0)
		return rc;
	if ((rc = user_id_of(s, user, &id, e)) != 0 ||
	    (rc = db_prepare(s, &q, "UPDATE users SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1", e)) != 0)
		goto fail;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, t);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "revoke user");
	sqlite3_finalize(q);
	if (rc != 0 || (rc = db_prepare(s, &q, "UPDATE api_keys SET revoked_ms = coalesce(revoked_ms, ?2)"
				     " WHERE user_id = ?1", e)) != 0)
		goto fail;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, t);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "revoke keys");
	sqlite3_finalize(q);
	if (rc != 0 || (rc = db_tx_commit(s, e)) != 0)
		goto fail;
	return 0;
fail:
	db_tx_rollback(s);
	return rc;
}

int store_key_revoke(struct store *s, const char *key_id, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(s, &q, "UPDATE api_keys SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1", e)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, key_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, clock_wall_ms());
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "revoke key");
	sqlite3_finalize(q);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = err_set(e, RC_NOT_FOUND, "there is no key '%s' (key ids look like rbx_1a2b3c4d; "
			     "see 'runbox user list')", key_id);
	return rc;
}

static void release_user(void *row)
{
	struct user_row *u = row;

	for (size_t i = 0; i < u->nkeys; i++)
		free(u->keys[i].id);
	free(u->keys);
	free(u->user);
	free(u->note);
}

void user_rows_free(struct user_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		release_user(&rows[i]);
	free(rows);
}

/* The user list's columns, in the order of its SELECT. */
static int fill_user(void *row, sqlite3_stmt *q)
{
	struct user_row *u = row;
	int nomem = 0;

	u->id = db_col_int(q, 0);
	u->user = db_col_text(q, 1, NULL, &nomem);
	u->kind = kind_of(q, 2);
	u->note = db_col_text(q, 3, NULL, &nomem);
	u->created_ms = db_col_int(q, 4);
	u->revoked_ms = db_col_int(q, 5);
	u->override.per_minute = col_quota(q, 6);
	u->override.per_day = col_quota(q, 7);
	u->override.concurrent = col_quota(q, 8);
	u->override.max_code_bytes = col_quota(q, 9);
	u->runs_24h = db_col_int(q, 10);
	u->runs_total = db_col_int(q, 11);
	u->role = role_of(q, 12);
	return nomem ? RC_NOMEM : 0;
}

/* A key of some user, before it is handed to its user_row. */
struct key_of {
	long long user_id;
	struct user_key key;
};

static void release_key(void *row)
{
	free(((struct key_of *)row)->key.id);
}

static int fill_key(void *row, sqlite3_stmt *q)
{
	struct key_of *k = row;
	int nomem = 0;

	k->user_id = db_col_int(q, 0);
	k->key.id = db_col_text(q, 1, NULL, &nomem);
	k->key.created_ms = db_col_int(q, 2);
	k->key.revoked_ms = db_col_int(q, 3);
	return nomem ? RC_NOMEM : 0;
}

/* Move each user's keys out of all (sorted by user id) into its row. */
static int give_keys(struct user_row *users, size_t n, struct key_of *all, size_t nall,
		     struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		struct user_row *u = &users[i];
		size_t lo = 0, hi = nall, end;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (all[mid].user_id < u->id)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (end = lo; end < nall && all[end].user_id == u->id; end++)
			;
		if (end == lo)
			continue;
		if ((u->keys = malloc((end - lo) * sizeof *u->keys)) == NULL)
			return err_set(e, RC_NOMEM, "user list: out of memory");
		for (; lo < end; lo++) {
			u->keys[u->nkeys++] = all[lo].key;
			all[lo].key.id = NULL;
		}
	}
	return 0;
}

int store_user_list(struct store *s, struct user_row **out, size_t *n, struct err *e)
{
	sqlite3_stmt *q = NULL;
	void *users = NULL, *keys = NULL;
	size_t nkeys = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(s, &q, "SELECT u.id, " DISPLAY_NAME ", u.kind, u.note, u.created_ms,"
			  " u.revoked_ms, u.per_minute, u.per_day, u.concurrent, u.max_code_bytes,"
			  " (SELECT count(*) FROM runs r WHERE r.user_id = u.id AND r.accepted = 1"
			  "   AND r.received_ms >= ?1),"
			  " (SELECT count(*) FROM runs r WHERE r.user_id = u.id AND r.accepted = 1),"
			  " u.role FROM users u ORDER BY u.kind, u.name", e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, clock_wall_ms() - 86400000LL);
	if ((rc = db_collect(s, q, &users, n, sizeof **out, fill_user, release_user, e)) != 0)
		return rc;
	/* Each user's keys in the order they were added, as the list has always shown them;
	 * one query for all, rather than one per user. */
	if ((rc = db_prepare(s, &q, "SELECT user_id, id, created_ms, revoked_ms FROM api_keys"
			     " ORDER BY user_id, rowid", e)) == 0 &&
	    (rc = db_collect(s, q, &keys, &nkeys, sizeof(struct key_of), fill_key, release_key,
			     e)) == 0)
		rc = give_keys(users, *n, keys, nkeys, e);
	for (i = 0; i < nkeys; i++)
		release_key((struct key_of *)keys + i);
	free(keys);
	if (rc != 0) {
		user_rows_free(users, *n);
		*n = 0;
		return rc;
	}
	*out = users;
	return 0;
}

static void bind_quota(sqlite3_stmt *q, int i, long v)
{
	if (v == -1)
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_int64(q, i, v);
}

int store_quota_set(struct store *s, const char *user, const struct quota *qv, struct err *e)
{
	sqlite3_stmt *q = NULL;
	long long id;
	int rc;

	if ((rc = user_id_of(s, user, &id, e)) != 0)
		return rc;
	/* -2 keeps a field: CASE on a flag per field. */
	if ((rc = db_prepare(s, &q, "UPDATE users SET"
			  " per_minute = CASE WHEN ?2 THEN ?3 ELSE per_minute END,"
			  " per_day = CASE WHEN ?4 THEN ?5 ELSE per_day END,"
			  " concurrent = CASE WHEN ?6 THEN ?7 ELSE concurrent END,"
			  " max_code_bytes = CASE WHEN ?8 THEN ?9 ELSE max_code_bytes END"
			  " WHERE id = ?1", e)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int(q, 2, qv->per_minute != -2);
	bind_quota(q, 3, qv->per_minute);
	sqlite3_bind_int(q, 4, qv->per_day != -2);
	bind_quota(q, 5, qv->per_day);
	sqlite3_bind_int(q, 6, qv->concurrent != -2);
	bind_quota(q, 7, qv->concurrent);
	sqlite3_bind_int(q, 8, qv->max_code_bytes != -2);
	bind_quota(q, 9, qv->max_code_bytes);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(s, e, "set quota");
	sqlite3_finalize(q);
	return rc;
}
