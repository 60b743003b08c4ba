/*
 * runbox: the admin command. Users, their roles and API keys, quotas, teachers' exercises,
 * the run log, statistics and pruning, in the database the server writes, found through
 * the same runbox.conf.
 *
 * This file is the command line: options, the command table, help, and the helpers the
 * commands share (admin.h). Everything is parsed and checked before the database is
 * opened, so --help and a wrong command line never touch it.
 */
#define _GNU_SOURCE /* setgroups */
#include "admin.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

struct cmd {
	const char *name;           /* "user add", or one word */
	const char *args;
	const char *summary;
	int (*run)(struct cli *cli, int argc, char **argv);
};

static const struct cmd commands[] = {
	{ "user add", "NAME [--note TEXT] [--role ROLE]",
	  "create a user with an API key, printed once; ROLE: student (default), teacher, admin",
	  admin_user_add },
	{ "user list", "",
	  "users: kind, created, revoked, key ids, quota overrides, runs in 24 h and in all",
	  admin_user_list },
	{ "user revoke", "USER", "revoke a user and all its keys", admin_user_revoke },
	{ "user role", "USER ROLE", "give a user the role student, teacher or admin",
	  admin_user_role },
	{ "key add", "NAME", "another API key for the user NAME; printed once", admin_key_add },
	{ "key import", "NAME VALUE",
	  "register a key CodeRunner already uses, by its exact value, for NAME (created if needed)",
	  admin_key_import },
	{ "key revoke", "KEY_ID",
	  "revoke one key by its id, like rbx_1a2b3c4d (shown by 'user list')", admin_key_revoke },
	{ "quota show", "[USER]",
	  "the default quotas (from the configuration) and each user's overrides and effective "
	  "values", admin_quota_show },
	{ "quota set", "USER [--per-minute N] [--per-day N] [--concurrent N] [--max-code-bytes N]",
	  "change a user's quotas; N = 'default' removes an override; quotas not named are kept",
	  admin_quota_set },
	{ "runs", "[--user USER] [--language L] [--status S] [--since T] [--until T] [--limit N]",
	  "the run log, newest first (50 unless --limit); --status also matches error codes",
	  admin_runs },
	{ "run", "RUN_ID", "one run with everything: its stored code, stdout and stderr", admin_run },
	{ "stats", "[--by user|language] [--since T] [--until T]",
	  "requests, outcomes and time used per user or language (default: by user, --since 7d)",
	  admin_stats },
	{ "prune", "--older-than AGE [--dry-run]",
	  "delete the runs received more than AGE (like 90d) ago; --dry-run only counts them",
	  admin_prune },
	{ "backup", "FILE",
	  "copy the database, while the server runs, into the new file FILE (mode 0600)",
	  admin_backup },
	{ "images build", "[LANGUAGE...]",
	  "build the language images (all, or those named), each only when its files changed",
	  admin_images_build },
	{ "exercise add", "DIR",
	  "store the exercise in folder DIR: its exercise.conf and every file it names",
	  admin_exercise_add },
	{ "exercise update", "DIR",
	  "replace the stored exercise of DIR's exercise.conf id with DIR's version, files and all",
	  admin_exercise_update },
	{ "exercise list", "", "exercises: id, title, languages, cases, last updated",
	  admin_exercise_list },
	{ "exercise show", "ID", "one exercise: its languages with starters and suites, cases, files",
	  admin_exercise_show },
	{ "exercise remove", "ID", "delete an exercise and its files", admin_exercise_remove },
	{ "results", "--exercise ID [--user USER] [--csv]",
	  "an exercise's results per student: attempts, best and latest score, the latest run",
	  admin_results },
	{ "version", "", "the database's schema version and the newest this program knows",
	  admin_version },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void cmd_help(const struct cmd *c, FILE *f)
{
	fprintf(f, "usage: runbox [-c runbox.conf] [--json] %s%s%s\n    %s\n", c->name,
		c->args[0] ? " " : "", c->args, c->summary);
}

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: runbox [-c runbox.conf] [--json] COMMAND ...\n\n"
	      "Manage runbox's users, API keys, quotas and teachers' exercises, and read its run\n"
	      "log.\n\n", f);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s%s%s\n      %s\n", commands[i].name, commands[i].args[0] ? " " : "",
			commands[i].args, commands[i].summary);
	fputs("\nOptions:\n"
	      "  -c FILE     the server's configuration file (default: $RUNBOX_CONF, else\n"
	      "              /etc/runbox/runbox.conf if it exists, else the built-in defaults);\n"
	      "              the database is its db_path\n"
	      "  --json      print JSON instead of tables (also accepted after the command)\n"
	      "  -h, --help  this help; 'runbox COMMAND --help' for one command\n\n"
	      "USER is NAME (a user with API keys), remote:NAME or address:IP.\n"
	      "T is a local date or time (2026-11-23, 2026-11-23T14:00) or an age (30m, 2h, 7d).\n"
	      "DIR is an exercise's folder: exercise.conf (its format: core/exercise.h) and the\n"
	      "files it names, at most 1 MB each and 8 MB in all, none a symbolic link; ID is\n"
	      "the id exercise.conf gives.\n"
	      "Exit status: 0 done, 1 failed, not found, or a mistake in a file it reads (the\n"
	      "configuration, an exercise's folder), 2 wrong command line.\n", f);
}

static int is_help(const char *a)
{
	return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

int admin_usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fputs("runbox: ", stderr);
	if (cli->cmd)
		fprintf(stderr, "%s: ", cli->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'runbox %s%s--help')\n", cli->cmd ? cli->cmd->name : "",
		cli->cmd ? " " : "");
	return EX_USAGE;
}

int admin_parse(struct cli *cli, int argc, char **argv, const struct opt *opts,
		const char **pos, const char *pos_name, int required)
{
	int i, n = 0, only_pos = 0;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (is_help(argv[i])) {
			cmd_help(cli->cmd, stdout);
			return EX_HELP;
		}
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct opt *o;
		size_t len;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (pos_name == NULL || n == 1)
				return admin_usage_error(cli, "unexpected argument '%s'", a);
			*pos = a;
			n++;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			cli->json = 1;
			continue;
		}
		if (strcmp(a, "-c") == 0)
			return admin_usage_error(cli, "-c FILE goes before the command: runbox -c FILE %s ...",
						 cli->cmd->name);
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		for (o = opts; o && o->name; o++)
			if (strlen(o->name) == len && strncmp(o->name, a, len) == 0)
				break;
		if (o == NULL || o->name == NULL)
			return admin_usage_error(cli, "unknown option '%.*s'", (int)len, a);
		if (o->flag) {
			if (eq)
				return admin_usage_error(cli, "%s takes no value", o->name);
			*o->flag = 1;
		} else if (eq) {
			*o->value = eq + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			return admin_usage_error(cli, "%s needs a value", o->name);
		}
	}
	if (required && n == 0)
		return admin_usage_error(cli, "missing %s", pos_name);
	return 0;
}

/*
 * The database's folder belongs to the server's workers (worker_user) once the server has
 * run: root, who may run this command, does not open files in a folder another user can
 * write (a symlink put there could send root's writes anywhere). The command becomes that
 * user first; a folder root still owns (no server started yet) is opened as root.
 */
static int as_db_owner(const struct conf *c)
{
	char path[CONF_PATH_MAX];
	struct passwd *pw;
	struct stat st;

	if (getuid() != 0)
		return 0;
	(void)snprintf(path, sizeof path, "%s", c->db_path);
	if (stat(dirname(path), &st) != 0 || st.st_uid == 0)
		return 0;
	if ((pw = getpwnam(c->worker_user)) == NULL || pw->pw_uid != st.st_uid) {
		fprintf(stderr, "runbox: the database's folder belongs to uid %ld, not to worker_user "
			"'%s': give it to that user (chown) or fix worker_user\n", (long)st.st_uid,
			c->worker_user);
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "runbox: cannot become %s: %s\n", c->worker_user, strerror(errno));
		return -1;
	}
	return 0;
}

int admin_load_conf(struct cli *cli)
{
	struct err e;

	if (cli->conf_loaded)
		return EX_OK;
	err_init(&e);
	conf_defaults(&cli->conf);
	if (conf_load(&cli->conf, cli->conf_path, &e) != 0) {
		fprintf(stderr, "runbox: %s\n", e.msg);
		return EX_FAIL;
	}
	cli->conf_loaded = 1;
	return EX_OK;
}

int admin_open(struct cli *cli)
{
	struct err e;

	err_init(&e);
	if (admin_load_conf(cli) != EX_OK || as_db_owner(&cli->conf) != 0)
		return EX_FAIL;
	if (store_open(&cli->store, cli->conf.db_path, cli->conf.db_busy_timeout_ms, &e) != 0) {
		fprintf(stderr, "runbox: %s (the database is db_path in runbox.conf: pass -c FILE "
			"or set RUNBOX_CONF)\n", e.msg);
		return EX_FAIL;
	}
	return EX_OK;
}

int admin_store_fail(int rc, const struct err *e)
{
	fprintf(stderr, "runbox: %s\n", e->msg[0] ? e->msg : rc_message(rc));
	/* The store refuses a malformed name with RC_BAD_REQUEST: input, not state. */
	return rc == RC_BAD_REQUEST ? EX_USAGE : EX_FAIL;
}

int admin_nomem(void)
{
	fprintf(stderr, "runbox: out of memory\n");
	return EX_FAIL;
}

int admin_print_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;

	json_decref(j);
	if (s == NULL)
		return admin_nomem();
	puts(s);
	free(s);
	return EX_OK;
}

/* The command named by one or two words; *words gets how many it used. */
static const struct cmd *find_cmd(const char *w1, const char *w2, int *words)
{
	size_t i, n;

	for (i = 0; i < NCOMMANDS; i++) {
		n = strcspn(commands[i].name, " ");
		if (strlen(w1) != n || strncmp(commands[i].name, w1, n) != 0)
			continue;
		if (commands[i].name[n] == '\0') {
			*words = 1;
			return &commands[i];
		}
		if (w2 && strcmp(commands[i].name + n + 1, w2) == 0) {
			*words = 2;
			return &commands[i];
		}
	}
	return NULL;
}

/* w1 is not a command by itself: a group ("user") without a known second word, or
 * unknown. "runbox user --help" lists the group's commands. */
static int not_a_command(struct cli *cli, const char *w1, const char *w2)
{
	char subs[128] = "";
	size_t i, n, len = strlen(w1), used = 0;

	for (i = 0; i < NCOMMANDS; i++) {
		n = strcspn(commands[i].name, " ");
		if (n != len || strncmp(commands[i].name, w1, n) != 0 || commands[i].name[n] != ' ')
			continue;
		if (w2 && is_help(w2))
			cmd_help(&commands[i], stdout);
		if (used < sizeof subs)
			used += (size_t)snprintf(subs + used, sizeof subs - used, "%s%s",
						 used ? ", " : "", commands[i].name + n + 1);
	}
	if (used == 0)
		return admin_usage_error(cli, "unknown command '%s'", w1);
	if (w2 && is_help(w2))
		return EX_HELP;
	if (w2 == NULL)
		fprintf(stderr, "runbox: '%s' needs a command: %s (see 'runbox %s --help')\n", w1,
			subs, w1);
	else
		fprintf(stderr, "runbox: unknown command '%s %s'; '%s' commands are %s (see "
			"'runbox %s --help')\n", w1, w2, w1, subs, w1);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	struct cli cli;
	int i, words = 0, rc;

	memset(&cli, 0, sizeof cli);
	cli.conf_path = getenv("RUNBOX_CONF");
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (is_help(argv[i])) {
			usage(stdout);
			return EX_OK;
		}
		i += strcmp(argv[i], "-c") == 0; /* its value may be anything */
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			cli.json = 1;
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			cli.conf_path = argv[++i];
		else if (strcmp(argv[i], "-c") == 0)
			return admin_usage_error(&cli, "-c needs a configuration file");
		else
			return admin_usage_error(&cli, "unknown option '%s'", argv[i]);
	}
	cli.conf_path = conf_path_or_system(cli.conf_path);
	if (i == argc)
		return admin_usage_error(&cli, "no command given");
	if (strcmp(argv[i], "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	if ((c = find_cmd(argv[i], i + 1 < argc ? argv[i + 1] : NULL, &words)) == NULL) {
		rc = not_a_command(&cli, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
		return rc == EX_HELP ? EX_OK : rc;
	}
	cli.cmd = c;
	cli.now = clock_wall_ms();
	rc = c->run(&cli, argc - i - words, argv + i + words);
	store_close(cli.store);
	if (rc == EX_HELP)
		rc = EX_OK;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "runbox: cannot write the output: %s\n", strerror(errno));
		rc = EX_FAIL;
	}
	return rc;
}
