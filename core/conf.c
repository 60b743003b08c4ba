#define _GNU_SOURCE
#include "conf.h"

#include "log.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind {
	K_STR,  /* char array */
	K_PATH, /* char array; relative values resolved against the config's directory */
	K_INT,  /* int */
	K_LONG, /* long, stored as given */
	K_MB,   /* long, given in megabytes, stored in bytes */
	K_CPUS, /* long nano-CPUs, given as a decimal number of CPUs */
	K_BOOL, /* int 0/1, given as yes/no */
};

struct key {
	const char *name;
	enum kind kind;
	size_t off, size;
	long min, max;
};

#define S(f, k) #f, k, offsetof(struct conf, f), sizeof(((struct conf *)0)->f)
#define L(f, k) #f, k, offsetof(struct conf, limits.f), sizeof(long)

/* The keys of runbox.conf, with their allowed ranges. runbox.conf documents each. */
static const struct key keys[] = {
	{ S(instance, K_STR), 0, 0 },
	{ S(listen, K_STR), 0, 0 },
	{ S(run_dir, K_PATH), 0, 0 },
	{ S(fcgi_socket, K_PATH), 0, 0 },
	{ S(db_path, K_PATH), 0, 0 },
	{ S(nginx_user, K_STR), 0, 0 },
	{ S(fcgi_processes, K_INT), 0, 256 },
	{ S(docker_socket, K_PATH), 0, 0 },
	{ S(docker_api, K_STR), 0, 0 },
	{ S(docker_timeout_ms, K_INT), 100, 600000 },
	{ S(agent_path, K_PATH), 0, 0 },
	{ S(seccomp_profile, K_PATH), 0, 0 },
	{ S(languages, K_PATH), 0, 0 },
	{ S(max_code_bytes, K_LONG), 1, 16L << 20 },
	{ S(max_stdin_bytes, K_LONG), 0, 16L << 20 },
	{ S(log_level, K_STR), 0, 0 },
	{ S(db_busy_timeout_ms, K_INT), 100, 600000 },
	{ S(log_output_cap, K_LONG), 0, 64L << 20 },
	{ S(anonymous, K_BOOL), 0, 1 },
	{ S(quota_per_minute, K_LONG), 1, 1000000 },
	{ S(quota_per_day, K_LONG), 1, 100000000 },
	{ S(quota_concurrent, K_LONG), 1, 10000 },
	{ S(nginx_auth_include, K_PATH), 0, 0 },
	{ S(pool_size, K_INT), 0, 32 },
	{ S(queue_wait_ms, K_INT), 100, 600000 },
	{ S(test_wall_ms, K_LONG), 100, 600000 },
	{ S(pool_idle_s, K_INT), 10, 86400 },
	{ S(reuse_runs, K_LONG), 0, 100000 },
	{ S(worker_user, K_STR), 0, 0 },
	{ S(runner_socket, K_PATH), 0, 0 },
	{ "file_max_mb", K_MB, offsetof(struct conf, file_max_bytes), sizeof(long), 1, 64 },
	{ "file_cache_mb", K_MB, offsetof(struct conf, file_cache_bytes), sizeof(long), 1, 65536 },
	{ "wall_ms", K_LONG, offsetof(struct conf, limits.wall_ms), sizeof(long), 100, 600000 },
	{ "cpu_ms", K_LONG, offsetof(struct conf, limits.cpu_ms), sizeof(long), 100, 600000 },
	{ "memory_mb", K_MB, offsetof(struct conf, limits.memory_bytes), sizeof(long), 16, 65536 },
	{ "cpus", K_CPUS, offsetof(struct conf, limits.nano_cpus), sizeof(long), 10000000, 64000000000L },
	{ L(pids, K_LONG), 8, 4096 },
	{ "work_tmpfs_mb", K_MB, offsetof(struct conf, limits.work_tmpfs_bytes), sizeof(long), 1, 4096 },
	{ "tmp_tmpfs_mb", K_MB, offsetof(struct conf, limits.tmp_tmpfs_bytes), sizeof(long), 1, 4096 },
	{ L(stdout_cap, K_LONG), 1024, 64L << 20 },
	{ L(stderr_cap, K_LONG), 1024, 64L << 20 },
	{ L(run_uid, K_LONG), 1, 2147483646 },
};
#undef S
#undef L

/* Defaults are short literals that fit their fields. */
#define SETS(f, v) (void)snprintf(c->f, sizeof c->f, "%s", v)

const char *conf_path_or_system(const char *given)
{
	if (given != NULL)
		return given[0] != '\0' ? given : NULL;
	return access(CONF_SYSTEM_PATH, F_OK) == 0 ? CONF_SYSTEM_PATH : NULL;
}

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof *c);
	SETS(instance, "default");
	SETS(listen, "127.0.0.1:8080");
	SETS(run_dir, "/run/runbox");
	SETS(db_path, "/var/lib/runbox/runbox.db");
	SETS(nginx_user, "www-data");
	c->fcgi_processes = 0; /* auto: see conf_auto_processes */
	SETS(docker_socket, "/var/run/docker.sock");
	SETS(docker_api, "v1.41");
	c->docker_timeout_ms = 10000;
	SETS(agent_path, "/usr/local/lib/runbox/runbox-agent");
	SETS(seccomp_profile, "/usr/local/lib/runbox/seccomp.json");
	SETS(languages, "/usr/local/lib/runbox/languages.conf");
	c->max_code_bytes = 100 * 1024;
	c->max_stdin_bytes = 1024 * 1024;
	SETS(log_level, "info");
	c->db_busy_timeout_ms = 5000;
	c->log_output_cap = 64 * 1024;
	c->anonymous = 1;
	c->quota_per_minute = 30;
	c->quota_per_day = 1000;
	c->quota_concurrent = 2;
	c->pool_size = 3;
	c->queue_wait_ms = 10000;
	c->test_wall_ms = 2000;
	c->pool_idle_s = 1800;
	c->reuse_runs = 100;
	SETS(worker_user, "runbox");
	c->file_max_bytes = 8L << 20;
	c->file_cache_bytes = 256L << 20;
	c->limits.wall_ms = 10000;
	c->limits.cpu_ms = 10000;
	c->limits.memory_bytes = 128L << 20;
	c->limits.nano_cpus = 1000000000;
	c->limits.pids = 64;
	c->limits.work_tmpfs_bytes = 16L << 20;
	c->limits.tmp_tmpfs_bytes = 16L << 20;
	c->limits.stdout_cap = 1L << 20;
	c->limits.stderr_cap = 1L << 20;
	c->limits.run_uid = 10000;
}

static const struct key *find_key(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int conf_set(struct conf *c, const char *name, const char *v, const char *base, struct err *e)
{
	const struct key *k = find_key(name);
	char *field, *end;
	long n;
	int w;

	if (k == NULL)
		return err_set(e, RC_CONFIG, "unknown setting '%s'", name);
	field = (char *)c + k->off;
	switch (k->kind) {
	case K_STR:
	case K_PATH:
		if (k->kind == K_PATH && v[0] != '/' && v[0] != '\0' && base && base[0])
			w = snprintf(field, k->size, "%s/%s", base, v);
		else
			w = snprintf(field, k->size, "%s", v);
		if (w < 0 || (size_t)w >= k->size)
			return err_set(e, RC_CONFIG, "%s is too long (at most %zu characters)",
				       name, k->size - 1);
		return 0;
	case K_CPUS:
		if (text_cpus(v, &n) != 0 || n < k->min || n > k->max)
			return err_set(e, RC_CONFIG, "%s must be a number of CPUs between 0.01 and 64, "
				       "like 0.5 (got '%s')", name, v);
		*(long *)(void *)field = n;
		return 0;
	case K_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			*(int *)(void *)field = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			*(int *)(void *)field = 0;
		else
			return err_set(e, RC_CONFIG, "%s must be yes or no (got '%s')", name, v);
		return 0;
	case K_INT:
	case K_LONG:
	case K_MB:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < k->min || n > k->max)
			return err_set(e, RC_CONFIG, "%s must be a whole number from %ld to %ld (got '%s')",
				       name, k->min, k->max, v);
		if (k->kind == K_INT)
			*(int *)(void *)field = (int)n;
		else
			*(long *)(void *)field = k->kind == K_MB ? n << 20 : n;
		return 0;
	}
	return err_set(e, RC_CONFIG, "%s: unhandled kind", name);
}

int conf_parse(struct conf *c, const char *text, const char *base, const char *name, struct err *e)
{
	char *copy = strdup(text), *line, *save = NULL, *eq, *key, *val;
	int lineno = 0, rc = 0;
	struct err sub;

	if (copy == NULL)
		return err_set(e, RC_NOMEM, "reading %s", name);
	/* strtok_r would merge blank lines and skew line numbers: split by hand. */
	for (line = copy; line != NULL; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		if ((eq = strchr(line, '#')) != NULL)
			*eq = '\0';
		key = text_trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			rc = err_set(e, RC_CONFIG, "%s:%d: expected 'key = value'", name, lineno);
			goto out;
		}
		*eq = '\0';
		val = text_trim(eq + 1);
		key = text_trim(key);
		if (conf_set(c, key, val, base, &sub) != 0) {
			rc = err_set(e, RC_CONFIG, "%s:%d: %s", name, lineno, sub.msg);
			goto out;
		}
	}
out:
	free(copy);
	return rc;
}

static int read_file(const char *path, char **out, struct err *e)
{
	FILE *f = fopen(path, "r");
	char *data = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return err_set(e, RC_CONFIG, "cannot open %s: %s", path, strerror(errno));
	for (;;) {
		if (cap - len < 4096) {
			char *d = realloc(data, cap + 65536);
			if (d == NULL) {
				free(data);
				fclose(f);
				return err_set(e, RC_NOMEM, "reading %s", path);
			}
			data = d;
			cap += 65536;
		}
		n = fread(data + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	data[len] = '\0';
	*out = data;
	return 0;
}

int conf_load(struct conf *c, const char *path, struct err *e)
{
	char base[CONF_PATH_MAX] = "", env[80], *text = NULL, *slash;
	const char *v;
	struct err sub;
	size_t i, j;
	int rc = 0;

	if (path != NULL) {
		if (realpath(path, base) == NULL)
			return err_set(e, RC_CONFIG, "cannot open %s: %s", path, strerror(errno));
		if ((slash = strrchr(base, '/')) != NULL)
			*slash = '\0';
		if ((rc = read_file(path, &text, e)) != 0)
			return rc;
		rc = conf_parse(c, text, base, path, e);
		free(text);
		if (rc != 0)
			return rc;
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		int w = snprintf(env, sizeof env, "RUNBOX_%s", keys[i].name);

		if (w < 0 || (size_t)w >= sizeof env)
			continue;
		for (j = 7; env[j]; j++)
			env[j] = (char)toupper((unsigned char)env[j]);
		if ((v = getenv(env)) == NULL)
			continue;
		/* Relative paths from the environment are relative to the working directory. */
		if (conf_set(c, keys[i].name, v, NULL, &sub) != 0)
			return err_set(e, RC_CONFIG, "environment %s: %s", env, sub.msg);
	}
	if (c->fcgi_socket[0] == '\0') {
		int w = snprintf(c->fcgi_socket, sizeof c->fcgi_socket, "%s/fcgi.sock", c->run_dir);
		if (w < 0 || (size_t)w >= sizeof c->fcgi_socket)
			return err_set(e, RC_CONFIG, "run_dir is too long");
	}
	if (c->runner_socket[0] == '\0') {
		int w = snprintf(c->runner_socket, sizeof c->runner_socket, "%s/runner.sock", c->run_dir);
		if (w < 0 || (size_t)w >= sizeof c->runner_socket)
			return err_set(e, RC_CONFIG, "run_dir is too long");
	}
	if (log_level_parse(c->log_level) < 0)
		return err_set(e, RC_CONFIG, "log_level must be warn, info or debug (got '%s')",
			       c->log_level);
	return 0;
}

int conf_auto_processes(long cpus, long long mem_bytes)
{
	/* Two runs per core keep the CPUs busy while others wait on Docker; each run may use
	 * up to 256 MB with its compile stage, and the host keeps 512 MB for itself. */
	long long by_mem = (mem_bytes - (512LL << 20)) / (256LL << 20);
	long n = 2 * (cpus > 0 ? cpus : 1);

	if (by_mem < n)
		n = (long)by_mem;
	if (n < 2)
		n = 2;
	return n > 64 ? 64 : (int)n;
}

void conf_print(const struct conf *c, FILE *f)
{
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const struct key *k = &keys[i];
		const char *field = (const char *)c + k->off;
		long n;

		switch (k->kind) {
		case K_STR:
		case K_PATH:
			/* Values never contain a single quote in practice; refuse to print one. */
			fprintf(f, "%s='%s'\n", k->name, strchr(field, '\'') ? "" : field);
			break;
		case K_INT:
			fprintf(f, "%s=%d\n", k->name, *(const int *)(const void *)field);
			break;
		case K_BOOL:
			fprintf(f, "%s=%s\n", k->name, *(const int *)(const void *)field ? "yes" : "no");
			break;
		case K_LONG:
			fprintf(f, "%s=%ld\n", k->name, *(const long *)(const void *)field);
			break;
		case K_MB:
			fprintf(f, "%s=%ld\n", k->name, *(const long *)(const void *)field >> 20);
			break;
		case K_CPUS:
			n = *(const long *)(const void *)field;
			fprintf(f, "%s=%ld.%09ld\n", k->name, n / 1000000000L, n % 1000000000L);
			break;
		}
	}
}
