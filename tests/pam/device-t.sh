#!/bin/sh
# device-t.sh: device_login through real libpam (pamrun under pam_wrapper)
# against tests/fixtures/emulator.py's RFC 8628 endpoints (TAP).  pamrun
# answers every prompt at once, as an impatient user pressing Enter would;
# the emulator answers a poll sooner than the interval with slow_down and
# logs it as device_code-too-fast, which must never happen.
#
#   1. An empty first answer: the URL with the code, the user code and a QR
#      code arrive in the text of the next prompt; approval as alice:
#      PAM_SUCCESS, the token checked like a typed one (logged accepted).
#   2. Approved by bob: PAM_AUTH_ERR (user-mismatch).  Denied: PAM_AUTH_ERR.
#   3. Never approved: PAM_AUTH_ERR at device_timeout, polls bounded; slow_down
#      obeyed.
#   4. Nobody can answer: PAM_SILENT, no conversation function, a
#      conversation that fails at the first or a later prompt:
#      PAM_AUTHINFO_UNAVAIL, and no device code asked for before one can be shown.
#   5. Without device_login an empty answer is no device login; a failing
#      authority: PAM_AUTHINFO_UNAVAIL.
#   6. No device code, token or user code in any log line.
#   7. As root: obtain_tokens puts the token and the grant's refresh token
#      into alice's session store; bearer-token refresh as alice renews it.
#      A typed token login still stores the token alone.

. "$(dirname "$0")/../lib.sh"
set -f
need_exec "$pamrun" driver
need_pamrun
need_python jwt cryptography
need_tools curl flock

scratch pamdevice /tmp
chmod 755 "$tmp"
emulator_start "$tmp/state"
chmod 755 "$tmp/pki"
chmod 644 "$tmp/pki/ca.pem"
printf 'alice:alice-pw\nbob:bob-pw\n' >"$tmp/state/users"
printf '1\n' >"$tmp/state/device-interval"
printf 'testsecret\n' >"$tmp/client.secret"
chmod 644 "$tmp/client.secret"
conf=$tmp/pam_bearer.conf
{
	printf 'jwks = %s\nissuer = %s\naudience = oauth2\n\n' "$tmp/state/jwks.json" "$url"
	emulator_oauth2 corp "device_path = /device"
} >"$conf"
chmod 644 "$conf"

count() { grep -c -F -e "$1" "$log" 2>/dev/null || true; }
# run NAME OPS ANSWERS OPTIONS...: pamrun --ops OPS for alice, prompt N
# answered with line N of ANSWERS (printf format); $tmp/NAME.out, .err, .log.
run() {
	name=$1 ops=$2 answers=$3
	shift 3
	mkdir -p "$tmp/svc-$name"
	printf 'auth required %s config=%s %s\n' "$module" "$conf" "$*" >"$tmp/svc-$name/svc"
	# shellcheck disable=SC2059 # the answers are a format on purpose
	printf "$answers" >"$tmp/$name.answers"
	pamwrap_run "$tmp/svc-$name" --ops "$ops" svc alice "$tmp/$name.answers" >"$tmp/$name.out" 2>"$tmp/$name.err"
	sed -n 's/.*SYSLOG([0-9]*): //p' "$tmp/$name.err" >"$tmp/$name.log"
}
enters='\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n'
requests() { count 'oauth2 device POST /device'; }

# --- 1. approved by alice ------------------------------------------------------------
printf 'alice 2\n' >"$tmp/state/device-auto"
run ok auth "$enters" device_login
check_log "approved by alice: PAM_SUCCESS" "$tmp/ok.err" grep -qx "auth PAM_SUCCESS" "$tmp/ok.out"
check_log "the verification URI with the code is in prompt 2's own text" "$tmp/ok.err" \
	grep -q "prompt 2 (echo off): To log in, open $url/device/verify?user_code=" "$tmp/ok.err"
code=$(sed -n 's/^on any device and enter the code \(.*\)$/\1/p' "$tmp/ok.err")
check_log "the user code follows in the same prompt" "$tmp/ok.err" test -n "$code"
check_log "and a QR code" "$tmp/ok.err" grep -q "$(printf '\342\226\210\342\226\210')" "$tmp/ok.err"
check_log "the token was checked like a typed one" "$tmp/ok.log" grep -q "accepted: user alice" "$tmp/ok.log"
check "two polls, the second approved" test "$(count 'oauth2 device_code POST /token 200')" = 1
check "no poll came sooner than the interval, however fast the answers" test "$(count device_code-too-fast)" = 0

# --- 2. approved by another user, denied ------------------------------------------
printf 'bob 1\n' >"$tmp/state/device-auto"
run bob auth "$enters" device_login
check_log "approved by bob: PAM_AUTH_ERR" "$tmp/bob.err" grep -qx "auth PAM_AUTH_ERR" "$tmp/bob.out"
check_log "  refused as another user's token" "$tmp/bob.log" grep -q "rejected: user-mismatch" "$tmp/bob.log"
printf 'deny 1\n' >"$tmp/state/device-auto"
run deny auth "$enters" device_login
check_log "denied: PAM_AUTH_ERR" "$tmp/deny.err" grep -qx "auth PAM_AUTH_ERR" "$tmp/deny.out"
check_log "  the user is told" "$tmp/deny.err" grep -q "error message: Device login denied" "$tmp/deny.err"
rm -f "$tmp/state/device-auto"

# --- 3. never approved, slow_down --------------------------------------------------
before=$(count device_code-pending)
run never auth "$enters" device_login device_timeout=3
check_log "never approved: PAM_AUTH_ERR at device_timeout" "$tmp/never.err" grep -qx "auth PAM_AUTH_ERR" "$tmp/never.out"
check_log "  it says timed out" "$tmp/never.err" grep -q "Device login timed out" "$tmp/never.err"
check "  at most three polls in 3 s at 1 s" test "$(($(count device_code-pending) - before))" -le 3
printf '1\n' >"$tmp/state/device-slow-down"
printf 'alice 3\n' >"$tmp/state/device-auto"
run slow auth "$enters" device_login
check_log "slow_down, then approved" "$tmp/slow.err" grep -qx "auth PAM_SUCCESS" "$tmp/slow.out"
check_log "  the interval grew" "$tmp/slow.log" grep -q "slow_down: polling every 6 s" "$tmp/slow.log"
check "  still no poll too soon" test "$(count device_code-too-fast)" = 0
rm -f "$tmp/state/device-slow-down" "$tmp/state/device-auto"

# --- 4. nobody can answer ------------------------------------------------------------
asked=$(requests)
run silent auth-silent '\n' device_login
check_log "PAM_SILENT: PAM_AUTHINFO_UNAVAIL" "$tmp/silent.err" grep -qx "auth-silent PAM_AUTHINFO_UNAVAIL" "$tmp/silent.out"
check "  no device code asked for" test "$(requests)" = "$asked"
PAMRUN_NO_CONV=1 run noconv auth '\n' device_login
check_log "no conversation function: PAM_AUTHINFO_UNAVAIL" "$tmp/noconv.err" grep -qx "auth PAM_AUTHINFO_UNAVAIL" "$tmp/noconv.out"
check "  no device code asked for" test "$(requests)" = "$asked"
run noanswer auth '' device_login
check_log "a conversation failing at once: PAM_AUTHINFO_UNAVAIL" "$tmp/noanswer.err" grep -qx "auth PAM_AUTHINFO_UNAVAIL" "$tmp/noanswer.out"
polls=$(count 'oauth2 device_code')
run later auth '\n' device_login
check_log "a conversation failing at the code's prompt: PAM_AUTHINFO_UNAVAIL" "$tmp/later.err" grep -qx "auth PAM_AUTHINFO_UNAVAIL" "$tmp/later.out"
check "  no poll was sent" test "$(count 'oauth2 device_code')" = "$polls"

# --- 5. not configured, authority failing ---------------------------------------------
asked=$(requests)
run off auth "$enters"
check_log "without device_login an empty answer is refused" "$tmp/off.err" grep -qx "auth PAM_AUTH_ERR" "$tmp/off.out"
check "  and asks for no device code" test "$(requests)" = "$asked"
printf 'error-500\n' >"$tmp/state/mode"
run down auth "$enters" device_login
check_log "authority failing: PAM_AUTHINFO_UNAVAIL" "$tmp/down.err" grep -qx "auth PAM_AUTHINFO_UNAVAIL" "$tmp/down.out"
rm -f "$tmp/state/mode"

# --- 6. secrets --------------------------------------------------------------------
check "no token, device code or user code in any log line" \
	sh -c "! grep -q -E 'eyJ|device_code=|$code' '$tmp'/*.log"

# --- 7. the session store (root: the helper runs as alice) -------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	need_nss_wrapper
	mkdir -m 755 "$tmp/nss" "$tmp/bin"
	mkdir -m 700 "$tmp/home" && chown 10001:10001 "$tmp/home"
	printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:10001:10001:Alice:%s:/bin/sh\n' "$tmp/home" >"$tmp/nss/passwd"
	printf 'root:x:0:\nalice:x:10001:\n' >"$tmp/nss/group"
	printf '#!/bin/sh\nBEARER_TOKEN_PLUGIN=%s exec %s "$@"\n' "$plugin" "$helper" >"$tmp/bin/bearer-token"
	chmod 755 "$tmp/bin/bearer-token"
	printf 'alice 1\n' >"$tmp/state/device-auto"
	# run_store NAME CACHE-DIR: alice's login with obtain_tokens, answers
	# in $tmp/NAME.answers, the helper run as alice (nss_wrapper); NAME.out, .err.
	run_store() {
		mkdir -p "$tmp/svc-$1"
		printf 'auth required %s config=%s device_login obtain_tokens bearer_token=%s session_cache_dir=%s\n' \
			"$module" "$conf" "$tmp/bin/bearer-token" "$2" >"$tmp/svc-$1/svc"
		flock "$pwlock" env LD_PRELOAD="$preload:$nsslib" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$tmp/svc-$1" \
			PAM_WRAPPER_DEBUGLEVEL=2 NSS_WRAPPER_PASSWD="$tmp/nss/passwd" NSS_WRAPPER_GROUP="$tmp/nss/group" \
			"$pamrun" --ops auth svc alice "$tmp/$1.answers" >"$tmp/$1.out" 2>"$tmp/$1.err"
	}
	# shellcheck disable=SC2059 # the answers are a format on purpose
	printf "$enters" >"$tmp/store.answers"
	run_store store "$tmp/run"
	check_log "with obtain_tokens: PAM_SUCCESS" "$tmp/store.err" grep -qx "auth PAM_SUCCESS" "$tmp/store.out"
	check_log "  the token is in alice's session store" "$tmp/store.err" test -s "$tmp/run/10001/corp.json"
	check "  owned by alice, mode 0600" test "$(stat -c '%u %a' "$tmp/run/10001/corp.json" 2>/dev/null)" = "10001 600"
	tok=$(setpriv --reuid=10001 --regid=10001 --clear-groups env -i PATH=/usr/bin:/bin \
		BEARER_TOKEN_PLUGIN="$plugin" BEARER_TOKEN_CACHE="$tmp/run/10001" "$helper" get --config "$conf" 2>/dev/null)
	status=$(printf 'Authorization: Bearer %s\n' "$tok" | curl -s -o /dev/null -w '%{http_code}' \
		--cacert "$tmp/pki/ca.pem" -H @- "$url/api/whoami")
	check "  bearer-token get as alice hands out a token the authority accepts" test "$status" = 200
	rm -f "$tmp/state/device-auto"
	# The refresh token of the device grant is in the store: the session
	# renews without a new login.
	field() { "$python" -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$@"; }
	as_alice() {
		setpriv --reuid=10001 --regid=10001 --clear-groups env -i PATH=/usr/bin:/bin \
			BEARER_TOKEN_PLUGIN="$plugin" BEARER_TOKEN_CACHE="$tmp/run/10001" "$helper" "$@" --config "$conf"
	}
	first=$(field "$tmp/run/10001/corp.json" access_token)
	check "  the device grant's refresh token is in alice's store too" \
		test -n "$(field "$tmp/run/10001/corp.json" refresh_token)"
	refreshes=$(count 'oauth2 refresh POST /token 200')
	as_alice refresh >/dev/null 2>"$tmp/refresh.err"
	renewed=$(field "$tmp/run/10001/corp.json" access_token)
	status=$(printf 'Authorization: Bearer %s\n' "$renewed" | curl -s -o /dev/null -w '%{http_code}' \
		--cacert "$tmp/pki/ca.pem" -H @- "$url/api/whoami")
	check_log "  bearer-token refresh as alice renews it at the authority" "$tmp/refresh.err" \
		test "$(count 'oauth2 refresh POST /token 200')" = $((refreshes + 1)) -a "$renewed" != "$first" -a "$status" = 200
	# A typed token login still hands over the token alone.
	typed=$(curl -s --cacert "$tmp/pki/ca.pem" -u testclient:testsecret -d username=alice -d password=alice-pw \
		-d grant_type=password "$url/token" | "$python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
	printf '%s\n' "$typed" >"$tmp/typed.answers"
	run_store typed "$tmp/run-typed"
	check_log "a typed token with obtain_tokens: PAM_SUCCESS, the token in the store" "$tmp/typed.err" \
		test "$(field "$tmp/run-typed/10001/corp.json" access_token)" = "$typed"
	check "  and no refresh token with it" test -z "$(field "$tmp/run-typed/10001/corp.json" refresh_token)"
else
	result ok "# SKIP the session store needs root"
fi
echo "1..$n"
finish
