/*
 * exercises: the exercises API (GET /api/exercises, GET|PUT|DELETE /api/exercises/{id},
 * GET /api/exercises/{id}/results): students read the visible parts, teachers manage them
 * and read results (README: "Exercises").
 */
#ifndef RUNBOX_EXERCISES_H
#define RUNBOX_EXERCISES_H

#include <fcgiapp.h>

#include "api.h"

/* Answer one request; tail is the address after "/api/exercises" ("", "/fib",
 * "/fib/results" without the first '/'). */
void exercises_handle(struct app *a, FCGX_Request *req, const char *tail);

#endif
