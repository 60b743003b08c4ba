/*
 * api: the HTTP face of runbox as nginx hands it over FastCGI: routing, the editor run
 * endpoint, health and languages. Answers are JSON; refusals use the err table's shape
 * {"error": {"code": "...", "message": "..."}}.
 */
#ifndef RUNBOX_API_H
#define RUNBOX_API_H

#include <fcgiapp.h>

#include "conf.h"
#include "gate.h"
#include "run.h"

struct app {
	const struct conf *conf;
	struct runner *runner;
	struct gate_ctx gate;       /* identity, quotas, run log */
};

/* Answer one request. Afterwards the caller finishes the request (FCGX_Finish_r) and
 * then calls api_after for work that must not delay the answer. */
void api_handle(struct app *a, FCGX_Request *req, struct run_result *res);
void api_after(struct app *a, struct run_result *res);

/* Largest request body accepted: code and stdin, each JSON-escaped, plus room. */
size_t api_body_max(const struct conf *c);

#endif
