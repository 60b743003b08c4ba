/*
 * The admin command's users, roles, API keys and quotas: user add/list/revoke/role, key
 * add/import/revoke, quota show/set. The store does the work; this file checks the command
 * line and shows the store's rows as tables, or as JSON with --json (run_json.h).
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>

#include "admin_fmt.h"
#include "run_json.h"

static const char *when(long long ms, char *buf, size_t cap)
{
	fmt_time(ms, buf, cap);
	return buf;
}

static int show_key(struct cli *cli, const char *name, const char *key, const char *what)
{
	if (cli->json) {
		int rc = admin_print_json(json_pack("{s:s, s:s}", "user", name, "key", key));

		/* stdout stays pure JSON. */
		fprintf(stderr, "The key cannot be shown again: keep it now (only its SHA-256 is stored).\n");
		return rc;
	}
	printf("%s %s.\nKey: %s\n", what, name, key);
	printf("This key cannot be shown again: copy it now and give it to %s "
	       "(only its SHA-256 is stored).\n", name);
	return EX_OK;
}

/* A role named on the command line: 0, or EX_USAGE with what to write instead. */
static int parse_role(const struct cli *cli, const char *s, enum user_role *role)
{
	if (user_role_parse(s, role) == 0)
		return 0;
	return admin_usage_error(cli, "'%s' is not a role: give student, teacher or admin", s);
}

int admin_user_add(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *note = NULL, *role_name = "student";
	const struct opt opts[] = { { "--note", &note, NULL }, { "--role", &role_name, NULL },
				    { NULL, NULL, NULL } };
	enum user_role role;
	char key[64], what[64];
	struct err e;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, opts, &name, "NAME", 1)) != 0 ||
	    (rc = parse_role(cli, role_name, &role)) != 0 || (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_user_add(cli->store, name, note, role, key, sizeof key, &e)) != 0)
		return admin_store_fail(rc, &e);
	/* "Created user alice.", "Created teacher bob." */
	(void)snprintf(what, sizeof what, "Created %s",
		       role == ROLE_STUDENT ? "user" : user_role_name(role));
	return show_key(cli, name, key, what);
}

int admin_key_add(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL;
	char key[64];
	struct err e;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, NULL, &name, "NAME", 1)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	/* RC_BAD_REQUEST here is a revoked user: the database's state, not the command line. */
	if ((rc = store_key_add(cli->store, name, key, sizeof key, &e)) != 0)
		return rc == RC_BAD_REQUEST ? (admin_store_fail(rc, &e), EX_FAIL)
					    : admin_store_fail(rc, &e);
	return show_key(cli, name, key, "New key for");
}

int admin_key_import(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *value;
	char id[32];
	struct err e;
	int created, rc;

	/* NAME VALUE: the value is the last word (it may look like anything but an option). */
	if ((rc = admin_parse(cli, argc > 1 ? argc - 1 : argc, argv, NULL, &name, "NAME", 1)) != 0)
		return rc;
	if (argc < 2)
		return admin_usage_error(cli, "give the user's name and the key's exact value");
	value = argv[argc - 1];
	if ((rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_key_import(cli->store, name, value, id, sizeof id, &created, &e)) != 0)
		return rc == RC_BAD_REQUEST || rc == RC_EXISTS ? (admin_store_fail(rc, &e), EX_FAIL)
							       : admin_store_fail(rc, &e);
	if (cli->json)
		return admin_print_json(json_pack("{s:s, s:s, s:b}", "user", name, "id", id,
						  "created", created));
	printf("%s user %s with the imported key %s.\n", created ? "Created" : "Updated", name, id);
	printf("Clients that send this key (as 'X-API-KEY' to the Jobe API, or as "
	       "'Authorization: Bearer') now run code as %s.\n", name);
	return EX_OK;
}

static const struct { const char *col, *opt, *label; long max; } quota_fields[4] = {
	/* The same ranges as the defaults in runbox.conf. */
	{ "per_minute", "--per-minute", "per minute", 1000000 },
	{ "per_day", "--per-day", "per day", 100000000 },
	{ "concurrent", "--concurrent", "concurrent", 10000 },
	{ "max_code_bytes", "--max-code-bytes", "max code bytes", 16L << 20 },
};

/* The i-th of quota_fields in q. */
static long quota_get(const struct quota *q, size_t i)
{
	const long v[4] = { q->per_minute, q->per_day, q->concurrent, q->max_code_bytes };

	return v[i];
}

/* "per minute 10, concurrent 1": a user's overrides; "" if none. */
static void overrides_text(const struct user_row *u, char *buf, size_t cap)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < 4 && n < cap; i++)
		if (quota_get(&u->override, i) != -1)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s %ld", n ? ", " : "",
					      quota_fields[i].label, quota_get(&u->override, i));
}

/* A row per user, and under it its keys, quota overrides and note. */
static int user_rows(struct table *t, const struct user_row *rows, size_t n)
{
	char c[32], r[32], n24[24], ntot[24], text[512];
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct user_row *u = &rows[i];

		(void)snprintf(n24, sizeof n24, "%lld", u->runs_24h);
		(void)snprintf(ntot, sizeof ntot, "%lld", u->runs_total);
		if (table_row(t, u->user, user_kind_name(u->kind), user_role_name(u->role),
			      when(u->created_ms, c, sizeof c),
			      when(u->revoked_ms, r, sizeof r), n24, ntot) != 0)
			return -1;
		for (j = 0; j < u->nkeys; j++) {
			const struct user_key *k = &u->keys[j];

			text[0] = '\0';
			if (k->revoked_ms > 0)
				(void)snprintf(text, sizeof text, " (revoked %s)",
					       when(k->revoked_ms, r, sizeof r));
			if (table_note(t, "    key %s%s", k->id, text) != 0)
				return -1;
		}
		overrides_text(u, text, sizeof text);
		if ((text[0] && table_note(t, "    quota: %s", text) != 0) ||
		    (u->note && table_note(t, "    note: %s", u->note) != 0))
			return -1;
	}
	return 0;
}

int admin_user_list(struct cli *cli, int argc, char **argv)
{
	static const char *const heads[] = { "USER", "KIND", "ROLE", "CREATED", "REVOKED", "RUNS 24H",
					     "TOTAL" };
	struct user_row *rows = NULL;
	struct table t;
	struct err e;
	size_t n = 0;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, NULL, NULL, NULL, 0)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_user_list(cli->store, &rows, &n, &e)) != 0)
		return admin_store_fail(rc, &e);
	if (cli->json) {
		rc = admin_print_json(user_list_json(rows, n));
	} else if (n == 0) {
		printf("No users yet. Add one with 'runbox user add NAME'.\n");
		rc = EX_OK;
	} else {
		table_init(&t, 7, heads, "lllllrr");
		rc = user_rows(&t, rows, n) == 0 && table_print(&t, stdout) == 0 ? EX_OK
		     : admin_nomem();
		table_release(&t);
	}
	user_rows_free(rows, n);
	return rc;
}

/* The user-list row of user as shown ("alice", "remote:bob"); NULL if none. */
static const struct user_row *find_user(const struct user_row *rows, size_t n, const char *user)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].user, user) == 0)
			return &rows[i];
	return NULL;
}

int admin_user_revoke(struct cli *cli, int argc, char **argv)
{
	const char *user = NULL;
	struct user_row *rows = NULL;
	const struct user_row *row;
	char t[32];
	struct err e;
	size_t n = 0;
	int rc = EX_OK;

	if ((rc = admin_parse(cli, argc, argv, NULL, &user, "USER", 1)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_user_revoke(cli->store, user, &e)) != 0 ||
	    (rc = store_user_list(cli->store, &rows, &n, &e)) != 0)
		return admin_store_fail(rc, &e);
	if ((row = find_user(rows, n, user)) == NULL)
		printf("Revoked %s.\n", user);
	else if (cli->json)
		rc = admin_print_json(user_json(row));
	else
		printf("Revoked user %s at %s, with its %zu key(s).\n", user,
		       when(row->revoked_ms, t, sizeof t), row->nkeys);
	user_rows_free(rows, n);
	return rc;
}

int admin_user_role(struct cli *cli, int argc, char **argv)
{
	const char *user = NULL;
	struct user_row *rows = NULL;
	const struct user_row *row;
	enum user_role role;
	struct err e;
	size_t n = 0;
	int rc;

	/* USER ROLE: the role is the last word, as key import's value is. */
	if ((rc = admin_parse(cli, argc > 1 ? argc - 1 : argc, argv, NULL, &user, "USER", 1)) != 0)
		return rc;
	if (argc < 2)
		return admin_usage_error(cli, "give the user and the role: student, teacher or admin");
	if ((rc = parse_role(cli, argv[argc - 1], &role)) != 0 || (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_user_set_role(cli->store, user, role, &e)) != 0 ||
	    (rc = store_user_list(cli->store, &rows, &n, &e)) != 0)
		return admin_store_fail(rc, &e);
	rc = EX_OK;
	if ((row = find_user(rows, n, user)) != NULL && cli->json)
		rc = admin_print_json(user_json(row));
	else
		printf("%s is now a%s %s.\n", user, role == ROLE_ADMIN ? "n" : "", user_role_name(role));
	user_rows_free(rows, n);
	return rc;
}

static int is_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

/* What key revoke shows of the key id: which user it was of, and when it was revoked. */
static int key_revoked(const struct cli *cli, const struct user_row *rows, size_t n,
		       const char *id)
{
	char t[32];

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < rows[i].nkeys; j++) {
			const struct user_key *k = &rows[i].keys[j];

			if (k->id == NULL || strcmp(k->id, id) != 0)
				continue;
			if (cli->json)
				return admin_print_json(json_pack("{s:o, s:o}", "user",
								  run_json_text(rows[i].user),
								  "key", user_key_json(k)));
			printf("Revoked key %s of %s at %s.\n", id, rows[i].user,
			       when(k->revoked_ms, t, sizeof t));
			return EX_OK;
		}
	}
	printf("Revoked key %s.\n", id);
	return EX_OK;
}

int admin_key_revoke(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct user_row *rows = NULL;
	struct err e;
	size_t n = 0;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, NULL, &id, "KEY_ID", 1)) != 0)
		return rc;
	if (strncmp(id, "rbx_", 4) == 0 && is_hex(id + 4, 40))
		return admin_usage_error(cli, "that is a whole key; give its id, its first 12 "
					 "characters (rbx_ and 8 hex digits)");
	if ((strncmp(id, "rbx_", 4) != 0 && strncmp(id, "key_", 4) != 0) || !is_hex(id + 4, 8))
		return admin_usage_error(cli, "'%s' is not a key id; key ids look like rbx_1a2b3c4d "
					 "(key_1a2b3c4d for an imported key) and 'runbox user list' "
					 "shows them", id);
	if ((rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_key_revoke(cli->store, id, &e)) != 0 ||
	    (rc = store_user_list(cli->store, &rows, &n, &e)) != 0)
		return admin_store_fail(rc, &e);
	rc = key_revoked(cli, rows, n, id);
	user_rows_free(rows, n);
	return rc;
}

/* ---- Quotas -------------------------------------------------------------------------- */

/* {"user", "override": {"per_minute": N or null, ...}, "effective": {...}} of a user. */
static json_t *quota_json(const struct user_row *u, const long d[4])
{
	json_t *o = json_object(), *eff = json_object();
	size_t i;

	for (i = 0; i < 4; i++) {
		long v = quota_get(&u->override, i);

		json_object_set_new(o, quota_fields[i].col,
				    v != -1 ? json_integer(v) : json_null());
		json_object_set_new(eff, quota_fields[i].col, json_integer(v != -1 ? v : d[i]));
	}
	return json_pack("{s:o, s:o, s:o}", "user", run_json_text(u->user), "override", o,
			 "effective", eff);
}

/* One row of quota values; set[i]: marked as the user's own. */
static int quota_row(struct table *t, const char *who, const long long v[4], const int set[4])
{
	char cell[4][48], size[24];
	int i;

	for (i = 0; i < 4; i++) {
		fmt_size(v[i], size, sizeof size);
		if (i == 3)
			(void)snprintf(cell[i], sizeof cell[i], "%lld (%s)%s", v[i], size, set[i] ? "*" : " ");
		else
			(void)snprintf(cell[i], sizeof cell[i], "%lld%s", v[i], set[i] ? "*" : " ");
	}
	return table_row(t, who, cell[0], cell[1], cell[2], cell[3]);
}

/* The defaults, then the users of rows named user (NULL: all of them). */
static int quota_print(const struct user_row *rows, size_t n, const char *user, const long d[4])
{
	static const char *const heads[] = { "USER", "PER MINUTE", "PER DAY", "CONCURRENT",
					     "MAX CODE BYTES" };
	long long v[4] = { d[0], d[1], d[2], d[3] };
	int set[4] = { 0, 0, 0, 0 }, rc;
	struct table t;
	size_t i, j;

	table_init(&t, 5, heads, "lrrrr");
	rc = quota_row(&t, "(default)", v, set);
	for (j = 0; j < n && rc == 0; j++) {
		if (user && strcmp(rows[j].user, user) != 0)
			continue;
		for (i = 0; i < 4; i++) {
			long q = quota_get(&rows[j].override, i);

			set[i] = q != -1;
			v[i] = set[i] ? q : d[i];
		}
		rc = quota_row(&t, rows[j].user, v, set);
	}
	if (rc == 0 && (rc = table_print(&t, stdout)) == 0)
		printf("(default) comes from the configuration; * marks a user's own value\n"
		       "('runbox quota set USER --per-day default' removes one).\n");
	table_release(&t);
	return rc == 0 ? EX_OK : admin_nomem();
}

/* {"defaults", "users": [quota_json...]} of the users of rows named user (NULL: all). */
static json_t *quotas_json(const struct user_row *rows, size_t n, const char *user,
			   const long d[4])
{
	json_t *users = json_array();

	for (size_t i = 0; i < n; i++)
		if (user == NULL || strcmp(rows[i].user, user) == 0)
			json_array_append_new(users, quota_json(&rows[i], d));
	return json_pack("{s:{s:I, s:I, s:I, s:I}, s:o}", "defaults",
			 "per_minute", (json_int_t)d[0], "per_day", (json_int_t)d[1],
			 "concurrent", (json_int_t)d[2], "max_code_bytes", (json_int_t)d[3],
			 "users", users);
}

/* The defaults, and the overrides and effective quotas of every user or of user. */
static int quota_show(struct cli *cli, const char *user)
{
	const long d[4] = { cli->conf.quota_per_minute, cli->conf.quota_per_day,
			    cli->conf.quota_concurrent, cli->conf.max_code_bytes };
	struct user_row *rows = NULL;
	struct err e;
	size_t n = 0;
	int rc;

	err_init(&e);
	if ((rc = store_user_list(cli->store, &rows, &n, &e)) != 0)
		return admin_store_fail(rc, &e);
	if (user && find_user(rows, n, user) == NULL) {
		fprintf(stderr, "runbox: there is no user '%s' (see 'runbox user list')\n", user);
		rc = EX_FAIL;
	} else if (cli->json) {
		rc = admin_print_json(quotas_json(rows, n, user, d));
	} else {
		rc = quota_print(rows, n, user, d);
	}
	user_rows_free(rows, n);
	return rc;
}

int admin_quota_show(struct cli *cli, int argc, char **argv)
{
	const char *user = NULL;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, NULL, &user, "USER", 0)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	return quota_show(cli, user);
}

int admin_quota_set(struct cli *cli, int argc, char **argv)
{
	const char *user = NULL, *val[4] = { NULL, NULL, NULL, NULL };
	const struct opt opts[] = {
		{ quota_fields[0].opt, &val[0], NULL }, { quota_fields[1].opt, &val[1], NULL },
		{ quota_fields[2].opt, &val[2], NULL }, { quota_fields[3].opt, &val[3], NULL },
		{ NULL, NULL, NULL },
	};
	long q[4] = { -2, -2, -2, -2 }; /* -2: keep, -1: back to the default */
	struct quota qv;
	struct err e;
	int i, rc;

	if ((rc = admin_parse(cli, argc, argv, opts, &user, "USER", 1)) != 0)
		return rc;
	for (i = 0; i < 4; i++) {
		if (val[i] == NULL)
			continue;
		if (strcmp(val[i], "default") == 0)
			q[i] = -1;
		else if (parse_count(val[i], quota_fields[i].max, &q[i]) != 0)
			return admin_usage_error(cli, "%s must be a whole number from 1 to %ld or "
						 "'default', not '%s'", quota_fields[i].opt,
						 quota_fields[i].max, val[i]);
	}
	if (!val[0] && !val[1] && !val[2] && !val[3])
		return admin_usage_error(cli, "give at least one of --per-minute, --per-day, "
					 "--concurrent, --max-code-bytes");
	if ((rc = admin_open(cli)) != 0)
		return rc;
	qv = (struct quota){ q[0], q[1], q[2], q[3] };
	err_init(&e);
	if ((rc = store_quota_set(cli->store, user, &qv, &e)) != 0)
		return admin_store_fail(rc, &e);
	return quota_show(cli, user);
}
