#!/usr/bin/env bash
# Tests of the admin command `runbox` against a real SQLite database of its own, in a
# temporary directory with its own runbox.conf. Runs are put into the log with the
# sqlite3 CLI (the server is not needed), then listed, aggregated and pruned; users, roles,
# keys, quotas and exercises (from folders made here) are checked both through the command
# and in the database itself.
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
languages = $top/images/languages.conf
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
    for c in 'user add' 'user list' 'user revoke' 'user role' 'key add' 'key revoke' \
             'quota show' 'quota set' 'runs ' 'run RUN_ID' 'stats' 'prune' 'exercise add DIR' \
             'exercise update DIR' 'exercise list' 'exercise show ID' 'exercise remove ID' \
             'version'; do
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
rb exercise --help
check "exercise --help lists the exercise commands" out_has 0 'exercise remove ID'
rb user add --help
check "user add --help names the roles" out_has 0 '\[--role ROLE\]'
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
    '^bob +key +student +[0-9-]+ [0-9:]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
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

echo "== roles"
check "users are students unless made otherwise" \
    test "$(sql "select group_concat(distinct role) from users")" = student
rb user add carol --role teacher
check "user add --role teacher: exit 0, says so" out_has 0 '^Created teacher carol\.'
check "... in the database" test "$(sql "select role from users where name = 'carol'")" = teacher
rb user list
check "user list shows the role" out_has 0 '^carol +key +teacher +[0-9]{4}-'
check "... and alice's, the default" out_has 0 '^alice +key +student +'
rb user list --json
check "user list --json: the role" is 0 \
    'map({(.user): .role}) | add | .carol == "teacher" and .alice == "student"'
rb user add dora --role boss
check "user add with a bad role: exit 2" usage_err "'boss' is not a role: give student, teacher or admin"
check "... and no user was made" test "$(sql "select count(*) from users where name = 'dora'")" = 0
rb user role remote:dave admin
check "user role: exit 0, says so" out_has 0 '^remote:dave is now an admin\.$'
check "... in the database" test "$(sql "select role from users where name = 'dave'")" = admin
rb --json user role carol student
check "user role --json: the user with the role" is 0 '.user == "carol" and .role == "student"'
rb user role carol chief
check "user role with a bad role: exit 2" usage_err "'chief' is not a role"
check "... and the role stayed" test "$(sql "select role from users where name = 'carol'")" = student
rb user role carol
check "user role without a role: exit 2" usage_err 'give the user and the role'
rb user role nobody teacher
check "user role of an unknown user: exit 1" fails "no user 'nobody'"
rb user role remote:erin teacher
check "user role of a sign-in name not seen yet: exit 0" out_has 0 '^remote:erin is now a teacher\.$'
check "... the name is added with the role" test "$(sql "select kind || ' ' || role from users where name = 'erin'")" = "remote teacher"

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

echo "== backup"
runs_now=$(sql 'select count(*) from runs')
rb backup "$tmp/copy.db"
check "backup: exit 0, says what it copied" out_has 0 "^Backed up the database to $tmp/copy.db \([0-9.]+ [KM]B\): $runs_now runs, [0-9]+ users, [0-9]+ exercises\.$"
check "... the copy passes SQLite's own check" test "$(sqlite3 "$tmp/copy.db" 'PRAGMA integrity_check')" = ok
check "... and holds the same runs and users" test \
    "$(sqlite3 "$tmp/copy.db" 'select count(*) from runs; select count(*) from users')" = \
    "$(sql 'select count(*) from runs; select count(*) from users')"
check "... readable by its maker only (0600)" test "$(stat -c %a "$tmp/copy.db")" = 600
echo keep > "$tmp/taken"
rb backup "$tmp/taken"
check "backup to a file that exists: exit 1, says to name a new one" fails "name a new one"
check "... and the file is left as it was" test "$(cat "$tmp/taken")" = keep
rb backup
check "backup without a file: exit 2" usage_err 'FILE'
rb --json backup "$tmp/copy2.db"
check "backup --json: the counts" is 0 --argjson n "$runs_now" '.runs == $n and .bytes > 0 and .file != null'
if [ "$(id -u)" = 0 ] && id runbox >/dev/null 2>&1; then
    # As on a server: the database's folder belongs to the workers' user, and root writes
    # the copy into a folder only root may enter (the command becomes that user for the
    # database, after it has opened the copy).
    mkdir -p "$tmp/served" "$tmp/rootonly"
    chmod 711 "$tmp"   # the workers pass through, as through /var/lib
    cp "$db" "$tmp/served/runbox.db"
    chown -R runbox: "$tmp/served"
    chmod 700 "$tmp/rootonly"
    sed "s|^db_path = .*|db_path = $tmp/served/runbox.db|" "$conf" > "$tmp/served.conf"
    rc=0; "$RUNBOX" -c "$tmp/served.conf" backup "$tmp/rootonly/copy.db" >"$tmp/out" 2>"$tmp/err" || rc=$?
    check "root backs up a database the workers own into a root-only folder" \
        sh -c "[ $rc = 0 ] && [ \"\$(sqlite3 '$tmp/rootonly/copy.db' 'select count(*) from runs')\" = '$runs_now' ]"
    check "... the copy is root's, the database's folder is still the workers'" test \
        "$(stat -c %U "$tmp/rootonly/copy.db") $(stat -c %U "$tmp/served/runbox.db")" = "root runbox"
fi

echo "== images build"
mkdir -p "$tmp/noimages"
cp "$top/images/languages.conf" "$tmp/noimages/"
sed "s|^languages = .*|languages = $tmp/noimages/languages.conf|" "$conf" > "$tmp/noimages.conf"
rc=0; "$RUNBOX" -c "$tmp/noimages.conf" images build >"$tmp/out" 2>"$tmp/err" || rc=$?
check "images build without build.sh beside the registry: exit 1, says where it looked" \
    fails "$tmp/noimages/build.sh: No such file"
rb images build --nope
check "images build with an unknown option: exit 2" usage_err "unknown option '--nope'"

echo "== exercises"
# A teacher's folder: two languages of images/languages.conf, instructions, a starter each,
# a suite folder of two files, a case given inline and a hidden one from files.
ex=$tmp/fib
mkdir -p "$ex/tests" "$ex/cases"
cat > "$ex/exercise.conf" <<'END'
# Fibonacci, for the admin tests
id = fib
title = Fibonacci numbers
languages = python c
instructions = README.md
starter.python = main.py
suite.python = tests/
starter.c = main.c

[case small]
stdin = 5\n
expected = 5\n
compare = tokens

[case big]
stdin_file = cases/big.in
expected_file = cases/big.out
hidden = yes
weight = 2
END
printf '# Fibonacci\nPrint the nth number.\n' > "$ex/README.md"
printf 'n = int(input())\n' > "$ex/main.py"
printf 'int main(void) { return 0; }\n' > "$ex/main.c"
printf 'def test_small():\n    pass\n' > "$ex/tests/test_fib.py"
printf 'def fib(n):\n    return n\n' > "$ex/tests/helper.py"
printf '30\n' > "$ex/cases/big.in"
printf '832040\n' > "$ex/cases/big.out"
rb exercise add "$ex"
check "exercise add: exit 0, says what it stored" out_has 0 '^Added exercise fib\.$'
check "... its title" out_has 0 '^title +Fibonacci numbers$'
check "... its languages with their starters and suite" \
    out_has 0 '^languages +python \(starter main\.py, suite tests/\), c \(starter main\.c\)$'
check "... its cases, the hidden ones counted" out_has 0 '^cases +2, 1 of them hidden$'
check "... its files" out_has 0 '^files +7, [0-9]+ B$'
check "... each of them" out_has 0 '^tests/helper\.py +[0-9]+ B$'
check "the database holds the definition as written" \
    test "$(sql "select definition = cast(readfile('$ex/exercise.conf') as text)
                 from exercises where id = 'fib'")" = 1
check "... every file it names, each file of the suite folder under its path" \
    test "$(sql "select group_concat(path, ' ') from (select path from exercise_files
                 where exercise_id = 'fib' order by path)")" = \
    "README.md cases/big.in cases/big.out main.c main.py tests/helper.py tests/test_fib.py"
check "... with their bytes" test "$(sql "select count(*) from exercise_files where exercise_id = 'fib'
    and content = readfile('$ex/' || path)")" = 7
check "... and exercise.conf is not among the files" \
    test "$(sql "select count(*) from exercise_files where path = 'exercise.conf'")" = 0
rb exercise list
check "exercise list: a table" out_has 0 '^ID +TITLE +LANGUAGES +CASES +UPDATED$'
check "... a row per exercise" out_has 0 \
    '^fib +Fibonacci numbers +python c +2 \(1 hidden\) +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}$'
rb --json exercise list
check "exercise list --json" is 0 'length == 1 and .[0].id == "fib" and .[0].title == "Fibonacci numbers"
    and .[0].languages == ["python", "c"] and .[0].cases == 2 and .[0].hidden_cases == 1
    and .[0].file_count == 7 and .[0].updated_ms > 0'
rb exercise show fib
check "exercise show: the languages" out_has 0 '^languages +python \(starter main\.py, suite tests/\)'
check "... the instructions" out_has 0 '^instructions +README\.md$'
check "... each case: compare mode, hidden, weight, where input and output come from" \
    out_has 0 '^small +tokens +no +1 +- +inline "5\\n" +inline "5\\n"$'
check "... the hidden case, from files" \
    out_has 0 '^big +trailing +yes +2 +- +cases/big\.in \(3 B\) +cases/big\.out \(7 B\)$'
check "... the files" out_has 0 '^cases/big\.out +7 B$'
check "... in 100 columns" fits
rb exercise show fib --json
check "exercise show --json: languages with starter and suite" is 0 '.languages == [
    {id: "python", starter: "main.py", suite: "tests/"}, {id: "c", starter: "main.c", suite: null}]'
check "... the cases" is 0 '.cases[0] == {name: "small", compare: "tokens", tolerance: null,
    hidden: false, weight: 1, exit: null, args: "",
    stdin: {from: "inline", file: null, text: "5\n", bytes: 2},
    expected: {from: "inline", file: null, text: "5\n", bytes: 2}}
    and .cases[1].hidden and .cases[1].weight == 2
    and .cases[1].stdin == {from: "file", file: "cases/big.in", text: null, bytes: 3}'
check "... the files" is 0 '(.files | map(.path)) == ["README.md", "cases/big.in", "cases/big.out",
    "main.c", "main.py", "tests/helper.py", "tests/test_fib.py"] and .hidden_cases == 1'

created=$(sql "select created_ms from exercises where id = 'fib'")
sed -i 's/^title = .*/title = Fibonacci, again/' "$ex/exercise.conf"
rm "$ex/tests/helper.py"
rb exercise update "$ex"
check "exercise update: exit 0" out_has 0 '^Updated exercise fib\.$'
check "... the new title stored" \
    test "$(sql "select title from exercises where id = 'fib'")" = "Fibonacci, again"
check "... the file taken out of the folder is gone from the database" \
    test "$(sql "select count(*) from exercise_files where path = 'tests/helper.py'")" = 0
check "... the others are there" \
    test "$(sql "select count(*) from exercise_files where exercise_id = 'fib'")" = 6
check "... its created time kept" test "$(sql "select created_ms = $created
    and updated_ms >= created_ms from exercises where id = 'fib'")" = 1
rb exercise add "$ex"
check "exercise add of an id that exists: exit 1, says to update" \
    fails "'fib' exists already.*runbox exercise update"
check "... and the stored one is unchanged" \
    test "$(sql "select count(*) from exercise_files where exercise_id = 'fib'")" = 6

# variant NAME: a copy of the folder as $tmp/NAME, its id NAME.
variant() {
    rm -rf "${tmp:?}/$1"
    cp -r "$ex" "$tmp/$1"
    sed -i "s/^id = fib\$/id = $1/" "$tmp/$1/exercise.conf"
}
variant fib2
rb exercise update "$tmp/fib2"
check "exercise update of an unknown id: exit 1, says to add it" \
    fails "no exercise 'fib2' to update.*runbox exercise add"
mkdir "$tmp/empty"
rb exercise add "$tmp/empty"
check "a folder without exercise.conf: exit 1" fails 'empty has no exercise\.conf'
rb exercise add "$tmp/no-such"
check "a folder that is not there: exit 1" fails 'no-such: no such folder'
rb exercise add "$ex/README.md"
check "a file, not a folder: exit 1" fails 'README\.md is not a folder'
variant typo
sed -i 's/^compare = tokens$/compare = fuzzy/' "$tmp/typo/exercise.conf"
line=$(grep -n '^compare = fuzzy' "$tmp/typo/exercise.conf" | cut -d: -f1)
rb exercise add "$tmp/typo"
check "a mistake in exercise.conf: exit 1, with the file and line" \
    fails "typo/exercise\.conf:$line: compare must be exact, trailing, tokens or numbers"
variant missing
rm "$tmp/missing/cases/big.out"
rb exercise add "$tmp/missing"
check "a file it names is missing: exit 1, names it and what names it" \
    fails 'missing/cases/big\.out is missing.*expected_file of case big'
variant outside
ln -s /etc/passwd "$tmp/outside/tests/evil.py"
rb exercise add "$tmp/outside"
check "a symlink out of the folder, in a suite folder: exit 1" \
    fails 'tests/evil\.py is a symbolic link'
variant outside2
rm "$tmp/outside2/README.md"
ln -s "$conf" "$tmp/outside2/README.md"
rb exercise add "$tmp/outside2"
check "a named file that is a symlink out of the folder: exit 1" \
    fails 'outside2/README\.md is a symbolic link'
variant outside3
rm -r "$tmp/outside3/cases"
ln -s "$ex/cases" "$tmp/outside3/cases"
rb exercise add "$tmp/outside3"
check "a folder on the way that is a symlink: exit 1" fails 'outside3/cases is a symbolic link'
variant cobol
sed -i 's/^languages = python c$/languages = python cobol/; /^starter\.c/d' "$tmp/cobol/exercise.conf"
rb exercise add "$tmp/cobol"
check "an unknown language: exit 1, with the known ones" \
    fails "cobol/exercise\.conf:4: languages: 'cobol' is not a language .*python, javascript, c"
variant huge
head -c $((1024 * 1024 + 1)) /dev/zero > "$tmp/huge/cases/big.in"
rb exercise add "$tmp/huge"
check "a file over 1 MB: exit 1" fails 'huge/cases/big\.in is 1048577 bytes.*at most 1 MB'
variant heavy
for i in 1 2 3 4 5 6 7 8 9; do head -c 1000000 /dev/zero > "$tmp/heavy/tests/data$i"; done
rb exercise add "$tmp/heavy"
check "files over 8 MB together: exit 1" fails 'more than 8 MB'
check "none of these stored anything" test "$(sql 'select count(*) from exercises')" = 1
check "... nor any file of theirs" \
    test "$(sql "select count(*) from exercise_files where exercise_id <> 'fib'")" = 0
rb exercise add
check "exercise add without DIR: exit 2" usage_err 'missing DIR'
rb exercise show 'no such'
check "exercise show of a malformed id: exit 2" usage_err "'no such' is not an exercise id"
rb exercise show nope
check "exercise show of an unknown id: exit 1" fails "no exercise 'nope'"

rb --json exercise add "$tmp/fib2"
check "exercise add --json: what was stored" is 0 '.id == "fib2" and .title == "Fibonacci, again"
    and (.languages | map(.id)) == ["python", "c"] and (.cases | length) == 2
    and .hidden_cases == 1 and .file_count == 6'
rb --json exercise remove fib2
check "exercise remove --json" is 0 '.id == "fib2" and .removed and .file_count == 6'
rb exercise remove fib
check "exercise remove: exit 0, says what went" \
    out_has 0 '^Removed exercise fib \(Fibonacci, again\) and its 6 file'
check "... with its files" test "$(sql 'select count(*) from exercise_files')" = 0
rb exercise remove fib
check "exercise remove again: exit 1, not found" fails "no exercise 'fib'"
rb exercise list
check "exercise list with none: says how to add one" \
    out_has 0 "^No exercises yet.*runbox exercise add"

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
