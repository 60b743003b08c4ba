/*
 * piston_req: the Piston v2 API's execute request parsed and checked against the runtimes
 * runbox offers, semver version ranges, and the answer's stages. Pure (no I/O), so every
 * field, every refusal and the status table are unit-tested. Versions are matched with
 * core/semver.h.
 *
 * Refusals carry Piston's own sentences ("language is required as a string",
 * "python-9 runtime is unknown", "run_timeout cannot exceed the configured limit of
 * 3000"...), answered as {"message": "..."}.
 */
#ifndef RUNBOX_PISTON_REQ_H
#define RUNBOX_PISTON_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "lang.h"
#include "req.h"
#include "run.h"

/* The limits a request may lower, in Piston's order of checking. */
enum piston_limit {
	PL_COMPILE_MEMORY, PL_RUN_MEMORY, PL_COMPILE_TIMEOUT, PL_RUN_TIMEOUT,
	PL_COMPILE_CPU, PL_RUN_CPU, PL_COUNT
};

/* One runtime as GET /api/v2/runtimes shows it. */
struct piston_runtime {
	const struct lang *lang;
	const char *language;         /* Piston's name: "python", "c++"... */
	const char *const *aliases;   /* NULL-terminated: alias_list */
	const char *alias_list[LANG_ALIASES_MAX + 2];
	const char *runtime;          /* the package providing it ("node", "gcc"), or NULL */
	char version[32];             /* "3.11.2" */
	long max[PL_COUNT];           /* the admin's maxima (ms, bytes) */
};

/* Piston's names for a registry language (every language has one: its id otherwise). */
void piston_names(const struct lang *l, struct piston_runtime *out);

struct piston_req {
	json_t *doc;
	const char *language, *version;   /* as sent */
	const struct piston_runtime *rt;
	struct req_file files[REQ_MAX_FILES];
	size_t nfiles, entry;             /* entry: the first utf8 file */
	size_t total_len;
	unsigned char *decoded;           /* owns the base64 and hex contents */
	char names[REQ_MAX_FILES][32];    /* "file3.code" for files sent without a name */
	const char *args[REQ_MAX_ARGS + 1];
	size_t nargs;
	char *stdin_data;                 /* with the newline Piston adds; owned */
	size_t stdin_len;
	long limit[PL_COUNT];             /* 0: the server's default */
};

/* Parse body[0..n) against the runtimes offered. 0, or RC_BAD_JSON, RC_BAD_UTF8,
 * RC_BAD_REQUEST, RC_UNKNOWN_LANG, RC_TOO_LARGE (stdin over max_stdin), RC_NOMEM with
 * Piston's sentence in e->msg. r is always safe to release. */
int piston_req_parse(struct piston_req *r, const char *body, size_t n,
		     const struct piston_runtime *rts, size_t nrts, size_t max_stdin,
		     struct err *e);
void piston_req_release(struct piston_req *r);

/* One stage as Piston answers it: {stdout, stderr, output, code, signal, message, status,
 * cpu_time, wall_time, memory}. message is runbox's sentence for an internal error. */
json_t *piston_stage_json(const struct run_stage *st, bool internal, const char *message);
/* The whole answer: {language, version, run, compile?}; the compile stage is there when
 * the language has one, and a failed compile is also the run (as Piston answers). */
json_t *piston_result_json(const struct piston_runtime *rt, const struct run_result *res,
			   const char *message);

#endif
