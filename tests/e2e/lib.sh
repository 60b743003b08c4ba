# Helpers shared by the end-to-end and attack suites (sourced). Expects $base, $tmp, $sock
# and $RUNBOX_INSTANCE to be set by the suite, by own_stack or by hand.
pass=0
fail=0

# own_stack NAME LISTEN: the suite's own stack: a fresh run dir (/tmp/runbox-NAME.*) with the
# database in it, instance NAME, listening on LISTEN; sets $base, $sock and $tmp.
own_stack() {
    export RUNBOX_RUN_DIR
    RUNBOX_RUN_DIR=$(mktemp -d "/tmp/runbox-$1.XXXXXX")
    chmod 755 "$RUNBOX_RUN_DIR"   # nginx's workers (an unprivileged user) reach the socket in it
    export RUNBOX_INSTANCE=$1 RUNBOX_LISTEN=$2 RUNBOX_DB_PATH=$RUNBOX_RUN_DIR/db/runbox.db
    base=http://$RUNBOX_LISTEN
    sock=/var/run/docker.sock
    tmp=$RUNBOX_RUN_DIR/t
    mkdir -p "$tmp"
}
# use_front: the web server in front, from RUNBOX_E2E_FRONT (tests/e2e/fronts.sh runs the
# editor API's and the Jobe face's suites through each): nginx as make run starts it (the
# default), school-nginx (runbox's snippets in a school's own server block, beside its site,
# tests/fronts/school-site.conf.in) or apache (Debian's apache2 with runbox's Apache
# configuration). Sets $front. Call it once the run folder is known.
use_front() {
    front=${RUNBOX_E2E_FRONT:-nginx}
    case $front in
    nginx) ;;
    school-nginx)
        export RUNBOX_NGINX_MAIN=$top/tests/fronts/school-site.conf.in
        mkdir -p "$RUNBOX_RUN_DIR/school-site"
        echo '<h1>Our school</h1>' > "$RUNBOX_RUN_DIR/school-site/index.html" ;;
    apache) export RUNBOX_FRONT=apache ;;
    *) echo "RUNBOX_E2E_FRONT is nginx, school-nginx or apache, not '$front'" >&2; exit 2 ;;
    esac
}
# python_only: a language registry with Python alone, so a warm pool fills in seconds.
python_only() {
    export RUNBOX_LANGUAGES=$RUNBOX_RUN_DIR/languages.conf
    awk '/^\[/ { p = ($0 == "[python]") } p' images/languages.conf > "$RUNBOX_LANGUAGES"
}
ok()   { pass=$((pass + 1)); echo "  ok   $1"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $1"; [ -f "$tmp/body" ] && head -c 600 "$tmp/body" | sed 's/^/       /'; echo; }
check() { # name, command...
    local name=$1; shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

# http METHOD PATH [BODY-FILE] [CONTENT-TYPE] -> $code, body in $tmp/body, headers in $tmp/hdr
http() {
    local args=(-s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' -X "$1" --max-time 60)
    [ -n "${3:-}" ] && args+=(--data-binary "@$3" -H "Content-Type: ${4:-application/json}")
    code=$(curl "${args[@]}" "$base$2")
}
# run_json JSON-TEXT: POST it to the run endpoint
run_json() { printf '%s' "$1" > "$tmp/req"; http POST /api/editor/run "$tmp/req"; }
# run_py CODE [STDIN]
run_py() { jq -n --arg c "$1" --arg s "${2:-}" '{language: "python", code: $c, stdin: $s}' > "$tmp/req"
           http POST /api/editor/run "$tmp/req"; }
jqb() { jq -e "$@" "$tmp/body" >/dev/null 2>&1; }
is() { [ "$code" = "$1" ] && jqb "${@:2}"; }
err_is() { # http-code error-code message-substring
    [ "$code" = "$1" ] && jqb --arg c "$2" --arg m "$3" '.error.code == $c and (.error.message | contains($m))'
}
labelled() { # number of our containers, running or not
    curl -s --unix-socket "$sock" -G "http://docker/v1.41/containers/json" --data-urlencode all=1 \
        --data-urlencode "filters={\"label\":[\"runbox.instance=$RUNBOX_INSTANCE\"]}" | jq length
}
wait_until() { # seconds, command...
    local n=$(( $1 * 10 )); shift
    for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}
none_left() { [ "$(labelled)" = 0 ]; }
# program_runs LABEL WORD: a running container with the label ("key=value") whose processes
# include a command line containing WORD, i.e. the job has reached the agent and the program
# has started; its id goes to $running_id. An event to wait for (wait_until) before acting
# on a run in progress, instead of a sleep that guesses how long that takes.
running_id=
program_runs() {
    local id
    for id in $(curl -s --unix-socket "$sock" -G http://docker/v1.41/containers/json                     --data-urlencode "filters={\"label\":[\"$1\"]}" | jq -r '.[].Id'); do
        if curl -s --unix-socket "$sock" "http://docker/v1.41/containers/$id/top" |
            jq -e --arg w "$2" 'any(.Processes[]?; .[-1] | contains($w))' >/dev/null 2>&1; then
            running_id=$id
            return 0
        fi
    done
    return 1
}
# The container of the one run in progress: the one of ours with a process besides the
# agent (a warm container waiting for a job has the agent alone).
busy_container() {
    local id
    for id in $(curl -s --unix-socket "$sock" -G http://docker/v1.41/containers/json \
        --data-urlencode "filters={\"label\":[\"runbox.instance=$RUNBOX_INSTANCE\"]}" | jq -r '.[].Id'); do
        if [ "$(curl -s --unix-socket "$sock" "http://docker/v1.41/containers/$id/top" | jq '.Processes | length' 2>/dev/null)" -gt 1 ] 2>/dev/null; then
            echo "$id"
            return
        fi
    done
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# The suite's own stack: its database, its master and workers, its warm pool.
sql() { sqlite3 -cmd '.timeout 10000' "$RUNBOX_DB_PATH" "$@"; }
rows() { sql "SELECT count(*) FROM runs"; }
master() { cat "$RUNBOX_RUN_DIR/fcgi.pid" 2>/dev/null; }
# The master's children by name: its FastCGI workers, and the runner (the one with Docker).
children_named() { local p; for p in $(pgrep -P "$(master)"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && echo "$p"; done | sort -n; }
workers() { children_named runbox-worker | tr '\n' ' '; }
runner_pid() { children_named runbox-runner; }
pool_idle() { curl -s "$base/api/health" | jq '[.languages[].pool.idle] | add'; }
# pool_full [N]: N idle warm containers (default: the suite's pool_size)
pool_full() { [ "$(pool_idle)" -ge "${1:-$RUNBOX_POOL_SIZE}" ] 2>/dev/null; }
docker_up() { curl -sf --max-time 3 --unix-socket "$sock" http://docker/_ping >/dev/null 2>&1; }


# Docker stopped and started again (only through its pid file, or systemd where it runs
# Docker). Callers hold /tmp/runbox-dockerd.lock on fd 9 so one suite at a time restarts
# Docker. stop_docker_begin asks dockerd to stop: it closes its API at once, then takes a
# while to stop the containers (dockerd_pid is the process meanwhile, where there is one);
# stop_docker_end [SECONDS] waits until it is gone (default 30 s); stop_docker does both.
dockerd_pid=
stop_docker_begin() {
    dockerd_pid=
    if command -v systemctl >/dev/null && systemctl is-active -q docker 2>/dev/null; then
        systemctl stop --no-block docker docker.socket
    else
        dockerd_pid=$(cat /var/run/docker.pid) || return 1
        kill -TERM "$dockerd_pid"
    fi
}
stop_docker_end() {
    # Until the process is gone it still answers on connections it already has.
    if [ -n "$dockerd_pid" ]; then
        wait_until "${1:-30}" sh -c "! kill -0 $dockerd_pid 2>/dev/null" || return 1
    fi
    wait_until 30 sh -c "! curl -sf --max-time 1 --unix-socket $sock http://docker/_ping >/dev/null 2>&1"
}
stop_docker() { stop_docker_begin && stop_docker_end "${1:-30}"; }
start_docker() {
    if command -v systemctl >/dev/null && systemctl cat docker >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl start docker
    else
        # 9>&-: dockerd must not inherit the lock and hold it for ever. In a subshell, so
        # it is not a job of the suite (whose clean-up ends its own jobs).
        ( setsid dockerd >>/var/log/runbox-dockerd.log 2>&1 < /dev/null 9>&- & )
    fi
    wait_until 60 docker_up
}
