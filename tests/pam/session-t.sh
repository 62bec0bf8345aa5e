#!/bin/sh
# session-t.sh: session tokens through real libpam (TAP).  The module, after a
# successful login, runs bearer-token as the user (fork, the user's groups,
# gid and uid, a clean environment, the secret on a socket) and exports
# BEARER_TOKEN_CACHE; close_session with revoke_on_logout has the tokens
# revoked.  The authority is tests/fixtures/emulator.py, passwords are
# checked by the suite's slapd, and the user "alice" (uid 10001) comes from
# nss_wrapper.  Needs root (to become alice); skipped otherwise.
#
#   1. a password login obtains tokens: PAM_SUCCESS, the environment names
#      the cache, the cache is alice's (0700/0600), bearer-token get as alice
#      prints a token the authority accepts, the password is in no log line;
#   2. a second login reuses the first one's token (no grant), and its
#      close_session with revoke_on_logout, the last, revokes it at the
#      authority and removes the cache; without it the cache stays;
#   3. a token login keeps that token in the cache (bearer-token store);
#   5. sudo by the session token (use_session_token): with and without the
#      required scope, a linked or foreign token file, no token (prompt);
#   6. a 3 KiB token in continuation parts, the token_parts bound, a client
#      repeating its answer, a token cut at 1,023 bytes named as such, and
#      bearer-token askpass answering "Token part N";
#   7. require_claim in the account phase (PAM_PERM_DENIED and a message),
#      and max_token_age;
#   8. 1,000 logins with sessions in one process under valgrind: no leak,
#      no descriptor and no child left behind;
#   4. a failing helper (authority down, hung, unsafe program, a foreign
#      cache directory) never fails the login and is logged with the reason;
#      with require_tokens it does (PAM_AUTHINFO_UNAVAIL); a hung helper is
#      killed at helper_timeout and nothing of it is left running.
#   9. the session references: a login's is dropped at close, which revokes;
#      another live session (a running process) keeps the tokens, and once
#      its process is gone it is pruned and the next close revokes; a link
#      and a file of alice's named as live sessions are neither counted nor
#      touched; a linked reference directory is refused (the close revokes
#      as before); a lock held past helper_timeout + 5 s keeps the tokens;
#      a login refused under require_tokens leaves no reference.

. "$(dirname "$0")/../lib.sh"
. "$fixtures/tokensvc.sh"

# alice must be able to reach the build tree, the configuration and her
# home; nss_wrapper's alice: the module looks her up, the helper runs as her.
tokensvc_scratch session "staff:x:50:alice"

run=$tmp/run	# session_cache_dir: the module creates it

# login NAME ANSWER-FILE EXTRA-OPTIONS...: auth + session through libpam.
login() {
	name=$1 answer=$2
	shift 2
	mkdir -p "$tmp/svc-$name"
	opts="config=$conf bearer_token=$tmp/bin/bearer-token session_cache_dir=$run ldap_uri=$LDAP_URI ldap_starttls ldap_ca_file=$LDAP_CA ldap_user_dn=uid=%u,$LDAP_PEOPLE jwks=$state/jwks.json $*"
	printf 'auth required %s %s\naccount required pam_permit.so\nsession required pam_permit.so\nsession required %s %s\n' \
		"$module" "$opts" "$module" "$opts" >"$tmp/svc-$name/svc"
	pamwrap_svc=$tmp/svc-$name
	# $caller: the real uid that asks (sudo's is the invoking user's); root by default.
	flock "$pwlock" env LD_PRELOAD="$preload:$nsslib" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$pamwrap_svc" \
		PAM_WRAPPER_DEBUGLEVEL=2 NSS_WRAPPER_PASSWD="$tmp/nss/passwd" NSS_WRAPPER_GROUP="$tmp/nss/group" \
		PAMRUN_RUID="${caller:-0}" "$pamrun" --session svc alice "$answer" >"$tmp/$name.out" 2>"$tmp/$name.err"
	sed -n 's/.*SYSLOG([0-9]*): //p' "$tmp/$name.err" >"$tmp/$name.log"
}
as_alice() { setpriv --reuid=10001 --regid=10001 --clear-groups env -i PATH=/usr/bin:/bin \
	BEARER_TOKEN_PLUGIN="$plugin" "$@"; }
whoami() {
	printf '%s\n' "$1" | curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/pki/ca.pem" -H @- "$url/api/whoami"
}
grants() { grep -c -F "oauth2 password POST /token 200" "$log" 2>/dev/null || true; }
revokes() { grep -c -F "oauth2 revoke POST /revoke 200" "$log" 2>/dev/null || true; }
printf '%s' "$password" >"$tmp/pw"
chmod 600 "$tmp/pw"

setpriv --reuid=10001 --regid=10001 --clear-groups sh -c "test -x '$helper' && test -r '$plugin' && test -r '$conf'" \
	|| { echo "1..0 # SKIP uid 10001 cannot reach the build tree ($top_builddir)"; exit 0; }

echo "1..63"

# --- 1. a password login obtains tokens -----------------------------------------------
before=$(grants)
login pw "$tmp/pw" obtain_tokens
cache=$run/10001
if [ "$(head -1 "$tmp/pw.out")" = PAM_SUCCESS ] && grep -qx "env BEARER_TOKEN_CACHE=$cache" "$tmp/pw.out" \
	&& grep -qx "env BEARER_TOKEN_CONFIG=$conf" "$tmp/pw.out" \
	&& [ "$(grants)" = $((before + 1)) ]; then
	result ok "password login with obtain_tokens: PAM_SUCCESS, one grant, BEARER_TOKEN_CACHE and BEARER_TOKEN_CONFIG exported"
else
	result "not ok" "password login with obtain_tokens" "$(cat "$tmp/pw.out" "$tmp/pw.log")"
fi
perms=$(stat -c '%U:%a' "$run" "$cache" "$cache/corp.json" 2>&1 | tr '\n' ' ')
case $perms in
"root:755 "*":700 "*":600 ") result ok "cache: $run root 0755, $cache and corp.json alice's, 0700 and 0600 ($perms)" ;;
*) result "not ok" "cache ownership" "$perms" ;;
esac
[ "$(stat -c %u "$cache/corp.json")" = 10001 ] && result ok "the cache file was written by alice (uid 10001)" \
	|| result "not ok" "cache owner" "$(stat -c %u "$cache/corp.json")"
token=$(as_alice BEARER_TOKEN_CACHE="$cache" "$helper" get --config "$conf" 2>"$tmp/get.err")
[ -n "$token" ] && [ "$(whoami "Authorization: Bearer $token")" = 200 ] \
	&& result ok "in the session, alice's bearer-token get prints a token the authority accepts" \
	|| result "not ok" "get in the session" "$(cat "$tmp/get.err")"
grep -q "session tokens: obtained for alice" "$tmp/pw.log" && ! grep -qF "$password" "$tmp/pw.err" \
	&& result ok "logged \"session tokens: obtained\", and the password is in no log line" \
	|| result "not ok" "the log of the password login" "$(cat "$tmp/pw.log")"
grep -q "close PAM_SUCCESS" "$tmp/pw.out" && [ -f "$cache/corp.json" ] && ! grep -q "revoked" "$tmp/pw.log" \
	&& result ok "without revoke_on_logout, close_session leaves the tokens" \
	|| result "not ok" "close without revoke_on_logout" "$(cat "$tmp/pw.out")"

# --- 2. revoke_on_logout ----------------------------------------------------------------
before=$(revokes) granted=$(grants)
login revoke "$tmp/pw" obtain_tokens revoke_on_logout
if grep -q "close PAM_SUCCESS" "$tmp/revoke.out" && [ "$(revokes)" = $((before + 1)) ] && [ ! -e "$cache/corp.json" ] \
	&& grep -q "session tokens: revoked and removed for alice" "$tmp/revoke.log"; then
	result ok "close_session with revoke_on_logout: one revocation at the authority, the cache removed"
else
	result "not ok" "revoke_on_logout" "$(cat "$tmp/revoke.out" "$tmp/revoke.log")"
fi
# The store is the user's, shared by their sessions: the second login reused
# the first one's token (no grant), and its logout, the last, revoked it.
[ "$(grants)" = "$granted" ] && [ "$(whoami "Authorization: Bearer $token")" = 401 ] \
	&& result ok "the second login reused the store's token (no grant); the last logout revoked it" \
	|| result "not ok" "reuse, then revocation at the last logout" "grants $granted -> $(grants)"

# --- 3. a token login keeps the token -----------------------------------------------------
curl -s --cacert "$tmp/pki/ca.pem" -u testclient:testsecret --data-urlencode "username=alice" \
	--data-urlencode "password@$tmp/pw" -d grant_type=password "$url/token" \
	| "$python" -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["access_token"])' >"$tmp/tok"
login token "$tmp/tok" obtain_tokens audience=oauth2
stored=$(as_alice BEARER_TOKEN_CACHE="$cache" "$helper" get --config "$conf" 2>/dev/null)
if [ "$(head -1 "$tmp/token.out")" = PAM_SUCCESS ] && [ "$stored" = "$(cat "$tmp/tok")" ] \
	&& grep -q "session tokens: kept for alice" "$tmp/token.log"; then
	result ok "a token login: the session's cache holds that very token"
else
	result "not ok" "token login keeps the token" "$(cat "$tmp/token.out" "$tmp/token.log")"
fi

# --- 4. failures of the helper --------------------------------------------------------------
rm -f "$cache/corp.json"	# nothing to reuse: every login below needs the authority
echo error-500 >"$state/mode"
login down "$tmp/pw" obtain_tokens
[ "$(head -1 "$tmp/down.out")" = PAM_SUCCESS ] && grep -q "bearer-token login for alice exited 4" "$tmp/down.log" \
	&& result ok "authority down: the login still succeeds, logged \"exited 4\" with the helper's reason" \
	|| result "not ok" "authority down" "$(cat "$tmp/down.out" "$tmp/down.log")"
login down-req "$tmp/pw" obtain_tokens require_tokens
[ "$(head -1 "$tmp/down-req.out")" = PAM_AUTHINFO_UNAVAIL ] \
	&& result ok "authority down with require_tokens: PAM_AUTHINFO_UNAVAIL (the stack may fall through)" \
	|| result "not ok" "require_tokens" "$(cat "$tmp/down-req.out")"
echo hang >"$state/mode"
start=$(date +%s)
login hang "$tmp/pw" obtain_tokens helper_timeout=2
took=$(($(date +%s) - start))
left=$(pgrep -u 10001 -f "$tmp" 2>/dev/null | wc -l)
[ "$(head -1 "$tmp/hang.out")" = PAM_SUCCESS ] && grep -q "did not finish within 2 s and was killed" "$tmp/hang.log" \
	&& [ "$took" -le 8 ] && [ "$left" = 0 ] \
	&& result ok "a hung helper is killed at helper_timeout (${took} s), the login succeeds, nothing of it is left" \
	|| result "not ok" "hung helper" "took=$took left=$left; $(cat "$tmp/hang.log")"
echo ok >"$state/mode"
# The helper runs in a session of its own (not the service's terminal or
# process group), with no core file whatever the service's limit; at the
# deadline its whole group is killed, whatever it started included.
printf '#!/bin/sh\necho "pid $$ sid $(ps -o sid= -p $$ | tr -d " ") core $(ulimit -c)" >%s/probe.facts\n' "$tmp" >"$tmp/bin/probe"
printf '#!/bin/sh\nsleep 3017 &\nsleep 3017\n' >"$tmp/bin/forker"
chmod 755 "$tmp/bin/probe" "$tmp/bin/forker"
touch "$tmp/probe.facts" && chown 10001 "$tmp/probe.facts"
(ulimit -c unlimited; login probe "$tmp/pw" obtain_tokens bearer_token="$tmp/bin/probe")
read -r _ ppid _ psid _ pcore <"$tmp/probe.facts"
[ -n "$ppid" ] && [ "$psid" = "$ppid" ] && [ "$pcore" = 0 ] \
	&& result ok "the helper leads a session of its own and may not dump core (service limit unlimited)" \
	|| result "not ok" "helper session and core limit" "$(cat "$tmp/probe.facts" "$tmp/probe.log")"
login forker "$tmp/pw" obtain_tokens bearer_token="$tmp/bin/forker" helper_timeout=1
sleep 0.5
left=$(pgrep -u 10001 -f "sleep 3017" 2>/dev/null | wc -l)
pkill -KILL -u 10001 -f "sleep 3017" 2>/dev/null
[ "$left" = 0 ] && grep -q "did not finish within 1 s and was killed" "$tmp/forker.log" \
	&& result ok "a helper killed at helper_timeout takes what it started with it" \
	|| result "not ok" "helper's children" "left=$left; $(cat "$tmp/forker.log")"
# /run is every service's: the module adds nothing to a user's directory
# over the bound (32 entries, 1 MiB), and the helper writes no file over
# 256 KiB.  The login goes on without session tokens.
mkdir -p "$cache" && chown 10001:10001 "$cache" && chmod 700 "$cache"
for i in $(seq 40); do : >"$cache/junk-$i"; done
chown 10001 "$cache"/junk-*
login bound-n "$tmp/pw" obtain_tokens
rm -f "$cache"/junk-*
head -c 2097152 /dev/urandom >"$cache/junk-big" && chown 10001 "$cache/junk-big"
login bound-b "$tmp/pw" obtain_tokens
rm -f "$cache/junk-big"
[ "$(head -1 "$tmp/bound-n.out")" = PAM_SUCCESS ] && [ "$(head -1 "$tmp/bound-b.out")" = PAM_SUCCESS ] \
	&& grep -q "holds more than 32 entries or 1024 KiB: not used" "$tmp/bound-n.log" \
	&& grep -q "holds more than 32 entries or 1024 KiB: not used" "$tmp/bound-b.log" \
	&& ! grep -q "session tokens: obtained" "$tmp/bound-n.log" "$tmp/bound-b.log" \
	&& result ok "a user's directory over the bound (40 files; 2 MiB): the helper does not run, the login succeeds" \
	|| result "not ok" "session directory bound" "$(cat "$tmp/bound-n.out" "$tmp/bound-n.log" "$tmp/bound-b.log")"
printf '#!/bin/sh\nhead -c 1048576 /dev/zero >>%s/fsize.facts\n' "$tmp" >"$tmp/bin/filler"
chmod 755 "$tmp/bin/filler"
: >"$tmp/fsize.facts" && chown 10001 "$tmp/fsize.facts"
login filler "$tmp/pw" obtain_tokens bearer_token="$tmp/bin/filler"
size=$(stat -c %s "$tmp/fsize.facts")
[ "$size" -gt 0 ] && [ "$size" -le 262144 ] \
	&& result ok "the helper cannot write a file over 256 KiB ($size bytes of 1 MiB written)" \
	|| result "not ok" "helper file size limit" "$size bytes; $(cat "$tmp/filler.log")"
# While it may hold a password, bearer-token is not dumpable: the user's
# other processes can neither ptrace it nor read its memory or environment.
mkdir -m 700 "$tmp/dump-cache" && chown 10001 "$tmp/dump-cache"
{ sleep 5; cat "$tmp/pw"; } | setpriv --reuid=10001 --regid=10001 --clear-groups env -i PATH=/usr/bin:/bin \
	BEARER_TOKEN_PLUGIN="$plugin" BEARER_TOKEN_CACHE="$tmp/dump-cache" BEARER_TOKEN_CONFIG="$conf" \
	"$helper" login --user alice --password-stdin >/dev/null 2>&1 &
hpid=$!
# Looked at once it waits for the password (blocked in read(2), syscall 0),
# not just after the exec: a sanitizer build takes a while to reach main.
i=0
while [ $i -lt 80 ] && { [ "$(readlink "/proc/$hpid/exe" 2>/dev/null)" != "$(readlink -f "$helper")" ] ||
	[ "$(cut -d' ' -f1 "/proc/$hpid/syscall" 2>/dev/null)" != 0 ]; }; do
	sleep 0.05; i=$((i + 1))
done
seen=$(readlink "/proc/$hpid/exe" 2>/dev/null)
as_alice cat "/proc/$hpid/environ" >/dev/null 2>&1 && peek=readable || peek=denied
wait $hpid
[ "$seen" = "$(readlink -f "$helper")" ] && [ $peek = denied ] \
	&& result ok "bearer-token waiting for the password: alice's other processes cannot read its memory (not dumpable)" \
	|| result "not ok" "bearer-token dumpable" "exe $seen, /proc/$hpid/environ $peek for uid 10001"
chmod 775 "$tmp/bin/bearer-token"
login unsafe "$tmp/pw" obtain_tokens
chmod 755 "$tmp/bin/bearer-token"
[ "$(head -1 "$tmp/unsafe.out")" = PAM_SUCCESS ] && grep -q "not a root-owned file only root may change" "$tmp/unsafe.log" \
	&& result ok "a group-writable bearer_token is not run (logged), the login succeeds" \
	|| result "not ok" "unsafe helper" "$(cat "$tmp/unsafe.log")"
login relative "$tmp/pw" obtain_tokens bearer_token=bin/bearer-token
[ "$(head -1 "$tmp/relative.out")" = PAM_SERVICE_ERR ] \
	&& result ok "a relative bearer_token is a configuration error" \
	|| result "not ok" "relative bearer_token" "$(cat "$tmp/relative.out")"
rm -rf "$cache"
mkdir -m 700 "$cache"	# root's, not alice's
login foreign "$tmp/pw" obtain_tokens
[ "$(head -1 "$tmp/foreign.out")" = PAM_SUCCESS ] && grep -q "is not a directory of alice's" "$tmp/foreign.log" \
	&& [ -z "$(ls -A "$cache")" ] && ! grep -q "env BEARER_TOKEN_CACHE" "$tmp/foreign.out" \
	&& result ok "a cache directory not alice's is refused, nothing exported, the login succeeds" \
	|| result "not ok" "foreign cache directory" "$(cat "$tmp/foreign.out" "$tmp/foreign.log")"
rm -rf "$cache"
for mode in 775 700; do
	chmod $mode "$run"
	login root-$mode "$tmp/pw" obtain_tokens
	chmod 755 "$run"
	case $mode in 775) want="not a root-owned directory only root may change" ;; *) want="users cannot reach their directory" ;; esac
	[ "$(head -1 "$tmp/root-$mode.out")" = PAM_SUCCESS ] && grep -q "$want" "$tmp/root-$mode.log" && [ ! -e "$cache" ] \
		&& result ok "session_cache_dir with mode $mode is refused (logged), nothing is cached, the login succeeds" \
		|| result "not ok" "session_cache_dir mode $mode" "$(cat "$tmp/root-$mode.log")"
done
printf 'wrong' >"$tmp/wrong"
before=$(grants)
login wrong "$tmp/wrong" obtain_tokens
[ "$(head -1 "$tmp/wrong.out")" = PAM_AUTH_ERR ] && [ "$(grants)" = "$before" ] && [ ! -e "$cache" ] \
	&& result ok "a wrong password: PAM_AUTH_ERR and the helper never runs" \
	|| result "not ok" "wrong password" "$(cat "$tmp/wrong.out")"
login off "$tmp/pw"
! grep -q "env BEARER_TOKEN_CACHE" "$tmp/off.out" && ! grep -q "session tokens" "$tmp/off.log" \
	&& result ok "without obtain_tokens nothing runs and nothing is exported" \
	|| result "not ok" "obtain_tokens off" "$(cat "$tmp/off.out")"
[ "$(stat -c %a "$run")" = 755 ] && result ok "session_cache_dir stays root's 0755" || result "not ok" "session_cache_dir mode"

# --- 5. sudo by session token (use_session_token) --------------------------------------------
login again "$tmp/pw" obtain_tokens
sudo_opts="token_only use_session_token issuer=$url audience=oauth2"
# Whoever else asks is refused before the cache is read: root (sshd, su run
# by root), another uid, and the option in pam_bearer.conf (every service).
login sudo-root "$tmp/pw" $sudo_opts session_token_only require_claim=scope=sudo
[ "$(head -1 "$tmp/sudo-root.out")" = PAM_AUTH_ERR ] && grep -q "pamrun: 0 prompt" "$tmp/sudo-root.err" \
	&& grep -q "rejected: not-owner: .*real uid is 0 " "$tmp/sudo-root.log" \
	&& ! grep -q "session token: $cache" "$tmp/sudo-root.log" \
	&& result ok "use_session_token with real uid 0 (sshd, login, root's su): refused as not-owner, the cache unread" \
	|| result "not ok" "session token for root" "$(cat "$tmp/sudo-root.out" "$tmp/sudo-root.log")"
caller=10002
login sudo-other "$tmp/pw" $sudo_opts session_token_only require_claim=scope=sudo
unset caller
[ "$(head -1 "$tmp/sudo-other.out")" = PAM_AUTH_ERR ] && grep -q "rejected: not-owner: .*real uid is 10002 " "$tmp/sudo-other.log" \
	&& result ok "use_session_token asked by another uid for alice (su alice, sudo targetpw): refused as not-owner" \
	|| result "not ok" "session token for another caller" "$(cat "$tmp/sudo-other.out" "$tmp/sudo-other.log")"
cp "$conf" "$tmp/conf.saved"
{ echo use_session_token; cat "$tmp/conf.saved"; } >"$conf"
caller=10001
login sudo-conf "$tmp/pw" token_only session_token_only require_claim=scope=sudo
cat "$tmp/conf.saved" >"$conf"
[ "$(head -1 "$tmp/sudo-conf.out")" != PAM_SUCCESS ] \
	&& grep -q "use_session_token is only allowed on the module line" "$tmp/sudo-conf.log" \
	&& result ok "use_session_token in pam_bearer.conf: a configuration error (module line only)" \
	|| result "not ok" "use_session_token in the file" "$(cat "$tmp/sudo-conf.out" "$tmp/sudo-conf.log")"
login sudo "$tmp/pw" $sudo_opts session_token_only require_claim=scope=sudo
[ "$(head -1 "$tmp/sudo.out")" = PAM_SUCCESS ] && grep -q "pamrun: 0 prompt" "$tmp/sudo.err" \
	&& grep -q "session token: $cache/corp.json of alice" "$tmp/sudo.log" \
	&& result ok "use_session_token: the cached session token with scope sudo authorises, no prompt" \
	|| result "not ok" "sudo by session token" "$(cat "$tmp/sudo.out" "$tmp/sudo.log")"
login sudo-scope "$tmp/pw" $sudo_opts session_token_only require_claim=scope=admin
[ "$(head -1 "$tmp/sudo-scope.out")" = PAM_AUTH_ERR ] && grep -q "rejected: required-claim" "$tmp/sudo-scope.log" \
	&& result ok "without the required scope: PAM_AUTH_ERR, rejected: required-claim" \
	|| result "not ok" "sudo without the scope" "$(cat "$tmp/sudo-scope.out" "$tmp/sudo-scope.log")"
cp "$cache/corp.json" "$tmp/elsewhere.json"
chown 10001 "$tmp/elsewhere.json"
mv "$cache/corp.json" "$cache/corp.json.real"
ln -s "$tmp/elsewhere.json" "$cache/corp.json"
login sudo-link "$tmp/pw" $sudo_opts session_token_only require_claim=scope=sudo
rm "$cache/corp.json"
mv "$cache/corp.json.real" "$cache/corp.json"
[ "$(head -1 "$tmp/sudo-link.out")" = PAM_AUTH_ERR ] && grep -q "session token: refused: .*symbolic link" "$tmp/sudo-link.log" \
	&& result ok "a session token file that is a symbolic link: refused" \
	|| result "not ok" "symlinked session token" "$(cat "$tmp/sudo-link.log")"
chown 0 "$cache/corp.json"
login sudo-owner "$tmp/pw" $sudo_opts session_token_only require_claim=scope=sudo
chown 10001 "$cache/corp.json"
[ "$(head -1 "$tmp/sudo-owner.out")" = PAM_AUTH_ERR ] && grep -q "belongs to uid 0, not to uid 10001" "$tmp/sudo-owner.log" \
	&& result ok "a session token file owned by someone else: refused" \
	|| result "not ok" "foreign session token file" "$(cat "$tmp/sudo-owner.log")"
curl -s --cacert "$tmp/pki/ca.pem" -u testclient:testsecret --data-urlencode "username=alice" \
	--data-urlencode "password@$tmp/pw" -d grant_type=password --data-urlencode "scope=openid sudo" "$url/token" \
	| "$python" -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["access_token"])' >"$tmp/sudo-tok"
rm -rf "$cache"
login sudo-paste "$tmp/sudo-tok" $sudo_opts require_claim=scope=sudo
[ "$(head -1 "$tmp/sudo-paste.out")" = PAM_SUCCESS ] && grep -q "pamrun: 1 prompt" "$tmp/sudo-paste.err" \
	&& result ok "no session token: it prompts, and a pasted token with the scope works" \
	|| result "not ok" "pasted token" "$(cat "$tmp/sudo-paste.out" "$tmp/sudo-paste.log")"
login sudo-none "$tmp/sudo-tok" $sudo_opts session_token_only require_claim=scope=sudo
[ "$(head -1 "$tmp/sudo-none.out")" = PAM_AUTH_ERR ] && grep -q "pamrun: 0 prompt" "$tmp/sudo-none.err" \
	&& result ok "session_token_only and no session token: PAM_AUTH_ERR without a prompt" \
	|| result "not ok" "session_token_only without a cache" "$(cat "$tmp/sudo-none.out")"

unset caller

# --- 6. long tokens: parts, cuts, askpass ------------------------------------------------
# A 3 KiB token (groups and scopes), signed by a key of its own.
"$python" - "$tmp" <<'PY' || bail "minting the long token failed"
import json, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
d = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
jwk.update(kid="long", alg="RS256", use="sig")
open(d + "/long.jwks", "w").write(json.dumps({"keys": [jwk]}))
now = int(time.time())
claims = {"sub": "alice", "iat": now, "exp": now + 600, "scope": "openid sudo",
          "groups": ["group-%04d-with-a-long-name" % i for i in range(90)]}
tok = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "long"})
open(d + "/long.tok", "w").write(tok)
parts = [tok[i:i + 500] for i in range(0, len(tok), 500)]
open(d + "/long.parts", "w").write("".join(p + ("\\\n" if i < len(parts) - 1 else "\n") for i, p in enumerate(parts)))
open(d + "/long.cut", "w").write(tok[:1023])
open(d + "/long.first", "w").write(parts[0] + "\\")
open(d + "/long.badpart", "w").write(parts[0] + "\\\n" + "not a part!\n")
del claims["iat"]
open(d + "/noiat.tok", "w").write(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "long"}))
# A 60 KiB token: over the 16 KiB that bearer-token store once refused, under the 64 KiB bound.
claims = {"sub": "alice", "iat": now, "exp": now + 600, "pad": "x" * (45 * 1024)}
open(d + "/big.tok", "w").write(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "long"}))
PY
chmod 644 "$tmp/long.jwks"
long_len=$(wc -c <"$tmp/long.tok")
long_opts="token_only jwks=$tmp/long.jwks"
PAMRUN_PARTS=1 login parts "$tmp/long.parts" $long_opts
unset PAMRUN_PARTS	# an assignment before a function call may outlive it
nparts=$(wc -l <"$tmp/long.parts")
[ "$(head -1 "$tmp/parts.out")" = PAM_SUCCESS ] && grep -q "pamrun: $nparts prompt" "$tmp/parts.err" \
	&& result ok "a $long_len-byte token in $nparts parts of 500 bytes (continuation prompts): PAM_SUCCESS" \
	|| result "not ok" "token in parts" "$(cat "$tmp/parts.out" "$tmp/parts.log"; grep pamrun "$tmp/parts.err")"
PAMRUN_PARTS=1 login parts-max "$tmp/long.parts" $long_opts token_parts=3
unset PAMRUN_PARTS
[ "$(head -1 "$tmp/parts-max.out")" = PAM_AUTH_ERR ] && grep -q "more than 3 token parts" "$tmp/parts-max.log" \
	&& result ok "more parts than token_parts: refused" \
	|| result "not ok" "token_parts limit" "$(cat "$tmp/parts-max.log")"
login parts-same "$tmp/long.first" $long_opts
[ "$(head -1 "$tmp/parts-same.out")" = PAM_AUTH_ERR ] && grep -q "the same answer to token part 2" "$tmp/parts-same.log" \
	&& result ok "a client repeating its answer (sshd's password method): refused at part 2, no loop" \
	|| result "not ok" "repeated answers" "$(cat "$tmp/parts-same.log")"
PAMRUN_PARTS=1 login parts-bad "$tmp/long.badpart" $long_opts
unset PAMRUN_PARTS
[ "$(head -1 "$tmp/parts-bad.out")" = PAM_AUTH_ERR ] && grep -q "token part 2 is not a piece of a token" "$tmp/parts-bad.log" \
	&& result ok "a part that is not base64url and dots: refused" \
	|| result "not ok" "malformed part" "$(cat "$tmp/parts-bad.log")"
# An answer over the bound is refused before it is copied, first or later
# (sshd passes a keyboard-interactive answer of any length).
{ printf 'eyJ'; head -c 256000 /dev/zero | tr '\0' A; printf '\\\nAAAA\n'; } >"$tmp/huge.first"
{ printf 'eyJ'; head -c 60000 /dev/zero | tr '\0' A; printf '\\\n'; head -c 10000 /dev/zero | tr '\0' B
  printf '\n'; } >"$tmp/huge.second"
PAMRUN_PARTS=1 login parts-huge1 "$tmp/huge.first" $long_opts
PAMRUN_PARTS=1 login parts-huge2 "$tmp/huge.second" $long_opts
unset PAMRUN_PARTS
[ "$(head -1 "$tmp/parts-huge1.out")" = PAM_AUTH_ERR ] && grep -q "rejected: too-large: token part 1 of 256003 bytes" "$tmp/parts-huge1.log" \
	&& ! grep -q "pamrun: 2 prompt" "$tmp/parts-huge1.err" \
	&& result ok "a 250 KiB first answer ending in a backslash: too-large, refused before it is copied" \
	|| result "not ok" "oversized first part" "$(head -c 2000 "$tmp/parts-huge1.out"; cat "$tmp/parts-huge1.log"; tail -5 "$tmp/parts-huge1.err")"
[ "$(head -1 "$tmp/parts-huge2.out")" = PAM_AUTH_ERR ] && grep -q "rejected: too-large: token part 2 takes the token past 65536 bytes" "$tmp/parts-huge2.log" \
	&& result ok "a later part that takes the token past 64 KiB: too-large" \
	|| result "not ok" "oversized later part" "$(cat "$tmp/parts-huge2.log"; tail -5 "$tmp/parts-huge2.err")"
login age-none "$tmp/noiat.tok" $long_opts max_token_age=3600
login age-none-off "$tmp/noiat.tok" $long_opts
[ "$(head -1 "$tmp/age-none.out")" = PAM_AUTH_ERR ] && grep -q "rejected: too-old: max_token_age is set and the token has no usable auth_time or iat" "$tmp/age-none.log" \
	&& [ "$(head -1 "$tmp/age-none-off.out")" = PAM_SUCCESS ] \
	&& result ok "max_token_age and a token with neither auth_time nor iat: too-old (accepted without max_token_age)" \
	|| result "not ok" "max_token_age without iat" "$(cat "$tmp/age-none.log" "$tmp/age-none-off.out")"
login cut "$tmp/long.cut" $long_opts
[ "$(head -1 "$tmp/cut.out")" = PAM_AUTH_ERR ] && grep -q "exactly 1023 bytes, where ssh cuts" "$tmp/cut.log" \
	&& grep -q "error message: Your token looks cut at 1023 bytes by ssh" "$tmp/cut.err" \
	&& result ok "a token cut at 1,023 bytes: the log and the user are told it was truncated by ssh" \
	|| result "not ok" "cut token" "$(cat "$tmp/cut.log")"
mkdir -p "$tmp/askpass-cache" && chown 10001 "$tmp/askpass-cache" && chmod 700 "$tmp/askpass-cache"
as_alice BEARER_TOKEN_CACHE="$tmp/askpass-cache" "$helper" store --config "$conf" --user alice <"$tmp/long.tok"
i=1 joined=
while [ $i -le "$nparts" ]; do
	piece=$(as_alice BEARER_TOKEN_CACHE="$tmp/askpass-cache" BEARER_TOKEN_CONFIG="$conf" "$helper" askpass "Token part $i: ")
	[ "$piece" = "$(sed -n "${i}p" "$tmp/long.parts")" ] || break
	joined="$joined${piece%\\}"
	i=$((i + 1))
done
[ "$joined" = "$(cat "$tmp/long.tok")" ] \
	&& result ok "bearer-token askpass answers \"Token part N\" with part N; the parts join to the token" \
	|| result "not ok" "askpass parts" "stopped at part $i of $nparts"
ln -s "$helper" "$tmp/bin/bearer-token-askpass"
piece=$(as_alice BEARER_TOKEN_CACHE="$tmp/askpass-cache" BEARER_TOKEN_CONFIG="$conf" "$tmp/bin/bearer-token-askpass" "Token part 2: ")
[ "$piece" = "$(sed -n 2p "$tmp/long.parts")" ] \
	&& result ok "installed as bearer-token-askpass (SSH_ASKPASS), it takes ssh's prompt as its only argument" \
	|| result "not ok" "bearer-token-askpass" "$piece"
as_alice BEARER_TOKEN_CACHE="$tmp/askpass-cache" BEARER_TOKEN_CONFIG="$conf" "$helper" askpass "Token part 99: " >/dev/null 2>&1
[ $? != 0 ] && result ok "askpass for a part that does not exist exits non-zero (ssh then sends nothing)" \
	|| result "not ok" "askpass part 99"

# One token size bound (PB_JWS_MAX_TOKEN) for the module and bearer-token store.
rm -rf "$cache"
login big "$tmp/big.tok" $long_opts obtain_tokens
stored=$(as_alice BEARER_TOKEN_CACHE="$cache" "$helper" get --config "$conf" 2>/dev/null)
big_len=$(wc -c <"$tmp/big.tok")
[ "$big_len" -gt 60000 ] && [ "$big_len" -le 65536 ] && [ "$(head -1 "$tmp/big.out")" = PAM_SUCCESS ] \
	&& [ "$stored" = "$(cat "$tmp/big.tok")" ] && grep -q "session tokens: kept for alice" "$tmp/big.log" \
	&& result ok "a $big_len-byte token login: accepted, and the session's cache holds that very token" \
	|| result "not ok" "a 60 KiB token login keeps the token" "$big_len bytes; $(cat "$tmp/big.out" "$tmp/big.log")"
rm -rf "$cache"

# --- 7. the account phase, and fresh authentication ---------------------------------------
login acct-setup "$tmp/pw" obtain_tokens
account() {	# account NAME OPTIONS...: pam_acct_mgmt alone
	name=$1
	shift
	mkdir -p "$tmp/svc-$name"
	printf 'account required %s config=%s session_cache_dir=%s jwks=%s issuer=%s audience=oauth2 %s\n' \
		"$module" "$conf" "$run" "$state/jwks.json" "$url" "$*" >"$tmp/svc-$name/svc"
	flock "$pwlock" env LD_PRELOAD="$preload:$nsslib" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$tmp/svc-$name" \
		PAM_WRAPPER_DEBUGLEVEL=2 NSS_WRAPPER_PASSWD="$tmp/nss/passwd" NSS_WRAPPER_GROUP="$tmp/nss/group" \
		"$pamrun" --account svc alice /dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
	sed -n 's/.*SYSLOG([0-9]*): //p' "$tmp/$name.err" >"$tmp/$name.log"
}
account acct-ok obtain_tokens require_claim=scope=sudo
[ "$(cat "$tmp/acct-ok.out")" = PAM_SUCCESS ] \
	&& result ok "account phase, require_claim=scope=sudo on the line: the session's token carries it" \
	|| result "not ok" "account with the scope" "$(cat "$tmp/acct-ok.out" "$tmp/acct-ok.log")"
account acct-no obtain_tokens require_claim=scope=admin
[ "$(cat "$tmp/acct-no.out")" = PAM_PERM_DENIED ] && grep -q "error message: Access denied: " "$tmp/acct-no.err" \
	&& grep -q "rejected: required-claim" "$tmp/acct-no.log" \
	&& result ok "account phase without the scope: PAM_PERM_DENIED, and the user is told why" \
	|| result "not ok" "account without the scope" "$(cat "$tmp/acct-no.out" "$tmp/acct-no.err")"
# allow_groups is checked on the session's token too: a password login
# (whose session token carries no groups claim) is not let through.
account acct-groups obtain_tokens allow_groups=admins
[ "$(cat "$tmp/acct-groups.out")" = PAM_PERM_DENIED ] && grep -q "rejected: not-in-group" "$tmp/acct-groups.log" \
	&& result ok "account phase with allow_groups=admins: the session's token names no such group, PAM_PERM_DENIED" \
	|| result "not ok" "allow_groups on the session's token" "$(cat "$tmp/acct-groups.out" "$tmp/acct-groups.log")"
# sudo by the session token of an issuer whose section sets allow_groups:
# the account phase checks the token the login was accepted with.
cp "$conf" "$tmp/conf-groups"
cat >>"$tmp/conf-groups" <<CONF

[issuer corp-idp]
issuer = $url
jwks = $state/jwks.json
audience = oauth2
allow_groups = admins
CONF
mkdir -p "$tmp/svc-sudo-groups"
opts="config=$tmp/conf-groups session_cache_dir=$run token_only use_session_token session_token_only"
printf 'auth required %s %s\naccount required %s %s\n' "$module" "$opts" "$module" "$opts" >"$tmp/svc-sudo-groups/svc"
flock "$pwlock" env LD_PRELOAD="$preload:$nsslib" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$tmp/svc-sudo-groups" \
	PAM_WRAPPER_DEBUGLEVEL=2 NSS_WRAPPER_PASSWD="$tmp/nss/passwd" NSS_WRAPPER_GROUP="$tmp/nss/group" \
	PAMRUN_RUID=10001 "$pamrun" --ops auth,account svc alice /dev/null >"$tmp/sudo-groups.out" 2>"$tmp/sudo-groups.err"
sed -n 's/.*SYSLOG([0-9]*): //p' "$tmp/sudo-groups.err" >"$tmp/sudo-groups.log"
grep -qx "auth PAM_SUCCESS" "$tmp/sudo-groups.out" && grep -qx "account PAM_PERM_DENIED" "$tmp/sudo-groups.out" \
	&& grep -q "rejected: not-in-group" "$tmp/sudo-groups.log" \
	&& result ok "sudo by a session token of an issuer with allow_groups=admins: the account phase checks it, PAM_PERM_DENIED" \
	|| result "not ok" "issuer allow_groups on a session token login" "$(cat "$tmp/sudo-groups.out" "$tmp/sudo-groups.log")"
rm -rf "$cache"
account acct-none obtain_tokens require_claim=scope=sudo
[ "$(cat "$tmp/acct-none.out")" = PAM_PERM_DENIED ] \
	&& result ok "account phase with require_claim and no token at all: PAM_PERM_DENIED" \
	|| result "not ok" "account without a token" "$(cat "$tmp/acct-none.out")"
account acct-off
! grep -q "rejected\|session token\|account:" "$tmp/acct-off.log" && [ -s "$tmp/acct-off.out" ] \
	&& result ok "account phase without require_claim or ldap_group: no opinion" \
	|| result "not ok" "account without settings" "$(cat "$tmp/acct-off.out")"
sleep 2
login age-old "$tmp/tok" token_only audience=oauth2 max_token_age=1 leeway=0
[ "$(head -1 "$tmp/age-old.out")" = PAM_AUTH_ERR ] && grep -q "rejected: too-old: iat is" "$tmp/age-old.log" \
	&& result ok "max_token_age=1: a token issued seconds ago is too old (rejected: too-old)" \
	|| result "not ok" "max_token_age refuses" "$(cat "$tmp/age-old.log")"
login age-ok "$tmp/tok" token_only audience=oauth2 max_token_age=3600
[ "$(head -1 "$tmp/age-ok.out")" = PAM_SUCCESS ] \
	&& result ok "max_token_age=3600: the same token is fresh enough" \
	|| result "not ok" "max_token_age accepts" "$(cat "$tmp/age-ok.log")"

# --- 8. 1,000 logins with sessions in one process, under valgrind -----------------------
# dcos: bearer-token store at login and logout at close, both without the
# network, so the run measures the module, not the authority.
one=$top_builddir/tests/pam/one-process
if command -v valgrind >/dev/null 2>&1 && [ -x "$one" ] && ! ldd "$module" | grep -q libasan; then
	printf '{"uid": "alice", "password": "%s"}' "$password" >"$tmp/dcos-login.json"
	curl -s --cacert "$tmp/pki/ca.pem" -H "Content-Type: application/json" --data @"$tmp/dcos-login.json" \
		"$url/acs/api/v1/auth/login" | "$python" -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["token"])' \
		>"$tmp/dcos.tok"
	rm -f "$tmp/dcos-login.json"
	cat >>"$conf" <<CONF

[authority dcos]
preset = dcos
url = $url
ca_file = $tmp/pki/ca.pem
CONF
	mkdir -p "$tmp/one"
	opts="config=$conf bearer_token=$tmp/bin/bearer-token session_cache_dir=$run authority=dcos token_only jwks=$state/jwks.json issuer=$url audience=dcos"
	printf 'auth required %s %s obtain_tokens require_tokens\nsession required pam_permit.so\nsession required %s %s revoke_on_logout\n' \
		"$module" "$opts" "$module" "$opts" >"$tmp/one/svc"
	count=${SESSION_T_LOGINS:-1000}
	LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD="$tmp/nss/passwd" NSS_WRAPPER_GROUP="$tmp/nss/group" \
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		--log-file="$tmp/valgrind.log" "$one" "$tmp/one" svc alice "$tmp/dcos.tok" "$count" >"$tmp/one.out" 2>"$tmp/one.err"
	rc=$?
	fds_before=$(sed -n 's/^fds-before //p' "$tmp/one.out")
	if [ $rc = 0 ] && grep -qx "success $count" "$tmp/one.out" && grep -qx "fds-after $fds_before" "$tmp/one.out" \
		&& grep -qx "children 0" "$tmp/one.out" && [ ! -s "$tmp/valgrind.log" ] \
		&& [ -z "$(pgrep -u 10001 -f "$tmp" 2>/dev/null)" ]; then
		result ok "$count logins with sessions in one process under valgrind: all succeeded (store, then logout, as alice), no leak or memory error, no descriptor left (still $fds_before after the first), no child left"
	else
		result "not ok" "$count logins in one process under valgrind" "rc=$rc $(cat "$tmp/one.out" "$tmp/one.err" | head -5); $(head -30 "$tmp/valgrind.log")"
	fi
else
	result ok "# SKIP valgrind or tests/pam/one-process missing, or a sanitizer build"
fi

# --- 9. the session references (root's, in $run/sessions/10001) ---------------------------
refs=$run/sessions/10001
ls_refs() { ls -A "$refs" 2>/dev/null | tr '\n' ' '; }
starttime() { awk '{ print $22 }' "/proc/$1/stat"; }
rm -f "$cache/corp.json"
before=$(revokes)
login ref1 "$tmp/pw" obtain_tokens revoke_on_logout
[ -z "$(ls_refs)" ] && [ "$(revokes)" = $((before + 1)) ] && grep -q "session tokens: session p[0-9.]* of alice registered" "$tmp/ref1.log" \
	&& [ "$(stat -c '%U %a' "$run/sessions" "$refs" | tr '\n' ' ')" = "root 700 root 700 " ] \
	&& result ok "a login takes a reference (root's directory, 0700), its close drops it and, the last, revokes" \
	|| result "not ok" "one login's reference" "refs: $(ls_refs); $(cat "$tmp/ref1.log")"
# Another session, still open: a running process of root's, its reference as the module would name it.
sleep 300 &
holder=$!
other=p$holder.$(starttime $holder).1
: >"$refs/$other"
chmod 600 "$refs/$other"
before=$(revokes)
login ref2 "$tmp/pw" obtain_tokens revoke_on_logout
[ "$(revokes)" = "$before" ] && [ -f "$cache/corp.json" ] && [ "$(ls_refs)" = "$other " ] \
	&& grep -q "1 other session or login of alice still open: the tokens stay" "$tmp/ref2.log" \
	&& result ok "with another session open, a close revokes nothing and keeps the store" \
	|| result "not ok" "close with another session open" "revokes $before -> $(revokes); refs: $(ls_refs); $(cat "$tmp/ref2.log")"
kill $holder
wait $holder 2>/dev/null
before=$(revokes)
login ref3 "$tmp/pw" obtain_tokens revoke_on_logout
[ "$(revokes)" = $((before + 1)) ] && [ -z "$(ls_refs)" ] && [ ! -e "$cache/corp.json" ] \
	&& result ok "that session's process gone without a close: pruned, and the next close is the last (revoked)" \
	|| result "not ok" "a dead session pruned" "revokes $before -> $(revokes); refs: $(ls_refs); $(cat "$tmp/ref3.log")"
# Named as a live session (this shell), but a link and a file of alice's: not references of root's.
live=p$$.$(starttime $$)
ln -s /etc/passwd "$refs/$live.1"
: >"$refs/$live.2"
chown 10001 "$refs/$live.2"
chmod 600 "$refs/$live.2"
before=$(revokes)
login ref4 "$tmp/pw" obtain_tokens revoke_on_logout
[ "$(revokes)" = $((before + 1)) ] && [ -L "$refs/$live.1" ] && [ -f "$refs/$live.2" ] \
	&& grep -q "2 entries that are not references of root's were left alone" "$tmp/ref4.log" \
	&& result ok "a symbolic link and a file of alice's named as live sessions: not counted, left alone, logged; the close revokes" \
	|| result "not ok" "foreign entries in the references" "revokes $before -> $(revokes); refs: $(ls_refs); $(cat "$tmp/ref4.log")"
rm -f "$refs/$live.1" "$refs/$live.2"
# The user's reference directory replaced by a link: refused; nothing known, so every close is the last.
mv "$refs" "$refs.real"
ln -s "$refs.real" "$refs"
before=$(revokes)
login ref5 "$tmp/pw" obtain_tokens revoke_on_logout
[ "$(revokes)" = $((before + 1)) ] && [ -z "$(ls -A "$refs.real")" ] \
	&& grep -q "session references of alice: cannot open 10001: a symbolic link" "$tmp/ref5.log" \
	&& result ok "the reference directory a symbolic link: refused and logged, nothing written through it; the close revokes as before" \
	|| result "not ok" "linked reference directory" "revokes $before -> $(revokes); $(cat "$tmp/ref5.log")"
rm -f "$refs"
mv "$refs.real" "$refs"
# The lock held (by another root process): the close cannot count, so it keeps the tokens.
"$python" -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "$refs" "$tmp/locked" &
locker=$!
i=0
while [ ! -e "$tmp/locked" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
before=$(revokes)
login ref6 "$tmp/pw" obtain_tokens revoke_on_logout helper_timeout=1
kill $locker 2>/dev/null
wait $locker 2>/dev/null
[ "$(revokes)" = "$before" ] && [ -f "$cache/corp.json" ] && grep -q "session references stayed locked for 6000 ms" "$tmp/ref6.log" \
	&& ! grep -q "revoked and removed" "$tmp/ref6.log" \
	&& result ok "the references locked past helper_timeout + 5 s: the close waits, then keeps the tokens (logged)" \
	|| result "not ok" "locked references" "revokes $before -> $(revokes); $(cat "$tmp/ref6.log")"
rm -f "$refs"/*
rm -f "$cache/corp.json"
# A login that fails (require_tokens, authority down) takes its reference with it.
echo error-500 >"$state/mode"
login ref7 "$tmp/pw" obtain_tokens require_tokens
echo ok >"$state/mode"
[ "$(head -1 "$tmp/ref7.out")" = PAM_AUTHINFO_UNAVAIL ] && [ -z "$(ls_refs)" ] \
	&& result ok "a login refused under require_tokens leaves no reference behind" \
	|| result "not ok" "failed login's reference" "refs: $(ls_refs); $(cat "$tmp/ref7.out")"
# A module before pam_bearer's session line changes PAM_BEARER_LOGIN (pam_env
# from a file, or the user's own with user_readenv): the login's reference
# still goes at open_session, so the user's last close still revokes.
printf 'PAM_BEARER_LOGIN OVERRIDE=l1.1\n' >"$tmp/pam_env-ref8.conf"
mkdir -p "$tmp/svc-ref8"
opts="config=$conf bearer_token=$tmp/bin/bearer-token session_cache_dir=$run ldap_uri=$LDAP_URI ldap_starttls ldap_ca_file=$LDAP_CA ldap_user_dn=uid=%u,$LDAP_PEOPLE jwks=$state/jwks.json obtain_tokens revoke_on_logout"
printf 'auth required %s %s\naccount required pam_permit.so\nsession required pam_env.so readenv=0 user_readenv=0 conffile=%s\nsession required %s %s\n' \
	"$module" "$opts" "$tmp/pam_env-ref8.conf" "$module" "$opts" >"$tmp/svc-ref8/svc"
before=$(revokes)
flock "$pwlock" env LD_PRELOAD="$preload:$nsslib" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$tmp/svc-ref8" \
	PAM_WRAPPER_DEBUGLEVEL=2 NSS_WRAPPER_PASSWD="$tmp/nss/passwd" NSS_WRAPPER_GROUP="$tmp/nss/group" \
	"$pamrun" --session svc alice "$tmp/pw" >"$tmp/ref8.out" 2>"$tmp/ref8.err"
sed -n 's/.*SYSLOG([0-9]*): //p' "$tmp/ref8.err" >"$tmp/ref8.log"
[ "$(head -1 "$tmp/ref8.out")" = PAM_SUCCESS ] && [ "$(revokes)" = $((before + 1)) ] && [ -z "$(ls_refs)" ] \
	&& result ok "PAM_BEARER_LOGIN changed before open_session: the login's own reference still goes, the last close revokes" \
	|| result "not ok" "login reference with a changed PAM_BEARER_LOGIN" "revokes $before -> $(revokes); refs: $(ls_refs); $(cat "$tmp/ref8.out" "$tmp/ref8.log")"

[ $n = 63 ] || echo "# planned 63, ran $n"
finish
