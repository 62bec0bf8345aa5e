#!/bin/sh
# ldap-t.sh: password logins through real libpam (pam_wrapper) against a real
# slapd started for the test: both DN strategies, TLS, failover, injection
# attempts, password policy, and the account phase's group check.
# The cases are files in scenarios/ldap (tests/pam/README.md), the password
# policy's sequences among them; only the ldaprc cases, which need files
# owned by another user set up around them, are written here.
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
printf 'new-reset-pw-2' >"$tmp/reset-new.pw"   # what policy-reset-7-changed sets

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

template="ldap_user_dn=uid=%u,$LDAP_PEOPLE"
starttls="ldap_uri=$LDAP_URI ldap_starttls ldap_ca_file=$LDAP_CA"

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

# binds DN PWFILE: the directory accepts the password in PWFILE for DN
binds() {
	LDAPTLS_CACERT=$LDAP_CA LDAPTLS_REQCERT=demand ldapwhoami -x -H "$LDAPS_URI" -D "$1" -y "$2" \
		-o nettimeout=5 >/dev/null 2>&1 </dev/null
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

# subst TEXT: TEXT with each ${LDAP_*} (tests/fixtures/slapd.sh's env),
# ${tmp} (this run's scratch directory) and ${hang_port} (the listener that
# never answers) replaced by its value.
subst() {
	printf '%s\n' "$1" | awk '{
		out = ""; s = $0
		while (match(s, /[$][{](LDAP[A-Z_]*|tmp|hang_port)[}]/)) {
			name = substr(s, RSTART + 2, RLENGTH - 3)
			if (!(name in ENVIRON)) { print "no value for ${" name "}" >"/dev/stderr"; exit 1 }
			out = out substr(s, 1, RSTART - 1) ENVIRON[name]
			s = substr(s, RSTART + RLENGTH)
		}
		print out s
	}'
}

# ldap_scenario FILE: one case of scenarios/ldap (see tests/pam/README.md):
# pw_case for one phase, check_ops for several in one handle, then the
# directory checks (binds:, no-bind:) the case asks for.
ldap_scenario() {
	s_name='' s_mode='' s_user=alice s_pw='' s_opts='' s_code='' s_reason=- s_ops='' s_out='' s_msg=-
	s_answers=$tmp/answers.$((n + 1)) s_binds=$tmp/binds.$((n + 1))
	: >"$s_answers"
	: >"$s_binds"
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
		ops:*) s_ops=$value ;;
		output:*) s_out=$value ;;
		message:*) s_msg=$value ;;
		answer:*) (umask 077 && printf '%s\n' "$value" >>"$s_answers") ;;
		answer-file:*) f=$(subst "$value") && [ -f "$f" ] || bail "$1: $line"
			(umask 077 && { cat "$f"; echo; } >>"$s_answers") ;;
		binds:* | no-bind:*) printf '%s %s\n' "${line%%:*}" "$(subst "$value")" >>"$s_binds" || bail "$1: $line" ;;
		*) bail "$1: unknown line: $line" ;;
		esac
	done <"$1"
	[ -n "$s_name" ] || bail "$1: name is required"
	case $s_opts in *'${'*) bail "$1: options: an unknown \${...}" ;; esac
	case $s_mode in
	auth | account | account-permit)
		{ [ -n "$s_code" ] && [ -n "$s_pw" ]; } || bail "$1: password and code are required"
		# shellcheck disable=SC2086 # the options are words
		pw_case "$s_name" "$s_code" "$s_reason" "$s_user" "$s_pw" "$s_mode" $s_opts ;;
	ops)
		{ [ -n "$s_ops" ] && [ -n "$s_out" ]; } || bail "$1: ops and output are required"
		[ "$s_reason" != accepted ] || bail "$1: with ops, log: takes rejected: only"
		# shellcheck disable=SC2086 # the options are words
		check_ops "$s_name" "$s_out" "$s_reason" "$s_msg" "$s_user" "$s_answers" "$s_ops" $s_opts ;;
	*) bail "$1: mode must be auth, account, account-permit or ops" ;;
	esac
	while read -r kind dn file; do
		if [ "$kind" = binds ]; then
			check_quiet "... and the directory takes that password for $dn" binds "$dn" "$file"
		else
			check_quiet "... and the directory no longer takes that password for $dn" eval '! binds "$dn" "$file"'
		fi
	done <"$s_binds"
}

# The plain cases, as data: scenarios/ldap/NAME, one TAP line each.
# shellcheck disable=SC2046 # the names of slapd.sh's env, one word each
export tmp hang_port $(sed -n 's/^\(LDAP[A-Z_]*\)=.*/\1/p' "$tmp/slapd/env")
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

echo "1..$n"
finish
