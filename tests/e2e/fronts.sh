#!/usr/bin/env bash
# The editor API's suite (tests/e2e/run.sh) and the Jobe face's (tests/e2e/jobe.sh) once
# more through each web server a school may already have in front: runbox's nginx snippets
# inside a school's own server block beside its site (tests/fronts/school-site.conf.in), and
# Debian's Apache with runbox's Apache configuration (packaging/apache/runbox.conf.in).
# Each run has a stack and a port of its own (18120-18123). Where Apache gives a different
# guarantee, the suites check what it does give (see the README, "Behind Apache").
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
failed=()
run() { # front suite port
    echo "=== $2 through $1"
    if [ "$2" = run ]; then
        RUNBOX_E2E_FRONT=$1 RUNBOX_LISTEN=127.0.0.1:$3 tests/e2e/run.sh
    else
        RUNBOX_E2E_FRONT=$1 RUNBOX_JOBE_LISTEN=127.0.0.1:$3 tests/e2e/jobe.sh
    fi || failed+=("$2 through $1")
}
run school-nginx run 18120
run school-nginx jobe 18121
run apache run 18122
run apache jobe 18123
echo
if [ ${#failed[@]} -eq 0 ]; then
    echo "fronts: 4 suites passed"
else
    echo "fronts: failed: ${failed[*]}"
    exit 1
fi
