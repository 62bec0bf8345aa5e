#!/bin/sh
# expiry-t.sh: hostile expiry times from the authority (TAP).  The emulator is
# told to answer expires_in / expires_on with huge, negative, real and quoted
# values; bearer-token login must neither overflow (a sanitizer build halts
# on signed overflow) nor trust them: the token's own exp still bounds the
# cached expiry, and a login succeeds with exactly that.
#
# Environment: abs_top_builddir, abs_top_srcdir, BEARER_TOKEN (the helper),
# BEARER_TOKEN_PLUGIN, PYTHON3, PB_KEEP_TMP=1 to keep the scratch directory.

. "$(dirname "$0")/../lib.sh"
BEARER_TOKEN_PLUGIN=$plugin
export BEARER_TOKEN_PLUGIN

need_exec "$helper" helper
need_python jwt cryptography

scratch expiry
mkdir "$tmp/state"
printf 'alice:wonderland\n' >"$tmp/state/users"
emulator_start "$tmp/state"

printf 'testsecret\n' >"$tmp/client.secret"
conf=$tmp/pam_bearer.conf
for d in oauth2 mlserver; do
	printf '[authority %s]\npreset = %s\nurl = https://127.0.0.1:%s\nca_file = %s\n' "$d" "$d" "$port" "$tmp/pki/ca.pem"
	[ $d = oauth2 ] && printf 'client_id = testclient\nclient_secret_file = %s\n' "$tmp/client.secret"
done >"$conf"

# login DIALECT FIELD VALUE: log in with FIELD (expires-in or expires-on) told
# to be VALUE; ok when the login succeeds and caches the token's own exp.
# Where the reply keeps its real expires_in (the expires-on cases), the
# helper counts it from before the request, and the emulator from when it
# minted the token, a second boundary may lie between: an expiry up to two
# seconds before the token's exp is the helper being careful, not wrong.
login() {
	dialect=$1 field=$2 value=$3
	rm -f "$state/expires-in" "$state/expires-on"
	printf '%s\n' "$value" >"$state/$field"
	cache=$tmp/cache-$n
	BEARER_TOKEN_CACHE=$cache "$helper" login --config "$conf" --authority "$dialect" --user alice \
		--password-stdin <<-EOP >"$tmp/out" 2>&1
	wonderland
	EOP
	rc=$?
	if [ $rc != 0 ] || [ ! -f "$cache/$dialect.json" ]; then
		result "not ok" "$dialect: $field $value: login succeeds" "rc=$rc; $(cat "$tmp/out")"
		return
	fi
	"$python" - "$cache/$dialect.json" >"$tmp/check" 2>&1 <<-'PY'
	import json, sys, jwt
	c = json.load(open(sys.argv[1]))
	own = jwt.decode(c["access_token"], options={"verify_signature": False})["exp"]
	sys.exit(0 if own - 2 <= c["expires"] <= own and c["obtained"] < own else "expires %s, token exp %s" % (c["expires"], own))
	PY
	if [ $? = 0 ]; then
		result ok "$dialect: $field $value: login succeeds, expiry is the token's own exp"
	else
		result "not ok" "$dialect: $field $value: expiry is the token's own exp" "$(cat "$tmp/check")"
	fi
}

echo "1..14"
for v in 9223372036854775807 -9223372036854775808 1e300 -1e300 '"9223372036854775807"' '"99999999999999999999"'; do
	login oauth2 expires-in "$v"
done
for v in 9223372036854775807 1e300 '"99999999999999999999"'; do
	login mlserver expires-in "$v"
done
for v in 9223372036854775807 -9223372036854775808 1e300 -1; do
	login mlserver expires-on "$v"
done
login mlserver expires-in 0.5

[ $n = 14 ] || echo "# planned 14 tests, ran $n"
finish
