/*
 * jobe_req: the Jobe REST API's run request ({"run_spec": {...}}) parsed and checked, its
 * languages, and its answer ({"run_id", "outcome", "cmpinfo", "stdout", "stderr"}). Pure
 * (no I/O), so every field, every refusal and the outcome table are unit-tested.
 *
 * Refusals carry Jobe's own sentences ("Language 'x' is not known", "run_spec is missing
 * the required attribute 'sourcecode'"...), because CodeRunner shows them to the teacher.
 */
#ifndef RUNBOX_JOBE_REQ_H
#define RUNBOX_JOBE_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "lang.h"
#include "req.h"
#include "run.h"
#include "shwords.h"

/* Jobe's outcome codes. */
#define JOBE_COMPILE_ERROR 11
#define JOBE_RUNTIME_ERROR 12
#define JOBE_TIME_LIMIT 13
#define JOBE_OK 15
#define JOBE_INTERNAL_ERROR 20
#define JOBE_OVERLOAD 21

/* Jobe's defaults for parameters a request leaves out. */
#define JOBE_CPUTIME_S 5
#define JOBE_NUMPROCS 30
#define JOBE_MEMORY_MB 400
#define JOBE_STREAM_MB 2
#define JOBE_DISK_MB 20

/* A language as the Jobe API shows it. */
struct jobe_lang {
	char id[32];                  /* Jobe's language_id: "python3", "nodejs", "c"... */
	const struct lang *lang;
	const char *file;             /* the default sourcefilename; NULL: the public class's */
	const char *const *compile;   /* templates (lang.h); NULL: the registry's, with */
	const char *const *run;       /* {compileargs}/{linkargs}/{interpreterargs} added */
	const char *compileargs;      /* Jobe's default argument lists, as shell words */
	const char *interpreterargs;
	bool interp;                  /* interpreterargs go after the registry's run argv[0] */
	bool as_limit;                /* memorylimit is an address-space limit (not for the
				       * JVM or V8, which reserve far more than they use) */
	bool own_numprocs;            /* numprocs is not lowered (the JVM's threads) */
};

/* The Jobe view of a registry language (every registry language has one). */
void jobe_lang_of(const struct lang *l, struct jobe_lang *out);
/* The language with Jobe id (case-insensitive), or -1. */
int jobe_lang_find(const char *id, struct jobe_lang *out);

#define JOBE_MAX_FILES (REQ_MAX_FILES - 1)

struct jobe_file {
	const char *id;               /* the file cache's id (letters and digits) */
	const char *name;             /* where it goes in the program's folder */
};

/* One parsed run_spec. Strings point into doc. */
struct jobe_req {
	json_t *doc;
	const char *language_id;      /* as sent (for the log even when unknown) */
	struct jobe_lang jl;
	const char *source;
	size_t source_len;
	const char *filename;         /* sourcefilename, or NULL for the language's default */
	const char *input;            /* NULL when not sent */
	size_t input_len;
	struct jobe_file files[JOBE_MAX_FILES];
	size_t nfiles;
	/* parameters: 0 where not sent (or not a number, as Jobe treats those) */
	double cputime;               /* seconds */
	double memorylimit;           /* MB; -1 where not sent (0 is "the most allowed") */
	long numprocs, streamsize, disklimit;
	struct shwords compileargs, linkargs, interpreterargs, runargs;
	bool has_compileargs, has_linkargs, has_interpreterargs, has_runargs;
};

/* Parse body[0..n). 0, or the refusal's code with Jobe's sentence in e->msg: RC_BAD_JSON
 * (not JSON, or not an object), RC_BAD_REQUEST, RC_UNKNOWN_LANG, RC_NOMEM. r is always
 * safe to release. */
int jobe_req_parse(struct jobe_req *r, const char *body, size_t n, struct err *e);
void jobe_req_release(struct jobe_req *r);

/* Jobe's sourcefilename rule: no leading '.' or '-', none of < > : " / | ? * # [ ] @ ! $
 * & ' ( ) + , ; = { } ^ ~ ` and no control bytes, 0x7f, 0xa0 or 0xad. */
bool jobe_filename_ok(const char *name, size_t n);

/* What Jobe answers for a finished run: its outcome, and which texts it shows. */
struct jobe_outcome {
	int outcome;
	const struct buf *cmpinfo;    /* the compiler's messages, or NULL */
	const char *cmpinfo_text;     /* used when cmpinfo is NULL ("" for none) */
	const struct buf *out, *err;  /* err NULL: "" */
	const char *err_text;         /* used when err is NULL */
};
/* Jobe's rules on runbox's result: 11 when the compile failed or wrote to stderr; 13 on a
 * time limit or an output flood (stderr emptied, as Jobe does); 12 for anything on stderr,
 * a signal or the memory limit; 15 otherwise (an exit code alone does not count, as in
 * Jobe); 20 for runbox's own failure. message is the pipeline's sentence. */
void jobe_outcome_of(const struct run_result *res, const char *message, struct jobe_outcome *o);

/* A text as Jobe sends it: unchanged when it is valid UTF-8; otherwise every byte below
 * 0x20 (but \n, \r, \t) or above 0x7e becomes \xNN. NULL if out of memory. */
json_t *jobe_text(const unsigned char *s, size_t n);

/* The answer to a run: {"run_id", "outcome", "cmpinfo", "stdout", "stderr"}. */
json_t *jobe_result_json(const char *run_id, const struct jobe_outcome *o, bool java);

#endif
