#define _GNU_SOURCE
#include "lang.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

/* Written only by lang_load at start-up (see lang.h); read-only afterwards. */
static struct lang table[LANG_MAX];
/* The compile, run, test_compile and test commands, split in place. */
static char words[LANG_MAX][4][1024];
static size_t count;

size_t lang_count(void)
{
	return count;
}

const struct lang *lang_at(size_t i)
{
	return i < count ? &table[i] : NULL;
}

/* Whether l is called name: its id or one of its aliases, in any case. */
static int lang_named(const struct lang *l, const char *name)
{
	if (strcasecmp(l->id, name) == 0)
		return 1;
	for (size_t k = 0; k < l->naliases; k++)
		if (strcasecmp(l->aliases[k], name) == 0)
			return 1;
	return 0;
}

const struct lang *lang_find(const char *id)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (lang_named(&table[i], id))
			return &table[i];
	return NULL;
}

void lang_ids(char *out, size_t cap)
{
	size_t i, used = 0;
	int w;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < count; i++) {
		w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", table[i].id);
		if (w < 0 || (size_t)w >= cap - used) {
			out[used] = '\0'; /* keep the ids that fit whole, not part of one */
			return;
		}
		used += (size_t)w;
	}
}

/* ---- Parsing -------------------------------------------------------------------------- */

static int set_str(char *dst, size_t cap, const char *v)
{
	int w = snprintf(dst, cap, "%s", v);

	return w < 0 || (size_t)w >= cap ? -1 : 0;
}

/* Split a command at spaces into argv (NULL-terminated), copying into buf. */
static int split(const char *v, char *buf, size_t cap, const char **argv)
{
	size_t n = 0;
	char *p, *save = NULL, *tok;

	if (set_str(buf, cap, v) != 0)
		return -1;
	for (p = buf; (tok = strtok_r(p, " \t", &save)) != NULL; p = NULL) {
		if (n == LANG_ARGV_MAX)
			return -1;
		argv[n++] = tok;
	}
	argv[n] = NULL;
	return n > 0 ? 0 : -1;
}

static int parse_num(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int valid_id(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= sizeof table[0].id)
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
		      s[i] == '_' || s[i] == '-' || s[i] == '+'))
			return 0;
	return 1;
}

/* An alias: what a client may send, so lowercase letters, digits and - _ + # . only. */
static int valid_alias(const char *s, size_t n)
{
	if (n == 0 || n >= sizeof table[0].aliases[0])
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
		      strchr("-_+#.", s[i]) != NULL))
			return 0;
	return 1;
}

/* aliases = NAME NAME...: separated by spaces or commas. */
static const char *set_aliases(struct lang *l, const char *v, char *why, size_t cap)
{
	l->naliases = 0;
	while (*v) {
		size_t n = strcspn(v, " \t,");

		if (n > 0) {
			if (!valid_alias(v, n)) {
				(void)snprintf(why, cap, "'%.*s' cannot be an alias (at most 23 of a-z 0-9 "
					       "- _ + # .)", (int)(n > 40 ? 40 : n), v);
				return why;
			}
			if (l->naliases == LANG_ALIASES_MAX)
				return "at most 8 aliases";
			memcpy(l->aliases[l->naliases], v, n);
			l->aliases[l->naliases++][n] = '\0';
		}
		v += n;
		v += strspn(v, " \t,");
	}
	return NULL;
}

/* One "key = value" line of section l. Returns NULL or the sentence explaining the error. */
static const char *set_key(struct lang *l, size_t idx, const char *k, const char *v,
			   char *why, size_t cap)
{
	long n;

	if (strcmp(k, "name") == 0)
		return set_str(l->name, sizeof l->name, v) ? "the name is too long" : NULL;
	if (strcmp(k, "aliases") == 0)
		return set_aliases(l, v, why, cap);
	if (strcmp(k, "image") == 0)
		return set_str(l->image, sizeof l->image, v) ? "the image name is too long" : NULL;
	if (strcmp(k, "file") == 0) {
		if (v[0] == '\0' || strchr(v, '/') || strstr(v, ".."))
			return "file must be a plain file name like main.c";
		return set_str(l->file_name, sizeof l->file_name, v) ? "the file name is too long" : NULL;
	}
	if (strcmp(k, "sources") == 0)
		return set_str(l->sources, sizeof l->sources, v) ? "sources is too long" : NULL;
	if (strcmp(k, "compile") == 0 || strcmp(k, "run") == 0 || strcmp(k, "test_compile") == 0 ||
	    strcmp(k, "test") == 0) {
		int c = strcmp(k, "compile") == 0 ? 0 : strcmp(k, "run") == 0 ? 1
			: strcmp(k, "test_compile") == 0 ? 2 : 3;
		const char **argv[4] = { l->compile_argv, l->run_argv, l->test_compile_argv,
					 l->test_argv };

		return split(v, words[idx][c], sizeof words[idx][c], argv[c])
		       ? "the command is empty or too long (at most 32 words, 1000 characters)" : NULL;
	}
	if (strcmp(k, "test_report") == 0)
		return strcmp(v, "junit") != 0 && strcmp(v, "tap") != 0 && strcmp(v, "libtest") != 0
		       ? "test_report must be junit, tap or libtest"
		       : set_str(l->test_report, sizeof l->test_report, v) ? "too long" : NULL;
	if (strcmp(k, "cpus") == 0)
		return text_cpus(v, &l->nano_cpus) != 0 || l->nano_cpus < 10000000 ||
		       l->nano_cpus > 64000000000L ? "cpus must be a number of CPUs like 0.5 or 1 "
		       "(0.01 to 64)" : NULL;
	{
		static const struct { const char *key; size_t off; long lo, hi, mul; } nums[] = {
			{ "wall_ms", offsetof(struct lang, run.wall_ms), 100, 600000, 1 },
			{ "cpu_ms", offsetof(struct lang, run.cpu_ms), 100, 600000, 1 },
			{ "memory_mb", offsetof(struct lang, run.memory_bytes), 16, 65536, 1L << 20 },
			{ "compile_wall_ms", offsetof(struct lang, compile.wall_ms), 100, 600000, 1 },
			{ "compile_cpu_ms", offsetof(struct lang, compile.cpu_ms), 100, 600000, 1 },
			{ "compile_memory_mb", offsetof(struct lang, compile.memory_bytes), 16, 65536, 1L << 20 },
			{ "reuse_runs", offsetof(struct lang, reuse_runs), 0, 100000, 1 },
			{ "pool_size", offsetof(struct lang, pool_size), 0, 32, 1 },
		};
		size_t i;

		for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
			if (strcmp(k, nums[i].key) != 0)
				continue;
			if (parse_num(v, nums[i].lo, nums[i].hi, &n) != 0) {
				(void)snprintf(why, cap, "%s must be a whole number from %ld to %ld (got '%s')",
					       k, nums[i].lo, nums[i].hi, v);
				return why;
			}
			*(long *)(void *)((char *)l + nums[i].off) = n * nums[i].mul;
			return NULL;
		}
	}
	(void)snprintf(why, cap, "unknown key '%s' (known: name, aliases, image, file, sources, compile, "
		       "run, test_compile, test, test_report, wall_ms, cpu_ms, memory_mb, "
		       "compile_wall_ms, compile_cpu_ms, compile_memory_mb, cpus, reuse_runs, pool_size)", k);
	return why;
}

static int check_section(const struct lang *l, const char *name, struct err *e)
{
	const char *missing = !l->name[0] ? "name" : !l->image[0] ? "image"
			    : !l->file_name[0] ? "file" : !l->run_argv[0] ? "run" : NULL;

	if (missing)
		return err_set(e, RC_CONFIG, "%s:%d: language [%s] has no '%s' (every language needs "
			       "name, image, file and run)", name, l->line, l->id, missing);
	if ((l->test_argv[0] != NULL) != (l->test_report[0] != '\0'))
		return err_set(e, RC_CONFIG, "%s:%d: language [%s] needs both 'test' and "
			       "'test_report' to run test suites, or neither", name, l->line, l->id);
	return 0;
}

int lang_parse(const char *text, const char *name, struct err *e)
{
	static struct lang fresh[LANG_MAX];
	static char fresh_words[LANG_MAX][4][1024];
	char *copy = strdup(text), *line, *next, *eq, why[256];
	size_t n = 0, i, k;
	int lineno = 0, rc = 0;

	if (copy == NULL)
		return err_set(e, RC_NOMEM, "%s: out of memory", name);
	memset(fresh, 0, sizeof fresh);
	/* Parse into words[] directly is unsafe if parsing fails; use a scratch copy. */
	memcpy(fresh_words, words, sizeof words);
	for (line = copy; line != NULL; line = next) {
		const char *bad;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		/* '#' starts a comment at the start of a line or after a space ("c#" is a name). */
		for (char *h = line; (h = strchr(h, '#')) != NULL; h++)
			if (h == line || isspace((unsigned char)h[-1])) {
				*h = '\0';
				break;
			}
		line = text_trim(line);
		if (line[0] == '\0')
			continue;
		if (line[0] == '[') {
			char *end = strchr(line, ']');

			if (end == NULL || end[1] != '\0') {
				rc = err_set(e, RC_CONFIG, "%s:%d: a section is written [id]", name, lineno);
				goto out;
			}
			*end = '\0';
			if (n > 0 && (rc = check_section(&fresh[n - 1], name, e)) != 0)
				goto out;
			if (!valid_id(line + 1)) {
				rc = err_set(e, RC_CONFIG, "%s:%d: '%s' is not a valid language id (use "
					     "lowercase letters, digits, - _ +)", name, lineno, line + 1);
				goto out;
			}
			for (k = 0; k < n; k++)
				if (strcmp(fresh[k].id, line + 1) == 0) {
					rc = err_set(e, RC_CONFIG, "%s:%d: language [%s] is defined twice "
						     "(first at line %d)", name, lineno, line + 1, fresh[k].line);
					goto out;
				}
			if (n == LANG_MAX) {
				rc = err_set(e, RC_CONFIG, "%s:%d: at most %d languages", name, lineno, LANG_MAX);
				goto out;
			}
			(void)set_str(fresh[n].id, sizeof fresh[n].id, line + 1);
			fresh[n].line = lineno;
			fresh[n].reuse_runs = -1;
			fresh[n].pool_size = -1;
			n++;
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			rc = err_set(e, RC_CONFIG, "%s:%d: expected 'key = value' or [id]", name, lineno);
			goto out;
		}
		if (n == 0) {
			rc = err_set(e, RC_CONFIG, "%s:%d: a setting before the first [language] section",
				     name, lineno);
			goto out;
		}
		*eq = '\0';
		if ((bad = set_key(&fresh[n - 1], n - 1, text_trim(line), text_trim(eq + 1), why, sizeof why))) {
			rc = err_set(e, RC_CONFIG, "%s:%d: %s", name, lineno, bad);
			goto out;
		}
	}
	if (n == 0) {
		rc = err_set(e, RC_CONFIG, "%s: no languages defined", name);
		goto out;
	}
	if ((rc = check_section(&fresh[n - 1], name, e)) != 0)
		goto out;
	/* Every name (id or alias) means one language. */
	for (i = 0; i < n; i++) {
		for (k = 0; k < fresh[i].naliases; k++) {
			const char *a = fresh[i].aliases[k];

			for (size_t j = 0; j < n; j++) {
				int clash = j != i && lang_named(&fresh[j], a);

				for (size_t m = 0; !clash && j == i && m < k; m++)
					clash = strcasecmp(fresh[i].aliases[m], a) == 0;
				if (clash || strcasecmp(fresh[i].id, a) == 0) {
					rc = err_set(e, RC_CONFIG, "%s:%d: the alias '%s' of [%s] is already "
						     "a name of [%s]: each name may mean one language",
						     name, fresh[i].line, a, fresh[i].id, fresh[j].id);
					goto out;
				}
			}
		}
	}
	/* Success: install. The argv pointers point into words[], which set_key filled. */
	for (i = 0; i < n; i++)
		table[i] = fresh[i];
	count = n;
out:
	if (rc != 0)
		memcpy(words, fresh_words, sizeof words); /* the old registry stays intact */
	free(copy);
	return rc;
}

int lang_load(const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, len;
	int rc;

	if (f == NULL)
		return err_set(e, RC_CONFIG, "%s: cannot read the language registry: %s", path,
			       strerror(errno));
	len = (size_t)getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (text == NULL || (ssize_t)len < 0) {
		free(text);
		return err_set(e, RC_CONFIG, "%s: cannot read the language registry", path);
	}
	rc = lang_parse(text, path, e);
	free(text);
	return rc;
}

/* ---- Per request ---------------------------------------------------------------------- */

static int is_type_keyword(const char *w)
{
	return strcmp(w, "class") == 0 || strcmp(w, "interface") == 0 ||
	       strcmp(w, "enum") == 0 || strcmp(w, "record") == 0;
}

/* Words that may stand between "public" and the type keyword ("non" of non-sealed). */
static int is_modifier(const char *w)
{
	return strcmp(w, "final") == 0 || strcmp(w, "abstract") == 0 ||
	       strcmp(w, "strictfp") == 0 || strcmp(w, "sealed") == 0 || strcmp(w, "non") == 0;
}

/*
 * The first top-level "public [final|abstract|sealed|strictfp]* (class|interface|enum|
 * record|@interface) NAME" outside comments, literals and text blocks. Java requires a
 * public top-level type to live in NAME.java, and any of these may hold main().
 */
static int public_class(const char *s, size_t n, char *out, size_t cap)
{
	char prev[2][64] = { "", "" }, word[64];
	size_t i = 0, w;
	long depth = 0;

	while (i < n) {
		char c = s[i];

		if (c == '/' && i + 1 < n && s[i + 1] == '/') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
				;
			i += 2;
		} else if (c == '"' && i + 2 < n && s[i + 1] == '"' && s[i + 2] == '"') {
			/* A text block, up to the next unescaped """. */
			for (i += 3; i + 2 < n && !(s[i] == '"' && s[i + 1] == '"' && s[i + 2] == '"'); i++)
				if (s[i] == '\\')
					i++;
			i += 3;
		} else if (c == '"' || c == '\'') {
			for (i++; i < n && s[i] != c; i++)
				if (s[i] == '\\')
					i++;
			i++;
		} else if (c == '{' || c == '}') {
			depth += c == '{' ? 1 : -1;
			prev[0][0] = prev[1][0] = '\0';
			i++;
		} else if (isalpha((unsigned char)c) || c == '_' || c == '$') {
			/* An annotation's name (@Deprecated public class X, public @Tag class X);
			 * "@interface" declares one and is kept. */
			int annotation = i > 0 && s[i - 1] == '@';

			for (w = 0; i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '$'); i++)
				if (w + 1 < sizeof word)
					word[w++] = s[i];
			word[w] = '\0';
			if (depth == 0 && is_type_keyword(prev[1]) && strcmp(prev[0], "public") == 0)
				return set_str(out, cap, word);
			/* Modifiers and annotations between "public" and the keyword are skipped. */
			if (!is_modifier(word) && !(annotation && strcmp(word, "interface") != 0)) {
				memcpy(prev[0], prev[1], sizeof prev[0]);
				(void)set_str(prev[1], sizeof prev[1], word);
			}
		} else {
			i++;
		}
	}
	return -1;
}

int lang_entry_name(const struct lang *l, const char *code, size_t len, char *out, size_t cap)
{
	const char *t = strstr(l->file_name, "{class}");
	char cls[64];

	if (t == NULL)
		return set_str(out, cap, l->file_name) ? RC_BAD_REQUEST : 0;
	if (public_class(code, len, cls, sizeof cls) != 0)
		(void)set_str(cls, sizeof cls, "Main");
	if (snprintf(out, cap, "%.*s%s%s", (int)(t - l->file_name), l->file_name, cls,
		     t + strlen("{class}")) >= (int)cap)
		return RC_BAD_REQUEST;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n > *cap) {
		size_t ncap = *cap * 2 + n + 256;
		char *nb = realloc(*buf, ncap);

		if (nb == NULL)
			return RC_NOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	return 0;
}

/* The list of one word whose name starts w, or nlists. */
static size_t one_word(const struct lang_list *lists, size_t nlists, const char *w)
{
	size_t k;

	for (k = 0; k < nlists; k++)
		if (lists[k].n == 1 && strncmp(w, lists[k].name, strlen(lists[k].name)) == 0)
			break;
	return k;
}

/* Append word, NUL-terminated, with {entry}, {class} and {stem} replaced, and the name of
 * each list of one word ({memory_mb}) replaced by that word. */
static int put_word(const char *w, const char *entry, const struct lang_list *lists,
		    size_t nlists, char **buf, size_t *len, size_t *cap)
{
	const char *base = strrchr(entry, '/'), *dot;
	size_t i = 0, k, cls_len;
	int rc = 0;

	base = base ? base + 1 : entry;
	dot = strrchr(base, '.');
	cls_len = dot ? (size_t)(dot - base) : strlen(base);
	while (rc == 0 && w[i] != '\0') {
		if (strncmp(w + i, "{entry}", 7) == 0) {
			rc = append(buf, len, cap, entry, strlen(entry));
			i += 7;
		} else if (strncmp(w + i, "{class}", 7) == 0) {
			rc = append(buf, len, cap, base, cls_len);
			i += 7;
		} else if (strncmp(w + i, "{stem}", 6) == 0) {
			rc = append(buf, len, cap, entry, (size_t)(base - entry) + cls_len);
			i += 6;
		} else if (w[i] == '{' && (k = one_word(lists, nlists, w + i)) < nlists) {
			rc = append(buf, len, cap, lists[k].words[0], strlen(lists[k].words[0]));
			i += strlen(lists[k].name);
		} else {
			rc = append(buf, len, cap, w + i, 1);
			i++;
		}
	}
	return rc ? rc : append(buf, len, cap, "", 1);
}

int lang_expand_lists(const char *const *tmpl, const char *entry, const char *const *files,
		      size_t nfiles, const char *sources, const struct lang_list *lists,
		      size_t nlists, const char **argv, size_t max, char **store, struct err *e)
{
	size_t off[256], n = 0, len = 0, cap = 0, i, j, k;
	char *buf = NULL;
	int rc;

	*store = NULL;
	for (i = 0; tmpl[i] != NULL; i++) {
		const char *const *list = NULL;
		size_t count_in = 0;
		int is_list = 1; /* not list != NULL: a list may be NULL when it is empty */

		if (strcmp(tmpl[i], "{sources}") == 0) {
			list = files;
			count_in = nfiles;
		} else {
			for (k = 0; k < nlists && strcmp(tmpl[i], lists[k].name) != 0; k++)
				;
			if (k < nlists) {
				list = lists[k].words;
				count_in = lists[k].n;
			} else {
				is_list = 0;
			}
		}
		if (!is_list) {
			if (n + 1 >= max || n >= sizeof off / sizeof off[0])
				goto too_long;
			off[n++] = len;
			if ((rc = put_word(tmpl[i], entry, lists, nlists, &buf, &len, &cap)) != 0)
				goto fail;
			continue;
		}
		for (j = 0; j < count_in; j++) {
			if (list == files && sources && sources[0] && !ends_with(files[j], sources))
				continue;
			if (n + 1 >= max || n >= sizeof off / sizeof off[0])
				goto too_long;
			off[n++] = len;
			/* Arguments and file names are copied as they are: no placeholders in them. */
			if ((rc = append(&buf, &len, &cap, list[j], strlen(list[j]) + 1)) != 0)
				goto fail;
		}
	}
	for (i = 0; i < n; i++)
		argv[i] = buf + off[i];
	argv[n] = NULL;
	*store = buf;
	return 0;
too_long:
	free(buf);
	return err_set(e, RC_BAD_REQUEST, "The command line would have more than %zu words: "
		       "send fewer files or arguments.", max - 1);
fail:
	free(buf);
	return err_set(e, rc, "expanding a command: out of memory");
}

int lang_expand(const char *const *tmpl, const char *entry, const char *const *files,
		size_t nfiles, const char *sources, const char *const *args, size_t nargs,
		const char **argv, size_t max, char **store, struct err *e)
{
	const struct lang_list l = { "{args}", args, nargs };

	return lang_expand_lists(tmpl, entry, files, nfiles, sources, &l, 1, argv, max, store, e);
}
