# Sourced by scripts/stack.sh and scripts/deb.sh: runbox's nginx files rendered for one
# configuration (the variables of `runbox-fcgi --print-config`, plus top, auth_line and
# page_dir).
#
# render_nginx_parts OUT-DIR DIR ACCESS-LOG START-HINT: http.conf, locations.conf,
# server-errors.conf, fastcgi_params and runbox-bad-http.json into OUT-DIR, naming DIR as
# the folder they are read from (the same folder, or where a package installs them).
render_nginx_parts() {
    local out=$1 dir=$2 access_log=$3 hint=$4
    local read_timeout=$(( wall_ms / 1000 + docker_timeout_ms / 1000 * 3 + 15 ))
    local body_kb=$(( (body_max + 1023) / 1024 )) file_body_kb=$(( (file_body_max + 1023) / 1024 ))
    cp "$top/nginx/fastcgi_params" "$top/nginx/runbox-bad-http.json" "$top/nginx/http.conf" \
        "$top/nginx/server-errors.conf" "$out/"
    sed -e "s|@NGINX_DIR@|$dir|g" -e "s|@ACCESS_LOG@|$access_log|g" \
        -e "s|@FCGI_SOCKET@|$fcgi_socket|g" -e "s|@BODY_MAX@|${body_kb}k|g" \
        -e "s|@FILE_BODY_MAX@|${file_body_kb}k|g" -e "s|@BODY_MAX_TEXT@|${body_kb} KB|g" \
        -e "s|@READ_TIMEOUT@|$read_timeout|g" -e "s|@AUTH_INCLUDE@|$auth_line|g" \
        -e "s|@PAGE_DIR@|$page_dir|g" -e "s|@START_HINT@|$hint|g" \
        "$top/nginx/locations.conf.in" > "$out/locations.conf"
}
