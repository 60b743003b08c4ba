#!/usr/bin/env bash
# The Debian package on this machine, as a school's admin uses it: build it (make deb),
# lintian, install it with apt, check the unit with systemd-analyze, build the images with
# `runbox images build`, start the server the way runbox.service does (this machine runs no
# systemd: the unit's ExecStart, as root, in the RuntimeDirectory it names), then a run
# through Apache (a2enconf runbox, Debian's modules, on a port of its own) and one through a
# school's own nginx that includes the package's snippets beside its site; a backup; an
# upgrade to a newer version keeps the database and the admin's edit of runbox.conf; remove
# keeps the database, purge removes it. Needs root; it installs and purges the package.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "package: needs root (it installs the package)"; exit 1; }
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "  ok   $1"; }
bad() {
    fail=$((fail + 1)); echo "  FAIL $1"
    for f in "$t/ans" "$t/out"; do [ -s "$f" ] && tail -c 600 "$f" | sed 's/^/       /'; done; echo
}
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
t=$(mktemp -d /var/tmp/runbox-package.XXXXXX)
chmod 755 "$t"
server_pid= apache_pid= nginx_pid=
stop_server() {
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null &&
        for _ in $(seq 1 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    server_pid=
}
cleanup() {
    stop_server
    [ -n "$apache_pid" ] && kill -TERM "$apache_pid" 2>/dev/null
    [ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null
    sleep 0.5
    if dpkg-query -W -f='${Status}' runbox 2>/dev/null | grep -q installed; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q runbox >/dev/null 2>&1
    fi
    # shellcheck disable=SC2086
    [ -z "${mods_enabled:-}" ] || a2dismod -q -f $mods_enabled >/dev/null 2>&1
    [ -n "${KEEP:-}" ] || rm -rf "$t"
}
trap cleanup EXIT
apt_quiet() { DEBIAN_FRONTEND=noninteractive apt-get "$@" -y -q -o Dpkg::Options::=--force-confold >"$t/out" 2>&1; }
wait_for() { local n=$(( $1 * 10 )); shift; for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }
py_run() { # base-url -> the answer in $t/ans, the status in $code
    code=$(curl -s -o "$t/ans" -w '%{http_code}' --max-time 60 -H 'Content-Type: application/json' \
        --data-binary '{"language": "python", "code": "print(\"installed\")"}' "$1/api/editor/run")
}
# The server as runbox.service starts it: its ExecStart, root, the RuntimeDirectory made.
start_server() {
    local exec
    exec=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/runbox.service)
    install -d -m 0755 /run/runbox
    setsid $exec >>"$t/journal.log" 2>&1 < /dev/null &
    server_pid=$!
    wait_for 30 test -S /run/runbox/fcgi.sock
}

echo "== make deb, lintian"
make -s deb >"$t/out" 2>&1
deb=$(ls build/runbox_"$(cat packaging/VERSION)"_amd64.deb 2>/dev/null)
check "make deb builds build/runbox_$(cat packaging/VERSION)_amd64.deb" test -n "$deb"
lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'root privileges' > "$t/out"
check "lintian: no error, no warning (the overrides say why)" sh -c "! grep -qE '^[EW]:' '$t/out'"

echo "== install"
if dpkg-query -W -f='${Status}' runbox 2>/dev/null | grep -q installed; then apt_quiet purge runbox; fi
rm -rf /var/lib/runbox /etc/runbox
apt_quiet install "./$deb"
check "apt install ./runbox_*.deb" dpkg-query -W -f='${Status}' runbox
check "runbox is on PATH, runbox-fcgi too" sh -c '[ "$(command -v runbox)" = /usr/bin/runbox ] && [ -x /usr/bin/runbox-fcgi ]'
check "the agent and the seccomp profile are under /usr/lib/runbox" \
    test -x /usr/lib/runbox/runbox-agent -a -f /usr/lib/runbox/seccomp.json
check "the system user runbox, with no login and outside the docker group" sh -c \
    'getent passwd runbox | grep -q ":/usr/sbin/nologin$" && ! id -nG runbox | grep -qw docker'
check "/etc/runbox/runbox.conf and the snippets are conffiles" sh -c \
    "dpkg-query -W -f='\${Conffiles}' runbox | grep -q /etc/runbox/runbox.conf && dpkg-query -W -f='\${Conffiles}' runbox | grep -q /etc/runbox/apache/runbox.conf"
check "the database's folder /var/lib/runbox" test -d /var/lib/runbox
check "the man pages" sh -c 'man -w runbox >/dev/null 2>&1 || test -f /usr/share/man/man1/runbox.1.gz'
systemd-analyze verify /lib/systemd/system/runbox.service > "$t/out" 2>&1
check "systemd-analyze verify runbox.service: no complaint" sh -c "! grep -v 'docker.service' '$t/out' | grep -q ."
systemd-analyze security --offline=true /lib/systemd/system/runbox.service > "$t/security" 2>&1 || true
echo "  ($(grep -o 'Overall exposure level.*' "$t/security" | head -1))"

echo "== runbox images build (from /usr/share/runbox/images)"
rc=0; runbox images build > "$t/out" 2>&1 || rc=$?
check "runbox images build: exit 0, every image built or up to date" sh -c \
    "[ $rc = 0 ] && grep -q 'image runbox/runner:latest' '$t/out' && ! grep -qv -e 'up to date' -e 'built' -e 'present' -e 'building' '$t/out'"
echo "  ($(grep -c 'up to date' "$t/out") images up to date, $(grep -c ': built' "$t/out") built)"

echo "== the service, started the way the unit does"
start_server
check "runbox-fcgi -c /etc/runbox/runbox.conf serves /run/runbox/fcgi.sock" test -S /run/runbox/fcgi.sock
check "the database is in /var/lib/runbox, the workers' user's" sh -c \
    'test -f /var/lib/runbox/runbox.db && [ "$(stat -c %U /var/lib/runbox)" = runbox ]'

echo "== through Apache (a2enconf runbox)"
# The modules runbox needs, enabled as the README says (and disabled again at the end if
# this test enabled them).
mods_enabled=
for m in proxy_fcgi headers; do
    [ -e /etc/apache2/mods-enabled/$m.load ] || mods_enabled="$mods_enabled $m"
done
a2enmod -q proxy_fcgi headers >/dev/null
a2enconf -q runbox >/dev/null
check "a2enconf runbox" test -L /etc/apache2/conf-enabled/runbox.conf
mkdir -p "$t/apache-rt"
cat > "$t/apache2.conf" <<EOF
# Debian's Apache with what a2enmod and a2enconf enabled, on a port of its own.
ServerRoot /etc/apache2
DefaultRuntimeDir $t/apache-rt
PidFile $t/apache.pid
Mutex file:$t/apache-rt default
User www-data
Group www-data
IncludeOptional /etc/apache2/mods-enabled/*.load
IncludeOptional /etc/apache2/mods-enabled/*.conf
Listen 127.0.0.1:18130
ServerName localhost
ErrorLog $t/apache-error.log
LogFormat "%h %u \"%r\" %>s" short
CustomLog $t/apache-access.log short
IncludeOptional /etc/apache2/conf-enabled/*.conf
EOF
(set +u; . /etc/apache2/envvars && export APACHE_LOG_DIR=$t && apache2 -f "$t/apache2.conf" -k start) > "$t/out" 2>&1
wait_for 10 test -s "$t/apache.pid" && apache_pid=$(cat "$t/apache.pid")
check "Apache starts with runbox's configuration" test -n "$apache_pid"
py_run http://127.0.0.1:18130
check "a run through Apache" sh -c "[ $code = 200 ] && jq -e '.status == \"ok\" and .output.stdout == \"installed\n\"' '$t/ans' >/dev/null"
code=$(curl -s -o "$t/ans" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary '{"run_spec":{"language_id":"python3","sourcecode":"print(42)","sourcefilename":"test.py"}}' \
    "http://127.0.0.1:18130/jobe/index.php/restapi/runs")
check "a Jobe run through Apache (outcome 15)" sh -c "[ $code = 200 ] && jq -e '.outcome == 15 and .stdout == \"42\n\"' '$t/ans' >/dev/null"
code=$(curl -s -o "$t/ans" -w '%{http_code}' http://127.0.0.1:18130/runbox/)
check "the editor page at /runbox/ through Apache" sh -c "[ $code = 200 ] && grep -q '<title>runbox</title>' '$t/ans'"

echo "== through a school's own nginx (the package's snippets)"
mkdir -p "$t/site" "$t/nginx"
echo '<h1>Our school</h1>' > "$t/site/index.html"
cat > "$t/nginx.conf" <<EOF
# A school's nginx: its site at /, and runbox added as the README says.
user www-data;
worker_processes 1;
pid $t/nginx.pid;
error_log $t/nginx-error.log warn;
daemon off;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log $t/nginx-access.log;
    client_body_temp_path $t/nginx;
    include /etc/nginx/conf.d/runbox.conf;
    server {
        listen 127.0.0.1:18131;
        root $t/site;
        location / { try_files \$uri \$uri/ =404; }
        include /etc/runbox/nginx/runbox.conf;
    }
}
EOF
# Its access log for runbox's locations (as the package's snippet names it).
mkdir -p /var/log/nginx
setsid nginx -c "$t/nginx.conf" -e "$t/nginx-error.log" >>"$t/nginx-error.log" 2>&1 < /dev/null &
nginx_pid=$!
wait_for 10 curl -s -o /dev/null http://127.0.0.1:18131/
py_run http://127.0.0.1:18131
check "a run through the school's nginx" sh -c "[ $code = 200 ] && jq -e '.output.stdout == \"installed\n\"' '$t/ans' >/dev/null"
code=$(curl -s -o "$t/ans" -w '%{http_code}' http://127.0.0.1:18131/)
check "... whose own site still answers at /" sh -c "[ $code = 200 ] && grep -q 'Our school' '$t/ans'"
code=$(curl -s -o "$t/ans" -w '%{http_code}' http://127.0.0.1:18131/runbox/)
check "... and the editor page is at /runbox/" sh -c "[ $code = 200 ] && grep -q '<title>runbox</title>' '$t/ans'"

echo "== backup"
runbox user add amy > "$t/out" 2>&1
runbox backup "$t/backup.db" > "$t/out" 2>&1
check "runbox backup while the server runs" sh -c \
    "[ \"\$(sqlite3 '$t/backup.db' 'select count(*) from runs')\" -ge 3 ] && [ \"\$(sqlite3 '$t/backup.db' \"select count(*) from users where name = 'amy'\")\" = 1 ]"
check "... the copy is root's, mode 0600" test "$(stat -c '%U %a' "$t/backup.db")" = "root 600"

echo "== upgrade"
runs_before=$(sqlite3 /var/lib/runbox/runbox.db 'select count(*) from runs')
sed -i 's/^quota_per_minute = .*/quota_per_minute = 17/' /etc/runbox/runbox.conf
RUNBOX_DEB_VERSION=$(cat packaging/VERSION).1 scripts/deb.sh "$t" > "$t/out" 2>&1
newer=$(ls "$t"/runbox_*.1_amd64.deb 2>/dev/null)
stop_server
apt_quiet install "$newer"
check "apt install of a newer version" test "$(dpkg-query -W -f='${Version}' runbox)" = "$(cat packaging/VERSION).1"
check "... keeps the admin's edit of runbox.conf" grep -q '^quota_per_minute = 17$' /etc/runbox/runbox.conf
start_server
py_run http://127.0.0.1:18130
check "... the new server answers through Apache" test "$code" = 200
check "... with the database kept: its runs, and amy" sh -c \
    "[ \"\$(sqlite3 /var/lib/runbox/runbox.db 'select count(*) from runs')\" -gt $runs_before ] && runbox user list | grep -q '^amy '"
check "... and the edited quota in force" sh -c "runbox --json quota show | jq -e '.defaults.per_minute == 17' >/dev/null"
stop_server

echo "== remove, then purge"
apt_quiet remove runbox
check "remove: the programs go" test ! -e /usr/bin/runbox
check "... the database stays" test -f /var/lib/runbox/runbox.db
apt_quiet purge runbox
check "purge: the database and the configuration go" test ! -e /var/lib/runbox -a ! -e /etc/runbox
check "... and Apache's link to runbox's configuration" test ! -e /etc/apache2/conf-enabled/runbox.conf

echo
echo "package: $pass passed, $fail failed"
[ "$fail" = 0 ]
