/* libFuzzer harness: a teacher's exercise.conf (core/exercise.c). An accepted definition
 * holds what the parser promises: every file name inside the folder, every case checks
 * something, no text longer than its buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exercise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No absolute name and no ".." part. */
static void inside(const char *path)
{
	size_t n = strlen(path);

	if (path[0] == '/' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 ||
	    strstr(path, "/../") != NULL || (n >= 3 && strcmp(path + n - 3, "/..") == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct exercise x;
	char *text = malloc(size + 1);
	struct err e;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (exercise_parse(text, "fuzz", &x, &e) == 0) {
		inside(x.instructions);
		for (size_t i = 0; i < x.nlangs; i++) {
			inside(x.langs[i].starter);
			inside(x.langs[i].suite);
		}
		for (size_t i = 0; i < x.ncases; i++) {
			const struct exercise_case *c = &x.cases[i];

			inside(c->stdin_file);
			inside(c->expected_file);
			if ((!c->has_expected && c->exit_code < 0) || c->stdin_len >= EXERCISE_TEXT_MAX ||
			    c->expected_len >= EXERCISE_TEXT_MAX)
				abort();
		}
	}
	free(text);
	return 0;
}
