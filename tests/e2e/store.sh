#!/usr/bin/env bash
# End-to-end tests of users, quotas and the run log, against the real stack (nginx, the
# FastCGI pool, Docker, SQLite): one row for every request, API keys, the school's own
# authentication through nginx, quotas that hold under parallel requests, a worker killed
# mid-run, a full disk and a database path that is not usable.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

dir=$(mktemp -d /tmp/runbox-e2e-store.XXXXXX)
chmod 755 "$dir"   # nginx's workers (an unprivileged user) reach the socket below it
export RUNBOX_RUN_DIR=$dir/run
export RUNBOX_LISTEN=${RUNBOX_STORE_LISTEN:-127.0.0.1:18081}
export RUNBOX_INSTANCE=e2e-store
export RUNBOX_FCGI_PROCESSES=4
export RUNBOX_DB_PATH=$dir/db/runbox.db
export RUNBOX_WALL_MS=3000
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_PER_DAY=1000000 RUNBOX_QUOTA_CONCURRENT=100
export RUNBOX_POOL_SIZE=0   # one container per run, so a killed worker owns its container
base=http://$RUNBOX_LISTEN
sock=/var/run/docker.sock
tmp=$dir/tmp
mkdir -p "$tmp" "$dir/db" "$RUNBOX_RUN_DIR"
. "$top/tests/e2e/lib.sh"

admin() { build/runbox "$@"; }
test_zero() { [ "$("$@")" = 0 ]; }
# post_as KEY JSON-FILE: run request with an API key
post_as() { code=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time 60 \
    -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data-binary "@$2" "$base/api/editor/run"); }
py() { jq -n --arg c "$1" '{language: "python", code: $c}' > "${2:-$tmp/req}"; }

cleanup() {
    scripts/stack.sh stop >/dev/null 2>&1
    mountpoint -q "$dir/full" && umount "$dir/full"
    [ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
start() { scripts/stack.sh start >/dev/null || { echo "the stack did not start"; tail -5 "$RUNBOX_RUN_DIR/fcgi.log"; exit 1; }; }

echo "== starting the stack on $base"
start
check "the database was created with the whole schema" \
    test "$(admin --json version | jq '.schema_version == .latest and .schema_version >= 2')" = true

echo "== one row for every request, accepted or refused"
before=$(rows)
py 'print("logged")'; http POST /api/editor/run "$tmp/req"; id_ok=$(jq -r .runId "$tmp/body")
run_json '{"language": "python", "code": '
run_json '{"language": "cobol", "code": "x"}'
run_json '{"language": "python", "code": "x", "extra": 1}'
http GET /api/editor/run
py 'x'; http POST /api/editor/run "$tmp/req" text/plain
head -c 102401 /dev/zero | tr '\0' 'a' | jq -Rs '{language: "python", code: .}' > "$tmp/big"
http POST /api/editor/run "$tmp/big"
head -c 8000000 /dev/zero | tr '\0' 'a' | jq -Rs '{language: "python", code: .}' > "$tmp/huge"
http POST /api/editor/run "$tmp/huge"
check "nginx's 413 is still answered as JSON" err_is 413 body_too_large "larger than the server accepts"
py 'print(1)'; post_as rbx_0000000000000000000000000000000000000000 "$tmp/req"
check "401 for an unknown key, with WWW-Authenticate" \
    sh -c "[ $code = 401 ] && grep -qi '^www-authenticate: Bearer' '$tmp/hdr'"
check "its status line says 401 Unauthorized" grep -q $'^HTTP/1.1 401 Unauthorized\r$' "$tmp/hdr"
check "nine requests, nine rows" test "$(( $(rows) - before ))" = 9
got=$(sql "SELECT group_concat(coalesce(error_code, status), ' ') FROM (SELECT * FROM runs ORDER BY received_ms, rowid) LIMIT -1 OFFSET $before")
check "each row says what happened ($got)" test "$got" = \
    "ok bad_json unknown_language bad_request method_not_allowed unsupported_media_type code_too_large body_too_large unauthorized"
check "the ok row has the code's SHA-256, sizes, the output and the address" test \
    "$(sql "SELECT code_sha256 = '$(printf '%s' 'print("logged")' | sha256sum | cut -c1-64)' AND code_bytes = 15
            AND stdout = 'logged' || char(10) AND stdout_bytes = 7 AND exit_code = 0 AND duration_ms >= 0
            AND memory_bytes > 0 AND finished_ms >= received_ms AND client_addr = '127.0.0.1'
            AND auth = 'address' FROM runs WHERE id = '$id_ok'")" = 1

echo "== API keys"
key_a=$(admin --json user add alice --note "class 3B" | jq -r .key)
key_b=$(admin --json user add bob | jq -r .key)
py 'print("from alice")'; post_as "$key_a" "$tmp/req"; id_a=$(jq -r .runId "$tmp/body")
check "a run with alice's key is alice's" test \
    "$(sql "SELECT u.name || ' ' || r.auth FROM runs r JOIN users u ON u.id = r.user_id WHERE r.id = '$id_a'")" = "alice key"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $key_a" "$base/api/runs/$id_a")
check "GET /api/runs/{id} gives alice her run" is 200 '.runId != null and .stdout == "from alice\n" and .status == "ok" and .code == "print(\"from alice\")"'
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $key_b" "$base/api/runs/$id_a")
check "bob cannot read alice's run" err_is 404 not_found "no run with this id"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' "$base/api/runs/$id_a")
check "nor can an anonymous client" err_is 404 not_found "no run with this id"
admin user revoke alice >/dev/null
post_as "$key_a" "$tmp/req"
check "a revoked key gets 401 and a row" sh -c "[ $code = 401 ] && [ \$(sqlite3 '$RUNBOX_DB_PATH' \"SELECT count(*) FROM runs r JOIN users u ON u.id = r.user_id WHERE u.name = 'alice' AND r.error_code = 'unauthorized'\") = 1 ]"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'RUNBOX_USER: mallory' -H 'Remote-User: mallory' \
    -H 'Content-Type: application/json' --data-binary @"$tmp/req" "$base/api/editor/run")
check "a client's own user header is ignored (logged by address)" test \
    "$(sql "SELECT auth FROM runs ORDER BY received_ms DESC, rowid DESC LIMIT 1")" = address

echo "== 50 parallel requests from a user allowed 10 per minute"
key_q=$(admin --json user add quota-user | jq -r .key)
admin quota set quota-user --per-minute 10 --concurrent 50 >/dev/null
py 'print("q")' "$tmp/q.json"
seq 1 50 | xargs -P 50 -I{} curl -s -o /dev/null -D "$tmp/q{}.hdr" -w '%{http_code}\n' --max-time 120 \
    -H "Authorization: Bearer $key_q" -H 'Content-Type: application/json' \
    --data-binary @"$tmp/q.json" "$base/api/editor/run" > "$tmp/q.codes"
check "exactly 10 accepted ($(grep -c '^200$' "$tmp/q.codes"))" test "$(grep -c '^200$' "$tmp/q.codes")" = 10
check "the other 40 got 429" test "$(grep -c '^429$' "$tmp/q.codes")" = 40
check "429s carry Retry-After" test "$(grep -li '^retry-after: [0-9]' "$tmp"/q*.hdr | wc -l)" = 40
check "50 rows for the user, 10 accepted" test \
    "$(sql "SELECT count(*) || ' ' || sum(accepted) FROM runs r JOIN users u ON u.id = r.user_id WHERE u.name = 'quota-user'")" = "50 10"
post_as "$key_q" "$tmp/q.json"
check "the 429 says which limit and when" err_is 429 quota_exceeded "runs per minute"
check "its status line says 429 Too Many Requests" grep -q $'^HTTP/1.1 429 Too Many Requests\r$' "$tmp/hdr"

echo "== 8 clients x 250 requests: the log keeps up"
for i in 1 2 3 4 5 6 7 8; do admin --json user add "load$i" | jq -r .key > "$tmp/key$i"; done
printf '{"language": "python", "code": "print(\\"load\\")"}' > "$tmp/l.ok"
printf '{"language": "python", "code": ' > "$tmp/l.bad"
printf '{"language": "cobol", "code": "x"}' > "$tmp/l.lang"
printf '{"language": "python"}' > "$tmp/l.miss"
before=$(rows)
client() { # n: 250 requests, one in 25 a real run, the rest refused in four ways
    local key; key=$(cat "$tmp/key$1")
    for j in $(seq 1 250); do
        case $(( j % 25 )):$(( j % 4 )) in
            0:*) f=l.ok ;; *:0) f=l.bad ;; *:1) f=l.lang ;; *:2) f=l.miss ;; *) f=l.bad ;;
        esac
        curl -s -o "$tmp/c$1.body" -w '%{http_code}\n' --max-time 60 -H "Authorization: Bearer $key" \
            -H 'Content-Type: application/json' --data-binary @"$tmp/$f" "$base/api/editor/run"
        cat "$tmp/c$1.body" >> "$tmp/c$1.all"
    done > "$tmp/c$1.codes"
}
t0=$(date +%s)
for i in 1 2 3 4 5 6 7 8; do client "$i" & done
wait
echo "     (2000 requests in $(( $(date +%s) - t0 )) s)"
check "2000 requests, 2000 new rows" test "$(( $(rows) - before ))" = 2000
per_user=$(sql "SELECT group_concat(n, ' ') FROM (SELECT count(*) AS n FROM runs r JOIN users u ON u.id = r.user_id WHERE u.name LIKE 'load%' GROUP BY u.name)")
check "250 rows for each client ($per_user)" test "$per_user" = "250 250 250 250 250 250 250 250"
check "no 5xx answer" sh -c "! cat $tmp/c*.codes | grep -q '^5'"
check "no 'database is locked' reached a client" sh -c "! grep -qi 'locked' $tmp/c*.all"
check "per client: 10 runs ok" test \
    "$(sql "SELECT group_concat(n, ' ') FROM (SELECT sum(status = 'ok') AS n FROM runs r JOIN users u ON u.id = r.user_id WHERE u.name LIKE 'load%' GROUP BY u.name)")" = \
    "10 10 10 10 10 10 10 10"

echo "== a worker killed mid-run"
key_k=$(admin --json user add killed | jq -r .key)
admin quota set killed --concurrent 1 >/dev/null
py $'import time\ntime.sleep(2.5)\nprint("done")' "$tmp/slow.json"
(post_as "$key_k" "$tmp/slow.json"; echo "$code" > "$tmp/slow.code"; cp "$tmp/body" "$tmp/slow.body") & cpid=$!
wait_until 10 sh -c "[ -n \"\$(sqlite3 -cmd '.timeout 5000' '$RUNBOX_DB_PATH' \"SELECT worker_pid FROM runs r JOIN users u ON u.id = r.user_id WHERE u.name = 'killed' AND status = 'running'\")\" ]"
wpid=$(sql "SELECT worker_pid FROM runs r JOIN users u ON u.id = r.user_id WHERE u.name = 'killed' AND status = 'running'")
# Killed once its program runs (the runner sees the worker's connection close and stops the
# run), whatever the machine's speed.
running_id=
[ -n "$wpid" ] && wait_until 10 program_runs "runbox.instance=e2e-store" main.py && kill -KILL "$wpid"
wait $cpid
code=$(cat "$tmp/slow.code"); cp "$tmp/slow.body" "$tmp/body"
check "the client gets a JSON 503, not a bare page" err_is 503 runner_unavailable "not available"
interrupted() { [ "$(sql "SELECT status FROM runs r JOIN users u ON u.id = r.user_id WHERE u.name = 'killed'")" = interrupted ]; }
check "the row says interrupted" wait_until 10 interrupted
py 'print("again")'; post_as "$key_k" "$tmp/req"
check "the concurrency slot is free again" is 200 '.status == "ok"'
owned() { [ -n "$running_id" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" "http://docker/v1.41/containers/$running_id/json")" = 404 ]; }
check "the killed worker's container is removed" wait_until 15 owned

echo "== the school's own authentication through nginx"
printf 'dave:{PLAIN}secret\n' > "$dir/htpasswd"
chmod 644 "$dir/htpasswd"
cat > "$dir/auth.conf" <<EOF
auth_basic "runbox";
auth_basic_user_file $dir/htpasswd;
fastcgi_param RUNBOX_USER \$remote_user;
EOF
scripts/stack.sh stop >/dev/null
RUNBOX_NGINX_AUTH_INCLUDE=$dir/auth.conf start
py 'print("dave")'
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -u dave:secret -H 'Content-Type: application/json' \
    --data-binary @"$tmp/req" "$base/api/editor/run")
check "a signed-in user runs code" is 200 '.status == "ok"'
check "the row names remote:dave" test \
    "$(sql "SELECT u.kind || ':' || u.name || ' ' || r.auth FROM runs r JOIN users u ON u.id = r.user_id ORDER BY r.received_ms DESC, r.rowid DESC LIMIT 1")" = "remote:dave remote"
code=$(curl -s -o /dev/null -w '%{http_code}' -u dave:wrong -H 'Content-Type: application/json' \
    --data-binary @"$tmp/req" "$base/api/editor/run")
check "a wrong password is refused by nginx" test "$code" = 401
scripts/stack.sh stop >/dev/null

echo "== anonymous use switched off"
RUNBOX_ANONYMOUS=no start
http POST /api/editor/run "$tmp/req"
check "401 that says to send a key" err_is 401 unauthorized "API key"
scripts/stack.sh stop >/dev/null

echo "== a database path that cannot be used"
good_db=$RUNBOX_DB_PATH
export RUNBOX_DB_PATH=$dir/notadir/runbox.db
touch "$dir/notadir"   # a file where the database's folder should be
start
http POST /api/editor/run "$tmp/req"
check "runs get a clear 503" err_is 503 log_unavailable "run log"
http GET /api/health
check "health still answers, and says why" is 503 '.fastcgi == "up" and .database.writable == false'
# The admin's fix: the folder, for the workers' user (the master gives it to them itself
# when it can at start-up; here it could not).
rm "$dir/notadir"; mkdir "$dir/notadir"
chown "$(build/runbox-fcgi --print-config | sed -n "s/^worker_user='\(.*\)'$/\1/p")" "$dir/notadir"
http POST /api/editor/run "$tmp/req"
check "it recovers once the folder exists, without a restart" is 200 '.status == "ok"'
check "and that run is logged" test "$(sql "SELECT count(*) FROM runs")" = 1
scripts/stack.sh stop >/dev/null

echo "== a full disk"
mkdir -p "$dir/full"
mount -t tmpfs -o size=3m,mode=0755 tmpfs "$dir/full"
export RUNBOX_DB_PATH=$dir/full/runbox.db
start
http POST /api/editor/run "$tmp/req"
check "runs work before the disk fills" is 200 '.status == "ok"'
dd if=/dev/zero of="$dir/full/filler" bs=16k 2>/dev/null
py 'print("x" * 60000)' "$tmp/wide.json"
full=0 other=0
for _ in $(seq 1 40); do
    http POST /api/editor/run "$tmp/wide.json"
    if [ "$code" = 503 ] && jqb '.error.code == "log_unavailable"'; then full=$((full + 1)); break
    elif [ "$code" != 200 ]; then other=$((other + 1)); fi
done
check "a full disk gives a clear 503 (and nothing else fails)" test "$full:$other" = "1:0"
http GET /api/health
check "health answers while the disk is full" sh -c "[ $code = 503 ] || [ $code = 200 ]"
rm -f "$dir/full/filler"
http POST /api/editor/run "$tmp/req"
check "runs work again once there is space, without a restart" is 200 '.status == "ok"'
http GET /api/health
check "health is ok again" is 200 '.database.writable == true'
scripts/stack.sh stop >/dev/null
export RUNBOX_DB_PATH=$good_db

check "no container of ours is left" none_left
echo
echo "store e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
