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

base="ca_file=$pki/ca.pem"

# 1. A cold cache: one fetch, then a fresh file dated jwks_ttl ahead.
C=$(newcache cold)
login cold "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C
check_log "cold cache: PAM_SUCCESS ($result)" "$tmp/run/cold.log" [ "$result" = PAM_SUCCESS ]
check_log "cold cache: exactly 1 request (saw $(requests main))" "" [ "$(requests main)" = 1 ]
F=$(cachefile "$C")
check_log "the key set is cached, 0600, same bytes as served" "" \
	sh -c "[ -f '$F' ] && [ \$(stat -c %a '$F') = 600 ] && cmp -s '$F' '$tmp/auth-main/jwks.json'"
age=$(( $(stat -c %Y "$F") - $(date +%s) ))
check_log "fresh for jwks_ttl (3600 s): mtime is now+$age" "" [ "$age" -ge 3590 -a "$age" -le 3600 ]
check_log "the fetch is logged" "$tmp/run/cold.log" grep -q "fetched .* key(s) from $A/jwks.json, fresh for 3600 s" "$tmp/run/cold.log"

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
	age=$(( $(stat -c %Y "$(cachefile "$C")") - $(date +%s) ))
	check_log "Cache-Control $1, jwks_min_ttl $2, jwks_max_ttl 7200: fresh for ~$3 s (got $age)" "" \
		[ "$age" -le "$3" -a "$age" -ge $(($3 - 10)) ]
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

	# An older version's layout (0755, 0644 files), the lock already held by
	# uid 10001, and keys past jwks_stale_limit: the login must not wait
	# for that user, and must fetch.
	chmod 0755 "$C" && chmod 0644 "$L" "$F"
	if hold "$L"; then
		date_file "$F" -700
		date_file "$L" -1000
		before=$(requests main)
		login others-1 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C jwks_stale_limit=600 \
			http_timeout=1 http_connect_timeout=1
		check_log "a 0644 lock file held by uid 10001: PAM_SUCCESS ($result) after 1 request ($(($(requests main) - before)))" \
			"$tmp/run/others-1.log" sh -c "[ '$result' = PAM_SUCCESS ] && [ $(($(requests main) - before)) = 1 ] \
				&& ! grep -q 'held it too long' '$tmp/run/others-1.log'"
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
		date_file "$(cachefile "$C")" -700
		date_file "$(lockfile "$C")" -1000
		before=$(requests main)
		login others-2 "$tmp/good.tok" jwks=$JWKS $base cache_dir=$C jwks_stale_limit=600 \
			http_timeout=1 http_connect_timeout=1
		check_log "a lock file owned and held by uid 10001: PAM_SUCCESS ($result) after 1 request ($(($(requests main) - before)))" \
			"$tmp/run/others-2.log" sh -c "[ '$result' = PAM_SUCCESS ] && [ $(($(requests main) - before)) = 1 ] \
				&& ! grep -q 'held it too long' '$tmp/run/others-2.log'"
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
	for i in 1 2 3 4 5 6 7 8 9; do result ok "# SKIP other users and cache_dir: needs root and setpriv"; done
fi

echo "1..$n"
finish
