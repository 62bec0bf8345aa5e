#!/bin/sh
# unconfigured-t.sh: a module with no configuration stands aside; a broken
# configuration still fails closed (TAP).
#
# "No configuration" is: after the defaults, the file and the module line,
# no key source (jwks, discovery, hmac_key_file), no LDAP server (ldap_uri)
# and no session tokens (obtain_tokens, revoke_on_logout, use_session_token).  Such a module answers PAM_IGNORE in every phase and logs why
# once per PAM handle.  Anything else keeps its code: a file that is missing
# though named, unreadable, unsafe or wrong is PAM_SERVICE_ERR, and a key
# source that cannot be used is PAM_AUTHINFO_UNAVAIL.
#
# Each case runs the real libpam under pam_wrapper with a service file where
# every phase is
#     PHASE [ignore=ignore default=die] pam_bearer.so config=FILE ARGS
#     PHASE required pam_permit.so
# so the result is PAM_SUCCESS exactly when the module answered PAM_IGNORE,
# and the module's own code otherwise.  The packaged pam_bearer.conf
# (docs/pam_bearer.conf in the build, every option commented) is one of the
# files: installing the package configures nothing.

set -u
set -f

here=$(cd "$(dirname "$0")" && pwd)
top_builddir=${abs_top_builddir:-$(pwd)}
module=${PAM_BEARER_MODULE:-$top_builddir/pam/.libs/pam_bearer.so}
pamrun=${PAMRUN:-$top_builddir/tests/pam/pamrun}
conffile=$top_builddir/docs/pam_bearer.conf
. "$here/pamwrap.sh"

bail() { echo "Bail out! $*"; exit 99; }

[ -f "$module" ] || bail "module not built: $module"
[ -x "$pamrun" ] || bail "driver not built: $pamrun"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pb-unconf.XXXXXX") || bail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 98' HUP INT TERM

# Token-shaped (a header, a payload and a signature), so that a configured
# module goes as far as its keys.
printf 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl\nanother\nand another\n' >"$tmp/answers"
: >"$tmp/empty.conf"
cat >"$tmp/policy-only.conf" <<'EOF'
# A policy, but nothing to check it with.
issuer = https://idp.example.com
audience = ssh.example.com
leeway = 30
token_only = true
EOF
printf 'no_such_option = 1\n' >"$tmp/unknown.conf"
printf 'jwks = %s/no-such-jwks.json\n' "$tmp" >"$tmp/jwks-missing.conf"
printf 'ldap_uri = ldaps://ldap.example.com\n' >"$tmp/ldap-incomplete.conf"
printf 'issuer = https://idp.example.com\n' >"$tmp/writable.conf"
chmod 666 "$tmp/writable.conf"

n=0 failed=0
result() {	# result ok|"not ok" DESCRIPTION [DIAGNOSTIC-FILE]
	n=$((n + 1))
	echo "$1 $n - $2"
	if [ "$1" != ok ]; then
		failed=$((failed + 1))
		[ -n "${3:-}" ] && sed 's/^/# /' "$3"
	fi
	return 0
}

# run NAME OPS MODULE-ARGS: one handle doing OPS (pamrun --ops); output in
# $tmp/NAME.out, the module's log in $tmp/NAME.log.
run() {
	svc=$tmp/svc-$1
	mkdir "$svc"
	for phase in auth account password session; do
		printf '%s [ignore=ignore default=die] %s %s\n%s required pam_permit.so\n' \
			"$phase" "$module" "$3" "$phase"
	done >"$svc/bearer"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$svc/other"
	(cd "$tmp" && pamwrap_run "$svc" --ops "$2" bearer alice "$tmp/answers") \
		>"$tmp/$1.out" 2>"$tmp/$1.log" </dev/null
}

# expect NAME DESCRIPTION WANT-OUTPUT LOG-PATTERN LOG-COUNT
expect() {
	{
		printf '%s\n' "$3" | cmp -s - "$tmp/$1.out" ||
			{ echo "output:"; cat "$tmp/$1.out"; echo "expected:"; printf '%s\n' "$3"; }
		got=$(grep -c -- "$4" "$tmp/$1.log")
		[ "$got" = "$5" ] || echo "$got log lines match \"$4\", expected $5"
	} >"$tmp/$1.diag" 2>&1
	if [ -s "$tmp/$1.diag" ]; then
		echo "log:" >>"$tmp/$1.diag"
		grep 'SYSLOG' "$tmp/$1.log" >>"$tmp/$1.diag"
		result "not ok" "$2" "$tmp/$1.diag"
	else
		result ok "$2"
	fi
}

echo "1..12"

run empty auth,account,chauthtok "config=$tmp/empty.conf"
expect empty "empty file: auth, account and password all PAM_IGNORE, one log line for the handle" \
	"auth PAM_SUCCESS
account PAM_SUCCESS
chauthtok PAM_SUCCESS" 'SYSLOG(5): unconfigured: no jwks, discovery, hmac_key_file, ldap_uri or session tokens' 1

run empty-again auth "config=$tmp/empty.conf"
expect empty-again "a second handle logs it again" "auth PAM_SUCCESS" 'unconfigured:' 1

run policy-only auth,account "config=$tmp/policy-only.conf"
expect policy-only "issuer, audience and token_only without a key source: PAM_IGNORE" \
	"auth PAM_SUCCESS
account PAM_SUCCESS" 'unconfigured:' 1

if [ -f "$conffile" ]; then
	run packaged auth,account,chauthtok "config=$conffile"
	expect packaged "the packaged pam_bearer.conf (every option commented) configures nothing" \
		"auth PAM_SUCCESS
account PAM_SUCCESS
chauthtok PAM_SUCCESS" "unconfigured: .* in $conffile or on the module line" 1
else
	result "not ok" "the packaged pam_bearer.conf exists: $conffile"
fi

if [ -f "$conffile" ]; then
	sed 's/^#\([a-z_]* = .\)/\1/' "$conffile" >"$tmp/uncommented.conf"
	run uncommented auth "config=$tmp/uncommented.conf"
	expect uncommented "the packaged file with every default uncommented: valid, and still nothing configured" \
		"auth PAM_SUCCESS" 'unconfigured:' 1
else
	result "not ok" "the packaged pam_bearer.conf exists: $conffile"
fi

run module-line-jwks auth "config=$tmp/empty.conf jwks=$tmp/no-such-jwks.json"
expect module-line-jwks "jwks on the module line alone is a configuration: a missing key file is PAM_AUTHINFO_UNAVAIL" \
	"auth PAM_AUTHINFO_UNAVAIL" 'unconfigured:' 0

# A session line that only revokes at logout needs no key: it is configured.
run revoke-only account "config=$tmp/empty.conf revoke_on_logout"
expect revoke-only "revoke_on_logout alone (a session line that revokes) is a configuration: not ignored" \
	"account PAM_SUCCESS" 'unconfigured:' 0

run jwks-missing auth "config=$tmp/jwks-missing.conf"
expect jwks-missing "jwks in the file naming a missing file: PAM_AUTHINFO_UNAVAIL, not ignored" \
	"auth PAM_AUTHINFO_UNAVAIL" 'unavailable: key file' 1

run missing auth,account "config=$tmp/no-such.conf"
expect missing "config= naming a missing file: PAM_SERVICE_ERR in auth and account" \
	"auth PAM_SERVICE_ERR
account PAM_SERVICE_ERR" 'unconfigured:' 0

run unknown auth "config=$tmp/unknown.conf"
expect unknown "an unknown option in the file: PAM_SERVICE_ERR" "auth PAM_SERVICE_ERR" 'config: .*no_such_option' 1

run writable auth "config=$tmp/writable.conf"
expect writable "a world-writable file: PAM_SERVICE_ERR, even though it configures nothing" \
	"auth PAM_SERVICE_ERR" 'unconfigured:' 0

run ldap-incomplete auth "config=$tmp/ldap-incomplete.conf"
expect ldap-incomplete "ldap_uri without ldap_user_dn: PAM_SERVICE_ERR" "auth PAM_SERVICE_ERR" \
	'config: ldap_uri needs ldap_user_dn' 1

[ "$failed" -eq 0 ]
