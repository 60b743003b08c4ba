/*
 * admin_results: `runbox results --exercise ID [--user USER] [--csv]`, the teacher's table
 * of an exercise: per student, attempts, best and latest score, the latest attempt's
 * counts and run id, as a table, CSV (for a spreadsheet) or JSON.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "admin_fmt.h"
#include "run_json.h"

/* A score as the table shows it: "66.6", "100". */
static void fmt_score(double v, char *buf, size_t cap)
{
	(void)snprintf(buf, cap, "%.1f", v);
	if (strlen(buf) > 2 && strcmp(buf + strlen(buf) - 2, ".0") == 0)
		buf[strlen(buf) - 2] = '\0';
}

/* A field for CSV (RFC 4180): quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
	} else {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	}
	fputc(last ? '\n' : ',', f);
}

/* UTC, ISO 8601, for CSV: a spreadsheet reads it whatever the server's time zone. */
static void iso_time(long long ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

static int print_csv(const struct result_row *rows, size_t n)
{
	static const char *const heads[] = { "user", "attempts", "best_score", "latest_score",
					     "latest_passed", "latest_total", "first_attempt",
					     "last_attempt", "latest_run" };
	char b[9][64];

	for (size_t k = 0; k < 9; k++)
		csv_field(stdout, heads[k], k == 8);
	for (size_t i = 0; i < n; i++) {
		const struct result_row *r = &rows[i];

		(void)snprintf(b[1], sizeof b[1], "%lld", r->attempts);
		fmt_score(r->best, b[2], sizeof b[2]);
		fmt_score(r->latest, b[3], sizeof b[3]);
		(void)snprintf(b[4], sizeof b[4], "%lld", r->latest_passed);
		(void)snprintf(b[5], sizeof b[5], "%lld", r->latest_total);
		iso_time(r->first_ms, b[6], sizeof b[6]);
		iso_time(r->last_ms, b[7], sizeof b[7]);
		csv_field(stdout, r->user ? r->user : "", 0);
		for (size_t k = 1; k < 8; k++)
			csv_field(stdout, b[k], 0);
		csv_field(stdout, r->latest_run ? r->latest_run : "", 1);
	}
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}

static int print_table(const char *id, const struct result_row *rows, size_t n)
{
	static const char *const heads[] = { "USER", "ATTEMPTS", "BEST", "LATEST", "PASSED",
					     "LAST ATTEMPT", "LATEST RUN" };
	struct table t;
	int rc = 0;

	table_init(&t, 7, heads, "lrrrrll");
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct result_row *r = &rows[i];
		char att[24], best[16], latest[16], passed[48], last[32];

		(void)snprintf(att, sizeof att, "%lld", r->attempts);
		fmt_score(r->best, best, sizeof best);
		fmt_score(r->latest, latest, sizeof latest);
		(void)snprintf(passed, sizeof passed, "%lld/%lld", r->latest_passed, r->latest_total);
		fmt_time(r->last_ms, last, sizeof last);
		rc = table_row(&t, r->user, att, best, latest, passed, last, r->latest_run);
	}
	if (rc == 0)
		rc = table_note(&t, "Scores are percent of the tests' weights. 'runbox run RUN_ID' "
				"shows a student's latest code; 'runbox results --exercise %s --csv' "
				"gives this table for a spreadsheet.", id);
	if (rc == 0)
		rc = table_print(&t, stdout);
	table_release(&t);
	return rc == 0 ? EX_OK : admin_nomem();
}

int admin_results(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *user = NULL;
	int csv = 0, rc;
	const struct opt opts[] = {
		{ "--exercise", &id, NULL }, { "--user", &user, NULL }, { "--csv", NULL, &csv },
		{ NULL, NULL, NULL },
	};
	struct exercise_row x = { 0 };
	struct result_row *rows = NULL;
	struct err e;
	size_t n = 0;

	if ((rc = admin_parse(cli, argc, argv, opts, NULL, NULL, 0)) != 0)
		return rc;
	if (id == NULL)
		return admin_usage_error(cli, "say which exercise with --exercise ID");
	if (csv && cli->json)
		return admin_usage_error(cli, "--csv and --json do not go together: choose one");
	if ((rc = admin_open(cli)) != 0)
		return rc;
	err_init(&e);
	rc = store_results(cli->store, id, user, &rows, &n, &e);
	if (rc != 0)
		return admin_store_fail(rc, &e);
	/* No attempts at an exercise nobody has: say that, not "no results". */
	if (n == 0 && (rc = store_exercise_get(cli->store, id, 0, &x, &e)) == RC_NOT_FOUND) {
		fprintf(stderr, "runbox: there is no exercise '%s' (see 'runbox exercise list')\n", id);
		result_rows_free(rows, n);
		return EX_FAIL;
	}
	exercise_row_release(&x);
	if (cli->json)
		rc = admin_print_json(results_json(id, rows, n));
	else if (csv)
		rc = print_csv(rows, n);
	else if (n == 0)
		printf(user ? "%s has not tried exercise '%s' yet.\n" : "%sNobody has tried exercise "
		       "'%s' yet.\n", user ? user : "", id);
	else
		rc = print_table(id, rows, n);
	result_rows_free(rows, n);
	return rc;
}
