/*
 * judge: see judge.h. The comparison itself is compare.c's; this file only finds where a
 * wrong output first differs, to say it in one sentence.
 */
#define _GNU_SOURCE
#include "judge.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

static const char *const verdict_names[] = {
#define X(e, s) s,
	VERDICT_MAP(X)
#undef X
};

const char *verdict_name(enum verdict v)
{
	return verdict_names[v];
}

/* ---- pieces of output for a sentence ------------------------------------------------------ */

#define SNIPPET 40 /* bytes of a line or word quoted */

/* p[0..n) quoted for a sentence: at most SNIPPET bytes, cut on a UTF-8 boundary ("..." then
 * follows), control characters as \t, \r or '?'. */
static void quote(char *out, size_t cap, const unsigned char *p, size_t n)
{
	size_t o = 0, i = 0, lim = n < SNIPPET ? n : SNIPPET;

	while (lim < n && lim > 0 && (p[lim] & 0xc0) == 0x80)
		lim--; /* never cut a character in two */
	for (i = 0; i < lim && o + 3 < cap; i++) {
		if (p[i] == '\t' || p[i] == '\r') {
			out[o++] = '\\';
			out[o++] = p[i] == '\t' ? 't' : 'r';
		} else {
			out[o++] = p[i] < 0x20 || p[i] == 0x7f ? '?' : (char)p[i];
		}
	}
	if (i < n && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* A piece of a text: a line or a word. */
struct piece {
	const unsigned char *p;
	size_t n;
};

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* The next line of p[0..n) from *at (without its '\n'); false at the end. A text that ends
 * with '\n' has no empty line after it. */
static bool next_line(const unsigned char *p, size_t n, size_t *at, struct piece *out)
{
	const unsigned char *nl;

	if (*at >= n)
		return false;
	nl = memchr(p + *at, '\n', n - *at);
	out->p = p + *at;
	out->n = nl != NULL ? (size_t)(nl - out->p) : n - *at;
	*at += out->n + 1;
	return true;
}

static bool next_word(const unsigned char *p, size_t n, size_t *at, struct piece *out)
{
	while (*at < n && is_space(p[*at]))
		(*at)++;
	if (*at >= n)
		return false;
	out->p = p + *at;
	while (*at < n && !is_space(p[*at]))
		(*at)++;
	out->n = (size_t)(p + *at - out->p);
	return true;
}

/* Whether a piece is all whitespace (blank lines at the end do not count in trailing). */
static bool blank(const struct piece *x)
{
	for (size_t i = 0; i < x->n; i++)
		if (!is_space(x->p[i]))
			return false;
	return true;
}

/* Where got first differs from want under mode m, in one sentence. The whole outputs do not
 * match (cmp_match said so); the pieces are lines for exact and trailing, words otherwise. */
static void first_difference(const struct judge_case *c, const unsigned char *got, size_t gn,
			     char *msg, size_t cap)
{
	bool words = c->compare == CMP_TOKENS || c->compare == CMP_NUMBERS;
	const char *unit = words ? (c->compare == CMP_NUMBERS ? "Word or number" : "Word") : "Line";
	size_t ga = 0, wa = 0;
	char qg[SNIPPET * 2 + 8], qw[SNIPPET * 2 + 8];

	for (int k = 1;; k++) {
		struct piece g, w;
		bool hg = words ? next_word(got, gn, &ga, &g) : next_line(got, gn, &ga, &g);
		bool hw = words ? next_word(c->expected, c->expected_len, &wa, &w)
				: next_line(c->expected, c->expected_len, &wa, &w);

		if (!words && c->compare == CMP_TRAILING) {
			/* Blank lines at the end are not part of the output here. */
			if (hg && !hw && blank(&g))
				hg = false;
			if (hw && !hg && blank(&w))
				hw = false;
		}
		if (!hg && !hw)
			break;
		if (!hg) {
			quote(qw, sizeof qw, w.p, w.n);
			if (k == 1)
				(void)snprintf(msg, cap, "Your program printed nothing; expected \"%s\" "
					       "first.", qw);
			else
				(void)snprintf(msg, cap, "Your output stops too early: %s %d should be "
					       "\"%s\".", words ? "word" : "line", k, qw);
			return;
		}
		if (!hw) {
			quote(qg, sizeof qg, g.p, g.n);
			(void)snprintf(msg, cap, "Your output goes on after the expected end: %s %d is "
				       "\"%s\".", words ? "word" : "line", k, qg);
			return;
		}
		if (!cmp_match(c->compare, c->tolerance, g.p, g.n, w.p, w.n)) {
			quote(qg, sizeof qg, g.p, g.n);
			quote(qw, sizeof qw, w.p, w.n);
			(void)snprintf(msg, cap, "%s %d differs: expected \"%s\", got \"%s\".", unit, k,
				       qw, qg);
			return;
		}
	}
	/* Every line is the same, so the bytes between them are not: line endings or spaces. */
	(void)snprintf(msg, cap, "The output differs only in spaces or line endings (CR, a missing "
		       "or extra newline at the end); this test compares exactly.");
}

/* ---- verdicts ----------------------------------------------------------------------------- */

int judge_ending(const struct run_stage *st)
{
	if (!st->ran)
		return V_ERROR;
	switch (run_stage_status(st)) {
	case STATUS_OK: return -1;
	case STATUS_RUNTIME_ERROR: return st->signal != 0 ? V_RUNTIME_ERROR : -1;
	case STATUS_TIMEOUT: return V_TIMEOUT;
	case STATUS_MEMORY_LIMIT: return V_MEMORY_LIMIT;
	case STATUS_OUTPUT_LIMIT: return V_OUTPUT_LIMIT;
	default: return V_ERROR;
	}
}

void judge_ending_message(const struct run_stage *st, const struct limits *l, char *msg,
			  size_t cap)
{
	char size[32];

	msg[0] = '\0';
	switch (judge_ending(st)) {
	case V_TIMEOUT:
		(void)snprintf(msg, cap, "Your program ran longer than the time limit (%ld.%ld s) and "
			       "was stopped. Look for a loop that never ends, or for input it waits "
			       "for that never comes.", l->wall_ms / 1000, l->wall_ms % 1000 / 100);
		break;
	case V_MEMORY_LIMIT:
		(void)snprintf(msg, cap, "Your program used more memory than the limit (%ld MB) and "
			       "was stopped.", l->memory_bytes >> 20);
		break;
	case V_OUTPUT_LIMIT:
		text_size(size, sizeof size, (size_t)(st->out.truncated ? l->stdout_cap : l->stderr_cap));
		(void)snprintf(msg, cap, "Your program printed more than %s to %s, so it was stopped "
			       "and the output was cut there.", size,
			       st->out.truncated ? "stdout" : "stderr");
		break;
	case V_RUNTIME_ERROR:
		(void)snprintf(msg, cap, "Your program crashed: it was stopped by signal %d (%s).",
			       st->signal, strsignal(st->signal));
		break;
	case V_ERROR:
		(void)snprintf(msg, cap, "%s", JUDGE_RUNNER_FAULT);
		break;
	default:
		if (st->exit_code != 0)
			(void)snprintf(msg, cap, "Your program ended with exit code %d; look at stderr "
				       "for the error.", st->exit_code);
		break;
	}
}

enum verdict judge_case(const struct judge_case *c, const struct run_stage *st,
			const struct limits *l, char *msg, size_t cap)
{
	bool exit_expected = c->exit_code >= 0 && st->signal == 0 && st->exit_code == c->exit_code;
	int v = judge_ending(st);

	msg[0] = '\0';
	if (v >= 0 || (st->exit_code != 0 && !exit_expected)) {
		/* Stopped by a limit, a crash or the runner; or it failed by its own exit code. */
		judge_ending_message(st, l, msg, cap);
		return v >= 0 ? (enum verdict)v : V_RUNTIME_ERROR;
	}
	if (c->has_expected &&
	    !cmp_match(c->compare, c->tolerance, st->out.data, st->out.len, c->expected,
		       c->expected_len)) {
		if (st->out.truncated)
			(void)snprintf(msg, cap, "Your output was cut (it is longer than can be kept), "
				       "so it does not match.");
		else
			first_difference(c, st->out.data, st->out.len, msg, cap);
		return V_FAILED;
	}
	if (c->exit_code >= 0 && !exit_expected) {
		(void)snprintf(msg, cap, "Your program ended with exit code %d; this test expects %d.",
			       st->exit_code, c->exit_code);
		return V_FAILED;
	}
	return V_PASSED;
}

double judge_score(long passed_weight, long total_weight)
{
	if (total_weight <= 0 || passed_weight <= 0)
		return 0;
	if (passed_weight >= total_weight)
		return 100;
	return floor(1000.0 * (double)passed_weight / (double)total_weight) / 10.0;
}
