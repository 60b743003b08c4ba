/*
 * editor: the editor API's face (POST /api/editor/run): its request into a program for the
 * pipeline, the one result into its JSON (README: "Running a program").
 */
#ifndef RUNBOX_EDITOR_H
#define RUNBOX_EDITOR_H

#include <fcgiapp.h>

#include "api.h"
#include "pipeline.h"
#include "req.h"
#include "run.h"

/* Answer one run request; res holds the result for api_after. */
void editor_run(struct app *a, FCGX_Request *req, struct run_result *res);

/* What the editor API's faces (run, test) share: the body as JSON, the request's
 * refusals and answers. A face of it says how its body becomes a program (prepare: 0, or
 * the refusal's code with its sentence in e; it describes the row with editor_describe)
 * and how the result becomes its answer (render). ctx is the face's own. */
struct editor_face {
	const struct face *face;
	const char *wrong_method;
	int (*prepare)(void *ctx, struct pipe *p, const struct buf *body, struct program *prog,
		       struct err *e);
	json_t *(*render)(void *ctx, struct pipe *p, const struct run_result *res,
			  const struct program *prog);
};
void editor_serve(struct app *a, FCGX_Request *req, struct run_result *res,
		  const struct editor_face *f, void *ctx);
/* The body, if it is JSON (or untyped) and within the server's size. */
int editor_body(struct pipe *p, struct buf *body, struct err *e);
/* The server's caps on the code and the input, for the request parsers. */
struct req_caps editor_caps(const struct pipe *p);
/* The row's language, code and input as the request gave them. */
void editor_describe(struct pipe *p, const struct editor_req *er);
/* The program the request describes, for pipe_program. */
void editor_spec(const struct editor_req *er, struct program_spec *spec);
/* A stage's output and facts in the editor API's JSON (stdout, stderr, exitCode...). */
json_t *editor_stage_json(const struct run_stage *st);

#endif
