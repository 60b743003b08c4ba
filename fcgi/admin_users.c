/*
 * The admin command's users, API keys and quotas: user add/list/revoke, key add/revoke,
 * quota show/set. The store does the work; this file checks the command line and shows
 * the store's JSON, as it is (--json) or as tables.
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>

#include "admin_fmt.h"

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

int admin_user_add(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *note = NULL;
	const struct opt opts[] = { { "--note", &note, NULL }, { NULL, NULL, NULL } };
	char key[64];
	struct err e;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, opts, &name, "NAME", 1)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_user_add(cli->store, name, note, key, sizeof key, &e)) != 0)
		return admin_store_fail(rc, &e);
	return show_key(cli, name, key, "Created user");
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

/* "per minute 10, concurrent 1": the overrides of a user row; "" if none. */
static void overrides_text(const json_t *row, char *buf, size_t cap)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < 4 && n < cap; i++)
		if (json_is_integer(json_object_get(row, quota_fields[i].col)))
			n += (size_t)snprintf(buf + n, cap - n, "%s%s %lld", n ? ", " : "",
					      quota_fields[i].label, jint(row, quota_fields[i].col));
}

/* A row per user, and under it its keys, quota overrides and note. */
static int user_rows(struct table *t, const json_t *list)
{
	char c[32], r[32], n24[24], ntot[24], text[512];
	size_t i, j;
	json_t *row, *k;

	json_array_foreach(list, i, row) {
		(void)snprintf(n24, sizeof n24, "%lld", jint(row, "runs_24h"));
		(void)snprintf(ntot, sizeof ntot, "%lld", jint(row, "runs_total"));
		if (table_row(t, jstr(row, "user"), jstr(row, "kind"),
			      when(jint(row, "created_ms"), c, sizeof c),
			      when(jint(row, "revoked_ms"), r, sizeof r), n24, ntot) != 0)
			return -1;
		json_array_foreach(json_object_get(row, "keys"), j, k) {
			text[0] = '\0';
			if (jint(k, "revoked_ms") > 0)
				(void)snprintf(text, sizeof text, " (revoked %s)",
					       when(jint(k, "revoked_ms"), r, sizeof r));
			if (table_note(t, "    key %s%s", jstr(k, "id"), text) != 0)
				return -1;
		}
		overrides_text(row, text, sizeof text);
		if ((text[0] && table_note(t, "    quota: %s", text) != 0) ||
		    (jstr(row, "note") && table_note(t, "    note: %s", jstr(row, "note")) != 0))
			return -1;
	}
	return 0;
}

int admin_user_list(struct cli *cli, int argc, char **argv)
{
	static const char *const heads[] = { "USER", "KIND", "CREATED", "REVOKED", "RUNS 24H", "TOTAL" };
	struct table t;
	json_t *list = NULL;
	struct err e;
	int rc;

	if ((rc = admin_parse(cli, argc, argv, NULL, NULL, NULL, 0)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_user_list(cli->store, &list, &e)) != 0)
		return admin_store_fail(rc, &e);
	if (cli->json)
		return admin_print_json(list);
	if (json_array_size(list) == 0) {
		json_decref(list);
		printf("No users yet. Add one with 'runbox user add NAME'.\n");
		return EX_OK;
	}
	table_init(&t, 6, heads, "llllrr");
	rc = user_rows(&t, list) == 0 && table_print(&t, stdout) == 0 ? EX_OK : admin_nomem();
	table_release(&t);
	json_decref(list);
	return rc;
}

/* The user-list row of user as shown ("alice", "remote:bob"); NULL if none. */
static json_t *find_user(const json_t *list, const char *user)
{
	size_t i;
	json_t *row;

	json_array_foreach(list, i, row)
		if (jstr(row, "user") && strcmp(jstr(row, "user"), user) == 0)
			return row;
	return NULL;
}

int admin_user_revoke(struct cli *cli, int argc, char **argv)
{
	const char *user = NULL;
	json_t *list = NULL, *row;
	char t[32];
	struct err e;
	int rc = EX_OK;

	if ((rc = admin_parse(cli, argc, argv, NULL, &user, "USER", 1)) != 0 ||
	    (rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_user_revoke(cli->store, user, &e)) != 0 ||
	    (rc = store_user_list(cli->store, &list, &e)) != 0)
		return admin_store_fail(rc, &e);
	if ((row = find_user(list, user)) == NULL)
		printf("Revoked %s.\n", user);
	else if (cli->json)
		rc = admin_print_json(json_incref(row));
	else
		printf("Revoked user %s at %s, with its %zu key(s).\n", user,
		       when(jint(row, "revoked_ms"), t, sizeof t),
		       json_array_size(json_object_get(row, "keys")));
	json_decref(list);
	return rc;
}

static int is_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

int admin_key_revoke(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	json_t *list = NULL, *row, *k;
	struct err e;
	size_t i, j;
	char t[32];
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
	    (rc = store_user_list(cli->store, &list, &e)) != 0)
		return admin_store_fail(rc, &e);
	json_array_foreach(list, i, row) {
		json_array_foreach(json_object_get(row, "keys"), j, k) {
			if (!jstr(k, "id") || strcmp(jstr(k, "id"), id) != 0)
				continue;
			if (cli->json)
				rc = admin_print_json(json_pack("{s:O, s:O}", "user",
								json_object_get(row, "user"), "key", k));
			else
				printf("Revoked key %s of %s at %s.\n", id, jstr(row, "user"),
				       when(jint(k, "revoked_ms"), t, sizeof t));
			json_decref(list);
			return rc;
		}
	}
	json_decref(list);
	printf("Revoked key %s.\n", id);
	return EX_OK;
}

/* ---- Quotas -------------------------------------------------------------------------- */

/* {"user", "override": {"per_minute": N or null, ...}, "effective": {...}} of a user row. */
static json_t *quota_json(const json_t *row, const long d[4])
{
	json_t *o = json_object(), *eff = json_object();
	size_t i;

	for (i = 0; i < 4; i++) {
		json_t *v = json_object_get(row, quota_fields[i].col);
		int set = json_is_integer(v);

		json_object_set_new(o, quota_fields[i].col,
				    set ? json_integer(json_integer_value(v)) : json_null());
		json_object_set_new(eff, quota_fields[i].col,
				    json_integer(set ? json_integer_value(v) : d[i]));
	}
	return json_pack("{s:O?, s:o, s:o}", "user", json_object_get(row, "user"), "override", o,
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

static int quota_print(const json_t *users, const long d[4])
{
	static const char *const heads[] = { "USER", "PER MINUTE", "PER DAY", "CONCURRENT",
					     "MAX CODE BYTES" };
	long long v[4] = { d[0], d[1], d[2], d[3] };
	int set[4] = { 0, 0, 0, 0 }, rc, i;
	struct table t;
	size_t j;
	json_t *u;

	table_init(&t, 5, heads, "lrrrr");
	rc = quota_row(&t, "(default)", v, set);
	json_array_foreach(users, j, u) {
		for (i = 0; i < 4; i++) {
			v[i] = jint(json_object_get(u, "effective"), quota_fields[i].col);
			set[i] = json_is_integer(json_object_get(json_object_get(u, "override"),
								 quota_fields[i].col));
		}
		if (rc == 0)
			rc = quota_row(&t, jstr(u, "user"), v, set);
	}
	if (rc == 0 && (rc = table_print(&t, stdout)) == 0)
		printf("(default) comes from the configuration; * marks a user's own value\n"
		       "('runbox quota set USER --per-day default' removes one).\n");
	table_release(&t);
	return rc == 0 ? EX_OK : admin_nomem();
}

/* The defaults, and the overrides and effective quotas of every user or of user. */
static int quota_show(struct cli *cli, const char *user)
{
	json_t *list = NULL, *users = json_array(), *row;
	long d[4] = { cli->conf.quota_per_minute, cli->conf.quota_per_day,
		      cli->conf.quota_concurrent, cli->conf.max_code_bytes };
	struct err e;
	size_t i;
	int rc;

	err_init(&e);
	if ((rc = store_user_list(cli->store, &list, &e)) != 0) {
		json_decref(users);
		return admin_store_fail(rc, &e);
	}
	json_array_foreach(list, i, row)
		if (user == NULL || (jstr(row, "user") && strcmp(jstr(row, "user"), user) == 0))
			json_array_append_new(users, quota_json(row, d));
	json_decref(list);
	if (user && json_array_size(users) == 0) {
		json_decref(users);
		fprintf(stderr, "runbox: there is no user '%s' (see 'runbox user list')\n", user);
		return EX_FAIL;
	}
	if (!cli->json) {
		rc = quota_print(users, d);
		json_decref(users);
		return rc;
	}
	return admin_print_json(json_pack("{s:{s:I, s:I, s:I, s:I}, s:o}", "defaults",
					  "per_minute", (json_int_t)d[0], "per_day", (json_int_t)d[1],
					  "concurrent", (json_int_t)d[2],
					  "max_code_bytes", (json_int_t)d[3], "users", users));
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
