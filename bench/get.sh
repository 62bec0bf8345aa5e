#!/bin/sh
# bench/get.sh: bearer-token get, measured against what it cannot beat.
#
#   1. `bearer-token get` with a valid cache against json-field, a minimal C
#      program that reads a small JSON file and prints one field with the
#      same parser (the floor: start, read, parse, print).  Whole processes,
#      alternating rounds (bench-spawn); goal: ratio within 1.5.
#   2. Which libraries that cached get maps (LD_DEBUG=libs): libcurl,
#      libssl, libcrypto and libldap must not be among them.
#   3. 50 concurrent gets at the renewal point against one get at the renewal
#      point (wall time, each round from the same cache state), and the
#      renewal requests each herd caused (goal: 1).
# The authority is tests/fixtures/emulator.py (oauth2 dialect, HTTPS, a users
# file).  Environment: BUILD_DIR (default build), CC, PYTHON3,
# BENCH_GET_RUNS (runs per round, default 500), BENCH_GET_ROUNDS (default 10),
# BENCH_HERD_ROUNDS (default 10).  Nothing here fails on timing.
set -eu
cd "$(dirname "$0")"
bench=$(pwd)
top=$(cd .. && pwd)
build=$top/${BUILD_DIR:-build}
python=${PYTHON3:-/usr/bin/python3}
CC=${CC:-gcc}
RUNS=${BENCH_GET_RUNS:-500}
ROUNDS=${BENCH_GET_ROUNDS:-10}
HERD_ROUNDS=${BENCH_HERD_ROUNDS:-10}
helper=$build/helper/bearer-token
export BEARER_TOKEN_PLUGIN=$build/helper/.libs/bearer-token-net.so

[ -x "$helper" ] && [ -f "$BEARER_TOKEN_PLUGIN" ] || { echo "get.sh: build first (./bootstrap build)" >&2; exit 1; }
$CC -O2 -Wall -Wextra -o "$bench/bench-spawn" "$bench/bench-spawn.c"
$CC -O2 -Wall -Wextra -o "$bench/json-field" "$bench/json-field.c" $(pkg-config --cflags --libs jansson)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-get.XXXXXX")
emulator_pid=
trap '[ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
. "$bench/emulator.sh"
bench_emulator
export BEARER_TOKEN_CACHE=$tmp/cache
echo bench-password | "$helper" login --config "$tmp/conf" --user alice --password-stdin
cache=$tmp/cache/bench.json

echo "== 1. cached get against json-field ($ROUNDS rounds of $RUNS runs each)"
"$bench/bench-spawn" -n "$RUNS" -r "$ROUNDS" "$bench/json-field" "$cache" access_token \
    -- "$helper" get --config "$tmp/conf" | tee "$tmp/spawn.out"
ratio=$(sed -n 's/^ratio //p' "$tmp/spawn.out")

echo "== 2. libraries a cached get maps"
LD_DEBUG=libs "$helper" get --config "$tmp/conf" 2>"$tmp/ld.err" >/dev/null
sed -n 's/.*calling init: \(.*\)/\1/p' "$tmp/ld.err" | sort -u | sed 's/^/   /'
heavy=$(grep -Ec 'calling init: .*lib(curl|ssl|crypto|ldap)' "$tmp/ld.err" || true)

echo "== 3. 50 concurrent gets at the renewal point against one ($HERD_ROUNDS rounds)"
at_renewal() { bench_due "$cache"; }
now_us() { echo $(($(date +%s%N) / 1000)); }
renewals() { grep -c "oauth2 refresh POST /token 200" "$tmp/state/requests.log" || true; }
: >"$tmp/one" ; : >"$tmp/herd" ; : >"$tmp/herd-renewals"
r=0
while [ $r -lt "$HERD_ROUNDS" ]; do
    at_renewal
    t0=$(now_us); "$helper" get --config "$tmp/conf" >/dev/null; t1=$(now_us)
    echo $((t1 - t0)) >>"$tmp/one"
    at_renewal
    before=$(renewals)
    t0=$(now_us)
    pids=
    i=0
    while [ $i -lt 50 ]; do "$helper" get --config "$tmp/conf" >/dev/null & pids="$pids $!"; i=$((i + 1)); done
    for p in $pids; do wait "$p"; done
    t1=$(now_us)
    echo $((t1 - t0)) >>"$tmp/herd"
    echo $(($(renewals) - before)) >>"$tmp/herd-renewals"
    r=$((r + 1))
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
one=$(median "$tmp/one"); herd=$(median "$tmp/herd")
echo "   one get (renews):          median $one us"
echo "   50 concurrent (1 renews):  median $herd us"
echo "   renewal requests per herd: $(sort -u "$tmp/herd-renewals" | tr '\n' ' ')"

echo
echo "== summary"
awk -v r="$ratio" 'BEGIN { printf "cached get / json-field:        %.3f   (goal <= 1.5: %s)\n", r, r <= 1.5 ? "met" : "missed" }'
echo "heavy libraries mapped by get:  $heavy   (goal 0)"
awk -v h="$herd" -v o="$one" 'BEGIN { printf "50 concurrent / one at renewal: %.2f   (%.0f us of wall time per extra caller)\n", h / o, (h - o) / 49 }'
