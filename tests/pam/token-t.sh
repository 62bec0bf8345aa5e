#!/bin/sh
# token-t.sh: pam_bearer's auth step through real libpam under pam_wrapper,
# one TAP line per token case (result code and logged reason both checked).
#
# Environment (all optional):
#   PAM_BEARER_MODULE  the module (default BUILDDIR/pam/.libs/pam_bearer.so)
#   PAMRUN             the driver (default BUILDDIR/tests/pam/pamrun)
#   PAM_WRAPPER_LIB    libpam_wrapper.so to preload (default from pkg-config)
#   PB_KEEP_TMP=1      keep the scratch directory and say where it is
# BUILDDIR is $abs_top_builddir if set, else the current directory (automake
# runs tests from the top build directory).  Tokens come from
# tests/fixtures/mint.py, what the module must answer from the scenario files
# in tests/pam/scenarios/token (read by tests/fixtures/scenarios.py).

. "$(dirname "$0")/../lib.sh"
set -f	# module argument lists are split on blanks, never globbed

# pwmods and pamwrap_run: pamrun under pam_wrapper (sanitizer builds too)
need_exec "$pamrun" driver
need_pamrun
need_pam_set_items
need_mint

scratch token
: >"$tmp/empty.conf"
mkdir "$tmp/svc" "$tmp/log" "$tmp/diag"
keys=$tmp/k

mint_keys "$keys"

# Minted last, just before the runs; the scenarios, one file each (see
# tests/pam/README.md), as rows.
scenarios=$srcdir/tests/pam/scenarios/token
token_scenarios "$keys" "$scenarios" "$tmp/scenarios.tsv"

ncases=$(wc -l <"$tmp/scenarios.tsv")
echo "1..$((ncases + 2))"


# judge: one pass over pamrun's standard error.  Variables: reasons (the
# expected reason words, '|'-separated), secret (text no log may hold), want
# (text that must appear, or empty), saidfile (where to write the decision the
# module logged).  Prints one diagnostic line per problem.
# shellcheck disable=SC2016 # an awk program, expanded by awk
judge='
BEGIN {
	nr = split(reasons, r, "|")
	for (i = 1; i <= nr; i++) {
		if (r[i] == "accepted") needle[i] = "accepted"
		else if (r[i] == "unavailable") needle[i] = "unavailable:"
		else if (r[i] == "config") needle[i] = "config:"
		else if (r[i] == "unconfigured") needle[i] = "unconfigured:"
		else needle[i] = "rejected: " r[i]
	}
	for (c = 1; c < 32; c++)
		if (c != 9 && c != 10) ctrl = ctrl sprintf("%c", c)
	ctrl = "[" ctrl sprintf("%c", 127) "]"
}
index($0, "SYSLOG(") {
	for (i = 1; i <= nr; i++) {
		# "accepted" as the decision, not in a sentence such as "tokens
		# are accepted whoever issued them".
		if (needle[i] == "accepted") {
			if ($0 ~ /: accepted([:, ]|$)/) found = 1
		} else if (index($0, needle[i])) found = 1
	}
	if (said == "" && match($0, /SYSLOG\([0-9]+\): (rejected: [a-z-]+|accepted|unavailable|config|unconfigured)/)) {
		said = substr($0, RSTART, RLENGTH)
		sub(/^SYSLOG\([0-9]+\): /, "", said)
	}
	if ($0 ~ ctrl) {
		shown = $0
		gsub(ctrl, "?", shown)
		print "a log line holds a control character: " substr(shown, 1, 200)
	}
}
!index($0, "SYSLOG(") && $0 !~ /^PWRAP_/ && $0 !~ /^pamrun: / && $0 != "" {
	print "unexpected standard error output: " substr($0, 1, 200)
}
secret != "" && index($0, secret) { print "the input (..." secret ") is in the log" }
index($0, "PBCANARY") { print "token text (PBCANARY) quoted in the log" }
want != "" && index($0, want) { wanted = 1 }
END {
	if (!found) print "no log line with reason " reasons
	if (want != "" && !wanted) print "standard error lacks \"" want "\""
	print said > saidfile
}'

# run_case NAME USER EXPECTED REASON ARGS TOKENFILE NEEDLEFILE DEFAULT-JWKS
# Writes a private service directory for NAME, runs pamrun under pam_wrapper
# and reports one TAP line.  Few processes per case: the module's own work
# should dominate the run time.
run_case() {
	name=$1 user=$2 expected=$3 reason=$4 args=$5 tok=$6 jwks=$8
	read -r secret <"$7" || secret=
	# A rebuild under our feet would fail every case: say so once.
	[ -f "$module" ] || bail "module vanished during the run: $module"
	svc=$tmp/svc/$name
	log=$tmp/log/$name
	diag=$tmp/diag/$name
	mkdir "$svc"
	: >"$diag"

	modargs='' preset='' want_stderr=''
	for w in $args; do
		case $w in
		-) ;;
		@preset) preset=--preset ;;
		@nojwks) jwks= ;;
		@stderr=*) want_stderr=${w#@stderr=} ;;
		@*) echo "unknown directive $w" >>"$diag" ;;
		jwks=*) jwks=; modargs="$modargs $w" ;;
		*) modargs="$modargs $w" ;;
		esac
	done
	line="auth required $module config=$tmp/empty.conf"
	[ -n "$jwks" ] && line="$line jwks=$jwks"
	line="$line$modargs"
	# Linux-PAM reads service files in lines of at most 1024 bytes.
	[ ${#line} -lt 1000 ] || echo "service line too long (${#line})" >>"$diag"
	{
		[ -n "$preset" ] && echo "auth required $pwmods/pam_set_items.so"
		echo "$line"
	} >"$svc/bearer"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
		>"$svc/other"

	# pamrun kills itself with SIGALRM after 60 s.
	got=$(cd "$tmp" && pamwrap_run "$svc" $preset bearer "$user" "$tok" \
		2>"$log" </dev/null)
	rc=$?
	if [ $rc -eq 142 ]; then
		echo "pamrun timed out" >>"$diag"
	elif [ $rc -gt 128 ]; then
		echo "pamrun died of signal $((rc - 128))" >>"$diag"
	elif [ $rc -ne 0 ]; then
		echo "pamrun exited $rc" >>"$diag"
	fi

	match=
	oldifs=$IFS IFS='|'
	for e in $expected; do [ "$got" = "$e" ] && match=1; done
	IFS=$oldifs
	[ -n "$match" ] || echo "result ${got:-none}, expected $expected" >>"$diag"

	LC_ALL=C awk -v reasons="$reason" -v secret="$secret" \
		-v want="$want_stderr" -v saidfile="$log.said" "$judge" \
		"$log" >>"$diag"
	read -r said <"$log.said" || said=

	if [ -s "$diag" ]; then
		echo "log:" >>"$diag"
		cut -c 1-300 "$log" | grep -v 'PWRAP_DEBUG.*pwrap_\|^$' |
			head -n 12 | cat -v >>"$diag"
		result_file "not ok" "$name: $got ${said:-(no decision logged)}" "$diag"
	else
		result_file ok "$name: $got $said"
	fi
}

if $python "$fixtures/mint.py" check "$keys" "$scenarios" >"$tmp/check.log" 2>&1; then
	result_file ok "fixtures: PyJWT agrees with the scenarios on the expected outcomes"
else
	result_file "not ok" "fixtures: PyJWT agrees with the scenarios" "$tmp/check.log"
fi

# Every token mint.py makes has its scenario, and every scenario its token.
ls "$keys/cases" | sed -n 's/\.tok$//p' | sort >"$tmp/minted"
cut -f1 "$tmp/scenarios.tsv" | sort >"$tmp/scenario-names"
if cmp -s "$tmp/minted" "$tmp/scenario-names"; then
	result ok "scenarios: one per minted token ($ncases)"
else
	diff "$tmp/minted" "$tmp/scenario-names" | grep '^[<>]' |
		sed 's/^</minted, no scenario:/; s/^>/scenario, no token:/' >"$tmp/names.diff"
	result_file "not ok" "scenarios: one per minted token" "$tmp/names.diff"
fi

while IFS=$tab read -r name user expected reason args; do
	run_case "$name" "$user" "$expected" "$reason" "$args" \
		"$keys/cases/$name.tok" "$keys/cases/$name.needle" "$keys/jwks.json"
done <"$tmp/scenarios.tsv"


finish
