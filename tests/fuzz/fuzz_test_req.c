/* libFuzzer harness: the test request's parser (fcgi/test_req.c, over fcgi/req.c). */
#include <stddef.h>
#include <stdint.h>

#include "test_req.h"

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
	struct req_caps caps = { 4096, 4096 };
	struct test_req r;
	struct err e;

	err_init(&e);
	(void)test_req_parse(&r, (const char *)data, size, &caps, &e);
	test_req_release(&r);
	return 0;
}
