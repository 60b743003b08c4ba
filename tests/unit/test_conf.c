/* runbox.conf parsing: defaults, values, ranges, file:line errors, env overrides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"

static void test_defaults(void **state)
{
	struct conf c;

	(void)state;
	conf_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_int_equal(c.limits.memory_bytes, 128L << 20);
	assert_int_equal(c.limits.nano_cpus, 1000000000L);
	assert_int_equal(c.limits.pids, 64);
	assert_int_equal(c.limits.wall_ms, 10000);
	assert_int_equal(c.limits.stdout_cap, 1L << 20);
	assert_int_equal(c.max_code_bytes, 100 * 1024);
}

static void test_parse_values(void **state)
{
	struct conf c;
	struct err e;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_parse(&c, "# comment\n\nmemory_mb = 256  # inline\ncpus=1.25\n"
				    "listen = 0.0.0.0:9000\nagent_path = build/agent\n"
				    "db_path = /abs/x.db\n", "/etc/rb", "t.conf", &e), 0);
	assert_int_equal(c.limits.memory_bytes, 256L << 20);
	assert_int_equal(c.limits.nano_cpus, 1250000000L);
	assert_string_equal(c.listen, "0.0.0.0:9000");
	assert_string_equal(c.agent_path, "/etc/rb/build/agent"); /* relative to the file */
	assert_string_equal(c.db_path, "/abs/x.db");
}

static void test_errors_name_file_and_line(void **state)
{
	struct conf c;
	struct err e;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_parse(&c, "pids = 64\nbogus = 1\n", "", "t.conf", &e), RC_CONFIG);
	assert_string_equal(e.msg, "t.conf:2: unknown setting 'bogus'");
	assert_int_equal(conf_parse(&c, "\n\n\nmemory_mb = lots\n", "", "t.conf", &e), RC_CONFIG);
	assert_non_null(strstr(e.msg, "t.conf:4: memory_mb must be a whole number"));
	assert_int_equal(conf_parse(&c, "pids 64\n", "", "t.conf", &e), RC_CONFIG);
	assert_non_null(strstr(e.msg, "t.conf:1: expected"));
}

static void test_ranges(void **state)
{
	struct conf c;
	struct err e;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_set(&c, "pids", "0", NULL, &e), RC_CONFIG);
	assert_int_equal(conf_set(&c, "pids", "-1", NULL, &e), RC_CONFIG);
	assert_int_equal(conf_set(&c, "wall_ms", "99999999999999999999", NULL, &e), RC_CONFIG);
	assert_int_equal(conf_set(&c, "cpus", "0", NULL, &e), RC_CONFIG);
	assert_int_equal(conf_set(&c, "cpus", "1e3", NULL, &e), RC_CONFIG);
	assert_int_equal(conf_set(&c, "cpus", "0.0000000001", NULL, &e), RC_CONFIG);
	assert_int_equal(conf_set(&c, "fcgi_processes", "8x", NULL, &e), RC_CONFIG);
	assert_int_equal(c.limits.pids, 64); /* unchanged by refused values */
	assert_int_equal(conf_set(&c, "fcgi_processes", "8", NULL, &e), 0);
	assert_int_equal(c.fcgi_processes, 8);
}

static void test_env_override(void **state)
{
	struct conf c;
	struct err e;

	(void)state;
	conf_defaults(&c);
	setenv("RUNBOX_FCGI_PROCESSES", "7", 1);
	setenv("RUNBOX_RUN_DIR", "/tmp/rbx", 1);
	assert_int_equal(conf_load(&c, NULL, &e), 0);
	assert_int_equal(c.fcgi_processes, 7);
	assert_string_equal(c.fcgi_socket, "/tmp/rbx/fcgi.sock"); /* derived */
	setenv("RUNBOX_PIDS", "nope", 1);
	assert_int_equal(conf_load(&c, NULL, &e), RC_CONFIG);
	assert_non_null(strstr(e.msg, "RUNBOX_PIDS"));
	unsetenv("RUNBOX_FCGI_PROCESSES");
	unsetenv("RUNBOX_RUN_DIR");
	unsetenv("RUNBOX_PIDS");
}

static void test_shipped_file_loads(void **state)
{
	struct conf c, d;
	struct err e;

	(void)state;
	conf_defaults(&c);
	conf_defaults(&d);
	/* The documented file states the defaults: loading it changes no limit. */
	assert_int_equal(conf_load(&c, "runbox.conf", &e), 0);
	assert_memory_equal(&c.limits, &d.limits, sizeof c.limits);
	assert_int_equal(c.max_code_bytes, d.max_code_bytes);
	assert_int_equal(c.fcgi_processes, d.fcgi_processes);
}

static void test_auto_processes(void **state)
{
	(void)state;
	/* 2 per core when memory allows */
	assert_int_equal(conf_auto_processes(2, 8LL << 30), 4);
	assert_int_equal(conf_auto_processes(8, 64LL << 30), 16);
	/* memory-bound: (1536 - 512) / 256 = 4 even with 8 cores */
	assert_int_equal(conf_auto_processes(8, 1536LL << 20), 4);
	/* never below 2, never above 64 */
	assert_int_equal(conf_auto_processes(1, 600LL << 20), 2);
	assert_int_equal(conf_auto_processes(0, 0), 2);
	assert_int_equal(conf_auto_processes(128, 1LL << 40), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_processes),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_env_override),
		cmocka_unit_test(test_shipped_file_loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
