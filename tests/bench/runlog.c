/*
 * What the run log costs per request: for an accepted run, the quota check + "running"
 * row (store_run_begin) and the finish (store_run_finish, with 1 KB of output); for a
 * refused request, one store_run_refused. Measured on a fresh database file in the
 * given folder (default /tmp), with 1 process and then with 4 processes writing at once.
 * Prints the median and p95 per request in microseconds.
 *
 *   build/runlog-bench [folder] [requests-per-process]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* n requests as one process; writes each request's cost to fd as binary long longs. */
static int worker(const char *path, int n, int id, int fd)
{
	struct quota q = { 1000000, 100000000, 1000, 1 << 20 };
	struct store *s = NULL;
	struct quota_refusal qr;
	struct user u;
	struct err e;
	char name[32], run_id[48], out[1024];
	long long t;
	int i;

	memset(out, 'x', sizeof out);
	if (store_open(&s, path, 5000, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	(void)snprintf(name, sizeof name, "10.0.0.%d", id);
	if (store_user_ensure(s, USER_ADDRESS, name, &u, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct run_entry r = { .run_id = run_id, .user_id = u.id, .client_addr = name,
				       .auth = "address", .instance = "bench", .worker_pid = getpid(),
				       .language = "python", .code = "print('hello')", .code_len = 14 };
		struct run_outcome o = { .status = "ok", .http = 200, .out = out, .out_len = sizeof out,
					 .err = "", .output_cap = 65536, .stdout_bytes = sizeof out };
		int refused = i % 2;

		(void)snprintf(run_id, sizeof run_id, "%d-%d", id, i);
		t = now_us();
		r.received_ms = t / 1000;
		if (refused) {
			if (store_run_refused(s, &r, 400, "bad_json", "The request is not valid JSON.", &e) != 0)
				goto fail;
		} else {
			if (store_run_begin(s, &r, &q, 0, &qr, &e) != 0)
				goto fail;
			o.finished_ms = r.received_ms;
			if (store_run_finish(s, run_id, &o, &e) != 0)
				goto fail;
		}
		t = now_us() - t;
		t = t * 2 + refused; /* lowest bit: which kind */
		if (write(fd, &t, sizeof t) != (ssize_t)sizeof t)
			goto fail;
	}
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "request %d: %s\n", i, e.msg);
	store_close(s);
	return 1;
}

static void report(const char *what, long long *v, int n)
{
	if (n == 0)
		return;
	qsort(v, (size_t)n, sizeof *v, cmp);
	printf("  %-44s median %5lld us   p95 %6lld us   (%d requests)\n", what, v[n / 2],
	       v[n * 95 / 100], n);
}

static int run(const char *dir, int procs, int n)
{
	char path[512];
	int fds[2], i, failed = 0, status, na = 0, nr = 0;
	long long t, *acc = calloc((size_t)(procs * n), sizeof *acc),
		     *ref = calloc((size_t)(procs * n), sizeof *ref);
	char label[96];

	(void)snprintf(path, sizeof path, "%s/runlog-bench-%ld-%d.db", dir, (long)getpid(), procs);
	if (acc == NULL || ref == NULL || pipe(fds) != 0)
		return 1;
	for (i = 0; i < procs; i++) {
		if (fork() == 0) {
			close(fds[0]);
			_exit(worker(path, n, i, fds[1]));
		}
	}
	close(fds[1]);
	while (read(fds[0], &t, sizeof t) == (ssize_t)sizeof t) {
		if (t & 1)
			ref[nr++] = t >> 1;
		else
			acc[na++] = t >> 1;
	}
	close(fds[0]);
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	printf("%d process%s writing at once:\n", procs, procs == 1 ? "" : "es");
	(void)snprintf(label, sizeof label, "accepted run (quota + start row + finish)");
	report(label, acc, na);
	report("refused request (one row)", ref, nr);
	for (i = 0; i < 3; i++) {
		char f[600];
		(void)snprintf(f, sizeof f, "%s%s", path, i == 0 ? "" : i == 1 ? "-wal" : "-shm");
		unlink(f);
	}
	free(acc);
	free(ref);
	return failed;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;

	printf("run-log write cost per request (SQLite WAL, synchronous=NORMAL, database in %s)\n", dir);
	if (n <= 0 || n > 1000000)
		n = 2000;
	return run(dir, 1, (int)n) | run(dir, 4, (int)n);
}
