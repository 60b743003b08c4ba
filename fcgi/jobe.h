/*
 * jobe: the Jobe REST API's face (jobe.c), for Moodle's CodeRunner and other Jobe clients.
 */
#ifndef RUNBOX_JOBE_H
#define RUNBOX_JOBE_H

#include <fcgiapp.h>

#include "api.h"
#include "run.h"

/* A request under /jobe/index.php/restapi/; tail is the rest of the path ("runs",
 * "files/abc123", "languages/"). */
void jobe_handle(struct app *a, FCGX_Request *req, struct run_result *res, const char *tail);

#endif
