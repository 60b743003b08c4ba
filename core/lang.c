#include "lang.h"

#include <stdio.h>
#include <string.h>

static const struct lang langs[] = {
	{
		.id = "python",
		.name = "Python",
		.file_name = "main.py",
		.run_argv = { "python3", "main.py", NULL },
		.version_argv = { "python3", "--version", NULL },
	},
};

size_t lang_count(void)
{
	return sizeof langs / sizeof langs[0];
}

const struct lang *lang_at(size_t i)
{
	return i < lang_count() ? &langs[i] : NULL;
}

const struct lang *lang_find(const char *id)
{
	size_t i;

	for (i = 0; i < lang_count(); i++)
		if (strcmp(langs[i].id, id) == 0)
			return &langs[i];
	return NULL;
}

void lang_ids(char *out, size_t cap)
{
	size_t i, used = 0;
	int w;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < lang_count(); i++) {
		w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", langs[i].id);
		if (w < 0 || (size_t)w >= cap - used)
			return; /* keep what fits */
		used += (size_t)w;
	}
}
