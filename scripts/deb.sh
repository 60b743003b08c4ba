#!/usr/bin/env bash
# make deb: the Debian package build/runbox_VERSION_amd64.deb, from a tree staged here and
# packed by dpkg-deb. RUNBOX_DEB_VERSION overrides packaging/VERSION (the upgrade test
# builds a newer one).
#   scripts/deb.sh [OUT-DIR=build]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${1:-$top/build}
version=${RUNBOX_DEB_VERSION:-$(cat packaging/VERSION)}
# Who built it, the Debian way (DEBFULLNAME, DEBEMAIL); a school building its own package
# may leave them unset.
maintainer="${DEBFULLNAME:-runbox maintainers} <${DEBEMAIL:-runbox@localhost}>"
stage=$out/deb/runbox_${version}_amd64
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"

for f in build/runbox build/runbox-fcgi build/runbox-agent build/seccomp.json build/page/index.html; do
    [ -e "$f" ] || { echo "deb: $f is missing: run make first" >&2; exit 1; }
done

# The programs: the admin command and the server on PATH, the agent (copied into every
# container) and the seccomp profile beside them. Stripped: the debug symbols stay in build/.
install -D -m 0755 build/runbox "$stage/usr/bin/runbox"
install -D -m 0755 build/runbox-fcgi "$stage/usr/bin/runbox-fcgi"
install -D -m 0755 build/runbox-agent "$stage/usr/lib/runbox/runbox-agent"
install -D -m 0644 build/seccomp.json "$stage/usr/lib/runbox/seccomp.json"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
    "$stage/usr/bin/runbox" "$stage/usr/bin/runbox-fcgi" "$stage/usr/lib/runbox/runbox-agent"

# The language registry and the image folders, with the script that builds them
# (runbox images build); the agent's and the seccomp profile's sources stay out.
share=$stage/usr/share/runbox
mkdir -p "$share/images"
install -m 0644 images/languages.conf "$share/images/languages.conf"
install -m 0755 images/build.sh "$share/images/build.sh"
for d in images/*/; do
    d=${d%/}
    [ -f "$d/Dockerfile" ] || [ "$d" = images/base ] || continue
    cp -r "$d" "$share/images/"
done
# Modes as in the tree (a script an image copies in must stay executable), writable by root only.
chmod -R u+rwX,go+rX,go-w "$share/images"
# The editor page.
cp -r build/page "$share/page"
find "$share/page" -type f -exec chmod 0644 {} +

# The configuration: runbox.conf with the installed paths (a conffile: an upgrade keeps
# the admin's edits).
install -d "$stage/etc/runbox"
sed -e 's|^agent_path = .*|agent_path = /usr/lib/runbox/runbox-agent|' \
    -e 's|^seccomp_profile = .*|seccomp_profile = /usr/lib/runbox/seccomp.json|' \
    -e 's|^languages = .*|languages = /usr/share/runbox/images/languages.conf|' \
    -e 's|^# The in-container agent and the seccomp profile, both built by `make`.|# The in-container agent and the seccomp profile, installed by the package.|' \
    -e 's|^# Address nginx listens on.*|# Address of the nginx that `make run` starts in a source tree; not used by the package,|' \
    -e 's|^# in front of it; keep it on 127.0.0.1.*|# which sits behind the school'"'"'s own nginx or Apache (/etc/runbox/nginx, /etc/runbox/apache).|' \
    -e 's|make deps creates .runbox.|the package creates '"'"'runbox'"'"'|' \
    -e 's|^#nginx_auth_include = .*|# (The package'"'"'s nginx snippets include /etc/runbox/nginx/auth.conf instead.)|' \
    runbox.conf > "$stage/etc/runbox/runbox.conf"
chmod 0644 "$stage/etc/runbox/runbox.conf"

# nginx: runbox's locations for the school's server block (/etc/runbox/nginx/runbox.conf),
# its maps for the http block (included through /etc/nginx/conf.d), the optional
# server-level error page, and the sign-in snippet, empty until the admin fills it in.
eval "$(RUNBOX_CONF=$stage/etc/runbox/runbox.conf build/runbox-fcgi --print-config)"
. scripts/nginx-parts.sh
auth_line="include /etc/runbox/nginx/auth.conf;"
page_dir=/usr/share/runbox/page
ngx=$stage/etc/runbox/nginx
mkdir -p "$ngx" "$stage/etc/nginx/conf.d"
render_nginx_parts "$ngx" /etc/runbox/nginx /var/log/nginx/runbox-access.log \
    "sudo systemctl restart runbox"
mv "$ngx/locations.conf" "$ngx/runbox.conf"
cat > "$ngx/auth.conf" <<'EOF'
# The school's sign-in for runbox's locations (empty: none). To ask for a password, copy
# /usr/share/doc/runbox/examples/auth-basic.conf here, or set
#   fastcgi_param RUNBOX_USER <the signed-in name>;
# from the school's own authentication. Then: systemctl reload nginx.
EOF
printf '# runbox: its maps and log format, for the http block (see /etc/runbox/nginx).\ninclude /etc/runbox/nginx/http.conf;\n' \
    > "$stage/etc/nginx/conf.d/runbox.conf"
if [ -f packaging/apache/runbox.conf.in ]; then
    mkdir -p "$stage/etc/runbox/apache" "$stage/etc/apache2/conf-available"
    . packaging/apache/render.sh
    render_apache "$stage/etc/runbox/apache" /etc/runbox/apache
    printf '# runbox behind Apache: a2enconf runbox (needs a2enmod proxy_fcgi).\nInclude /etc/runbox/apache/runbox.conf\n' \
        > "$stage/etc/apache2/conf-available/runbox.conf"
fi
find "$stage/etc" -type f -exec chmod 0644 {} +

# The service.
install -D -m 0644 packaging/runbox.service "$stage/lib/systemd/system/runbox.service"

# Manual pages.
install -d "$stage/usr/share/man/man1" "$stage/usr/share/man/man8"
gzip -9n < packaging/man/runbox.1 > "$stage/usr/share/man/man1/runbox.1.gz"
gzip -9n < packaging/man/runbox-fcgi.8 > "$stage/usr/share/man/man8/runbox-fcgi.8.gz"
chmod 0644 "$stage"/usr/share/man/man*/*.gz
# The lintian overrides, each with its reason.
if [ -f packaging/lintian-overrides ]; then
    install -D -m 0644 packaging/lintian-overrides "$stage/usr/share/lintian/overrides/runbox"
fi

# Documentation: the README, the sign-in example, the copyright and the changelog.
doc=$stage/usr/share/doc/runbox
install -d "$doc/examples"
gzip -9n < README.md > "$doc/README.md.gz"
install -m 0644 nginx/auth-basic.conf.example "$doc/examples/auth-basic.conf"
install -m 0644 packaging/copyright "$doc/copyright"
sed "s/@VERSION@/$version/; s/@MAINTAINER@/$maintainer/; s/@DATE@/$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")/" \
    packaging/changelog.in | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc"/*.gz

# The package's own files.
(cd "$stage" && find etc -type f | sed 's|^|/|' | sort) > "$stage/DEBIAN/conffiles"
install -m 0755 packaging/postinst packaging/prerm packaging/postrm "$stage/DEBIAN/"
# The libraries the binaries link, as Debian's own tool names them (it wants a
# debian/control to read: a two-line one in a folder of its own).
shl=$(mktemp -d)
mkdir -p "$shl/debian"
printf 'Source: runbox\n\nPackage: runbox\nArchitecture: any\n' > "$shl/debian/control"
depends=$(cd "$shl" && dpkg-shlibdeps -O -e "$stage/usr/bin/runbox" -e "$stage/usr/bin/runbox-fcgi" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p' || true)
rm -rf "$shl"
[ -n "$depends" ] || depends="libc6, libcurl4, libfcgi0ldbl, libjansson4, libsqlite3-0"
sed -e "s/@VERSION@/$version/" -e "s/@MAINTAINER@/$maintainer/" -e "s/@SIZE@/$(du -sk --exclude=DEBIAN "$stage" | cut -f1)/" \
    -e "s/@DEPENDS@/$depends, adduser, docker.io | docker-ce, debootstrap/" \
    packaging/control.in > "$stage/DEBIAN/control"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
    > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"
deb=$out/runbox_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "deb: $deb ($(du -k "$deb" | cut -f1) KB)"
