#!/usr/bin/env bash
# Before and after, side by side in one run: hello world in one language through two stacks
# of runbox, one built from an earlier commit (REF) and one from this tree, with a warm pool
# each. Requests alternate between the two (A, B, A, B...) with a pause before each (not
# timed) so both pools refill, so the machine's noise falls on both alike. Prints the p50,
# p95, min and max of each and the difference of the medians. Request times are curl's own
# time_total (connect, send, answer), so starting curl is not counted.
#   tests/bench/ab.sh REF [LANG=c] [N=20]
# e.g. the cost of holding compiled programs to their memory limit in the kernel:
#   tests/bench/ab.sh 3508b62 c 20
# REF's tree is exported with `git archive` into a temporary folder and built there (its C
# programs only; the language images are shared, as both trees build the same ones). Starts
# its own stacks (ports 18093 and 18094, instances bench-a and bench-b), stops them at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
ref=${1:?usage: tests/bench/ab.sh REF [LANG] [N]}
lang=${2:-c}
n=${3:-20}
git rev-parse -q --verify "$ref^{commit}" >/dev/null || { echo "no commit '$ref' here" >&2; exit 1; }
[ -x build/runbox-fcgi ] || { echo "build this tree first: make" >&2; exit 1; }
. "$top/tests/bench/hello.sh"
[ -n "$(hello "$lang")" ] || { echo "no hello world for '$lang' here" >&2; exit 1; }
dir=$(mktemp -d /tmp/runbox-ab.XXXXXX)
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT

hello "$lang" | jq -Rs --arg l "$lang" '{language: $l, code: .}' > "$dir/body.json"

# The language alone, from this tree's registry, for both stacks: one pool to fill.
awk -v s="[$lang]" '/^\[/ { p = ($0 == s) } p' images/languages.conf > "$dir/languages.conf"
[ -s "$dir/languages.conf" ] || { echo "'$lang' is not in images/languages.conf" >&2; exit 1; }

echo "building $ref in $dir/a"
mkdir "$dir/a"
git archive "$ref" | tar -x -C "$dir/a"
# Docker's seccomp profile comes from a Debian package; reuse this tree's copy if there is one.
mkdir -p "$dir/a/build"
[ -f build/docker-default-seccomp.json ] && cp build/docker-default-seccomp.json "$dir/a/build/"
make -C "$dir/a" -s all >"$dir/a-build.log" 2>&1 || { tail -20 "$dir/a-build.log" >&2; exit 1; }

export RUNBOX_QUOTA_PER_MINUTE=1000000 RUNBOX_QUOTA_PER_DAY=100000000 RUNBOX_QUOTA_CONCURRENT=1000
export RUNBOX_LANGUAGES=$dir/languages.conf RUNBOX_POOL_SIZE=3
stack() { # start|stop TREE NAME PORT
    RUNBOX_CONF=$2/runbox.conf RUNBOX_INSTANCE=bench-$3 RUNBOX_RUN_DIR=$dir/$3 \
        RUNBOX_DB_PATH=$dir/$3/db/runbox.db RUNBOX_LISTEN=127.0.0.1:$4 \
        "$2/scripts/stack.sh" "$1" >/dev/null
}
cleanup() {
    stack stop "$dir/a" a 18093 || true
    stack stop "$top" b 18094 || true
    rm -rf "$dir"
}
trap cleanup EXIT
stack start "$dir/a" a 18093
stack start "$top" b 18094
idle() { idle_at "$([ "$1" = a ] && echo 18093 || echo 18094)"; } # stack a or b
for _ in $(seq 1 120); do
    [ "$(idle a)" -ge 3 ] && [ "$(idle b)" -ge 3 ] && break
    sleep 0.5
done

post() { # port out-file: one timed request; the answer must be hello world
    curl -s -o "$2" -w '%{time_total}\n' http://127.0.0.1:"$1"/api/editor/run \
        -H 'Content-Type: application/json' --data-binary @"$dir/body.json"
}
for p in 18093 18094; do
    post "$p" "$dir/check.json" >/dev/null
    jq -e '.status == "ok" and .output.stdout == "hello world\n"' "$dir/check.json" >/dev/null ||
        { echo "the stack on $p did not answer hello world:" >&2; head -c 600 "$dir/check.json" >&2; exit 1; }
done
: > "$dir/a.times"; : > "$dir/b.times"
for i in $(seq 1 $((n + 2))); do
    for s in a b; do
        sleep 1.5
        t=$(post "$([ $s = a ] && echo 18093 || echo 18094)" "$dir/$s.json")
        jq -e '.status == "ok"' "$dir/$s.json" >/dev/null ||
            { echo "run $i on $s failed:" >&2; head -c 600 "$dir/$s.json" >&2; exit 1; }
        [ "$i" -gt 2 ] && echo "$t" >> "$dir/$s.times"   # the first two of each: warm-up
    done
done

stats() { # times-file: p50 p95 min max in ms
    jq -rs 'sort | map(. * 1000) | [.[((length - 1) / 2 | floor)], .[((length - 1) * 95 / 100 | floor)], .[0], .[-1]]
        | map(floor | tostring) | join(" ")' "$1"
}
read -r a50 a95 amin amax < <(stats "$dir/a.times")
read -r b50 b95 bmin bmax < <(stats "$dir/b.times")
echo "$lang hello world, $n runs each, alternating, warm pool of 3, $(nproc) cores, $(date -u +%Y-%m-%d):"
printf '  %-28s %7s %7s %7s %7s\n' "" p50 p95 min max
printf '  %-28s %4s ms %4s ms %4s ms %4s ms\n' "before: $(git rev-parse --short "$ref")" "$a50" "$a95" "$amin" "$amax"
printf '  %-28s %4s ms %4s ms %4s ms %4s ms\n' "after: this tree" "$b50" "$b95" "$bmin" "$bmax"
echo "  difference of the medians: $((b50 - a50)) ms"
