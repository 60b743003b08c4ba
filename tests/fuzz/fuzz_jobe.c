/* libFuzzer harness: the Jobe API's run_spec parser and its escaping of output
 * (fcgi/jobe_req.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jobe_req.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err e;

	(void)argc, (void)argv;
	err_init(&e);
	return lang_load("images/languages.conf", &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jobe_req r;
	struct err e;
	json_t *t;

	err_init(&e);
	if (jobe_req_parse(&r, (const char *)data, size, &e) == 0 && r.filename != NULL &&
	    !jobe_filename_ok(r.filename, strlen(r.filename)))
		__builtin_trap(); /* the parser let through a name the rule refuses */
	jobe_req_release(&r);
	/* The same bytes as program output, escaped as Jobe does: always a valid string. */
	t = jobe_text(data, size);
	if (t == NULL)
		__builtin_trap();
	json_decref(t);
	return 0;
}
