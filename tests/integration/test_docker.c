/*
 * Integration tests of the core against the real Docker daemon: each test runs a real
 * Python or C program in a real hardened container through run_exec, as the server does.
 * Needs dockerd, the runbox/python and runbox/gcc images and `make` (agent, seccomp
 * profile); run from the repository root (`make integration`).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "run.h"

static struct conf conf;

static int setup(void **state)
{
	struct runner *r;
	struct err e;

	conf_defaults(&conf);
	/* A label of our own, so the leftover check sees only this suite's containers. */
	setenv("RUNBOX_INSTANCE", "itest", 1);
	if (conf_load(&conf, "runbox.conf", &e) != 0 || lang_load(conf.languages, &e) != 0 ||
	    dk_global_init() != 0) {
		fprintf(stderr, "config: %s\n", e.msg);
		return -1;
	}
	if (runner_open(&r, &conf, &e) != 0) {
		fprintf(stderr, "runner: %s\n", e.msg);
		return -1;
	}
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	runner_close(*state);
	return 0;
}

/* Run code; returns run_exec's rc. The caller releases res. */
static int run_py_limits(struct runner *r, const char *code, const char *in, const struct limits *l,
			 struct run_result *res)
{
	struct run_file f = { "main.py", (const unsigned char *)code, strlen(code) };
	struct run_request req = {
		.run_id = "itest", .lang = lang_find("python"), .files = &f, .nfiles = 1,
		.stdin_data = (const unsigned char *)in, .stdin_len = in ? strlen(in) : 0,
		.limits = *l, .cancel_fd = -1,
	};
	struct err e;
	int rc;

	err_init(&e);
	run_result_init(res, l);
	rc = run_exec(r, &req, res, &e);
	if (rc != 0)
		fprintf(stderr, "run_exec: %s: %s\n", rc_name(rc), e.msg);
	run_dispose(r, res);
	return rc;
}

static int run_py(struct runner *r, const char *code, const char *in, struct run_result *res)
{
	return run_py_limits(r, code, in, &conf.limits, res);
}

static void assert_out(const struct buf *b, const char *want)
{
	if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0)
		fail_msg("got \"%.*s\", want \"%s\"", (int)b->len, b->data ? (char *)b->data : "", want);
}

/* Run code; it must end ok and print exactly want. */
static void assert_py_prints(struct runner *r, const char *code, const char *want)
{
	struct run_result res;

	assert_int_equal(run_py(r, code, NULL, &res), 0);
	assert_int_equal(res.status, STATUS_OK);
	assert_out(&res.run.out, want);
	run_result_release(&res);
}

static void test_stdout_stderr_separate(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state, "import sys\nprint('to out')\nprint('to err', file=sys.stderr)\n"
				"print('more out')\n", NULL, &res), 0);
	assert_int_equal(res.status, STATUS_OK);
	assert_out(&res.run.out, "to out\nmore out\n");
	assert_out(&res.run.err, "to err\n");
	assert_int_equal(res.run.exit_code, 0);
	assert_true(res.run.mem_bytes > 1 << 20); /* a real measurement, not zero */
	run_result_release(&res);
}

static void test_exit_codes(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state, "import sys; sys.exit(3)", NULL, &res), 0);
	assert_int_equal(res.status, STATUS_RUNTIME_ERROR);
	assert_int_equal(res.run.exit_code, 3);
	run_result_release(&res);
	assert_int_equal(run_py(*state, "raise ValueError('boom')", NULL, &res), 0);
	assert_int_equal(res.status, STATUS_RUNTIME_ERROR);
	assert_int_equal(res.run.exit_code, 1);
	assert_non_null(strstr((char *)res.run.err.data, "ValueError: boom"));
	run_result_release(&res);
	assert_int_equal(run_py(*state, "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
				NULL, &res), 0);
	assert_int_equal(res.status, STATUS_RUNTIME_ERROR);
	assert_int_equal(res.run.signal, 11);
	run_result_release(&res);
}

static void test_stdin(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state, "import sys\nfor line in sys.stdin: print(line.strip()[::-1])",
				"abc\nhello\n", &res), 0);
	assert_int_equal(res.status, STATUS_OK);
	assert_out(&res.run.out, "cba\nolleh\n");
	run_result_release(&res);
}

static void test_timeout(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state, "while True: pass", NULL, &res), 0);
	assert_int_equal(res.status, STATUS_TIMEOUT);
	assert_true(res.total_ms < 15000);
	run_result_release(&res);
}

static void test_sleep_forever_is_wall_time(void **state)
{
	struct run_result res;
	struct limits l = conf.limits;

	l.wall_ms = 2000;
	assert_int_equal(run_py_limits(*state, "import time\nprint('start', flush=True)\ntime.sleep(1000)",
				       NULL, &l, &res), 0);
	assert_int_equal(res.status, STATUS_TIMEOUT);
	assert_int_equal(res.run.reason, REASON_WALL);
	assert_out(&res.run.out, "start\n"); /* output up to the kill is kept */
	assert_true(res.total_ms < 7000);
	run_result_release(&res);
}

static void test_memory_bomb(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state, "chunks = []\nwhile True: chunks.append(bytearray(8 << 20))",
				NULL, &res), 0);
	assert_int_equal(res.status, STATUS_MEMORY_LIMIT);
	run_result_release(&res);
}

static void test_output_flood(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state, "import sys\nwhile True: sys.stdout.write('x' * 65536)",
				NULL, &res), 0);
	assert_int_equal(res.status, STATUS_OUTPUT_LIMIT);
	assert_int_equal(res.run.out.len, (size_t)conf.limits.stdout_cap); /* exactly the cap */
	assert_true(res.run.out.truncated);
	assert_false(res.run.err.truncated);
	assert_true(res.total_ms < 5000); /* stopped at the cap, not at the time limit */
	run_result_release(&res);
}

static void test_stderr_flood(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state, "import sys\nwhile True: sys.stderr.write('e' * 4096)",
				NULL, &res), 0);
	assert_int_equal(res.status, STATUS_OUTPUT_LIMIT);
	assert_int_equal(res.run.err.len, (size_t)conf.limits.stderr_cap);
	assert_true(res.run.err.truncated);
	assert_false(res.run.out.truncated);
	run_result_release(&res);
}

static void test_no_network(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state,
		"import socket\n"
		"print(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]))\n"
		"for host in ['1.1.1.1', '172.17.0.1', '169.254.169.254', '127.0.0.1']:\n"
		"    s = socket.socket(); s.settimeout(1)\n"
		"    try:\n"
		"        s.connect((host, 80)); print('reached', host)\n"
		"    except OSError as e: print('blocked', host)\n"
		"try:\n"
		"    socket.getaddrinfo('deb.debian.org', 80); print('dns works')\n"
		"except OSError: print('no dns')\n", NULL, &res), 0);
	assert_int_equal(res.status, STATUS_OK);
	assert_out(&res.run.out, "['lo']\nblocked 1.1.1.1\nblocked 172.17.0.1\nblocked 169.254.169.254\n"
			      "blocked 127.0.0.1\nno dns\n");
	run_result_release(&res);
}

static void test_read_only_root_and_tmpfs(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state,
		"import os\n"
		"for p in ['/etc/x', '/usr/x', '/x', '/runbox/x']:\n"
		"    try:\n"
		"        open(p, 'w'); print('wrote', p)\n"
		"    except OSError as e: print('refused', p, e.errno)\n"
		"open('/work/ok', 'w').write('a'); open('/tmp/ok', 'w').write('b')\n"
		"print(open('/work/ok').read() + open('/tmp/ok').read())\n"
		"try:\n"
		"    open('/work/big', 'wb').write(b'x' * (64 << 20)); print('wrote 64 MB')\n"
		"except OSError as e: print('full', e.errno)\n", NULL, &res), 0);
	/* 30 = EROFS, 13 = EACCES (/runbox is a read-only bind), 28 = ENOSPC or 27 = EFBIG */
	assert_int_equal(res.status, STATUS_OK);
	assert_non_null(strstr((char *)res.run.out.data, "refused /etc/x 30\nrefused /usr/x 30\nrefused /x 30\n"));
	assert_non_null(strstr((char *)res.run.out.data, "ab\n"));
	assert_null(strstr((char *)res.run.out.data, "wrote"));
	run_result_release(&res);
}

static void test_non_root_no_caps(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state,
		"import os\n"
		"print(os.getuid(), os.geteuid(), os.getgid())\n"
		"st = dict(l.split(':\\t') for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)\n"
		"print(st['CapEff'].strip(), st['CapBnd'].strip(), st['NoNewPrivs'].strip())\n", NULL, &res), 0);
	assert_int_equal(res.status, STATUS_OK);
	assert_out(&res.run.out, "10000 10000 10000\n0000000000000000 0000000000000000 1\n");
	run_result_release(&res);
}

static void test_seccomp_profile(void **state)
{
	/* io_uring_setup is syscall 425 on x86-64; AF_VSOCK is family 40. */
	assert_py_prints(*state,
		"import ctypes, os, socket\n"
		"libc = ctypes.CDLL(None, use_errno=True)\n"
		"params = ctypes.create_string_buffer(120)\n"
		"r = libc.syscall(425, 4, params)\n"
		"print('io_uring', r, ctypes.get_errno())\n"
		"try:\n"
		"    socket.socket(40, socket.SOCK_STREAM); print('vsock allowed')\n"
		"except OSError as e: print('vsock', e.errno)\n"
		"socket.socket(socket.AF_UNIX); print('unix ok')\n",
		"io_uring -1 1\nvsock 1\nunix ok\n");
}

static void test_children_do_not_hold_the_run(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state,
		"import os, time\n"
		"if os.fork() == 0:\n"
		"    os.setsid()\n"
		"    time.sleep(1000)\n"
		"print('parent done')\n", NULL, &res), 0);
	assert_int_equal(res.status, STATUS_OK);
	assert_out(&res.run.out, "parent done\n");
	assert_true(res.total_ms < 5000);
	run_result_release(&res);
}

/* User code prints bytes shaped like agent frames (a stage report saying exit 0 and a
 * done frame) and then fails: the server must report the failure, with the fake frames
 * as plain output. It also cannot reach the agent's descriptors or memory. */
static void test_forged_frames_not_believed(void **state)
{
	struct run_result res;

	assert_int_equal(run_py(*state,
		"import os, sys\n"
		"def frame(t, p): return t + len(p).to_bytes(4, 'big') + p\n"
		"fake = frame(b'S', b'stage=run\\nexit=0\\nreason=exit\\n') + frame(b'D', b'')\n"
		"sys.stdout.buffer.write(fake); sys.stdout.flush()\n"
		"for path in ['/proc/1/fd/1', '/proc/1/mem', '/proc/1/environ']:\n"
		"    try:\n"
		"        open(path, 'wb' if 'fd' in path else 'rb').write(fake) if 'fd' in path else open(path, 'rb').read(1)\n"
		"        print('opened', path, file=sys.stderr)\n"
		"    except OSError as e: print('denied', path, e.errno, file=sys.stderr)\n"
		"sys.exit(7)\n", NULL, &res), 0);
	assert_int_equal(res.status, STATUS_RUNTIME_ERROR);
	assert_int_equal(res.run.exit_code, 7);
	assert_int_equal(res.run.out.len, 5 + 29 + 5);
	assert_memory_equal(res.run.out.data, "S\0\0\0\x1dstage=run\nexit=0\nreason=exit\n", 34);
	assert_out(&res.run.err, "denied /proc/1/fd/1 13\ndenied /proc/1/mem 13\ndenied /proc/1/environ 13\n");
	run_result_release(&res);
}

static void test_docker_unreachable(void **state)
{
	struct conf c = conf;
	struct runner *r;
	struct run_result res;
	struct err e;

	(void)state;
	(void)snprintf(c.docker_socket, sizeof c.docker_socket, "/nonexistent/docker.sock");
	assert_int_equal(runner_open(&r, &c, &e), 0);
	assert_int_equal(run_py(r, "print(1)", NULL, &res), RC_DOCKER_DOWN);
	run_result_release(&res);
	runner_close(r);
}

static void test_image_missing(void **state)
{
	struct lang l = *lang_find("python");
	struct run_file f = { "main.py", (const unsigned char *)"print(1)", 8 };
	struct run_request req = { .run_id = "itest", .lang = &l, .files = &f, .nfiles = 1,
				   .limits = conf.limits, .cancel_fd = -1 };
	struct run_result res;
	struct err e;

	(void)snprintf(l.image, sizeof l.image, "runbox/not-built:latest");
	run_result_init(&res, &conf.limits);
	assert_int_equal(run_exec(*state, &req, &res, &e), RC_IMAGE_MISSING);
	run_dispose(*state, &res);
	run_result_release(&res);
}

/* The program runs below the agent's priority, so spinning children cannot delay the
 * agent at the wall limit, and it cannot raise its priority again. */
static void test_program_runs_below_the_agent(void **state)
{
	assert_py_prints(*state,
		"import os\n"
		"print(os.nice(0))\n"
		"try:\n"
		"    os.nice(-1)\n"
		"    print('raised')\n"
		"except PermissionError:\n"
		"    print('refused')\n",
		"19\nrefused\n");
}

/* A C program through both stages in the gcc image: compile_sh runs as the compile stage
 * (a shell line, so it can show what the compiler's stage sees), then ./main. The compile
 * stage gets compile_mb, the run stage run_mb. Returns run_exec's rc. */
static int run_c(struct runner *r, const char *code, const char *compile_sh, long compile_mb,
		 long run_mb, struct run_result *res)
{
	struct run_file f = { "main.c", (const unsigned char *)code, strlen(code) };
	const char *compile_argv[] = { "sh", "-c", compile_sh, NULL };
	static const char *const run_argv[] = { "./main", NULL };
	struct run_request req = {
		.run_id = "itest", .lang = lang_find("c"), .files = &f, .nfiles = 1,
		.limits = conf.limits, .cancel_fd = -1, .compile_argv = compile_argv,
		.run_argv = run_argv, .compile_memory_bytes = compile_mb << 20,
	};
	struct err e;
	int rc;

	req.limits.memory_bytes = run_mb << 20;
	err_init(&e);
	run_result_init(res, &req.limits);
	rc = run_exec(r, &req, res, &e);
	if (rc != 0)
		fprintf(stderr, "run_exec: %s: %s\n", rc_name(rc), e.msg);
	run_dispose(r, res);
	return rc;
}

/* The largest number on a line of b (the hogs print the MB they hold), or -1. */
static long max_line(const struct buf *b)
{
	long best = -1;
	size_t i = 0;

	while (i < b->len) {
		char *end;
		long v = strtol((const char *)b->data + i, &end, 10);
		const char *nl = memchr(b->data + i, '\n', b->len - i);

		if (end != (const char *)b->data + i && v > best)
			best = v;
		if (nl == NULL)
			break;
		i = (size_t)(nl - (const char *)b->data) + 1;
	}
	return best;
}

#define CG_LIMIT "/sys/fs/cgroup/memory/memory.limit_in_bytes"
#define PRINT_LIMIT \
	"#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n" \
	"static char *volatile sink;\n" \
	"int main(void) {\n" \
	"    char lim[32] = \"?\";\n" \
	"    FILE *f = fopen(\"" CG_LIMIT "\", \"r\");\n" \
	"    if (f) { if (!fgets(lim, sizeof lim, f)) lim[0] = 0; fclose(f); }\n" \
	"    printf(\"limit %s\", lim);\n"

/* The compile stage has the compiler's memory; the program gets its own, set in the
 * kernel before it starts: a program that touches memory as fast as it can is stopped by
 * the kernel at its limit, never past it, whatever the machine's speed. */
static void test_compiled_program_held_by_the_kernel(void **state)
{
	struct run_result res;
	char want[64];

	assert_int_equal(run_c(*state, PRINT_LIMIT
			       "    fflush(stdout);\n"
			       "    for (int mb = 1;; mb++) {\n"
			       "        char *p = malloc(1 << 20);\n"
			       "        if (!p) return 2;\n"
			       "        memset(p, 1, 1 << 20);\n"
			       "        sink = p;\n"
			       "        printf(\"%d\\n\", mb);\n"
			       "        fflush(stdout);\n"
			       "    }\n"
			       "}\n",
			       "cat " CG_LIMIT " && gcc -O1 -o main main.c", 384, 64, &res), 0);
	assert_int_equal(res.status, STATUS_MEMORY_LIMIT);
	assert_int_equal(res.run.reason, REASON_MEMORY);
	assert_out(&res.compile.out, "402653184\n");
	(void)snprintf(want, sizeof want, "limit %ld\n", 64L << 20);
	assert_true(res.run.out.len > strlen(want));
	assert_memory_equal(res.run.out.data, want, strlen(want));
	assert_true(max_line(&res.run.out) > 32);  /* it got going */
	assert_true(max_line(&res.run.out) <= 64); /* and never past the limit */
	assert_true(res.run.mem_bytes <= 64L << 20);
	assert_true(res.limit_lowered);
	run_result_release(&res);
}

/* When the compiler needs no more than the program, nothing is lowered. */
static void test_one_limit_when_the_compiler_needs_less(void **state)
{
	struct run_result res;

	assert_int_equal(run_c(*state, PRINT_LIMIT "    return 0;\n}\n",
			       "cat " CG_LIMIT " && gcc -O1 -o main main.c", 64, 128, &res), 0);
	assert_int_equal(res.status, STATUS_OK);
	assert_out(&res.compile.out, "134217728\n");
	assert_out(&res.run.out, "limit 134217728\n");
	assert_false(res.limit_lowered);
	run_result_release(&res);
}

/* What the compile stage leaves in the container's memory (files in /work and /tmp)
 * cannot be reclaimed: if it is more than the run stage may have, the limit cannot be
 * lowered and the program is not run. */
static void test_limit_that_cannot_be_lowered_runs_nothing(void **state)
{
	struct run_result res;

	assert_int_equal(run_c(*state, "int main(void) { return 0; }\n",
			       "head -c 12000000 /dev/zero > /work/a && head -c 12000000 /dev/zero > /tmp/b"
			       " && gcc -o main main.c", 384, 16, &res), 0);
	assert_int_equal(res.status, STATUS_INTERNAL_ERROR);
	assert_true(res.compile.ran);
	assert_false(res.run.ran);
	assert_non_null(strstr(res.agent_error, "run stage's limit"));
	run_result_release(&res);
}

/* A job checks that its container has exactly the limit it was created with: a warm
 * container whose limit was changed (a lowered run limit not set back) runs nothing. */
static void test_container_limit_not_set_back_runs_nothing(void **state)
{
	struct runner *r = *state;
	struct run_file f = { "main.py", (const unsigned char *)"print(1)", 8 };
	struct run_request req = { .run_id = "itest", .lang = lang_find("python"), .files = &f,
				   .nfiles = 1, .limits = conf.limits, .cancel_fd = -1 };
	char id[DK_ID_MAX];
	struct run_result res;
	struct err e;

	assert_int_equal(run_prestart(r, &req, id, &e), 0);
	assert_int_equal(dk_update_memory(runner_docker(r), id, 2 * conf.limits.memory_bytes, &e), 0);
	req.container = id;
	run_result_init(&res, &req.limits);
	assert_int_equal(run_exec(r, &req, &res, &e), 0);
	run_dispose(r, &res);
	assert_int_equal(res.status, STATUS_INTERNAL_ERROR);
	assert_false(res.run.ran);
	assert_non_null(strstr(res.agent_error, "memory limit is 256 MB"));
	run_result_release(&res);
}

/* One job of a reused container (reuse: the agent resets and proves the container after
 * it). The caller releases res. */
static void run_reused(struct runner *r, const char *id, struct dk_stream *s, const char *code,
		       const char *in, const struct limits *l, struct run_result *res)
{
	struct run_file f = { "main.py", (const unsigned char *)code, strlen(code) };
	struct run_request req = { .run_id = "itest", .lang = lang_find("python"), .files = &f,
				   .nfiles = 1, .limits = *l, .cancel_fd = -1,
				   .stdin_data = (const unsigned char *)in, .stdin_len = in ? strlen(in) : 0,
				   .container = id, .reuse = true, .stream = s };
	struct err e;

	err_init(&e);
	run_result_init(res, l);
	assert_int_equal(run_exec(r, &req, res, &e), 0);
	assert_true(res->job_done);
}

/* Everything a job can leave in a container, made by the first job. */
static const char *const leave_behind =
	"import ctypes, os, signal, socket, time\n"
	"libc = ctypes.CDLL(None, use_errno=True)\n"
	"if os.fork() == 0:\n"
	"    os.setsid()\n"
	"    if os.fork() == 0:\n"
	"        time.sleep(1000)\n"
	"    os._exit(0)\n"
	"pid = os.fork()\n"
	"if pid == 0:\n"
	"    time.sleep(1000)\n"
	"os.kill(pid, signal.SIGSTOP)\n"
	"open('/work/.hidden', 'w').write('x')\n"
	"os.makedirs('/work/a/b/c/d/e/f/g')\n"
	"open('/work/a/b/c/d/e/f/g/deep', 'w').write('y' * 100000)\n"
	"os.mkdir('/work/locked'); open('/work/locked/in', 'w').write('z'); os.chmod('/work/locked', 0)\n"
	"os.mkfifo('/tmp/fifo')\n"
	"os.symlink('/etc/passwd', '/work/link')\n"
	"os.symlink('/work', '/tmp/loop')\n"
	"with open('/tmp/sparse', 'wb') as f: f.truncate(15 << 20)\n"
	"open('/dev/shm/shared', 'w').write('s' * 4096)\n"
	"u = socket.socket(socket.AF_UNIX); u.bind('/tmp/sock'); u.listen()\n"
	"a = socket.socket(socket.AF_UNIX); a.bind('\\0runbox-left'); a.listen()\n"
	"t = socket.socket(); t.bind(('127.0.0.1', 4242)); t.listen()\n"
	"assert libc.shmget(1234, 4096, 0o1600) >= 0\n"
	"assert libc.semget(1235, 1, 0o1600) >= 0\n"
	"assert libc.msgget(1236, 0o1600) >= 0\n"
	"libc.mq_open.restype = ctypes.c_int\n"
	"assert libc.mq_open(b'/left', os.O_CREAT | os.O_RDWR, 0o600, None) >= 0\n"
	"os.umask(0)\n"
	"try: os.setxattr('/work', 'user.left', b'x')\n"
	"except OSError: pass\n"
	"t0 = time.process_time()\n"
	"while time.process_time() - t0 < 0.5: pass\n"
	"print('left', flush=True)\n";

/* What the next job on the same container must see: none of it. */
static const char *const see_nothing =
	"import os, socket, sys\n"
	"assert sys.stdin.read() == 'abc'\n"
	"assert sorted(os.listdir('/work')) == ['main.py'], os.listdir('/work')\n"
	"assert os.listdir('/tmp') == [], os.listdir('/tmp')\n"
	"assert os.listdir('/dev/shm') == [], os.listdir('/dev/shm')\n"
	"if os.path.isdir('/dev/mqueue'): assert os.listdir('/dev/mqueue') == []\n"
	"procs = [p for p in os.listdir('/proc') if p.isdigit()]\n"
	"assert sorted(procs) == sorted(['1', str(os.getpid())]), procs\n"
	"for t in ('shm', 'sem', 'msg'):\n"
	"    assert len(open('/proc/sysvipc/' + t).readlines()) == 1, t\n"
	"m = os.umask(0o22); assert m == 0o22, oct(m)\n"
	"assert os.listxattr('/work') == [], os.listxattr('/work')\n"
	"a = socket.socket(socket.AF_UNIX)\n"
	"try:\n"
	"    a.connect('\\0runbox-left'); raise SystemExit('the abstract socket is still there')\n"
	"except ConnectionRefusedError: pass\n"
	"t = socket.socket(); t.bind(('127.0.0.1', 4242))\n"
	"print('clean')\n";

static void test_reused_container_is_reset(void **state)
{
	struct runner *r = *state;
	struct run_request req = { .run_id = "itest", .lang = lang_find("python"),
				   .limits = conf.limits, .cancel_fd = -1 };
	struct run_result res;
	struct dk_stream *s = NULL;
	char id[DK_ID_MAX];
	struct err e;

	err_init(&e);
	assert_int_equal(run_prestart(r, &req, id, &e), 0);
	assert_int_equal(dk_attach(runner_docker(r), id, &s, &e), 0);

	run_reused(r, id, s, leave_behind, NULL, &conf.limits, &res);
	if (res.status != STATUS_OK)
		fail_msg("the first job failed (%s): %.*s %s", run_status_name(res.status),
			 (int)res.run.err.len, res.run.err.data ? (char *)res.run.err.data : "",
			 res.agent_error);
	assert_out(&res.run.out, "left\n");
	assert_true(res.run.cpu_ms >= 400);
	if (!res.ready)
		fail_msg("the reset was not proven: %s", res.not_ready);
	run_result_release(&res);

	/* The same container (the same attach), its next job: none of the first job, and its
	 * own figures, not the first job's. */
	run_reused(r, id, s, see_nothing, "abc", &conf.limits, &res);
	if (res.status != STATUS_OK)
		fail_msg("the second job saw something: %.*s", (int)res.run.err.len,
			 res.run.err.data ? (char *)res.run.err.data : "");
	assert_out(&res.run.out, "clean\n");
	assert_true(res.run.cpu_ms < 400);
	if (!res.ready) /* a job with stdin too: its input's fd is not counted as the agent's */
		fail_msg("the reset after the second job was not proven: %s", res.not_ready);
	run_result_release(&res);

	/* A job killed by the memory limit: the reset does not vouch for that container. */
	run_reused(r, id, s, "x = bytearray(1 << 30)\n", NULL, &conf.limits, &res);
	assert_int_equal(res.status, STATUS_MEMORY_LIMIT);
	assert_false(res.ready);
	assert_non_null(strstr(res.not_ready, "cannot prove"));
	run_dispose(r, &res);
	run_result_release(&res);
	dk_stream_close(s);

	/* Something the reset cannot empty (folders deeper than it walks): not proven, so the
	 * container is retired rather than reused. */
	assert_int_equal(run_prestart(r, &req, id, &e), 0);
	assert_int_equal(dk_attach(runner_docker(r), id, &s, &e), 0);
	run_reused(r, id, s, "import os\nos.makedirs('/work/' + '/'.join(['d'] * 80))\nprint('deep')\n",
		   NULL, &conf.limits, &res);
	assert_int_equal(res.status, STATUS_OK);
	assert_false(res.ready);
	assert_non_null(strstr(res.not_ready, "levels deep"));
	run_dispose(r, &res);
	run_result_release(&res);
	dk_stream_close(s);
}

/* A reused container whose run stage lowered its memory and process limits (a compiled
 * language: the compiler has more): after the job the runner sets them back, the agent
 * checks them before it says ready, and the next job starts under the container's own. */
static void test_reused_container_gets_its_limits_back(void **state)
{
	struct runner *r = *state;
	static const char code[] = PRINT_LIMIT "    return 0;\n}\n";
	struct run_file f = { "main.c", (const unsigned char *)code, sizeof code - 1 };
	const char *compile_argv[] = { "sh", "-c", "cat " CG_LIMIT " /sys/fs/cgroup/pids/pids.max && gcc -O1 -o main main.c", NULL };
	static const char *const run_argv[] = { "./main", NULL };
	struct run_request req = {
		.run_id = "itest", .lang = lang_find("c"), .files = &f, .nfiles = 1,
		.limits = conf.limits, .cancel_fd = -1, .compile_argv = compile_argv,
		.run_argv = run_argv, .compile_memory_bytes = 384L << 20, .run_pids = 16,
		.reuse = true,
	};
	struct dk_stream *s = NULL;
	struct run_result res;
	char id[DK_ID_MAX], first[64];
	struct err e;

	err_init(&e);
	req.limits.memory_bytes = 64L << 20;
	assert_int_equal(run_prestart(r, &req, id, &e), 0);
	assert_int_equal(dk_attach(runner_docker(r), id, &s, &e), 0);
	req.container = id;
	req.stream = s;
	(void)snprintf(first, sizeof first, "402653184\n%ld\n", conf.limits.pids);
	for (int job = 0; job < 2; job++) {
		run_result_init(&res, &req.limits);
		assert_int_equal(run_exec(r, &req, &res, &e), 0);
		if (res.status != STATUS_OK)
			fail_msg("job %d: %s %s", job, run_status_name(res.status), res.agent_error);
		assert_out(&res.compile.out, first); /* each job starts under the container's own */
		assert_out(&res.run.out, "limit 67108864\n");
		assert_true(res.limit_lowered);
		if (!res.ready)
			fail_msg("job %d: not ready: %s", job, res.not_ready);
		run_result_release(&res);
	}
	dk_stream_close(s);
	assert_int_equal(runner_remove(r, id, &e), 0);
}


/* Test cases: compiled once, then each case runs against the same build as a fresh
 * process group with its own input and time limit. One case's endless loop, crash or
 * memory kill ends that case only; the cases after it are still run and judged. */
static void test_cases_each_judged_alone(void **state)
{
	static const char code[] =
		"#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
		"int main(void) {\n"
		"    int n = 0;\n"
		"    if (scanf(\"%d\", &n) != 1) return 9;\n"
		"    if (n == 2) for (;;) ;\n"                      /* endless loop */
		"    if (n == 3) { volatile int *p = 0; return *p; }\n" /* segfault */
		"    if (n == 4) for (;;) { char *p = malloc(1 << 20); if (p) memset(p, 1, 1 << 20); }\n"
		"    if (n == 5) return 3;\n"
		"    printf(\"%d\\n\", n * n);\n"
		"    return 0;\n"
		"}\n";
	static const char *const ins[] = { "1\n", "2\n", "3\n", "4\n", "5\n", "7\n" };
	struct run_file f = { "main.c", (const unsigned char *)code, sizeof code - 1 };
	static const char *const compile_argv[] = { "gcc", "-O1", "-o", "main", "main.c", NULL };
	static const char *const run_argv[] = { "./main", NULL };
	struct run_case cases[6];
	struct run_request req = {
		.run_id = "itest", .lang = lang_find("c"), .files = &f, .nfiles = 1,
		.limits = conf.limits, .cancel_fd = -1, .compile_argv = compile_argv,
		.run_argv = run_argv, .compile_memory_bytes = 256L << 20, .cases = cases,
		.ncases = 6,
	};
	struct run_result res;
	struct err e;

	for (size_t i = 0; i < 6; i++)
		cases[i] = (struct run_case){ .stdin_data = (const unsigned char *)ins[i],
					      .stdin_len = strlen(ins[i]), .wall_ms = 700 };
	req.limits.memory_bytes = 64L << 20;
	err_init(&e);
	run_result_init(&res, &req.limits);
	assert_int_equal(run_result_cases(&res, &req.limits, 6), 0);
	assert_int_equal(run_exec(*state, &req, &res, &e), 0);
	run_dispose(*state, &res);
	assert_int_equal(res.status, STATUS_OK);
	assert_true(res.compile.ran);
	assert_false(res.run.ran);
	assert_int_equal(run_stage_status(&res.cases[0]), STATUS_OK);
	assert_out(&res.cases[0].out, "1\n");
	assert_int_equal(run_stage_status(&res.cases[1]), STATUS_TIMEOUT);
	assert_true(res.cases[1].wall_ms >= 700 && res.cases[1].wall_ms < 3000);
	assert_int_equal(run_stage_status(&res.cases[2]), STATUS_RUNTIME_ERROR);
	assert_int_equal(res.cases[2].signal, 11);
	assert_int_equal(run_stage_status(&res.cases[3]), STATUS_MEMORY_LIMIT);
	assert_int_equal(run_stage_status(&res.cases[4]), STATUS_RUNTIME_ERROR);
	assert_int_equal(res.cases[4].exit_code, 3);
	assert_int_equal(run_stage_status(&res.cases[5]), STATUS_OK);
	assert_out(&res.cases[5].out, "49\n");
	run_result_release(&res);
}

/* A case with a report gets file descriptor 3 for it: what the program writes there comes
 * back as the report, apart from its stdout, so a fake report printed on stdout stays
 * stdout. */
static void test_case_report_is_not_stdout(void **state)
{
	static const char code[] =
		"import os, sys\n"
		"print('ok 1 - all tests passed (fake)')\n"
		"os.write(3, b'TAP version 13\\nnot ok 1 - real\\n1..1\\n')\n";
	struct run_file f = { "main.py", (const unsigned char *)code, sizeof code - 1 };
	struct run_case cases[2] = { { .report = true }, { .report = false } };
	struct run_request req = {
		.run_id = "itest", .lang = lang_find("python"), .files = &f, .nfiles = 1,
		.limits = conf.limits, .cancel_fd = -1, .cases = cases, .ncases = 2,
	};
	struct run_result res;
	struct err e;

	err_init(&e);
	run_result_init(&res, &req.limits);
	assert_int_equal(run_result_cases(&res, &req.limits, 2), 0);
	assert_int_equal(run_exec(*state, &req, &res, &e), 0);
	run_dispose(*state, &res);
	assert_int_equal(res.status, STATUS_OK);
	assert_out(&res.cases[0].out, "ok 1 - all tests passed (fake)\n");
	assert_out(&res.cases[0].report, "TAP version 13\nnot ok 1 - real\n1..1\n");
	assert_int_equal(run_stage_status(&res.cases[0]), STATUS_OK);
	/* Without a report fd, writing to fd 3 fails: a bad file descriptor. */
	assert_int_equal(run_stage_status(&res.cases[1]), STATUS_RUNTIME_ERROR);
	assert_true(strstr((const char *)res.cases[1].err.data, "Bad file descriptor") != NULL);
	assert_int_equal(res.cases[1].report.len, 0);
	run_result_release(&res);
}

/* Last: nothing of ours is left, running or not. */
static void test_nothing_left(void **state)
{
	struct err e;
	int n = -1, i;

	for (i = 0; i < 50; i++) {
		assert_int_equal(dk_count_labelled(runner_docker(*state), "runbox.instance=itest", &n, &e), 0);
		if (n == 0)
			break;
		usleep(100 * 1000);
	}
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdout_stderr_separate),
		cmocka_unit_test(test_cases_each_judged_alone),
		cmocka_unit_test(test_case_report_is_not_stdout),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_sleep_forever_is_wall_time),
		cmocka_unit_test(test_memory_bomb),
		cmocka_unit_test(test_output_flood),
		cmocka_unit_test(test_stderr_flood),
		cmocka_unit_test(test_no_network),
		cmocka_unit_test(test_read_only_root_and_tmpfs),
		cmocka_unit_test(test_non_root_no_caps),
		cmocka_unit_test(test_seccomp_profile),
		cmocka_unit_test(test_children_do_not_hold_the_run),
		cmocka_unit_test(test_forged_frames_not_believed),
		cmocka_unit_test(test_docker_unreachable),
		cmocka_unit_test(test_image_missing),
		cmocka_unit_test(test_program_runs_below_the_agent),
		cmocka_unit_test(test_compiled_program_held_by_the_kernel),
		cmocka_unit_test(test_one_limit_when_the_compiler_needs_less),
		cmocka_unit_test(test_limit_that_cannot_be_lowered_runs_nothing),
		cmocka_unit_test(test_container_limit_not_set_back_runs_nothing),
		cmocka_unit_test(test_reused_container_is_reset),
		cmocka_unit_test(test_reused_container_gets_its_limits_back),
		cmocka_unit_test(test_nothing_left),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
