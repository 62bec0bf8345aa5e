#!/bin/sh
# docs-t.sh: the man pages agree with the code (TAP).
#
# Checks, against lib/options.def (the one option table) and the reason_names
# table in lib/status.c:
#   - every option has an entry in pam_bearer.conf(5) and in pam_bearer(8);
#   - neither page documents an option that does not exist (stale docs);
#   - options marked MODULE are called "module line only" in pam_bearer.conf(5),
#     and no other option is;
#   - each built-in default appears in the option's pam_bearer.conf(5) entry;
#   - every rejection reason is explained in pam_bearer(8), and nothing else
#     is listed there as a reason;
#   - helper/flags.def (the helper's flags) names only commands of
#     helper/main.c and options of lib/options.def, and gives no command two
#     flags of one name or letter;
#   - bearer-token.1 has an entry for every flag verify takes under OPTIONS,
#     and for every flag another command takes under TOKEN COMMAND OPTIONS,
#     long and short forms, and none for a flag the table does not give that
#     section; an entry under TOKEN COMMAND OPTIONS says "Only for" exactly
#     the commands that take it unless they all do; its SYNOPSIS shows no
#     command with another command's flag;
#   - every command's --help lists exactly its flags of helper/flags.def
#     (skipped when the helper is not built);
#   - bearer-token.1 lists under EXIT STATUS exactly the exit codes of
#     lib/exit-codes.h;
#   - every key of lib/authority.def has an entry under AUTHORITY SECTIONS in
#     pam_bearer.conf(5), no other key has one there, and each preset named
#     in the "preset" key's help has a ".SS The NAME preset" subsection there
#     (and no other preset does);
#   - every command of the commands[] table in helper/main.c is shown in the
#     SYNOPSIS of bearer-token.1 and has an entry in its DESCRIPTION, and
#     neither names a command that does not exist;
#   - the generated pam_bearer.conf (docs/pam_bearer.conf in the build, the
#     package's conffile) has a commented "#name = default" line for every
#     option the file accepts, with the default of options.def, none for an
#     option that does not exist or is module line only, and names every
#     module-line-only option as such (skipped when it is not built);
#   - each built page (docs/*.8, *.5, *.1 in the build directory, made by
#     configure from docs/*.in) carries the build's PACKAGE_VERSION (from its
#     config.h) in its .TH line, a YYYY-MM-DD date there, and no @NAME@
#     placeholder left unsubstituted (skipped when not configured);
#   - all three pages render without a groff warning (skipped without groff).
#
# An option entry is a ".TP" line followed by ".B name" or ".BI name= VALUE"
# inside ".SH OPTIONS"; a reason entry is the same inside
# ".SS Rejection reasons" of pam_bearer.8.
#
# A bearer-token.1 flag entry is a ".TP" line followed by a line naming the
# flag as "\-\-name" and, if it has a letter, "\-x", inside ".SH OPTIONS" or
# ".SH TOKEN COMMAND OPTIONS"; an exit code entry is a ".TP" line followed
# by ".B N" inside ".SH EXIT STATUS".
#
# An authority key entry is a ".TP" line followed by ".B key" or
# ".BI key= VALUE" inside ".SH AUTHORITY SECTIONS" of pam_bearer.conf.5.
# A command is shown in the SYNOPSIS by a line ".B bearer-token NAME ...",
# and described by a ".TP" line followed by ".B NAME" inside ".SH DESCRIPTION".
#
# Run by automake from the build directory with abs_top_srcdir and
# abs_top_builddir set; by hand:
#   abs_top_srcdir=/path/to/source abs_top_builddir=/path/to/build sh tests/docs-t.sh

. "$(dirname "$0")/lib.sh"
LC_ALL=C
export LC_ALL
def=$srcdir/lib/options.def
status_c=$srcdir/lib/status.c
conf5=$srcdir/docs/pam_bearer.conf.5.in
man8=$srcdir/docs/pam_bearer.8.in
man1=$srcdir/docs/bearer-token.1.in
commands_h=$srcdir/lib/exit-codes.h
authority_def=$srcdir/lib/authority.def
main_c=$srcdir/helper/main.c
conffile=${abs_top_builddir:-$(pwd)}/docs/pam_bearer.conf

for f in "$def" "$status_c" "$conf5" "$man8" "$man1" "$commands_h" "$authority_def" "$main_c"; do
	[ -s "$f" ] || bail "missing or empty: $f"
done

scratch docs
trap 'exit 98' HUP INT PIPE TERM

# --- what the code says -------------------------------------------------------

# options.def: one "name|where|default" line per PB_OPTION, the macro's fields
# split at commas outside double quotes (a default may hold commas).
awk '
	/^[ \t]*PB_OPTION\(/ { text = ""; collecting = 1 }
	collecting { text = text $0 " " }
	collecting && /\)[ \t]*$/ {
		collecting = 0
		sub(/^[ \t]*PB_OPTION\(/, "", text)
		n = 0; field = ""; inq = 0
		for (i = 1; i <= length(text); i++) {
			c = substr(text, i, 1)
			if (c == "\"") inq = !inq
			if (c == "," && !inq) { f[++n] = field; field = ""; continue }
			field = field c
		}
		f[++n] = field
		for (i = 1; i <= n; i++) { gsub(/^[ \t]+|[ \t]+$/, "", f[i]) }
		def = f[4]; gsub(/"/, "", def)
		print f[1] "|" f[5] "|" def
	}
' "$def" >"$tmp/options"
cut -d'|' -f1 "$tmp/options" | sort >"$tmp/option-names"

# status.c: the names in reason_names ("[PB_R_X] = "name"").  "none" marks the
# absence of a reason and is never logged, so it is not documented.
sed -n 's/^[ \t]*\[PB_R_[A-Z_]*\][ \t]*=[ \t]*"\([^"]*\)".*/\1/p' "$status_c" |
	grep -vx none | sort >"$tmp/reasons"

# authority.def: the key names, and the presets listed in the "preset" key's
# help ("(oauth2 mlserver ...) ...").
sed -n 's/^[ \t]*PB_AUTH_KEY([ \t]*\([a-z_0-9]*\)[ \t]*,.*/\1/p' "$authority_def" |
	sort >"$tmp/auth-keys"
sed -n 's/^[ \t]*PB_AUTH_KEY([ \t]*preset[ \t]*,[^"]*"(\([^)]*\)).*/\1/p' "$authority_def" |
	tr ' \t' '\n\n' | grep -v '^$' | sort >"$tmp/presets"

# main.c: the first string of each entry of "commands[] = { ... };".
awk '
	/commands\[\][ \t]*=/ { inside = 1; next }
	inside && /^[ \t]*\};/ { inside = 0 }
	inside && /^[ \t]*\{[ \t]*"/ {
		line = $0
		sub(/^[ \t]*\{[ \t]*"/, "", line)
		sub(/".*/, "", line)
		print line
	}
' "$main_c" | sort >"$tmp/commands"

# --- what the pages say ------------------------------------------------------

# entries PAGE SECTION-START-REGEX: the names of ".TP" entries in that section
# (up to the next .SH, or the next .SS too when the section is a .SS).
entries() {
	awk -v start="$2" '
		$0 ~ start { inside = 1; sub_only = ($0 ~ /^\.SS/); next }
		inside && /^\.SH/ { inside = 0 }
		inside && sub_only && /^\.SS/ { inside = 0 }
		!inside { next }
		after_tp {
			after_tp = 0
			if ($0 ~ /^\.(B|BI|BR)[ \t]/) {
				name = $2
				gsub(/"/, "", name)
				sub(/=.*/, "", name)
				print name
			}
			next
		}
		/^\.TP/ { after_tp = 1 }
	' "$1" | sort -u
}

# entry_text PAGE NAME: the source lines of NAME's entry under .SH OPTIONS.
entry_text() {
	awk -v want="$2" '
		/^\.SH OPTIONS/ { inside = 1; next }
		inside && /^\.SH/ { inside = 0 }
		!inside { next }
		/^\.(TP|SS)/ { grab = 0; after_tp = ($0 ~ /^\.TP/); next }
		after_tp {
			after_tp = 0
			name = $2; gsub(/"/, "", name); sub(/=.*/, "", name)
			if ($0 ~ /^\.(B|BI|BR)[ \t]/ && name == want) grab = 1
		}
		grab { print }
	' "$1"
}

entries "$conf5" '^\.SH OPTIONS' >"$tmp/conf5-options"
entries "$man8" '^\.SH OPTIONS' >"$tmp/man8-options"
entries "$man8" '^\.SS Rejection reasons' >"$tmp/man8-reasons"
entries "$conf5" '^\.SH AUTHORITY SECTIONS' >"$tmp/conf5-auth-keys"
entries "$man1" '^\.SH DESCRIPTION' >"$tmp/man1-described"

# The presets with a ".SS The NAME preset" subsection under AUTHORITY SECTIONS.
awk '
	/^\.SH AUTHORITY SECTIONS/ { inside = 1; next }
	inside && /^\.SH/ { inside = 0 }
	inside && /^\.SS/ {
		line = $0
		gsub(/"/, "", line)
		if (line ~ /^\.SS The [^ ]+ preset$/) { split(line, w, " "); print w[3] }
	}
' "$conf5" | sort -u >"$tmp/conf5-presets"

# The commands shown in the SYNOPSIS: ".B bearer-token NAME ...".
awk '
	/^\.SH SYNOPSIS/ { inside = 1; next }
	inside && /^\.SH/ { inside = 0 }
	inside && $1 == ".B" && $2 == "bearer-token" && $3 ~ /^[a-z]/ { print $3 }
' "$man1" | sort -u >"$tmp/man1-synopsis"

# --- the checks ----------------------------------------------------------------

# result and check_quiet (tests/lib.sh) print each line at once; the plan
# comes last, when the number of options is known.
listed() { grep -qx -- "$1" "$2"; }

# A list read from a source file must not be empty: an empty one would make
# every check against it pass.
# no_stale SOURCE-LIST DOC-LIST DOC WHAT SOURCE: DOC names no WHAT that
# SOURCE (whose names are SOURCE-LIST) lacks: nothing documented that is gone.
no_stale() {
	stale=$(comm -13 "$1" "$2" | tr '\n' ' ' | sed 's/ $//')
	if [ -z "$stale" ]; then
		result ok "$3 names no $4 missing from $5"
	else
		result "not ok" "$3 names $4 not in $5: $stale"
	fi
}
parsed() { # FILE SOURCE WHAT
	count=$(wc -l <"$1")
	if [ "$count" -gt 0 ]; then
		result ok "$2 names $count $3"
	else
		result "not ok" "$2 names $3 (none parsed)"
	fi
}
parsed "$tmp/option-names" lib/options.def options
parsed "$tmp/reasons" lib/status.c "rejection reasons"

while IFS='|' read -r name where default; do
	check_quiet "pam_bearer.conf.5 documents option $name" listed "$name" "$tmp/conf5-options"
	check_quiet "pam_bearer.8 lists option $name" listed "$name" "$tmp/man8-options"

	entry_text "$conf5" "$name" >"$tmp/entry"
	if grep -qi 'module line only' "$tmp/entry"; then marked=MODULE; else marked=FILE; fi
	if [ "$marked" = "$where" ]; then
		result ok "pam_bearer.conf.5: $name is $where (module line only: $([ "$where" = MODULE ] && echo yes || echo no))"
	else
		result "not ok" "pam_bearer.conf.5: $name is $where in options.def but documented as $marked"
	fi

	case $default in
	NULL|'') continue ;;
	false) want="Default: off" ;;
	true) want="Default: on" ;;
	PB_DEFAULT_CONFIG) want=/etc/security/pam_bearer.conf ;;
	PB_DEFAULT_CACHE_DIR) want=/var/cache/pam_bearer ;;
	PB_DEFAULT_METRICS_FILE) want=/var/lib/pam_bearer/metrics ;;
	PB_DEFAULT_HELPER) want=/bin/bearer-token ;;
	*) want=$default ;;
	esac
	missing=
	oldifs=$IFS
	IFS=,
	for item in $want; do
		grep -qF -- "$item" "$tmp/entry" || missing="$missing $item"
	done
	IFS=$oldifs
	if [ -z "$missing" ]; then
		result ok "pam_bearer.conf.5 gives the default of $name ($default)"
	else
		result "not ok" "pam_bearer.conf.5 gives the default of $name ($default)" "not found:$missing"
	fi
done <"$tmp/options"

while read -r reason; do
	check_quiet "pam_bearer.8 explains rejection reason $reason" listed "$reason" "$tmp/man8-reasons"
done <"$tmp/reasons"

no_stale "$tmp/option-names" "$tmp/conf5-options" pam_bearer.conf.5 option options.def
no_stale "$tmp/option-names" "$tmp/man8-options" pam_bearer.8 option options.def
no_stale "$tmp/reasons" "$tmp/man8-reasons" pam_bearer.8 reason lib/status.c

# bearer-token.1 and every command's --help against helper/flags.def.
# flag_names: the flags on each line read, as --name and -x, one per line
# (long names first, so that the "\-c" inside "\-\-config" is not taken for
# a letter).
flag_names() {
	awk '{
		line = $0
		while (match(line, /\\-\\-[a-z]([a-z]|\\-)*/)) {
			name = substr(line, RSTART, RLENGTH)
			gsub(/\\/, "", name)
			print name
			line = substr(line, 1, RSTART - 1) " " substr(line, RSTART + RLENGTH)
		}
		while (match(line, /\\-[a-zA-Z]([^a-zA-Z\\-]|$)/)) {
			print "-" substr(line, RSTART + 2, 1)
			line = substr(line, RSTART + 3)
		}
	}'
}

# flag_entries PAGE SECTION: one line per ".TP" entry of that .SH section,
# "FLAGS|TEXT": the flags its first line names, and its text with the font
# macros and escapes taken out.
flag_entries() {
	awk -v start="$2" '
		function out() { if (names != "") print names "|" text; names = ""; text = "" }
		$0 ~ start { inside = 1; next }
		inside && /^\.SH/ { out(); inside = 0 }
		!inside { next }
		/^\.(TP|PP|SS|IP)/ { out(); after_tp = ($0 ~ /^\.TP/); next }
		after_tp { after_tp = 0; names = $0; next }
		names != "" {
			line = $0
			if (line ~ /^\.(B|I)[ \t]/) { sub(/^\.[BI][ \t]+/, "", line); gsub(/"/, "", line) }
			else if (line ~ /^\.[BIR][BIR][ \t]/) { sub(/^\.[BIR][BIR][ \t]+/, "", line); gsub(/[" ]/, "", line) }
			gsub(/\\f[BIRP]/, "", line)
			gsub(/\\-/, "-", line)
			text = text " " line
		}
		END { out() }
	' "$1"
}

flags_def=$srcdir/helper/flags.def
[ -s "$flags_def" ] || bail "missing or empty: $flags_def"
# flags.def: "--name|letter|option|commands" per PB_FLAG, from an entry's
# first line (the table's own rule).
sed -n "s/^PB_FLAG([A-Z_]*, *\"\([a-z][a-z-]*\)\", *\(0\|'\([a-zA-Z]\)'\), *\(\"[^\"]*\"\|NULL\), *\(\"[a-z_]*\"\|NULL\), *\"\([a-z ]*\)\",\$/--\1|\3|\5|\6/p" \
	"$flags_def" | sed 's/|NULL|/||/; s/|"\([a-z_]*\)"|/|\1|/' >"$tmp/flags"
# The commands of helper/main.c other than verify: the token commands.
grep -vx verify "$tmp/commands" >"$tmp/token-commands"
# command_flags CMD: CMD's flags in the table, --name and -x, sorted.
command_flags() {
	while IFS='|' read -r long letter option cmds; do
		case " $cmds " in
		*" $1 "*) echo "$long"; [ -z "$letter" ] || echo "-$letter" ;;
		esac
	done <"$tmp/flags" | sort -u
}
count=$(wc -l <"$tmp/flags")
if [ "$count" -gt 0 ] && [ "$count" = "$(grep -c '^PB_FLAG(' "$flags_def")" ]; then
	result ok "helper/flags.def declares $count flags"
else
	result "not ok" "helper/flags.def: every PB_FLAG entry read ($count of $(grep -c '^PB_FLAG(' "$flags_def"))"
fi
bad=
while IFS='|' read -r long letter option cmds; do
	for cmd in $cmds; do listed "$cmd" "$tmp/commands" || bad="$bad $long:$cmd"; done
	[ -z "$option" ] || listed "$option" "$tmp/option-names" || bad="$bad $long:$option"
done <"$tmp/flags"
if [ -z "$bad" ]; then
	result ok "helper/flags.def names only commands of helper/main.c and options of lib/options.def"
else
	result "not ok" "helper/flags.def names unknown commands or options:$bad"
fi
# No command has two flags of one name or letter: getopt would take the first.
for cmd in $(cat "$tmp/commands"); do
	while IFS='|' read -r long letter option cmds; do
		case " $cmds " in *" $cmd "*) echo "$long"; [ -z "$letter" ] || echo "-$letter" ;; esac
	done <"$tmp/flags" | sort | uniq -d
done >"$tmp/flag-clashes"
if [ -s "$tmp/flag-clashes" ]; then
	result "not ok" "helper/flags.def gives no command a flag twice: $(tr '\n' ' ' <"$tmp/flag-clashes")"
else
	result ok "helper/flags.def gives no command a flag twice"
fi

# The two option sections of bearer-token.1: OPTIONS is verify's, TOKEN
# COMMAND OPTIONS the other commands'.
flag_entries "$man1" '^\.SH OPTIONS' >"$tmp/man1-verify-entries"
flag_entries "$man1" '^\.SH TOKEN COMMAND OPTIONS' >"$tmp/man1-token-entries"
for part in verify token; do
	cut -d'|' -f1 "$tmp/man1-$part-entries" | flag_names | sort -u >"$tmp/man1-$part-flags"
	if [ $part = verify ]; then
		section=OPTIONS
		command_flags verify >"$tmp/want-$part-flags"
	else
		section="TOKEN COMMAND OPTIONS"
		for cmd in $(cat "$tmp/token-commands"); do command_flags "$cmd"; done | sort -u >"$tmp/want-$part-flags"
	fi
	while read -r flag; do
		check_quiet "bearer-token.1 $section documents $flag" listed "$flag" "$tmp/man1-$part-flags"
	done <"$tmp/want-$part-flags"
	no_stale "$tmp/want-$part-flags" "$tmp/man1-$part-flags" "bearer-token.1 $section" flag "helper/flags.def for it"
done
# "Only for": a token-command flag that some of them do not take says which.
all_tokens=$(tr '\n' ' ' <"$tmp/token-commands")
all_tokens=${all_tokens% }
while IFS='|' read -r long letter option cmds; do
	takes=$(for cmd in $cmds; do listed "$cmd" "$tmp/token-commands" && echo "$cmd"; done | sort | tr '\n' ' ')
	takes=${takes% }
	[ -n "$takes" ] || continue
	text=$(awk -F'|' -v want="$long" '{
		n = split($1, w, /[^-a-zA-Z\\]+/)
		for (i = 1; i <= n; i++) { f = w[i]; gsub(/\\/, "", f); if (f == want) { print $2; exit } }
	}' "$tmp/man1-token-entries")
	case $text in
	*"Only for "*)
		said=$(printf '%s\n' "${text#*Only for }" | sed 's/\..*//' | tr ', ' '\n\n' | grep -v '^\(and\|or\|\)$' |
			sort | tr '\n' ' ')
		said=${said% } ;;
	*) said=$all_tokens ;;
	esac
	if [ "$said" = "$takes" ]; then
		result ok "bearer-token.1: $long is for $( [ "$takes" = "$all_tokens" ] && echo 'every token command' || echo "$takes")"
	else
		result "not ok" "bearer-token.1: $long is for: $takes" "the page says: $said"
	fi
done <"$tmp/flags"
# The SYNOPSIS shows no command with a flag the table does not give it.
awk '
	/^\.SH SYNOPSIS/ { inside = 1; next }
	inside && /^\.SH/ { inside = 0 }
	!inside { next }
	/^\.PP/ || ($1 == ".B" && $2 != "bearer-token") || ($1 == ".B" && NF == 2) { cmd = "" }
	$1 == ".B" && $2 == "bearer-token" && $3 ~ /^[a-z]/ { cmd = $3; sub(/^[^ ]+ [^ ]+ [^ ]+/, "") }
	cmd != "" { print cmd " " $0 }
' "$man1" >"$tmp/man1-synopsis-lines"
bad=
for cmd in $(cat "$tmp/commands"); do
	command_flags "$cmd" >"$tmp/want"
	for flag in $(sed -n "s/^$cmd //p" "$tmp/man1-synopsis-lines" | flag_names); do
		listed "$flag" "$tmp/want" || bad="$bad $cmd:$flag"
	done
done
if [ -z "$bad" ]; then
	result ok "bearer-token.1 SYNOPSIS shows each command with its own flags only"
else
	result "not ok" "bearer-token.1 SYNOPSIS shows flags a command does not take:$bad"
fi

# Every command's --help: the flag column ("  -x, --name ..." or
# "      --name ...") lists exactly the command's flags in the table.
if [ -x "$helper" ]; then
	for cmd in $(cat "$tmp/commands"); do
		"$helper" "$cmd" --help >"$tmp/help" 2>&1
		rc=$?
		sed -n 's/^  -\([a-zA-Z]\), --\([a-z][a-z-]*\).*/-\1\n--\2/p; s/^      --\([a-z][a-z-]*\).*/--\1/p' \
			"$tmp/help" | sort -u >"$tmp/help-flags"
		command_flags "$cmd" >"$tmp/want"
		if [ $rc -eq 0 ] && [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/help-flags" \
			&& grep -q "^usage: bearer-token $cmd" "$tmp/help"; then
			result ok "bearer-token $cmd --help lists its flags of helper/flags.def: $(tr '\n' ' ' <"$tmp/want" | sed 's/ $//')"
		else
			result "not ok" "bearer-token $cmd --help lists its flags of helper/flags.def (exit $rc)" \
				"table: $(tr '\n' ' ' <"$tmp/want"); --help: $(tr '\n' ' ' <"$tmp/help-flags")"
		fi
	done
else
	result ok "# SKIP $helper not built: no command's --help compared"
fi

# Exit codes: lib/exit-codes.h's PB_EXIT_* values against ".SH EXIT STATUS".
sed -n 's/^[ \t]*PB_EXIT_[A-Z_]*[ \t]*=[ \t]*\([0-9][0-9]*\).*/\1/p' "$commands_h" |
	sort -n >"$tmp/exit-codes"
awk '
	/^\.SH EXIT STATUS/ { inside = 1; next }
	inside && /^\.SH/ { inside = 0 }
	!inside { next }
	after_tp { after_tp = 0; if ($1 == ".B") print $2; next }
	/^\.TP/ { after_tp = 1 }
' "$man1" | sort -n >"$tmp/man1-exit-codes"
if [ -s "$tmp/exit-codes" ] && cmp -s "$tmp/exit-codes" "$tmp/man1-exit-codes"; then
	result ok "bearer-token.1 EXIT STATUS lists lib/exit-codes.h's codes: $(tr '\n' ' ' <"$tmp/exit-codes")"
else
	result "not ok" "bearer-token.1 EXIT STATUS lists lib/exit-codes.h's codes" \
		"commands.h: $(tr '\n' ' ' <"$tmp/exit-codes"); page: $(tr '\n' ' ' <"$tmp/man1-exit-codes")"
fi

# Authority sections: lib/authority.def against pam_bearer.conf(5).
count=$(wc -l <"$tmp/auth-keys")
if [ "$count" -gt 0 ] && [ -s "$tmp/presets" ]; then
	result ok "lib/authority.def declares $count authority keys and $(wc -l <"$tmp/presets") presets"
else
	result "not ok" "lib/authority.def declares authority keys and presets (keys: $count, presets: $(wc -l <"$tmp/presets"))"
fi
# in_conf5 WHAT SOURCE-LIST PAGE-LIST: every name of authority.def is in
# pam_bearer.conf.5, and the page names none that authority.def lacks.
in_conf5() {
	while read -r name; do
		check_quiet "pam_bearer.conf.5 documents $1 $name" listed "$name" "$3"
	done <"$2"
	no_stale "$2" "$3" pam_bearer.conf.5 "$1" authority.def
}
in_conf5 "authority key" "$tmp/auth-keys" "$tmp/conf5-auth-keys"
in_conf5 preset "$tmp/presets" "$tmp/conf5-presets"

# Commands: helper/main.c's commands[] against bearer-token.1.
parsed "$tmp/commands" helper/main.c commands
while read -r cmd; do
	check_quiet "bearer-token.1 SYNOPSIS shows command $cmd" listed "$cmd" "$tmp/man1-synopsis"
	check_quiet "bearer-token.1 DESCRIPTION describes command $cmd" listed "$cmd" "$tmp/man1-described"
done <"$tmp/commands"
no_stale "$tmp/commands" "$tmp/man1-synopsis" "bearer-token.1 SYNOPSIS" command helper/main.c
no_stale "$tmp/commands" "$tmp/man1-described" "bearer-token.1 DESCRIPTION" command helper/main.c

# The conffile: one "#name = value" (or "#name =") line per option the file
# accepts, with the table's default; module-line-only options named once in
# the header ("Module line only, refused here: ...", possibly wrapped).
if [ -s "$conffile" ]; then
	sed -n 's/^#\([a-z_][a-z_0-9]*\) =\( \(.*\)\)\{0,1\}$/\1|\3/p' "$conffile" | sort >"$tmp/conf-lines"
	cut -d"|" -f1 "$tmp/conf-lines" | sort >"$tmp/conf-names"
	awk '/^# Module line only/ { on = 1 } on && /^#$/ { on = 0 } on' "$conffile" |
		sed 's/^# //; s/^Module line only, refused here://' | tr ' ' '\n' | grep -v '^$' | sort >"$tmp/conf-module"
	while IFS='|' read -r name where default; do
		if [ "$where" = MODULE ]; then
			check "pam_bearer.conf names $name as module line only" listed "$name" "$tmp/conf-module"
			if listed "$name" "$tmp/conf-names"; then
				result "not ok" "pam_bearer.conf has no line for module-line-only $name"
			else
				result ok "pam_bearer.conf has no line for module-line-only $name"
			fi
			continue
		fi
		got=$(grep "^$name|" "$tmp/conf-lines")
		case $default in
		NULL) want="$name|" ;;
		PB_DEFAULT_*) want= ;;	# compiled in: only its presence is checked
		*) want="$name|$default" ;;
		esac
		if [ -n "$got" ] && { [ -z "$want" ] || [ "$got" = "$want" ]; }; then
			result ok "pam_bearer.conf: #$name = ${default#NULL}"
		else
			result "not ok" "pam_bearer.conf: #$name = ${default#NULL}" "line: ${got:-none}"
		fi
	done <"$tmp/options"
	no_stale "$tmp/option-names" "$tmp/conf-names" pam_bearer.conf option options.def
else
	result ok "# SKIP $conffile not built: the conffile not compared"
fi

# The built pages: version and date from the build, every placeholder filled.
builddir=${abs_top_builddir:-$(pwd)}
version=
[ -f "$builddir/config.h" ] &&
	version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$builddir/config.h")
for page in "$conf5" "$man8" "$man1"; do
	base=$(basename "$page" .in)
	built=$builddir/docs/$base
	if [ -z "$version" ] || [ ! -f "$built" ]; then
		result ok "# SKIP not configured: $built and its version not checked"
		result ok "# SKIP not configured: $built not checked for placeholders"
		continue
	fi
	th=$(grep '^\.TH ' "$built")
	if [ "$(printf '%s\n' "$th" | wc -l)" -eq 1 ] &&
		printf '%s\n' "$th" | grep -q "^\.TH [^ ]* [0-9] \"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]\" \"pam_bearer $version\" "; then
		result ok "$base: .TH has the build's version $version and a date"
	else
		result "not ok" "$base: .TH has the build's version $version and a date" "$th"
	fi
	left=$(grep -n '@[A-Za-z_][A-Za-z0-9_]*@' "$built" | head -n 5)
	if [ -z "$left" ]; then
		result ok "$base: no @NAME@ placeholder left"
	else
		result "not ok" "$base: no @NAME@ placeholder left" "$left"
	fi
done

# Rendering: groff with every warning on, at man's usual 80-column width and at
# groff's default, must say nothing.
for page in "$conf5" "$man8" "$man1"; do
	base=$(basename "$page")
	if command -v groff >/dev/null 2>&1; then
		groff -man -Tutf8 -ww -z "$page" >"$tmp/groff" 2>&1
		groff -man -Tutf8 -ww -z -rLL=78n "$page" >>"$tmp/groff" 2>&1
		if [ -s "$tmp/groff" ]; then
			result "not ok" "$base renders without warnings" "$(head -n 10 "$tmp/groff")"
		else
			result ok "$base renders without warnings"
		fi
	else
		result ok "# SKIP groff not installed: $base not rendered"
	fi
done

echo "1..$n"
finish
