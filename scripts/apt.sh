# Sourced by scripts/deps.sh and scripts/test-deps.sh. apt_need WHAT PKG...: install the
# Debian packages of the list that are missing (as root), or say which are needed and
# fail. Returns 0 when nothing was missing, 10 when it installed something.
apt_need() {
    local what=$1 p missing=()
    shift
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "$what needs these Debian packages: ${missing[*]}; run as root or install them" >&2
        exit 1
    fi
    echo "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    return 10
}
