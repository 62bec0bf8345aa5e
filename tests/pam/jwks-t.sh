#!/bin/sh
# jwks-t.sh: keys fetched from an authority over HTTPS (TAP).
#
# A local authority (tests/fixtures/authority.py, real TLS with a test CA
# made here) serves the key set and the OpenID discovery document, counts
# every request, and can be told to fail.  Logins go through real libpam:
# pamrun under pam_wrapper for single logins whose log is checked, and
# tests/pam/logins (pam_start_confdir, one process per login) for the
# counts: 1,000 logins, 20 at once on a cold cache.  Each test states the
# number of requests the authority must have seen.
#
# Time is moved by dating files, never by sleeping: the cached key set's
# mtime is the moment it stops being fresh, the lock file's mtime the last
# attempt to fetch (see lib/jwks-source.c).
#
# Environment: as token-t.sh, plus LOGINS (default BUILDDIR/tests/pam/logins).

. "$(dirname "$0")/../lib.sh"
logins=${LOGINS:-$top_builddir/tests/pam/logins}

# pamwrap_run: pamrun under pam_wrapper (sanitizer builds too)
need_pamrun
need_file "$(dirname "$module")/pam_bearer-http.so" "HTTP plugin"
need_exec "$logins" logins
need_mint

scratch jwks
servers=
at_exit 'for pid in $servers; do kill "$pid" 2>/dev/null; done'
chmod 0755 "$tmp"
: >"$tmp/empty.conf"
mkdir "$tmp/svc" "$tmp/run" "$tmp/conf"

# --- keys, tokens, certificates ---------------------------------------------------
keys=$tmp/k
mint_keys "$keys"
$python - "$fixtures" "$keys" "$tmp" >"$tmp/mint.log" 2>&1 <<'EOF' ||
import json, os, secrets, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import mint

keys, out = sys.argv[2], sys.argv[3]
k = mint.load_keys(keys)
now = int(time.time())
old = json.load(open(os.path.join(keys, "jwks.json")))
new_jwk = mint.public_jwk(k["rsa-new"], "rsa-2", "RS256")


def token(kid, key):
    return mint.compact({"alg": "RS256", "typ": "JWT", "kid": kid},
                        mint.claims(now, exp=now + 3600), key=key)


def write(name, text):
    with open(os.path.join(out, name), "w") as f:
        f.write(text)


write("good.tok", token("rsa-1", k["rsa"]))
write("new.tok", token("rsa-2", k["rsa-new"]))
json.dump({"keys": old["keys"] + [new_jwk]}, open(os.path.join(out, "jwks-both.json"), "w"))
json.dump({"keys": [new_jwk]}, open(os.path.join(out, "jwks-new-only.json"), "w"))
os.makedirs(os.path.join(out, "random"))
for i in range(100):
    with open(os.path.join(out, "random", "%03d.tok" % i), "w") as f:
        f.write(token("random-" + secrets.token_hex(8), k["rsa"]))
EOF
	{ sed 's/^/# /' "$tmp/mint.log"; bail "minting tokens failed"; }
pki=$tmp/pki
$python "$fixtures/authority.py" pki "$pki" || bail "authority.py pki failed"

# --- authorities ---------------------------------------------------------------------
# start NAME CERT-BASENAME [--plain]: an authority with its own state dir.
start() {
	st=$tmp/auth-$1
	mkdir "$st"
	cp "$keys/jwks.json" "$st/jwks.json"
	if [ "${3:-}" = --plain ]; then
		$python "$fixtures/authority.py" serve "$st" --plain 2>"$st/stderr" &
	else
		$python "$fixtures/authority.py" serve "$st" --cert "$pki/$2.pem" \
			--key "$pki/$2.key" 2>"$st/stderr" &
	fi
	servers="$servers $!"
	$python "$fixtures/authority.py" wait "$st" >"$st/port.out" ||
		bail "authority $1 did not start: $(cat "$st/stderr")"
}
port() { cat "$tmp/auth-$1/port"; }
# requests NAME: how many requests authority NAME has seen.
requests() { if [ -f "$tmp/auth-$1/requests.log" ]; then wc -l <"$tmp/auth-$1/requests.log" | tr -d ' '; else echo 0; fi; }
mode() { echo "$2" >"$tmp/auth-$1/mode"; }

start main server
start expired expired
start wronghost wrong-host
start plain - --plain
A=https://127.0.0.1:$(port main)
JWKS=$A/jwks.json

# --- logins -----------------------------------------------------------------------------

# login NAME TOKENFILE WORDS...: one login through pamrun; result in $result,
# module log in $tmp/run/NAME.log.
login() {
	name=$1 tok=$2
	shift 2
	mkdir "$tmp/svc/$name"
	echo "auth required $module config=$tmp/empty.conf $*" >"$tmp/svc/$name/bearer"
	printf 'auth required pam_deny.so\n' >"$tmp/svc/$name/other"
	result=$(cd "$tmp" && pamwrap_run "$tmp/svc/$name" bearer alice "$tok" \
		2>"$tmp/run/$name.log" </dev/null)
}

# many NAME COUNT PARALLEL TOKENFILE WORDS...: COUNT logins in their own
# processes; the tally in $tmp/run/NAME.tally.
many() {
	name=$1 count=$2 par=$3 tok=$4
	shift 4
	mkdir "$tmp/conf/$name"
	echo "auth required $module config=$tmp/empty.conf $*" >"$tmp/conf/$name/bearer"
	"$logins" "$tmp/conf/$name" bearer alice "$tok" "$count" "$par" \
		>"$tmp/run/$name.tally" 2>&1
}
tally() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$tmp/run/$1.tally"; }

# date_file FILE SECONDS: set FILE's mtime to now + SECONDS (negative: past).
date_file() { touch -d "@$(($(date +%s) + $2))" "$1"; }

newcache() { c=$tmp/cache-$1; mkdir -m 0755 "$c"; echo "$c"; }
cachefile() { ls "$1"/jwks-*.json 2>/dev/null | head -1; }
lockfile() { ls "$1"/jwks-*.lock 2>/dev/null | head -1; }
statefile() { ls "$1"/jwks-*.state 2>/dev/null | head -1; }
# stateval CACHEDIR KEY: the value of KEY in the cache's state file ("" if none).
stateval() { awk -v k="$2" '$1 == k { sub(/^[^ ]+ /, ""); print; f = 1 } END { if (!f) print "" }' "$(statefile "$1")"; }
# granted CACHEDIR: the freshness the last fill granted (fresh_until - fetched).
granted() { echo $(( $(stat -c %Y "$(cachefile "$1")") - $(stateval "$1" fetched) )); }

base="ca_file=$pki/ca.pem"

# 1. A cold cache: one fetch, then a fresh file dated jwks_ttl ahead.
C=$(newcache cold)
login cold "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "cold cache: PAM_SUCCESS ($result)" "$tmp/run/cold.log" [ "$result" = PAM_SUCCESS ]
check_log "cold cache: exactly 1 request (saw $(requests main))" "" [ "$(requests main)" = 1 ]
F=$(cachefile "$C")
check_log "the key set is cached, 0600, same bytes as served" "" \
	sh -c "[ -f '$F' ] && [ \$(stat -c %a '$F') = 600 ] && cmp -s '$F' '$tmp/auth-main/jwks.json'"
age=$(granted "$C")
check_log "a cold fill: lifetime jwks_ttl (3600 s) in the state, fresh for a random 10-100 % of it ($age s)" "" \
	[ "$(stateval "$C" lifetime)" = 3600 -a "$age" -ge 360 -a "$age" -le 3600 ]
check_log "the fetch is logged" "$tmp/run/cold.log" grep -q "fetched .* key(s) from $A/jwks.json, fresh for [0-9]* s (lifetime 3600 s)" "$tmp/run/cold.log"

# 2. 1,000 logins within the TTL: no request at all, libcurl never mapped.
many thousand 1000 2 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "1000 warm logins: 1000 PAM_SUCCESS ($(tally thousand PAM_SUCCESS))" "$tmp/run/thousand.tally" \
	[ "$(tally thousand PAM_SUCCESS)" = 1000 ]
check_log "1000 warm logins: still exactly 1 request (saw $(requests main))" "" [ "$(requests main)" = 1 ]
check_log "1000 warm logins: libcurl mapped in none ($(tally thousand curl-mapped))" "$tmp/run/thousand.tally" \
	[ "$(tally thousand curl-mapped)" = 0 ]
check_log "1000 warm logins: libldap mapped in none ($(tally thousand ldap-mapped))" "$tmp/run/thousand.tally" \
	[ "$(tally thousand ldap-mapped)" = 0 ]

# 3. Twenty logins at once on a cold cache: one fetch between them.  Three
# rounds, each on a new cache: the race between the first comers (who
# creates the lock file, who locks it first) differs from round to round.
for round in 1 2 3; do
	C20=$(newcache "twenty-$round")
	before=$(requests main)
	many "twenty-$round" 20 20 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C20
	check_log "20 concurrent cold logins (round $round): 20 PAM_SUCCESS ($(tally "twenty-$round" PAM_SUCCESS))" \
		"$tmp/run/twenty-$round.tally" [ "$(tally "twenty-$round" PAM_SUCCESS)" = 20 ]
	check_log "20 concurrent cold logins (round $round): exactly 1 request (saw $(($(requests main) - before)))" "" \
		[ "$(($(requests main) - before))" = 1 ]
done

# 4. Cache-Control max-age, bounded by jwks_min_ttl and jwks_max_ttl.
for case in "120 60 120" "999999 600 7200" "10 600 600" "no-store 600 600"; do
	set -- $case
	C=$(newcache "maxage-$1")
	echo "$1" >"$tmp/auth-main/max-age"
	login "maxage-$1" "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C jwks_min_ttl=$2 jwks_max_ttl=7200
	age=$(granted "$C")
	check_log "Cache-Control $1, jwks_min_ttl $2, jwks_max_ttl 7200: lifetime $3 s ($(stateval "$C" lifetime)), fresh for 10-100 % of it ($age)" "" \
		[ "$(stateval "$C" lifetime)" = "$3" -a "$age" -le "$3" -a "$age" -ge $(($3 / 10)) ]
done
rm -f "$tmp/auth-main/max-age"

# 5. The authority down, cache fresh: logins go on, nothing is asked.
C=$(newcache down-fresh)
login down-fresh-1 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
mode main error-500
before=$(requests main)
many down-fresh 50 2 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "authority down, fresh cache: 50 PAM_SUCCESS" "$tmp/run/down-fresh.tally" [ "$(tally down-fresh PAM_SUCCESS)" = 50 ]
check_log "authority down, fresh cache: 0 requests" "" [ "$(requests main)" = "$before" ]

# 6. Stale but within jwks_stale_limit: one attempt, then the stale keys serve.
date_file "$(cachefile "$C")" -100
date_file "$(lockfile "$C")" -1000
login stale-1 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "authority down, stale cache within the limit: PAM_SUCCESS ($result)" "$tmp/run/stale-1.log" [ "$result" = PAM_SUCCESS ]
check_log "... after exactly 1 attempt (saw $(($(requests main) - before)))" "" [ "$(($(requests main) - before))" = 1 ]
check_log "... and says it uses stale keys" "$tmp/run/stale-1.log" grep -q "using keys stale for" "$tmp/run/stale-1.log"
check_log "... and logs the HTTP failure" "$tmp/run/stale-1.log" grep -q "status: HTTP 500" "$tmp/run/stale-1.log"
many stale-many 30 2 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "30 more logins within jwks_refetch_interval: PAM_SUCCESS, no new request" "$tmp/run/stale-many.tally" \
	[ "$(tally stale-many PAM_SUCCESS)" = 30 -a "$(($(requests main) - before))" = 1 ]

# 7. Beyond the stale limit, and with no cache at all: never PAM_SUCCESS.
date_file "$(cachefile "$C")" -700
date_file "$(lockfile "$C")" -1000
login stale-2 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C jwks_stale_limit=600
check_log "authority down, cache past jwks_stale_limit: PAM_AUTHINFO_UNAVAIL ($result)" "$tmp/run/stale-2.log" \
	[ "$result" = PAM_AUTHINFO_UNAVAIL ]
check_log "... and says why" "$tmp/run/stale-2.log" grep -q "past jwks_stale_limit" "$tmp/run/stale-2.log"
C=$(newcache down-cold)
login down-cold "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "authority down, nothing cached: PAM_AUTHINFO_UNAVAIL ($result)" "$tmp/run/down-cold.log" \
	[ "$result" = PAM_AUTHINFO_UNAVAIL ]
check_log "... and nothing is cached" "" [ -z "$(cachefile "$C")" ]

# 8. Every way a response can be bad: unavailable, logged, nothing cached.
for case in "hang timeout" "garbage JSON" "not-jwks JSON" "oversize size" "error-404 HTTP 404"; do
	set -- $case
	mode main "$1"
	C=$(newcache "bad-$1")
	login "bad-$1" "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C http_timeout=2 http_connect_timeout=2
	check_log "authority answers $1: PAM_AUTHINFO_UNAVAIL ($result), logged as $2, nothing cached" "$tmp/run/bad-$1.log" \
		sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && grep -q ': $2' '$tmp/run/bad-$1.log' && [ -z \"\$(ls '$C'/*.json 2>/dev/null)\" ]"
done
mode main ok

# 9. Rotation: a new kid causes one refetch; a key that left stops working.
C=$(newcache rotate)
login rotate-0 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
cp "$tmp/jwks-both.json" "$tmp/auth-main/jwks.json"
date_file "$(lockfile "$C")" -1000
before=$(requests main)
login rotate-1 "$tmp/new.tok" jwks=$JWKS $base cache_dir=$C
check_log "a token with a new kid: PAM_SUCCESS ($result)" "$tmp/run/rotate-1.log" [ "$result" = PAM_SUCCESS ]
check_log "... after exactly 1 refetch (saw $(($(requests main) - before)))" "" [ "$(($(requests main) - before))" = 1 ]
login rotate-2 "$tmp/new.tok" jwks=$JWKS $base cache_dir=$C
check_log "the next one: PAM_SUCCESS, no request" "$tmp/run/rotate-2.log" \
	[ "$result" = PAM_SUCCESS -a "$(($(requests main) - before))" = 1 ]
cp "$tmp/jwks-new-only.json" "$tmp/auth-main/jwks.json"
date_file "$(cachefile "$C")" -10
date_file "$(lockfile "$C")" -1000
login rotate-3 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "the old key left the set: its token is refused once the set is refetched ($result)" "$tmp/run/rotate-3.log" \
	[ "$result" = PAM_AUTH_ERR ]
check_log "... as unknown-kid" "$tmp/run/rotate-3.log" grep -q "rejected: unknown-kid" "$tmp/run/rotate-3.log"
cp "$keys/jwks.json" "$tmp/auth-main/jwks.json"

# 10. 100 random kids: at most one fetch per jwks_refetch_interval.
C=$(newcache random)
login random-0 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
date_file "$(lockfile "$C")" -1000
before=$(requests main)
refused=0
for t in "$tmp"/random/*.tok; do
	login "random-$(basename "$t" .tok)" "$t" jwks=$JWKS $base cache_dir=$C
	[ "$result" = PAM_AUTH_ERR ] && refused=$((refused + 1))
done
check_log "100 tokens with random kids: all refused ($refused)" "" [ "$refused" = 100 ]
check_log "... with at most 1 request (saw $(($(requests main) - before)))" "" [ "$(($(requests main) - before))" -le 1 ]

# 11. TLS: wrong CA, expired certificate, wrong host name, no CA given.
for case in "wrong-ca main ca_file=$pki/other-ca.pem" "expired expired $base" \
	"wrong-host wronghost $base" "system-ca main -"; do
	set -- $case
	C=$(newcache "tls-$1")
	words="$3"
	[ "$words" = - ] && words=
	login "tls-$1" "$tmp/good.tok" jwks=https://127.0.0.1:$(port "$2")/jwks.json $words cache_dir=$C
	check_log "TLS $1: PAM_AUTHINFO_UNAVAIL ($result), logged as TLS" "$tmp/run/tls-$1.log" \
		sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && grep -q ': TLS: ' '$tmp/run/tls-$1.log'"
done

# A name that cannot resolve (.invalid, RFC 6761): logged as DNS (or as a
# resolver timeout where no resolver answers).
C=$(newcache dns)
login dns "$tmp/good.tok" jwks=https://keys.pam-bearer.invalid/jwks.json $base cache_dir=$C http_connect_timeout=2
check_log "DNS failure: PAM_AUTHINFO_UNAVAIL ($result), logged as DNS" "$tmp/run/dns.log" \
	sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && grep -Eq ': (DNS: |timeout: .*[Rr]esolv)' '$tmp/run/dns.log'"

# 12. Redirects: same host followed, another host refused.
mode main redirect-same-host
C=$(newcache redirect-same)
login redirect-same "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "a redirect on the same host is followed: PAM_SUCCESS ($result)" "$tmp/run/redirect-same.log" [ "$result" = PAM_SUCCESS ]
mode main redirect-other-host
C=$(newcache redirect-other)
login redirect-other "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "a redirect to another host is refused: PAM_AUTHINFO_UNAVAIL ($result)" "$tmp/run/redirect-other.log" \
	sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && grep -q 'redirect to .* refused (another host)' '$tmp/run/redirect-other.log'"
mode main ok

# 13. Plain http:// to loopback works; to anything else it is a configuration error.
C=$(newcache plain)
login plain "$tmp/good.tok" jwks=http://127.0.0.1:$(port plain)/jwks.json cache_dir=$C
check_log "http:// to 127.0.0.1: PAM_SUCCESS ($result)" "$tmp/run/plain.log" [ "$result" = PAM_SUCCESS ]
login plain-remote "$tmp/good.tok" jwks=http://keys.example.com/jwks.json cache_dir=$C
check_log "http:// to another host: refused as configuration ($result)" "$tmp/run/plain-remote.log" \
	sh -c "[ '$result' = PAM_SERVICE_ERR ] && grep -q 'loopback addresses only' '$tmp/run/plain-remote.log'"

# 14. OpenID Connect discovery, and its issuer check (a token from that issuer).
$python - "$fixtures" "$keys" "$A" >"$tmp/disc.tok" 2>"$tmp/mint.log" <<'EOF' ||
import sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import mint
now = int(time.time())
sys.stdout.write(mint.compact({"alg": "RS256", "typ": "JWT", "kid": "rsa-1"},
                              mint.claims(now, iss=sys.argv[3]), key=mint.load_keys(sys.argv[2])["rsa"]))
EOF
	bail "minting the discovery token failed: $(cat "$tmp/mint.log")"
C=$(newcache discovery)
before=$(requests main)
login discovery "$tmp/disc.tok" issuer=$A discovery $base cache_dir=$C
check_log "discovery: PAM_SUCCESS ($result)" "$tmp/run/discovery.log" [ "$result" = PAM_SUCCESS ]
check_log "discovery: 2 requests, the document then the key set" "" \
	sh -c "[ $(($(requests main) - before)) = 2 ] && tail -2 '$tmp/auth-main/requests.log' | head -1 | grep -q openid-configuration"
mode main garbage
C=$(newcache discovery-garbage)
login discovery-garbage "$tmp/disc.tok" issuer=$A discovery $base cache_dir=$C
check_log "discovery document that is not JSON: PAM_AUTHINFO_UNAVAIL ($result)" "$tmp/run/discovery-garbage.log" \
	sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && grep -q 'JSON: discovery document is not a JSON object' '$tmp/run/discovery-garbage.log'"
mode main wrong-issuer
C=$(newcache discovery-wrong)
login discovery-wrong "$tmp/disc.tok" issuer=$A discovery $base cache_dir=$C
check_log "discovery document naming another issuer: PAM_AUTHINFO_UNAVAIL ($result)" "$tmp/run/discovery-wrong.log" \
	sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && grep -q 'discovery document names issuer \"https://evil.example\"' '$tmp/run/discovery-wrong.log'"
mode main ok

# 15. A truncated or corrupted cache file is recovered from.
C=$(newcache corrupt)
login corrupt-0 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
F=$(cachefile "$C")
head -c 50 "$F" >"$F.part" && mv "$F.part" "$F" && chmod 0600 "$F"
date_file "$F" 3000
before=$(requests main)
login corrupt-1 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "truncated cache file: PAM_SUCCESS ($result) after 1 refetch" "$tmp/run/corrupt-1.log" \
	[ "$result" = PAM_SUCCESS -a "$(($(requests main) - before))" = 1 ]
check_log "... and the cache is whole again" "" cmp -s "$(cachefile "$C")" "$tmp/auth-main/jwks.json"
printf 'not json at all' >"$F.part" && mv "$F.part" "$(cachefile "$C")" && chmod 0600 "$(cachefile "$C")"
date_file "$(cachefile "$C")" 3000
mode main error-500
login corrupt-2 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "corrupt cache, authority down: PAM_AUTHINFO_UNAVAIL ($result), the file discarded" "$tmp/run/corrupt-2.log" \
	sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && [ -z \"\$(ls '$C'/*.json 2>/dev/null)\" ]"
mode main ok

# 16. A cache directory others may write is refused; so is a symlinked cache file.
C=$(newcache unsafe)
chmod 0777 "$C"
before=$(requests main)
login unsafe "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "cache_dir writable by others: PAM_AUTHINFO_UNAVAIL ($result), no request" "$tmp/run/unsafe.log" \
	sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && [ $(requests main) = $before ] && grep -q 'no one else may write' '$tmp/run/unsafe.log'"

# 17. The DC/OS IAM path (seed 002) serves the same set.
C=$(newcache dcos)
login dcos "$tmp/good.tok" jwks=$A/acs/api/v1/auth/jwks $base cache_dir=$C
check_log "DC/OS /acs/api/v1/auth/jwks: PAM_SUCCESS ($result)" "$tmp/run/dcos.log" [ "$result" = PAM_SUCCESS ]

# 18. bearer-token verify uses the same source and cache as the module.
helper=${BEARER_TOKEN:-$top_builddir/helper/bearer-token}
C=$(newcache verify)
before=$(requests main)
"$helper" verify --config "$tmp/empty.conf" --user alice --token-file "$tmp/good.tok" \
	-o jwks=$JWKS -o $base -o cache_dir=$C >"$tmp/run/verify.out" 2>&1
rc=$?
check_log "bearer-token verify with jwks=URL: accepted (exit $rc) after 1 request" "$tmp/run/verify.out" \
	[ "$rc" = 0 -a "$(($(requests main) - before))" = 1 ]
login verify-then-module "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "... and the module then uses the cache verify filled: PAM_SUCCESS, no request" "$tmp/run/verify-then-module.log" \
	[ "$result" = PAM_SUCCESS -a "$(($(requests main) - before))" = 1 ]

# 20. One deadline for a whole fetch, redirects and discovery included: a
# fetch that outlived http_timeout would outlive the lock budget too, and
# the logins waiting for it would give up while it still ran.
mode main redirect-chain
C=$(newcache chain)
before=$(requests main)
login chain "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "three redirects on the same host are followed: PAM_SUCCESS ($result), 4 requests ($(($(requests main) - before)))" \
	"$tmp/run/chain.log" [ "$result" = PAM_SUCCESS -a "$(($(requests main) - before))" = 4 ]
echo 2 >"$tmp/auth-main/delay"
C=$(newcache chain-slow)
before=$(requests main)
login chain-slow "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C http_timeout=3 http_connect_timeout=3
check_log "three redirects, each answered in 2 s, http_timeout=3: PAM_AUTHINFO_UNAVAIL ($result), timeout, $(($(requests main) - before)) of 4 requests" \
	"$tmp/run/chain-slow.log" sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && [ $(($(requests main) - before)) -le 2 ] \
		&& grep -q ': timeout: ' '$tmp/run/chain-slow.log'"
mode main ok
C=$(newcache discovery-slow)
before=$(requests main)
login discovery-slow "$tmp/disc.tok" issuer=$A discovery $base cache_dir=$C http_timeout=3 http_connect_timeout=3
check_log "discovery and the key set, each answered in 2 s, http_timeout=3: PAM_AUTHINFO_UNAVAIL ($result), timeout" \
	"$tmp/run/discovery-slow.log" sh -c "[ '$result' = PAM_AUTHINFO_UNAVAIL ] && grep -q ': timeout: ' '$tmp/run/discovery-slow.log'"
rm -f "$tmp/auth-main/delay"

# 21. Kind to the authority (issue 15): conditional requests, the spread of
# freshness, Retry-After, back-off, every bound on what the authority sends.
# An authority of its own, so its request, header and response logs are
# these tests' alone.  Time is moved by dating files and editing the state
# file (root's, 0600): never by sleeping.
start kind server
K=https://127.0.0.1:$(port kind)/jwks.json
KS=$tmp/auth-kind
# lastheader NAME: header NAME of the last request to "kind" ("" if absent).
lastheader() {
	tail -1 "$KS/headers.log" | $python -c 'import json, sys
print(json.loads(sys.stdin.read())["headers"].get(sys.argv[1], ""))' "$1"
}
lastresponse() { tail -1 "$KS/responses.log" | cut -d' ' -f1; }
# expire CACHEDIR: the cached set stale by 10 s, the last attempt long ago.
expire() { date_file "$(cachefile "$1")" -10; date_file "$(lockfile "$1")" -1000; }
# setstate CACHEDIR KEY VALUE: change one number in the state file.
setstate() { sed -i "s/^$2 .*/$2 $3/" "$(statefile "$1")"; }
# waits CACHEDIR KEY: KEY's time in the state less now.
waits() { echo $(( $(stateval "$1" "$2") - $(date +%s) )); }
kind() { login "$@" jwks=$K $base cache_dir=$C metrics_file=$tmp/kind-metrics/counters; }
mkdir -m 0755 "$tmp/kind-metrics"
printf 'metrics_file=%s\n' "$tmp/kind-metrics/counters" >"$tmp/kind-metrics.conf"
# fetches OUTCOME: the host-wide counter of key-set fetches with that outcome
fetches() {
	"$helper" metrics --config "$tmp/kind-metrics.conf" 2>/dev/null |
		sed -n "s/^pam_bearer_jwks_fetches_total{outcome=\"$1\"} //p"
}
LM='Sun, 06 Nov 1994 08:49:37 GMT'
printf '"v1-abc"\n' >"$KS/etag"
printf '%s\n' "$LM" >"$KS/last-modified"

C=$(newcache kind)
kind kind-0 "$tmp/good.tok"
check_log "kind: a cold fetch: PAM_SUCCESS ($result), 1 request, no validators sent" "$tmp/run/kind-0.log" \
	[ "$result" = PAM_SUCCESS -a "$(requests kind)" = 1 -a -z "$(lastheader if-none-match)$(lastheader if-modified-since)" ]
check_log "... the state file is root's and 0600 ($(stat -c '%a %u' "$(statefile "$C")"))" "" \
	[ "$(stat -c '%a %u' "$(statefile "$C")")" = "600 0" ]
check_log "... it keeps the ETag ($(stateval "$C" etag)) and the Last-Modified" "$(statefile "$C")" \
	[ "$(stateval "$C" etag)" = '"v1-abc"' -a "$(stateval "$C" last_modified)" = "$LM" ]
F=$(cachefile "$C")
cp "$F" "$tmp/kind-set.json"
inode=$(stat -c %i "$F")
expire "$C"
before=$(requests kind)
kind kind-304 "$tmp/good.tok"
check_log "stale set: PAM_SUCCESS ($result) after 1 request ($(($(requests kind) - before)))" "$tmp/run/kind-304.log" \
	[ "$result" = PAM_SUCCESS -a "$(($(requests kind) - before))" = 1 ]
check_log "... sending If-None-Match: $(lastheader if-none-match)" "$KS/headers.log" [ "$(lastheader if-none-match)" = '"v1-abc"' ]
check_log "... and If-Modified-Since: $(lastheader if-modified-since)" "$KS/headers.log" [ "$(lastheader if-modified-since)" = "$LM" ]
check_log "... answered 304 ($(lastresponse))" "$KS/responses.log" [ "$(lastresponse)" = 304 ]
check_log "... the set not rewritten: the same file, the same bytes" "" \
	sh -c "[ \$(stat -c %i '$F') = $inode ] && cmp -s '$F' '$tmp/kind-set.json'"
check_log "... but fresh again: its mtime is the state's fresh_until, in the future" "$(statefile "$C")" \
	[ "$(stat -c %Y "$F")" = "$(stateval "$C" fresh_until)" -a "$(stat -c %Y "$F")" -gt "$(date +%s)" ]
check_log "... and logged as not modified" "$tmp/run/kind-304.log" grep -q "key set not modified (304), fresh for" "$tmp/run/kind-304.log"
# Refills at expiry: each fresh for a random 80-100 % of the lifetime.
spread=
for i in 1 2 3 4 5 6; do
	expire "$C"
	kind "kind-spread-$i" "$tmp/good.tok"
	spread="$spread $(granted "$C")"
done
inrange=$(for g in $spread; do [ "$g" -ge 2880 ] && [ "$g" -le 3600 ] && echo y; done | wc -l)
distinct=$(for g in $spread; do echo "$g"; done | sort -u | wc -l)
check_log "six refills at expiry: fresh for 80-100 % of 3600 s, not all alike (${spread# })" "" \
	[ "$inrange" = 6 -a "$distinct" -gt 1 ]
check_log "... each revalidated by a 304 ($(tail -6 "$KS/responses.log" | cut -d' ' -f1 | sort -u | tr '\n' ' '))" "" \
	[ "$(tail -6 "$KS/responses.log" | cut -d' ' -f1 | sort -u)" = 304 ]
check_log "the counters: 1 fresh fetch, 7 not modified ($(fetches fresh), $(fetches not_modified))" "" \
	[ "$(fetches fresh)" = 1 -a "$(fetches not_modified)" = 7 -a "$(fetches failed)" = 0 ]

# A new set on the authority: a 200, stored with its new validators.
printf '"v2-def"\n' >"$KS/etag"
cp "$tmp/jwks-both.json" "$KS/jwks.json"
expire "$C"
kind kind-new "$tmp/new.tok"
check_log "a new ETag on the authority: 200 ($(lastresponse)), the new set stored, its ETag kept" "$tmp/run/kind-new.log" \
	sh -c "[ '$result' = PAM_SUCCESS ] && [ '$(lastresponse)' = 200 ] && cmp -s '$(cachefile "$C")' '$tmp/jwks-both.json' \
		&& [ '$(stateval "$C" etag)' = '\"v2-def\"' ]"

# Validators that are too long or not well formed are dropped, never cut.
etag128=\"$(printf '%0126d' 0)\"
for case in "weak W/\"v3\" W/\"v3\"" "128-byte $etag128 $etag128" "129-byte \"$(printf '%0127d' 0)\" -" \
	"unquoted v3 -" "space \"v3 x\" -"; do
	name=${case%% *} rest=${case#* }
	sent=${rest% *} kept=${rest##* }
	[ "$kept" = - ] && kept=
	printf '%s\n' "$sent" >"$KS/etag"
	expire "$C"
	kind "kind-etag-$name" "$tmp/good.tok"
	check_log "a $name ETag: PAM_SUCCESS, $([ -n "$kept" ] && echo kept || echo dropped)" "$tmp/run/kind-etag-$name.log" \
		[ "$result" = PAM_SUCCESS -a "$(stateval "$C" etag)" = "$kept" ]
done
expire "$C"
kind kind-no-inm "$tmp/good.tok"
check_log "... after a dropped one, no If-None-Match is sent ($(lastheader if-none-match))" "" [ -z "$(lastheader if-none-match)" ]
rm -f "$KS/etag"
for case in "Sun, 06 Nov 1994 08:49:37 GMT; x" "$(printf '%041d' 0)"; do
	printf '%s\n' "$case" >"$KS/last-modified"
	expire "$C"
	kind kind-lm "$tmp/good.tok" 2>/dev/null || :
	check_log "a Last-Modified \"$(echo "$case" | cut -c1-20)...\" ($(printf %s "$case" | wc -c) bytes): dropped" "" \
		[ -z "$(stateval "$C" last_modified)" ]
	rm -rf "$tmp/svc/kind-lm"
done
rm -f "$KS/etag" "$KS/last-modified"
cp "$keys/jwks.json" "$KS/jwks.json"
expire "$C"
kind kind-plain "$tmp/good.tok"
cp "$(cachefile "$C")" "$tmp/kind-set.json"

# Retry-After on 429 and 503: honoured, bounded, and nothing cached.
nosuchreq() { [ "$(($(requests kind) - before))" = 0 ]; }
mode kind error-429
echo 120 >"$KS/retry-after"
expire "$C"
before=$(requests kind)
kind kind-429 "$tmp/good.tok"
check_log "429 with Retry-After: 120: the stale set serves (PAM_SUCCESS, $result) after 1 request" "$tmp/run/kind-429.log" \
	[ "$result" = PAM_SUCCESS -a "$(($(requests kind) - before))" = 1 -a "$(lastresponse)" = 429 ]
check_log "... no request for 120-144 s ($(waits "$C" retry_until)), 1 failure in the state" "$(statefile "$C")" \
	[ "$(waits "$C" retry_until)" -ge 115 -a "$(waits "$C" retry_until)" -le 145 -a "$(stateval "$C" failures)" = 1 ]
check_log "... the error is not cached: the set the same bytes, still dated stale" "" \
	sh -c "cmp -s '$(cachefile "$C")' '$tmp/kind-set.json' && [ \$(stat -c %Y '$(cachefile "$C")') -lt \$(date +%s) ]"
date_file "$(lockfile "$C")" -1000
setstate "$C" next_attempt 0	# the back-off out of the way: Retry-After alone holds
before=$(requests kind)
kind kind-429-wait "$tmp/good.tok" debug
check_log "... a login past jwks_refetch_interval and the back-off but before Retry-After: PAM_SUCCESS ($result), no request" \
	"$tmp/run/kind-429-wait.log" sh -c "[ '$result' = PAM_SUCCESS ] && [ $(($(requests kind) - before)) = 0 ] \
		&& grep -q \"not asking the authority yet: the authority's Retry-After\" '$tmp/run/kind-429-wait.log'"
setstate "$C" retry_until 0
setstate "$C" next_attempt 0
date_file "$(lockfile "$C")" -1000
kind kind-429-again "$tmp/good.tok"
check_log "... once it has passed: the next request ($(($(requests kind) - before)))" "" [ "$(($(requests kind) - before))" = 1 ]
retry_case() {	# NAME STATUS VALUE: one attempt answered STATUS with Retry-After: VALUE
	mode kind "error-$2"
	printf '%s\n' "$3" >"$KS/retry-after"
	expire "$C"
	setstate "$C" retry_until 0
	setstate "$C" next_attempt 0
	kind "kind-ra-$1" "$tmp/good.tok"
}
retry_case date 503 "$(LC_ALL=C date -u -d "@$(($(date +%s) + 300))" '+%a, %d %b %Y %H:%M:%S GMT')"
check_log "503 with an HTTP-date 300 s ahead: no request for 300-360 s ($(waits "$C" retry_until)), PAM_SUCCESS ($result)" \
	"$tmp/run/kind-ra-date.log" [ "$result" = PAM_SUCCESS -a "$(waits "$C" retry_until)" -ge 295 -a "$(waits "$C" retry_until)" -le 362 ]
retry_case huge 503 999999
check_log "Retry-After: 999999 is clamped to jwks_backoff_max, 900 s ($(waits "$C" retry_until))" "" \
	[ "$(waits "$C" retry_until)" -ge 895 -a "$(waits "$C" retry_until)" -le 900 ]
for bad in soon 99999999999 "-5" "Sun, 31 Feb 2027 08:49:37 GMT"; do
	retry_case garbage 429 "$bad"
	check_log "a Retry-After of \"$bad\": ignored and logged, the back-off applies (retry_until $(stateval "$C" retry_until))" \
		"$tmp/run/kind-ra-garbage.log" sh -c "[ '$(stateval "$C" retry_until)' = 0 ] && [ $(waits "$C" next_attempt) -gt 0 ] \
			&& grep -q 'ignoring a Retry-After that is neither seconds nor a date' '$tmp/run/kind-ra-garbage.log'"
	rm -rf "$tmp/svc/kind-ra-garbage"
done
retry_case onerror 500 120
check_log "Retry-After on a 500 is not honoured (retry_until $(stateval "$C" retry_until))" "" [ "$(stateval "$C" retry_until)" = 0 ]

# Back-off: each failure in a row doubles the wait, jittered in its upper
# half, up to jwks_backoff_max (900 s); the stale set serves throughout.
C=$(newcache backoff)
mode kind ok
kind backoff-0 "$tmp/good.tok"
mode kind error-500
before=$(requests kind)
ok=0 seen=
for i in 1 2 3 4 5 6 7; do
	expire "$C"
	[ "$i" -gt 1 ] && setstate "$C" next_attempt 0
	kind "backoff-$i" "$tmp/good.tok"
	w=$(waits "$C" next_attempt)
	seen="$seen $w"
	case $i in 1) lo=58 hi=60 ;; 2) lo=58 hi=120 ;; 3) lo=118 hi=240 ;; 4) lo=238 hi=480 ;; *) lo=448 hi=900 ;; esac
	[ "$result" = PAM_SUCCESS ] && [ "$(stateval "$C" failures)" = "$i" ] && [ "$w" -ge "$lo" ] && [ "$w" -le "$hi" ] &&
		ok=$((ok + 1))
done
check_log "7 failures in a row: waits within 60, 60-120, 120-240, 240-480, then 450-900 s (${seen# }), failures counted, stale keys served" \
	"$(statefile "$C")" [ "$ok" = 7 -a "$(($(requests kind) - before))" = 7 ]
date_file "$(lockfile "$C")" -1000
before=$(requests kind)
kind backoff-wait "$tmp/good.tok" debug
check_log "... a login within the back-off, past jwks_refetch_interval: PAM_SUCCESS ($result), no request" \
	"$tmp/run/backoff-wait.log" sh -c "[ '$result' = PAM_SUCCESS ] && [ $(($(requests kind) - before)) = 0 ] \
		&& grep -q 'not asking the authority yet: back-off after failures' '$tmp/run/backoff-wait.log'"
kind backoff-stale-limit "$tmp/good.tok" jwks_stale_limit=5
check_log "... past jwks_stale_limit the back-off yields: a request, then PAM_AUTHINFO_UNAVAIL ($result)" \
	"$tmp/run/backoff-stale-limit.log" [ "$result" = PAM_AUTHINFO_UNAVAIL -a "$(($(requests kind) - before))" = 1 ]
mode kind ok
setstate "$C" next_attempt 0
date_file "$(lockfile "$C")" -1000
kind backoff-end "$tmp/good.tok"
check_log "the authority back: PAM_SUCCESS ($result), failures 0, fresh for 10-100 % of the lifetime ($(granted "$C"))" "" \
	[ "$result" = PAM_SUCCESS -a "$(stateval "$C" failures)" = 0 -a "$(granted "$C")" -ge 360 ]

# The state file is trusted only as root's own 0600 file in its format.
C=$(newcache state)
kind state-0 "$tmp/good.tok"
S=$(statefile "$C")
echo "decoy" >"$tmp/decoy" && chmod 0600 "$tmp/decoy"
for case in symlink 0644 garbage; do
	rm -f "$S"
	case $case in
	symlink) ln -s "$tmp/decoy" "$S" ;;
	0644) printf 'pam_bearer-jwks-state 1\nfresh_until 1\nfetched 1\nlifetime 1\nfailures 0\nnext_attempt 9999999999\nretry_until 0\n' >"$S"
		chmod 0644 "$S" ;;
	garbage) printf 'pam_bearer-jwks-state 1\nfailures lots\n' >"$S" && chmod 0600 "$S" ;;
	esac
	expire "$C"
	before=$(requests kind)
	kind "state-$case" "$tmp/good.tok"
	check_log "a state file that is a $case: ignored and logged, the login fetches ($result), a 0600 regular file again" \
		"$tmp/run/state-$case.log" sh -c "[ '$result' = PAM_SUCCESS ] && [ $(($(requests kind) - before)) = 1 ] \
			&& grep -q 'ignoring the key cache state' '$tmp/run/state-$case.log' && [ ! -L '$S' ] \
			&& [ \$(stat -c %a '$S') = 600 ] && [ \"\$(cat '$tmp/decoy')\" = decoy ]"
done

# 19. No one but the cache's owner opens anything in cache_dir, and no other
# user can make a login wait on the fetch lock.  Needs root and setpriv: the
# other user is uid 10001.
as_user() { setpriv --reuid=10001 --regid=10001 --clear-groups "$@"; }
cannot_open() { ! as_user sh -c 'exec 3<"$1"' sh "$1" 2>/dev/null; }
# hold FILE: uid 10001 opens FILE read-only and holds a shared flock on it
# until killed; $holder is its pid.  Fails when it cannot open FILE.
hold() {
	: >"$tmp/held.out"
	as_user $python -c 'import fcntl, sys, time
f = open(sys.argv[1])
fcntl.flock(f, fcntl.LOCK_SH)
print("locked", flush=True)
time.sleep(60)' "$1" >"$tmp/held.out" 2>&1 &
	holder=$!
	for _ in $(seq 100); do
		grep -q locked "$tmp/held.out" && return 0
		kill -0 "$holder" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
unhold() { kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; }
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	C=$tmp/cache-others	# made by the module
	login others-0 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
	L=$(lockfile "$C") F=$(cachefile "$C")
	check_log "a cache_dir the module makes is 0700, the key set and the lock file 0600, all root's ($(stat -c '%a %U' "$C" "$F" "$L" | tr '\n' ' '))" "" \
		[ "$(stat -c '%a %u' "$C" "$F" "$L" | tr '\n' ' ')" = "700 0 600 0 600 0 " ]
	check_log "uid 10001 cannot open the lock file" "" cannot_open "$L"
	check_log "uid 10001 cannot open the key set" "" cannot_open "$F"
	check_log "uid 10001 cannot open the state file (back-off, validators)" "" cannot_open "$(statefile "$C")"

	# An older version's layout (0755, 0644 files), the lock already held by
	# uid 10001, and keys past jwks_stale_limit: the login must not wait
	# for that user, and must fetch.
	chmod 0755 "$C" && chmod 0644 "$L" "$F"
	# past_held NAME WHAT: with the keys stale and the lock held by uid
	# 10001, a login succeeds after one request, never waiting on the lock.
	past_held() {
		date_file "$(cachefile "$C")" -700
		date_file "$(lockfile "$C")" -1000
		before=$(requests main)
		login "$1" "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C jwks_stale_limit=600 \
			http_timeout=1 http_connect_timeout=1
		check_log "$2: PAM_SUCCESS ($result) after 1 request ($(($(requests main) - before)))" \
			"$tmp/run/$1.log" sh -c "[ '$result' = PAM_SUCCESS ] && [ $(($(requests main) - before)) = 1 ] \
				&& ! grep -q 'held it too long' '$tmp/run/$1.log'"
	}
	if hold "$L"; then
		past_held others-1 "a 0644 lock file held by uid 10001"
		check_log "... the lock file replaced by a root-owned 0600 one, the key set 0600; cache_dir keeps its 0755" "" \
			[ "$(stat -c '%a %u' "$C" "$(lockfile "$C")" "$(cachefile "$C")" | tr '\n' ' ')" = "755 0 600 0 600 0 " ]
	else
		result_file "not ok" "uid 10001 could not take the 0644 lock file" "$tmp/held.out"
	fi
	unhold

	# A lock file owned by uid 10001 (planted while cache_dir was open to
	# others), held by it: replaced, not waited on.
	chown 10001 "$(lockfile "$C")" && chmod 0755 "$C"
	if hold "$(lockfile "$C")"; then
		past_held others-2 "a lock file owned and held by uid 10001"
		check_log "... and it is root's again ($(stat -c '%a %u' "$(lockfile "$C")"))" "" \
			[ "$(stat -c '%a %u' "$(lockfile "$C")")" = "600 0" ]
	else
		result_file "not ok" "uid 10001 could not take the lock file it owns" "$tmp/held.out"
	fi
	unhold

	# bearer-token run by a user: root's cache is closed to it, so it fetches
	# for itself (as it always did when the cache was stale); in a cache_dir
	# of its own it keeps a cache as root does.
	cp "$pki/ca.pem" "$tmp/ca-public.pem" && chmod 0644 "$tmp/ca-public.pem"
	user_verify() {
		as_user "$helper" verify --config "$tmp/empty.conf" --user alice --token-file "$tmp/good.tok" \
			-o jwks=$JWKS -o ca_file="$tmp/ca-public.pem" -o cache_dir="$1" >"$tmp/run/$2.out" 2>&1
	}
	before=$(requests main)
	user_verify "$C" user-verify-root
	rc=$?
	check_log "bearer-token verify as uid 10001 with root's cache_dir: accepted (exit $rc) after its own request" \
		"$tmp/run/user-verify-root.out" [ "$rc" = 0 -a "$(($(requests main) - before))" = 1 ]
	U=$(newcache user-own) && chown 10001 "$U" && chmod 0700 "$U"
	user_verify "$U" user-verify-own
	rc=$?
	check_log "... with a cache_dir of its own: accepted (exit $rc), cached there, 0600 in 0700, the user's" \
		"$tmp/run/user-verify-own.out" sh -c "[ $rc = 0 ] \
			&& [ \"\$(stat -c '%a %u' '$U' \"\$(ls '$U'/jwks-*.json)\" | tr '\n' ' ')\" = '700 10001 600 10001 ' ]"
else
	for i in 1 2 3 4 5 6 7 8 9 10; do result ok "# SKIP other users and cache_dir: needs root and setpriv"; done
fi

echo "1..$n"
finish
