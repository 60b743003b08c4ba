/* libFuzzer harness: the Piston API's execute parser and version ranges
 * (fcgi/piston_req.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "piston_req.h"
#include "semver.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct piston_runtime rts[LANG_MAX];
static size_t nrts;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err e;

	(void)argc, (void)argv;
	err_init(&e);
	if (lang_load("images/languages.conf", &e) != 0)
		return -1;
	for (nrts = 0; nrts < lang_count(); nrts++) {
		piston_names(lang_at(nrts), &rts[nrts]);
		(void)snprintf(rts[nrts].version, sizeof rts[nrts].version, "3.11.2");
		for (int k = 0; k < PL_COUNT; k++)
			rts[nrts].max[k] = 10000;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct piston_req r;
	struct err e;
	char *range;

	err_init(&e);
	if (piston_req_parse(&r, (const char *)data, size, rts, nrts, 4096, &e) == 0 &&
	    (r.nfiles == 0 || r.files[r.entry].binary || r.stdin_len == 0))
		__builtin_trap(); /* an accepted request always has a text entry and stdin */
	piston_req_release(&r);
	if ((range = malloc(size + 1)) != NULL) {
		memcpy(range, data, size);
		range[size] = '\0';
		(void)semver_match(range, "3.11.2");
		(void)semver_match("*", range);
		free(range);
	}
	return 0;
}
