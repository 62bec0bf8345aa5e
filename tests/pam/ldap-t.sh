#!/bin/sh
# ldap-t.sh: password logins through real libpam (pam_wrapper) against a real
# slapd started for the test: both DN strategies, TLS, failover, injection
# attempts, password policy, and the account phase's group check.
# The cases that need nothing but their options are files in
# scenarios/ldap (tests/pam/README.md); the rest are written here.
. "$(dirname "$0")/../lib.sh"
set -f

# pamwrap_run: pamrun under pam_wrapper (sanitizer builds too)
need_exec "$pamrun" driver
need_pamrun
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || bail "slapd not installed"

scratch ldap
hang_pid=
at_exit 'sh "$fixtures/slapd.sh" stop "$tmp/slapd" >/dev/null 2>&1'
at_exit '[ -n "$hang_pid" ] && kill "$hang_pid" 2>/dev/null'
sh "$fixtures/slapd.sh" start "$tmp/slapd" >"$tmp/slapd-start.log" 2>&1 ||
	{ cat "$tmp/slapd-start.log" >&2; bail "slapd fixture did not start"; }
. "$tmp/slapd/env"
: >"$tmp/empty.conf"
pw=$LDAP_PW_DIR
printf '' >"$tmp/empty.pw"
printf 'not-the-password' >"$tmp/wrong.pw"
printf 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln' >"$tmp/token.pw"

# A listener that accepts connections and never answers: a hung server.
hang_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
conns = []
end = time.time() + 300
while time.time() < end:
    c, _ = s.accept(); conns.append(c)
' "$hang_port" &
hang_pid=$!
dead=ldap://127.0.0.1:1

template="ldap_user_dn=uid=%u,$LDAP_PEOPLE"
search="ldap_binddn=$LDAP_READER_DN ldap_bindpw_file=$LDAP_READER_PW_FILE ldap_base=$LDAP_BASE"
starttls="ldap_uri=$LDAP_URI ldap_starttls ldap_ca_file=$LDAP_CA"
ldaps="ldap_uri=$LDAPS_URI ldap_ca_file=$LDAP_CA"

# pw_case NAME EXPECTED REASON USER PASSWORDFILE MODE MODULE-ARGS...
# MODE is auth, account, or account-permit; REASON is the word after "rejected: " in the log,
# "accepted", or "-" to check only the PAM result.
pw_case() {
	name=$1 expected=$2 reason=$3 user=$4 pwfile=$5 mode=$6
	shift 6
	svc=$tmp/svc.$((n + 1))
	mkdir "$svc"
	if [ "$mode" = account ]; then
		echo "account required $module config=$tmp/empty.conf $*" >"$svc/bearer"
		flag=--account
	elif [ "$mode" = account-permit ]; then
		# With no opinion (PAM_IGNORE) the stack falls through to pam_permit.
		printf 'account required %s config=%s %s\naccount required pam_permit.so\n' \
			"$module" "$tmp/empty.conf" "$*" >"$svc/bearer"
		flag=--account
	else
		echo "auth required $module config=$tmp/empty.conf $*" >"$svc/bearer"
		flag=
	fi
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$svc/other"
	got=$(cd "$tmp" && pamwrap_run "$svc" $flag bearer "$user" "$pwfile" 2>"$svc/log" </dev/null)
	rc=$?
	problem=
	[ "$got" = "$expected" ] || problem="result ${got:-none} (pamrun exit $rc), expected $expected"
	case $reason in
	-) ;;
	accepted) grep -q 'SYSLOG([0-9]): accepted: \|SYSLOG([0-9]): account: ' "$svc/log" ||
		problem="$problem; no accepted line" ;;
	*) grep -q "SYSLOG([0-9]): rejected: $reason:" "$svc/log" || problem="$problem; no 'rejected: $reason:' line" ;;
	esac
	# The password never reaches the log.
	if [ -s "$pwfile" ] && grep -qF "$(cat "$pwfile")" "$svc/log"; then
		problem="$problem; the password appears in the log"
	fi
	if [ -z "$problem" ]; then
		result ok "$name"
	else
		result "not ok" "$name: $problem" "$(grep -v 'copy_confdir\|pwrap_' "$svc/log" | tail -12)"
	fi
}

# check_ops NAME EXPECTED REASON MESSAGE USER ANSWERFILE OPS MODULE-ARGS...
# One PAM handle runs OPS (pamrun --ops: auth, account, chauthtok, ...) with
# the module on every line of the service; the answer file has one line per
# prompt.  EXPECTED is pamrun's output with ";" for newlines ("auth
# PAM_SUCCESS;account PAM_SUCCESS"); REASON, unless "-", the word after
# "rejected: " in the log; MESSAGE, unless "-", is text the user must have
# been shown.  No line of the answer file may reach the log.
check_ops() {
	name=$1 expected=$2 reason=$3 message=$4 user=$5 answers=$6 ops=$7
	shift 7
	svc=$tmp/svc.$((n + 1))
	mkdir "$svc"
	for phase in auth account password; do
		echo "$phase required $module config=$tmp/empty.conf $*"
		# The module's PAM_IGNORE falls through to pam_permit.
		[ "$phase" = auth ] || echo "$phase required pam_permit.so"
	done >"$svc/bearer"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\npassword required pam_deny.so\n' >"$svc/other"
	got=$(cd "$tmp" && pamwrap_run "$svc" --ops "$ops" bearer "$user" "$answers" 2>"$svc/log" </dev/null |
		tr '\n' ';')
	got=${got%;}
	problem=
	[ "$got" = "$expected" ] || problem="result '$got', expected '$expected'"
	if [ "$reason" != - ] && ! grep -q "SYSLOG([0-9]): rejected: $reason:" "$svc/log"; then
		problem="$problem; no 'rejected: $reason:' line"
	fi
	if [ "$message" != - ] && ! grep -q "pamrun: [a-z]* message: .*$message" "$svc/log"; then
		problem="$problem; the user was not told '$message'"
	fi
	while IFS= read -r secret; do
		[ -n "$secret" ] && grep -qF -- "$secret" "$svc/log" && problem="$problem; a password appears in the log"
	done <"$answers"
	if [ -z "$problem" ]; then
		result ok "$name"
	else
		result "not ok" "$name: $problem" "$(grep -v 'copy_confdir\|pwrap_' "$svc/log" | tail -12)"
	fi
}

# subst TEXT: TEXT with each ${LDAP_*} (tests/fixtures/slapd.sh's env) and
# ${tmp} (this run's scratch directory) replaced by its value.
subst() {
	printf '%s\n' "$1" | awk '{
		out = ""; s = $0
		while (match(s, /[$][{](LDAP[A-Z_]*|tmp)[}]/)) {
			name = substr(s, RSTART + 2, RLENGTH - 3)
			if (!(name in ENVIRON)) { print "no value for ${" name "}" >"/dev/stderr"; exit 1 }
			out = out substr(s, 1, RSTART - 1) ENVIRON[name]
			s = substr(s, RSTART + RLENGTH)
		}
		print out s
	}'
}

# ldap_scenario FILE: one case of scenarios/ldap (see tests/pam/README.md)
# through pw_case.
ldap_scenario() {
	s_name='' s_mode='' s_user=alice s_pw='' s_opts='' s_code='' s_reason=-
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '#'* | '') continue ;; esac
		value=${line#*: }
		case $line in
		name:*) s_name=$value ;;
		mode:*) s_mode=$value ;;
		user:*) s_user=$value ;;
		password:*) s_pw=$(subst "$value") || bail "$1: $line" ;;
		options:*) s_opts=$(subst "$value") || bail "$1: $line" ;;
		code:*) s_code=$value ;;
		'log: accepted') s_reason=accepted ;;
		'log: rejected: '*) s_reason=${value#rejected: } ;;
		*) bail "$1: unknown line: $line" ;;
		esac
	done <"$1"
	case $s_mode in auth | account | account-permit) ;; *) bail "$1: mode must be auth, account or account-permit" ;; esac
	if [ -z "$s_name" ] || [ -z "$s_code" ] || [ -z "$s_pw" ]; then
		bail "$1: name, password and code are required"
	fi
	case $s_opts in *'${'*) bail "$1: options: an unknown \${...}" ;; esac
	# shellcheck disable=SC2086 # the options are words
	pw_case "$s_name" "$s_code" "$s_reason" "$s_user" "$s_pw" "$s_mode" $s_opts
}

# The plain cases, as data: scenarios/ldap/NAME, one TAP line each.
# shellcheck disable=SC2046 # the names of slapd.sh's env, one word each
export tmp $(sed -n 's/^\(LDAP[A-Z_]*\)=.*/\1/p' "$tmp/slapd/env")
set +f
set -- "$srcdir"/tests/pam/scenarios/ldap/*
set -f
[ -f "$1" ] || bail "no scenarios in $srcdir/tests/pam/scenarios/ldap"
for f; do
	ldap_scenario "$f"
done

# A DN template over StartTLS with an ldaprc in the working directory:
# libldap reads ldaprc from the working directory and HOME in a process
# whose real and effective uid are equal (a service run by root): one that
# another user owns could pick the certificates the bind trusts.
printf 'TLS_REQCERT never\n' >"$tmp/ldaprc"
chown 10001 "$tmp/ldaprc"
pw_case "an ldaprc of another user's in the working directory: no password sent" PAM_AUTHINFO_UNAVAIL - \
	alice "$pw/alice.pw" auth $starttls $template
grep -q "unavailable: ldap: ldaprc would configure libldap, and it is not root's" "$svc/log" \
	&& result ok "... and the log names the file" \
	|| result "not ok" "... the log names the file" "$(grep SYSLOG "$svc/log")"
chown 0 "$tmp/ldaprc" && chmod 644 "$tmp/ldaprc"
pw_case "root's own ldaprc there: used as before" PAM_SUCCESS accepted alice "$pw/alice.pw" auth $starttls $template
rm -f "$tmp/ldaprc"

# Hung servers (the port of this script's listener)
pw_case "hung server: unavailable within the timeout" PAM_AUTHINFO_UNAVAIL - alice "$pw/alice.pw" auth \
	ldap_uri=ldap://127.0.0.1:$hang_port ldap_timeout=1 $template
pw_case "hung server, then a good one" PAM_SUCCESS accepted alice "$pw/alice.pw" auth \
	ldap_uri=ldap://127.0.0.1:$hang_port,$LDAPS_URI ldap_ca_file=$LDAP_CA ldap_timeout=2 $template

# Password policy (slapd ppolicy overlay)
pw_case "expired password" PAM_AUTH_ERR password-expired expired "$pw/expired.pw" auth $starttls $template
pw_case "locked account" PAM_MAXTRIES account-locked locked "$pw/locked.pw" auth $starttls $template
# An administrator's reset under pwdMustChange: the bind succeeds, but the
# directory allows nothing but a password change, so the login must not be a
# full one: the account phase asks for the change, as pam_unix does for an
# expired password.
check_ops "reset password: auth succeeds, account requires a new password" \
	"auth PAM_SUCCESS;account PAM_NEW_AUTHTOK_REQD" - "reset by an administrator" \
	reset "$pw/reset.pw" auth,account $starttls $template
check_ops "no reset: account succeeds as before" "auth PAM_SUCCESS;account PAM_SUCCESS" - - \
	alice "$pw/alice.pw" auth,account $starttls $template

# Password changes (pam_sm_chauthtok, RFC 3062 Password Modify as the user).
# answers FILE LINE...: one answer per line, as pamrun --ops reads them
answers() {
	f=$1
	shift
	(umask 077 && printf '%s\n' "$@" >"$f")
}
# whoami DN PWFILE: the directory accepts the password in PWFILE for DN
whoami() {
	LDAPTLS_CACERT=$LDAP_CA LDAPTLS_REQCERT=demand ldapwhoami -x -H "$LDAPS_URI" -D "$1" -y "$2" \
		-o nettimeout=5 >/dev/null 2>&1 </dev/null
}
old_pw=$(cat "$pw/reset.pw") new_pw='new-reset-pw-2'
printf '%s' "$new_pw" >"$tmp/reset-new.pw"
reset_dn="uid=reset,$LDAP_PEOPLE"
answers "$tmp/ch-wrong" 'not-the-password'
answers "$tmp/ch-short" "$old_pw" "$old_pw" ab3 ab3
answers "$tmp/ch-same" "$old_pw" "$old_pw" "$old_pw" "$old_pw"
answers "$tmp/ch-mismatch" "$old_pw" "$old_pw" "$new_pw" "$new_pw-typo"
answers "$tmp/ch-good" "$old_pw" "$old_pw" "$new_pw" "$new_pw"
answers "$tmp/ch-again" "$new_pw" 'third-password-3' 'third-password-3'
answers "$tmp/ch-login" "$new_pw"
check_ops "chauthtok: a wrong current password is refused before the new one is asked for" \
	"chauthtok PAM_AUTH_ERR" bad-password "current password was not accepted" \
	reset "$tmp/ch-wrong" chauthtok $starttls $template
check_ops "chauthtok after a reset: a new password too short is refused (pwdMinLength)" \
	"auth PAM_SUCCESS;account PAM_NEW_AUTHTOK_REQD;chauthtok-expired PAM_AUTHTOK_ERR" \
	password-too-short "new password is too short" \
	reset "$tmp/ch-short" auth,account,chauthtok-expired $starttls $template
check_ops "chauthtok: the current password again is refused (pwdInHistory)" \
	"chauthtok PAM_AUTHTOK_ERR" password-in-history "has been used before" \
	reset "$tmp/ch-same" chauthtok $ldaps $search
check_ops "chauthtok: new passwords that differ are not sent" \
	"chauthtok PAM_TRY_AGAIN" - "do not match" \
	reset "$tmp/ch-mismatch" chauthtok $starttls $template
check_quiet "the reset password still binds after the refusals" whoami "$reset_dn" "$pw/reset.pw"
check_ops "chauthtok after a reset: the change succeeds, and the account phase then too" \
	"auth PAM_SUCCESS;account PAM_NEW_AUTHTOK_REQD;chauthtok-expired PAM_SUCCESS;account PAM_SUCCESS" \
	- "password has been changed" \
	reset "$tmp/ch-good" auth,account,chauthtok-expired,account $starttls $template
check_quiet "the new password binds (ldapwhoami)" whoami "$reset_dn" "$tmp/reset-new.pw"
check_quiet "the old password no longer binds" eval '! whoami "$reset_dn" "$pw/reset.pw"'
check_ops "after the change: a login with the new password is a full one" \
	"auth PAM_SUCCESS;account PAM_SUCCESS" - - \
	reset "$tmp/ch-login" auth,account $starttls $template
check_ops "chauthtok right after a change is refused (pwdMinAge)" \
	"chauthtok PAM_AUTHTOK_ERR" password-too-young "changed too recently" \
	reset "$tmp/ch-again" chauthtok $ldaps $search
# The password policy's warnings on a successful bind reach the user, with
# what to do about them.
check_ops "expiring password: the login succeeds and the user is warned" \
	"auth PAM_SUCCESS;account PAM_SUCCESS" - "Your password expires in 9 days; change it before then" \
	expiring "$pw/expiring.pw" auth,account $starttls $template
check_ops "expired password with grace logins: the user is told how many are left" \
	"auth PAM_SUCCESS;account PAM_SUCCESS" - "expired: 2 grace logins left; change it now" \
	grace "$pw/grace.pw" auth,account $starttls $template
check_ops "one grace login left" "auth PAM_SUCCESS;account PAM_SUCCESS" - "expired: 1 grace login left; change it now" \
	grace "$pw/grace.pw" auth,account $starttls $template
check_ops "the last grace login is called the last" "auth PAM_SUCCESS;account PAM_SUCCESS" - \
	"this was the last grace login; change it now" grace "$pw/grace.pw" auth,account $starttls $template
pw_case "after the grace logins: refused as expired" PAM_AUTH_ERR password-expired grace "$pw/grace.pw" auth \
	$starttls $template
check_ops "chauthtok for expired passwords only: nothing to do after an ordinary login" \
	"auth PAM_SUCCESS;chauthtok-expired PAM_SUCCESS" - - \
	alice "$pw/alice.pw" auth,chauthtok-expired $starttls $template
check_ops "chauthtok without ldap_uri: no opinion, no prompt" "chauthtok PAM_SUCCESS" - - \
	alice "$tmp/empty.pw" chauthtok

# Account phase: group membership
pw_case "no ldap_group: no opinion, no LDAP contact" PAM_SUCCESS - alice "$tmp/empty.pw" account-permit \
	ldap_uri=$dead $search

echo "1..$n"
finish
