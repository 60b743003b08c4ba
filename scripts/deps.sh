#!/usr/bin/env bash
# Install the Debian packages runbox needs (only those missing) and make sure the Docker
# daemon answers, starting it when it does not (no systemd on a bare VM or in CI).
set -euo pipefail

pkgs=(gcc make pkg-config libc6-dev libfcgi-dev libjansson-dev libcurl4-openssl-dev
      libcmocka-dev libsqlite3-dev sqlite3 nginx-light docker.io debootstrap curl jq hyperfine wrk
      ca-certificates)
. "$(dirname "$0")/apt.sh"
rc=0
apt_need runbox "${pkgs[@]}" || rc=$?
# Node.js and npm build the editor page (scripts/page.sh); Debian's, unless a node is there.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_need "the editor page" nodejs npm || true
fi
if [ "$rc" = 10 ]; then
    # The nginx package may start a default server on port 80: runbox runs its own.
    if [ -f /run/nginx.pid ] && [ ! -e /etc/runbox-keep-system-nginx ]; then
        nginx -s quit 2>/dev/null || true
    fi
fi

# The FastCGI workers parse what students send, so they run as a user of their own with no
# access to Docker (worker_user in runbox.conf); only the runner process holds the socket.
if ! getent passwd runbox >/dev/null; then
    echo "creating the system user 'runbox' for the FastCGI workers"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin runbox
fi

sock=/var/run/docker.sock
docker_ok() { curl -sf --max-time 3 --unix-socket "$sock" http://docker/_ping >/dev/null 2>&1; }
if ! docker_ok; then
    echo "starting dockerd (log: /var/log/runbox-dockerd.log)"
    # setsid: dockerd must outlive this script and the make that ran it.
    setsid dockerd >>/var/log/runbox-dockerd.log 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
        docker_ok && break
        sleep 0.5
    done
    docker_ok || { echo "dockerd did not start; see /var/log/runbox-dockerd.log" >&2; exit 1; }
fi
