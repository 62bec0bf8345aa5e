#!/bin/sh
# metrics-t.sh: the host-wide counters and the journal fields through real
# libpam (pam_wrapper).  A known mix of logins (a good token, an expired
# one, a forged one, another user's, the right and a wrong LDAP password
# against the tests' slapd, a configuration error) and the counters, read
# with bearer-token metrics, equal the mix exactly; promtool accepts the
# text; a damaged, foreign, linked or deleted counters file, a full disk
# and a file size limit never fail a login; decisions reach a journal
# socket the test binds, with their fields and without the secret.
# Root only (the counters are root's).
. "$(dirname "$0")/../lib.sh"
set -f

need_exec "$pamrun" driver
need_exec "$helper" bearer-token
need_pamrun
need_mint
[ "$(id -u)" -eq 0 ] || skip_all "the counters are root's: run as root"
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || bail "slapd not installed"
# promtool (Debian package prometheus, installed by ./bootstrap): without
# it (a package build) only its checks are skipped.
have_promtool=
command -v promtool >/dev/null 2>&1 && have_promtool=yes
# promtool_check DESCRIPTION FILE: promtool check metrics accepts FILE.
promtool_check() {
	if [ -n "$have_promtool" ]; then
		check "$1" sh -c "promtool check metrics <'$2'"
	else
		result ok "# SKIP $1: promtool not installed (Debian package prometheus)"
	fi
}

scratch metrics
at_exit 'sh "$fixtures/slapd.sh" stop "$tmp/slapd" >/dev/null 2>&1'
sh "$fixtures/slapd.sh" start "$tmp/slapd" >"$tmp/slapd-start.log" 2>&1 ||
	{ cat "$tmp/slapd-start.log" >&2; bail "slapd fixture did not start"; }
. "$tmp/slapd/env"
keys=$tmp/k
mint_keys "$keys"
"$python" "$fixtures/mint.py" cases "$keys" >"$tmp/mint.log" 2>&1 ||
	{ sed 's/^/# /' "$tmp/mint.log"; bail "mint.py cases failed"; }
cases=$keys/cases
printf 'not-the-password' >"$tmp/wrong.pw"

mkdir -m 0755 "$tmp/m"
metrics=$tmp/m/metrics
conf=$tmp/pb.conf
# Nothing listens on the journal socket unless a case starts a listener.
printf 'metrics_file = %s\njournal_socket = %s\n' "$metrics" "$tmp/journal.sock" >"$conf"
chmod 0644 "$conf"
token_args="jwks=$keys/jwks.json"
ldap_args="ldap_uri=$LDAP_URI ldap_user_dn=uid=%u,$LDAP_PEOPLE"

# login NAME USER ANSWER-FILE MODULE-ARGS...: one pam_authenticate in a
# process of its own; prints the PAM result, stderr in $tmp/NAME.log.
login() {
	_name=$1 _user=$2 _answer=$3
	shift 3
	mkdir -p "$tmp/svc-$_name"
	echo "auth required $module config=$conf $*" >"$tmp/svc-$_name/bearer"
	printf 'auth required pam_deny.so\n' >"$tmp/svc-$_name/other"
	(cd "$tmp" && pamwrap_run "$tmp/svc-$_name" bearer "$_user" "$_answer" 2>"$tmp/$_name.log" </dev/null)
}

# expect NAME WANT USER ANSWER ARGS...: the login's PAM result is WANT.
expect() {
	_n=$1 _want=$2
	shift 2
	_got=$(login "$_n" "$@")
	if [ "$_got" = "$_want" ]; then
		result ok "$_n: $_want"
	else
		result_file "not ok" "$_n: got ${_got:-nothing}, want $_want" "$tmp/$_n.log"
	fi
}

exposition() { "$helper" metrics --config "$conf" >"$tmp/metrics.txt" 2>"$tmp/metrics.err"; }

# has LINE...: every LINE is a whole line of the last exposition.
has() {
	_missing=
	for _l in "$@"; do
		grep -qxF -- "$_l" "$tmp/metrics.txt" || _missing="$_missing
$_l"
	done
	[ -z "$_missing" ] || { echo "missing:$_missing"; grep -v '^#' "$tmp/metrics.txt" | grep -v ' 0$'; return 1; }
}

# --- the mix --------------------------------------------------------------------
expect good PAM_SUCCESS alice "$cases/alg-rs256.tok" "$token_args"
expect expired PAM_AUTH_ERR alice "$cases/expired-120s.tok" "$token_args"
expect forged PAM_AUTH_ERR alice "$cases/tamper-payload.tok" "$token_args"
expect another-user PAM_AUTH_ERR alice "$cases/user-mismatch.tok" "$token_args"
expect ldap-right PAM_SUCCESS alice "$LDAP_PW_DIR/alice.pw" "$ldap_args"
expect ldap-wrong PAM_AUTH_ERR alice "$tmp/wrong.pw" "$ldap_args"
expect config-error PAM_SERVICE_ERR alice "$cases/alg-rs256.tok" "$token_args leeway=soon"

check "bearer-token metrics reads the counters" exposition
check "the mix, counted exactly" has \
	'pam_bearer_logins_total{path="token",result="accepted",reason="none"} 1' \
	'pam_bearer_logins_total{path="token",result="rejected",reason="expired"} 1' \
	'pam_bearer_logins_total{path="token",result="rejected",reason="bad-signature"} 1' \
	'pam_bearer_logins_total{path="token",result="rejected",reason="user-mismatch"} 1' \
	'pam_bearer_logins_total{path="password",result="accepted",reason="none"} 1' \
	'pam_bearer_logins_total{path="password",result="rejected",reason="bad-password"} 1' \
	'pam_bearer_logins_total{path="session_token",result="accepted",reason="none"} 0' \
	'pam_bearer_login_duration_seconds_count{path="token"} 4' \
	'pam_bearer_login_duration_seconds_bucket{path="token",le="+Inf"} 4' \
	'pam_bearer_login_duration_seconds_count{path="password"} 2' \
	'pam_bearer_ldap_binds_total{outcome="success"} 1' \
	'pam_bearer_ldap_binds_total{outcome="rejected"} 1' \
	'pam_bearer_ldap_failovers_total 0' \
	'pam_bearer_config_errors_total 1' \
	'pam_bearer_jwks_fetches_total{outcome="fresh"} 0' \
	'pam_bearer_helper_runs_total{outcome="ok"} 0'
nonzero=$(grep -v '^#' "$tmp/metrics.txt" | grep -v '_duration_seconds' | awk '$2 != 0' | wc -l)
check "nothing else counted ($nonzero non-zero counters, 9 expected)" [ "$nonzero" -eq 9 ]
promtool_check "promtool check metrics accepts the text" "$tmp/metrics.txt"

# A dead server first: one failover, then the bind.
expect failover PAM_SUCCESS alice "$LDAP_PW_DIR/alice.pw" "ldap_uri=ldap://127.0.0.1:1,$LDAP_URI ldap_user_dn=uid=%u,$LDAP_PEOPLE ldap_timeout=2"
exposition
check "a dead first server: one failover, and counts add up across processes" has \
	'pam_bearer_ldap_failovers_total 1' \
	'pam_bearer_ldap_binds_total{outcome="success"} 2' \
	'pam_bearer_logins_total{path="password",result="accepted",reason="none"} 2'

# --- the command ------------------------------------------------------------------
out=$tmp/textfile/pam_bearer.prom
mkdir "$tmp/textfile"
check "--output writes the file" "$helper" metrics --config "$conf" --output "$out"
check "the file is the exposition" cmp "$out" "$tmp/metrics.txt"
promtool_check "promtool accepts the file" "$out"
check "--output leaves no temporary file" [ "$(ls "$tmp/textfile")" = pam_bearer.prom ]
check "--output into a missing directory fails (exit 5)" sh -c \
	"'$helper' metrics --config '$conf' --output '$tmp/nowhere/x.prom' 2>/dev/null; [ \$? -eq 5 ]"
"$helper" metrics --config "$conf" --summary >"$tmp/summary.txt" 2>&1
check "--summary: the token line" grep -Eq '^  token +1 accepted, +3 rejected, +0 not checked' "$tmp/summary.txt"
check "--summary: the reasons" grep -Eq '^      expired +1$' "$tmp/summary.txt"
check "--summary and --output together: a usage error (64)" sh -c \
	"'$helper' metrics --config '$conf' --summary --output '$out' 2>/dev/null; [ \$? -eq 64 ]"
printf 'metrics_file = %s\n' "$tmp/m/none" >"$tmp/none.conf"
check "no counters file yet: exit 0" sh -c "'$helper' metrics --config '$tmp/none.conf' >'$tmp/zeros.txt'"
check "every counter zero" awk '!/^#/ && $NF + 0 != 0 { bad = 1 } END { exit bad }' "$tmp/zeros.txt"
promtool_check "promtool accepts the zeros" "$tmp/zeros.txt"
cp "$metrics" "$tmp/m/copy"
printf 'garbage' >"$tmp/m/bad"
printf 'metrics_file = %s\n' "$tmp/m/bad" >"$tmp/bad.conf"
check "a damaged file: bearer-token metrics refuses (exit 5)" sh -c \
	"'$helper' metrics --config '$tmp/bad.conf' >/dev/null 2>&1; [ \$? -eq 5 ]"
ln -s "$tmp/m/copy" "$tmp/m/link"
printf 'metrics_file = %s\n' "$tmp/m/link" >"$tmp/link.conf"
check "a symbolic link: bearer-token metrics refuses (exit 5)" sh -c \
	"'$helper' metrics --config '$tmp/link.conf' >/dev/null 2>&1; [ \$? -eq 5 ]"

# --- what never fails a login -----------------------------------------------------
accepted_once() {
	exposition && has 'pam_bearer_logins_total{path="token",result="accepted",reason="none"} 1'
}
printf 'XXXXXXXX' | dd of="$metrics" conv=notrunc 2>/dev/null
expect corrupt PAM_SUCCESS alice "$cases/alg-rs256.tok" "$token_args"
check "a corrupt file is replaced: 1 login" accepted_once
truncate -s 100 "$metrics"
expect truncated PAM_SUCCESS alice "$cases/alg-rs256.tok" "$token_args"
check "a truncated file is replaced: 1 login" accepted_once
chown 65534 "$metrics"
expect wrong-owner PAM_SUCCESS alice "$cases/alg-rs256.tok" "$token_args"
check "a file of another owner is replaced: 1 login" accepted_once
rm -f "$metrics"
printf 'keep' >"$tmp/target"
ln -s "$tmp/target" "$metrics"
expect symlink PAM_SUCCESS alice "$cases/alg-rs256.tok" "$token_args"
check "a symbolic link is replaced: 1 login" accepted_once
check "its target is left alone" [ "$(cat "$tmp/target")" = keep ]
rm -f "$metrics"
expect deleted PAM_SUCCESS alice "$cases/alg-rs256.tok" "$token_args"
check "a deleted file is made again: 1 login" accepted_once
chmod 0777 "$tmp/m"
rm -f "$metrics"
expect open-dir PAM_SUCCESS alice "$cases/alg-rs256.tok" "$token_args"
check "a directory anyone may write: not counted, nothing created" [ ! -e "$metrics" ]
chmod 0755 "$tmp/m"
check "the module said why in the log" grep -q 'metrics: .* is not a directory only root may change' "$tmp/open-dir.log"

# Installed but not configured (no key source, no LDAP): no file made.
mkdir -m 0755 "$tmp/unconf"
printf 'metrics_file = %s\n' "$tmp/unconf/metrics" >"$tmp/unconf.conf"
mkdir -p "$tmp/svc-unconf"
printf 'auth required %s config=%s\nauth required pam_permit.so\n' "$module" "$tmp/unconf.conf" >"$tmp/svc-unconf/bearer"
got=$(cd "$tmp" && pamwrap_run "$tmp/svc-unconf" bearer alice "$cases/alg-rs256.tok" 2>"$tmp/unconf.log" </dev/null)
check "an unconfigured module stands aside ($got)" [ "$got" = PAM_SUCCESS ]
check "and makes no counters file" [ ! -e "$tmp/unconf/metrics" ]

# A full disk: a tmpfs of one page, smaller than the file.
mkdir "$tmp/full"
if mount -t tmpfs -o size=4k,mode=0755 tmpfs "$tmp/full" 2>/dev/null; then
	at_exit 'umount "$tmp/full" 2>/dev/null'
	printf 'metrics_file = %s\n' "$tmp/full/metrics" >"$tmp/full.conf"
	mkdir -p "$tmp/svc-full"
	echo "auth required $module config=$tmp/full.conf $token_args" >"$tmp/svc-full/bearer"
	got=$(cd "$tmp" && pamwrap_run "$tmp/svc-full" bearer alice "$cases/alg-rs256.tok" 2>"$tmp/full.log" </dev/null)
	check "a full disk: the login succeeds ($got)" [ "$got" = PAM_SUCCESS ]
	check "and no partial file is left" [ -z "$(ls -A "$tmp/full")" ]
	umount "$tmp/full"
else
	result ok "# SKIP a full disk: cannot mount a tmpfs here"
	result ok "# SKIP and no partial file is left"
fi
# A file size limit below the file's size (no SIGXFSZ).
rm -f "$metrics"
got=$(ulimit -f 4 && login fsize alice "$cases/alg-rs256.tok" "$token_args")
check "RLIMIT_FSIZE below the file: the login succeeds ($got)" [ "$got" = PAM_SUCCESS ]
check "and no file is left" [ ! -e "$metrics" ]

# --- the journal ------------------------------------------------------------------
# A listener on the journal socket: each datagram into a file of its own.
"$python" -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666)
s.settimeout(0.5)
n, end = 0, time.time() + 240
while time.time() < end and os.path.exists(sys.argv[1]):
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    n += 1
    with open(os.path.join(sys.argv[2], "d%03d" % n), "wb") as f:
        f.write(d)
' "$tmp/journal.sock" "$tmp/jd" &
listener=$!
mkdir "$tmp/jd"
at_exit 'kill "$listener" 2>/dev/null'
i=0
while [ ! -S "$tmp/journal.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$tmp/journal.sock" ] || bail "the journal listener did not start"

# last_datagram: the newest datagram, once one newer than the last seen arrived.
last_datagram() {
	i=0
	while [ $i -lt 50 ]; do
		_f=$(ls "$tmp/jd" | tail -1)
		[ -n "$_f" ] && [ "$_f" != "${seen:-}" ] && { seen=$_f; cat "$tmp/jd/$_f"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# fields FILE FIELD=VALUE...: each a whole line of FILE.
fields() {
	_file=$1
	shift
	for _l in "$@"; do grep -qxF -- "$_l" "$_file" || { echo "no line $_l in:"; cat -v "$_file"; return 1; }; done
}

expect journal-expired PAM_AUTH_ERR alice "$cases/expired-120s.tok" "$token_args"
last_datagram >"$tmp/j1" || : >"$tmp/j1"
jti=$("$python" -c '
import base64, json, sys
p = open(sys.argv[1]).read().strip().split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))).get("jti", "-"))' "$cases/expired-120s.tok")
check "an expired token: its fields in the journal" fields "$tmp/j1" \
	BEARER_RESULT=rejected BEARER_REASON=expired BEARER_PATH=token BEARER_USER=alice \
	BEARER_ISSUER=https://issuer.pam-bearer.test "BEARER_JTI=$jti" \
	MESSAGE_ID=35fef7c669fc422c9f94b7e9607eecaf PRIORITY=5 SYSLOG_FACILITY=10
check "MESSAGE is the log line" grep -q '^MESSAGE=pam_bearer(bearer): rejected: expired: ' "$tmp/j1"
check "the token is not in the journal record" sh -c "! grep -qF \"\$(cut -d. -f2 '$cases/expired-120s.tok')\" '$tmp/j1'"
check "the decision went to the journal, not also to syslog" sh -c "! grep -q 'SYSLOG(.): rejected: expired' '$tmp/journal-expired.log'"

expect journal-good PAM_SUCCESS alice "$cases/alg-rs256.tok" "$token_args"
last_datagram >"$tmp/j2" || : >"$tmp/j2"
check "an accepted token: its fields" fields "$tmp/j2" BEARER_RESULT=accepted BEARER_PATH=token \
	MESSAGE_ID=efda3fae2e08472bb5112656bcc88b2f
check "no BEARER_REASON for an accepted login" sh -c "! grep -q '^BEARER_REASON=' '$tmp/j2'"
check "the signature is not in the record" sh -c "! grep -qF \"\$(cut -d. -f3 '$cases/alg-rs256.tok')\" '$tmp/j2'"

expect journal-password PAM_AUTH_ERR alice "$tmp/wrong.pw" "$ldap_args"
last_datagram >"$tmp/j3" || : >"$tmp/j3"
check "a wrong password: its fields" fields "$tmp/j3" BEARER_RESULT=rejected BEARER_REASON=bad-password \
	BEARER_PATH=password BEARER_USER=alice
check "the password is not in the record" sh -c "! grep -qF not-the-password '$tmp/j3'"
expect journal-password-right PAM_SUCCESS alice "$LDAP_PW_DIR/alice.pw" "$ldap_args"
last_datagram >"$tmp/j4" || : >"$tmp/j4"
check "the right password: accepted, and not in the record" sh -c \
	"grep -qx BEARER_RESULT=accepted '$tmp/j4' && ! grep -qF \"\$(cat '$LDAP_PW_DIR/alice.pw')\" '$tmp/j4'"

kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
rm -f "$tmp/journal.sock"
expect no-journal PAM_AUTH_ERR alice "$cases/expired-120s.tok" "$token_args"
check "no journal: the syslog line as before" grep -q 'SYSLOG(.): rejected: expired: ' "$tmp/no-journal.log"

echo "1..$n"
finish
