#!/bin/sh
# demo.sh: six real logins through libpam and pam_bearer.so, four with tokens
# minted on the spot, verified against keys the module fetches over HTTPS
# from a local authority, and two with passwords checked by a private slapd,
# showing what the module decides and what it logs; then bearer-token
# obtaining, handing out, renewing and revoking alice's tokens at a local
# OAuth 2.0 token service.
#
# Run from the build directory (./bootstrap demo does this):
#   cd build && sh ../demo/demo.sh
# Needs the built module and tests/pam/pamrun (make check TESTS= builds it),
# pam_wrapper (libpam-wrapper), /usr/bin/python3 with python3-jwt and
# python3-cryptography.  Touches nothing outside a private temporary
# directory; pam_wrapper lets libpam read a service file from there instead
# of /etc/pam.d, so no root is needed.
#
# Exits 0 only if every login ends exactly as expected.

set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$PWD
module=$builddir/pam/.libs/pam_bearer.so
pamrun=$builddir/tests/pam/pamrun
python=/usr/bin/python3
# pamwrap_run: pamrun under pam_wrapper, as the test suite runs it
# shellcheck source=SCRIPTDIR/../tests/pam/pamwrap.sh
. "$srcdir/tests/pam/pamwrap.sh"

ISSUER=https://login.demo.invalid
AUDIENCE=demo-app
KID=demo-key-1

die() {
	echo "demo: $*" >&2
	exit 2
}

[ -f "$module" ] || die "$module is not built; run ./bootstrap demo from $srcdir (or make in $builddir)"
[ -x "$pamrun" ] || die "$pamrun is not built; run 'make check TESTS=' in $builddir (needs libpamtest0-dev)"
"$python" -c 'import jwt, cryptography' 2>/dev/null ||
	die "$python cannot import jwt and cryptography; install python3-jwt python3-cryptography"

[ -x /usr/sbin/slapd ] || die "slapd is not installed; install slapd ldap-utils (./bootstrap deps)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pam-bearer-demo.XXXXXX") || die "mktemp failed"
authority_pid=
trap 'sh "$srcdir/tests/fixtures/slapd.sh" stop "$tmp/slapd" >/dev/null 2>&1
	[ -n "$authority_pid" ] && kill "$authority_pid" 2>/dev/null && wait "$authority_pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT PIPE TERM
umask 077

# --- 1. an identity provider, in thirty lines of Python ------------------------
#
# One RSA key pair plays the provider: its public half goes into a JWKS file,
# the module's only source of trust.  A second key pair plays a forger who
# reuses the provider's key ID.  The private keys never touch the disk.

"$python" - "$tmp" "$ISSUER" "$AUDIENCE" "$KID" <<'EOF' || die "minting the tokens failed"
import base64, json, os, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

out, issuer, audience, kid = sys.argv[1:5]
now = int(time.time())

def b64u(n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

provider = rsa.generate_private_key(public_exponent=65537, key_size=2048)
forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

pub = provider.public_key().public_numbers()
jwks = {"keys": [{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                  "n": b64u(pub.n), "e": b64u(pub.e)}]}
with open(os.path.join(out, "jwks.json"), "w") as f:
    json.dump(jwks, f, indent=2)
os.chmod(os.path.join(out, "jwks.json"), 0o644)

def mint(name, key, sub, iat, exp):
    claims = {"iss": issuer, "aud": audience, "sub": sub,
              "iat": iat, "exp": exp, "jti": "demo-" + name}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    with open(os.path.join(out, name + ".tok"), "w") as f:
        f.write(token)
    shown = dict(claims)
    shown["iat"] = "now%+d s" % (iat - now) if iat != now else "now"
    shown["exp"] = "now%+d s" % (exp - now)
    with open(os.path.join(out, name + ".claims"), "w") as f:
        f.write(", ".join("%s=%s" % kv for kv in shown.items()))

mint("good",    provider, "alice", now,        now + 600)
mint("expired", provider, "alice", now - 7200, now - 3600)
mint("bob",     provider, "bob",   now,        now + 600)
mint("forged",  forger,   "alice", now,        now + 600)
EOF

# The provider publishes its key set over HTTPS at DC/OS IAM's path (seed
# 002), with a certificate from a test CA made here; the module fetches it
# once and keeps it in a cache directory for every later login.
"$python" "$srcdir/tests/fixtures/authority.py" pki "$tmp/pki" || die "making the test CA failed"
mkdir "$tmp/authority"
cp "$tmp/jwks.json" "$tmp/authority/jwks.json"
"$python" "$srcdir/tests/fixtures/authority.py" serve "$tmp/authority" \
	--cert "$tmp/pki/server.pem" --key "$tmp/pki/server.key" 2>"$tmp/authority.log" &
authority_pid=$!
port=$("$python" "$srcdir/tests/fixtures/authority.py" wait "$tmp/authority") ||
	die "the demo's authority did not start: $(cat "$tmp/authority.log")"
JWKS_URL=https://127.0.0.1:$port/acs/api/v1/auth/jwks
mkdir -m 0755 "$tmp/cache"

# --- 2. a PAM service that uses the module --------------------------------------

# The password side: a private slapd on a loopback port (the test suite's
# fixture), with alice's account and a test CA for its TLS certificate.
sh "$srcdir/tests/fixtures/slapd.sh" start "$tmp/slapd" >"$tmp/slapd-start.log" 2>&1 ||
	{ cat "$tmp/slapd-start.log" >&2; die "the demo's slapd did not start"; }
. "$tmp/slapd/env"
cp "$LDAP_PW_DIR/alice.pw" "$tmp/alice-password.tok"
printf 'Tr0ub4dor&3' >"$tmp/wrong-password.tok"

: >"$tmp/empty.conf"	# so /etc/security/pam_bearer.conf, if any, plays no part
mkdir "$tmp/pam.d"
service_line="auth required $module config=$tmp/empty.conf jwks=$JWKS_URL ca_file=$tmp/pki/ca.pem cache_dir=$tmp/cache issuer=$ISSUER audience=$AUDIENCE ldap_uri=$LDAP_URI ldap_starttls ldap_ca_file=$LDAP_CA ldap_user_dn=uid=%u,$LDAP_PEOPLE"
echo "$service_line" >"$tmp/pam.d/demo-login"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$tmp/pam.d/other"

# --- 3. the logins ------------------------------------------------------------------

failures=0
total=0
summary=

# login NUMBER TITLE TOKEN-NAME EXPLANATION EXPECTED-CODE EXPECTED-LOG-START
login() {
	number=$1 title=$2 tok=$3 story=$4 want_code=$5 want_log=$6
	total=$((total + 1))
	log=$tmp/$tok.log
	# pamrun answers the module's prompt with the token file's bytes and
	# prints the PAM result; pam_wrapper (debug level 2) copies every
	# pam_syslog line to standard error as "PWRAP_...SYSLOG(prio): text".
	code=$(cd "$tmp" && pamwrap_run "$tmp/pam.d" demo-login alice "$tmp/$tok.tok" \
		2>"$log" </dev/null)
	rc=$?
	[ $rc -eq 0 ] || code="(pamrun failed, exit $rc)"
	sed -n 's/.*SYSLOG([0-9]*): //p' "$log" >"$tmp/$tok.syslog"

	echo
	echo "[$number/6] $title"
	echo "  What is tried: $story"
	if [ -f "$tmp/$tok.claims" ]; then
		echo "  Token claims:  $(cat "$tmp/$tok.claims")"
		echo "  Token size:    $(wc -c <"$tmp/$tok.tok") bytes, signed RS256, kid $KID"
	else
		echo "  Password:      $(wc -c <"$tmp/$tok.tok") characters (not shown), checked by an LDAP bind over StartTLS"
	fi
	echo "  Expected:      $want_code, log line starting \"$want_log\""
	echo "  PAM result:    $code"
	if [ -s "$tmp/$tok.syslog" ]; then
		first=yes
		while IFS= read -r line; do
			if [ $first = yes ]; then
				echo "  Module logged: $line"
				first=no
			else
				echo "                 $line"
			fi
		done <"$tmp/$tok.syslog"
	else
		echo "  Module logged: (nothing)"
	fi

	# The module must never log the token (its signature's tail) or the password.
	leaked=no
	secret=$(tail -c 24 "$tmp/$tok.tok")
	grep -qF -- "$secret" "$log" && leaked=yes
	[ $leaked = no ] || echo "  !! the secret appears in the module's output"

	if [ "$code" = "$want_code" ] && [ $leaked = no ] &&
		grep -q "^$want_log" "$tmp/$tok.syslog"; then
		echo "  => as expected"
		summary="$summary
  ok      $title: $code"
	else
		failures=$((failures + 1))
		echo "  => UNEXPECTED: this is not what pam_bearer should do"
		echo "     pamrun's standard error was:"
		grep -v 'PWRAP_DEBUG' "$log" | head -n 20 | sed 's/^/       /'
		summary="$summary
  WRONG   $title: $code (expected $want_code)"
	fi
}

cat <<EOF
pam_bearer demo: logging in as "alice" with a JSON Web Token instead of a password
==================================================================================

An identity provider (played here by a throwaway RSA key made a moment ago)
signs tokens that say who the bearer is and until when.  pam_bearer.so checks
such a token offline, against the provider's public key, when it is typed
at a password prompt.  Below, a real libpam loads the freshly built module
and runs its authentication step four times for the user "alice".  Then
alice types her password instead: that is not a token, so the same module
checks it with an LDAP bind against a directory server (a private slapd).

  Module:       $module
  Scratch dir:  $tmp (shown as <tmp>; removed at the end)
  Trusted keys: $JWKS_URL
                (one RSA public key, kid $KID, served over HTTPS by a local
                authority; fetched once, then cached in <tmp>/cache)
  Directory:    $LDAP_URI (slapd, StartTLS with a test CA)
  PAM service:  $(echo "$service_line" | sed "s|$tmp|<tmp>|g; s|$module|pam_bearer.so|")
EOF

login 1 "A valid token for alice" good \
	"alice presents a token the provider issued to her, valid for 10 more minutes" \
	PAM_SUCCESS "accepted: user alice"
login 2 "An expired token" expired \
	"alice presents her own token, but it ran out an hour ago" \
	PAM_AUTH_ERR "rejected: expired:"
login 3 "Someone else's token" bob \
	"a genuine, valid token issued to bob is used to log in as alice" \
	PAM_AUTH_ERR "rejected: user-mismatch:"
login 4 "A forged token" forged \
	"someone signs a token for alice with their own key, claiming the provider's key ID" \
	PAM_AUTH_ERR "rejected: bad-signature:"
login 5 "alice's password" alice-password \
	"alice types her LDAP password at the same prompt" \
	PAM_SUCCESS "accepted: user alice (password, LDAP bind)"
login 6 "A wrong password" wrong-password \
	"someone types a wrong password for alice" \
	PAM_AUTH_ERR "rejected: bad-password:"

# Four token logins (and two password logins, which need no keys): the
# authority should have been asked for its keys exactly once.
fetches=$(grep -c 'auth/jwks' "$tmp/authority/requests.log" 2>/dev/null)
if [ "${fetches:-0}" = 1 ]; then
	summary="$summary
  ok      the authority served its key set once for all four token logins"
else
	failures=$((failures + 1))
	summary="$summary
  WRONG   the authority was asked for its keys ${fetches:-0} times (expected once)"
fi

# --- 4. bearer-token: tokens for alice's session ------------------------------------
#
# The companion program logs alice in at a token service (the emulator speaks
# WSO2's OAuth 2.0 password grant, checking her password against the same
# slapd), hands the token to a program, and revokes it at logout.

emulator_pid=
mkdir "$tmp/tokensvc"
"$python" "$srcdir/tests/fixtures/emulator.py" serve "$tmp/tokensvc" --cert "$tmp/pki/server.pem" \
	--key "$tmp/pki/server.key" --ldap-env "$tmp/slapd/env" 2>"$tmp/emulator.log" &
emulator_pid=$!
trap 'sh "$srcdir/tests/fixtures/slapd.sh" stop "$tmp/slapd" >/dev/null 2>&1
	[ -n "$authority_pid" ] && kill "$authority_pid" 2>/dev/null
	[ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
svc_port=$("$python" "$srcdir/tests/fixtures/emulator.py" wait "$tmp/tokensvc") ||
	die "the token service did not start: $(cat "$tmp/emulator.log")"
printf 'testsecret' >"$tmp/client.secret"
cat >"$tmp/bearer.conf" <<CONF
[authority corp]
preset = oauth2
url = https://127.0.0.1:$svc_port
ca_file = $tmp/pki/ca.pem
client_id = testclient
client_secret_file = $tmp/client.secret
scope = openid sudo
CONF
export BEARER_TOKEN_CACHE="$tmp/session-cache"
export BEARER_TOKEN_PLUGIN="$builddir/helper/.libs/bearer-token-net.so"
bt="$builddir/helper/bearer-token"
whoami() {	# the header on curl's standard input: a token never goes into argv
	printf '%s\n' "$1" | curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/pki/ca.pem" -H @- \
		"https://127.0.0.1:$svc_port/api/whoami"
}
step() {	# step DESCRIPTION OK?
	total=$((total + 1))
	if [ "$2" = yes ]; then
		echo "  ok      $1"
		summary="$summary
  ok      bearer-token: $1"
	else
		echo "  WRONG   $1"
		failures=$((failures + 1))
		summary="$summary
  WRONG   bearer-token: $1"
	fi
}
echo
echo "[bearer-token] alice's tokens, obtained with her password and handed to a program"
"$bt" login --config "$tmp/bearer.conf" --user alice --password-stdin <"$LDAP_PW_DIR/alice.pw" 2>"$tmp/bt.err"
step "login with alice's LDAP password (via the token service)" "$([ $? = 0 ] && echo yes)"
"$bt" status --config "$tmp/bearer.conf" | sed 's/^/          /'
header=$("$bt" header --config "$tmp/bearer.conf" 2>>"$tmp/bt.err")
echo "          header: $(printf '%s' "$header" | cut -c1-40)... ($(printf '%s' "$header" | wc -c) bytes)"
step "bearer-token header | curl -H @- .../api/whoami answers 200" "$([ "$(whoami "$header")" = 200 ] && echo yes)"
"$bt" refresh --config "$tmp/bearer.conf" 2>>"$tmp/bt.err"
new=$("$bt" header --config "$tmp/bearer.conf" 2>>"$tmp/bt.err")
step "refresh: a new token, the refresh token rotated" "$([ "$new" != "$header" ] && [ "$(whoami "$new")" = 200 ] && echo yes)"
"$bt" logout --config "$tmp/bearer.conf" 2>>"$tmp/bt.err"
step "logout: revoked at the service (whoami now 401), cache removed" \
	"$([ "$(whoami "$new")" = 401 ] && [ ! -e "$tmp/session-cache/corp.json" ] && echo yes)"
"$bt" get --config "$tmp/bearer.conf" >/dev/null 2>&1
step "get after logout: exit 3, login required" "$([ $? = 3 ] && echo yes)"
echo "          service requests: $(cut -d' ' -f1-2,5 "$tmp/tokensvc/requests.log" | tr '\n' ';' | sed 's/;$//')"

# --- 5. a login session with tokens, sudo by token, logout (as root) --------------------
#
# The module runs bearer-token as alice after her password login, the
# session finds the tokens, a sudo-style service accepts the session token
# (scope sudo) without asking, and closing the session revokes it.  Becoming
# alice needs root; nss_wrapper supplies her account.

nsslib=$(pkg-config --libs nss_wrapper 2>/dev/null)
nsslib=${nsslib%% *}
nsslib=${nsslib:-libnss_wrapper.so}
echo
echo "[session] alice logs in with her password, uses her tokens, sudo by token, logs out"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1 || ! { [ -f "$nsslib" ] || ldconfig -p | grep -qF "${nsslib##*/}"; } \
	|| ! setpriv --reuid=10001 --regid=10001 --clear-groups test -x "$builddir/helper/bearer-token"; then
	echo "  skipped: needs root, setpriv, nss_wrapper and a build tree other users can read"
else
	chmod 755 "$tmp" "$tmp/pki"
	chmod 644 "$tmp/bearer.conf" "$tmp/client.secret" "$tmp/pki/ca.pem"
	mkdir -m 755 "$tmp/nss" "$tmp/bin"
	mkdir -m 700 "$tmp/alice-home" && chown 10001:10001 "$tmp/alice-home"
	printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:10001:10001:Alice:%s:/bin/sh\n' "$tmp/alice-home" >"$tmp/nss/passwd"
	printf 'root:x:0:\nalice:x:10001:\n' >"$tmp/nss/group"
	chmod 644 "$tmp/nss/passwd" "$tmp/nss/group"
	printf '#!/bin/sh\nBEARER_TOKEN_PLUGIN=%s exec %s "$@"\n' "$BEARER_TOKEN_PLUGIN" "$bt" >"$tmp/bin/bearer-token"
	chmod 755 "$tmp/bin/bearer-token"
	common="config=$tmp/bearer.conf bearer_token=$tmp/bin/bearer-token session_cache_dir=$tmp/run"
	mkdir "$tmp/svc"
	# The session line too, as in /etc/pam.d/sshd: open_session turns the
	# login's reference into the session's, close_session drops it (tokens
	# are revoked only when a user's last session closes).
	printf 'auth required %s %s obtain_tokens ldap_uri=%s ldap_starttls ldap_ca_file=%s ldap_user_dn=uid=%%u,%s\nsession required %s %s obtain_tokens\n' \
		"$module" "$common" "$LDAP_URI" "$LDAP_CA" "$LDAP_PEOPLE" "$module" "$common" >"$tmp/svc/demo-sshd"
	printf 'auth required %s %s use_session_token session_token_only token_only jwks=%s issuer=https://127.0.0.1:%s audience=oauth2 require_claim=scope=sudo\nsession required pam_permit.so\n' \
		"$module" "$common" "$tmp/tokensvc/jwks.json" "$svc_port" >"$tmp/svc/demo-sudo"
	printf 'auth required pam_permit.so\nsession required pam_permit.so\nsession required %s %s revoke_on_logout\n' "$module" "$common" >"$tmp/svc/demo-logout"
	# session_run SERVICE ANSWER-FILE [UID]: auth, open and close session for
	# alice, with real uid UID (root by default, as sshd; sudo's is the invoker's)
	session_run() {
		flock "$pwlock" env PAMRUN_RUID="${3:-0}" LD_PRELOAD="$preload:$nsslib" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$tmp/svc" \
			PAM_WRAPPER_DEBUGLEVEL=2 NSS_WRAPPER_PASSWD="$tmp/nss/passwd" NSS_WRAPPER_GROUP="$tmp/nss/group" \
			"$pamrun" --session "$1" alice "$2" 2>"$tmp/$1.err"
	}
	out=$(session_run demo-sshd "$tmp/alice-password.tok")
	sed -n 's/.*SYSLOG([0-9]*): //p' "$tmp/demo-sshd.err" | grep "session tokens" | sed 's/^/          module: /'
	printf '%s\n' "$out" | grep '^env' | sed 's/^env /          exported: /'
	step "password login leaves tokens in alice's session (BEARER_TOKEN_CACHE exported)" \
		"$(printf '%s' "$out" | grep -q "env BEARER_TOKEN_CACHE=$tmp/run/10001" && echo yes)"
	stoken=$(setpriv --reuid=10001 --regid=10001 --clear-groups env -i PATH=/usr/bin:/bin \
		BEARER_TOKEN_CACHE="$tmp/run/10001" BEARER_TOKEN_CONFIG="$tmp/bearer.conf" \
		BEARER_TOKEN_PLUGIN="$BEARER_TOKEN_PLUGIN" "$bt" get 2>/dev/null)
	step "in the session, alice's bearer-token get prints a token the service accepts" \
		"$([ -n "$stoken" ] && [ "$(whoami "Authorization: Bearer $stoken")" = 200 ] && echo yes)"
	out=$(session_run demo-sudo /dev/null 10001)
	step "alice's sudo by her session token (scope sudo), no prompt: $(printf '%s' "$out" | head -1)" \
		"$([ "$(printf '%s' "$out" | head -1)" = PAM_SUCCESS ] && grep -q "pamrun: 0 prompt" "$tmp/demo-sudo.err" && echo yes)"
	out=$(session_run demo-logout /dev/null)
	step "logout (close_session, revoke_on_logout): revoked, the token no longer works" \
		"$([ -n "$stoken" ] && [ "$(whoami "Authorization: Bearer $stoken")" = 401 ] && [ ! -e "$tmp/run/10001/corp.json" ] && echo yes)"
fi

echo
echo "Summary"
echo "-------$summary"
echo
if [ $failures -eq 0 ]; then
	echo "All $total steps ended as expected: the valid token and alice's password were"
	echo "accepted; the expired, misdirected and forged tokens and the wrong password"
	echo "were refused, each with its reason in the log; bearer-token obtained, handed out,"
	echo "renewed and revoked alice's tokens.  Neither tokens nor passwords"
	echo "ever appear in the module's log."
	exit 0
fi
echo "$failures of $total steps did NOT end as expected (see above)."
exit 1
