/* Limits -> container configuration: every hardening setting is present, and a request
 * can lower limits but never raise or disable them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "limits.h"

static json_t *config(const struct limits *l, const char *seccomp)
{
	struct container_spec s = { "runbox/python:latest", "test", "python", "/opt/agent",
				    seccomp, 1700000000, "test:4242", "run", "/run/rb/suites" };

	return limits_container_config(l, &s);
}

static json_t *host(json_t *cfg)
{
	return json_object_get(cfg, "HostConfig");
}

static void test_hardening(void **state)
{
	struct conf c;
	json_t *cfg, *h, *secopt, *mounts;
	const char *tmp;

	(void)state;
	conf_defaults(&c);
	cfg = config(&c.limits, "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
	assert_non_null(cfg);
	h = host(cfg);
	assert_int_equal(json_integer_value(json_object_get(h, "Memory")), 128L << 20);
	assert_int_equal(json_integer_value(json_object_get(h, "MemorySwap")), 128L << 20);
	assert_int_equal(json_integer_value(json_object_get(h, "NanoCpus")), 1000000000);
	assert_int_equal(json_integer_value(json_object_get(h, "PidsLimit")), 64);
	assert_string_equal(json_string_value(json_object_get(h, "NetworkMode")), "none");
	assert_true(json_is_true(json_object_get(h, "ReadonlyRootfs")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(h, "CapDrop"), 0)), "ALL");
	secopt = json_object_get(h, "SecurityOpt");
	assert_string_equal(json_string_value(json_array_get(secopt, 0)), "no-new-privileges");
	assert_string_equal(json_string_value(json_array_get(secopt, 1)),
			    "seccomp={\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
	assert_string_equal(json_string_value(json_object_get(cfg, "User")), "10000:10000");
	assert_true(json_is_true(json_object_get(cfg, "NetworkDisabled")));
	assert_true(json_is_true(json_object_get(cfg, "OpenStdin")));
	assert_true(json_is_true(json_object_get(cfg, "StdinOnce")));
	assert_false(json_is_true(json_object_get(cfg, "Tty")));
	tmp = json_string_value(json_object_get(json_object_get(h, "Tmpfs"), "/work"));
	assert_non_null(strstr(tmp, "size=16777216"));
	assert_non_null(strstr(tmp, "nosuid"));
	assert_non_null(strstr(tmp, "uid=10000"));
	assert_non_null(strstr(tmp, ",exec,"));  /* compiled programs run from /work */
	tmp = json_string_value(json_object_get(json_object_get(h, "Tmpfs"), "/tmp"));
	assert_non_null(strstr(tmp, "size=16777216"));
	assert_null(strstr(tmp, "exec"));        /* /tmp keeps Docker's noexec */
	mounts = json_object_get(h, "Mounts");
	assert_string_equal(json_string_value(json_object_get(json_array_get(mounts, 0), "Source")), "/opt/agent");
	assert_true(json_is_true(json_object_get(json_array_get(mounts, 0), "ReadOnly")));
	/* The teachers' suites: read-only at /suites, and nothing else mounted. */
	assert_int_equal(json_array_size(mounts), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(mounts, 1), "Source")),
			    "/run/rb/suites");
	assert_string_equal(json_string_value(json_object_get(json_array_get(mounts, 1), "Target")),
			    "/suites");
	assert_true(json_is_true(json_object_get(json_array_get(mounts, 1), "ReadOnly")));
	assert_string_equal(json_string_value(json_object_get(h, "LogConfig") ?
		json_object_get(json_object_get(h, "LogConfig"), "Type") : NULL), "none");
	assert_string_equal(json_string_value(json_object_get(json_object_get(cfg, "Labels"),
							      "runbox.instance")), "test");
	assert_string_equal(json_string_value(json_object_get(json_object_get(cfg, "Labels"),
							      "runbox.created")), "1700000000");
	assert_string_equal(json_string_value(json_object_get(json_object_get(cfg, "Labels"),
							      "runbox.owner")), "test:4242");
	assert_string_equal(json_string_value(json_array_get(json_object_get(cfg, "Entrypoint"), 0)),
			    "/runbox/agent");
	json_decref(cfg);
}

static void test_no_seccomp_text(void **state)
{
	struct conf c;
	json_t *cfg;

	(void)state;
	conf_defaults(&c);
	cfg = config(&c.limits, NULL);
	assert_int_equal(json_array_size(json_object_get(host(cfg), "SecurityOpt")), 1);
	json_decref(cfg);
}

static void test_configured_values_flow(void **state)
{
	struct conf c;
	struct err e;
	json_t *cfg;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_parse(&c, "memory_mb = 64\ncpus = 2\npids = 10\nrun_uid = 4242\n",
				    "", "t", &e), 0);
	cfg = config(&c.limits, NULL);
	assert_int_equal(json_integer_value(json_object_get(host(cfg), "Memory")), 64L << 20);
	assert_int_equal(json_integer_value(json_object_get(host(cfg), "NanoCpus")), 2000000000L);
	assert_int_equal(json_integer_value(json_object_get(host(cfg), "PidsLimit")), 10);
	assert_string_equal(json_string_value(json_object_get(cfg, "User")), "4242:4242");
	json_decref(cfg);
}

static void test_clamp(void **state)
{
	struct conf c;
	struct limits want, out;

	(void)state;
	conf_defaults(&c);
	memset(&want, 0, sizeof want);
	want.wall_ms = 2000;        /* lower: kept */
	want.memory_bytes = 1L << 40; /* higher: capped */
	want.pids = -1;             /* "off": the maximum */
	want.run_uid = 0;           /* never from a request */
	limits_clamp(&out, &want, &c.limits);
	assert_int_equal(out.wall_ms, 2000);
	assert_int_equal(out.memory_bytes, c.limits.memory_bytes);
	assert_int_equal(out.pids, c.limits.pids);
	assert_int_equal(out.cpu_ms, c.limits.cpu_ms);
	assert_int_equal(out.run_uid, 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardening),
		cmocka_unit_test(test_no_seccomp_text),
		cmocka_unit_test(test_configured_values_flow),
		cmocka_unit_test(test_clamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
