# Sourced by scripts/deb.sh and scripts/stack.sh: runbox's Apache configuration for one
# runbox.conf (the variables of `runbox-fcgi --print-config`, plus top and page_dir).
#
# render_apache OUT-DIR DIR [AUTH-FILE]: runbox.conf, errors/*.json and auth.conf into
# OUT-DIR, naming DIR as the folder they are read from. AUTH-FILE, if given, becomes
# auth.conf (the school's sign-in); else auth.conf only says how to add one.
render_apache() {
    local out=$1 dir=$2 auth=${3:-}
    local read_timeout=$(( wall_ms / 1000 + docker_timeout_ms / 1000 * 3 + 15 ))
    mkdir -p "$out/errors"
    sed -e "s|@APACHE_DIR@|$dir|g" -e "s|@FCGI_SOCKET@|$fcgi_socket|g" \
        -e "s|@BODY_MAX@|$body_max|g" -e "s|@FILE_BODY_MAX@|$file_body_max|g" \
        -e "s|@READ_TIMEOUT@|$read_timeout|g" -e "s|@PAGE_DIR@|$page_dir|g" \
        "$top/packaging/apache/runbox.conf.in" > "$out/runbox.conf"
    printf '{"error":{"code":"runner_unavailable","message":"The code runner is not available: its worker processes are not running. Tell your school'"'"'s admin (sudo systemctl restart runbox)."}}\n' \
        > "$out/errors/runner_unavailable.json"
    printf '{"error":{"code":"not_found","message":"There is nothing at this address. The API is under /api/: POST /api/editor/run, POST /api/editor/test, GET /api/exercises, GET /api/health, GET /api/languages; the Jobe API under /jobe/index.php/restapi/; the Piston API under /api/v2/; the editor page at /runbox/."}}\n' \
        > "$out/errors/not_found.json"
    printf '{"error":{"code":"body_incomplete","message":"The request did not arrive in full: the connection stalled or was closed while it was being sent. Send it again."}}\n' \
        > "$out/errors/body_incomplete.json"
    if [ -n "$auth" ]; then
        cp "$auth" "$out/auth.conf"
    else
        cat > "$out/auth.conf" <<'EOF'
# The school's sign-in for runbox's locations (empty: none). For passwords, for example:
#   AuthType Basic
#   AuthName "runbox"
#   AuthUserFile /etc/runbox/htpasswd
#   Require valid-user
# The signed-in name reaches runbox as its user ("remote:NAME" in the admin command).
# Then: systemctl reload apache2.
EOF
    fi
}
