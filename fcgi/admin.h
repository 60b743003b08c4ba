/*
 * admin: what the files of the admin command `runbox` share (admin.c: the command line
 * and main; admin_users.c: users, roles, keys, quotas; admin_log.c: the run log;
 * admin_exercise.c: teachers' exercises; admin_results.c: their results). Only that
 * program includes it.
 *
 * A command function gets the arguments after its command words, parses and checks all
 * of them before opening anything, and returns an exit status: EX_OK, EX_FAIL (the
 * database failed, or no such user/key/run/exercise, or a file the command reads (the
 * configuration, an exercise's folder) is missing or has a mistake), EX_USAGE (the command line is wrong; one
 * line on stderr says what to do), or EX_HELP (help was printed; exit 0).
 */
#ifndef RUNBOX_ADMIN_H
#define RUNBOX_ADMIN_H

#include <jansson.h>

#include "conf.h"
#include "err.h"
#include "store.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_HELP = -1 };

struct cmd;

struct cli {
	const char *conf_path;      /* NULL: built-in defaults */
	int json;                   /* print JSON (run_json.h) instead of tables */
	const struct cmd *cmd;      /* the command being run, named in messages */
	long long now;              /* ms, read once so every time in a command agrees */
	struct conf conf;           /* loaded by admin_load_conf or admin_open */
	int conf_loaded;
	struct store *store;        /* opened by admin_open; main closes it */
};

/* An option of a command: one that takes a value (value), or a flag (flag). */
struct opt {
	const char *name;
	const char **value;
	int *flag;
};

/* Parse argv: the options in opts (NULL: none) anywhere, "--opt VALUE" or "--opt=VALUE",
 * --json, and at most one positional argument into *pos, called pos_name in messages
 * (NULL: none taken); required: it must be there. "--" ends the options; -h/--help
 * anywhere before it prints the command's help. Returns 0, EX_HELP or EX_USAGE. */
int admin_parse(struct cli *cli, int argc, char **argv, const struct opt *opts,
		const char **pos, const char *pos_name, int required);
/* Print "runbox: COMMAND: <message> (see 'runbox COMMAND --help')"; returns EX_USAGE. */
int admin_usage_error(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Load the configuration (once), for a command that reads what it names before it opens
 * the database. EX_OK or EX_FAIL. */
int admin_load_conf(struct cli *cli);
/* Load the configuration (if not loaded yet) and open (and migrate) its database. EX_OK
 * or EX_FAIL. */
int admin_open(struct cli *cli);
/* Report a store error; EX_USAGE for RC_BAD_REQUEST (a malformed name), else EX_FAIL. */
int admin_store_fail(int rc, const struct err *e);
int admin_nomem(void);
/* Print j (the reference is taken, even if j is NULL) indented; EX_OK or EX_FAIL. */
int admin_print_json(json_t *j);

/* The commands. */
int admin_user_add(struct cli *cli, int argc, char **argv);
int admin_user_list(struct cli *cli, int argc, char **argv);
int admin_user_revoke(struct cli *cli, int argc, char **argv);
int admin_user_role(struct cli *cli, int argc, char **argv);
int admin_key_add(struct cli *cli, int argc, char **argv);
int admin_key_import(struct cli *cli, int argc, char **argv);
int admin_key_revoke(struct cli *cli, int argc, char **argv);
int admin_quota_show(struct cli *cli, int argc, char **argv);
int admin_quota_set(struct cli *cli, int argc, char **argv);
int admin_runs(struct cli *cli, int argc, char **argv);
int admin_run(struct cli *cli, int argc, char **argv);
int admin_stats(struct cli *cli, int argc, char **argv);
int admin_prune(struct cli *cli, int argc, char **argv);
int admin_backup(struct cli *cli, int argc, char **argv);
int admin_images_build(struct cli *cli, int argc, char **argv);
int admin_version(struct cli *cli, int argc, char **argv);
int admin_exercise_add(struct cli *cli, int argc, char **argv);
int admin_exercise_update(struct cli *cli, int argc, char **argv);
int admin_exercise_list(struct cli *cli, int argc, char **argv);
int admin_results(struct cli *cli, int argc, char **argv);
int admin_exercise_show(struct cli *cli, int argc, char **argv);
int admin_exercise_remove(struct cli *cli, int argc, char **argv);

#endif
