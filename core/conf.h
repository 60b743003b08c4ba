/*
 * conf: runbox.conf, the one configuration file of the server, the admin tools and the
 * scripts. Format: "key = value" lines, '#' comments, blank lines. Every key has a
 * default that works; the file only needs what differs. Any key can be overridden for one
 * run with the environment variable RUNBOX_<KEY> (e.g. RUNBOX_FCGI_PROCESSES=8).
 * Relative paths are relative to the directory holding the config file.
 */
#ifndef RUNBOX_CONF_H
#define RUNBOX_CONF_H

#include <stdio.h>

#include "err.h"
#include "limits.h"

#define CONF_PATH_MAX 512

struct conf {
	char instance[64];          /* label value that marks our containers */
	char listen[128];           /* nginx listen address, host:port */
	char run_dir[CONF_PATH_MAX];  /* sockets, pid files, rendered nginx.conf */
	char fcgi_socket[CONF_PATH_MAX];
	char db_path[CONF_PATH_MAX];
	char nginx_user[64];
	int fcgi_processes;         /* 0 = conf_auto_processes of this machine */
	char docker_socket[CONF_PATH_MAX];
	char docker_api[16];        /* pinned Engine API version, e.g. v1.41 */
	int docker_timeout_ms;      /* every Docker call except the run stream */
	char agent_path[CONF_PATH_MAX];
	char seccomp_profile[CONF_PATH_MAX];
	char languages[CONF_PATH_MAX]; /* the language registry file */
	long max_code_bytes;
	long max_stdin_bytes;
	struct limits limits;       /* per-run defaults; see limits.h */
	char log_level[16];
	/* The run log and quotas (see runbox.conf) */
	int db_busy_timeout_ms;     /* longest wait for the database's write lock */
	long log_output_cap;        /* bytes of each output stream kept in the run log */
	int anonymous;              /* run code for requests without a key, by client address */
	long quota_per_minute;      /* defaults; per-user overrides are in the database */
	long quota_per_day;
	long quota_concurrent;
	char nginx_auth_include[CONF_PATH_MAX]; /* nginx snippet for the school's own auth */
	int pool_size;              /* warm containers kept per language (0 = none) */
	int queue_wait_ms;          /* longest wait for a free FastCGI process, else 503 */
	long test_wall_ms;          /* each test case's time, unless its exercise says */
	int pool_idle_s;            /* a warm container older than this is replaced */
	long reuse_runs;            /* jobs one container serves after proven resets (0: one) */
	char worker_user[64];       /* the FastCGI workers' user: no access to Docker */
	char runner_socket[CONF_PATH_MAX]; /* the runner's socket, for the workers only */
	/* Files uploaded once and named in later runs (the Jobe API's files/{id}) */
	long file_max_bytes;        /* one file */
	long file_cache_bytes;      /* all of them; the least recently used go first */
};

/* The configuration an installed runbox reads when neither -c nor RUNBOX_CONF names one. */
#define CONF_SYSTEM_PATH "/etc/runbox/runbox.conf"

/* The file to read: given (from -c or RUNBOX_CONF; "" means none), else CONF_SYSTEM_PATH
 * if it exists, else NULL (the built-in defaults). */
const char *conf_path_or_system(const char *given);

/* Fill c with the built-in defaults. */
void conf_defaults(struct conf *c);

/* Read path (if not NULL) over the defaults, then apply RUNBOX_* environment overrides,
 * then derive dependent values (fcgi_socket from run_dir). On error returns RC_CONFIG
 * with "file:line: sentence" in e. */
int conf_load(struct conf *c, const char *path, struct err *e);

/* Parse config text from memory (no environment overrides); base resolves relative paths
 * and names the source in messages. Returns 0 or RC_CONFIG. */
int conf_parse(struct conf *c, const char *text, const char *base, const char *name,
	       struct err *e);

/* Set one key from a string. Returns 0 or RC_CONFIG (unknown key or bad value). */
int conf_set(struct conf *c, const char *key, const char *value, const char *base,
	     struct err *e);

/* The default number of FastCGI processes (= runs at once) for a machine with cpus cores
 * and mem_bytes of memory: 2 per core, at most one per 256 MB above 512 MB, at least 2. */
int conf_auto_processes(long cpus, long long mem_bytes);

/* Print every setting as key=value lines (shell-safe: values are single-quoted). */
void conf_print(const struct conf *c, FILE *f);

#endif
