/*
 * runner_int: the runner's state, shared by the two files of the run module only: run.c
 * (a run and the warm containers) and runner.c (opening the runner, and what else runbox
 * asks Docker). Everyone else sees struct runner as opaque (run.h).
 */
#ifndef RUNBOX_RUNNER_INT_H
#define RUNBOX_RUNNER_INT_H

#include "conf.h"
#include "dk.h"

struct runner {
	struct dk *dk;
	char *seccomp;            /* profile JSON text */
	char instance[64];
	char agent_path[CONF_PATH_MAX];
	char suites_path[CONF_PATH_MAX]; /* run_dir/suites: every container's /suites, read-only */
};

#endif
