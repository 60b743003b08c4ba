/* libFuzzer harness: shell-style splitting of Jobe's argument lists (core/shwords.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shwords.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shwords w;
	struct err e;
	size_t total = 0;

	err_init(&e);
	if (shwords_split((const char *)data, size, 64, &w, &e) == 0) {
		if (w.n > 64 || w.w[w.n] != NULL)
			__builtin_trap();
		for (size_t i = 0; i < w.n; i++)
			total += strlen(w.w[i]);
		if (total > size) /* words never hold more characters than the text */
			__builtin_trap();
	}
	shwords_release(&w);
	return 0;
}
