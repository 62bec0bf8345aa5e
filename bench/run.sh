#!/bin/sh
# Build (when needed) and run pam_bearer's benchmarks against the build/ tree,
# then print a short report with ratios against baselines measured in the same
# run.  Not part of `make check`; nothing here fails on timing.
#
#   bench/run.sh            default sizes (about a minute on 2 cores)
#   bench/run.sh quick      small sizes, for a smoke test
#
# Environment: BUILD_DIR (default build), CC (default gcc), BENCH_RS256_N,
# BENCH_ES256_N, BENCH_LOGINS, BENCH_VERIFIES, BENCH_ROUNDS.
set -eu
cd "$(dirname "$0")"
bench=$(pwd)
top=$(cd .. && pwd)
build=$top/${BUILD_DIR:-build}
CC=${CC:-gcc}
CFLAGS_BENCH="-O2 -g -Wall -Wextra -Wno-unused-parameter"

if [ "${1:-}" = quick ]; then
    : "${BENCH_RS256_N:=2000}" "${BENCH_ES256_N:=2000}" "${BENCH_LOGINS:=1000}" "${BENCH_VERIFIES:=2000}"
fi
RS256_N=${BENCH_RS256_N:-20000}
ES256_N=${BENCH_ES256_N:-20000}
LOGINS=${BENCH_LOGINS:-5000}
VERIFIES=${BENCH_VERIFIES:-20000}
ROUNDS=${BENCH_ROUNDS:-20}

lib=$build/lib/.libs/libbearer.a
module=$build/pam/.libs/pam_bearer.so
if [ ! -f "$lib" ] || [ ! -f "$module" ] || [ ! -f "$build/config.h" ]; then
    echo "run.sh: $build is not built; running ./bootstrap build" >&2
    (cd "$top" && BUILD_DIR=${BUILD_DIR:-build} ./bootstrap build) >&2
elif ! make -s -q -C "$build" lib/libbearer.la pam/pam_bearer.la 2>/dev/null; then
    echo "run.sh: $build is out of date; rebuilding the library and the module" >&2
    make -s -C "$build" lib/libbearer.la pam/pam_bearer.la >&2
fi

# Rebuild a program when it is missing or older than any of what it is built from.
needs() {
    prog=$1
    shift
    [ -x "$prog" ] || return 0
    for dep; do
        [ "$dep" -nt "$prog" ] && return 0
    done
    return 1
}

# Both programs include bench-util.h and take pb_b64url_encode from the library.
if needs "$bench/bench-verify" "$bench/bench-verify.c" "$bench/bench-util.h" "$lib"; then
    echo "run.sh: building bench-verify" >&2
    $CC $CFLAGS_BENCH -I"$build" -I"$top" -I"$top/lib" -o "$bench/bench-verify" "$bench/bench-verify.c" \
        "$lib" -lcrypto -ljansson -lm -lpthread
fi
if needs "$bench/bench-pam" "$bench/bench-pam.c" "$bench/bench-util.h" "$lib" "$module"; then
    echo "run.sh: building bench-pam" >&2
    $CC $CFLAGS_BENCH -I"$top/lib" -o "$bench/bench-pam" "$bench/bench-pam.c" "$lib" -lpam -lcrypto -ldl
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
echo "pam_bearer benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU(s)${cpu:+: $cpu}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo

"$bench/bench-verify" -r "$RS256_N" -e "$ES256_N" -R "$ROUNDS" | tee -a "$out" | grep -v '^bench-verify\.'
"$bench/bench-pam" -m "$module" -n "$LOGINS" -v "$VERIFIES" -R "$ROUNDS" | tee -a "$out" | grep -v '^bench-pam\.'

val() { sed -n "s/^$1=//p" "$out"; }
verdict() { awk -v v="$1" -v lim="$2" 'BEGIN { print (v <= lim) ? "met" : "MISSED" }'; }

rs=$(val 'bench-verify\.RS256\.ratio_core_raw')
es=$(val 'bench-verify\.ES256\.ratio_core_raw')
rs_over=$(awk -v c="$(val 'bench-verify\.RS256\.core_us')" -v r="$(val 'bench-verify\.RS256\.raw_us')" 'BEGIN { printf "%+.2f", c - r }')
es_over=$(awk -v c="$(val 'bench-verify\.ES256\.core_us')" -v r="$(val 'bench-verify\.ES256\.raw_us')" 'BEGIN { printf "%+.2f", c - r }')
margin=$(val 'bench-pam\.margin_us')
margin_iss=$(val 'bench-pam\.margin_iss_us')

echo "summary"
printf '  %-52s %s\n' "core/raw RS256 (goal <= 1.10)" "$rs ($rs_over us/op): $(verdict "$rs" 1.10)"
printf '  %-52s %s\n' "core/raw ES256 (goal <= 1.10)" "$es ($es_over us/op): $(verdict "$es" 1.10)"
printf '  %-52s %s\n' "token - (permit, kept mapped + raw verify) (<= 50 us)" \
    "$(printf '%+.2f' "$margin") us: $(verdict "$margin" 50)"
printf '  %-52s %s\n' "  same, issuer+audience configured (1 log line)" \
    "$(printf '%+.2f' "$margin_iss") us: $(verdict "$margin_iss" 50)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
