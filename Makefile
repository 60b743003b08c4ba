# runbox: see README.md. `make run` and `make test` are the two commands to know.
#
#   make            build the C programs into build/ (build-san/ with SAN=1)
#   make run        install what is missing, build, start everything in the foreground
#   make start/stop the same stack in the background
#   make test       everything the tests need, then all tests
#   make SAN=1 unit unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make images     build the language images (cached)
#   make deb        the Debian package build/runbox_VERSION_amd64.deb (README: "Install on a server")

CC      ?= cc
PKGS    := jansson libcurl sqlite3
CFLAGS_STRICT := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wshadow \
	-Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wvla \
	-Wno-format-nonliteral
ifeq ($(SAN),1)
B       := build-san
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
B       := build
OPT     := -O2 -g
endif
# -iquote, not -I: core/limits.h must not shadow the system <limits.h>.
CFLAGS  += $(CFLAGS_STRICT) $(OPT) -iquote core -iquote fcgi -iquote sql $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

CORE_SRC := $(wildcard core/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
FCGI_SRC := fcgi/runnerd.c fcgi/rclient.c fcgi/privsep.c fcgi/api.c fcgi/editor.c fcgi/jobe.c fcgi/jobe_req.c fcgi/piston.c fcgi/piston_req.c fcgi/pipeline.c fcgi/http.c fcgi/req.c fcgi/gate.c fcgi/pool.c \
	fcgi/run_json.c fcgi/test_req.c fcgi/grade.c fcgi/exercises.c
FCGI_OBJ := $(FCGI_SRC:%.c=$(B)/%.o)
MIGRATIONS := $(sort $(wildcard sql/migrations/*.sql))
STORE_OBJ := $(B)/sql/store.o $(B)/sql/store_users.o $(B)/sql/store_runs.o $(B)/sql/store_metrics.o $(B)/sql/store_files.o \
	$(B)/sql/store_exercises.o $(B)/sql/migrations.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all deps test-deps fuzz images deb test-package run start stop test unit admin integration e2e test-attack bench clean
all: $(B)/runbox-fcgi $(B)/runbox $(B)/runbox-agent $(B)/seccomp.json $(B)/page/index.html

# The editor page (nginx serves it at /): Monaco and the page's code, bundled by esbuild.
$(B)/page/index.html: $(wildcard nginx/page/src/*) nginx/page/package-lock.json scripts/page.sh
	@scripts/page.sh $(abspath $(B))/page

$(B)/%.o: %.c $(wildcard core/*.h fcgi/*.h sql/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/libcore.a: $(CORE_OBJ)
	$(AR) rcs $@ $^

# The schema migrations are compiled in, so the binaries carry the schema they need.
$(B)/sql/migrations.c: $(MIGRATIONS) sql/embed.sh
	@mkdir -p $(dir $@)
	sql/embed.sh $(MIGRATIONS) > $@
$(B)/sql/migrations.o: $(B)/sql/migrations.c sql/migrations.h
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/runbox-fcgi: $(B)/fcgi/main.o $(FCGI_OBJ) $(STORE_OBJ) $(B)/libcore.a
	$(CC) $(CFLAGS) $^ -o $@ -lfcgi $(LDLIBS) -pthread

# The admin command.
ADMIN_OBJ := $(B)/fcgi/admin.o $(B)/fcgi/admin_users.o $(B)/fcgi/admin_log.o $(B)/fcgi/admin_fmt.o \
	$(B)/fcgi/admin_exercise.o $(B)/fcgi/admin_exdir.o $(B)/fcgi/admin_results.o $(B)/fcgi/admin_backup.o $(B)/fcgi/admin_images.o \
	$(B)/fcgi/run_json.o
$(B)/runbox: $(ADMIN_OBJ) $(STORE_OBJ) $(B)/libcore.a
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# The agent runs inside containers whose images we do not control: static, no sanitizers.
AGENT_SRC := images/agent/agent.c images/agent/agent_job.c images/agent/agent_run.c images/agent/agent_reset.c core/frame.c
$(B)/runbox-agent: $(AGENT_SRC) images/agent/agent.h core/frame.h
	@mkdir -p $(B)
	$(CC) $(CFLAGS_STRICT) -O2 -static -iquote core $(AGENT_SRC) -o $@

$(B)/make-profile: images/seccomp/make-profile.c
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

$(B)/docker-default-seccomp.json:
	@mkdir -p $(B)
	images/seccomp/fetch-base.sh $@

$(B)/seccomp.json: $(B)/make-profile $(B)/docker-default-seccomp.json
	$(B)/make-profile $(B)/docker-default-seccomp.json $@

$(B)/tests/test_%: tests/unit/test_%.c $(B)/fcgi/req.o $(B)/fcgi/jobe_req.o $(B)/fcgi/piston_req.o $(B)/fcgi/test_req.o \
		$(B)/fcgi/run_json.o $(STORE_OBJ) $(B)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

deps:
	@scripts/deps.sh

images: deps
	@scripts/images.sh $(LANGS)

# The Debian package (scripts/deb.sh): build/runbox_VERSION_amd64.deb.
deb: all
	@scripts/deb.sh

# The package installed on this machine, upgraded, removed and purged (root; last in
# make test, as it uses the system's paths: /etc/runbox, /var/lib/runbox, /run/runbox).
test-package: all images test-deps
	tests/package/run.sh

run: deps all images
	@scripts/stack.sh run

start: deps all images
	@scripts/stack.sh start

stop:
	@scripts/stack.sh stop

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The admin command against a database of its own (sqlite3 and jq put rows in and read them).
admin: $(B)/runbox
	RUNBOX=$(B)/runbox tests/admin/run.sh

integration: all $(B)/tests/integration
	$(B)/tests/integration

# The attack suite's load generator: its own C client, threads over plain sockets.
$(B)/tests/runbox-load: tests/attack/load.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ -pthread $(LDLIBS)

$(B)/tests/integration: tests/integration/test_docker.c $(B)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

e2e: all test-deps
	tests/e2e/run.sh
	tests/e2e/store.sh
	tests/e2e/langs.sh
	tests/e2e/pool.sh
	tests/e2e/runner.sh
	tests/e2e/jobe.sh
	tests/e2e/piston.sh
	tests/e2e/grade.sh
	tests/e2e/fronts.sh
	tests/browser/run.sh

# Hostile programs (fork bombs, floods, escapes...) and hostile requests, each suite on a
# stack of its own.
test-attack: all $(B)/tests/runbox-load
	tests/attack/programs.sh
	tests/attack/requests.sh
	tests/attack/sanitize.sh

# Fuzzing: a libFuzzer harness (clang, ASan + UBSan) for every parser of untrusted bytes,
# each run for FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/NAME) after replaying
# the inputs that once found a bug (tests/fuzz/regress/NAME). A crash stops make and leaves
# its input in build-fuzz/NAME-crash-*: fix the bug, then add the input to regress/NAME.
FUZZ := editor jobe piston shwords frame body rpc exercise test_req report
FUZZ_SECONDS ?= 15
FZ := build-fuzz
FUZZ_FLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-iquote core -iquote fcgi -iquote sql -I/usr/include/x86_64-linux-gnu
FUZZ_LIB_SRC := $(CORE_SRC) fcgi/req.c fcgi/jobe_req.c fcgi/piston_req.c fcgi/test_req.c fcgi/http.c
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FZ)/%.o)

$(FZ)/%.o: %.c $(wildcard core/*.h fcgi/*.h sql/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

.SECONDARY: $(FUZZ_LIB_OBJ)
$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer $^ -o $@ -ljansson -lcurl -lfcgi -lm

fuzz: test-deps $(FUZZ:%=$(FZ)/fuzz_%)
	@set -e; for f in $(FUZZ); do \
	    mkdir -p $(FZ)/corpus/$$f; \
	    if [ -d tests/fuzz/regress/$$f ]; then \
	        echo "== fuzz $$f: replaying tests/fuzz/regress/$$f"; \
	        $(FZ)/fuzz_$$f tests/fuzz/regress/$$f/* 2>&1 | tail -1; fi; \
	    echo "== fuzz $$f: $(FUZZ_SECONDS) s"; \
	    if ! $(FZ)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -rss_limit_mb=2048 \
	        -timeout=10 -print_final_stats=1 -artifact_prefix=$(FZ)/$$f- \
	        $(FZ)/corpus/$$f tests/fuzz/corpus/$$f > $(FZ)/$$f.log 2>&1; then \
	        tail -40 $(FZ)/$$f.log; echo "fuzz $$f failed: its input is in $(FZ)/$$f-*"; exit 1; fi; \
	    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' $(FZ)/$$f.log; \
	done

# What the tests need beyond the server's packages (Node.js, the npm clients from the lockfile).
test-deps:
	@scripts/test-deps.sh

# Everything the tests need, then every suite. Unit tests also run under the sanitizers.
test: deps test-deps
	$(MAKE) all images
	$(MAKE) unit
	$(MAKE) admin
	$(MAKE) SAN=1 unit
	$(MAKE) fuzz
	$(MAKE) integration
	$(MAKE) e2e
	$(MAKE) test-attack
	$(MAKE) test-package

clean:
	rm -rf build build-san build-fuzz

$(B)/runlog-bench: tests/bench/runlog.c $(STORE_OBJ) $(B)/libcore.a
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# Benchmarks (they print figures; none asserts on time). The run log's cost per request;
# the Python latency table (floor, warm pool, empty pool, docker run, throughput), which
# starts stacks of its own; a class at once with reuse on and off (class.sh) and the CPU share
# per language (cpus.sh) and 20 test cases graded at once or run one by one (cases.sh), on
# stacks of their own; hello world per language through the
# running stack (make start).
bench: all $(B)/runlog-bench
	$(B)/runlog-bench /var/tmp
	tests/bench/pool.sh
	tests/bench/class.sh
	tests/bench/cpus.sh
	tests/bench/cases.sh
	tests/bench/langs.sh
