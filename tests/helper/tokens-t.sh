#!/bin/sh
# tokens-t.sh: bearer-token login, get, header, status, refresh and logout
# against tests/fixtures/emulator.py, a real HTTPS authority that speaks the
# five seed dialects and checks passwords against the suite's slapd (TAP).
#
#   1. Every dialect (oauth2, mlserver, rms, arsystem, dcos): login, get,
#      header (the emulator's /api/whoami accepts the header as printed),
#      status and status --json, refresh (or "login required" where the
#      dialect has none), logout (the authority really revokes), get after.
#   2. A wrong password: exit 1, nothing cached.
#   3. Across a short-lived token's expiry, get never prints an expired token
#      and renews inside the window.
#   4. 50 concurrent gets at the renewal point: one renewal request, 50 equal
#      valid tokens, and the cache holds the newest rotated refresh token.
#   5. Authority down (500, garbage, hang): a still-valid token is printed
#      with a warning; an expired one exits 4 and the refresh token is kept.
#   6. A refresh token revoked behind our back: exit 3, cache cleared.
#   7. kill -9 during renewals never leaves a damaged cache.
#   8. A corrupt cache, a symlinked cache file or directory, loose modes and
#      another owner: exit 5, nothing touched.
#   9. No password or token in /proc/PID/cmdline, /proc/PID/environ or on
#      standard error; set-user-ID refused; configuration errors exit 6.
#  10. login --reuse: one grant, then 20 logins with no request at all; a
#      refresh (no grant) when due; a grant over another user's tokens, an
#      expired token without refresh, a refused refresh token; store --reuse
#      keeps usable tokens and replaces dead ones.
#  11. store with a refresh token on a second line (a device login at the PAM
#      prompt): both cached, refresh renews; malformed or oversized input
#      refused with the cache unchanged; one line still stores no refresh
#      token; --reuse keeps a usable store whole.
#
# Environment: abs_top_builddir, abs_top_srcdir, BEARER_TOKEN (the helper),
# BEARER_TOKEN_PLUGIN, PYTHON3, PB_KEEP_TMP=1 to keep the scratch directory.

. "$(dirname "$0")/../lib.sh"
BEARER_TOKEN_PLUGIN=$plugin
export BEARER_TOKEN_PLUGIN

need_exec "$helper" helper
need_python jwt cryptography
need_tools curl slapd ldapwhoami

scratch tokens
at_exit 'sh "$fixtures/slapd.sh" stop "$tmp/slapd" >/dev/null 2>&1'

# --- the authority and its directory ------------------------------------------------
sh "$fixtures/slapd.sh" start "$tmp/slapd" || bail "slapd.sh start failed"
. "$tmp/slapd/env"
emulator_start "$tmp/state" --ldap-env "$tmp/slapd/env"
alice_pw=$LDAP_PW_DIR/alice.pw

printf 'testsecret\n' >"$tmp/client.secret"
conf=$tmp/pam_bearer.conf
{
	echo "# the module's options would come first"
	for d in oauth2 mlserver rms arsystem dcos; do
		echo
		echo "[authority $d]"
		echo "preset = $d"
		echo "url = $url"
		echo "ca_file = $tmp/pki/ca.pem"
		echo "http_timeout = 3"
		echo "http_connect_timeout = 2"
		case $d in
		oauth2) echo "client_id = testclient"; echo "client_secret_file = $tmp/client.secret"
			echo "scope = openid sudo" ;;
		rms) echo "tenant = acme" ;;
		esac
	done
} >"$conf"

stderr_all=$tmp/all-stderr
: >"$stderr_all"
bt() {	# bt ARGS...: the helper, standard error kept in $tmp/err and collected
	"$helper" "$@" 2>"$tmp/err"
	rc=$?
	cat "$tmp/err" >>"$stderr_all"
	return $rc
}
count() {	# count "DIALECT OP METHOD PATH STATUS": matching lines of the request log
	grep -c -x -F "$1" "$log" 2>/dev/null || true
}
whoami() {	# whoami HEADER-LINE: the emulator's verdict on it, as an HTTP status
	printf '%s\n' "$1" | curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/pki/ca.pem" -H @- "$url/api/whoami"
}
jwt_exp() {	# jwt_exp TOKEN: its exp claim
	"$python" -c 'import jwt, sys; print(jwt.decode(sys.argv[1], options={"verify_signature": False})["exp"])' "$1"
}
set_mode() { printf '%s\n' "$1" >"$state/mode"; }
# Move the cached access token's window: obtained and expires relative to now.
cache_times() {	# cache_times FILE OBTAINED-DELTA EXPIRES-DELTA
	"$python" - "$@" <<'PY'
import json, os, sys, time
path, ob, ex = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path) as f:
    c = json.load(f)
now = int(time.time())
c["obtained"], c["expires"] = now + ob, now + ex
tmp = path + ".edit"
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, json.dumps(c).encode())
os.close(fd)
os.rename(tmp, path)
PY
}
cache_field() {	# cache_field FILE KEY
	"$python" -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2"
}

echo "1..116"

# --- 1. every dialect: login, get, header, status, refresh, logout ------------------------
for d in oauth2 mlserver rms arsystem dcos; do
	export BEARER_TOKEN_CACHE=$tmp/cache-$d
	case $d in
	oauth2) login_line="oauth2 password POST /token 200" refresh_line="oauth2 refresh POST /token 200"
		revoke_line="oauth2 revoke POST /revoke 200" prefix="Bearer " ;;
	mlserver) login_line="mlserver login POST /login 200" refresh_line="mlserver refresh POST /login/refreshToken 200"
		revoke_line="mlserver revoke DELETE /login/refreshToken 200" prefix="Bearer " ;;
	rms) login_line="rms login POST /sml/auth/v1/login/implicit 200"
		refresh_line="rms refresh POST /sml/auth/v1/login/refresh 200" revoke_line= prefix="Bearer " ;;
	arsystem) login_line="arsystem login POST /api/jwt/login 200" refresh_line=
		revoke_line="arsystem logout POST /api/jwt/logout 204" prefix="AR-JWT " ;;
	dcos) login_line="dcos login POST /acs/api/v1/auth/login 200" refresh_line= revoke_line= prefix="token=" ;;
	esac
	before=$(count "$login_line")
	bt login --config "$conf" --authority "$d" --user alice --password-stdin <"$alice_pw"
	rc=$?
	after=$(count "$login_line")
	if [ $rc = 0 ] && [ "$after" = $((before + 1)) ] && [ -f "$BEARER_TOKEN_CACHE/$d.json" ]; then
		result ok "$d: login with alice's LDAP password: one request, tokens cached"
	else
		result "not ok" "$d: login" "rc=$rc requests $before -> $after; $(cat "$tmp/err")"
	fi
	perms=$(stat -c '%a %U' "$BEARER_TOKEN_CACHE" "$BEARER_TOKEN_CACHE/$d.json" | tr '\n' ' ')
	[ "$perms" = "700 $(id -un) 600 $(id -un) " ] && result ok "$d: cache directory 0700, file 0600, yours" \
		|| result "not ok" "$d: cache permissions" "$perms"

	token=$(bt get --config "$conf" --authority "$d")
	rc=$?
	exp=$(jwt_exp "$token" 2>/dev/null || echo 0)
	if [ $rc = 0 ] && [ "$exp" -gt "$(date +%s)" ]; then
		result ok "$d: get prints a valid token"
	else
		result "not ok" "$d: get" "rc=$rc exp=$exp; $(cat "$tmp/err")"
	fi
	header=$(bt header --config "$conf" --authority "$d")
	code=$(whoami "$header")
	if [ "$header" = "Authorization: $prefix$token" ] && [ "$code" = 200 ]; then
		result ok "$d: header \"Authorization: $prefix...\" is accepted by the authority"
	else
		result "not ok" "$d: header" "header prefix $(printf '%s' "$header" | cut -c1-24); whoami $code"
	fi

	status=$(bt status --config "$conf" --authority "$d")
	json=$(bt status --json --config "$conf" --authority "$d")
	verdict=$(printf '%s' "$json" | "$python" -c '
import json, sys, time
s = json.load(sys.stdin)
ok = s["logged_in"] and s["user"] == "alice" and s["authority"] == sys.argv[1] and s["preset"] == sys.argv[1] \
    and s["access_token_expires"] > time.time() and s["access_token_valid"] is True
print("ok" if ok else "bad")' "$d" 2>&1)
	if printf '%s' "$status" | grep -q '^user: *alice$' && [ "$verdict" = ok ] \
		&& ! printf '%s%s' "$status" "$json" | grep -qF "$token"; then
		result ok "$d: status and status --json say who and when, never the token"
	else
		result "not ok" "$d: status" "$status $json $verdict"
	fi

	if [ -n "$refresh_line" ]; then
		before=$(count "$refresh_line")
		bt refresh --config "$conf" --authority "$d"
		rc=$?
		new=$(bt get --config "$conf" --authority "$d")
		if [ $rc = 0 ] && [ "$(count "$refresh_line")" = $((before + 1)) ] && [ -n "$new" ] && [ "$new" != "$token" ] \
			&& [ "$(whoami "Authorization: $prefix$new")" = 200 ]; then
			result ok "$d: refresh renews: one request, a new valid token"
		else
			result "not ok" "$d: refresh" "rc=$rc; $(cat "$tmp/err")"
		fi
		token=$new
	else
		bt refresh --config "$conf" --authority "$d"
		rc=$?
		[ $rc = 3 ] && grep -q "no refresh token" "$tmp/err" && result ok "$d: refresh says login required (exit 3): the dialect has no renewal" \
			|| result "not ok" "$d: refresh without renewal" "rc=$rc; $(cat "$tmp/err")"
	fi

	before=$(wc -l <"$log")
	bt logout --config "$conf" --authority "$d"
	rc=$?
	after=$(wc -l <"$log")
	if [ -n "$revoke_line" ]; then
		code=$(whoami "Authorization: $prefix$token")
		if [ $rc = 0 ] && [ "$(count "$revoke_line")" -ge 1 ] && [ "$code" = 401 ] && [ ! -e "$BEARER_TOKEN_CACHE/$d.json" ]; then
			result ok "$d: logout revokes at the authority (whoami now 401) and removes the cache"
		else
			result "not ok" "$d: logout" "rc=$rc whoami=$code; $(cat "$tmp/err")"
		fi
	else
		if [ $rc = 0 ] && [ "$after" = "$before" ] && [ ! -e "$BEARER_TOKEN_CACHE/$d.json" ]; then
			result ok "$d: logout removes the cache (the dialect has no revocation: no request)"
		else
			result "not ok" "$d: logout" "rc=$rc requests $before -> $after; $(cat "$tmp/err")"
		fi
	fi
	bt get --config "$conf" --authority "$d" >/dev/null
	rc=$?
	[ $rc = 3 ] && result ok "$d: get after logout: login required (exit 3)" \
		|| result "not ok" "$d: get after logout" "rc=$rc"
done

# --- 2. a wrong password ----------------------------------------------------------------
export BEARER_TOKEN_CACHE=$tmp/cache-wrong
printf 'not-the-password\n' | bt login --config "$conf" --user alice --password-stdin
rc=$?
[ $rc = 1 ] && [ ! -e "$BEARER_TOKEN_CACHE/oauth2.json" ] && result ok "a wrong password: exit 1, nothing cached" \
	|| result "not ok" "a wrong password" "rc=$rc; $(cat "$tmp/err")"
printf 'x\n' | bt login --config "$conf" --authority dcos --user nobody --password-stdin
rc=$?
[ $rc = 1 ] && result ok "an unknown user at dcos: exit 1" || result "not ok" "an unknown user" "rc=$rc"

# --- 3. across expiry -------------------------------------------------------------------
export BEARER_TOKEN_CACHE=$tmp/cache-expiry
echo 4 >"$state/access-ttl"
bt login --config "$conf" --user alice --password-stdin <"$alice_pw" || bail "login for the expiry test failed"
before=$(count "oauth2 refresh POST /token 200")
bad=0 prints=0 end=$(($(date +%s) + 9))
while [ "$(date +%s)" -lt "$end" ]; do
	t=$(bt get --config "$conf") || { bad=$((bad + 1)); continue; }
	now=$(date +%s)
	e=$(jwt_exp "$t")
	prints=$((prints + 1))
	[ "$e" -gt "$now" ] || bad=$((bad + 1))
	sleep 0.3
done
renewals=$(($(count "oauth2 refresh POST /token 200") - before))
# How many gets fit in 9 s depends on the machine's load; what must hold
# does not: no expired token, and renewals as the tokens ran out.
if [ $bad = 0 ] && [ $prints -ge 5 ] && [ $renewals -ge 2 ] && [ $renewals -le $prints ]; then
	result ok "over 9 s of 4-second tokens: $prints gets, none expired, $renewals renewals inside the window"
else
	result "not ok" "across expiry" "bad=$bad prints=$prints renewals=$renewals"
fi
rm -f "$state/access-ttl"

# --- 4. 50 concurrent gets at the renewal point -------------------------------------------
export BEARER_TOKEN_CACHE=$tmp/cache-herd
bt login --config "$conf" --user alice --password-stdin <"$alice_pw" || bail "login for the herd test failed"
old=$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token)
cache_times "$BEARER_TOKEN_CACHE/oauth2.json" -3590 10	# 10 s left: inside the window
echo 0.5 >"$state/delay"
before=$(count "oauth2 refresh POST /token 200")
i=0 herd=
while [ $i -lt 50 ]; do
	"$helper" get --config "$conf" >"$tmp/herd.$i" 2>"$tmp/herd.$i.err" &
	herd="$herd $!"
	i=$((i + 1))
done
wait_herd=0
for pid in $herd; do wait "$pid" || wait_herd=$((wait_herd + 1)); done
rm -f "$state/delay"
renewals=$(($(count "oauth2 refresh POST /token 200") - before))
distinct=$(cat "$tmp"/herd.[0-9] "$tmp"/herd.[0-9][0-9] | sort -u | wc -l)
first=$(cat "$tmp/herd.0")
empty=$(for f in "$tmp"/herd.[0-9] "$tmp"/herd.[0-9][0-9]; do [ -s "$f" ] || echo "$f"; done | wc -l)
if [ $renewals = 1 ] && [ $wait_herd = 0 ] && [ "$distinct" = 1 ] && [ "$empty" = 0 ] && [ "$first" != "$old" ] \
	&& [ "$(whoami "Authorization: Bearer $first")" = 200 ]; then
	result ok "50 concurrent gets at the renewal point: 1 renewal request, 50 equal valid new tokens"
else
	result "not ok" "50 concurrent gets" "renewals=$renewals failures=$wait_herd distinct=$distinct empty=$empty; $(cat "$tmp"/herd.*.err | sort | uniq -c | head -5)"
fi
cat "$tmp"/herd.*.err >>"$stderr_all"
bt refresh --config "$conf"
rc=$?
[ $rc = 0 ] && ! grep -q "invalid_grant" "$tmp/err" \
	&& result ok "the cache kept the newest rotated refresh token (the next renewal works)" \
	|| result "not ok" "rotated refresh token kept" "rc=$rc; $(cat "$tmp/err")"
LD_DEBUG=libs "$helper" get --config "$conf" 2>"$tmp/ld.err" >/dev/null
if grep -q libjansson "$tmp/ld.err" && ! grep -Eq "libcurl|libssl|libcrypto|libldap" "$tmp/ld.err"; then
	result ok "a cached get loads neither libcurl, libssl, libcrypto nor libldap"
else
	result "not ok" "libraries of a cached get" "$(grep -Eo 'lib(curl|ssl|crypto|ldap)[^ ]*' "$tmp/ld.err" | sort -u)"
fi
LD_DEBUG=libs "$helper" refresh --config "$conf" 2>"$tmp/ld.err" >/dev/null
grep -q "libcurl" "$tmp/ld.err" && result ok "a renewal does load libcurl (through bearer-token-net.so)" \
	|| result "not ok" "libraries of a renewal" "$(grep -c . "$tmp/ld.err") lines"

# --- 5. the authority down --------------------------------------------------------------
export BEARER_TOKEN_CACHE=$tmp/cache-down
bt login --config "$conf" --user alice --password-stdin <"$alice_pw" || bail "login for the outage test failed"
file=$BEARER_TOKEN_CACHE/oauth2.json
refresh=$(cache_field "$file" refresh_token)
for mode in error-500 garbage hang; do
	set_mode $mode
	cache_times "$file" -3590 10
	valid=$(cache_field "$file" access_token)
	out=$(bt get --config "$conf")
	rc=$?
	if [ $rc = 0 ] && [ "$out" = "$valid" ] && grep -q "warning: could not renew" "$tmp/err"; then
		result ok "authority $mode: the still-valid token is printed, with a warning"
	else
		result "not ok" "authority $mode, valid token" "rc=$rc; $(cat "$tmp/err")"
	fi
	cache_times "$file" -3600 -1
	out=$(bt get --config "$conf")
	rc=$?
	if [ $rc = 4 ] && [ -z "$out" ] && [ "$(cache_field "$file" refresh_token)" = "$refresh" ]; then
		result ok "authority $mode: an expired token gives exit 4, prints nothing, keeps the refresh token"
	else
		result "not ok" "authority $mode, expired token" "rc=$rc out=${out:+something}; $(cat "$tmp/err")"
	fi
done
set_mode ok
out=$(bt get --config "$conf")
rc=$?
[ $rc = 0 ] && [ "$(whoami "Authorization: Bearer $out")" = 200 ] \
	&& result ok "back up: the kept refresh token renews at once" \
	|| result "not ok" "renewal after the outage" "rc=$rc; $(cat "$tmp/err")"
set_mode error-500
bt login --config "$conf" --user alice --password-stdin <"$alice_pw"
rc=$?
[ $rc = 4 ] && [ "$(cache_field "$file" access_token)" = "$out" ] \
	&& result ok "login while the authority fails: exit 4, the cache is untouched" \
	|| result "not ok" "login during an outage" "rc=$rc"
set_mode ok

# Logout while the authority fails: the cache goes anyway, exit 4 says the
# revocation did not happen.
export BEARER_TOKEN_CACHE=$tmp/cache-down-logout
bt login --config "$conf" --user alice --password-stdin <"$alice_pw" || bail "login for the logout-outage test failed"
set_mode error-500
bt logout --config "$conf"
rc=$?
set_mode ok
[ $rc = 4 ] && [ ! -e "$BEARER_TOKEN_CACHE/oauth2.json" ] && grep -q "could not revoke" "$tmp/err" \
	&& result ok "logout while the authority fails: the cache is removed anyway, exit 4 (not revoked)" \
	|| result "not ok" "logout during an outage" "rc=$rc; $(cat "$tmp/err")"
export BEARER_TOKEN_CACHE=$tmp/cache-down

# A 307 from the token endpoint: the password is not sent again.
export BEARER_TOKEN_CACHE=$tmp/cache-redirect
set_mode redirect
before=$(count "oauth2 password POST /token 307")
posts=$(grep -c " POST /token " "$log")
bt login --config "$conf" --user alice --password-stdin <"$alice_pw"
rc=$?
set_mode ok
[ $rc = 4 ] && grep -q "redirect refused for POST" "$tmp/err" && [ "$(count "oauth2 password POST /token 307")" = $((before + 1)) ] \
	&& [ "$(grep -c " POST /token " "$log")" = $((posts + 1)) ] && [ ! -e "$BEARER_TOKEN_CACHE/oauth2.json" ] \
	&& result ok "a redirect from the token endpoint: not followed (the password goes nowhere else), exit 4" \
	|| result "not ok" "redirect of a login" "rc=$rc; $(cat "$tmp/err"); $(tail -2 "$log")"
export BEARER_TOKEN_CACHE=$tmp/cache-down

# --- 6. a refresh token revoked behind our back -----------------------------------------
refresh=$(cache_field "$file" refresh_token)
curl -s -o /dev/null --cacert "$tmp/pki/ca.pem" -u testclient:testsecret \
	--data-urlencode "token=$refresh" "$url/revoke"
cache_times "$file" -3600 -1
bt get --config "$conf" >/dev/null
rc=$?
[ $rc = 3 ] && [ ! -e "$file" ] && result ok "a revoked refresh token: login required (exit 3), the cache is cleared" \
	|| result "not ok" "revoked refresh token" "rc=$rc; $(cat "$tmp/err")"

# --- 7. kill -9 while renewing -----------------------------------------------------------
export BEARER_TOKEN_CACHE=$tmp/cache-kill
damaged=0 kills=0 i=0
while [ $i -lt 30 ]; do
	i=$((i + 1))
	if [ ! -e "$BEARER_TOKEN_CACHE/oauth2.json" ]; then
		bt login --config "$conf" --user alice --password-stdin <"$alice_pw" || bail "login for the kill test failed"
	fi
	"$helper" refresh --config "$conf" >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((i % 10))"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
	bt status --config "$conf" >/dev/null
	rc=$?
	# 0: the old or the new tokens; 3: a refresh killed after the authority
	# rotated its token was then refused and the cache cleared.  Never 5.
	case $rc in 0|3) ;; *) damaged=$((damaged + 1)); echo "# status exit $rc: $(cat "$tmp/err")" ;; esac
	if [ -e "$BEARER_TOKEN_CACHE/oauth2.json" ] && ! cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token >/dev/null 2>&1; then
		damaged=$((damaged + 1))
	fi
done
[ $damaged = 0 ] && result ok "30 renewals killed with SIGKILL at 0-90 ms ($kills killed alive): the cache was never damaged" \
	|| result "not ok" "kill -9 during renewal" "$damaged damaged states"

# --- 8. unsafe or damaged caches ---------------------------------------------------------
export BEARER_TOKEN_CACHE=$tmp/cache-unsafe
bt login --config "$conf" --user alice --password-stdin <"$alice_pw" || bail "login for the unsafe-cache test failed"
file=$BEARER_TOKEN_CACHE/oauth2.json
cp "$file" "$tmp/good.json"
expect5() {	# expect5 DESCRIPTION WORDS: get exits 5, says WORDS, prints no token
	out=$(bt get --config "$conf")
	rc=$?
	if [ $rc = 5 ] && [ -z "$out" ] && grep -q "$2" "$tmp/err"; then
		result ok "$1: exit 5 ($2)"
	else
		result "not ok" "$1" "rc=$rc; $(cat "$tmp/err")"
	fi
}
printf '{"version":1,"user":' >"$file"
expect5 "a truncated cache file" "damaged cache"
head -c 3000 /dev/urandom >"$file"
expect5 "a cache file of random bytes" "damaged cache"
rm -f "$file"
cp "$tmp/good.json" "$tmp/elsewhere.json"
ln -s "$tmp/elsewhere.json" "$file"
expect5 "a cache file that is a symbolic link" "symbolic link"
rm -f "$file"
cp "$tmp/good.json" "$file"
chmod 644 "$file"
expect5 "a cache file with mode 0644" "mode 0644"
chmod 600 "$file"
chmod 750 "$BEARER_TOKEN_CACHE"
expect5 "a cache directory with mode 0750" "mode 0750"
chmod 700 "$BEARER_TOKEN_CACHE"
ln -s "$BEARER_TOKEN_CACHE" "$tmp/cache-link"
BEARER_TOKEN_CACHE=$tmp/cache-link expect5 "a cache directory that is a symbolic link" "symbolic link"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$BEARER_TOKEN_CACHE"
	expect5 "a cache directory owned by someone else" "belongs to uid 65534"
	chown 0 "$BEARER_TOKEN_CACHE"
	chown 65534 "$file"
	expect5 "a cache file owned by someone else" "belongs to uid 65534"
	chown 0 "$file"
else
	result ok "# SKIP another owner needs root"
	result ok "# SKIP another owner needs root"
fi
head -c 200000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
mv "$file" "$tmp/good-saved.json"
cp "$tmp/big.json" "$file"
chmod 600 "$file"
expect5 "a cache file over 192 KiB (PB_CACHE_MAX_FILE)" "impossible size"
mv "$tmp/good-saved.json" "$file"
[ "$(cmp "$file" "$tmp/good.json" && echo same)" = same ] && result ok "refusals changed nothing in the cache" \
	|| result "not ok" "refusals changed the cache"

# --- 9. secrets stay out of sight; set-user-ID; configuration errors --------------------------
export BEARER_TOKEN_CACHE=$tmp/cache-secrets
password=$(cat "$alice_pw")
echo 1.5 >"$state/delay"
# dcos renews by logging in, so the delay holds the helper inside its request.
bt login --config "$conf" --authority oauth2 --user alice --password-stdin <"$alice_pw" || bail "login failed"
cache_times "$BEARER_TOKEN_CACHE/oauth2.json" -3590 10
old_refresh=$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" refresh_token)
"$helper" get --config "$conf" >"$tmp/slow.out" 2>>"$stderr_all" &
pid=$!
sleep 0.7
seen=$(cat "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null | tr '\0' '\n')
wait "$pid"
(sleep 5 && echo "$password") | "$helper" login --config "$conf" --authority mlserver --user alice --password-stdin \
	>/dev/null 2>>"$stderr_all" &
pid=$!
sleep 0.7
seen="$seen
$(cat "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null | tr '\0' '\n')"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -f "$state/delay"
leaks=
for secret in "$password" "$old_refresh" "$(cat "$tmp/slow.out")" testsecret; do
	[ -n "$secret" ] && printf '%s' "$seen" | grep -qF "$secret" && leaks="$leaks $(printf '%s' "$secret" | cut -c1-6)..."
done
[ -n "$seen" ] && [ -z "$leaks" ] && result ok "no password, token or client secret in /proc/PID/cmdline or environ" \
	|| result "not ok" "secrets in /proc" "leaked:$leaks; saw ${#seen} bytes"

# Everything any command wrote to standard error in this run.
leaks=
for secret in "$password" testsecret $(cat "$tmp"/herd.0 "$tmp/slow.out"); do
	grep -qF "$secret" "$stderr_all" && leaks="$leaks $(printf '%s' "$secret" | cut -c1-6)..."
done
[ -s "$stderr_all" ] && [ -z "$leaks" ] && result ok "no password, token or client secret on standard error ($(wc -l <"$stderr_all") lines)" \
	|| result "not ok" "secrets on standard error" "leaked:$leaks"
leaks=
for secret in "$password" testsecret $(cat "$tmp"/herd.0 "$tmp/slow.out"); do
	grep -qF "$secret" "$log" && leaks="$leaks $(printf '%s' "$secret" | cut -c1-6)..."
done
[ -z "$leaks" ] && result ok "and none in the authority's request log (the revocation query is not logged)" \
	|| result "not ok" "secrets in the request log" "leaked:$leaks"

# Set-user-ID: a copy owned by root with the bit, run by another user.
suid_dir=$(mktemp -d /tmp/tokens-suid.XXXXXX)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 \
	&& ! findmnt -n -o OPTIONS -T "$suid_dir" 2>/dev/null | grep -q nosuid; then
	chmod 755 "$suid_dir"
	cp "$helper" "$suid_dir/bearer-token"
	chmod 4755 "$suid_dir/bearer-token"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$suid_dir/bearer-token" get >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 64 ] && grep -q "refusing to run set-user-ID" "$tmp/err" && result ok "set-user-ID: refused (exit 64)" \
		|| result "not ok" "set-user-ID" "rc=$rc; $(cat "$tmp/err")"
	chgrp 0 "$suid_dir/bearer-token"
	chmod 2755 "$suid_dir/bearer-token"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$suid_dir/bearer-token" get >/dev/null 2>"$tmp/err"
	rc=$?
	if ldd "$helper" 2>/dev/null | grep -q libasan; then
		# ASan's runtime itself exits 1 in a set-group-ID process, before main.
		result ok "# SKIP set-group-ID under the sanitizer runtime (exit $rc)"
	else
		[ $rc = 64 ] && result ok "set-group-ID: refused (exit 64)" || result "not ok" "set-group-ID" "rc=$rc; $(cat "$tmp/err")"
	fi
else
	result ok "# SKIP set-user-ID needs root, setpriv and a suid mount"
	result ok "# SKIP set-group-ID needs root, setpriv and a suid mount"
fi
rm -rf "$suid_dir"

# Where the cache lives without BEARER_TOKEN_CACHE.
mkdir -m 700 "$tmp/xdg" "$tmp/home"
(unset BEARER_TOKEN_CACHE; XDG_RUNTIME_DIR=$tmp/xdg; export XDG_RUNTIME_DIR
	"$helper" login --config "$conf" --authority dcos --user alice --password-stdin <"$alice_pw" 2>>"$stderr_all")
[ -f "$tmp/xdg/bearer-token/dcos.json" ] && [ "$(stat -c %a "$tmp/xdg/bearer-token")" = 700 ] \
	&& result ok "without BEARER_TOKEN_CACHE: \$XDG_RUNTIME_DIR/bearer-token (0700)" \
	|| result "not ok" "cache under XDG_RUNTIME_DIR" "$(ls -la "$tmp/xdg")"
(unset BEARER_TOKEN_CACHE XDG_RUNTIME_DIR; HOME=$tmp/home; export HOME
	"$helper" login --config "$conf" --authority dcos --user alice --password-stdin <"$alice_pw" 2>>"$stderr_all")
[ -f "$tmp/home/.cache/bearer-token/dcos.json" ] \
	&& result ok "without XDG_RUNTIME_DIR either: ~/.cache/bearer-token" \
	|| result "not ok" "cache under HOME" "$(find "$tmp/home")"
for cmd in login get header status refresh logout verify; do
	"$helper" $cmd --help >"$tmp/help" 2>&1 || break
	grep -q "usage: bearer-token $cmd" "$tmp/help" || break
done
[ "$cmd" = verify ] && grep -q "usage: bearer-token verify" "$tmp/help" \
	&& result ok "every command answers --help with its usage, exit 0" \
	|| result "not ok" "--help of $cmd" "$(cat "$tmp/help")"

# bearer-token store: a token the user holds, into the cache.
export BEARER_TOKEN_CACHE=$tmp/cache-store
printf 'not a token!\n' | bt store --config "$conf" --authority dcos --user alice
rc=$?
[ $rc = 64 ] && grep -q "not a compact JWS token" "$tmp/err" && [ ! -e "$BEARER_TOKEN_CACHE/dcos.json" ] \
	&& result ok "store refuses input that is not a compact JWS (exit 64), caches nothing" \
	|| result "not ok" "store with garbage" "rc=$rc; $(cat "$tmp/err")"
expired=$("$python" -c 'import base64, json, time
def b(d): return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
print(b({"alg": "RS256"}) + "." + b({"sub": "alice", "exp": int(time.time()) - 10}) + ".c2ln")')
printf '%s\n' "$expired" | bt store --config "$conf" --authority dcos --user alice
rc=$?
[ $rc = 1 ] && grep -q "has expired" "$tmp/err" && [ ! -e "$BEARER_TOKEN_CACHE/dcos.json" ] \
	&& result ok "store refuses an expired token (exit 1), caches nothing" \
	|| result "not ok" "store with an expired token" "rc=$rc; $(cat "$tmp/err")"
printf '%s' "$expired" | sed 's/\.[^.]*\./.x./' | bt store --config "$conf" --authority dcos --user alice
rc=$?
[ $rc = 1 ] && grep -q "has no exp claim" "$tmp/err" \
	&& result ok "store refuses a token without a readable exp (exit 1)" \
	|| result "not ok" "store without exp" "rc=$rc; $(cat "$tmp/err")"
# One size bound with the module (PB_JWS_MAX_TOKEN, 64 KiB): a 60 KiB token
# is stored and comes back; one byte over 64 KiB is refused.
sized() {	# sized BYTES: a token of exactly BYTES bytes for alice, valid for 10 minutes
	"$python" -c 'import base64, json, sys, time
def b(d): return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
want, pad = int(sys.argv[1]), 0
head = b({"alg": "RS256"})
while True:
    t = head + "." + b({"sub": "alice", "exp": int(time.time()) + 600, "pad": "x" * pad}) + "."
    if len(t) >= want - 4:
        break
    pad += max(1, (want - 4 - len(t)) * 3 // 4)
print(t + "c" * (want - len(t)))' "$1"
}
sized 61440 >"$tmp/big.tok"
rm -rf "$BEARER_TOKEN_CACHE"
bt store --config "$conf" --authority dcos --user alice <"$tmp/big.tok"
rc=$?
got=$(bt get --config "$conf" --authority dcos)
[ $rc = 0 ] && [ "$(wc -c <"$tmp/big.tok")" = 61441 ] && [ "$got" = "$(cat "$tmp/big.tok")" ] \
	&& result ok "store takes a 60 KiB token (the module accepts up to 64 KiB) and get gives it back" \
	|| result "not ok" "store a 60 KiB token" "rc=$rc; $(cat "$tmp/err")"
sized 65537 >"$tmp/huge.tok"
rm -rf "$BEARER_TOKEN_CACHE"
bt store --config "$conf" --authority dcos --user alice <"$tmp/huge.tok"
rc=$?
[ $rc = 64 ] && grep -q "at most 65536 bytes" "$tmp/err" && [ ! -e "$BEARER_TOKEN_CACHE/dcos.json" ] \
	&& result ok "store refuses a token one byte over 64 KiB (exit 64), caches nothing" \
	|| result "not ok" "store a 64 KiB + 1 token" "rc=$rc; $(cat "$tmp/err")"

badconf() {	# badconf DESCRIPTION EXPECTED-WORDS LINES...: get exits 6 and says why
	desc=$1 words=$2
	shift 2
	printf '%s\n' "$@" >"$tmp/bad.conf"
	bt get --config "$tmp/bad.conf" >/dev/null
	rc=$?
	[ $rc = 6 ] && grep -q "$words" "$tmp/err" && result ok "configuration: $desc: exit 6" \
		|| result "not ok" "configuration: $desc" "rc=$rc; $(cat "$tmp/err")"
}
badconf "no authority section" "no \[authority NAME\] section" "jwks = /etc/jwks.json"
badconf "an unknown key" "unknown authority key \"colour\"" "[authority a]" "preset = dcos" "url = $url" "colour = blue"
badconf "preset after other keys" "preset must be the first line" "[authority a]" "url = $url" "preset = dcos"
badconf "an unknown preset" "expected one of (oauth2" "[authority a]" "preset = keycloak" "url = $url"
badconf "plain http to another host" "http:// only to loopback" "[authority a]" "preset = dcos" "url = http://example.com"
badconf "no url" "url must be set" "[authority a]" "preset = dcos"
badconf "oauth2 without a client" "client_id and client_secret_file" "[authority a]" "preset = oauth2" "url = $url"
badconf "rms without a tenant" "tenant must be set" "[authority a]" "preset = rms" "url = $url"
badconf "a section given twice" "given twice" "[authority a]" "preset = dcos" "url = $url" "[authority a]" "url = $url"
badconf "a module option inside a section" "is a module option inside" "[authority a]" "preset = dcos" "url = $url" "leeway = 5"
badconf "a malformed section header" "expected a section header" "[authority]" "preset = dcos"
bt get --config "$conf" --authority nosuch >/dev/null
rc=$?
[ $rc = 6 ] && grep -q "no section \[authority nosuch\]" "$tmp/err" && result ok "--authority NAME that does not exist: exit 6" \
	|| result "not ok" "unknown --authority" "rc=$rc; $(cat "$tmp/err")"
bt get --config "$conf" extra-argument >/dev/null
rc=$?
[ $rc = 64 ] && result ok "a stray argument: usage, exit 64" || result "not ok" "stray argument" "rc=$rc"
bt login --config "$conf" </dev/null >/dev/null
rc=$?
[ $rc = 64 ] && grep -q "no terminal" "$tmp/err" && result ok "login without a terminal or --password-stdin: exit 64, says why" \
	|| result "not ok" "login without a terminal" "rc=$rc; $(cat "$tmp/err")"

# --- 10. --reuse: what pam_bearer passes, so that logins spare the authority ----------------
export BEARER_TOKEN_CACHE=$tmp/cache-reuse
grants() { count "oauth2 password POST /token 200"; }
refreshes() { count "oauth2 refresh POST /token 200"; }
sum() { sha256sum "$BEARER_TOKEN_CACHE/oauth2.json" 2>/dev/null | cut -c1-64; }
g0=$(grants)
bt login --reuse --config "$conf" --user alice --password-stdin <"$alice_pw"
rc=$?
[ $rc = 0 ] && [ "$(grants)" = $((g0 + 1)) ] && result ok "login --reuse with an empty cache: one password grant" 	|| result "not ok" "login --reuse, empty cache" "rc=$rc grants $g0 -> $(grants); $(cat "$tmp/err")"
before=$(sum) g0=$(grants) r0=$(refreshes) lines=$(wc -l <"$log") bad=0 i=0
while [ $i -lt 20 ]; do
	bt login --reuse --config "$conf" --user alice --password-stdin <"$alice_pw" || bad=$((bad + 1))
	i=$((i + 1))
done
g1=$(grants)
echo "# 21 logins of alice with --reuse within the token's life: $((g1 - g0 + 1)) password grant(s) at the authority"
[ $bad = 0 ] && [ "$g1" = "$g0" ] && [ "$(wc -l <"$log")" = "$lines" ] && [ "$(sum)" = "$before" ] \
	&& grep -q "kept the tokens already cached for alice" "$tmp/err" \
	&& result ok "20 more logins --reuse while the token is valid: no request at all, the cache unchanged" \
	|| result "not ok" "20 logins --reuse" "bad=$bad grants $g0 -> $g1 requests $lines -> $(wc -l <"$log"); $(cat "$tmp/err")"
old_tok=$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token)
cache_times "$BEARER_TOKEN_CACHE/oauth2.json" -3590 10	# due: inside the renewal window
g0=$(grants) r0=$(refreshes)
bt login --reuse --config "$conf" --user alice --password-stdin <"$alice_pw"
rc=$?
new_tok=$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token)
[ $rc = 0 ] && [ "$(grants)" = "$g0" ] && [ "$(refreshes)" = $((r0 + 1)) ] && [ "$new_tok" != "$old_tok" ] \
	&& [ "$(whoami "Authorization: Bearer $new_tok")" = 200 ] \
	&& result ok "login --reuse when renewal is due: one refresh, no password grant, a new valid token" \
	|| result "not ok" "login --reuse, due" "rc=$rc grants $g0 -> $(grants) refreshes $r0 -> $(refreshes); $(cat "$tmp/err")"
# Not usable: another user's, expired without a refresh token, a refresh token refused.
"$python" - "$BEARER_TOKEN_CACHE/oauth2.json" <<'PY'
import json, os, sys
c = json.load(open(sys.argv[1])); c["user"] = "bob"
open(sys.argv[1] + ".e", "w").write(json.dumps(c)); os.chmod(sys.argv[1] + ".e", 0o600); os.rename(sys.argv[1] + ".e", sys.argv[1])
PY
g0=$(grants)
bt login --reuse --config "$conf" --user alice --password-stdin <"$alice_pw"
rc=$?
[ $rc = 0 ] && [ "$(grants)" = $((g0 + 1)) ] && [ "$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" user)" = alice ] \
	&& result ok "login --reuse over bob's tokens: a password grant for alice replaces them" \
	|| result "not ok" "login --reuse, another user" "rc=$rc grants $g0 -> $(grants); $(cat "$tmp/err")"
"$python" - "$BEARER_TOKEN_CACHE/oauth2.json" <<'PY'
import json, os, sys, time
c = json.load(open(sys.argv[1])); c.pop("refresh_token"); c["expires"] = int(time.time()) - 5
open(sys.argv[1] + ".e", "w").write(json.dumps(c)); os.chmod(sys.argv[1] + ".e", 0o600); os.rename(sys.argv[1] + ".e", sys.argv[1])
PY
g0=$(grants)
bt login --reuse --config "$conf" --user alice --password-stdin <"$alice_pw"
rc=$?
[ $rc = 0 ] && [ "$(grants)" = $((g0 + 1)) ] \
	&& result ok "login --reuse over an expired token without a refresh token: a password grant" \
	|| result "not ok" "login --reuse, expired" "rc=$rc grants $g0 -> $(grants); $(cat "$tmp/err")"
cache_times "$BEARER_TOKEN_CACHE/oauth2.json" -3590 10
curl -s -o /dev/null --cacert "$tmp/pki/ca.pem" -u testclient:testsecret -d token_type_hint=refresh_token \
	--data-urlencode "token=$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" refresh_token)" "$url/revoke"
g0=$(grants) r0=$(count "oauth2 refresh POST /token 400")
bt login --reuse --config "$conf" --user alice --password-stdin <"$alice_pw"
rc=$?
[ $rc = 0 ] && [ "$(grants)" = $((g0 + 1)) ] && [ "$(count "oauth2 refresh POST /token 400")" = $((r0 + 1)) ] \
	&& [ "$(whoami "Authorization: Bearer $(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token)")" = 200 ] \
	&& result ok "login --reuse, due, its refresh token revoked behind our back: the refresh is refused, then a password grant" \
	|| result "not ok" "login --reuse, refresh refused" "rc=$rc grants $g0 -> $(grants); $(cat "$tmp/err")"
g0=$(grants)
bt login --config "$conf" --user alice --password-stdin <"$alice_pw"
[ "$(grants)" = $((g0 + 1)) ] && result ok "login without --reuse still logs in anew (a password grant)" \
	|| result "not ok" "login without --reuse" "grants $g0 -> $(grants)"
# store --reuse: a token login's token goes in only when nothing usable is there.
grant_tok=$(curl -s --cacert "$tmp/pki/ca.pem" -u testclient:testsecret --data-urlencode username=alice \
	--data-urlencode "password@$alice_pw" -d grant_type=password "$url/token" \
	| "$python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
before=$(sum)
printf '%s\n' "$grant_tok" | bt store --reuse --config "$conf" --user alice
rc=$?
[ $rc = 0 ] && [ "$(sum)" = "$before" ] && grep -q "was not stored" "$tmp/err" \
	&& result ok "store --reuse with usable tokens cached: exit 0, the cache unchanged" \
	|| result "not ok" "store --reuse, usable" "rc=$rc; $(cat "$tmp/err")"
"$python" - "$BEARER_TOKEN_CACHE/oauth2.json" <<'PY'
import json, os, sys, time
c = json.load(open(sys.argv[1])); c.pop("refresh_token"); c["expires"] = int(time.time()) - 5
open(sys.argv[1] + ".e", "w").write(json.dumps(c)); os.chmod(sys.argv[1] + ".e", 0o600); os.rename(sys.argv[1] + ".e", sys.argv[1])
PY
printf '%s\n' "$grant_tok" | bt store --reuse --config "$conf" --user alice
rc=$?
[ $rc = 0 ] && [ "$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token)" = "$grant_tok" ] \
	&& result ok "store --reuse over an expired, unrenewable token: the presented token is stored" \
	|| result "not ok" "store --reuse, nothing usable" "rc=$rc; $(cat "$tmp/err")"

# --- 11. store with the refresh token (a device login at the PAM prompt) ------------
export BEARER_TOKEN_CACHE=$tmp/cache-refresh
grant_json() {	# a password grant for alice straight from the authority: its JSON reply
	curl -s --cacert "$tmp/pki/ca.pem" -u testclient:testsecret --data-urlencode username=alice \
		--data-urlencode "password@$alice_pw" -d grant_type=password "$url/token"
}
field() { "$python" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
reply=$(grant_json)
acc=$(printf '%s' "$reply" | field access_token) ref=$(printf '%s' "$reply" | field refresh_token)
printf '%s\n%s\n' "$acc" "$ref" | bt store --config "$conf" --user alice
rc=$?
[ $rc = 0 ] && [ "$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" refresh_token)" = "$ref" ] \
	&& [ "$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token)" = "$acc" ] \
	&& bt status --json --config "$conf" | grep -q '"renewable":true' \
	&& result ok "store with a second line: the access and the refresh token are cached, renewable" \
	|| result "not ok" "store with a refresh token" "rc=$rc; $(cat "$tmp/err")"
r0=$(refreshes)
bt refresh --config "$conf" >/dev/null
rc=$?
new=$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token)
[ $rc = 0 ] && [ "$(refreshes)" = $((r0 + 1)) ] && [ "$new" != "$acc" ] \
	&& [ "$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" refresh_token)" != "$ref" ] \
	&& [ "$(whoami "Authorization: Bearer $new")" = 200 ] \
	&& result ok "  refresh renews it with the stored refresh token (one refresh, rotated, accepted)" \
	|| result "not ok" "refresh after store" "rc=$rc refreshes $r0 -> $(refreshes); $(cat "$tmp/err")"
# Each malformed input is refused (exit 64) and the cache stays as it was.
before=$(sum)
refused() {	# refused DESCRIPTION: store read $tmp/in; exit 64, cache unchanged
	bt store --config "$conf" --user alice <"$tmp/in"
	rc=$?
	[ $rc = 64 ] && [ "$(sum)" = "$before" ] && grep -q "optionally followed by a line with a refresh token" "$tmp/err" \
		&& result ok "store refuses $1 (exit 64), the cache unchanged" \
		|| result "not ok" "store with $1" "rc=$rc; $(cat "$tmp/err")"
}
printf '%s\n%s\n' "$acc" "refresh token with spaces" >"$tmp/in"
refused "a second line with spaces"
printf '%s\n%s\001\n' "$acc" "$ref" >"$tmp/in"
refused "a second line with a control character"
printf '%s\n\n%s\n' "$acc" "$ref" >"$tmp/in"
refused "an empty line before the refresh token"
printf '%s\n%s\n%s\n' "$acc" "$ref" "more" >"$tmp/in"
refused "a third line"
{ printf '%s\n' "$acc"; "$python" -c 'print("r" * 65537)'; } >"$tmp/in"
refused "a refresh token one byte over 64 KiB"
{ printf '%s\n' "$acc"; "$python" -c 'import sys; sys.stdout.write("r" * 200000)'; } >"$tmp/in"
refused "input beyond two 64 KiB lines"
# An ordinary token login still stores the access token alone.
rm -rf "$BEARER_TOKEN_CACHE"
printf '%s\n' "$acc" | bt store --config "$conf" --user alice
rc=$?
[ $rc = 0 ] && [ "$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token)" = "$acc" ] \
	&& [ -z "$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" refresh_token)" ] \
	&& bt status --json --config "$conf" | grep -q '"refresh_token":false' \
	&& result ok "store with one line: the access token alone, no refresh token" \
	|| result "not ok" "store with one line" "rc=$rc; $(cat "$tmp/err")"
# --reuse: a usable store is kept whole, the refresh token with it; a dead one
# is replaced by both.
reply=$(grant_json)
acc2=$(printf '%s' "$reply" | field access_token) ref2=$(printf '%s' "$reply" | field refresh_token)
before=$(sum)
printf '%s\n%s\n' "$acc2" "$ref2" | bt store --reuse --config "$conf" --user alice
rc=$?
[ $rc = 0 ] && [ "$(sum)" = "$before" ] && grep -q "was not stored" "$tmp/err" \
	&& result ok "store --reuse with a refresh token over a usable store: the store unchanged" \
	|| result "not ok" "store --reuse with refresh, usable" "rc=$rc; $(cat "$tmp/err")"
cache_times "$BEARER_TOKEN_CACHE/oauth2.json" -3600 -5
printf '%s\n%s\n' "$acc2" "$ref2" | bt store --reuse --config "$conf" --user alice
rc=$?
[ $rc = 0 ] && [ "$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" access_token)" = "$acc2" ] \
	&& [ "$(cache_field "$BEARER_TOKEN_CACHE/oauth2.json" refresh_token)" = "$ref2" ] \
	&& result ok "store --reuse with a refresh token over an expired, unrenewable store: both stored" \
	|| result "not ok" "store --reuse with refresh, nothing usable" "rc=$rc; $(cat "$tmp/err")"

[ $n = 116 ] || echo "# planned 116 tests, ran $n"
finish
