#!/usr/bin/env bash
# Start and stop the runbox stack: the FastCGI pool and nginx, configured by runbox.conf.
#   stack.sh run     in the foreground; Ctrl-C stops everything it started
#   stack.sh start   in the background (pid files in run_dir); does nothing if running
#   stack.sh stop    stops what start started; does nothing if stopped
#   stack.sh status
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${RUNBOX_BUILD:-$top/build}
export RUNBOX_CONF=${RUNBOX_CONF:-$top/runbox.conf}

# The effective configuration, as the server itself reads it.
eval "$("$build/runbox-fcgi" --print-config)"

fcgi_pid=$run_dir/fcgi.pid
nginx_pid=$run_dir/nginx.pid

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

render_nginx() {
    local read_timeout=$(( wall_ms / 1000 + docker_timeout_ms / 1000 * 3 + 15 ))
    local user_line="" body_kb=$(( (body_max + 1023) / 1024 )) file_body_kb=$(( (file_body_max + 1023) / 1024 ))
    [ "$(id -u)" = 0 ] && user_line="user $nginx_user;"
    local auth_line="# no nginx_auth_include"
    if [ -n "$nginx_auth_include" ]; then
        [ -r "$nginx_auth_include" ] || { echo "nginx_auth_include: cannot read $nginx_auth_include" >&2; exit 1; }
        auth_line="include $nginx_auth_include;"
    fi
    cp "$top/nginx/fastcgi_params" "$run_dir/fastcgi_params"
    cp "$top/nginx/runbox-bad-http.json" "$run_dir/runbox-bad-http.json"
    sed -e "s|@USER_LINE@|$user_line|" -e "s|@RUN_DIR@|$run_dir|g" -e "s|@LISTEN@|$listen|g" \
        -e "s|@FCGI_SOCKET@|$fcgi_socket|g" -e "s|@BODY_MAX@|${body_kb}k|g" \
        -e "s|@FILE_BODY_MAX@|${file_body_kb}k|g" \
        -e "s|@BODY_MAX_TEXT@|${body_kb} KB|g" -e "s|@READ_TIMEOUT@|$read_timeout|g" \
        -e "s|@AUTH_INCLUDE@|$auth_line|g" -e "s|@PAGE_DIR@|$top/build/page|g" \
        "$top/nginx/runbox.conf.in" > "$run_dir/nginx.conf"
    nginx -t -q -c "$run_dir/nginx.conf" -e "$run_dir/nginx-error.log" ||
        { echo "nginx rejected $run_dir/nginx.conf" >&2; exit 1; }
}

wait_for() { # seconds, command...
    local n=$(( $1 * 10 )); shift
    for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}

start_all() {
    if alive "$fcgi_pid" && alive "$nginx_pid"; then
        echo "runbox is already running on http://$listen (stop it with 'make stop')"
        return 0
    fi
    stop_all quiet
    mkdir -p "$run_dir"
    # Without its database the server still starts (health says why; runs get a 503).
    mkdir -p "$(dirname "$db_path")" 2>/dev/null ||
        echo "warning: cannot create $(dirname "$db_path") for the database: runs will be refused until it exists" >&2
    # nginx's workers (nginx_user) must reach the socket inside it.
    chmod 755 "$run_dir"
    render_nginx
    setsid "$build/runbox-fcgi" --pid-file "$fcgi_pid" >>"$run_dir/fcgi.log" 2>&1 < /dev/null &
    if ! wait_for 15 test -S "$fcgi_socket"; then
        echo "the FastCGI pool did not start; its log says:" >&2
        tail -5 "$run_dir/fcgi.log" >&2
        exit 1
    fi
    setsid nginx -c "$run_dir/nginx.conf" -e "$run_dir/nginx-error.log" \
        >>"$run_dir/nginx-error.log" 2>&1 < /dev/null &
    if ! wait_for 10 curl -s -o /dev/null "http://$listen/api/health"; then
        echo "nginx did not start on $listen; its log says:" >&2
        tail -5 "$run_dir/nginx-error.log" >&2
        stop_all quiet
        exit 1
    fi
}

stop_one() { # pid file
    local f=$1 pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait_for 15 sh -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

stop_all() {
    local was=0
    { alive "$nginx_pid" || alive "$fcgi_pid"; } && was=1
    stop_one "$nginx_pid"
    stop_one "$fcgi_pid"
    if [ "${1:-}" != quiet ]; then
        [ $was = 1 ] && echo "runbox stopped" || echo "runbox was not running"
    fi
}

example() {
    cat <<EOT
runbox is ready on http://$listen
Try it:
  curl -s http://$listen/api/editor/run -H 'Content-Type: application/json' \\
       -d '{"language": "python", "code": "print(\"hello\")"}'
Logs: $run_dir/fcgi.log, $run_dir/nginx-error.log
EOT
}

case "${1:-}" in
run)
    start_all
    example
    echo "Press Ctrl-C to stop."
    trap 'echo; stop_all; exit 0' INT TERM
    # Stay in the foreground while both are up.
    while alive "$fcgi_pid" && alive "$nginx_pid"; do sleep 1; done
    echo "a runbox process ended unexpectedly; see $run_dir/fcgi.log" >&2
    stop_all quiet
    exit 1
    ;;
start)
    start_all
    example
    ;;
stop)
    stop_all
    ;;
status)
    if alive "$fcgi_pid" && alive "$nginx_pid"; then echo "running on http://$listen"; else echo "stopped"; exit 3; fi
    ;;
*)
    echo "usage: $0 run|start|stop|status" >&2
    exit 2
    ;;
esac
