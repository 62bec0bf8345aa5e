#!/bin/sh
# ssh-sudo-t.sh: pam_bearer end to end, through the real sshd and sudo (TAP).
# The same features as tests/pam/session-t.sh, but with OpenSSH's
# keyboard-interactive PAM conversation, ssh's askpass and sudo -S in front
# of the module.  Everything runs in a private mount namespace (the script
# re-executes itself under unshare -m): /run and /dev are private tmpfs,
# /etc/passwd, group, shadow, sudoers and pam.d are bind-mounted copies, and
# a small Python listener on the namespace's /dev/log collects the module's
# log lines.  The host's /etc, /run and /dev are never written.  Needs root,
# sshd, ssh, sudo, sshpass, unshare, setpriv; skipped otherwise.
#
#   ssh (sshd: UsePAM, keyboard-interactive only, obtain_tokens,
#   revoke_on_logout):
#    1. alice's LDAP password logs in; in the session BEARER_TOKEN_CACHE is
#       set and bearer-token get prints a token the authority accepts as her;
#    2. at logout close_session revokes it at the authority;
#    3. a wrong password is refused;
#    4. a token login through bearer-token-askpass (SSH_ASKPASS), in parts;
#    5. bob's token and 6. an expired token are refused;
#    7. a 3 KiB token logs in, in parts, through bearer-token-askpass;
#    8. a token cut at 1,023 bytes (in its signature) is refused and the log
#       says so; 9. the same cut in the payload of a 4 KiB token (one dot:
#       never tried as an LDAP password, and named as cut too);
#   sudo (pam_service=sudo-bearer, sudo -S, as alice):
#   10. the session token of an ssh login (without revoke) with scope sudo;
#   11. require_claim=scope=admin refuses it;
#   12. a session token file replaced by a symbolic link is refused;
#   13. without use_session_token, a token pasted in parts on sudo's stdin;
#   14. a session token file owned by someone else is refused;
#   15. sudo -n (noninteractive_auth) by the session token; 16. sudo -n
#       where a token would have to be typed fails at once, no hang;
#   17. a 4 KiB token pasted on sudo -S in 400-byte parts;
#   and after 10, mallory's sudo -u alice under targetpw and mallory's su alice:
#       alice's valid session token is refused (not-owner: only alice asking
#       for herself).
#   sessions that share one store (sshd with pam_loginuid, revoke_on_logout):
#   20. two sessions: one password grant, one token, two references of
#       root's named by audit session; 21. the first logout revokes nothing
#       and the second session's token still works at the authority; 22. the
#       last logout revokes; 23. a session whose sshd process is killed -9
#       leaves its reference behind, and 24. the other session's logout,
#       now the last, prunes it and revokes; 25. 20 more password logins
#       while a session holds the store cost no password grant; 26. a token
#       login with a usable store leaves it unchanged; 27. the last revokes.
#   device login (device_login, the emulator's RFC 8628 endpoints, ssh on a
#   pseudo-terminal driven by tests/e2e/ssh-device.py):
#   28. the URL, code and QR code arrive in the keyboard-interactive prompt;
#       approved by alice, the session holds her token; 29. slow_down obeyed;
#   30. approved by bob: refused; 31. never approved: refused at
#       device_timeout; 32. sudo -n: refused at once, no code asked for;
#   33. no poll ever sooner than the interval;
#   against glewlwyd (tests/fixtures/glewlwyd.py; skipped without it):
#   34. approved by alice, the session's token is accepted by glewlwyd's
#       userinfo; 35. approved by bob: refused; 36. glewlwyd, which checks
#       the interval itself, never answered slow_down.
#
# Run from the build directory:
#   abs_top_builddir=$PWD abs_top_srcdir=$PWD/.. sh ../tests/e2e/ssh-sudo-t.sh

. "$(dirname "$0")/../lib.sh"
sshd=/usr/sbin/sshd
secdir=/lib/x86_64-linux-gnu/security

if [ "${PB_E2E_NS:-}" != inside ]; then
	[ "$(id -u)" = 0 ] || skip_all "needs root (a private mount namespace, sshd, becoming alice)"
	[ -x "$sshd" ] || skip_all "$sshd not installed"
	for p in ssh ssh-keygen sudo sshpass unshare setpriv setsid curl; do
		command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
	done
	[ -u "$(command -v sudo)" ] || skip_all "sudo is not setuid"
	[ -f "$module" ] && [ -x "$helper" ] && [ -f "$plugin" ] || skip_all "the module or the helper is not built"
	[ -f "$secdir/pam_deny.so" ] && [ -f "$secdir/pam_permit.so" ] || skip_all "pam_deny.so or pam_permit.so not in $secdir"
	"$python" -c 'import jwt, cryptography' 2>/dev/null || skip_all "$python lacks jwt or cryptography"
	setpriv --reuid=10001 --regid=10001 --clear-groups sh -c "test -x '$helper' && test -r '$plugin' && test -r '$module'" \
		2>/dev/null || skip_all "uid 10001 cannot reach the build tree ($top_builddir)"
	unshare -m --propagation private true 2>/dev/null || skip_all "unshare -m is not permitted here"
	# sshd and sudo are not built with ASan: they cannot load a module that is.
	ldd "$module" 2>/dev/null | grep -q libasan && skip_all "sanitizer build (sshd and sudo cannot load an ASan module)"
	# shellcheck disable=SC2093 # the script runs again, inside
	PB_E2E_NS=inside exec unshare -m --propagation private /bin/sh "$0" "$@"
fi

# --- inside the private mount namespace -----------------------------------------------
scratch ssh-sudo /tmp
chmod 755 "$tmp"
pids=
sshd_pid=
at_exit '[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null'
at_exit 'for p in $pids; do kill "$p" 2>/dev/null; done'
at_exit 'sh "$fixtures/slapd.sh" stop "$tmp/slapd" >/dev/null 2>&1'

# /run: private, with sshd's privilege separation directory.
mount -t tmpfs -o mode=755 pb-run /run || bail "cannot mount a tmpfs on /run"
mkdir -m 755 /run/sshd

# /dev: a private tmpfs holding bind mounts of the few nodes needed, and the
# listener's /dev/log; built aside, then moved over /dev.
mkdir "$tmp/dev"
mount -t tmpfs -o mode=755 pb-dev "$tmp/dev" || bail "cannot mount a tmpfs for /dev"
for node in null zero full random urandom tty; do
	[ -e "/dev/$node" ] || continue
	: >"$tmp/dev/$node"
	mount --bind "/dev/$node" "$tmp/dev/$node" || bail "cannot bind /dev/$node"
done
mkdir "$tmp/dev/pts" "$tmp/dev/shm"
# sshpass needs a pseudo-terminal: a devpts instance of the namespace's own.
ttygid=$(getent group tty | cut -d: -f3)
mount -t devpts -o "newinstance,ptmxmode=0666,mode=0620${ttygid:+,gid=$ttygid}" pb-devpts "$tmp/dev/pts" \
	|| bail "cannot mount a devpts instance"
ln -s pts/ptmx "$tmp/dev/ptmx"
mount -t tmpfs -o mode=1777 pb-shm "$tmp/dev/shm"
ln -s /proc/self/fd "$tmp/dev/fd"
ln -s /proc/self/fd/0 "$tmp/dev/stdin"
ln -s /proc/self/fd/1 "$tmp/dev/stdout"
ln -s /proc/self/fd/2 "$tmp/dev/stderr"
mount --move "$tmp/dev" /dev || bail "cannot move the private /dev into place"
rmdir "$tmp/dev"

# The syslog listener: one line per datagram.
syslog=$tmp/syslog.log
"$python" - /dev/log "$syslog" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(d.replace(b"\n", b" ").rstrip(b"\0") + b"\n")
PY
pids="$pids $!"

# LDAP, the authority (emulator), the CA.
. "$fixtures/tokensvc.sh"
tokensvc_start
pids="$pids $emulator_pid"
printf '%s' "$(cat "$LDAP_PW_DIR/alice.pw")" >"$tmp/pw"
chmod 600 "$tmp/pw"

# Private copies of the account files with alice (uid 10001).
mkdir -m 700 "$tmp/home" && chown 10001:10001 "$tmp/home"
mkdir "$tmp/etc"
grep -v '^alice:' /etc/passwd >"$tmp/etc/passwd"
printf 'alice:x:10001:10001:Alice:%s:/bin/sh\n' "$tmp/home" >>"$tmp/etc/passwd"
printf 'mallory:x:10003:10003:Mallory:/nonexistent:/bin/sh\n' >>"$tmp/etc/passwd"
grep -v '^alice:' /etc/group >"$tmp/etc/group"
printf 'alice:x:10001:\nmallory:x:10003:\n' >>"$tmp/etc/group"
grep -v '^alice:' /etc/shadow >"$tmp/etc/shadow"
printf 'alice:*:20000:0:99999:7:::\nmallory:*:20000:0:99999:7:::\n' >>"$tmp/etc/shadow"
chmod 644 "$tmp/etc/passwd" "$tmp/etc/group"
chmod 640 "$tmp/etc/shadow"
chown root:"$(stat -c %g /etc/shadow)" "$tmp/etc/shadow"
cat >"$tmp/etc/sudoers" <<'SUDOERS'
Defaults pam_service=sudo-bearer
Defaults timestamp_timeout=0
Defaults passwd_tries=1
Defaults !lecture
Defaults !mail_badpass
Defaults !mail_no_user
Defaults !mail_no_perms
Defaults !use_pty
Defaults noninteractive_auth
Defaults env_reset
root ALL=(ALL:ALL) ALL
alice ALL=(ALL) ALL
Defaults:mallory targetpw
mallory ALL=(alice) ALL
SUDOERS
chmod 440 "$tmp/etc/sudoers"
cp -a /etc/pam.d "$tmp/etc/pam.d"
for f in passwd group shadow sudoers pam.d; do
	mount --bind "$tmp/etc/$f" "/etc/$f" || bail "cannot bind /etc/$f"
done
[ "$(id -u alice 2>/dev/null)" = 10001 ] || bail "alice is not uid 10001 in the namespace"

ln -s "$helper" "$tmp/bin/bearer-token-askpass"
# An askpass that answers with the file $ANSWER, whatever the prompt.
printf '#!/bin/sh\nexec cat "$ANSWER"\n' >"$tmp/bin/cat-askpass"
chmod 755 "$tmp/bin/cat-askpass"

# A 3 KiB token signed by a key of its own; the module trusts both key sets.
"$python" - "$tmp" "$url" "$state/jwks.json" <<'PY' || bail "minting the long token failed"
import json, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
d, url, emu = sys.argv[1:4]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
jwk.update(kid="long", alg="RS256", use="sig")
keys = json.load(open(emu))["keys"] + [jwk]
open(d + "/jwks.json", "w").write(json.dumps({"keys": keys}))
now = int(time.time())
claims = {"iss": url, "sub": "alice", "aud": "oauth2", "iat": now, "nbf": now, "exp": now + 600,
          "scope": "openid sudo", "groups": ["group-%04d-with-a-long-name" % i for i in range(90)]}
tok = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "long"})
open(d + "/long.tok", "w").write(tok)
open(d + "/long.cut", "w").write(tok[:1023])
# About 1.2 KiB: ssh's cut at 1,023 bytes falls in the signature.
for n in range(40):
    claims["groups"] = ["group-%04d-with-a-long-name" % i for i in range(n)]
    mid = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "long"})
    if len(mid) > 1100 and mid.rindex(".") < 1000:
        break
else:
    sys.exit("no medium token")
open(d + "/medium.cut", "w").write(mid[:1023])
PY
chmod 644 "$tmp/jwks.json"
long_len=$(wc -c <"$tmp/long.tok")

common="config=$conf session_cache_dir=/run/bearer-token ldap_uri=$LDAP_URI ldap_starttls ldap_ca_file=$LDAP_CA ldap_user_dn=uid=%u,$LDAP_PEOPLE jwks=$tmp/jwks.json issuer=$url audience=oauth2"
# sshd_pam EXTRA-SESSION-OPTIONS: the sshd service (re-read per connection).
sshd_pam() {
	cat >/etc/pam.d/sshd <<PAM
auth sufficient $module $common obtain_tokens bearer_token=$tmp/bin/bearer-token
auth requisite $secdir/pam_deny.so
account required $secdir/pam_permit.so
session optional $module $common obtain_tokens bearer_token=$tmp/bin/bearer-token $*
session required $secdir/pam_permit.so
PAM
}
# sudo_pam OPTIONS: the sudo-bearer service.
sudo_pam() {
	cat >/etc/pam.d/sudo-bearer <<PAM
auth sufficient $module $common $*
auth requisite $secdir/pam_deny.so
account required $secdir/pam_permit.so
session required $secdir/pam_permit.so
PAM
}
sshd_pam revoke_on_logout
sudo_pam token_only

# sshd on a free loopback port.
sshport=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key" >/dev/null || bail "ssh-keygen failed"
cat >"$tmp/sshd_config" <<CFG
Port $sshport
ListenAddress 127.0.0.1
HostKey $tmp/host_key
PidFile $tmp/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
HostbasedAuthentication no
AuthorizedKeysFile none
PermitRootLogin no
AllowUsers alice
UseDNS no
LogLevel VERBOSE
MaxAuthTries 3
CFG
"$sshd" -t -f "$tmp/sshd_config" >"$tmp/sshd-t.err" 2>&1 || bail "sshd -t: $(cat "$tmp/sshd-t.err")"
"$sshd" -D -f "$tmp/sshd_config" -E "$tmp/sshd.log" &
sshd_pid=$!
"$python" - "$sshport" <<'PY' || bail "sshd does not answer: $(cat "$tmp/sshd.log")"
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY

mkdir -m 700 "$tmp/roothome"
sshopts="-F /dev/null -T -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null
	-o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 -o LogLevel=ERROR
	-p $sshport alice@127.0.0.1"
# ssh_pw PASSWORD-FILE NAME CMD: a password login through sshpass.
ssh_pw() {
	HOME=$tmp/roothome timeout 30 sshpass -f "$1" ssh $sshopts "$3" >"$tmp/$2.out" 2>"$tmp/$2.err" </dev/null
}
# ssh_ask ASKPASS CACHE-OR-ANSWER NAME CMD: a login with the answers from an
# askpass program, without a terminal.
ssh_ask() {
	HOME=$tmp/roothome DISPLAY= SSH_ASKPASS="$1" SSH_ASKPASS_REQUIRE=force BEARER_TOKEN_PLUGIN="$plugin" \
		BEARER_TOKEN_CACHE="$2" BEARER_TOKEN_CONFIG="$conf" ANSWER="$2" \
		timeout 30 setsid -w ssh $sshopts "$4" >"$tmp/$3.out" 2>"$tmp/$3.err" </dev/null
}
whoami() {
	printf 'Authorization: Bearer %s\n' "$1" | curl -s -o "$tmp/whoami.json" -w '%{http_code}' --cacert "$tmp/pki/ca.pem" -H @- "$url/api/whoami"
}
revokes() { c=$(grep -c -F "oauth2 revoke POST /revoke 200" "$log" 2>/dev/null); echo "${c:-0}"; }
# grant USER PW-FILE OUT: an access token (scope openid sudo) by password grant.
grant() {
	curl -s --cacert "$tmp/pki/ca.pem" -u testclient:testsecret --data-urlencode "username=$1" \
		--data-urlencode "password@$2" -d grant_type=password --data-urlencode "scope=openid sudo" "$url/token" \
		| "$python" -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["access_token"])' >"$3"
}
# rootcache NAME TOKEN-FILE: a root-side cache holding the token, for askpass.
rootcache() {
	mkdir -m 700 "$tmp/$1"
	BEARER_TOKEN_PLUGIN="$plugin" BEARER_TOKEN_CACHE="$tmp/$1" "$helper" store --config "$conf" --user alice <"$2" \
		2>"$tmp/$1.err"
}
# as_alice_sudo NAME [STDIN-FILE]: sudo -S -k true as alice.
as_alice_sudo() {
	timeout 30 setpriv --reuid=10001 --regid=10001 --init-groups env -i PATH=/usr/bin:/bin HOME="$tmp/home" \
		sudo -S -k true <"${2:-/dev/null}" >"$tmp/$1.out" 2>"$tmp/$1.err"
}
syslog_since() { tail -c +"$(($1 + 1))" "$syslog" 2>/dev/null; }
mark() { wc -c <"$syslog" 2>/dev/null || echo 0; }
# logged MARK PATTERN: the pattern is in a log line after the mark (the
# listener may lag a little: up to 3 s).
logged() {
	i=0
	until syslog_since "$1" | grep -q -- "$2"; do
		[ $i -ge 30 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
remote_get="echo LOGGED-IN; echo cache=\$BEARER_TOKEN_CACHE; BEARER_TOKEN_PLUGIN=$plugin $helper get"

echo "1..36"

# --- 1. a password login over ssh --------------------------------------------------------
# The session stays open (until $tmp/release appears) while the token is
# checked: at logout it is revoked.
before=$(revokes)
ssh_pw "$tmp/pw" pw "$remote_get; i=0; while [ ! -e $tmp/release ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done" &
sshbg=$!
i=0
while [ -z "$(sed -n 3p "$tmp/pw.out" 2>/dev/null)" ] && kill -0 $sshbg 2>/dev/null && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
token=$(sed -n 3p "$tmp/pw.out")
code=$(whoami "$token")
: >"$tmp/release"
wait $sshbg
rc=$?
if [ $rc = 0 ] && grep -qx "cache=/run/bearer-token/10001" "$tmp/pw.out" && [ "$code" = 200 ] \
	&& grep -q '"sub": *"alice"' "$tmp/whoami.json" && logged 0 "session tokens: obtained for alice" \
	&& ! grep -qF "$(cat "$tmp/pw")" "$syslog" "$tmp/sshd.log"; then
	result ok "ssh with alice's LDAP password: BEARER_TOKEN_CACHE in the session, bearer-token get's token is alice's at /api/whoami"
else
	result "not ok" "ssh password login" "rc=$rc whoami=$code $(cat "$tmp/pw.out" "$tmp/pw.err" "$tmp/whoami.json" 2>/dev/null)"
fi

# --- 2. revoke_on_logout ----------------------------------------------------------------
i=0
while [ "$(revokes)" -le "$before" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
code=$(whoami "$token")
if [ "$(revokes)" -gt "$before" ] && [ "$code" = 401 ] && [ ! -e /run/bearer-token/10001/corp.json ]; then
	result ok "after the ssh command exits, close_session revokes at the authority (/revoke 200) and whoami refuses the token"
else
	result "not ok" "revoke at logout" "revokes $before -> $(revokes), whoami=$code; $(grep 'session tok' "$syslog")"
fi

# --- 3. a wrong password ----------------------------------------------------------------
printf 'not-her-password' >"$tmp/wrongpw"
m=$(mark)
ssh_pw "$tmp/wrongpw" wrong "echo LOGGED-IN"
rc=$?
[ $rc != 0 ] && ! grep -q LOGGED-IN "$tmp/wrong.out" && logged "$m" "rejected: bad-password" \
	&& result ok "a wrong password is refused (exit $rc)" \
	|| result "not ok" "wrong password" "rc=$rc $(cat "$tmp/wrong.out" "$tmp/wrong.err")"

# --- 4. a token login through bearer-token-askpass --------------------------------------
grant alice "$tmp/pw" "$tmp/alice.tok" || bail "no token for alice"
rootcache askcache "$tmp/alice.tok" || bail "bearer-token store: $(cat "$tmp/askcache.err")"
ssh_ask "$tmp/bin/bearer-token-askpass" "$tmp/askcache" tok "$remote_get"
rc=$?
if [ $rc = 0 ] && grep -q LOGGED-IN "$tmp/tok.out" && [ "$(sed -n 3p "$tmp/tok.out")" = "$(cat "$tmp/alice.tok")" ]; then
	result ok "a token login via SSH_ASKPASS=bearer-token-askpass ($(wc -c <"$tmp/alice.tok") bytes); the session keeps that token"
else
	result "not ok" "token login via askpass" "rc=$rc $(cat "$tmp/tok.out" "$tmp/tok.err")"
fi

# --- 5. someone else's token; 6. an expired token -------------------------------------
grant bob "$LDAP_PW_DIR/bob.pw" "$tmp/bob.tok" || bail "no token for bob"
# refused NAME REASON WHAT: alice's ssh login with the token in $tmp/NAME.tok
# fails, and the module logs "rejected: REASON".
refused() {
	m=$(mark)
	ssh_ask "$tmp/bin/cat-askpass" "$tmp/$1.tok" "$1" "echo LOGGED-IN"
	rc=$?
	[ $rc != 0 ] && ! grep -q LOGGED-IN "$tmp/$1.out" && [ -s "$tmp/$1.tok" ] && logged "$m" "rejected: $2" \
		&& result ok "$3 is refused ($(syslog_since "$m" | grep -o 'rejected: [a-z-]*' | head -1))" \
		|| result "not ok" "$3" "rc=$rc $(cat "$tmp/$1.out")"
}
refused bob user-mismatch "bob's token for alice"
echo -60 >"$state/access-ttl"
grant alice "$tmp/pw" "$tmp/expired.tok"
rm -f "$state/access-ttl"
refused expired expired "an expired token"

# --- 7. a 3 KiB token in parts -------------------------------------------------------------
rootcache longcache "$tmp/long.tok" || bail "bearer-token store (long): $(cat "$tmp/longcache.err")"
ssh_ask "$tmp/bin/bearer-token-askpass" "$tmp/longcache" long "$remote_get"
rc=$?
if [ $rc = 0 ] && [ "$(sed -n 3p "$tmp/long.out")" = "$(cat "$tmp/long.tok")" ]; then
	result ok "a $long_len-byte token logs in over ssh in parts through bearer-token-askpass"
else
	result "not ok" "long token in parts" "rc=$rc $(cat "$tmp/long.out" "$tmp/long.err"; tail -5 "$syslog")"
fi

# --- 8. tokens cut at 1,023 bytes ---------------------------------------------------------------
m=$(mark)
ssh_ask "$tmp/bin/cat-askpass" "$tmp/medium.cut" cut "echo LOGGED-IN"
rc=$?
if [ $rc != 0 ] && ! grep -q LOGGED-IN "$tmp/cut.out" && logged "$m" "exactly 1023 bytes, where ssh cuts"; then
	result ok "a token cut at 1,023 bytes (in its signature) is refused, and the log names the truncation"
else
	result "not ok" "token cut in its signature" "rc=$rc $(syslog_since "$m")"
fi
# Cut in its payload, the token has one dot: still a token, never an LDAP
# password, and named as cut.
m=$(mark)
ssh_ask "$tmp/bin/cat-askpass" "$tmp/long.cut" cut2 "echo LOGGED-IN"
rc=$?
if [ $rc != 0 ] && ! grep -q LOGGED-IN "$tmp/cut2.out" && logged "$m" "exactly 1023 bytes, where ssh cuts" \
	&& ! syslog_since "$m" | grep -q "password"; then
	result ok "a token cut at 1,023 bytes in its payload is refused as a token (not tried on LDAP), and the log names the truncation"
else
	result "not ok" "token cut in its payload" "rc=$rc $(syslog_since "$m")"
fi

# --- 10-13. sudo --------------------------------------------------------------------------
sshd_pam	# no revoke_on_logout: the session token stays for sudo
ssh_pw "$tmp/pw" pw2 "echo LOGGED-IN"
cache=/run/bearer-token/10001
[ -f "$cache/corp.json" ] || echo "# no session cache after the second password login: $(cat "$tmp/pw2.out" "$tmp/pw2.err")"
sudo_opts="token_only use_session_token session_token_only"
sudo_pam $sudo_opts require_claim=scope=sudo
m=$(mark)
as_alice_sudo sudo
rc=$?
[ $rc = 0 ] && logged "$m" "session token: $cache/corp.json of alice" \
	&& result ok "sudo -S by the session token of an ssh login (scope sudo), no prompt" \
	|| result "not ok" "sudo by session token" "rc=$rc $(cat "$tmp/sudo.err"; syslog_since "$m")"

# Someone else asking for alice: sudo with targetpw, and su.  alice's session
# token is valid, but it authorises only alice asking for herself.
m=$(mark)
timeout 30 setpriv --reuid=10003 --regid=10003 --init-groups env -i PATH=/usr/bin:/bin \
	sudo -S -k -u alice true </dev/null >"$tmp/sudo-targetpw.out" 2>"$tmp/sudo-targetpw.err"
rc=$?
[ $rc != 0 ] && logged "$m" "rejected: not-owner: .*real uid is 10003 (user alice" \
	&& ! syslog_since "$m" | grep -q "session token: $cache" \
	&& result ok "mallory's sudo -u alice under targetpw: alice's session token refused (not-owner), never read" \
	|| result "not ok" "sudo targetpw by session token" "rc=$rc $(cat "$tmp/sudo-targetpw.err"; syslog_since "$m")"
cat >/etc/pam.d/su <<PAM
auth sufficient $module $common $sudo_opts require_claim=scope=sudo
auth requisite $secdir/pam_deny.so
account required $secdir/pam_permit.so
session required $secdir/pam_permit.so
PAM
m=$(mark)
timeout 30 setpriv --reuid=10003 --regid=10003 --init-groups env -i PATH=/usr/bin:/bin \
	su alice -c true </dev/null >"$tmp/su.out" 2>"$tmp/su.err"
rc=$?
[ $rc != 0 ] && logged "$m" "rejected: not-owner: .*real uid is 10003 (user alice" \
	&& result ok "mallory's su alice: alice's session token refused (not-owner)" \
	|| result "not ok" "su by session token" "rc=$rc $(cat "$tmp/su.err"; syslog_since "$m")"

sudo_pam $sudo_opts require_claim=scope=admin
m=$(mark)
as_alice_sudo sudo-admin
rc=$?
[ $rc != 0 ] && logged "$m" "rejected: required-claim" \
	&& result ok "sudo with require_claim=scope=admin: refused (rejected: required-claim)" \
	|| result "not ok" "sudo without the scope" "rc=$rc $(cat "$tmp/sudo-admin.err"; syslog_since "$m")"

sudo_pam $sudo_opts require_claim=scope=sudo
linked=no
cp "$cache/corp.json" "$tmp/elsewhere.json" && chown 10001 "$tmp/elsewhere.json" \
	&& mv "$cache/corp.json" "$cache/corp.json.real" && ln -s "$tmp/elsewhere.json" "$cache/corp.json" && linked=yes
m=$(mark)
as_alice_sudo sudo-link
rc=$?
[ $linked = yes ] && rm -f "$cache/corp.json" && mv "$cache/corp.json.real" "$cache/corp.json"
[ $rc != 0 ] && [ "$linked" = yes ] && logged "$m" "session token: refused: .*symbolic link" \
	&& result ok "sudo with the session token file replaced by a symbolic link: refused" \
	|| result "not ok" "symlinked session token" "rc=$rc $(cat "$tmp/sudo-link.err"; syslog_since "$m")"

# A pasted token, in parts of 400 bytes (sudo refuses answers of 512 or more).
sudo_pam token_only require_claim=scope=sudo
grant alice "$tmp/pw" "$tmp/sudo.tok"
"$python" - "$tmp/sudo.tok" "$tmp/sudo.parts" <<'PY'
import sys
tok = open(sys.argv[1]).read()
parts = [tok[i:i + 400] for i in range(0, len(tok), 400)]
open(sys.argv[2], "w").write("".join(p + ("\\\n" if i < len(parts) - 1 else "\n") for i, p in enumerate(parts)))
PY
nparts=$(wc -l <"$tmp/sudo.parts")
m=$(mark)
as_alice_sudo sudo-paste "$tmp/sudo.parts"
rc=$?
[ $rc = 0 ] && [ "$nparts" -ge 2 ] && ! syslog_since "$m" | grep -q "session token:" \
	&& result ok "without use_session_token, a $(wc -c <"$tmp/sudo.tok")-byte token pasted on sudo -S in $nparts parts works" \
	|| result "not ok" "pasted token in parts" "rc=$rc parts=$nparts $(cat "$tmp/sudo-paste.err"; syslog_since "$m")"

# A session token file that is not alice's.
sudo_pam $sudo_opts require_claim=scope=sudo
ssh_pw "$tmp/pw" pw3 "echo LOGGED-IN"
chown 0 "$cache/corp.json"
m=$(mark)
as_alice_sudo sudo-owner
rc=$?
chown 10001 "$cache/corp.json"
[ $rc != 0 ] && logged "$m" "belongs to uid 0, not to uid 10001" \
	&& result ok "sudo with a session token file owned by someone else: refused" \
	|| result "not ok" "foreign session token file" "rc=$rc $(syslog_since "$m")"

# sudo -n (noninteractive_auth): the session token needs no prompt; without
# one, the module cannot ask and sudo fails at once instead of hanging.
as_sudo_n() {
	timeout 30 setpriv --reuid=10001 --regid=10001 --init-groups env -i PATH=/usr/bin:/bin HOME="$tmp/home" \
		sudo -n -k true </dev/null >"$tmp/$1.out" 2>"$tmp/$1.err"
}
as_sudo_n sudo-n
rc=$?
[ $rc = 0 ] && result ok "sudo -n by the session token: no terminal, no prompt, allowed" \
	|| result "not ok" "sudo -n by session token" "rc=$rc $(cat "$tmp/sudo-n.err")"
sudo_pam token_only require_claim=scope=sudo
start=$(date +%s)
as_sudo_n sudo-n-none
rc=$?
took=$(($(date +%s) - start))
[ $rc != 0 ] && [ $rc != 124 ] && [ $took -lt 10 ] \
	&& result ok "sudo -n where a token would have to be typed: refused at once (${took} s), no hang" \
	|| result "not ok" "sudo -n without a session token" "rc=$rc took=$took $(cat "$tmp/sudo-n-none.err")"

# The 4 KiB token pasted on sudo -S in parts of 400 bytes.
"$python" - "$tmp/long.tok" "$tmp/long-sudo.parts" <<'PY'
import sys
tok = open(sys.argv[1]).read()
parts = [tok[i:i + 400] for i in range(0, len(tok), 400)]
open(sys.argv[2], "w").write("".join(p + ("\\\n" if i < len(parts) - 1 else "\n") for i, p in enumerate(parts)))
PY
nparts=$(wc -l <"$tmp/long-sudo.parts")
sudo_pam token_only require_claim=scope=sudo
m=$(mark)
as_alice_sudo sudo-long "$tmp/long-sudo.parts"
rc=$?
[ $rc = 0 ] && [ "$nparts" -ge 10 ] \
	&& result ok "a $long_len-byte token pasted on sudo -S in $nparts parts of 400 bytes: allowed" \
	|| result "not ok" "long token through sudo" "rc=$rc parts=$nparts $(cat "$tmp/sudo-long.err"; syslog_since "$m")"

# --- 20-27. sessions share one store -------------------------------------------------------
# sshd with pam_loginuid first: each session has an audit session of its own.
loginuid=
[ -f "$secdir/pam_loginuid.so" ] && loginuid="session required $secdir/pam_loginuid.so"
cat >/etc/pam.d/sshd <<PAM
auth sufficient $module $common obtain_tokens bearer_token=$tmp/bin/bearer-token
auth requisite $secdir/pam_deny.so
account required $secdir/pam_permit.so
$loginuid
session optional $module $common obtain_tokens bearer_token=$tmp/bin/bearer-token revoke_on_logout
session required $secdir/pam_permit.so
PAM
rm -f "$cache/corp.json"
refdir=/run/bearer-token/sessions/10001
grants() { c=$(grep -c -F "oauth2 password POST /token 200" "$log" 2>/dev/null); echo "${c:-0}"; }
nrefs() { c=$(ls "$refdir" 2>/dev/null | grep -c '^[ap]'); echo "${c:-0}"; }
# hold NAME: a password login that prints its token (line 3 of $tmp/NAME.out)
# and stays until $tmp/release-NAME exists; held=its ssh's pid, tok=the token,
# ref=the session's reference (from the log).
hold() {
	_m=$(mark)
	rm -f "$tmp/release-$1"
	ssh_pw "$tmp/pw" "$1" "$remote_get; echo login_ref=\${PAM_BEARER_LOGIN:-none}; i=0; while [ ! -e $tmp/release-$1 ] && [ \$i -lt 900 ]; do sleep 0.1; i=\$((i + 1)); done" &
	held=$!
	_i=0
	while [ -z "$(sed -n 3p "$tmp/$1.out" 2>/dev/null)" ] && kill -0 $held 2>/dev/null && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	tok=$(sed -n 3p "$tmp/$1.out")
	logged "$_m" "session tokens: session .* of alice registered"
	ref=$(syslog_since "$_m" | sed -n 's/.*session tokens: session \([^ ]*\) of alice registered.*/\1/p' | head -1)
}
# release NAME PID: end a held session and wait for its ssh.
release() { : >"$tmp/release-$1"; wait "$2"; }
# settle MARK PATTERN: wait until close_session logged PATTERN.
settle() { logged "$1" "$2" || echo "# waited in vain for: $2"; }

g0=$(grants) r0=$(revokes)
hold s1
p1=$held t1=$tok ref1=$ref
hold s2
p2=$held t2=$tok ref2=$ref
kind=p
[ -n "$loginuid" ] && kind=a
perms=$(stat -c '%U %a' /run/bearer-token/sessions "$refdir" 2>&1 | tr '\n' ' ')
peek=$(setpriv --reuid=10001 --regid=10001 --clear-groups ls "$refdir" 2>&1 >/dev/null)
if [ -n "$t1" ] && [ "$t1" = "$t2" ] && [ "$(grants)" = $((g0 + 1)) ] && [ "$(nrefs)" = 2 ] \
	&& [ "${ref1#"$kind"}" != "$ref1" ] && [ "${ref2#"$kind"}" != "$ref2" ] && [ "$ref1" != "$ref2" ] \
	&& [ "$perms" = "root 700 root 700 " ] && [ -n "$peek" ] && grep -qx "login_ref=none" "$tmp/s1.out" \
	&& grep -qx "login_ref=none" "$tmp/s2.out"; then
	result ok "two ssh sessions of alice: one password grant, one token, two references of root's ($ref1, $ref2) alice cannot read; the login's reference is not in the session's environment"
else
	result "not ok" "two sessions share the store" "grants $g0 -> $(grants); refs $(ls "$refdir"); $ref1 $ref2; $perms; peek=$peek"
fi

m=$(mark)
release s1 "$p1"
settle "$m" "1 other session or login of alice still open: the tokens stay"
if [ "$(revokes)" = "$r0" ] && [ "$(whoami "$t2")" = 200 ] && [ "$(nrefs)" = 1 ] && [ ! -e "$refdir/$ref1" ]; then
	result ok "the first logout revokes nothing: the second session's token still works at the authority (whoami 200)"
else
	result "not ok" "first logout" "revokes $r0 -> $(revokes); refs $(ls "$refdir"); $(syslog_since "$m" | grep 'session')"
fi

m=$(mark)
release s2 "$p2"
settle "$m" "session tokens: revoked and removed for alice"
if [ "$(revokes)" = $((r0 + 1)) ] && [ "$(whoami "$t2")" = 401 ] && [ "$(nrefs)" = 0 ] && [ ! -e "$cache/corp.json" ]; then
	result ok "the last logout revokes (one /revoke, whoami 401) and removes the store"
else
	result "not ok" "last logout" "revokes $r0 -> $(revokes); refs $(ls "$refdir"); $(syslog_since "$m" | grep 'session')"
fi

# A session whose sshd process is killed: it never closes, and stops counting.
r0=$(revokes)
hold s3
p3=$held t3=$tok ref3=$ref
hold s4
p4=$held t4=$tok
pid3=${ref3#?}
case $ref3 in a*) pid3=${pid3#*.} ;; esac
pid3=${pid3%%.*}
comm=$(cat "/proc/$pid3/comm" 2>/dev/null)
kill -9 "$pid3" 2>/dev/null
wait "$p3"
: >"$tmp/release-s3"	# what the killed session left running ends too
i=0
while [ -d "/proc/$pid3" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$t3" = "$t4" ] && [ -n "$pid3" ] && [ "${comm#sshd}" != "$comm" ] && [ ! -d "/proc/$pid3" ] && [ -e "$refdir/$ref3" ] \
	&& [ "$(nrefs)" = 2 ] && [ "$(revokes)" = "$r0" ] && [ "$(whoami "$t4")" = 200 ]; then
	result ok "kill -9 of the first session's sshd ($comm, pid $pid3): no close_session, its reference stays behind"
else
	result "not ok" "kill -9 of a session's sshd" "pid3=$pid3 comm=$comm refs $(ls "$refdir"); revokes $r0 -> $(revokes)"
fi
m=$(mark)
release s4 "$p4"
settle "$m" "session tokens: revoked and removed for alice"
if [ "$(revokes)" = $((r0 + 1)) ] && [ "$(whoami "$t4")" = 401 ] && [ "$(nrefs)" = 0 ]; then
	result ok "the other session's logout is the last: the killed session no longer counts (pruned), the tokens are revoked"
else
	result "not ok" "logout after a killed session" "revokes $r0 -> $(revokes); refs $(ls "$refdir"); $(syslog_since "$m" | grep 'session')"
fi

# Logins that spare the authority: 20 more while one session holds the store.
hold s5
p5=$held t5=$tok
g0=$(grants) r0=$(revokes) bad=0 i=0
while [ $i -lt 20 ]; do
	ssh_pw "$tmp/pw" "n$i" "echo LOGGED-IN" && grep -q LOGGED-IN "$tmp/n$i.out" || bad=$((bad + 1))
	i=$((i + 1))
done
g1=$(grants)
echo "# 21 ssh password logins of alice within the token's life: $((g1 - g0 + 1)) password grant(s) at the authority (one per login before sessions shared the store)"
if [ $bad = 0 ] && [ "$g1" = "$g0" ] && [ "$(revokes)" = "$r0" ] && [ "$(whoami "$t5")" = 200 ]; then
	result ok "20 more ssh logins while a session holds the store: 0 more password grants (1 for 21 logins), no revocation"
else
	result "not ok" "repeated logins" "bad=$bad grants $g0 -> $g1 revokes $r0 -> $(revokes)"
fi

# A token login with a usable store leaves it unchanged.
grant alice "$tmp/pw" "$tmp/fresh.tok" || bail "no fresh token for alice"
before=$(sha256sum "$cache/corp.json" | cut -c1-64)
m=$(mark)
ssh_ask "$tmp/bin/cat-askpass" "$tmp/fresh.tok" tokl "$remote_get"
rc=$?
if [ $rc = 0 ] && [ "$(sed -n 3p "$tmp/tokl.out")" = "$t5" ] && [ "$(sha256sum "$cache/corp.json" | cut -c1-64)" = "$before" ] \
	&& [ "$(revokes)" = "$r0" ] && logged "$m" "session tokens: kept for alice"; then
	result ok "a token login with a usable store: the store unchanged, the session uses the shared token"
else
	result "not ok" "token login, usable store" "rc=$rc $(cat "$tmp/tokl.out" "$tmp/tokl.err"); revokes $r0 -> $(revokes)"
fi
m=$(mark)
release s5 "$p5"
settle "$m" "session tokens: revoked and removed for alice"
[ "$(revokes)" = $((r0 + 1)) ] && [ "$(whoami "$t5")" = 401 ] && [ -z "$(ls -A "$refdir")" ] \
	&& result ok "the holding session's logout, the last, revokes; no reference is left (sessions' nor logins')" \
	|| result "not ok" "final logout" "revokes $r0 -> $(revokes); refs $(ls "$refdir")"


# --- device login (device_login) over ssh and sudo -n -----------------------------------
# tests/e2e/ssh-device.py plays the user at a terminal: Enter at the first
# prompt, the code read from the next prompt's text and approved in the
# emulator's /device/approve as a browser would, Enter after.
printf '1\n' >"$state/device-interval"
# sshd_device EXTRA-AUTH-OPTIONS: the sshd service with device_login, trusting $devtrust.
devtrust=$common
sshd_device() {
	cat >/etc/pam.d/sshd <<PAM
auth sufficient $module $devtrust obtain_tokens bearer_token=$tmp/bin/bearer-token device_login $*
auth requisite $secdir/pam_deny.so
account required $secdir/pam_permit.so
session optional $module $devtrust obtain_tokens bearer_token=$tmp/bin/bearer-token
session required $secdir/pam_permit.so
PAM
}
# ssh_device NAME APPROVE ENTERS: a device login as alice printing her session token.
ssh_device() {
	HOME=$tmp/roothome timeout 90 "$python" "$srcdir/tests/e2e/ssh-device.py" "$tmp/$1.out" "$2" "$url" \
		"$tmp/pki/ca.pem" "$3" -- ssh $sshopts "echo LOGGED-IN; echo TOKEN=\$(BEARER_TOKEN_PLUGIN=$plugin $helper get)"
}
fast() { c=$(grep -c -F "device_code-too-fast" "$log" 2>/dev/null); echo "${c:-0}"; }
devices() { c=$(grep -c -F "oauth2 device POST /device" "$log" 2>/dev/null); echo "${c:-0}"; }

sshd_device
printf '1\n' >"$state/device-slow-down"
m=$(mark)
ssh_device dev-alice "alice:$tmp/pw" 20
rc=$?
rm -f "$state/device-slow-down"
token=$(sed -n 's/^TOKEN=\([^[:space:]]*\).*/\1/p' "$tmp/dev-alice.out" | head -1)
code=$(whoami "$token")
if [ $rc = 0 ] && grep -q "open $url/device/verify?user_code=" "$tmp/dev-alice.out" \
	&& grep -q "and enter the code" "$tmp/dev-alice.out" && grep -q "$(printf '\342\226\210')" "$tmp/dev-alice.out" \
	&& [ "$code" = 200 ] && grep -q '"sub": *"alice"' "$tmp/whoami.json" \
	&& logged "$m" "accepted: user alice" && logged "$m" "session tokens: kept for alice"; then
	result ok "ssh device login: URL, code and QR code in the keyboard-interactive prompt; approved by alice; the session's bearer-token get is hers"
else
	result "not ok" "ssh device login" "rc=$rc whoami=$code $(cat "$tmp/dev-alice.out"; syslog_since "$m" | tail -20)"
fi
slow=$(grep -c -F "device_code-slow_down" "$log" 2>/dev/null)
[ "$(fast)" = 0 ] && [ "${slow:-0}" -ge 1 ] && logged "$m" "slow_down: polling every 6 s" \
	&& result ok "polling: slow_down obeyed (interval 1 s -> 6 s), no poll sooner than the interval" \
	|| result "not ok" "polling interval" "too-fast=$(fast) slow_down=$slow"

# approved_by_other NAME APPROVE WHAT: a device login of alice's that
# APPROVE approves as bob ends refused as user-mismatch, not hung.
approved_by_other() {
	_m=$(mark)
	ssh_device "$1" "$2" 20
	rc=$?
	[ $rc != 0 ] && [ $rc != 124 ] && ! grep -q LOGGED-IN "$tmp/$1.out" && logged "$_m" "rejected: user-mismatch" \
		&& result ok "$3a code approved by bob does not log alice in (user-mismatch)" \
		|| result "not ok" "$3device login approved by another user" "rc=$rc $(cat "$tmp/$1.out"; syslog_since "$_m" | tail -20)"
}
approved_by_other dev-bob "bob:$LDAP_PW_DIR/bob.pw" ""

sshd_device device_timeout=3
m=$(mark)
ssh_device dev-none none 50
rc=$?
[ $rc != 0 ] && [ $rc != 124 ] && ! grep -q LOGGED-IN "$tmp/dev-none.out" && logged "$m" "device login timed out" \
	&& result ok "never approved: refused at device_timeout, no hang (exit $rc)" \
	|| result "not ok" "device login without approval" "rc=$rc $(cat "$tmp/dev-none.out"; syslog_since "$m" | tail -20)"

sudo_pam device_login
asked=$(devices)
start=$(date +%s)
as_sudo_n sudo-n-device
rc=$?
took=$(($(date +%s) - start))
[ $rc != 0 ] && [ $rc != 124 ] && [ $took -lt 10 ] && [ "$(devices)" = "$asked" ] \
	&& result ok "sudo -n with device_login: refused at once (${took} s), no device code asked for" \
	|| result "not ok" "sudo -n with device_login" "rc=$rc took=$took devices $asked -> $(devices) $(cat "$tmp/sudo-n-device.err")"
[ "$(fast)" = 0 ] && result ok "no device poll ever came sooner than the interval" \
	|| result "not ok" "device polls too soon: $(fast)"

# The same over ssh against a real OpenID Connect server: glewlwyd, the
# approval through its own API with the user's session.
if command -v glewlwyd >/dev/null 2>&1 && [ -f /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz ] \
	&& "$python" "$fixtures/glewlwyd.py" start "$tmp/glew" >"$tmp/glew.start" 2>&1; then
	at_exit '"$python" "$fixtures/glewlwyd.py" stop "$tmp/glew" >/dev/null 2>&1'
	. "$tmp/glew/env"
	devtrust="config=$tmp/glew/pam_bearer.conf session_cache_dir=/run/bearer-token"
	sshd_device
	glew_approve="cmd:$python $fixtures/glewlwyd.py approve $tmp/glew"
	m=$(mark)
	ssh_device glew-alice "$glew_approve alice" 20
	rc=$?
	token=$(sed -n 's/^TOKEN=\([^[:space:]]*\).*/\1/p' "$tmp/glew-alice.out" | head -1)
	code=$(printf 'Authorization: Bearer %s\n' "$token" | curl -s -o /dev/null -w '%{http_code}' --cacert "$GLEW_CA" \
		-H @- "$GLEW_ISSUER/userinfo")
	[ $rc = 0 ] && grep -q "open $GLEW_ISSUER/device" "$tmp/glew-alice.out" && [ "$code" = 200 ] \
		&& logged "$m" "accepted: user alice" && logged "$m" "session tokens: kept for alice" \
		&& result ok "glewlwyd: ssh device login approved by alice; the session's token is accepted by glewlwyd's userinfo" \
		|| result "not ok" "glewlwyd ssh device login" "rc=$rc userinfo=$code $(cat "$tmp/glew-alice.out"; syslog_since "$m" | tail -20)"
	approved_by_other glew-bob "$glew_approve bob" "glewlwyd: "
	! syslog_since "$m" | grep -q "slow_down" \
		&& result ok "glewlwyd, which checks the interval itself, never answered slow_down" \
		|| result "not ok" "glewlwyd answered slow_down" "$(syslog_since "$m" | grep slow_down)"
else
	for i in 1 2 3; do result ok "# SKIP glewlwyd is not installed or did not start: $(tail -1 "$tmp/glew.start" 2>/dev/null)"; done
fi

[ $n = 36 ] || echo "# planned 36, ran $n"
finish
