#!/bin/sh
# flags-t.sh: helper/flags.def drives each command's getopt (TAP).
#
# For every command of helper/main.c and every flag of the table, long and
# short forms: "bearer-token COMMAND FLAG [ARG] --help" prints the usage on
# standard output and exits 0 when the table gives COMMAND that flag, and
# exits 64 with the usage on standard error and nothing on standard output
# when it does not (getopt stops at the flag before --help is read).  Then a
# few cases by hand: a flag one command takes is unknown to another.
#
# Environment: abs_top_builddir, abs_top_srcdir, BEARER_TOKEN (the helper),
# BEARER_TOKEN_PLUGIN (verify runs in it), PB_KEEP_TMP=1 to keep the scratch
# directory.

. "$(dirname "$0")/../lib.sh"
BEARER_TOKEN_PLUGIN=$plugin
export BEARER_TOKEN_PLUGIN
unset BEARER_TOKEN_CONFIG BEARER_TOKEN_AUTHORITY

need_exec "$helper" helper
need_file "$plugin" "network plugin"
flags_def=$srcdir/helper/flags.def
main_c=$srcdir/helper/main.c
[ -s "$flags_def" ] && [ -s "$main_c" ] || bail "missing: $flags_def or $main_c"

scratch flags
trap 'exit 98' HUP INT PIPE TERM

# The table, "--name|letter|argument|commands" per entry (its first line),
# and the commands ({ "name", ... } entries of main.c's commands[]).
sed -n "s/^PB_FLAG([A-Z_]*, *\"\([a-z][a-z-]*\)\", *\(0\|'\([a-zA-Z]\)'\), *\(\"\([^\"]*\)\"\|NULL\), *\(\"[a-z_]*\"\|NULL\), *\"\([a-z ]*\)\",\$/--\1|\3|\5|\7/p" \
	"$flags_def" >"$tmp/flags"
sed -n 's/^[ \t]*{ "\([a-z]*\)", .*/\1/p' "$main_c" >"$tmp/commands"
[ -s "$tmp/flags" ] && [ "$(wc -l <"$tmp/flags")" = "$(grep -c '^PB_FLAG(' "$flags_def")" ] ||
	bail "cannot read every entry of $flags_def"
[ "$(wc -l <"$tmp/commands")" -ge 9 ] || bail "cannot read the commands of $main_c"

# The flags (--name and -x), each with whether it takes an argument, and for
# each command the ones it takes: a name two entries share (--config) is one
# flag here.
while IFS='|' read -r long letter argument cmds; do
	echo "$long|${argument:+1}"
	[ -z "$letter" ] || echo "-$letter|${argument:+1}"
done <"$tmp/flags" | sort -u >"$tmp/forms"
takes() { # COMMAND FORM
	while IFS='|' read -r long letter argument cmds; do
		case " $cmds " in *" $1 "*) [ "$2" = "$long" ] || [ "$2" = "-$letter" ] && return 0 ;; esac
	done <"$tmp/flags"
	return 1
}

# run NAME COMMAND ARGS...: the helper's stdout, stderr and status in $tmp.
run() {
	name=$1
	shift
	"$helper" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
	echo $? >"$tmp/$name.rc"
}

for cmd in $(cat "$tmp/commands"); do
	wrong=
	taken=0
	refused=0
	while IFS='|' read -r form arg; do
		if [ -n "$arg" ]; then run one "$cmd" "$form" x --help; else run one "$cmd" "$form" --help; fi
		rc=$(cat "$tmp/one.rc")
		if takes "$cmd" "$form"; then
			taken=$((taken + 1))
			[ "$rc" = 0 ] && grep -q "^usage: bearer-token $cmd" "$tmp/one.out" || wrong="$wrong $form(exit $rc, refused)"
		else
			refused=$((refused + 1))
			[ "$rc" = 64 ] && [ ! -s "$tmp/one.out" ] && grep -q "^usage: bearer-token $cmd" "$tmp/one.err" ||
				wrong="$wrong $form(exit $rc, taken)"
		fi
	done <"$tmp/forms"
	if [ -z "$wrong" ]; then
		result ok "$cmd takes its $taken flags of helper/flags.def and refuses the other $refused (exit 64, usage)"
	else
		result "not ok" "$cmd takes exactly its flags of helper/flags.def" "wrong:$wrong"
	fi
done

# refused DESCRIPTION FLAG COMMAND ARGS...: exit 64, nothing on stdout, and on
# stderr getopt's word on FLAG and the command's own usage.
refused() {
	desc=$1 flag=$2 cmd=$3
	shift 2
	run case "$@"
	rc=$(cat "$tmp/case.rc")
	if [ "$rc" = 64 ] && [ ! -s "$tmp/case.out" ] && grep -q -e "option '$flag'" -e "option -- '${flag#-}'" "$tmp/case.err" \
		&& grep -q "^usage: bearer-token $cmd " "$tmp/case.err"; then
		result ok "$desc: exit 64, named, with $cmd's usage"
	else
		result "not ok" "$desc" "exit $rc; stdout $(wc -c <"$tmp/case.out") bytes; stderr: $(head -n 3 "$tmp/case.err")"
	fi
}
refused "get --json (a flag of status and verify)" --json get get --json
refused "store --password-stdin (a flag of login)" --password-stdin store store --password-stdin
refused "verify -c FILE (-c is --config of the token commands only)" -c verify verify -c /dev/null
refused "verify --authority NAME (a flag of the token commands)" --authority verify verify --authority a
refused "status --token-file FILE (a flag of verify)" --token-file status status --token-file /dev/null
refused "login --user without its argument" --user login login --user

run json status --json --help
[ "$(cat "$tmp/json.rc")" = 0 ] && grep -q -- '--json' "$tmp/json.out" \
	&& result ok "status --json --help: the flag is status's own, exit 0" \
	|| result "not ok" "status --json --help" "exit $(cat "$tmp/json.rc"): $(head -n 3 "$tmp/json.err")"

echo "1..$n"
finish
