#!/bin/sh
# bench/logins.sh: what N logins of one user cost the authority, the way
# pam_bearer runs the helper at each login (login --password-stdin), with the
# store shared by the user's sessions (--reuse) against the baseline of a new
# login each time (no --reuse), in the same run against the same authority.
#
#   1. N logins within the access token's life: password grants and all
#      requests the authority received, and the helper's wall time per login
#      (reuse / baseline; the baseline's time is mostly the grant's round trip).
#   2. N logins, each finding the token due for renewal: the reuse side must
#      make refreshes, not grants.
# The authority is tests/fixtures/emulator.py (oauth2 dialect, HTTPS, a users
# file).  Environment: BUILD_DIR (default build), PYTHON3, BENCH_LOGINS_N
# (default 20), BENCH_LOGINS_ROUNDS (default 5, for the times).  Nothing here
# fails on timing; it fails only if a count is not what the goal says.
set -eu
cd "$(dirname "$0")"
top=$(cd .. && pwd)
build=$top/${BUILD_DIR:-build}
python=${PYTHON3:-/usr/bin/python3}
N=${BENCH_LOGINS_N:-20}
ROUNDS=${BENCH_LOGINS_ROUNDS:-5}
helper=$build/helper/bearer-token
export BEARER_TOKEN_PLUGIN=$build/helper/.libs/bearer-token-net.so

[ -x "$helper" ] && [ -f "$BEARER_TOKEN_PLUGIN" ] || { echo "logins.sh: build first (./bootstrap build)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-logins.XXXXXX")
emulator_pid=
trap '[ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
. ./emulator.sh
bench_emulator
printf 'bench-password\n' >"$tmp/pw"

count() { c=$(grep -c -F "$1" "$log" 2>/dev/null || true); echo "${c:-0}"; }
requests() { if [ -f "$log" ]; then wc -l <"$log"; else echo 0; fi; }
now_ns() { date +%s%N; }
# logins NAME FLAGS [due]: N logins into a fresh cache; prints "grants refreshes requests ns".
logins() {
    cache=$tmp/cache-$1
    rm -rf "$cache"
    g0=$(count "oauth2 password POST /token 200") f0=$(count "oauth2 refresh POST /token 200") q0=$(requests)
    t0=$(now_ns)
    i=0
    while [ $i -lt "$N" ]; do
        [ "${3:-}" = due ] && [ $i -gt 0 ] && bench_due "$cache/bench.json"
        BEARER_TOKEN_CACHE=$cache "$helper" login $2 --config "$tmp/conf" --user alice --password-stdin \
            <"$tmp/pw" 2>>"$tmp/helper.err"
        i=$((i + 1))
    done
    t1=$(now_ns)
    echo "$(($(count "oauth2 password POST /token 200") - g0)) $(($(count "oauth2 refresh POST /token 200") - f0)) $(($(requests) - q0)) $((t1 - t0))"
}

echo "== 1. $N logins of alice within the token's life ($ROUNDS rounds, alternating which goes first)"
base_ns=0 reuse_ns=0 r=0
while [ $r -lt "$ROUNDS" ]; do
    if [ $((r % 2)) = 0 ]; then
        set -- $(logins base "") ; b="$*"
        set -- $(logins reuse --reuse) ; u="$*"
    else
        set -- $(logins reuse --reuse) ; u="$*"
        set -- $(logins base "") ; b="$*"
    fi
    set -- $b; bg=$1 bq=$3 base_ns=$((base_ns + $4))
    set -- $u; ug=$1 uq=$3 reuse_ns=$((reuse_ns + $4))
    echo "   round $((r + 1)): baseline $bg grants, $bq requests; --reuse $ug grant(s), $uq request(s)"
    r=$((r + 1))
done
per_base=$((base_ns / ROUNDS / N / 1000)) per_reuse=$((reuse_ns / ROUNDS / N / 1000))
ratio=$(awk -v a="$reuse_ns" -v b="$base_ns" 'BEGIN { printf "%.3f", a / b }')
echo "   helper time per login: baseline $per_base µs, --reuse $per_reuse µs, ratio $ratio"

echo "== 2. $N logins, each finding the token due for renewal"
set -- $(logins due-base "" due); dbg=$1 dbf=$2
set -- $(logins due-reuse --reuse due); dug=$1 duf=$2
echo "   baseline: $dbg grants, $dbf refreshes; --reuse: $dug grant(s), $duf refreshes"

echo
echo "summary: $N logins cost the authority $ug password grant(s) with --reuse, $bg without" \
    "(requests $uq against $bq); logins due for renewal: $dug grant(s) and $duf refreshes" \
    "against $dbg grants; helper time per login $ratio of the baseline"
[ "$ug" = 1 ] && [ "$uq" = 1 ] && [ "$bg" = "$N" ] && [ "$dug" = 1 ] && [ "$duf" = $((N - 1)) ] || {
    echo "logins.sh: the counts miss the goal (see $tmp/helper.err)" >&2
    trap - EXIT
    exit 1
}
