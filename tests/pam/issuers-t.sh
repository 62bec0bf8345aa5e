#!/bin/sh
# issuers-t.sh: several [issuer NAME] sections through real libpam under
# pam_wrapper (TAP).  Each case runs auth and account in one PAM handle
# (pamrun --ops auth,account) and checks both results and the logged reason.
#
# Issuers: people (a key file, email mapped by user_strip_domain and
# user_lowercase, groups at realm_access.roles), ci (a key file holding a key
# under people's kid, every token is the user deploy, one repository and
# branch required), rx (upn through user_regex), remote (keys from
# authority.py over HTTPS) and down (an authority answering 500).
# Services: all (no restriction), sudo (issuers=people), admins
# (allow_groups=admins on the account line).
#
# The attacks: a token signed by one issuer's key claiming another; a key
# under another issuer's kid; an unknown or missing iss (and no request to
# any authority); mappings that give another user, an empty name, "..",
# '/', a leading '-', another domain; groups of the wrong type; an issuer
# the service leaves out; one issuer's authority failing while others log in.

. "$(dirname "$0")/../lib.sh"
set -f

need_exec "$pamrun" driver
need_pamrun
need_mint

scratch issuers
keys=$tmp/keys
mint() { $python "$fixtures/mint.py" "$@"; }
for k in people:p1 ci:c1 shadow:p1 rx:x1 remote:r1 down:d1 stranger:p1 uinfo:u1 broken:b1; do
	mint issuer-key "$keys" "${k%%:*}" "${k#*:}" || bail "mint.py issuer-key failed"
done
# ci's set also holds a key under people's kid p1: kids are per issuer.
$python - "$keys" <<'EOF' || bail "merging key sets failed"
import json, os, sys
d = sys.argv[1]
def load(n):
    return json.load(open(os.path.join(d, n + ".jwks.json")))["keys"]
json.dump({"keys": load("ci") + load("shadow")}, open(os.path.join(d, "ci.jwks.json"), "w"))
EOF

test_pki "$tmp/pki"
servers=
at_exit 'for p in $servers; do kill "$p" 2>/dev/null; done'
# start NAME MODE: an authority serving NAME's key set.
start() {
	st=$tmp/auth-$1
	mkdir "$st"
	cp "$keys/$1.jwks.json" "$st/jwks.json"
	echo "$2" >"$st/mode"
	$python "$fixtures/authority.py" serve "$st" --cert "$tmp/pki/server.pem" \
		--key "$tmp/pki/server.key" 2>"$st/stderr" &
	servers="$servers $!"
	$python "$fixtures/authority.py" wait "$st" >"$st/port.out" ||
		bail "authority $1 did not start: $(cat "$st/stderr")"
}
requests() { if [ -f "$tmp/auth-$1/requests.log" ]; then wc -l <"$tmp/auth-$1/requests.log" | tr -d ' '; else echo 0; fi; }
start remote ok
start down error-500

conf=$tmp/pam_bearer.conf
cat >"$conf" <<EOF
# Host-wide: every issuer's keys are cached here.
cache_dir = $tmp/cache
ca_file = $tmp/pki/ca.pem
http_timeout = 5

[issuer people]
issuer = https://people.test
jwks = $keys/people.jwks.json
user_claim = email
user_strip_domain = example.com
user_lowercase = true
groups_claim = realm_access.roles
allow_groups = staff

[issuer ci]
issuer = https://ci.test
jwks = $keys/ci.jwks.json
user_claim = repository
user_template = deploy
require_claim = repository=org/app
require_claim = ref=refs/heads/main

[issuer rx]
issuer = https://rx.test
jwks = $keys/rx.jwks.json
user_claim = upn
user_regex = ([a-z./-]*)@corp\.example

[issuer remote]
issuer = https://remote.test
jwks = https://127.0.0.1:$(cat "$tmp/auth-remote/port")/jwks.json
user_claim = preferred_username

[issuer down]
issuer = https://down.test
jwks = https://127.0.0.1:$(cat "$tmp/auth-down/port")/jwks.json

[issuer uinfo]
issuer = https://uinfo.test
jwks = $keys/uinfo.jwks.json
user_claim = preferred_username
allow_groups = staff
userinfo_endpoint = https://127.0.0.1:$(cat "$tmp/auth-remote/port")/userinfo
EOF
chmod 600 "$conf"
# The same with a wrong value in one more section: only that issuer's logins fail.
{
	cat "$conf"
	printf '\n[issuer broken]\nissuer = https://broken.test\njwks = %s\nuser_regex = [a-z]+\n' \
		"$keys/broken.jwks.json"
} >"$tmp/broken.conf"
chmod 600 "$tmp/broken.conf"

svc=$tmp/svc
mkdir "$svc"
for s in all sudo admins fresh broken; do
	extra=
	[ $s = sudo ] && extra=issuers=people
	[ $s = fresh ] && extra="max_token_age=60 require_claim=acr=mfa"
	acct=$extra
	[ $s = admins ] && acct=allow_groups=admins
	c=$conf
	[ $s = broken ] && c=$tmp/broken.conf
	{
		echo "auth required $module config=$c $extra"
		echo "account required $module config=$c $acct"
	} >"$svc/$s"
done
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$svc/other"

# run NAME SERVICE USER AUTH ACCOUNT REASON KEY KID CLAIMS [STDERR-TEXT]
# KEY again:OTHER: OTHER's token again (KID and CLAIMS unused).
# ACCOUNT "-": the account phase is not reached (auth failed).
run() {
	name=$1 service=$2 user=$3 want_auth=$4 want_acct=$5 reason=$6
	case $7 in
	again:*) cp "$tmp/${7#again:}.tok" "$tmp/$name.tok" ;;	# the same token once more
	*) mint sign "$keys" "$7" "$8" "$9" >"$tmp/$name.tok" || bail "mint.py sign failed for $name" ;;
	esac
	printf '%s' "$(cat "$tmp/$name.tok")" >"$tmp/$name.answer"
	got=$(cd "$tmp" && pamwrap_run "$svc" --ops auth,account "$service" "$user" "$tmp/$name.answer" \
		2>"$tmp/$name.log" </dev/null | tr '\n' ' ')
	want="auth $want_auth "
	[ "$want_acct" != - ] && want="${want}account $want_acct "
	diag=
	case $got in
	"$want"*) ;;
	*) diag="got \"$got\", expected \"$want\"" ;;
	esac
	if [ "$reason" = accepted ]; then
		grep -q ': accepted: user' "$tmp/$name.log" || diag="$diag; no \"accepted\" logged"
	elif [ "$reason" = unavailable ] || [ "$reason" = config ]; then
		grep -q ": $reason: " "$tmp/$name.log" || diag="$diag; no \"$reason\" logged"
	else
		grep -q "rejected: $reason:" "$tmp/$name.log" || diag="$diag; no \"rejected: $reason\" logged"
	fi
	if [ -n "${10:-}" ] && ! grep -qF "${10}" "$tmp/$name.log"; then
		diag="$diag; standard error lacks \"${10}\""
	fi
	# The token never reaches the log.
	if grep -qF "$(cut -d. -f3 "$tmp/$name.tok" | cut -c1-24)" "$tmp/$name.log"; then
		diag="$diag; the token's signature is in the log"
	fi
	if [ -n "$diag" ]; then
		result "not ok" "$name: $got" "$diag
$(grep -v PWRAP "$tmp/$name.log" | head -n 12)"
	else
		result ok "$name: $got($reason)"
	fi
}

P='"iss":"https://people.test"'
OK=AUTH_ERR
echo "1..55"

# --- routing: a token is checked under its own issuer's keys only ----------------------
run people-ok all alice PAM_SUCCESS PAM_SUCCESS accepted people p1 \
	"{$P,\"email\":\"Alice@Example.COM\",\"realm_access\":{\"roles\":[\"staff\"]}}"
# bearer-token verify names the section and shows each mapping step.
"$helper" verify --config "$conf" --user alice --token-file "$tmp/people-ok.tok" >"$tmp/verify.out" 2>&1
if grep -q '^issuer  *ok  *\[issuer people\] by the token' "$tmp/verify.out" &&
	grep -q '^map: user_claim ok  *email is "Alice@Example.COM"' "$tmp/verify.out" &&
	grep -q '^map: user_strip_domain ok  *"Alice"' "$tmp/verify.out" &&
	grep -q '^map: user_lowercase ok  *"alice"' "$tmp/verify.out" &&
	grep -q '^groups: issuer ok ' "$tmp/verify.out" && grep -q '^verdict  *accepted' "$tmp/verify.out"; then
	result ok "verify: the issuer section, each mapping step, the groups"
else
	result_file "not ok" "verify: the issuer section, each mapping step, the groups" "$tmp/verify.out"
fi
run ci-key-claims-people all alice PAM_$OK - unknown-kid ci c1 \
	"{$P,\"email\":\"alice@example.com\"}"
run other-key-under-people-kid all alice PAM_$OK - bad-signature shadow p1 \
	"{$P,\"email\":\"alice@example.com\"}"
run stranger-key-people-kid all alice PAM_$OK - bad-signature stranger p1 \
	"{$P,\"email\":\"alice@example.com\"}"
run ci-own-kid-p1 all deploy PAM_SUCCESS PAM_SUCCESS accepted shadow p1 \
	'{"iss":"https://ci.test","repository":"org/app","ref":"refs/heads/main"}'
run people-key-claims-ci all deploy PAM_$OK - bad-signature people p1 \
	'{"iss":"https://ci.test","repository":"org/app","ref":"refs/heads/main"}'

before=$(($(requests remote) + $(requests down)))
run unknown-issuer all alice PAM_$OK - unknown-issuer remote r1 \
	'{"iss":"https://nobody.test","preferred_username":"alice"}'
run issuer-prefix all alice PAM_$OK - unknown-issuer remote r1 \
	'{"iss":"https://remote.test/","preferred_username":"alice"}'
run no-issuer all alice PAM_$OK - unknown-issuer remote r1 '{"preferred_username":"alice"}'
run issuer-not-string all alice PAM_$OK - unknown-issuer remote r1 \
	'{"iss":["https://remote.test"],"preferred_username":"alice"}'
"$helper" verify --config "$conf" --user alice --token-file "$tmp/unknown-issuer.tok" >"$tmp/verify.out" 2>&1
if grep -q '^verdict  *rejected: unknown-issuer: no issuer section for iss "https://nobody.test"' "$tmp/verify.out"; then
	result ok "verify: an unknown issuer"
else
	result_file "not ok" "verify: an unknown issuer" "$tmp/verify.out"
fi
after=$(($(requests remote) + $(requests down)))
if [ "$before" -eq "$after" ]; then
	result ok "unknown issuers cost no request (authorities saw $after)"
else
	result "not ok" "unknown issuers cost no request" "authorities saw $((after - before)) requests"
fi

# --- one issuer's outage -------------------------------------------------------------
run down-unavailable all bob PAM_AUTHINFO_UNAVAIL - unavailable down d1 \
	'{"iss":"https://down.test","sub":"bob"}'
run remote-ok-beside-down all alice PAM_SUCCESS PAM_SUCCESS accepted remote r1 \
	'{"iss":"https://remote.test","preferred_username":"alice"}'
run people-ok-beside-down all alice PAM_SUCCESS PAM_SUCCESS accepted people p1 \
	"{$P,\"email\":\"alice@example.com\",\"realm_access\":{\"roles\":[\"staff\"]}}"
if [ "$(requests down)" -ge 1 ] && [ "$(requests remote)" -ge 1 ]; then
	result ok "each remote issuer asked its own authority (remote $(requests remote), down $(requests down))"
else
	result "not ok" "each remote issuer asked its own authority" "remote $(requests remote), down $(requests down)"
fi
n_cache=$(find "$tmp/cache" -name 'jwks-*.json' | wc -l)
if [ "$n_cache" -eq 1 ]; then
	result ok "one cached key set, the reachable issuer's"
else
	result "not ok" "one cached key set" "$(ls -la "$tmp/cache")"
fi

# --- mapping -------------------------------------------------------------------------
run map-other-user all alice PAM_$OK - user-mismatch people p1 "{$P,\"email\":\"bob@example.com\"}"
run map-other-domain all alice PAM_$OK - user-claim people p1 "{$P,\"email\":\"alice@evil.example\"}"
run map-dotdot all .. PAM_$OK - user-claim people p1 "{$P,\"email\":\"..@example.com\"}"
run map-slash all ../root PAM_$OK - user-claim people p1 "{$P,\"email\":\"../root@example.com\"}"
run map-dash all -alice PAM_$OK - user-claim people p1 "{$P,\"email\":\"-alice@example.com\"}"
run map-empty-regex all alice PAM_$OK - user-claim rx x1 '{"iss":"https://rx.test","upn":"@corp.example"}'
run map-regex-ok all carol PAM_SUCCESS PAM_SUCCESS accepted rx x1 '{"iss":"https://rx.test","upn":"carol@corp.example"}'
run map-regex-unanchored all carol PAM_$OK - user-claim rx x1 \
	'{"iss":"https://rx.test","upn":"carol@corp.example.evil"}'
run map-regex-dotdot all alice PAM_$OK - user-claim rx x1 '{"iss":"https://rx.test","upn":"../@corp.example"}'
run ci-wrong-branch all deploy PAM_$OK - required-claim ci c1 \
	'{"iss":"https://ci.test","repository":"org/app","ref":"refs/heads/evil"}'
run ci-other-repo all deploy PAM_$OK - required-claim ci c1 \
	'{"iss":"https://ci.test","repository":"org/other","ref":"refs/heads/main"}'

# --- groups, in the account phase ----------------------------------------------------
run groups-wrong-type all alice PAM_SUCCESS PAM_PERM_DENIED not-in-group people p1 \
	"{$P,\"email\":\"alice@example.com\",\"realm_access\":{\"roles\":\"staff\"}}" "not a list of groups"
run groups-object all alice PAM_SUCCESS PAM_PERM_DENIED not-in-group people p1 \
	"{$P,\"email\":\"alice@example.com\",\"realm_access\":{\"roles\":{\"staff\":true}}}"
run groups-missing all alice PAM_SUCCESS PAM_PERM_DENIED not-in-group people p1 \
	"{$P,\"email\":\"alice@example.com\",\"realm_access\":{\"roles\":[\"guest\"]}}" "Access denied"
run service-groups admins alice PAM_SUCCESS PAM_PERM_DENIED not-in-group people p1 \
	"{$P,\"email\":\"alice@example.com\",\"realm_access\":{\"roles\":[\"staff\"]}}" "this service allows (admins)"

# --- a wrong value in one section fails that issuer only -------------------------------
run broken-section broken alice PAM_SERVICE_ERR - config broken b1 '{"iss":"https://broken.test","sub":"alice"}' \
	"[issuer broken]: user_regex: expected exactly one capture group"
run people-beside-broken broken alice PAM_SUCCESS PAM_SUCCESS accepted people p1 \
	"{$P,\"email\":\"alice@example.com\",\"realm_access\":{\"roles\":[\"staff\"]}}"
"$helper" verify --config "$tmp/broken.conf" --user alice --token-file "$tmp/people-ok.tok" >"$tmp/verify.out" 2>&1
if grep -q 'config: \[issuer broken\]: user_regex' "$tmp/verify.out" && grep -q '^verdict  *undecided' "$tmp/verify.out"; then
	result ok "verify --config checks every section, whatever the token"
else
	result_file "not ok" "verify --config checks every section, whatever the token" "$tmp/verify.out"
fi

# --- the service's issuers= ------------------------------------------------------------
run sudo-refuses-ci sudo deploy PAM_$OK - issuer-not-allowed ci c1 \
	'{"iss":"https://ci.test","repository":"org/app","ref":"refs/heads/main"}'
run sudo-people sudo alice PAM_SUCCESS PAM_SUCCESS accepted people p1 \
	"{$P,\"email\":\"alice@example.com\",\"realm_access\":{\"roles\":[\"staff\"]}}"

# --- the service's own max_token_age and require_claim hold for every issuer ----------
old=$(($(date +%s) - 3600))
run fresh-too-old fresh alice PAM_$OK - too-old people p1 \
	"{$P,\"email\":\"alice@example.com\",\"acr\":\"mfa\",\"iat\":$old,\"realm_access\":{\"roles\":[\"staff\"]}}"
run fresh-no-acr fresh alice PAM_$OK - required-claim people p1 \
	"{$P,\"email\":\"alice@example.com\",\"realm_access\":{\"roles\":[\"staff\"]}}"
run fresh-ok fresh alice PAM_SUCCESS PAM_SUCCESS accepted people p1 \
	"{$P,\"email\":\"alice@example.com\",\"acr\":\"mfa\",\"realm_access\":{\"roles\":[\"staff\"]}}"
run fresh-ci-too-old fresh deploy PAM_$OK - too-old ci c1 \
	"{\"iss\":\"https://ci.test\",\"repository\":\"org/app\",\"ref\":\"refs/heads/main\",\"acr\":\"mfa\",\"iat\":$old}"

# --- userinfo: only for a verified token, only for a claim a policy needs -----------
uinfo() { grep -c '^GET /userinfo' "$tmp/auth-remote/requests.log" || :; }
U='"iss":"https://uinfo.test","sub":"s-123","preferred_username":"alice"'
echo '{"sub":"s-123","groups":["staff"],"email":"alice@example.com"}' >"$tmp/auth-remote/userinfo.json"
run uinfo-forged all alice PAM_$OK - bad-signature stranger u1 "{$U}"
check "userinfo: nothing asked for a token whose signature fails" test "$(uinfo)" -eq 0
run uinfo-fills-groups all alice PAM_SUCCESS PAM_SUCCESS accepted uinfo u1 "{$U,\"jti\":\"u1\"}"
check "userinfo: asked once, in the account phase only (groups)" test "$(uinfo)" -eq 1
if [ -n "$(find "$tmp/cache" -maxdepth 1 -name 'userinfo-*.json' -perm 0600 -user "$(id -u)")" ]; then
	result ok "userinfo: the answer is cached, 0600, in cache_dir"
else
	result "not ok" "userinfo: the answer is cached, 0600, in cache_dir" "$(ls -la "$tmp/cache")"
fi
run uinfo-cached all alice PAM_SUCCESS PAM_SUCCESS accepted again:uinfo-fills-groups
check "userinfo: the same token again is answered from the cache" test "$(uinfo)" -eq 1
run uinfo-not-needed all alice PAM_SUCCESS PAM_SUCCESS accepted uinfo u1 "{$U,\"groups\":[\"staff\"]}"
check "userinfo: nothing asked when the token has the claim" test "$(uinfo)" -eq 1
echo '{"sub":"s-999","groups":["staff"]}' >"$tmp/auth-remote/userinfo.json"
run uinfo-other-sub all alice PAM_SUCCESS PAM_PERM_DENIED userinfo uinfo u1 "{$U,\"jti\":\"u2\"}"
echo '{"groups":["staff"]}' >"$tmp/auth-remote/userinfo.json"
run uinfo-no-sub all alice PAM_SUCCESS PAM_PERM_DENIED userinfo uinfo u1 "{$U,\"jti\":\"u3\"}"
echo '{"sub":"s-123","groups":"staff"}' >"$tmp/auth-remote/userinfo.json"
run uinfo-wrong-type all alice PAM_SUCCESS PAM_PERM_DENIED not-in-group uinfo u1 "{$U,\"jti\":\"u4\"}"
echo error-500 >"$tmp/auth-remote/mode"
run uinfo-down all alice PAM_SUCCESS PAM_AUTHINFO_UNAVAIL unavailable uinfo u1 "{$U,\"jti\":\"u5\"}"

finish
