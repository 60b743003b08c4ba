#define _GNU_SOURCE
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

/* Slots in the table: every container the runner has, warm or in use. Runs at once are
 * bounded by the FastCGI processes (at most 256), plus pool_size per language. */
#define POOL_SLOTS 1024
/* How long a lease waits for a container of its language whose agent is resetting (a
 * reset takes milliseconds; a new container takes Docker hundreds of them). */
#define POOL_WAIT_MS 300
/* Containers beyond pool_size that came back from runs are kept this long when idle. */
#define POOL_EXTRA_IDLE_MS 60000

enum slot_state { SLOT_FREE, SLOT_STARTING, SLOT_READY, SLOT_BUSY, SLOT_RESETTING };

struct slot {
	enum slot_state state;
	const struct lang *lang;
	char id[DK_ID_MAX];
	struct dk_stream *stream;
	long jobs;                 /* jobs served */
	long long since_ms;        /* ready since */
	long long made_ms;         /* when its container was made */
};

struct pool {
	const struct conf *conf;
	pthread_mutex_t lock;
	pthread_cond_t changed;    /* a slot became ready or was freed */
	struct slot slots[POOL_SLOTS];
	long long created, removed, reused, retired;
	time_t last_reconcile;
	int docker_down;           /* to log a change once, not every tick */
};


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

long pool_reuse_runs(const struct conf *c, const struct lang *l)
{
	return l->reuse_runs >= 0 ? l->reuse_runs : c->reuse_runs;
}

long pool_size_of(const struct conf *c, const struct lang *l)
{
	return l->pool_size >= 0 ? l->pool_size : c->pool_size;
}

int pool_open(struct pool **out, const struct conf *c, struct err *e)
{
	struct pool *p = calloc(1, sizeof *p);

	*out = NULL;
	if (p == NULL)
		return err_set(e, RC_NOMEM, "pool");
	p->conf = c;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->changed, NULL);
	*out = p;
	return 0;
}

void pool_close(struct pool *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < POOL_SLOTS; i++)
		dk_stream_close(p->slots[i].stream);
	pthread_cond_destroy(&p->changed);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* A free slot marked STARTING for l, or -1 when the table is full. Under the lock. */
static int reserve(struct pool *p, const struct lang *l)
{
	for (int i = 0; i < POOL_SLOTS; i++) {
		if (p->slots[i].state == SLOT_FREE) {
			p->slots[i] = (struct slot){ .state = SLOT_STARTING, .lang = l };
			return i;
		}
	}
	return -1;
}

/* Free slot i. Under the lock. */
static void release_slot(struct pool *p, int i)
{
	p->slots[i] = (struct slot){ .state = SLOT_FREE };
	pthread_cond_broadcast(&p->changed);
}

/* Create, start and attach a container for l into the reserved slot i (outside the
 * lock: only this thread touches a STARTING slot). On failure the slot is freed. */
static int make(struct pool *p, struct runner *r, const struct lang *l, int i, struct err *e)
{
	struct run_request rr;
	struct dk_stream *s = NULL;
	char id[DK_ID_MAX];
	int rc;

	pool_lang_request(p->conf, l, &rr);
	if ((rc = run_prestart(r, &rr, id, e)) == 0 &&
	    (rc = dk_attach(runner_docker(r), id, &s, e)) != 0) {
		struct err ignored;
		(void)runner_remove(r, id, &ignored);
	}
	pthread_mutex_lock(&p->lock);
	if (rc == 0) {
		p->created++;
		(void)snprintf(p->slots[i].id, sizeof p->slots[i].id, "%s", id);
		p->slots[i].stream = s;
		p->slots[i].made_ms = clock_mono_ms();
	} else {
		release_slot(p, i);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* Remove slot i's container (its stream closed first: a daemon blocked writing to an
 * attach nobody reads would hang the removal) and free the slot. The slot is the
 * caller's (busy or starting): no lock is needed for the Docker call. */
static void discard(struct pool *p, struct runner *r, int i)
{
	struct slot *sl = &p->slots[i];
	char id[DK_ID_MAX];
	struct err e;

	(void)snprintf(id, sizeof id, "%s", sl->id);
	dk_stream_close(sl->stream);
	sl->stream = NULL;
	if (id[0] != '\0' && runner_remove(r, id, &e) != 0)
		log_warnx("pool: cannot remove %.12s: %s (the runner's upkeep will)", id, e.msg);
	pthread_mutex_lock(&p->lock);
	if (id[0] != '\0')
		p->removed++;
	release_slot(p, i);
	pthread_mutex_unlock(&p->lock);
}

/* A ready slot of l, or -1; a resetting one of l sets *resetting. Under the lock. */
static int find_ready(struct pool *p, const struct lang *l, bool *resetting)
{
	int best = -1;

	*resetting = false;
	for (int i = 0; i < POOL_SLOTS; i++) {
		struct slot *sl = &p->slots[i];

		if (sl->lang != l)
			continue;
		if (sl->state == SLOT_RESETTING)
			*resetting = true;
		/* One that has served jobs before a fresh one, and of those the one ready last: a
		 * few containers stay hot (their pages in memory), the fresh ones stay spare for a
		 * burst, and the others, idle, expire. */
		if (sl->state == SLOT_READY &&
		    (best < 0 || (sl->jobs > 0) > (p->slots[best].jobs > 0) ||
		     ((sl->jobs > 0) == (p->slots[best].jobs > 0) && sl->since_ms > p->slots[best].since_ms)))
			best = i;
	}
	return best;
}

static void lease_of(struct pool *p, int i, struct pool_lease *out)
{
	struct slot *sl = &p->slots[i];

	*out = (struct pool_lease){ .slot = i, .stream = sl->stream, .jobs = sl->jobs };
	(void)snprintf(out->id, sizeof out->id, "%s", sl->id);
	out->last = sl->jobs + 1 >= pool_reuse_runs(p->conf, sl->lang);
}

int pool_take(struct pool *p, struct runner *r, const struct lang *l, bool fresh,
	      struct pool_lease *out, struct err *e)
{
	long long until = clock_mono_ms() + POOL_WAIT_MS;
	bool resetting = false;
	int i, rc;

	*out = (struct pool_lease){ .slot = -1 };
	pthread_mutex_lock(&p->lock);
	for (;;) {
		i = fresh ? -1 : find_ready(p, l, &resetting);
		if (i >= 0 || !resetting || clock_mono_ms() >= until)
			break;
		/* A container of l is resetting: it is ready in milliseconds. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&p->changed, &p->lock, &ts);
	}
	if (i >= 0) {
		p->slots[i].state = SLOT_BUSY;
		lease_of(p, i, out);
		out->warm = true;
		if (out->jobs > 0)
			p->reused++;
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	i = reserve(p, l);
	pthread_mutex_unlock(&p->lock);
	if (i < 0)
		return err_set(e, RC_BUSY, "the runner has %d containers already", POOL_SLOTS);
	if ((rc = make(p, r, l, i, e)) != 0)
		return rc;
	pthread_mutex_lock(&p->lock);
	p->slots[i].state = SLOT_BUSY;
	lease_of(p, i, out);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void pool_resetting(struct pool *p, const struct pool_lease *lease)
{
	if (lease->slot < 0 || lease->last)
		return;
	pthread_mutex_lock(&p->lock);
	p->slots[lease->slot].state = SLOT_RESETTING;
	pthread_mutex_unlock(&p->lock);
}

/* Ready containers of l, and all of l's containers. Under the lock. */
static void count(struct pool *p, const struct lang *l, int *ready, int *all)
{
	*ready = *all = 0;
	for (int i = 0; i < POOL_SLOTS; i++) {
		if (p->slots[i].lang != l || p->slots[i].state == SLOT_FREE)
			continue;
		(*all)++;
		*ready += p->slots[i].state == SLOT_READY || p->slots[i].state == SLOT_STARTING;
	}
}

void pool_give_back(struct pool *p, struct runner *r, struct pool_lease *lease, bool ready,
		    const char *not_ready)
{
	int i = lease->slot;

	if (i < 0)
		return;
	lease->slot = -1;
	pthread_mutex_lock(&p->lock);
	p->slots[i].jobs++;
	if (ready && !lease->last) {
		p->slots[i].state = SLOT_READY;
		p->slots[i].since_ms = clock_mono_ms();
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->lock);
		return;
	}
	if (!lease->last && not_ready != NULL) {
		p->retired++;
		log_info("pool: retiring %.12s after %ld job(s): %s", p->slots[i].id,
			 p->slots[i].jobs, not_ready[0] ? not_ready : "no proof of its reset");
	}
	pthread_mutex_unlock(&p->lock);
	discard(p, r, i);
}

/* Take slot i out of the table if it is still ready (a lease may have it by now). Under
 * the lock; returns whether it was taken. */
static bool take_ready(struct pool *p, int i)
{
	if (p->slots[i].state != SLOT_READY)
		return false;
	p->slots[i].state = SLOT_BUSY;
	return true;
}

/* The containers Docker has for this instance against the table: a ready slot whose
 * container is gone is freed; a container no slot knows is removed. */
static void reconcile(struct pool *p, struct runner *r)
{
	struct runner_container *live = NULL;
	long long listed = clock_mono_ms();
	size_t j, nlive = 0;
	struct err e;
	int i;

	if (runner_list(r, &live, &nlive, &e) != 0) {
		if (!p->docker_down)
			log_warnx("pool: Docker is not answering (%s); refilling when it is back", e.msg);
		p->docker_down = 1;
		return;
	}
	if (p->docker_down)
		log_info("pool: Docker is back; refilling");
	p->docker_down = 0;
	for (i = 0; i < POOL_SLOTS; i++) {
		bool running = false, mine;

		pthread_mutex_lock(&p->lock);
		for (j = 0; j < nlive; j++)
			running |= strcmp(live[j].id, p->slots[i].id) == 0 && live[j].running;
		/* A container made after the list was taken is not in it, but not gone. */
		mine = !running && p->slots[i].made_ms < listed && take_ready(p, i);
		pthread_mutex_unlock(&p->lock);
		if (mine) {
			log_info("pool: %.12s is gone; forgetting it", p->slots[i].id);
			discard(p, r, i);
		}
	}
	for (j = 0; j < nlive; j++) {
		bool known = false;

		pthread_mutex_lock(&p->lock);
		for (i = 0; i < POOL_SLOTS && !known; i++)
			known = p->slots[i].state != SLOT_FREE && strcmp(p->slots[i].id, live[j].id) == 0;
		/* A slot still starting has no id yet: leave young containers to it. */
		for (i = 0; i < POOL_SLOTS && !known; i++)
			known = p->slots[i].state == SLOT_STARTING;
		pthread_mutex_unlock(&p->lock);
		if (!known) {
			log_info("pool: removing %.12s, which no run owns", live[j].id);
			if (runner_remove(r, live[j].id, &e) != 0)
				log_warnx("pool: cannot remove %.12s: %s", live[j].id, e.msg);
		}
	}
	free(live);
}

/* Remove ready containers idle too long: beyond pool_size after a minute, the pool's own
 * after pool_idle_s (they are replaced). */
static void expire(struct pool *p, struct runner *r)
{
	long long now = clock_mono_ms();

	for (int i = 0; i < POOL_SLOTS; i++) {
		bool mine = false;

		pthread_mutex_lock(&p->lock);
		if (p->slots[i].state == SLOT_READY) {
			int ready, all;
			long long idle = now - p->slots[i].since_ms;

			count(p, p->slots[i].lang, &ready, &all);
			if (idle > (long long)p->conf->pool_idle_s * 1000 ||
			    (ready > pool_size_of(p->conf, p->slots[i].lang) && idle > POOL_EXTRA_IDLE_MS))
				mine = take_ready(p, i);
		}
		pthread_mutex_unlock(&p->lock);
		if (mine)
			discard(p, r, i);
	}
}

void pool_tick(struct pool *p, struct runner *r)
{
	time_t now = time(NULL);
	struct err e;

	if (now - p->last_reconcile >= 5 || p->docker_down) {
		p->last_reconcile = now;
		reconcile(p, r);
		expire(p, r);
	}
	if (p->docker_down)
		return;
	for (size_t k = 0; k < lang_count(); k++) {
		const struct lang *l = lang_at(k);
		int ready, all, i;

		pthread_mutex_lock(&p->lock);
		count(p, l, &ready, &all);
		i = ready < pool_size_of(p->conf, l) ? reserve(p, l) : -1;
		pthread_mutex_unlock(&p->lock);
		if (i < 0)
			continue;
		if (make(p, r, l, i, &e) != 0) {
			log_debug("pool: cannot start a %s container: %s", l->id, e.msg);
			continue; /* image missing or Docker failing: try again next tick */
		}
		pthread_mutex_lock(&p->lock);
		p->slots[i].state = SLOT_READY;
		p->slots[i].since_ms = clock_mono_ms();
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->lock);
	}
}

void pool_drain(struct pool *p, struct runner *r)
{
	/* Ready ones only: a busy slot and its stream are a run's until it gives them back (the
	 * caller's sweep removes those containers, and the run sees its stream end). */
	for (int i = 0; i < POOL_SLOTS; i++) {
		bool mine;

		pthread_mutex_lock(&p->lock);
		mine = take_ready(p, i);
		pthread_mutex_unlock(&p->lock);
		if (mine)
			discard(p, r, i);
	}
}

void pool_info(struct pool *p, struct rpc_info *info)
{
	info->nlangs = 0;
	pthread_mutex_lock(&p->lock);
	for (size_t k = 0; k < lang_count() && k < LANG_MAX; k++) {
		const struct lang *l = lang_at(k);
		struct rpc_lang_info *li = &info->langs[info->nlangs++];
		int ready, all;

		(void)snprintf(li->lang, sizeof li->lang, "%s", l->id);
		count(p, l, &ready, &all);
		li->idle = 0;
		for (int i = 0; i < POOL_SLOTS; i++)
			li->idle += p->slots[i].lang == l && p->slots[i].state == SLOT_READY;
		li->busy = all - li->idle;
	}
	info->containers_created = p->created;
	info->containers_removed = p->removed;
	info->reused_jobs = p->reused;
	info->retired = p->retired;
	pthread_mutex_unlock(&p->lock);
}
