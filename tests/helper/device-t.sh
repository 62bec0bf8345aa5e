#!/bin/sh
# device-t.sh: bearer-token login --device against tests/fixtures/emulator.py
# speaking RFC 8628 (TAP).  The emulator counts every poll and answers one
# sooner than the code's interval with slow_down, logged device_code-too-fast:
# that count is the check that the helper never polls faster than asked
# (no wall-clock assertion here).
#
#   1. device_path and a confidential client: the URL, the complete URL and
#      the user code on standard output, no QR code when it is not a
#      terminal; approval through the emulator's own approval endpoint (a
#      user signing in) stores tokens the authority accepts, with a
#      refresh token; bearer-token get prints the access token.
#   2. Discovery (no device_path) and a public client (client_id in the form).
#   3. slow_down twice: every poll on time; the interval grew (2 s, 7 s, 12 s).
#   4. access_denied: exit 1, nothing stored; expiry and --timeout: exit 1,
#      bounded polls; an unreachable authority: exit 4.
#   5. The device code never on standard output or error, nor in argv.
#   6. A terminal on standard output (script(1)): a QR code is drawn.

. "$(dirname "$0")/../lib.sh"
BEARER_TOKEN_PLUGIN=$plugin
export BEARER_TOKEN_PLUGIN

need_exec "$helper" helper
need_python jwt cryptography
need_tools curl

scratch device
emulator_start "$tmp/state"
printf 'alice:alice-pw\nbob:bob-pw\n' >"$tmp/state/users"
printf 'pubclient\n' >"$tmp/state/public-clients"
printf '2\n' >"$tmp/state/device-interval"
printf 'testsecret\n' >"$tmp/client.secret"
conf=$tmp/pam_bearer.conf
{
	emulator_oauth2 corp "device_path = /device" "scope = openid sudo"
	cat <<CONF

[authority public]
preset = oauth2
url = $url
ca_file = $tmp/pki/ca.pem
client_auth = none
client_id = pubclient
http_timeout = 3
CONF
} >"$conf"
BEARER_TOKEN_CACHE=$tmp/cache
export BEARER_TOKEN_CACHE

count() { grep -c -F -e "$1" "$log" 2>/dev/null || true; }
# approve USER PASSWORD CODE [ACTION]: what the user's browser sends.
approve() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/pki/ca.pem" \
		--data-urlencode "username=$1" --data-urlencode "password=$2" \
		--data-urlencode "user_code=$3" --data-urlencode "action=${4:-approve}" "$url/device/approve"
}
. "$srcdir/tests/helper/device-lib.sh"
# device_done NAME ARGS...: a login --device that prints its code, waited for.
device_done() {
	device "$@"
	code_of "$1" >/dev/null || bail "no code printed"
	waited
}

# --- 1. device_path, confidential client ----------------------------------------------
device one --authority corp --user alice
code=$(code_of one) || bail "no code printed: $(cat "$tmp/one.err")"
check "the verification URI is printed" grep -q -x "To log in, open $url/device/verify" "$tmp/one.out"
check "the complete URI too" grep -q -F "$url/device/verify?user_code=$code" "$tmp/one.out"
check "no QR code when standard output is no terminal" sh -c "! grep -q \"$(printf '\342\226\210')\" '$tmp/one.out'"
sleep 1
check "alice approves in her browser" test "$(approve alice alice-pw "$code")" = 200
waited
check "login --device exits 0 once approved" test "$rc" = 0
token=$("$helper" get --config "$conf" --authority corp 2>"$tmp/get.err")
check "bearer-token get prints the new token" test -n "$token"
status=$(printf 'Authorization: Bearer %s\n' "$token" | curl -s -o /dev/null -w '%{http_code}' \
	--cacert "$tmp/pki/ca.pem" -H @- "$url/api/whoami")
check "the authority accepts it" test "$status" = 200
check "it is alice's" sh -c "'$python' -c 'import jwt,sys; print(jwt.decode(sys.argv[1], options={\"verify_signature\": False})[\"sub\"])' '$token' | grep -qx alice"
check "status: a refresh token, renewable" sh -c "'$helper' status --json --config '$conf' --authority corp | grep -q '\"renewable\":true'"
check "the device request was sent once" test "$(count 'oauth2 device POST /device 200')" = 1
check "no poll came too soon" test "$(count device_code-too-fast)" = 0
check "and one was answered with tokens" test "$(count 'oauth2 device_code POST /token 200')" = 1
code_lines=$(grep -c -F "$code" "$tmp/one.err" || true)
check "the user code is not repeated on standard error" test "$code_lines" = 0

# --- 2. discovery, public client ----------------------------------------------------
device two --authority public --user alice
code=$(code_of two) || bail "no code printed: $(cat "$tmp/two.err")"
check "discovery: the document was asked for" test "$(count '- discovery GET /.well-known/openid-configuration 200')" -ge 1
check "public client: the device request went through" test "$(count 'oauth2 device POST /device 200')" = 2
check "bob cannot approve with a wrong password" test "$(approve bob wrong "$code")" = 401
approve alice alice-pw "$code" >/dev/null
waited
check "public client: login --device exits 0" test "$rc" = 0

# --- 3. slow_down ------------------------------------------------------------------------
printf '2\n' >"$tmp/state/device-slow-down"
printf 'alice 4\n' >"$tmp/state/device-auto"
before=$(count device_code-slow_down)
device_done three --authority corp --user alice
check "after two slow_down, approved" test "$rc" = 0
check "two slow_down answers were given" test "$(($(count device_code-slow_down) - before))" = 2
check "no poll came before the grown interval" test "$(count device_code-too-fast)" = 0
rm -f "$tmp/state/device-slow-down" "$tmp/state/device-auto"

# --- 4. refusals and bounds ------------------------------------------------------------
"$helper" logout --config "$conf" --authority corp 2>/dev/null
printf 'deny 2\n' >"$tmp/state/device-auto"
device_done four --authority corp --user alice
check "denied: exit 1 (refused)" test "$rc" = 1
check "denied: it says so" grep -q "device login denied" "$tmp/four.err"
check "denied: nothing stored" sh -c "! '$helper' get --config '$conf' --authority corp 2>/dev/null"
rm -f "$tmp/state/device-auto"

printf '5\n' >"$tmp/state/device-expires-in"
polls=$(count device_code-pending)
device_done five --authority corp --user alice
check "never approved: exit 1 at expires_in" test "$rc" = 1
check "  it says expired" grep -q "device login expired" "$tmp/five.err"
check "  at most two polls in 5 s at 2 s" test "$(($(count device_code-pending) - polls))" -le 2
rm -f "$tmp/state/device-expires-in"
device_done six --authority corp --user alice --timeout 3
check "--timeout 3: exit 1" test "$rc" = 1
check "  it says timed out" grep -q "device login timed out" "$tmp/six.err"
check "--timeout 0 is refused" sh -c "! '$helper' login --device --timeout 0 --config '$conf' 2>/dev/null"
check "--device with --password-stdin is refused" sh -c "! '$helper' login --device --password-stdin --config '$conf' </dev/null 2>/dev/null"
printf 'error-500\n' >"$tmp/state/mode"
device seven --authority corp --user alice
waited
check "authority failing: exit 4" test "$rc" = 4
rm -f "$tmp/state/mode"

# --- 5. secrets -----------------------------------------------------------------------
check "no device code or token on any standard error" sh -c "! grep -q -E 'eyJ|device_code=' '$tmp'/*.err"

# --- 6. a terminal --------------------------------------------------------------------
if command -v script >/dev/null 2>&1; then
	printf 'alice 1\n' >"$tmp/state/device-auto"
	script -q -e -c "'$helper' login --device --config '$conf' --authority corp --user alice" /dev/null \
		>"$tmp/tty.out" 2>&1
	check "on a terminal: approved" test $? = 0
	check "on a terminal: a QR code is drawn" grep -q "$(printf '\342\226\210')" "$tmp/tty.out"
	rm -f "$tmp/state/device-auto"
else
	result "ok" "# SKIP script(1) missing"
fi
echo "1..$n"
finish
