/*
 * piston: the Piston v2 API's face, under /api/v2/ (tools and bots written for Piston, and
 * its npm clients). GET runtimes and POST execute; a run goes through the one pipeline
 * (pipeline.h) like the editor's. Bodies are JSON whatever their Content-Type (piston-client
 * sends text/plain), chunked or not (nginx reassembles them); errors are {"message": "..."}.
 */
#define _GNU_SOURCE
#include "piston.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "pipeline.h"
#include "piston_req.h"

static int piston_http(int rc)
{
	/* Piston answers an endpoint used with the wrong method as an unknown address, and an
	 * unknown runtime as a bad request. */
	return rc == RC_METHOD ? 404 : rc == RC_UNKNOWN_LANG ? 400 : rc_http(rc);
}

static const struct face piston_face = { "piston", NULL, piston_http };

static void piston_error(FCGX_Request *req, int rc, const char *msg, const char *headers)
{
	http_respond(req, piston_http(rc), json_pack("{s:s}", "message",
						     msg && msg[0] ? msg : rc_message(rc)), headers);
}

/* The runtimes offered: the languages whose image is built, with their version and the
 * admin's maxima. Docker is asked at most every 10 s per process. */
static size_t runtimes(struct app *a, const struct piston_runtime **out)
{
	static struct piston_runtime rts[LANG_MAX];
	static size_t n;
	static time_t at;
	time_t now = time(NULL);
	struct rpc_info info;

	if (at != 0 && now - at < 10 && now >= at) {
		*out = rts;
		return n;
	}
	n = 0;
	api_runner_info(a, &info); /* once for all of them */
	for (size_t i = 0; i < lang_count() && n < LANG_MAX; i++) {
		const struct lang *l = lang_at(i);
		struct piston_runtime *rt = &rts[n];
		struct run_request max;

		piston_names(l, rt);
		if (pipe_lang_version(&info, l, rt->version, sizeof rt->version) != 0 || !rt->version[0])
			continue;
		pipe_maxima(a, l, &max);
		rt->max[PL_COMPILE_MEMORY] = run_container_memory(&max);
		rt->max[PL_RUN_MEMORY] = max.limits.memory_bytes;
		rt->max[PL_COMPILE_TIMEOUT] = max.compile_wall_ms > 0 ? max.compile_wall_ms : 30000;
		rt->max[PL_RUN_TIMEOUT] = max.limits.wall_ms;
		rt->max[PL_COMPILE_CPU] = max.compile_cpu_ms > 0 ? max.compile_cpu_ms : 30000;
		rt->max[PL_RUN_CPU] = max.limits.cpu_ms;
		n++;
	}
	at = now;
	*out = rts;
	return n;
}

static void piston_runtimes(struct app *a, FCGX_Request *req)
{
	const struct piston_runtime *rts;
	size_t n = runtimes(a, &rts);
	json_t *list = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *aliases = json_array(), *o;

		for (size_t k = 0; rts[i].aliases[k]; k++)
			json_array_append_new(aliases, json_string(rts[i].aliases[k]));
		o = json_pack("{s:s, s:s, s:o}", "language", rts[i].language, "version", rts[i].version,
			      "aliases", aliases);
		if (o != NULL && rts[i].runtime != NULL)
			json_object_set_new(o, "runtime", json_string(rts[i].runtime));
		json_array_append_new(list, o);
	}
	http_respond(req, 200, list, NULL);
}

/* The request as the pipeline's program. */
static void piston_spec(const struct piston_req *pr, struct program_spec *spec)
{
	struct program_limits *pl = &spec->limits;

	memset(spec, 0, sizeof *spec);
	spec->lang = pr->rt->lang;
	spec->files = pr->files;
	spec->nfiles = pr->nfiles;
	spec->entry = pr->entry;
	spec->args = pr->args;
	spec->nargs = pr->nargs;
	spec->stdin_data = pr->stdin_data;
	spec->stdin_len = pr->stdin_len;
	spec->total_len = pr->total_len;
	pl->compile_wall_ms = pr->limit[PL_COMPILE_TIMEOUT];
	pl->wall_ms = pr->limit[PL_RUN_TIMEOUT];
	pl->compile_cpu_ms = pr->limit[PL_COMPILE_CPU];
	pl->cpu_ms = pr->limit[PL_RUN_CPU];
	/* The program's memory is lowered in the kernel; the compiler keeps the container's. */
	pl->memory_bytes = pr->limit[PL_RUN_MEMORY];
}

static void piston_execute(struct app *a, FCGX_Request *req, struct run_result *res)
{
	struct piston_req pr = { 0 };
	const struct piston_runtime *rts;
	struct program_spec spec;
	struct program prog = { 0 };
	struct quota_refusal qr;
	struct buf body;
	struct pipe p;
	struct err e;
	char hdr[96] = "";
	size_t nrts;
	int rc;

	err_init(&e);
	buf_init(&body, 0);
	pipe_start(&p, a, req, &piston_face);
	if ((rc = pipe_enter(&p, "Not Found", &e)) != 0) {
		if (p.unlogged) {
			piston_error(req, rc, NULL, NULL);
			goto out;
		}
		if (rc == RC_BUSY)
			(void)snprintf(hdr, sizeof hdr, "Retry-After: 5\r\n");
		goto refuse;
	}
	if ((rc = http_read_body(req, api_body_max(a->conf), &body)) != 0) {
		(void)err_set(&e, rc, "The request is larger than the server accepts. Make your code shorter.");
		goto refuse;
	}
	nrts = runtimes(a, &rts);
	rc = piston_req_parse(&pr, (const char *)body.data, body.len, rts, nrts,
			      (size_t)a->conf->max_stdin_bytes, &e);
	if (pr.nfiles > 0 && !pr.files[pr.entry].binary)
		pipe_describe(&p, pr.language, (const char *)pr.files[pr.entry].content,
			      pr.files[pr.entry].len, pr.stdin_len);
	else
		pipe_describe(&p, pr.language, NULL, 0, pr.stdin_len);
	if (rc != 0)
		goto refuse;
	piston_spec(&pr, &spec);
	if ((rc = pipe_program(&p, &spec, &prog, &e)) != 0)
		goto refuse;
	rc = pipe_run(&p, &prog, res, &qr, &e);
	if (rc == RC_QUOTA) {
		(void)snprintf(hdr, sizeof hdr, "Retry-After: %lld\r\n", (qr.retry_after_ms + 999) / 1000);
		piston_error(req, rc, e.msg, hdr);
	} else if (rc != 0) {
		piston_error(req, rc, NULL, NULL);
	} else {
		http_respond(req, 200, piston_result_json(pr.rt, res, p.message), NULL);
	}
	goto out;
refuse:
	pipe_refuse(&p, rc, e.msg);
	piston_error(req, rc, e.msg, hdr[0] ? hdr : NULL);
out:
	program_release(&prog);
	piston_req_release(&pr);
	buf_release(&body);
}

void piston_handle(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail)
{
	const char *method = http_param(req, "REQUEST_METHOD");
	char path[64];

	http_tail(tail, path, sizeof path);
	if (strcmp(path, "execute") == 0)
		piston_execute(a, req, res);
	else if (strcmp(path, "runtimes") == 0 && (!strcmp(method, "GET") || !strcmp(method, "HEAD")))
		piston_runtimes(a, req);
	else if (strcmp(path, "connect") == 0)
		piston_error(req, RC_NOT_FOUND, "Piston's interactive WebSocket API (/api/v2/connect) "
			     "is not available on this server: send the whole program to POST "
			     "/api/v2/execute instead.", NULL);
	else
		piston_error(req, RC_NOT_FOUND, "Not Found", NULL);
}
