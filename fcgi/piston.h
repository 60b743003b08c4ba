/*
 * piston: the Piston v2 API's face (piston.c), for tools and npm clients written for Piston.
 */
#ifndef RUNBOX_PISTON_H
#define RUNBOX_PISTON_H

#include <fcgiapp.h>

#include "api.h"
#include "run.h"

/* A request under /api/v2/; tail is the rest of the path ("execute", "runtimes/"). */
void piston_handle(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail);

#endif
