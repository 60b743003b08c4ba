#include "exercise.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "text.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* A parse in progress: where it is, for messages. */
struct parsing {
	struct exercise *x;
	struct exercise_case *c; /* the current [case], or NULL before the first */
	const char *name;
	int line;
	struct err *e;
	unsigned seen;           /* top-level keys set, one bit each (see top_key) */
	unsigned case_seen;      /* the current case's keys set */
};

static int bad(struct parsing *p, const char *fmt, const char *a, const char *b)
{
	char what[400];

	(void)snprintf(what, sizeof what, fmt, a, b);
	if (p->line == 0) /* the whole file, not one line */
		return err_set(p->e, RC_BAD_REQUEST, "%s: %s", p->name, what);
	return err_set(p->e, RC_BAD_REQUEST, "%s:%d: %s", p->name, p->line, what);
}

static bool id_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

bool exercise_id_valid(const char *id)
{
	return id_ok(id, sizeof ((struct exercise *)0)->id);
}

/* A file of the folder: relative, no "..", "." or empty parts, no control characters. */
static bool path_ok(const char *s)
{
	size_t n = strlen(s), i = 0;

	if (n == 0 || n >= EXERCISE_PATH_MAX || s[0] == '/')
		return false;
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
			return false;
	while (i < n) {
		size_t part = strcspn(s + i, "/");

		if ((part == 0 && i + part < n - 1) || (part == 1 && s[i] == '.') ||
		    (part == 2 && s[i] == '.' && s[i + 1] == '.'))
			return false;
		i += part + 1;
	}
	return true;
}

static int set_path(struct parsing *p, char *out, const char *key, const char *v)
{
	if (!path_ok(v))
		return bad(p, "%s must name a file of the exercise's folder (got '%s')", key, v);
	(void)snprintf(out, EXERCISE_PATH_MAX, "%s", v);
	return 0;
}

/* Decode \n \t \\ (and \r) into out; the rest as it is. */
static int unescape(struct parsing *p, const char *key, const char *v, char *out, size_t *len)
{
	size_t n = 0;

	for (; *v; v++) {
		char c = *v;

		if (c == '\\') {
			switch (*++v) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '\\': c = '\\'; break;
			default:
				return bad(p, "%s: unknown escape in '%s' (use \\n, \\t, \\r or \\\\)", key, v - 1);
			}
		}
		if (n + 1 >= EXERCISE_TEXT_MAX)
			return bad(p, "%s is too long for the file itself: put it in a file (%s_file)", key, key);
		out[n++] = c;
	}
	out[n] = '\0';
	*len = n;
	return 0;
}

static int number(struct parsing *p, const char *key, const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
		char range[64];

		(void)snprintf(range, sizeof range, "%ld to %ld", lo, hi);
		return bad(p, "%s must be a whole number from %s", key, range);
	}
	*out = n;
	return 0;
}

/* Once per section: bit of the key in keys[], set in *seen. */
static int once(struct parsing *p, unsigned *seen, const char *const *keys, const char *k)
{
	for (unsigned i = 0; keys[i] != NULL; i++) {
		if (strcmp(keys[i], k) != 0)
			continue;
		if (*seen & (1u << i))
			return bad(p, "%s is set twice%s", k, "");
		*seen |= 1u << i;
		return 0;
	}
	return 0; /* not a fixed key (starter.LANG, suite.LANG): checked by its setter */
}

static int case_key(struct parsing *p, const char *k, const char *v)
{
	static const char *const keys[] = { "stdin", "stdin_file", "args", "expected",
					    "expected_file", "exit", "compare", "tolerance",
					    "hidden", "weight", "files", NULL };
	struct exercise_case *c = p->c;
	long n;
	int rc;

	if ((rc = once(p, &p->case_seen, keys, k)) != 0)
		return rc;
	if (strcmp(k, "stdin") == 0)
		return unescape(p, k, v, c->stdin_text, &c->stdin_len);
	if (strcmp(k, "stdin_file") == 0)
		return set_path(p, c->stdin_file, k, v);
	if (strcmp(k, "args") == 0) {
		if (strlen(v) >= sizeof c->args)
			return bad(p, "args is too long (at most %s characters)%s", "511", "");
		(void)snprintf(c->args, sizeof c->args, "%s", v);
		return 0;
	}
	if (strcmp(k, "files") == 0) {
		char buf[EXERCISE_CASE_FILES * EXERCISE_PATH_MAX], *tok, *save = NULL;

		if (strlen(v) >= sizeof buf)
			return bad(p, "files is too long%s%s", "", "");
		(void)snprintf(buf, sizeof buf, "%s", v);
		for (tok = strtok_r(buf, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
			if (c->nfiles == EXERCISE_CASE_FILES)
				return bad(p, "a case has at most %s files%s", "8", "");
			_Static_assert(EXERCISE_CASE_FILES == 8, "the sentence above says 8");
			if ((rc = set_path(p, c->files[c->nfiles++], k, tok)) != 0)
				return rc;
			/* They land in the work folder by their own names: two alike would clash. */
			for (size_t f = 0; f + 1 < c->nfiles; f++) {
				const char *a = strrchr(c->files[f], '/'), *b = strrchr(tok, '/');

				if (strcmp(a ? a + 1 : c->files[f], b ? b + 1 : tok) == 0)
					return bad(p, "files names two files called %s%s", b ? b + 1 : tok, "");
			}
		}
		return c->nfiles > 0 ? 0 : bad(p, "files names no file%s%s", "", "");
	}
	if (strcmp(k, "expected") == 0) {
		c->has_expected = true;
		return unescape(p, k, v, c->expected_text, &c->expected_len);
	}
	if (strcmp(k, "expected_file") == 0) {
		c->has_expected = true;
		return set_path(p, c->expected_file, k, v);
	}
	if (strcmp(k, "exit") == 0) {
		if ((rc = number(p, k, v, 0, 255, &n)) == 0)
			c->exit_code = (int)n;
		return rc;
	}
	if (strcmp(k, "compare") == 0)
		return cmp_mode_parse(v, &c->compare) == 0 ? 0
		       : bad(p, "compare must be exact, trailing, tokens or numbers (got '%s')%s", v, "");
	if (strcmp(k, "tolerance") == 0) {
		char *end;

		c->tolerance = strtod(v, &end);
		return end != v && *end == '\0' && isfinite(c->tolerance) && c->tolerance >= 0 ? 0
		       : bad(p, "tolerance must be a number of 0 or more, like 1e-6 (got '%s')%s", v, "");
	}
	if (strcmp(k, "hidden") == 0) {
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return bad(p, "hidden must be yes or no (got '%s')%s", v, "");
		c->hidden = v[0] == 'y';
		return 0;
	}
	if (strcmp(k, "weight") == 0) {
		if ((rc = number(p, k, v, 0, 1000, &n)) == 0)
			c->weight = (int)n;
		return rc;
	}
	return bad(p, "unknown key '%s' in a case (known: stdin, stdin_file, args, files, "
		   "expected, expected_file, exit, compare, tolerance, hidden, weight)%s", k, "");
}

/* starter.LANG / suite.LANG: the language's entry (it must be one the exercise accepts). */
static int lang_key(struct parsing *p, const char *k, const char *v)
{
	const char *dot = strchr(k, '.');
	bool starter = strncmp(k, "starter.", 8) == 0;
	struct exercise_lang *l = (struct exercise_lang *)exercise_lang(p->x, dot + 1);
	char *slot;

	if (!(p->seen & 1u << 2))
		return bad(p, "%s: give 'languages' before the starters and suites%s", k, "");
	if (l == NULL)
		return bad(p, "%s: '%s' is not one of this exercise's languages", k, dot + 1);
	slot = starter ? l->starter : l->suite;
	if (slot[0] != '\0')
		return bad(p, "%s is set twice%s", k, "");
	return set_path(p, slot, k, v);
}

static int languages(struct parsing *p, char *v)
{
	char *save = NULL;

	for (char *w = strtok_r(v, " \t,", &save); w != NULL; w = strtok_r(NULL, " \t,", &save)) {
		if (!id_ok(w, sizeof p->x->langs[0].id))
			return bad(p, "languages: '%s' is not a language id%s", w, "");
		const struct lang *rl = lang_find(w);

		/* Twice under two names (py, python) is twice too. */
		if (exercise_lang(p->x, rl != NULL ? rl->id : w) != NULL)
			return bad(p, "languages: '%s' is listed twice%s", w, "");
		if (p->x->nlangs == EXERCISE_MAX_LANGS)
			return bad(p, "languages: at most %s languages%s", STR(EXERCISE_MAX_LANGS), "");
		/* An alias of the registry's ("py") is kept as the language's id. */
		(void)snprintf(p->x->langs[p->x->nlangs++].id, sizeof p->x->langs[0].id, "%s",
			       rl != NULL ? rl->id : w);
	}
	return p->x->nlangs > 0 ? 0 : bad(p, "languages is empty%s%s", "", "");
}

static int top_key(struct parsing *p, const char *k, char *v)
{
	static const char *const keys[] = { "id", "title", "languages", "instructions", "wall_ms",
					    "memory_mb", NULL };
	struct exercise *x = p->x;
	long n;
	int rc;

	if ((rc = once(p, &p->seen, keys, k)) != 0)
		return rc;
	if (strcmp(k, "id") == 0)
		return id_ok(v, sizeof x->id) ? (snprintf(x->id, sizeof x->id, "%s", v), 0)
		       : bad(p, "id must be letters, digits, '-' or '_', at most 63 (got '%s')%s", v, "");
	if (strcmp(k, "title") == 0) {
		if (v[0] == '\0' || strlen(v) >= sizeof x->title)
			return bad(p, "title must be 1 to 127 characters%s%s", "", "");
		(void)snprintf(x->title, sizeof x->title, "%s", v);
		return 0;
	}
	if (strcmp(k, "languages") == 0)
		return languages(p, v);
	if (strcmp(k, "instructions") == 0)
		return set_path(p, x->instructions, k, v);
	if (strcmp(k, "wall_ms") == 0)
		return number(p, k, v, 100, 600000, &x->wall_ms);
	if (strcmp(k, "memory_mb") == 0) {
		if ((rc = number(p, k, v, 16, 65536, &n)) == 0)
			x->memory_bytes = n << 20;
		return rc;
	}
	if (strncmp(k, "starter.", 8) == 0 || strncmp(k, "suite.", 6) == 0)
		return lang_key(p, k, v);
	return bad(p, "unknown key '%s' (known: id, title, languages, instructions, starter.LANG, "
		   "suite.LANG, wall_ms, memory_mb)%s", k, "");
}

static int new_case(struct parsing *p, char *head)
{
	char *nm = text_trim(head + 5);
	struct exercise *x = p->x;

	if (!id_ok(nm, sizeof x->cases[0].name))
		return bad(p, "a case needs a name of letters, digits, '-' or '_': [case NAME] "
			   "(got '[%s]')%s", head, "");
	for (size_t i = 0; i < x->ncases; i++)
		if (strcmp(x->cases[i].name, nm) == 0)
			return bad(p, "two cases are named '%s'%s", nm, "");
	if (x->ncases == EXERCISE_MAX_CASES)
		return bad(p, "at most %s cases%s", "100", "");
	p->c = &x->cases[x->ncases++];
	*p->c = (struct exercise_case){ .exit_code = -1, .compare = CMP_TRAILING, .weight = 1,
					.line = p->line };
	(void)snprintf(p->c->name, sizeof p->c->name, "%s", nm);
	p->case_seen = 0;
	return 0;
}

static int line(struct parsing *p, char *s)
{
	char *eq, *k, *v;
	size_t n;

	s = text_trim(s);
	if (s[0] == '\0' || s[0] == '#')
		return 0;
	n = strlen(s);
	if (s[0] == '[') {
		if (s[n - 1] != ']' || strncmp(s, "[case", 5) != 0 || !isspace((unsigned char)s[5]))
			return bad(p, "a section is [case NAME] (got '%s')%s", s, "");
		s[n - 1] = '\0';
		return new_case(p, s + 1);
	}
	if ((eq = strchr(s, '=')) == NULL)
		return bad(p, "expected 'key = value' (got '%s')%s", s, "");
	*eq = '\0';
	k = text_trim(s);
	v = text_trim(eq + 1);
	return p->c != NULL ? case_key(p, k, v) : top_key(p, k, v);
}

/* What no single line can show: required keys, and what the cases need. */
static int check(struct parsing *p)
{
	struct exercise *x = p->x;
	bool suite = false;

	p->line = 0;
	for (size_t i = 0; i < x->nlangs; i++)
		suite |= x->langs[i].suite[0] != '\0';
	if (x->id[0] == '\0' || x->title[0] == '\0' || x->nlangs == 0)
		return bad(p, "the exercise needs id, title and languages%s%s", "", "");
	if (x->ncases == 0 && !suite)
		return bad(p, "the exercise has no test: add a [case NAME] section or a suite.LANG%s%s",
			   "", "");
	for (size_t i = 0; i < x->ncases; i++) {
		const struct exercise_case *c = &x->cases[i];

		p->line = c->line;
		if (c->stdin_file[0] && c->stdin_len > 0)
			return bad(p, "case %s has both stdin and stdin_file%s", c->name, "");
		if (c->expected_file[0] && c->expected_len > 0)
			return bad(p, "case %s has both expected and expected_file%s", c->name, "");
		if (!c->has_expected && c->exit_code < 0)
			return bad(p, "case %s checks nothing: give expected, expected_file or exit%s",
				   c->name, "");
	}
	return 0;
}

int exercise_parse(const char *text, const char *name, struct exercise *out, struct err *e)
{
	struct parsing p = { .x = out, .name = name, .e = e };
	char *copy = strdup(text), *s, *next;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (copy == NULL)
		return err_set(e, RC_NOMEM, "exercise: out of memory");
	for (s = copy; s != NULL && rc == 0; s = next) {
		next = strchr(s, '\n');
		if (next != NULL)
			*next++ = '\0';
		p.line++;
		rc = line(&p, s);
	}
	free(copy);
	if (rc == 0)
		rc = check(&p);
	if (rc != 0)
		memset(out, 0, sizeof *out);
	return rc;
}

const struct exercise_lang *exercise_lang(const struct exercise *x, const char *id)
{
	const struct lang *l = lang_find(id); /* an alias means the language's id */
	const char *want = l != NULL ? l->id : id;

	for (size_t i = 0; i < x->nlangs; i++)
		if (strcmp(x->langs[i].id, want) == 0)
			return &x->langs[i];
	return NULL;
}

bool exercise_in_suite(const char *suite, const char *path)
{
	size_t n = strlen(suite);

	if (n > 0 && suite[n - 1] != '/' && strcmp(suite, path) == 0)
		return true; /* the suite is this one file */
	while (n > 0 && suite[n - 1] == '/')
		n--;
	return n > 0 && strncmp(suite, path, n) == 0 && path[n] == '/' && path[n + 1] != '\0';
}

static bool has_path(const char *const *paths, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(paths[i], path) == 0)
			return true;
	return false;
}

int exercise_check_files(const struct exercise *x, const char *const *paths, size_t n,
			 struct err *e)
{
	const char *what = NULL, *missing = NULL;
	size_t i, k;

	if (x->instructions[0] != '\0' && !has_path(paths, n, x->instructions))
		what = "instructions", missing = x->instructions;
	for (i = 0; missing == NULL && i < x->nlangs; i++) {
		const struct exercise_lang *l = &x->langs[i];

		if (l->starter[0] != '\0' && !has_path(paths, n, l->starter))
			what = "a starter", missing = l->starter;
		for (k = 0; l->suite[0] != '\0' && k < n && !exercise_in_suite(l->suite, paths[k]); k++)
			;
		if (missing == NULL && l->suite[0] != '\0' && k == n)
			what = "a test suite", missing = l->suite;
	}
	for (i = 0; missing == NULL && i < x->ncases; i++) {
		const struct exercise_case *c = &x->cases[i];

		if (c->stdin_file[0] != '\0' && !has_path(paths, n, c->stdin_file))
			what = "a test's stdin_file", missing = c->stdin_file;
		else if (c->expected_file[0] != '\0' && !has_path(paths, n, c->expected_file))
			what = "a test's expected_file", missing = c->expected_file;
		for (size_t f = 0; missing == NULL && f < c->nfiles; f++)
			if (!has_path(paths, n, c->files[f]))
				what = "a test's file", missing = c->files[f];
	}
	if (missing != NULL)
		return err_set(e, RC_BAD_REQUEST, "exercise.conf names %s, %.200s, that is not among "
			       "the files sent: send it too, or correct exercise.conf", what, missing);
	return 0;
}
