#!/usr/bin/env bash
# Start and stop the runbox stack: the FastCGI pool and nginx, configured by runbox.conf.
#   stack.sh run     in the foreground; Ctrl-C stops everything it started
#   stack.sh start   in the background (pid files in run_dir); does nothing if running
#   stack.sh stop    stops what start started; does nothing if stopped
#   stack.sh status
#   stack.sh check   render nginx's configuration into run_dir and test it (nginx -t)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${RUNBOX_BUILD:-$top/build}
export RUNBOX_CONF=${RUNBOX_CONF:-$top/runbox.conf}

# The effective configuration, as the server itself reads it.
eval "$("$build/runbox-fcgi" --print-config)"

page_dir=${RUNBOX_PAGE_DIR:-$top/build/page}
# The web server in front: nginx (the default), or Apache (RUNBOX_FRONT=apache: Debian's
# apache2 with runbox's Apache configuration, packaging/apache/runbox.conf.in).
front=${RUNBOX_FRONT:-nginx}
case $front in nginx | apache) ;; *) echo "RUNBOX_FRONT is nginx or apache, not '$front'" >&2; exit 2 ;; esac
fcgi_pid=$run_dir/fcgi.pid
nginx_pid=$run_dir/$front.pid

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

. "$top/scripts/nginx-parts.sh"
. "$top/packaging/apache/render.sh"

# Apache in front, as a school's LAMP server has it: its own small main configuration
# (Debian's modules, this port, logs in run_dir) around runbox's Apache configuration.
render_apache_front() {
    local user_lines=""
    [ "$(id -u)" = 0 ] && user_lines="User $nginx_user
Group $nginx_user"
    mkdir -p "$run_dir/apache" "$run_dir/apache-rt"
    render_apache "$run_dir/apache" "$run_dir/apache"
    {
        echo "# Rendered by scripts/stack.sh: Apache in front of runbox."
        echo "ServerRoot /etc/apache2"
        echo "DefaultRuntimeDir $run_dir/apache-rt"
        echo "PidFile $run_dir/apache.pid"
        echo "Mutex file:$run_dir/apache-rt default"
        for m in mpm_event authz_core authz_host authn_core auth_basic authn_file authz_user \
                 alias mime dir headers proxy proxy_fcgi reqtimeout deflate filter; do
            echo "Include /etc/apache2/mods-available/$m.load"
        done
        echo "$user_lines"
        echo "Listen $listen"
        echo "ServerName localhost"
        echo "ServerTokens Prod"
        echo "TypesConfig /etc/mime.types"
        echo "ErrorLog $run_dir/apache-error.log"
        echo "LogLevel warn"
        echo "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b\" common"
        echo "CustomLog $run_dir/apache-access.log common"
        echo "RequestReadTimeout header=20-40,MinRate=500 body=15,MinRate=500"
        echo "Include $run_dir/apache/runbox.conf"
        echo "RedirectMatch 302 \"^/$\" \"/runbox/\""
        echo "ErrorDocument 404 /runbox-errors/not_found.json"
    } > "$run_dir/apache2.conf"
    apache2 -t -f "$run_dir/apache2.conf" >/dev/null 2>"$run_dir/apache-check.log" ||
        { cat "$run_dir/apache-check.log" >&2; echo "Apache rejected $run_dir/apache2.conf" >&2; exit 1; }
}

render_nginx() {
    local user_line="" body_kb=$(( (body_max + 1023) / 1024 ))
    [ "$(id -u)" = 0 ] && user_line="user $nginx_user;"
    local auth_line="# no nginx_auth_include"
    if [ -n "$nginx_auth_include" ]; then
        [ -r "$nginx_auth_include" ] || { echo "nginx_auth_include: cannot read $nginx_auth_include" >&2; exit 1; }
        auth_line="include $nginx_auth_include;"
    fi
    render_nginx_parts "$run_dir" "$run_dir" "$run_dir/nginx-access.log" "run make start"
    sed -e "s|@USER_LINE@|$user_line|" -e "s|@RUN_DIR@|$run_dir|g" -e "s|@LISTEN@|$listen|g" \
        -e "s|@BODY_MAX@|${body_kb}k|g" -e "s|@AUTH_INCLUDE@|$auth_line|g" \
        -e "s|@PAGE_DIR@|$page_dir|g" "${RUNBOX_NGINX_MAIN:-$top/nginx/runbox.conf.in}" > "$run_dir/nginx.conf"
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
    if [ "$front" = apache ]; then render_apache_front; else render_nginx; fi
    setsid "$build/runbox-fcgi" --pid-file "$fcgi_pid" >>"$run_dir/fcgi.log" 2>&1 < /dev/null &
    if ! wait_for 15 test -S "$fcgi_socket"; then
        echo "the FastCGI pool did not start; its log says:" >&2
        tail -5 "$run_dir/fcgi.log" >&2
        exit 1
    fi
    if [ "$front" = apache ]; then
        # It goes into the background itself, its pid in run_dir/apache.pid.
        apache2 -f "$run_dir/apache2.conf" -k start >>"$run_dir/apache-error.log" 2>&1 < /dev/null
    else
        setsid nginx -c "$run_dir/nginx.conf" -e "$run_dir/nginx-error.log" \
            >>"$run_dir/nginx-error.log" 2>&1 < /dev/null &
    fi
    if ! wait_for 10 curl -s -o /dev/null "http://$listen/api/health"; then
        echo "$front did not start on $listen; its log says:" >&2
        tail -5 "$run_dir/$front-error.log" >&2
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
Logs: $run_dir/fcgi.log, $run_dir/$front-error.log
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
check)
    # Render nginx's configuration into run_dir and have nginx check it; start nothing.
    mkdir -p "$run_dir"
    if [ "$front" = apache ]; then
        render_apache_front
        echo "Apache accepts $run_dir/apache2.conf"
    else
        render_nginx
        echo "nginx accepts $run_dir/nginx.conf"
    fi
    ;;
status)
    if alive "$fcgi_pid" && alive "$nginx_pid"; then echo "running on http://$listen"; else echo "stopped"; exit 3; fi
    ;;
*)
    echo "usage: $0 run|start|stop|status|check" >&2
    exit 2
    ;;
esac
