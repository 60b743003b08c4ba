#define _GNU_SOURCE
#include "api.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "editor.h"
#include "exercises.h"
#include "grade.h"
#include "http.h"
#include "jobe.h"
#include "piston.h"
#include "log.h"
#include "pipeline.h"
#include "pool.h"
#include "run_json.h"

size_t api_body_max(const struct conf *c)
{
	/* A character can take 6 bytes escaped (\u0000); nginx's client_max_body_size is
	 * rendered from the same value. */
	return 6 * ((size_t)c->max_code_bytes + (size_t)c->max_stdin_bytes) + 64 * 1024;
}

/* GET /api/me: who the server takes the caller for (a key's user, the school's signed-in
 * user, or the computer's address), and their role; the page shows it and offers a
 * teacher's views. Not a run: no quota, no run-log row. */
static void handle_me(struct app *a, FCGX_Request *req)
{
	struct gate gt;
	json_t *body;

	if (gate_identify_reader(&gt, &a->gate, req) != 0)
		return;
	body = json_pack("{s:s, s:s, s:s, s:s}", "user", gt.user.name,
			 "kind", user_kind_name(gt.user.kind), "role", user_role_name(gt.user.role),
			 "signIn", gt.entry.auth);
	if (body == NULL)
		http_error(req, RC_NOMEM, NULL, NULL);
	else
		http_respond(req, 200, body, NULL);
}

/* GET /api/runs/{id}: a logged run, to the user who ran it. */
static void handle_run_get(struct app *a, FCGX_Request *req, const char *id)
{
	struct gate gt;
	struct store *s;
	struct run_row run;
	json_t *body;
	struct err e;
	int rc;

	err_init(&e);
	if (gate_identify_reader(&gt, &a->gate, req) != 0)
		return;
	if ((s = gate_store(&a->gate, &e)) == NULL) {
		http_error(req, RC_STORE, NULL, NULL);
		return;
	}
	/* A student reads their own runs; a teacher (or admin) any run, to see a student's
	 * code from the results. */
	rc = store_run_get(s, id, gt.user.role == ROLE_TEACHER || gt.user.role == ROLE_ADMIN ? 0
				  : gt.user.id, &run, &e);
	if (rc == RC_NOT_FOUND) {
		http_error(req, rc, "There is no run with this id among your runs.", NULL);
		return;
	}
	if (rc != 0) {
		if (rc == RC_STORE)
			gate_store_failed(&a->gate);
		http_error(req, rc, NULL, NULL);
		return;
	}
	body = run_json(&run);
	run_row_release(&run);
	if (body == NULL)
		http_error(req, RC_NOMEM, NULL, NULL);
	else
		http_respond(req, 200, body, NULL);
}

void api_runner_info(struct app *a, struct rpc_info *info)
{
	struct err e;

	err_init(&e);
	if (rclient_info(a->runner, info, &e) != 0) {
		memset(info, 0, sizeof *info);
		info->docker_rc = e.rc;
		(void)snprintf(info->docker_error, sizeof info->docker_error, "%s", rc_message(e.rc));
		log_warnx("runner: %s", e.msg);
	}
}

/* The runner's entry for l, or NULL. */
static const struct rpc_lang_info *lang_info(const struct rpc_info *info, const struct lang *l)
{
	for (size_t i = 0; i < info->nlangs; i++)
		if (strcmp(info->langs[i].lang, l->id) == 0)
			return &info->langs[i];
	return NULL;
}

static void handle_health(struct app *a, FCGX_Request *req)
{
	json_t *langs = json_array();
	struct rpc_info info;
	struct store *st;
	struct err e;
	int ok, db;

	err_init(&e);
	api_runner_info(a, &info);
	ok = info.docker;
	for (size_t i = 0; i < lang_count(); i++) {
		const struct lang *l = lang_at(i);
		const struct rpc_lang_info *li = lang_info(&info, l);
		int present = info.docker && li != NULL && li->image;

		ok = ok && present;
		json_array_append_new(langs, json_pack("{s:s, s:s, s:b, s:{s:I, s:i, s:i, s:I}}",
						       "id", l->id, "image", l->image,
						       "imagePresent", present, "pool", "size",
						       (json_int_t)pool_size_of(a->conf, l), "idle", li ? li->idle : 0,
						       "busy", li ? li->busy : 0, "reuseRuns",
						       (json_int_t)pool_reuse_runs(a->conf, l)));
	}
	st = gate_store(&a->gate, &e);
	db = st ? store_check_writable(st, &e) : RC_STORE;
	if (db == RC_STORE)
		gate_store_failed(&a->gate);
	ok = ok && db == 0;
	http_respond(req, ok ? 200 : 503,
		json_pack("{s:s, s:s, s:{s:b, s:s*, s:s*}, s:{s:b, s:s*}, s:o}",
			  "status", ok ? "ok" : "unavailable", "fastcgi", "up",
			  "docker", "reachable", info.docker, "version",
			  info.docker ? info.docker_version : NULL,
			  "error", info.docker ? NULL : rc_message(info.docker_rc),
			  "database", "writable", db == 0, "error", db == 0 ? NULL : e.msg,
			  "languages", langs),
		NULL);
}

int api_lang_version(const struct rpc_info *info, const struct lang *l, char *out, size_t cap)
{
	const struct rpc_lang_info *li;

	if ((li = lang_info(info, l)) == NULL || !info->docker || !li->image)
		return -1;
	(void)snprintf(out, cap, "%s", li->version);
	return 0;
}

static void handle_languages(struct app *a, FCGX_Request *req)
{
	json_t *list = json_array();
	struct rpc_info info;
	char version[128];
	size_t i;

	api_runner_info(a, &info); /* once for all of them */
	for (i = 0; i < lang_count(); i++) {
		const struct lang *l = lang_at(i);
		int built = api_lang_version(&info, l, version, sizeof version) == 0;
		json_t *aliases = json_array(), *o;
		char how[160];

		for (size_t k = 0; k < l->naliases; k++)
			json_array_append_new(aliases, json_string(l->aliases[k]));
		o = json_pack("{s:s, s:s, s:o, s:s*, s:b}", "id", l->id, "name", l->name,
			      "aliases", aliases, "version", built && version[0] ? version : NULL,
			      "available", built);
		if (o != NULL && !built) {
			/* Its image is not built: what the admin runs to build it. */
			(void)snprintf(how, sizeof how, "runbox images build %s (in a source tree: "
				       "make images LANGS=%s)", l->id, l->id);
			json_object_set_new(o, "build", json_string(how));
		}
		json_array_append_new(list, o);
	}
	http_respond(req, 200, json_pack("{s:o}", "languages", list), NULL);
}

/* Prometheus text format, built from the run log and the runner's pool. */
static void handle_metrics(struct app *a, FCGX_Request *req)
{
	static const char *const le[METRICS_BUCKETS] = { "0.05", "0.1", "0.25", "0.5", "1", "2.5",
							 "5", "10", "30" };
	struct metrics m;
	struct rpc_info info;
	struct store *s;
	struct err e;
	size_t i, k;

	err_init(&e);
	if ((s = gate_store(&a->gate, &e)) == NULL || store_metrics(s, &m, &e) != 0) {
		if (s != NULL && e.rc == RC_STORE)
			gate_store_failed(&a->gate);
		http_error(req, e.rc ? e.rc : RC_STORE, NULL, NULL);
		return;
	}
	FCGX_FPrintF(req->out, "Status: 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		     "Cache-Control: no-store\r\n\r\n");
	FCGX_FPrintF(req->out, "# HELP execution_duration_seconds How long programs ran, by language and status.\n"
		     "# TYPE execution_duration_seconds histogram\n");
	for (i = 0; i < m.nruns; i++) {
		const struct metrics_runs *r = &m.runs[i];

		for (k = 0; k < METRICS_BUCKETS; k++)
			FCGX_FPrintF(req->out, "execution_duration_seconds_bucket{language=\"%s\",status=\"%s\",le=\"%s\"} %lld\n",
				     r->language, r->status, le[k], r->le[k]);
		FCGX_FPrintF(req->out, "execution_duration_seconds_bucket{language=\"%s\",status=\"%s\",le=\"+Inf\"} %lld\n"
			     "execution_duration_seconds_sum{language=\"%s\",status=\"%s\"} %.3f\n"
			     "execution_duration_seconds_count{language=\"%s\",status=\"%s\"} %lld\n",
			     r->language, r->status, r->count, r->language, r->status, r->sum_ms / 1000.0,
			     r->language, r->status, r->count);
	}
	FCGX_FPrintF(req->out, "# HELP runs_total Runs by status.\n# TYPE runs_total counter\n");
	for (i = 0; i < m.nruns; i++)
		FCGX_FPrintF(req->out, "runs_total{language=\"%s\",status=\"%s\"} %lld\n",
			     m.runs[i].language, m.runs[i].status, m.runs[i].count);
	FCGX_FPrintF(req->out, "# HELP refusals_total Requests refused or failed, by error code (quota_exceeded, runner_busy, docker_error...).\n"
		     "# TYPE refusals_total counter\n");
	for (i = 0; i < m.nrefusals; i++)
		FCGX_FPrintF(req->out, "refusals_total{code=\"%s\"} %lld\n", m.refusals[i].name,
			     m.refusals[i].count);
	FCGX_FPrintF(req->out, "# HELP pool_containers Warm containers by language and state (idle, busy).\n"
		     "# TYPE pool_containers gauge\n");
	api_runner_info(a, &info);
	for (k = 0; k < info.nlangs; k++)
		FCGX_FPrintF(req->out, "pool_containers{language=\"%s\",state=\"idle\"} %d\n"
			     "pool_containers{language=\"%s\",state=\"busy\"} %d\n",
			     info.langs[k].lang, info.langs[k].idle, info.langs[k].lang,
			     info.langs[k].busy);
	FCGX_FPrintF(req->out, "# HELP containers_created_total Containers runbox created (warm pool and per run), since the runner started.\n"
		     "# TYPE containers_created_total counter\ncontainers_created_total %lld\n"
		     "# HELP containers_removed_total Containers runbox removed, since the runner started.\n"
		     "# TYPE containers_removed_total counter\ncontainers_removed_total %lld\n"
		     "# HELP container_reuses_total Jobs served by a container that had served one before, after its proven reset.\n"
		     "# TYPE container_reuses_total counter\ncontainer_reuses_total %lld\n"
		     "# HELP containers_retired_total Containers removed because their reset failed or was not proven.\n"
		     "# TYPE containers_retired_total counter\ncontainers_retired_total %lld\n",
		     info.containers_created, info.containers_removed, info.reused_jobs, info.retired);
	FCGX_FPrintF(req->out, "# HELP queue_wait_seconds Time requests waited for a free runner process.\n"
		     "# TYPE queue_wait_seconds summary\n"
		     "queue_wait_seconds_sum %.3f\nqueue_wait_seconds_count %lld\n",
		     m.queue_wait_ms / 1000.0, m.queue_waited);
	store_metrics_release(&m);
}

/* The routes, in one table. A route with no methods checks the method itself (the run
 * endpoint logs a wrong method as a refused request); the others answer 405 with allow. */
#define M_GET 1u  /* GET and HEAD */
#define M_POST 2u
struct route {
	const char *path;   /* exact path, or with prefix set the part before an id */
	bool prefix;        /* path + one non-empty segment without '/' */
	bool tree;          /* path + anything (the face routes the rest itself) */
	unsigned methods;   /* 0: the handler checks */
	const char *wrong_method;
	void (*handle)(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail);
	const char *face;   /* the face whose run endpoint is here, or NULL */
	const char *run_tail; /* with face: the tail that is its run endpoint */
};

static void route_run(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)tail;
	editor_run(a, req, res);
}

static void route_test(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)tail;
	grade_test(a, req, res);
}

static void route_exercises(struct app *a, FCGX_Request *req, struct run_result *res,
			    const char *tail)
{
	(void)res;
	exercises_handle(a, req, tail[0] == '/' ? tail + 1 : tail);
}

static void route_run_get(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)res;
	handle_run_get(a, req, tail);
}

static void route_metrics(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)res, (void)tail;
	handle_metrics(a, req);
}

static void route_me(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)res, (void)tail;
	handle_me(a, req);
}

static void route_health(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)res, (void)tail;
	handle_health(a, req);
}

static void route_languages(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	(void)res, (void)tail;
	handle_languages(a, req);
}

static const struct route routes[] = {
	{ "/api/editor/run", false, false, 0, NULL, route_run, "editor", "" },
	{ "/api/editor/test", false, false, 0, NULL, route_test, "test", "" },
	{ "/api/runs/", true, false, M_GET, "Use GET to read a run.", route_run_get, NULL, NULL },
	{ "/api/exercises", false, false, 0, NULL, route_exercises, NULL, NULL },
	{ "/api/exercises/", false, true, 0, NULL, route_exercises, NULL, NULL },
	{ "/metrics", false, false, M_GET, "Use GET for /metrics.", route_metrics, NULL, NULL },
	{ "/api/me", false, false, M_GET, "Use GET for /api/me.", route_me, NULL, NULL },
	{ "/api/health", false, false, M_GET, "Use GET for /api/health.", route_health, NULL, NULL },
	{ "/api/languages", false, false, M_GET, "Use GET for /api/languages.", route_languages,
	  NULL, NULL },
	{ "/jobe/index.php/restapi/", false, true, 0, NULL, jobe_handle, "jobe", "runs" },
	{ "/api/v2/", false, true, 0, NULL, piston_handle, "piston", "execute" },
};

/* The route of a face's run endpoint (nginx's RUNBOX_FACE), the editor's by default, with
 * *tail the endpoint's tail. */
static const struct route *route_of_face(const char *face, const char **tail)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (routes[i].face != NULL && strcmp(routes[i].face, face) == 0) {
			*tail = routes[i].run_tail;
			return &routes[i];
		}
	}
	*tail = "";
	return &routes[0];
}

/* The route for uri, with *tail the id after a prefix route; NULL if none. */
static const struct route *route_find(const char *uri, const char **tail)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route *r = &routes[i];
		size_t n = strlen(r->path);

		if (!r->prefix && strcmp(uri, r->path) == 0) {
			*tail = "";
			return r;
		}
		if (r->tree && strncmp(uri, r->path, n) == 0) {
			*tail = uri + n;
			return r;
		}
		if (r->prefix && strncmp(uri, r->path, n) == 0 && uri[n] && !strchr(uri + n, '/')) {
			*tail = uri + n;
			return r;
		}
	}
	return NULL;
}

void api_handle(struct app *a, FCGX_Request *req, struct run_result *res)
{
	const char *uri = http_param(req, "DOCUMENT_URI"), *method = http_param(req, "REQUEST_METHOD");
	unsigned m = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? M_GET
		     : strcmp(method, "POST") == 0 ? M_POST : 0;
	const struct route *r;
	const char *tail = "";

	run_result_init(res, &a->conf->limits);
	/* A run request nginx could not parse arrives under the address of the location that
	 * hands it over (nginx checked that the client's address was this one). */
	if (strcmp(http_param(req, "RUNBOX_REFUSED"), "bad_http") == 0)
		/* The face's run endpoint, as nginx's map tells it from the address. */
		r = route_of_face(http_param(req, "RUNBOX_FACE"), &tail);
	else
		r = route_find(uri, &tail);
	if (r == NULL)
		http_error(req, RC_NOT_FOUND, "There is nothing at this address. The API has "
			      "POST /api/editor/run, POST /api/editor/test, GET /api/exercises, GET /api/runs/{id}, GET /api/me, "
			      "GET /api/health and GET /api/languages; the Jobe API is under /jobe/index.php/restapi/ and the "
			      "Piston API under /api/v2/.", NULL);
	else if (r->methods != 0 && (r->methods & m) == 0)
		http_error(req, RC_METHOD, r->wrong_method, "Allow: GET, HEAD\r\n");
	else
		r->handle(a, req, res, tail);
	log_set_request(NULL);
}

void api_after(struct app *a, struct run_result *res)
{
	pipe_after(a, res);
}
