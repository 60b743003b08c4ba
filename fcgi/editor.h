/*
 * editor: the editor API's face (POST /api/editor/run): its request into a program for the
 * pipeline, the one result into its JSON (README: "Running a program").
 */
#ifndef RUNBOX_EDITOR_H
#define RUNBOX_EDITOR_H

#include <fcgiapp.h>

#include "api.h"
#include "run.h"

/* Answer one run request; res holds the result for api_after. */
void editor_run(struct app *a, FCGX_Request *req, struct run_result *res);

#endif
