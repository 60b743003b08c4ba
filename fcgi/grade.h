/*
 * grade: the editor API's test face (POST /api/editor/test): a program graded by a teacher's
 * exercise or by the client's own tests (README: "Running tests").
 */
#ifndef RUNBOX_GRADE_H
#define RUNBOX_GRADE_H

#include <fcgiapp.h>

#include "api.h"
#include "run.h"

/* Answer one test request; res holds the result for api_after. */
void grade_test(struct app *a, FCGX_Request *req, struct run_result *res);

#endif
