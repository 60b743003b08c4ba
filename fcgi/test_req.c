/*
 * test_req: see test_req.h. The program's fields are req.c's; this file reads "exercise"
 * and "tests".
 */
#include "test_req.h"
#include "text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(struct err *e, size_t i, const char *what)
{
	return err_set(e, RC_BAD_REQUEST, "Test %zu: %s", i + 1, what);
}

/* One of the client's tests, t, into c. *stdin_total adds up every test's input. */
static int parse_case(json_t *t, size_t i, struct test_req_case *c, size_t *stdin_total,
		      struct err *e)
{
	static const char *const known[] = { "name", "stdin", "expected", "args", "exit",
					     "compare", "tolerance" };
	json_t *v, *a;
	const char *key;
	size_t k;

	if (!json_is_object(t))
		return bad(e, i, "each test must be an object such as {\"stdin\": \"5\\n\", "
			   "\"expected\": \"120\\n\"}.");
	json_object_foreach(t, key, v) {
		for (k = 0; k < sizeof known / sizeof known[0] && strcmp(key, known[k]) != 0; k++)
			;
		if (k == sizeof known / sizeof known[0])
			return bad(e, i, "a test takes name, stdin, expected, args, exit, compare and "
				   "tolerance; leave out the other fields.");
	}
	c->exit_code = -1;
	c->compare = CMP_TRAILING;
	if ((v = json_object_get(t, "name")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 63 ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return bad(e, i, "its name must be a string of 1 to 63 characters.");
		(void)snprintf(c->name, sizeof c->name, "%s", json_string_value(v));
	} else {
		(void)snprintf(c->name, sizeof c->name, "test %zu", i + 1);
	}
	if ((v = json_object_get(t, "stdin")) != NULL) {
		if (!json_is_string(v))
			return bad(e, i, "'stdin' must be a string.");
		c->stdin_data = json_string_value(v);
		c->stdin_len = json_string_length(v);
		*stdin_total += c->stdin_len;
	}
	if ((v = json_object_get(t, "expected")) != NULL) {
		if (!json_is_string(v))
			return bad(e, i, "'expected' must be a string: the output the program should print.");
		c->expected = json_string_value(v);
		c->expected_len = json_string_length(v);
	}
	if ((v = json_object_get(t, "exit")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255)
			return bad(e, i, "'exit' must be an exit code from 0 to 255.");
		c->exit_code = (int)json_integer_value(v);
	}
	if (c->expected == NULL && c->exit_code < 0)
		return bad(e, i, "say what the program should print ('expected') or how it should "
			   "end ('exit').");
	if ((v = json_object_get(t, "compare")) != NULL &&
	    (!json_is_string(v) || cmp_mode_parse(json_string_value(v), &c->compare) != 0))
		return bad(e, i, "'compare' must be exact, trailing, tokens or numbers.");
	if ((v = json_object_get(t, "tolerance")) != NULL) {
		if (!json_is_number(v) || !(json_number_value(v) >= 0) || isinf(json_number_value(v)))
			return bad(e, i, "'tolerance' must be a number of 0 or more.");
		c->tolerance = json_number_value(v);
	}
	if ((a = json_object_get(t, "args")) != NULL) {
		if (!json_is_array(a) || json_array_size(a) > REQ_MAX_ARGS)
			return bad(e, i, "'args' must be a list of at most 64 strings.");
		for (k = 0; k < json_array_size(a); k++) {
			v = json_array_get(a, k);
			if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
			    json_string_length(v) > REQ_MAX_ARG)
				return bad(e, i, "each of its 'args' must be a string without NUL "
					   "characters, at most 4096 bytes.");
			c->args[c->nargs++] = json_string_value(v);
		}
	}
	return 0;
}

int test_req_parse(struct test_req *r, const char *body, size_t n, const struct req_caps *caps,
		   struct err *e)
{
	static const char *const extra[] = { "exercise", "tests" };
	json_t *x, *t;
	size_t total = 0, i;
	char have[32], cap[32];
	int rc;

	memset(r, 0, sizeof *r);
	x = NULL;
	rc = editor_req_parse_more(&r->prog, body, n, caps, extra, 2, true, e);
	if (r->prog.doc != NULL && json_is_object(r->prog.doc))
		x = json_object_get(r->prog.doc, "exercise");
	if (rc != 0)
		return rc;
	t = json_object_get(r->prog.doc, "tests");
	if (x != NULL && t != NULL)
		return err_set(e, RC_BAD_REQUEST, "Send either 'exercise' (a teacher's tests) or "
			       "'tests' (your own), not both.");
	if (x == NULL && t == NULL)
		return err_set(e, RC_BAD_REQUEST, "Say which tests to run: 'exercise' with an "
			       "exercise's id, or 'tests' with a list such as [{\"stdin\": \"5\\n\", "
			       "\"expected\": \"120\\n\"}].");
	if (r->prog.stdin_data != NULL)
		return err_set(e, RC_BAD_REQUEST, "A test request takes its input from its tests: "
			       "leave out 'stdin'.");
	if (x != NULL) {
		if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 63 ||
		    strlen(json_string_value(x)) != json_string_length(x))
			return err_set(e, RC_BAD_REQUEST, "'exercise' must be an exercise's id, such as "
				       "\"fib\".");
		r->exercise = json_string_value(x);
		return 0;
	}
	if (r->prog.lang == NULL)
		return err_set(e, RC_BAD_REQUEST, "The field 'language' is missing: with your own "
			       "tests, say which language the code is in.");
	if (!json_is_array(t) || json_array_size(t) == 0 || json_array_size(t) > TEST_REQ_MAX_TESTS)
		return err_set(e, RC_BAD_REQUEST, "'tests' must be a list of 1 to %d tests.",
			       TEST_REQ_MAX_TESTS);
	if ((r->cases = calloc(json_array_size(t), sizeof *r->cases)) == NULL)
		return err_set(e, RC_NOMEM, "no memory for the tests");
	for (i = 0; i < json_array_size(t); i++) {
		if ((rc = parse_case(json_array_get(t, i), i, &r->cases[i], &total, e)) != 0)
			return rc;
		r->ncases++;
	}
	if (total > caps->max_stdin_bytes) {
		text_size(have, sizeof have, total);
		text_size(cap, sizeof cap, caps->max_stdin_bytes);
		return err_set(e, RC_TOO_LARGE, "The tests' inputs add up to %s; the limit is %s.",
			       have, cap);
	}
	return 0;
}

void test_req_release(struct test_req *r)
{
	free(r->cases);
	r->cases = NULL;
	r->ncases = 0;
	editor_req_release(&r->prog);
}
