#!/usr/bin/env bash
# End-to-end tests of the runner process and of container reuse, through real nginx, the
# real FastCGI pool, the real Docker daemon and the real database:
# - who holds Docker: the workers run as the unprivileged worker_user and cannot open the
#   Docker socket nor the runner's /proc files; only root and that user may connect to the
#   runner's socket; garbage, a truncated, an oversized and a wrong message to it are
#   refused and logged, and the runner goes on serving;
# - reuse: a run that leaves processes, files, IPC objects and a changed umask behind; the
#   next run in the same container (same hostname) sees none of it and has its own
#   figures; a run whose leftovers the reset cannot clear, or that changed the agent's own
#   limits, nice value or CPUs (which later programs would inherit), retires its container
#   and the next run is still served; parallel runs never share a container; a client that
#   hangs up mid-run frees its container, and 48 that hang up at once are each logged as hung
#   up, none refused by the runner;
# - the runner killed mid-run: a JSON 503 and one row, a new runner, no container of the
#   old one left, and the next run is served.
# Starts its own stack on a port and run directory of its own, with only Python in the
# registry, and stops it at the end. Every check can fail; the script exits non-zero if
# one does.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
t0=$(date +%s)

. "$top/tests/e2e/lib.sh"
own_stack e2e-runner "${RUNBOX_RUNNER_LISTEN:-127.0.0.1:18098}"
python_only
export RUNBOX_FCGI_PROCESSES=4
export RUNBOX_POOL_SIZE=1
export RUNBOX_REUSE_RUNS=50
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_CONCURRENT=100
export RUNBOX_WALL_MS=4000

cleanup() {
    scripts/stack.sh stop >/dev/null 2>&1
    if [ "$fail" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$RUNBOX_RUN_DIR"; else echo "run dir kept: $RUNBOX_RUN_DIR"; fi
}
trap cleanup EXIT
log=$RUNBOX_RUN_DIR/fcgi.log
rsock=$RUNBOX_RUN_DIR/runner.sock
user=$(build/runbox-fcgi --print-config | sed -n "s/^worker_user='\(.*\)'$/\1/p")

echo "== starting the stack on $base (run dir $RUNBOX_RUN_DIR), workers as '$user'"
scripts/stack.sh start >/dev/null || { echo "the stack did not start"; tail -5 "$log"; exit 1; }
wait_until 30 pool_full 1

echo "== who holds Docker"
uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }
all_workers_are() { local p; [ -n "$(workers)" ] || return 1
    for p in $(workers); do [ "$(uid_of "$p")" = "$1" ] || return 1; done; }
check "4 workers, each running as $user" sh -c "[ \$(echo '$(workers)' | wc -w) = 4 ]" 
check "every worker's uid is $user's ($(id -u "$user"))" all_workers_are "$(id -u "$user")"
rpid=$(runner_pid)
check "one runner process, as root" test -n "$rpid" -a "$(uid_of "${rpid:-1}")" = 0
as_worker() { setpriv --reuid="$user" --regid="$user" --clear-groups "$@"; }
as_worker curl -s --max-time 3 --unix-socket /var/run/docker.sock http://docker/_ping >/dev/null 2>&1
check "the workers' user cannot open the Docker socket (curl: 7, cannot connect)" test $? = 7
check "nor read the runner's memory, fds or environment" \
    sh -c "! setpriv --reuid=$user --regid=$user --clear-groups cat /proc/$rpid/environ >/dev/null 2>&1 && ! setpriv --reuid=$user --regid=$user --clear-groups ls /proc/$rpid/fd >/dev/null 2>&1"
# The runner's listening socket (its inode in /proc/net/unix) is open in the runner only:
# a worker holding it could accept the other workers' connections.
linode=$(awk -v p="$rsock" '$NF == p && $6 == "01" { print $7; exit }' /proc/net/unix)
holds_listener() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q "socket:\[$linode\]"; }
no_worker_listens() { local p; [ -n "$linode" ] || return 1
    for p in $(workers); do holds_listener "$p" && return 1; done; holds_listener "$rpid"; }
check "the runner's listening socket is open in the runner, in no worker" no_worker_listens
db_owned() { local f; for f in "$RUNBOX_DB_PATH" "$RUNBOX_DB_PATH-wal" "$RUNBOX_DB_PATH-shm" "$(dirname "$RUNBOX_DB_PATH")"; do
    [ "$(stat -c %U "$f")" = "$user" ] || return 1; done; }
check "the database, its WAL files and its folder are the workers' (root never opens them)" db_owned
# curl speaks HTTP, which is no message: the runner closes the connection (curl: 52, empty
# reply); a user that may not connect at all gets curl's 7.
setpriv --reuid=nobody --regid=nogroup --clear-groups curl -s --max-time 3 --unix-socket "$rsock" http://x/ >/dev/null 2>&1
check "another user cannot connect to the runner's socket" test $? = 7
as_worker curl -s --max-time 3 --unix-socket "$rsock" http://x/ >/dev/null 2>&1
check "the workers' user can, and HTTP garbage is refused (connection closed)" test $? = 52
check "the refusal is logged" grep -q "runner: refused a malformed message" "$log"

# msg TYPE PAYLOAD...: frames (type, 4-byte big-endian length, payload) to the runner's
# socket; prints what came back (its first frame's type), or "closed".
msg() {
    perl -MIO::Socket::UNIX -e '
        my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!";
        my $out = "";
        for (my $i = 1; $i < @ARGV; $i += 2) {
            my $p = $ARGV[$i + 1]; $p =~ s/\\n/\n/g;
            $out .= pack("aN", $ARGV[$i], $ARGV[$i] eq "!" ? 0 : length $p) . $p if $ARGV[$i] ne "!";
            $out .= pack("aN", "F", 1 << 30) if $ARGV[$i] eq "!";   # a frame longer than any message
        }
        $out = substr($out, 0, $ENV{CUT}) if $ENV{CUT};
        print $s $out; $s->shutdown(1);
        my $got = ""; while (sysread($s, my $b, 65536)) { $got .= $b }
        print length $got ? substr($got, 0, 1) . " " . length($got) : "closed", "\n";' "$rsock" "$@"
}
before=$(rows)
check "a run message for an unknown language is answered with a refusal (A frame)" \
    sh -c "$(declare -f msg); rsock=$rsock; msg Q 'run_id=x1\nlang=cobol\n' Z '' | grep -q '^A '"
check "... and logged" grep -q "runner: refused a run message" "$log"
check "a message cut short is dropped and logged" \
    sh -c "$(declare -f msg); rsock=$rsock; CUT=7 msg Q 'run_id=x2\nlang=python\n' Z '' | grep -q closed && grep -q 'stopped after 7 bytes' '$log'"
check "an oversized frame is refused at its header" \
    sh -c "$(declare -f msg); rsock=$rsock; msg Q 'run_id=x3\n' ! '' | grep -q closed"
check "the runner is the same process, and no row came from the messages" \
    test "$(runner_pid) $(rows)" = "$rpid $before"
run_py 'print("still here")'
check "the next run through nginx is served" is 200 '.status == "ok" and .output.stdout == "still here\n"'

echo "== reuse: the next run in the same container sees nothing of the last"
wait_until 20 pool_full 1
run_py $'import ctypes, os, socket, subprocess, time
os.umask(0)
for d in ("/work", "/tmp", "/dev/shm"):
    open(d + "/.hidden", "w").write("x" * 100000)
    os.makedirs(d + "/deep/" + "/".join(["d"] * 30), exist_ok=True)
os.mkfifo("/tmp/fifo")
os.symlink("/etc/passwd", "/work/link")
os.makedirs("/tmp/locked")
os.chmod("/tmp/locked", 0)
with open("/tmp/sparse", "wb") as f:   # as large as the file size limit allows, sparse
    f.truncate(4 << 20)
s = socket.socket(socket.AF_UNIX); s.bind("\\0runbox-leftover"); s.listen()
libc = ctypes.CDLL(None)
libc.shmget(0x5242, 4096, 0o1000 | 0o600)
libc.semget(0x5243, 1, 0o1000 | 0o600)
libc.msgget(0x5244, 0o1000 | 0o600)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, 3); time.sleep(100)
    os._exit(0)
p = subprocess.Popen(["sleep", "100"]); os.kill(p.pid, 19)
x = bytearray(40 << 20)
t = time.process_time()
while time.process_time() - t < 0.3:
    pass
print(socket.gethostname())'
check "first run: ok (it left daemons, files, IPC, a socket, a umask behind)" is 200 '.status == "ok"'
host1=$(jq -r '.output.stdout' "$tmp/body" | tr -d '\n')
cpu1=$(jq -r '.cpuMs' "$tmp/body")
mem1=$(jq -r '.memoryUsed' "$tmp/body")
sleep 0.3
run_py $'import json, os, socket
procs = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]
left = {d: sorted(os.listdir(d)) for d in ("/work", "/tmp", "/dev/shm")}
ipc = [l for f in ("shm", "sem", "msg") for l in open("/proc/sysvipc/" + f).read().splitlines()[1:] if l.strip()]
abstract = [l for l in open("/proc/net/unix").read().splitlines() if "@runbox-leftover" in l]
u = os.umask(0o22)
print(json.dumps({"host": socket.gethostname(), "procs": procs, "left": left, "ipc": ipc,
                  "abstract": abstract, "umask": u}))'
check "second run: ok, in the same container (hostname $host1)" \
    is 200 --arg h "$host1" '.status == "ok" and (.output.stdout | fromjson | .host == $h)'
check "second run: no process but its own and the agent" jqb '.output.stdout | fromjson | .procs == []'
check "second run: /work holds its own file only, /tmp and /dev/shm are empty" \
    jqb '.output.stdout | fromjson | .left == {"/work": ["main.py"], "/tmp": [], "/dev/shm": []}'
check "second run: no SysV object, no abstract socket, umask 022" \
    jqb '.output.stdout | fromjson | .ipc == [] and .abstract == [] and .umask == 18'
figures() { jq -r '[.cpuMs, .memoryUsed] | @tsv' "$tmp/body"; }
read -r cpu2 mem2 <<<"$(figures)"
check "second run: its own CPU time and memory, less than the first's ($cpu1 ms, $mem1 B -> $cpu2 ms, $mem2 B)" \
    test "${cpu2:-0}" -lt "${cpu1:-0}" -a "${mem2:-0}" -lt "${mem1:-0}"
check "the reuse is counted in /metrics" sh -c "curl -s '$base/metrics' | grep -q '^container_reuses_total [1-9]'"

echo "== a run the reset cannot clean retires its container; the next run is served"
wait_until 20 pool_full 1
run_py $'import os, socket
d = "/tmp"
for i in range(100):
    d += "/d"
    os.mkdir(d)
print(socket.gethostname())'
check "the run itself is ok" is 200 '.status == "ok"'
host3=$(jq -r '.output.stdout' "$tmp/body" | tr -d '\n')
check "its container is retired (the log says why)" wait_until 10 grep -q "retiring ${host3:-none}" "$log"
check "and removed" wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --unix-socket $sock http://docker/v1.41/containers/${host3:-none}/json)\" = 404 ]"
run_py 'import socket; print(socket.gethostname())'
check "the next run is served, in another container" \
    is 200 --arg h "$host3" '.status == "ok" and (.output.stdout | rtrimstr("\n")) != $h'
check "the retirement is counted in /metrics" sh -c "curl -s '$base/metrics' | grep -q '^containers_retired_total [1-9]'"

echo "== a run that changes the agent's own limits or priority cannot hand them on"
# The program runs as the agent's uid, so it may lower the agent's (PID 1's) limits, raise its
# nice value or pin its CPUs, which every later program would inherit; it cannot undo them.
attrs='import json, os, resource, socket
print(json.dumps({"host": socket.gethostname(), "nice": os.getpriority(os.PRIO_PROCESS, 0),
    "nofile": resource.getrlimit(resource.RLIMIT_NOFILE), "cpu": resource.getrlimit(resource.RLIMIT_CPU),
    "cpus": sorted(os.sched_getaffinity(0))}))'
wait_until 20 pool_full 1
run_py "$attrs"
check "a clean run reports its limits and priority" is 200 '.status == "ok"'
attrs0=$(jq -r '.output.stdout | fromjson | del(.host)' "$tmp/body" 2>/dev/null)
run_py $'import os, resource, socket
done = []
for what, f in (("nofile", lambda: resource.prlimit(1, resource.RLIMIT_NOFILE, (16, 16))),
                ("nice", lambda: os.setpriority(os.PRIO_PROCESS, 1, 15)),
                ("cpus", lambda: os.sched_setaffinity(1, {0}))):
    try:
        f(); done.append(what)
    except OSError:
        pass
print(socket.gethostname(), " ".join(done))'
check "a run changes the agent's limit, nice value and CPUs" is 200 '.status == "ok" and (.output.stdout | test(" nofile nice cpus\n$"))'
host5=$(jq -r '.output.stdout' "$tmp/body" | cut -d' ' -f1)
check "its container is retired, the log says why" wait_until 10 grep -q "retiring ${host5:-none}.*changed the agent" "$log"
run_py "$attrs"
check "the next run is in another container" is 200 --arg h "$host5" '.status == "ok" and (.output.stdout | fromjson | .host != $h)'
check "with the limits and priority of a clean run" \
    test "$(jq -r '.output.stdout | fromjson | del(.host)' "$tmp/body" 2>/dev/null)" = "$attrs0"

echo "== parallel runs never share a container"
for i in 1 2 3 4; do
    jq -n --arg c "import socket, time
time.sleep(1)
print(socket.gethostname())" '{language: "python", code: $c}' > "$tmp/par-$i.json"
done
for round in 1 2; do
    for i in 1 2 3 4; do
        curl -s -o "$tmp/par-$round-$i.body" --max-time 30 -H 'Content-Type: application/json' \
            --data-binary "@$tmp/par-$i.json" "$base/api/editor/run" &
    done
    wait
done
distinct() { local r; for r in 1 2; do
    [ "$(cat "$tmp"/par-$r-*.body | jq -r '.output.stdout' | sort -u | grep -c '^[0-9a-f]\{12\}$')" = 4 ] || return 1
done; }
check "two rounds of 4 runs at once: 4 different containers in each round" distinct
check "and the second round reused containers of the first" \
    test "$(cat "$tmp"/par-*.body | jq -r '.output.stdout' | sort | uniq -d | grep -c .)" -ge 1

echo "== a client that hangs up mid-run frees its container"
py_req() { jq -n --arg c "$1" '{language: "python", code: $c}' > "$2"; }
py_req $'import time\ntime.sleep(3)\nprint("done")' "$tmp/hang.json"
busy() { curl -s "$base/api/health" | jq -r '.languages[0].pool.busy'; }
curl -s -o /dev/null --max-time 1 --data-binary "@$tmp/hang.json" -H 'Content-Type: application/json' \
    "$base/api/editor/run"
check "within 5 s none is busy in the runner" wait_until 5 sh -c "[ \"\$(curl -s '$base/api/health' | jq -r '.languages[0].pool.busy')\" = 0 ]"

echo "== a class hanging up at once: each run is logged as hung up, none refused"
# Each worker connects again for its next request while its old thread still makes or
# removes the abandoned run's container: the runner must take those connections.
t_storm=$(now_ms)
for round in 1 2 3; do
    for i in $(seq 16); do
        curl -s -o /dev/null --max-time 0.3 --data-binary "@$tmp/hang.json" \
            -H 'Content-Type: application/json' "$base/api/editor/run" &
    done
    wait
done
storm() { sql "SELECT count(*) FROM runs WHERE received_ms >= $t_storm AND $1"; }
check "48 rows, each saying the client hung up" \
    wait_until 20 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' '$RUNBOX_DB_PATH' \"SELECT count(*) FROM runs WHERE received_ms >= $t_storm AND message = 'the client hung up'\")\" = 48 ]"
check "none of them refused by the runner" test "$(storm "error_code = 'runner_unavailable'")" = 0

echo "== the runner killed mid-run"
wait_until 20 pool_full 1
py_req $'import time\ntime.sleep(3)\nprint("done")' "$tmp/slow.json"
before=$(rows)
curl -s -o "$tmp/slow.body" -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
    --data-binary "@$tmp/slow.json" "$base/api/editor/run" > "$tmp/slow.code" & cpid=$!
wait_until 10 program_runs "runbox.instance=$RUNBOX_INSTANCE" "python3"
old_id=$running_id
rpid=$(runner_pid)
# Only the runner of our own stack: a child of the master we started.
if [ -n "$rpid" ] && [ "$(awk '{ print $4 }' "/proc/$rpid/stat")" = "$(master)" ]; then
    kill -KILL "$rpid"
fi
wait $cpid
code=$(cat "$tmp/slow.code"); cp "$tmp/slow.body" "$tmp/body"
check "the client gets a JSON 503 runner_unavailable" err_is 503 runner_unavailable "restarting"
check "exactly one row for it, saying so" \
    wait_until 10 sh -c "[ \$(( \$(sqlite3 -cmd '.timeout 5000' '$RUNBOX_DB_PATH' 'SELECT count(*) FROM runs') - $before )) = 1 ] && [ \"\$(sqlite3 '$RUNBOX_DB_PATH' 'SELECT error_code FROM runs ORDER BY rowid DESC LIMIT 1')\" = runner_unavailable ]"
check "the master starts a new runner" wait_until 10 sh -c "p=\$(for c in \$(pgrep -P $(master)); do [ \"\$(cat /proc/\$c/comm)\" = runbox-runner ] && echo \$c; done); [ -n \"\$p\" ] && [ \"\$p\" != $rpid ]"
check "the old runner's container is gone" wait_until 15 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --unix-socket $sock http://docker/v1.41/containers/${old_id:-none}/json)\" = 404 ]"
run_py 'print("after")'
check "the next run is served" is 200 '.status == "ok" and .output.stdout == "after\n"'
check "the workers are the same processes" test "$(workers | wc -w)" = 4

echo "== stop leaves nothing behind"
scripts/stack.sh stop >/dev/null
check "no container of the instance remains" wait_until 20 none_left
check "the runner's socket is gone" test ! -e "$rsock"

echo
echo "total time: $(( $(date +%s) - t0 )) s"
echo "runner e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
