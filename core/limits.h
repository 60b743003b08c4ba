/*
 * limits: what one run may use, and how that becomes a container configuration.
 *
 * The admin's configured values are both the defaults and the maxima: a request can
 * lower a limit, never disable it or raise it past the configured value.
 */
#ifndef RUNBOX_LIMITS_H
#define RUNBOX_LIMITS_H

#include <jansson.h>

struct limits {
	long wall_ms;        /* wall clock per run stage */
	long cpu_ms;         /* CPU time per run stage */
	long memory_bytes;   /* cgroup memory limit; swap is the same (no swap) */
	long nano_cpus;      /* CPU share, 1e9 = one core */
	long pids;           /* processes and threads in the container */
	long work_tmpfs_bytes; /* /work: the program's files */
	long tmp_tmpfs_bytes;  /* /tmp */
	long stdout_cap;     /* bytes of stdout returned; the run ends when it is hit */
	long stderr_cap;
	long run_uid;        /* non-root uid and gid the program runs as */
};

/* Fields a caller needs to build a container besides the limits. */
struct container_spec {
	const char *image;
	const char *instance;   /* runbox.instance label */
	const char *lang;       /* runbox.lang label */
	const char *agent_path; /* host path of the static agent, bind-mounted read-only */
	const char *seccomp;    /* seccomp profile JSON text (not a path), or NULL */
	long created;           /* runbox.created label, unix seconds */
	const char *owner;      /* runbox.owner label: "instance:pid" of the process that
				 * runs it, so the master can remove it if that process dies */
	const char *state;      /* runbox.state label: "run" (made for one run) or "pool" */
	const char *suites_path; /* host folder of the teachers' test suites, mounted read-only
				  * at /suites (core/suite.h); NULL: none */
};

/* The body of POST /containers/create for one run. Pure: no I/O.
 * Returns a new reference, or NULL if memory ran out. */
json_t *limits_container_config(const struct limits *l, const struct container_spec *s);

/* Lower each limit in want to at most max; a value <= 0 in want means "use max".
 * Result in out. */
void limits_clamp(struct limits *out, const struct limits *want, const struct limits *max);

#endif
