#define _GNU_SOURCE
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

struct pool {
	const struct conf *conf;
	struct runner *runner;
	struct store *store;
	time_t last_reconcile;
	int docker_down;     /* to log a change once, not every tick */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pool_lang_request(const struct conf *c, const struct lang *l, struct run_request *rr)
{
	static const char *const has_compile[] = { "compile", NULL };

	memset(rr, 0, sizeof *rr);
	rr->lang = l;
	rr->limits = c->limits;
	if (l->run.wall_ms > 0)
		rr->limits.wall_ms = l->run.wall_ms;
	if (l->run.cpu_ms > 0)
		rr->limits.cpu_ms = l->run.cpu_ms;
	if (l->run.memory_bytes > 0)
		rr->limits.memory_bytes = l->run.memory_bytes;
	rr->compile_argv = l->compile_argv[0] ? has_compile : NULL;
	rr->compile_wall_ms = l->compile.wall_ms;
	rr->compile_cpu_ms = l->compile.cpu_ms;
	rr->compile_memory_bytes = l->compile.memory_bytes ? l->compile.memory_bytes
							   : rr->limits.memory_bytes;
	rr->cancel_fd = -1;
}

int pool_lease(struct store *s, const struct conf *c, const struct lang *l, char id[DK_ID_MAX],
	       struct err *e)
{
	if (c->pool_size <= 0)
		return RC_NOT_FOUND;
	return store_pool_claim(s, c->instance, l->id, (long)getpid(), id, DK_ID_MAX, e);
}

int pool_dispose(struct runner *r, struct store *s, struct run_result *res, struct err *e)
{
	char id[DK_ID_MAX];
	int pooled = res->pooled;

	if (res->container[0] == '\0')
		return 0;
	/* The container first, then its pool row: while the row exists the master's
	 * reconcile knows the container is owned and leaves it alone. */
	(void)snprintf(id, sizeof id, "%s", res->container);
	run_dispose(r, res);
	if (s == NULL)
		return 0;
	if ((pooled && store_pool_remove(s, id, e) != 0) ||
	    (!pooled && store_counter_add(s, "containers_created", 1, e) != 0) ||
	    store_counter_add(s, "containers_removed", 1, e) != 0)
		return RC_STORE;
	return 0;
}

int pool_open(struct pool **out, const struct conf *c, struct err *e)
{
	struct pool *p = calloc(1, sizeof *p);
	int rc;

	*out = NULL;
	if (p == NULL)
		return err_set(e, RC_NOMEM, "pool");
	p->conf = c;
	if ((rc = runner_open(&p->runner, c, e)) != 0) {
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void pool_close(struct pool *p)
{
	if (p == NULL)
		return;
	runner_close(p->runner);
	store_close(p->store);
	free(p);
}

static struct store *db(struct pool *p)
{
	struct err e;

	if (p->store == NULL && store_open(&p->store, p->conf->db_path,
					   p->conf->db_busy_timeout_ms, &e) != 0) {
		p->store = NULL;
		return NULL;
	}
	return p->store;
}

static void db_failed(struct pool *p)
{
	store_close(p->store);
	p->store = NULL;
}

/* Remove a container and its row. */
static void discard(struct pool *p, const char *id)
{
	struct err e;

	if (runner_remove(p->runner, id, &e) != 0)
		log_warnx("pool: cannot remove %.12s: %s", id, e.msg);
	if (db(p) && (store_pool_remove(p->store, id, &e) != 0 ||
		      store_counter_add(p->store, "containers_removed", 1, &e) != 0))
		db_failed(p);
}

/* Make the rows and Docker agree: rows whose container is gone are forgotten, idle rows
 * that are too old are removed, pool containers without a row are removed. */
static void reconcile(struct pool *p)
{
	struct runner_container *live = NULL;
	struct pool_row *rows = NULL;
	long long old = now_ms() - (long long)p->conf->pool_idle_s * 1000;
	struct err e;
	size_t i, j, nlive = 0, nrows = 0;

	if (runner_list(p->runner, &live, &nlive, &e) != 0) {
		if (!p->docker_down)
			log_warnx("pool: Docker is not answering (%s); refilling when it is back", e.msg);
		p->docker_down = 1;
		return;
	}
	if (p->docker_down)
		log_info("pool: Docker is back; refilling");
	p->docker_down = 0;
	if (db(p) == NULL || store_pool_list(p->store, p->conf->instance, &rows, &nrows, &e) != 0) {
		db_failed(p);
		free(live);
		return;
	}
	for (i = 0; i < nrows; i++) {
		const char *id = rows[i].container;
		int running = 0;

		for (j = 0; j < nlive; j++)
			if (strcmp(live[j].id, id) == 0)
				running = live[j].running;
		if (!rows[i].idle)
			continue;
		if (running && rows[i].created_ms >= old)
			continue;
		/* Gone, or idle too long. A worker may claim it this very moment: take the row
		 * only if it is still idle, and touch the container only then. */
		if (store_pool_take_idle(p->store, id, &e) != 0) {
			if (e.rc == RC_STORE)
				db_failed(p);
			continue;
		}
		if (!running)
			log_info("pool: %.12s is gone; forgetting it", id);
		if (runner_remove(p->runner, id, &e) != 0)
			log_warnx("pool: cannot remove %.12s: %s", id, e.msg);
		(void)store_counter_add(p->store, "containers_removed", 1, &e);
		if (p->store == NULL)
			break;
	}
	for (j = 0; j < nlive; j++) {
		int known = 0;

		if (!live[j].pooled)
			continue;
		for (i = 0; i < nrows; i++)
			known |= strcmp(rows[i].container, live[j].id) == 0;
		if (!known) {
			log_info("pool: removing %.12s, which no one owns", live[j].id);
			discard(p, live[j].id);
		}
	}
	free(rows);
	free(live);
}

void pool_tick(struct pool *p)
{
	struct pool_row *rows = NULL;
	time_t now = time(NULL);
	struct err e;
	size_t i, k, nrows = 0;

	if (p->conf->pool_size <= 0)
		return;
	if (now - p->last_reconcile >= 5 || p->docker_down) {
		p->last_reconcile = now;
		reconcile(p);
	}
	if (p->docker_down || db(p) == NULL)
		return;
	if (store_pool_list(p->store, p->conf->instance, &rows, &nrows, &e) != 0) {
		db_failed(p);
		return;
	}
	for (k = 0; k < lang_count(); k++) {
		const struct lang *l = lang_at(k);
		struct run_request rr;
		char id[DK_ID_MAX];
		int idle = 0;

		for (i = 0; i < nrows; i++)
			idle += rows[i].idle && strcmp(rows[i].language, l->id) == 0;
		if (idle >= p->conf->pool_size)
			continue;
		pool_lang_request(p->conf, l, &rr);
		if (run_prestart(p->runner, &rr, id, &e) != 0) {
			log_debug("pool: cannot start a %s container: %s", l->id, e.msg);
			continue; /* image missing or Docker failing: try again next tick */
		}
		(void)store_counter_add(p->store, "containers_created", 1, &e);
		if (store_pool_add(p->store, p->conf->instance, l->id, id, &e) != 0) {
			log_warnx("pool: %s", e.msg);
			(void)runner_remove(p->runner, id, &e);
			db_failed(p);
			break;
		}
	}
	free(rows);
}

void pool_worker_died(struct pool *p, long pid)
{
	struct pool_row *rows = NULL;
	struct err e;
	size_t i, nrows = 0;

	if (db(p) == NULL || store_pool_list(p->store, p->conf->instance, &rows, &nrows, &e) != 0)
		return;
	for (i = 0; i < nrows; i++)
		if (rows[i].claimed_pid == pid)
			discard(p, rows[i].container);
	free(rows);
}

void pool_drain(struct pool *p)
{
	struct pool_row *rows = NULL;
	struct err e;
	size_t i, nrows = 0;

	if (db(p) == NULL || store_pool_list(p->store, p->conf->instance, &rows, &nrows, &e) != 0)
		return;
	for (i = 0; i < nrows; i++)
		discard(p, rows[i].container);
	free(rows);
	/* Called before the workers are forked: no SQLite connection may cross a fork. */
	db_failed(p);
}
