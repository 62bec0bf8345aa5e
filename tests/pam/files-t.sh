#!/bin/sh
# files-t.sh: every file the module opens or creates as root, and what another
# user can do to it (TAP).  The module runs as root through real libpam (pamrun
# under pam_wrapper and nss_wrapper) under strace: a password login with
# session tokens and revoke_on_logout (search-then-bind, ldap_bindpw_file), a
# token login whose keys are fetched over HTTPS into a cache_dir the module
# creates, token logins against a local jwks file and an hmac_key_file, the
# account phase with require_claim, and use_session_token asked by the user.
# tests/pam/files-check.py reads the traces and checks every path the root
# process (not the helper after it became the user) opened, created, renamed,
# removed, chmod-ed, chown-ed or locked against the table below:
#   - a path not in the table fails: add it, with its policy;
#   - owner and mode as the table says; a file the table calls temporary is gone;
#   - only what the table allows is created; every O_CREAT has O_EXCL or
#     O_NOFOLLOW; every open the table marks, and every open in a directory
#     another user may write, has O_NOFOLLOW and is checked with fstat;
#   - no directory above it is writable by another user (but sticky /tmp);
#   - another user (uid 10001 for root's files, 10002 for alice's) cannot
#     open it for writing, nor for reading unless the table says "read", nor
#     lock it, rename or remove it, nor create a link beside it.
# Then the attacks alice can make in her own session directory: the token
# file as a symbolic link to a root-only file, and as a FIFO, read by the
# module as root (use_session_token and the account phase).
# Needs root, strace and setpriv; skipped otherwise.

. "$(dirname "$0")/../lib.sh"
. "$fixtures/tokensvc.sh"

[ "$(id -u)" = 0 ] || skip_all "the module must run as root"
need_pamrun
need_tools strace
# ptrace may be forbidden (a container without CAP_SYS_PTRACE).
strace -f -o /dev/null true 2>/dev/null || skip_all "strace cannot trace here"
# A sanitizer build preloads the ASan runtime, whose own files muddy the trace.
# shellcheck disable=SC2154 # asan comes from pamwrap.sh
[ -n "$asan" ] && skip_all "a sanitizer build"

tokensvc_scratch files
setpriv --reuid=10001 --regid=10001 --clear-groups sh -c "test -x '$helper' && test -r '$plugin' && test -r '$conf'" \
	|| skip_all "uid 10001 cannot reach the build tree ($top_builddir)"

run=$tmp/run		# session_cache_dir: the module creates it
keys=$tmp/keycache	# cache_dir for fetched keys: the module creates it
mkdir -m 755 "$tmp/cwd"	# pamrun's working directory (libldap reads ldaprc there)
printf '%s' "$password" >"$tmp/pw" && chmod 600 "$tmp/pw"
# The service account's password file, as an administrator would keep it.
cp "$LDAP_READER_PW_FILE" "$tmp/bindpw" && chmod 600 "$tmp/bindpw"
# An HMAC secret and a token signed with it; a root-only file to aim links at.
"$python" - "$tmp" <<'PY' || bail "minting the HS256 token failed"
import os, sys, time
import jwt
d = sys.argv[1]
key = os.urandom(64)
fd = os.open(d + "/hmac.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, key)
os.close(fd)
now = int(time.time())
tok = jwt.encode({"sub": "alice", "aud": "oauth2", "iat": now, "exp": now + 600, "scope": "openid sudo"},
                 key, algorithm="HS256")
open(d + "/hs.tok", "w").write(tok)
PY
printf '{"secret": "root only"}\n' >"$tmp/root-only" && chmod 600 "$tmp/root-only"
curl -s --cacert "$tmp/pki/ca.pem" -u testclient:testsecret --data-urlencode "username=alice" \
	--data-urlencode "password@$tmp/pw" -d grant_type=password --data-urlencode "scope=openid sudo" "$url/token" \
	| "$python" -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["access_token"])' >"$tmp/tok" \
	|| bail "no token from the emulator"

# The system calls that open, create, replace, remove, change or lock a
# file, the fstat that checks what was opened, and what tells the root
# process from the helper once it became the user.
syscalls=open,openat,openat2,creat,mkdir,mkdirat,mknod,mknodat,rename,renameat,renameat2,unlink,unlinkat,rmdir
syscalls=$syscalls,link,linkat,symlink,symlinkat,chmod,fchmod,fchmodat,chown,fchown,lchown,fchownat,truncate
syscalls=$syscalls,ftruncate,flock,fstat,newfstatat,statx,execve,clone,clone3,fork,vfork
syscalls=$syscalls,setuid,setreuid,setresuid,setfsuid

# traced NAME MODE ANSWER MODULE-OPTIONS...: pamrun MODE (--session,
# --account, or - for auth alone) as root under strace into $tmp/NAME.trace;
# the PAM service is auth (and session) with the module.  $caller: PAMRUN_RUID.
traced() {
	name=$1 mode=$2 answer=$3
	shift 3
	mkdir -p "$tmp/svc-$name"
	opts="config=$conf bearer_token=$tmp/bin/bearer-token session_cache_dir=$run metrics_file=$tmp/counters/metrics $*"
	printf 'auth required %s %s\naccount required %s %s\nsession required pam_permit.so\nsession required %s %s\n' \
		"$module" "$opts" "$module" "$opts" "$module" "$opts" >"$tmp/svc-$name/svc"
	[ "$mode" = - ] && mode=
	(cd "$tmp/cwd" && timeout 20 flock "$pwlock" strace -f -y -qq -s 1024 -e trace="$syscalls" -o "$tmp/$name.trace" \
		env LD_PRELOAD="$preload:$nsslib" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$tmp/svc-$name" \
		PAM_WRAPPER_DEBUGLEVEL=2 NSS_WRAPPER_PASSWD="$tmp/nss/passwd" NSS_WRAPPER_GROUP="$tmp/nss/group" \
		PAMRUN_RUID="${caller:-0}" "$pamrun" $mode svc alice "$answer" >"$tmp/$name.out" 2>"$tmp/$name.err")
	echo $? >"$tmp/$name.rc"
	sed -n 's/.*SYSLOG([0-9]*): //p' "$tmp/$name.err" >"$tmp/$name.log"
	echo "$name" >>"$tmp/traces"
}
check_run() {	# check_run NAME EXPECTED-FIRST-LINE WHAT
	if [ "$(head -1 "$tmp/$1.out")" = "$2" ]; then
		result ok "$3: $2"
	else
		result "not ok" "$3" "$(cat "$tmp/$1.rc" "$tmp/$1.out" "$tmp/$1.log"; tail -5 "$tmp/$1.err")"
	fi
}

ldap="ldap_uri=$LDAP_URI ldap_starttls ldap_ca_file=$LDAP_CA ldap_binddn=$LDAP_READER_DN ldap_bindpw_file=$tmp/bindpw ldap_base=$LDAP_BASE"
cache=$run/10001

# --- the logins, traced --------------------------------------------------------------------
traced password --session "$tmp/pw" $ldap obtain_tokens revoke_on_logout jwks=$state/jwks.json
check_run password PAM_SUCCESS "password login (search-then-bind), session tokens, revoke_on_logout"
grep -q "close PAM_SUCCESS" "$tmp/password.out" && [ ! -e "$cache/corp.json" ] && [ -d "$cache" ] \
	&& result ok "close_session revoked: $cache stays, its token file is gone" \
	|| result "not ok" "close_session with revoke_on_logout" "$(cat "$tmp/password.out" "$tmp/password.log")"
traced remote --session "$tmp/tok" obtain_tokens audience=oauth2 token_only jwks=$url/jwks.json \
	cache_dir=$keys ca_file=$tmp/pki/ca.pem
check_run remote PAM_SUCCESS "token login, keys fetched over HTTPS into a new cache_dir, the token kept for the session"
traced remote-warm - "$tmp/tok" audience=oauth2 token_only jwks=$url/jwks.json cache_dir=$keys ca_file=$tmp/pki/ca.pem
check_run remote-warm PAM_SUCCESS "token login again, keys from the cache"
# Files an earlier version left readable (0644): the key set is tightened,
# the lock file, which someone may hold open, replaced.
chmod 644 "$keys"/jwks-*.json "$keys"/jwks-*.lock
touch -d @1 "$keys"/jwks-*.json	# stale: the module takes the lock to fetch again
traced remote-old - "$tmp/tok" audience=oauth2 token_only jwks=$url/jwks.json cache_dir=$keys ca_file=$tmp/pki/ca.pem
check_run remote-old PAM_SUCCESS "token login with a stale key set and a lock file others could open"
grep -q "replacing $keys/jwks-.*lock: others may have it open" "$tmp/remote-old.log" \
	&& result ok "the lock file others could have open is replaced (logged)" \
	|| result "not ok" "lock file replaced" "$(cat "$tmp/remote-old.log")"
traced local - "$tmp/tok" audience=oauth2 token_only jwks=$state/jwks.json hmac_key_file=$tmp/hmac.key \
	algorithms=RS256,HS256
check_run local PAM_SUCCESS "token login, a local jwks file (hmac_key_file configured)"
traced hmac - "$tmp/hs.tok" audience=oauth2 token_only jwks=$state/jwks.json hmac_key_file=$tmp/hmac.key \
	algorithms=RS256,HS256
check_run hmac PAM_SUCCESS "HS256 token login, hmac_key_file"
traced account --account /dev/null obtain_tokens jwks=$state/jwks.json audience=oauth2 require_claim=scope=sudo
check_run account PAM_SUCCESS "account phase, require_claim=scope=sudo met by the session's token"
caller=10001 traced sudo - /dev/null token_only use_session_token session_token_only jwks=$state/jwks.json \
	audience=oauth2 require_claim=scope=sudo
unset caller
check_run sudo PAM_SUCCESS "use_session_token asked by alice herself (real uid 10001)"

# --- alice's attacks in her own session directory ------------------------------------------
# The token file as a link to a root-only file: not followed, refused.
mv "$cache/corp.json" "$tmp/corp.json.saved"
setpriv --reuid=10001 --regid=10001 --clear-groups ln -s "$tmp/root-only" "$cache/corp.json"
caller=10001 traced link-sudo - /dev/null token_only use_session_token session_token_only jwks=$state/jwks.json \
	audience=oauth2 require_claim=scope=sudo
unset caller
traced link-account --account /dev/null obtain_tokens jwks=$state/jwks.json audience=oauth2 require_claim=scope=sudo
for t in link-sudo link-account; do
	if [ "$(head -1 "$tmp/$t.out")" != PAM_SUCCESS ] && grep -q "symbolic link" "$tmp/$t.log" \
		&& grep -q "\"corp.json\", [A-Z_|]*O_NOFOLLOW[A-Z_|]*) = -1 ELOOP" "$tmp/$t.trace" \
		&& ! grep -q "\"$tmp/root-only\".* = [0-9]" "$tmp/$t.trace"; then
		result ok "$t: corp.json a link to a root-only file: refused (ELOOP), the target never opened"
	else
		result "not ok" "$t: linked token file" "$(cat "$tmp/$t.out" "$tmp/$t.log"; grep corp.json "$tmp/$t.trace")"
	fi
done
rm -f "$cache/corp.json"
# The token file as a FIFO no one writes to: the module must not wait on it.
setpriv --reuid=10001 --regid=10001 --clear-groups mkfifo -m 600 "$cache/corp.json"
caller=10001 traced fifo-sudo - /dev/null token_only use_session_token session_token_only jwks=$state/jwks.json \
	audience=oauth2 require_claim=scope=sudo
unset caller
traced fifo-account --account /dev/null obtain_tokens jwks=$state/jwks.json audience=oauth2 require_claim=scope=sudo
for t in fifo-sudo fifo-account; do
	if [ "$(cat "$tmp/$t.rc")" = 0 ] && [ "$(head -1 "$tmp/$t.out")" != PAM_SUCCESS ] \
		&& grep -q "not a regular file" "$tmp/$t.log"; then
		result ok "$t: corp.json a FIFO: refused at once (not a regular file), no wait"
	else
		result "not ok" "$t: FIFO token file (rc 124 = hung)" "$(cat "$tmp/$t.rc" "$tmp/$t.out" "$tmp/$t.log")"
	fi
done
rm -f "$cache/corp.json"
mv "$tmp/corp.json.saved" "$cache/corp.json"

# --- every file the root process touched, against the table ----------------------------------
# One row per file the module may open or create as root.  Columns:
#   PATH     a pattern: * is any run of characters but /; $TMP, $RUN (session_cache_dir),
#            $KEYS (cache_dir), $STATE (the authority's), $LDAP (slapd's), $BUILD (top
#            build directory), $CWD (pamrun's working directory), $HOME (root's)
#   OWNER    root, or alice (the user logging in, uid 10001)
#   MODE     exact (0700), or at most (<=0644: no permission bit beyond these)
#   CREATE   no; or how root may create it: mkdir, open (O_CREAT, with O_EXCL or
#            O_NOFOLLOW), tmp (created O_EXCL and renamed or removed: gone after
#            the run), rename (renamed onto this name); several with commas
#   NOFOLLOW yes: every open of it must carry O_NOFOLLOW (and be checked with
#            fstat); no: it is opened by a library (libldap, OpenSSL, dlopen) by name
#   OTHERS   what another user may do: none, or read (open for reading, list a
#            directory).  Writing, locking, renaming, removing it, or adding a name
#            beside it, is never allowed.
# A file outside the table fails the test: add a row with its policy (and,
# if the module creates it, say so in DESIGN.md's security rules).
cat >"$tmp/policy" <<'TABLE'
# PATH                          OWNER  MODE     CREATE        NOFOLLOW OTHERS  WHAT
$TMP/pam_bearer.conf            root   <=0644   no            yes      read    the configuration (config=)
$STATE/jwks.json                root   <=0644   no            yes      read    a local key file (jwks=)
$TMP/hmac.key                   root   0600     no            yes      none    hmac_key_file
$TMP/bindpw                     root   0600     no            yes      none    ldap_bindpw_file
$LDAP/ca.pem                    root   <=0644   no            no       read    ldap_ca_file, read by libldap/OpenSSL
$TMP/pki/ca.pem                 root   <=0644   no            no       read    ca_file, read by libcurl/OpenSSL
$BUILD/pam/.libs/pam_bearer*.so root   <=0755   no            no       read    the module and its plugins (dlopen)
$CWD/ldaprc                     root   <=0644   no            no       read    libldap's own rc file (read when uid = euid)
$HOME/ldaprc                    root   <=0644   no            no       read    libldap's own rc file (root's HOME here)
$HOME/.ldaprc                   root   <=0644   no            no       read    libldap's own rc file (root's HOME here)
$KEYS                           root   0700     mkdir         no       none    cache_dir, created by the module
$KEYS/jwks-*.json               root   0600     rename        yes      none    a fetched key set
$KEYS/jwks-*.json.??????        root   0600     tmp           yes      none    ... written under a temporary name (mkstemp)
$KEYS/jwks-*.lock               root   0600     open,rename   yes      none    the fetch lock (flock); replaced if others could open it
$KEYS/jwks-*.lock.??????        root   0600     tmp           yes      none    ... its replacement (mkostemp)
$KEYS/jwks-*.state              root   0600     rename        yes      none    back-off, Retry-After and validators (issue 15)
$KEYS/jwks-*.state.??????       root   0600     tmp           yes      none    ... written under a temporary name (mkostemp)
$RUN                            root   0755     mkdir         no       read    session_cache_dir
$RUN/10001                      alice  0700     mkdir         no       none    the user's session directory (created, then chowned)
$RUN/10001/corp.json            alice  0600     no            yes      none    the session token, read by root (use_session_token, account)
$TMP/counters                   root   0755     mkdir         no       read    metrics_file's directory, created by the module
$TMP/counters/metrics           root   0644     rename        yes      read    the host-wide counters (metrics_file), mapped shared
$TMP/counters/.metrics.*.tmp    root   0644     tmp           yes      read    ... written whole under a temporary name
$RUN/sessions                   root   0700     mkdir         yes      none    the session references, root's only
$RUN/sessions/10001             root   0700     mkdir         yes      none    ... the user's (flock: their lock)
$RUN/sessions/10001/*           root   0600     tmp           yes      none    ... one per login or session, gone at its end
TABLE

"$python" "$srcdir/tests/pam/files-check.py" --start "$n" --policy "$tmp/policy" --pamrun "$pamrun" \
	--var TMP="$tmp" --var RUN="$run" --var KEYS="$keys" --var STATE="$state" --var LDAP="$SLAPD_DIR" \
	--var BUILD="$top_builddir" --var CWD="$tmp/cwd" --var HOME="${HOME:-/root}" \
	--ignore "$tmp/svc-*" --ignore "$tmp/nss/*" --ignore "$tmp/pw" --ignore "$tmp/tok" --ignore "$tmp/hs.tok" \
	--ignore "$pamrun" --ignore "$tmp/cwd" --ignore "$pwlib" --ignore "$nsslib" \
	--user 10001 --user-name alice --other 10002 \
	$(sed 's|^|'"$tmp"'/|; s|$|.trace|' "$tmp/traces") >"$tmp/check.tap"
rc=$?
cat "$tmp/check.tap"
checked=$(grep -c '^\(not \)\?ok ' "$tmp/check.tap")
nfail=$(grep -c '^not ok ' "$tmp/check.tap")
n=$((n + checked)) failed=$((failed + nfail))
[ $rc = 0 ] || [ $nfail -gt 0 ] || result "not ok" "files-check.py exited $rc"
echo "1..$n"
finish
