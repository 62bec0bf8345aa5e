# bench/emulator.sh: the token authority the bearer-token benchmarks share
# (bench/get.sh, bench/logins.sh).  POSIX sh, sourced with top (the source
# tree), python and tmp (a scratch directory) set:
#
#   bench_emulator   tests/fixtures/emulator.py (oauth2 dialect, HTTPS, a
#                    users file: alice:bench-password) in $tmp/state, and
#                    $tmp/conf with its [authority bench] section; sets
#                    emulator_pid (the caller stops it), port and log (the
#                    request log)
#   bench_due FILE   move the cache file's token into its renewal window
#                    (issued 3590 s ago, 10 s left), replacing it by rename
# shellcheck shell=sh

bench_emulator() {
    "$python" "$top/tests/fixtures/authority.py" pki "$tmp/pki"
    mkdir "$tmp/state"
    echo "alice:bench-password" >"$tmp/state/users"
    "$python" "$top/tests/fixtures/emulator.py" serve "$tmp/state" --cert "$tmp/pki/server.pem" \
        --key "$tmp/pki/server.key" 2>"$tmp/emulator.err" &
    emulator_pid=$!
    port=$("$python" "$top/tests/fixtures/emulator.py" wait "$tmp/state")
    log=$tmp/state/requests.log
    printf 'testsecret' >"$tmp/secret"
    cat >"$tmp/conf" <<CONF
[authority bench]
preset = oauth2
url = https://127.0.0.1:$port
ca_file = $tmp/pki/ca.pem
client_id = testclient
client_secret_file = $tmp/secret
CONF
}

bench_due() {
    "$python" - "$1" <<'PY'
import json, os, sys, time
p = sys.argv[1]
c = json.load(open(p))
now = int(time.time())
c["obtained"], c["expires"] = now - 3590, now + 10
fd = os.open(p + ".edit", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, json.dumps(c).encode())
os.close(fd)
os.rename(p + ".edit", p)
PY
}
