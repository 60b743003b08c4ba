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
#include "rclient.h"
#include "run.h"

struct app {
	const struct conf *conf;
	struct rclient *runner;     /* the runner process: runs and what Docker has */
	struct gate_ctx gate;       /* identity, quotas, run log */
};

/* Answer one request. Afterwards the caller finishes the request (FCGX_Finish_r) and
 * then calls api_after for work that must not delay the answer. */
void api_handle(struct app *a, FCGX_Request *req, struct run_result *res);
void api_after(struct app *a, struct run_result *res);

/* What the runner knows of Docker, the images and the pool (one round trip): info->docker
 * false, with docker_error saying why, when the runner does not answer. Ask once per
 * request and read every language from it. */
void api_runner_info(struct app *a, struct rpc_info *info);
/* The version of l's language its image's labels give in info (out "" when they give
 * none): 0, or -1 when the image is not built or Docker does not answer. */
int api_lang_version(const struct rpc_info *info, const struct lang *l, char *out, size_t cap);

/* Largest request body accepted: code and stdin, each JSON-escaped, plus room. */
size_t api_body_max(const struct conf *c);

#endif
