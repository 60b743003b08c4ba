#!/usr/bin/env bash
# Tests of the admin command `runbox` against a real SQLite database of its own, in a
# temporary directory with its own runbox.conf. Runs are put into the log with the
# sqlite3 CLI (the server is not needed), then listed, aggregated and pruned; users, keys
# and quotas are checked both through the command and in the database itself.
#
# Every check can fail; the script exits non-zero if one does.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

RUNBOX=${RUNBOX:-build/runbox}
[ -x "$RUNBOX" ] || { echo "admin: $RUNBOX is not built (make build/runbox)"; exit 1; }
for tool in sqlite3 jq sha256sum; do
    command -v "$tool" >/dev/null || { echo "admin: $tool is needed (make deps)"; exit 1; }
done

tmp=$(mktemp -d /tmp/runbox-admin.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/runbox.db
conf=$tmp/runbox.conf
# Defaults that differ from the built-in ones, so the test sees the file was read.
cat > "$conf" <<EOF
db_path = $db
quota_per_minute = 7
quota_concurrent = 3
max_code_bytes = 20000
EOF
unset RUNBOX_CONF

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "  ok   $1"; }
bad() {
    fail=$((fail + 1)); echo "  FAIL $1 (exit $rc)"
    head -c 600 "$tmp/out" | sed 's/^/       out: /'
    head -c 600 "$tmp/err" | sed 's/^/       err: /'
}
check() { # name, command...
    local name=$1; shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

# rb ARGS...: run the command with the test's config -> $rc, stdout in $tmp/out, stderr in $tmp/err
rc=0
rb() { rc=0; "$RUNBOX" -c "$conf" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?; }
rb_noconf() { rc=0; "$RUNBOX" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?; }
jqo() { jq -e "$@" "$tmp/out" >/dev/null 2>&1; }            # a jq test on stdout
is() { [ "$rc" = "$1" ] && jqo "${@:2}"; }                     # exit status and jq test
out_has() { [ "$rc" = "$1" ] && grep -qE -- "$2" "$tmp/out"; } # exit status and a line of stdout
# A wrong command line: exit 2, nothing on stdout, one "runbox: " line on stderr with words.
usage_err() {
    [ "$rc" = 2 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l < "$tmp/err")" = 1 ] &&
        grep -q '^runbox: ' "$tmp/err" && grep -qiE -- "$1" "$tmp/err"
}
fails() { # exit 1 and a "runbox: " message on stderr matching $1
    [ "$rc" = 1 ] && grep -q '^runbox: ' "$tmp/err" && grep -qiE -- "$1" "$tmp/err"
}
sql() { sqlite3 "$db" "$@"; }

echo "== help and the command line"
rb --help
check "--help: usage on stdout, exit 0" out_has 0 '^usage: runbox'
lists_all() {
    local c
    for c in 'user add' 'user list' 'user revoke' 'key add' 'key revoke' 'quota show' \
             'quota set' 'runs ' 'run RUN_ID' 'stats' 'prune' 'version'; do
        grep -q "^  $c" "$tmp/out" || return 1
    done
}
check "--help lists every command" lists_all
fits() { [ "$(awk '{ if (length > m) m = length } END { print m + 0 }' "$tmp/out")" -le 100 ]; }
check "--help fits in 100 columns" fits
rb user add --help
check "user add --help" out_has 0 '^usage: runbox .*user add NAME \[--note TEXT\]'
rb runs --since 7d -h
check "-h after other options" out_has 0 '^usage: .* runs \[--user'
rb quota --help
check "quota --help lists the quota commands" out_has 0 'quota show'
check "... both of them" out_has 0 'quota set USER' 
rb_noconf
check "no command: exit 2" usage_err 'no command'
rb frobnicate
check "unknown command: exit 2" usage_err "unknown command 'frobnicate'"
rb user
check "group without its command: exit 2, names them" usage_err 'add, list, revoke'
rb user delete x
check "unknown subcommand: exit 2" usage_err "unknown command 'user delete'"
rb --verbose user list
check "unknown global option: exit 2" usage_err "unknown option '--verbose'"
rb user list --all
check "unknown command option: exit 2" usage_err "unknown option '--all'"
rb user list -c "$conf"
check "-c after the command: exit 2, says where it goes" usage_err '-c FILE goes before the command'
rb user add
check "missing argument: exit 2" usage_err 'missing NAME'
rb user add a b
check "extra argument: exit 2" usage_err "unexpected argument 'b'"
rb user add carol --note
check "option without its value: exit 2" usage_err '--note needs a value'
rb_noconf -c
check "-c without a file: exit 2" usage_err '-c needs'
check "nothing was created by wrong command lines" test ! -e "$db"
rb_noconf -c "$tmp/missing.conf" version
check "missing config file: exit 1" fails 'missing.conf'
printf 'db_path = %s/no/such/dir/runbox.db\n' "$tmp" > "$tmp/bad.conf"
rb_noconf -c "$tmp/bad.conf" user list
check "database that cannot be opened: exit 1, says where it comes from" fails 'db_path'

echo "== users and keys"
rb user add alice --note "Year 9 teacher"
key=$(grep -oE 'rbx_[0-9a-f]+' "$tmp/out" | head -1 || true)
check "user add: exit 0" test "$rc" = 0
check "the key is rbx_ + 40 hex" grep -qE '^rbx_[0-9a-f]{40}$' <<<"$key"
check "says the key cannot be shown again" grep -qi 'cannot be shown again' "$tmp/out"
hashes=$(sql "select sha256 from api_keys")
key_not_stored() { [ -n "$key" ] && ! grep -qF "$key" <<<"$hashes" && ! grep -qaF "$key" "$db"*; }
check "the database does not hold the key" key_not_stored
check "the database holds the key's SHA-256" grep -qF "$(printf %s "$key" | sha256sum | cut -d' ' -f1)" <<<"$hashes"
rb --json user add bob
bobkey=$(jq -r .key "$tmp/out" 2>/dev/null || true)
check "user add --json: {user, key}" is 0 '.user == "bob" and (.key | test("^rbx_[0-9a-f]{40}$"))
    and (keys | length) == 2'
check "... the warning goes to stderr" grep -qi 'cannot be shown again' "$tmp/err"
check "two users, two different keys" test -n "$bobkey" -a "$bobkey" != "$key"
rb user add alice
check "user add of a taken name: exit 1" fails 'already exists'
rb user add 'no spaces'
check "user add of a bad name: exit 2" usage_err 'not a valid user name'
rb user list --json
check "user list --json shows alice, her note and her key id" is 0 --arg id "${key:0:12}" \
    '.[] | select(.user == "alice") | .kind == "key" and .note == "Year 9 teacher"
     and .revoked_ms == null and (.keys | length) == 1 and .keys[0].id == $id'
rb key add alice
key2=$(grep -oE 'rbx_[0-9a-f]{40}' "$tmp/out" | head -1 || true)
check "key add: a new key, shown once" out_has 0 'cannot be shown again'
check "... different from the first" test -n "$key2" -a "$key2" != "$key"
rb key add nobody
check "key add for an unknown user: exit 1" fails "no user 'nobody'"
rb key revoke "${key:0:12}"
check "key revoke: exit 0" out_has 0 "Revoked key ${key:0:12} of alice"
rb --json user list
check "the revoked key has a revoked time, the other not" is 0 --arg a "${key:0:12}" --arg b "${key2:0:12}" \
    '.[] | select(.user == "alice") | .revoked_ms == null
     and (.keys[] | select(.id == $a) | .revoked_ms > 0) and (.keys[] | select(.id == $b) | .revoked_ms == null)'
rb --json key revoke "${key2:0:12}"
check "key revoke --json: the key with its user" is 0 --arg b "${key2:0:12}" \
    '.user == "alice" and .key.id == $b and .key.revoked_ms > 0'
rb key revoke rbx_00000000
check "key revoke of an unknown key: exit 1" fails "no key 'rbx_00000000'"
rb key revoke "$key2"
check "key revoke given a whole key: exit 2, asks for the id" usage_err 'whole key'
rb key revoke alice
check "key revoke of something that is no key id: exit 2" usage_err 'not a key id'
rb user revoke bob
check "user revoke: exit 0, says when" out_has 0 '^Revoked user bob at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
rb user list --json
check "the revoked user and its keys have a revoked time" is 0 \
    '.[] | select(.user == "bob") | .revoked_ms > 0 and all(.keys[]; .revoked_ms > 0)'
rb user list
check "user list shows the revoked time in the table" out_has 0 \
    '^bob +key +[0-9-]+ [0-9:]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
check "... and fits in 100 columns" fits
rb key add bob
check "key add for a revoked user: exit 1" fails 'revoked'
now=$(( $(date +%s) * 1000 ))
sql "insert into users (kind, name, created_ms) values ('address', '10.0.0.9', $now),
     ('remote', 'dave', $now)"
rb user revoke address:10.0.0.9
check "user revoke address:IP" out_has 0 'Revoked user address:10.0.0.9'
check "... in the database" test "$(sql "select revoked_ms > 0 from users where kind = 'address'")" = 1
rb --json user revoke remote:dave
check "user revoke --json: the user, revoked" is 0 '.user == "remote:dave" and .kind == "remote"
    and .revoked_ms > 0'
rb user revoke remote:nobody
check "user revoke of an unknown user: exit 1" fails "no user 'remote:nobody'"
rb user revoke other:x
check "user revoke of a malformed user: exit 2" usage_err 'NAME, remote:NAME or address:IP'

echo "== quotas"
rb quota show --json
check "quota show: the defaults from the config file" is 0 '.defaults == {per_minute: 7, per_day: 1000,
    concurrent: 3, max_code_bytes: 20000} and (.users | length) == 4'
rb quota set alice --per-minute 5 --per-day 100
check "quota set: exit 0" test "$rc" = 0
rb --json quota show alice
check "quota show USER: overrides and effective values" is 0 '.users == [{user: "alice",
    override: {per_minute: 5, per_day: 100, concurrent: null, max_code_bytes: null},
    effective: {per_minute: 5, per_day: 100, concurrent: 3, max_code_bytes: 20000}}]'
check "... in the database" test "$(sql "select per_minute, per_day, concurrent is null from users where name = 'alice'")" = "5|100|1"
rb quota set alice --per-minute default --max-code-bytes=4096 --json
check "'default' clears one override, unnamed ones are kept" is 0 '.users[0].override == {per_minute: null,
    per_day: 100, concurrent: null, max_code_bytes: 4096} and .users[0].effective.per_minute == 7'
rb quota show
check "quota show: a table with the defaults" out_has 0 '^\(default\) +7 +1000 +3 +20000 \(19.5 KB\)'
check "... and each user's effective values, overrides marked" out_has 0 '^alice +7 +100\* +3 +4096 \(4 KB\)\*' 
check "... in 100 columns" fits
rb quota set remote:dave --concurrent 1
check "quota set remote:NAME" test "$rc:$(sql "select concurrent from users where name = 'dave'")" = 0:1
for v in 0 -3 abc 5x ' 5' 1e3 99999999999999999999; do
    rb quota set alice --per-day "$v"
    check "quota set --per-day '$v': exit 2" usage_err "--per-day must be a whole number"
done
rb quota set alice --concurrent 10001
check "quota set over the maximum: exit 2" usage_err 'from 1 to 10000'
check "... and nothing changed" test "$(sql "select per_day from users where name = 'alice'")" = 100
rb quota set alice
check "quota set without a value: exit 2" usage_err 'at least one'
rb quota set nobody --per-day 5
check "quota set for an unknown user: exit 1" fails "no user 'nobody'"
rb quota show nobody
check "quota show for an unknown user: exit 1" fails "no user 'nobody'"

echo "== the run log"
alice=$(sql "select id from users where name = 'alice'")
bob=$(sql "select id from users where name = 'bob'")
m=60000; h=3600000; d=86400000
# id, received ms ago, user, language, status, accepted, error_code, duration
add_run() {
    local uid=${3:-NULL} code=${7:-} dur=${8:-NULL}
    sql "insert into runs (id, received_ms, finished_ms, instance, user_id, client_addr, auth,
         language, accepted, status, error_code, duration_ms, cpu_ms, code_bytes, code, stdout,
         stdout_bytes, stderr, stderr_bytes, exit_code, http_status)
         values ('$1', $now - $2, $now - $2 + 500, 'test', $uid, '10.0.0.9', 'key', '$4', $6, '$5',
         nullif('$code', ''), $dur, $dur, 8, 'print(1)', '1' || char(10) || char(27) || '[2J', 6,
         '', 0, 0, 200)"
}
add_run r1 "$h"       "$alice" python ok            1 "" 120
add_run r2 "$((2*h))" "$alice" python runtime_error 1 "" 300
add_run r3 "$((3*h))" "$bob"   c      ok            1 "" 50
add_run r4 "$((30*m))" "$alice" python refused      0 quota_exceeded
add_run r5 "$((10*d))" "$alice" python ok           1 "" 80
add_run r6 "$((3*d))" "$bob"   python timeout       1 "" 10000
add_run r7 "$((5*d))" "$bob"   python running       1
add_run r8 "$((10*m))" ""      python refused       0 unauthorized
check "8 runs in the log" test "$(sql 'select count(*) from runs')" = 8

rb --json runs
check "runs: all of them, newest first" is 0 '[.[].runId] == ["r8", "r4", "r1", "r2", "r3", "r6", "r7", "r5"]'
rb runs --user alice --json
check "runs --user" is 0 '[.[].runId] == ["r4", "r1", "r2", "r5"]'
rb runs --language c --json
check "runs --language" is 0 '[.[].runId] == ["r3"]'
rb runs --status ok --json
check "runs --status" is 0 '[.[].runId] == ["r1", "r3", "r5"]'
rb runs --status quota_exceeded --json
check "runs --status matches an error code" is 0 '[.[].runId] == ["r4"]'
rb runs --since 1d --json
check "runs --since 1d" is 0 '[.[].runId] == ["r8", "r4", "r1", "r2", "r3"]'
rb runs --since 4h --until 90m --json
check "runs --since 4h --until 90m" is 0 '[.[].runId] == ["r2", "r3"]'
rb runs --since "$(date -d '2 days ago' +%F)" --json
check "runs --since a local date" is 0 '[.[].runId] == ["r8", "r4", "r1", "r2", "r3"]'
rb runs --until "$(date -d '@'$(( (now - 4*d) / 1000 )) +%FT%H:%M)" --json
check "runs --until a local time" is 0 '[.[].runId] == ["r7", "r5"]'
rb runs --user alice --status ok --since 7d --json
check "filters combine" is 0 '[.[].runId] == ["r1"]'
rb runs --limit 2
check "runs --limit 2: a table of two" test "$rc:$(grep -cE '^r[0-9] ' "$tmp/out")" = 0:2
check "... says there are more" out_has 0 '--limit N shows more' 
rb runs
check "runs table: headings" out_has 0 '^RUN ID +RECEIVED +USER +LANGUAGE +STATUS +DURATION$'
check "... local time, user, status, duration" \
    out_has 0 '^r1 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} +alice +python +ok +120 ms$'
check "... the address when there is no user, the error code" \
    out_has 0 '^r8 .* \(10\.0\.0\.9\) +python +refused \(unauthorized\) +-$'
check "... fits in 100 columns" fits
rb runs --user nobody
check "runs with no match" out_has 0 'No runs match'
for t in 2026-02-30 2026-13-01 yesterday 5 2h30m -1d 2026-11-23T25:00; do
    rb runs --since "$t"
    check "runs --since '$t': exit 2" usage_err "--since: '.*' is not a time"
done
rb runs --since 1h --until 2h
check "runs --since after --until: exit 2" usage_err 'must be before'
for v in 0 -1 x 1e3; do
    rb runs --limit "$v"
    check "runs --limit '$v': exit 2" usage_err '--limit must be'
done

rb run r1 --json
check "run --json: everything, with code and output" is 0 '.runId == "r1" and .user == "alice"
    and .code == "print(1)" and .stdout == "1\n\u001b[2J" and .durationMs == 120'
rb run r1
check "run: the code" out_has 0 '^print\(1\)$'
check "... the status and times" out_has 0 '^status +ok \(HTTP 200\)'
check "... durations in ms" out_has 0 '^time +120 ms wall, 120 ms CPU'
check "... stdout with its control characters shown escaped" grep -qF '\x1b[2J' "$tmp/out"
no_escape() { ! grep -q $'\x1b' "$tmp/out"; }
check "... and no raw escape reaches the terminal" no_escape
rb run nope
check "run of an unknown id: exit 1" fails "no run 'nope'"

echo "== statistics"
rb stats --json
check "stats: by user over 7 days" is 0 'map({(.user): .}) | add | (keys == ["alice", "bob", "unknown"])
    and .alice.requests == 3 and .alice.runs == 2 and .alice.ok == 1 and .alice.runtime_error == 1
    and .alice.quota_refused == 1 and .alice.max_duration_ms == 300
    and .bob.requests == 3 and .bob.timeout == 1 and .unknown.refused == 1'
rb stats --by language --since 30d --json
check "stats --by language --since 30d" is 0 'map({(.language): .requests}) | add == {python: 7, c: 1}'
rb stats --since 1d --until 90m --json
check "stats --since --until" is 0 'map({(.user): .requests}) | add == {alice: 1, bob: 1}'
rb stats
check "stats table: headings" out_has 0 '^USER +REQUESTS +RUNS +OK +ERROR +LIMIT +FAILED +REFUSED +QUOTA'
check "... a row per user" out_has 0 '^alice +3 +2 +1 +1 +0 +0 +1 +1 +210 +300 +420$'
check "... fits in 100 columns" fits
rb stats --by course
check "stats --by something else: exit 2" usage_err "--by must be 'user' or 'language'"
rb stats --since never
check "stats --since bad time: exit 2" usage_err 'not a time'

echo "== prune"
rb prune --older-than 1d --dry-run
check "prune --dry-run counts the old finished runs" out_has 0 '^Would delete 2 run'
check "... and deletes nothing" test "$(sql 'select count(*) from runs')" = 8
rb --json prune --older-than 1d --dry-run
check "prune --dry-run --json" is 0 '.runs == 2 and .dry_run == true'
rb prune --older-than 1d
check "prune: says how many" out_has 0 '^Deleted 2 run'
check "prune removed the old rows only, kept the running one" \
    test "$(sql 'select group_concat(id) from (select id from runs order by id)')" = "r1,r2,r3,r4,r7,r8"
rb prune --older-than 1d --json
check "prune again: nothing left to delete" is 0 '.runs == 0 and .dry_run == false'
rb prune
check "prune without --older-than: exit 2" usage_err 'older-than'
for v in 1 0d 2026-01-01 3x; do
    rb prune --older-than "$v"
    check "prune --older-than '$v': exit 2" usage_err '--older-than must be an age'
done
rb prune --older-than 1d --dry-run=yes
check "a flag given a value: exit 2" usage_err 'takes no value'

echo "== version"
latest=$(ls sql/migrations/*.sql | wc -l)
rb version --json
check "version --json: the latest schema" is 0 --argjson n "$latest" '.schema_version == $n and .latest == $n'
check "... as in the database" test "$(sql 'select max(version) from schema_migrations')" = "$latest"
rb version
check "version: prints it" out_has 0 "version $latest "
rc=0; RUNBOX_CONF=$conf "$RUNBOX" --json version >"$tmp/out" 2>"$tmp/err" || rc=$?
check "RUNBOX_CONF names the config file" is 0 --argjson n "$latest" '.schema_version == $n'

echo
echo "admin: $pass passed, $fail failed"
[ "$fail" = 0 ]
