#!/usr/bin/env bash
# The editor page's tests: its own logic with mocha, then the page in a real browser
# (Debian's chromium, playwright-core from tests/browser/package-lock.json) against a stack
# of its own (port 18100, instance e2e-browser). Screenshots: build/test-output/browser/.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. "$top/tests/e2e/lib.sh"
own_stack e2e-browser "${RUNBOX_BROWSER_LISTEN:-127.0.0.1:18100}"
export RUNBOX_FCGI_PROCESSES=3 RUNBOX_POOL_SIZE=1
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_PER_DAY=1000000 RUNBOX_QUOTA_CONCURRENT=100
cleanup() { scripts/stack.sh stop >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$RUNBOX_RUN_DIR"; }
trap cleanup EXIT

echo "== the page's own logic (mocha)"
tests/browser/node_modules/.bin/mocha --ui tdd --reporter tap tests/browser/logic.test.mjs > "$tmp/unit.tap" 2>&1
check "the page's logic: $(grep -E '^# (pass|fail)' "$tmp/unit.tap" | tr '\n' ' ')" grep -q '^# fail 0' "$tmp/unit.tap"
echo "== the page in chromium"
scripts/stack.sh start >/dev/null || { echo "the stack did not start"; exit 1; }
RUNBOX_CONF=$top/runbox.conf build/runbox exercise add tests/e2e/exercises/square >/dev/null ||
    { echo "the exercise could not be added"; exit 1; }
export TEACHER_KEY
TEACHER_KEY=$(RUNBOX_CONF=$top/runbox.conf build/runbox --json user add mr-lee --role teacher 2>/dev/null | jq -r .key)
# A student with one run a minute, for the quota's message; the pool's pid, for the message
# of a stopped backend (the last check: it stops this suite's own pool).
export QUOTA_KEY FCGI_PID
QUOTA_KEY=$(RUNBOX_CONF=$top/runbox.conf build/runbox --json user add one-a-minute 2>/dev/null | jq -r .key)
RUNBOX_CONF=$top/runbox.conf build/runbox quota set one-a-minute --per-minute 1 >/dev/null
FCGI_PID=$(cat "$RUNBOX_RUN_DIR/fcgi.pid")
# A second student, ana, who solved the exercise: the teacher's table has two rows to sort.
ANA_KEY=$(RUNBOX_CONF=$top/runbox.conf build/runbox --json user add ana 2>/dev/null | jq -r .key)
jq -n '{exercise: "square", language: "python", code: "n = int(input())\nprint(n * n)\n"}' > "$tmp/ana"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $ANA_KEY" \
    -H 'Content-Type: application/json' --data-binary @"$tmp/ana" "$base/api/editor/test")
check "ana's right answer is graded (4 of 4)" eval '[ "$code" = 200 ] && jq -e ".summary.passed == 4" "$tmp/body" >/dev/null'
http GET /api/me
check "GET /api/me without a key: the computer's address (anonymous use is on)" eval '[ "$code" = 200 ] && jq -e ".signIn == \"address\" and .role == \"student\"" "$tmp/body" >/dev/null'
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $TEACHER_KEY" "$base/api/me")
check "GET /api/me with a teacher's key: the key's user and role" eval '[ "$code" = 200 ] && jq -e ".user == \"mr-lee\" and .role == \"teacher\" and .signIn == \"key\"" "$tmp/body" >/dev/null'
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer rbx_unknown" "$base/api/me")
check "GET /api/me with an unknown key: 401, in JSON" eval '[ "$code" = 401 ] && jq -e ".error.code == \"unauthorized\"" "$tmp/body" >/dev/null'
http GET /
check "GET / is the page, as HTML" eval '[ "$code" = 200 ] && grep -qi "content-type: text/html" "$tmp/hdr" && grep -q "<title>runbox</title>" "$tmp/body"'
weight=$(for f in / /app.js /app.css /editor.worker.js /codicon.ttf; do
    curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}\n' "$base$f"; done | awk '{ s += $1 } END { print s }')
echo "  (first load: $((weight / 1024)) KB transferred, gzip on)"
check "the first load is under 3 MB transferred" test "$weight" -lt $((3 * 1024 * 1024))
BASE=$base OUT=build/test-output/browser node tests/browser/page.mjs
rc=$?
check "the browser suite" test "$rc" = 0

echo "== the page behind the school's sign-in (nginx/auth-basic.conf.example)"
scripts/stack.sh stop >/dev/null
printf 'dave:{PLAIN}secret\n' > "$RUNBOX_RUN_DIR/htpasswd"
chmod 644 "$RUNBOX_RUN_DIR/htpasswd"
sed "s|/etc/runbox/htpasswd|$RUNBOX_RUN_DIR/htpasswd|" nginx/auth-basic.conf.example > "$RUNBOX_RUN_DIR/auth.conf"
RUNBOX_CONF=$top/runbox.conf build/runbox user role remote:dave teacher >/dev/null
RUNBOX_NGINX_AUTH_INCLUDE=$RUNBOX_RUN_DIR/auth.conf scripts/stack.sh start >/dev/null ||
    { echo "the stack with the sign-in did not start"; exit 1; }
http GET /
check "without the sign-in the page itself asks for it (401)" eval '[ "$code" = 401 ] && grep -qi "^www-authenticate: Basic" "$tmp/hdr"'
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $ANA_KEY" \
    -H 'Content-Type: application/json' --data-binary '{"language":"python","code":"print(7)"}' "$base/api/editor/run")
check "an API key still works beside the sign-in" eval '[ "$code" = 200 ] && jq -e ".output.stdout == \"7\n\"" "$tmp/body" >/dev/null'
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer rbx_unknown" \
    -H 'Content-Type: application/json' --data-binary '{"language":"python","code":"print(7)"}' "$base/api/editor/run")
check "an unknown key is refused by runbox (401, in JSON)" eval '[ "$code" = 401 ] && jq -e ".error.code == \"unauthorized\"" "$tmp/body" >/dev/null'
BASE=$base OUT=build/test-output/browser node tests/browser/signin.mjs
check "the signed-in browser suite" test "$?" = 0
check "the signed-in run is logged as remote:dave" test "$(sqlite3 "$RUNBOX_DB_PATH" \
    "SELECT u.kind || ':' || u.name || ' ' || r.auth FROM runs r JOIN users u ON u.id = r.user_id
     WHERE r.language = 'python' ORDER BY r.received_ms DESC, r.rowid DESC LIMIT 1")" = "remote:dave remote"
echo
echo "browser e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
