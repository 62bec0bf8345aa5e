#!/bin/sh
# device-glewlwyd-t.sh: bearer-token login --device against a real OpenID
# Connect server, Debian's glewlwyd (tests/fixtures/glewlwyd.py sets it up in
# a scratch directory: TLS on loopback, SQLite, RS256, the device grant), the
# approval going through glewlwyd's own API with the user's session (TAP).
#
#   1. Discovery and the public client: the URL and code printed; alice
#      approves; the tokens are stored with a refresh token; the access token
#      passes bearer-token verify with glewlwyd's keys, issuer, audience and
#      user claim as alice, and is refused for bob (user-mismatch).
#   2. device_path and the confidential client (HTTP Basic): approved by bob,
#      the token is bob's.
#   3. Never approved: exit 1 at --timeout.
#   4. glewlwyd checks the interval itself and answers slow_down to a poll
#      that comes too soon: none was ever answered so.

. "$(dirname "$0")/../lib.sh"
BEARER_TOKEN_PLUGIN=$plugin
export BEARER_TOKEN_PLUGIN

need_exec "$helper" helper
need_tools glewlwyd openssl zcat
[ -f /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz ] || skip_all "glewlwyd's SQLite schema is missing"

scratch devglew
at_exit '"$python" "$fixtures/glewlwyd.py" stop "$tmp/glew" >/dev/null 2>&1'
"$python" "$fixtures/glewlwyd.py" start "$tmp/glew" >"$tmp/start.log" 2>&1 || bail "glewlwyd: $(cat "$tmp/start.log")"
. "$tmp/glew/env"
conf=$tmp/pam_bearer.conf
{
	cat "$tmp/glew/pam_bearer.conf"
	cat <<CONF

[authority conf]
preset = oauth2
url = $GLEW_ISSUER
ca_file = $GLEW_CA
client_id = ssh-conf
client_secret_file = $tmp/glew/client.secret
device_path = /device_authorization
scope = openid
revoke = none
CONF
} >"$conf"
BEARER_TOKEN_CACHE=$tmp/cache
export BEARER_TOKEN_CACHE

. "$srcdir/tests/helper/device-lib.sh"
approve() { "$python" "$fixtures/glewlwyd.py" approve "$tmp/glew" "$@" >"$tmp/approve.out" 2>&1; }
verify_as() { "$helper" verify --config "$conf" --user "$1" --token-file "$2" >"$tmp/verify.out" 2>&1; }

# --- 1. discovery, public client, alice -----------------------------------------------
device one --authority glew --user alice
code=$(code_of one) || bail "no code: $(cat "$tmp/one.err")"
check "discovery: the URL is glewlwyd's device page" grep -q -x "To log in, open $GLEW_ISSUER/device" "$tmp/one.out"
check "alice approves through glewlwyd's API" approve alice "$code"
waited
check_log "login --device exits 0" "$tmp/one.err" test "$rc" = 0
"$helper" get --config "$conf" --authority glew >"$tmp/alice.tok" 2>"$tmp/get.err"
check "bearer-token get prints the token" test -s "$tmp/alice.tok"
check "a refresh token was stored" sh -c "'$helper' status --json --config '$conf' --authority glew | grep -q '\"refresh_token\":true'"
check_log "the token passes verify as alice (glewlwyd's keys, iss, aud, username)" "$tmp/verify.out" verify_as alice "$tmp/alice.tok"
verify_as bob "$tmp/alice.tok"
check_log "and is refused for bob (user-mismatch)" "$tmp/verify.out" grep -q "rejected: user-mismatch" "$tmp/verify.out"

# --- 2. device_path, confidential client, bob ----------------------------------------------
device two --authority conf --user bob
code=$(code_of two) || bail "no code: $(cat "$tmp/two.err")"
check "bob approves the confidential client's code" approve bob "$code" ssh-conf
waited
check_log "login --device (HTTP Basic) exits 0" "$tmp/two.err" test "$rc" = 0
"$helper" get --config "$conf" --authority conf >"$tmp/bob.tok" 2>/dev/null
check_log "the token is bob's" "$tmp/verify.out" verify_as bob "$tmp/bob.tok"

# --- 3. never approved ------------------------------------------------------------------------
device three --authority glew --user alice --timeout 5
code_of three >/dev/null || bail "no code"
waited
check_log "never approved: exit 1 at --timeout" "$tmp/three.err" test "$rc" = 1
check "  it says timed out" grep -q "device login timed out" "$tmp/three.err"

# --- 4. the interval, as glewlwyd judges it ---------------------------------------------
check "glewlwyd never answered slow_down (no poll too soon)" sh -c "! grep -q slow_down '$tmp'/*.err"
check "nothing secret on standard error" sh -c "! grep -q -E 'eyJ|device_code=' '$tmp'/*.err"
echo "1..$n"
finish
