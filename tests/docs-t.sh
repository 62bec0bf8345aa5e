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
#   - bearer-token.1 has an entry for every long option that
#     "bearer-token verify --help" prints, and none for an option it does not
#     print (skipped when the helper is not built);
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
#   - all three pages render without a groff warning (skipped without groff).
#
# An option entry is a ".TP" line followed by ".B name" or ".BI name= VALUE"
# inside ".SH OPTIONS"; a reason entry is the same inside
# ".SS Rejection reasons" of pam_bearer.8.
#
# A bearer-token.1 option entry is a ".TP" line followed by a line naming
# one or more "\-\-name" options inside ".SH OPTIONS"; an exit code entry is
# a ".TP" line followed by ".B N" inside ".SH EXIT STATUS".
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

count=$(wc -l <"$tmp/option-names")
if [ "$count" -gt 0 ]; then
	result ok "lib/options.def declares $count options"
else
	result "not ok" "lib/options.def declares options (none parsed)"
fi
count=$(wc -l <"$tmp/reasons")
if [ "$count" -gt 0 ]; then
	result ok "lib/status.c names $count rejection reasons"
else
	result "not ok" "lib/status.c names rejection reasons (none parsed)"
fi

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

for page in conf5 man8; do
	stale=$(comm -13 "$tmp/option-names" "$tmp/$page-options" | tr '\n' ' ')
	file=$( [ $page = conf5 ] && echo pam_bearer.conf.5 || echo pam_bearer.8 )
	if [ -z "$stale" ]; then
		result ok "$file documents no option missing from options.def"
	else
		result "not ok" "$file documents options not in options.def: $stale"
	fi
done
stale=$(comm -13 "$tmp/reasons" "$tmp/man8-reasons" | tr '\n' ' ')
if [ -z "$stale" ]; then
	result ok "pam_bearer.8 lists no reason missing from lib/status.c"
else
	result "not ok" "pam_bearer.8 lists reasons not in lib/status.c: $stale"
fi

# bearer-token.1 against the helper: its --help output is the list of options.
# long_options PAGE: every "\-\-name" on a line that follows ".TP" in
# ".SH OPTIONS", as --name, one per line.
long_options() {
	awk '
		/^\.SH OPTIONS/ { inside = 1; next }
		inside && /^\.SH/ { inside = 0 }
		!inside { next }
		after_tp {
			after_tp = 0
			line = $0
			# Hyphens in a name are written "\-" too: --token-file is
			# \-\-token\-file.
			while (match(line, /\\-\\-[a-z]([a-z]|\\-)*/)) {
				name = substr(line, RSTART, RLENGTH)
				gsub(/\\/, "", name)
				print name
				line = substr(line, RSTART + RLENGTH)
			}
			next
		}
		/^\.TP/ { after_tp = 1 }
	' "$1" | sort -u
}
long_options "$man1" >"$tmp/man1-options"
if [ -x "$helper" ]; then
	"$helper" verify --help >"$tmp/help" 2>&1
	rc=$?
	grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u >"$tmp/help-options"
	if [ $rc -eq 0 ] && [ -s "$tmp/help-options" ]; then
		result ok "bearer-token verify --help lists $(wc -l <"$tmp/help-options") long options"
	else
		result "not ok" "bearer-token verify --help lists options (exit $rc)" "$(head -n 5 "$tmp/help")"
	fi
	while read -r opt; do
		check_quiet "bearer-token.1 documents verify $opt" listed "$opt" "$tmp/man1-options"
	done <"$tmp/help-options"
	stale=$(comm -13 "$tmp/help-options" "$tmp/man1-options" | tr '\n' ' ')
	if [ -z "$stale" ]; then
		result ok "bearer-token.1 documents no option missing from verify --help"
	else
		result "not ok" "bearer-token.1 documents options verify --help does not print: $stale"
	fi
else
	result ok "# SKIP $helper not built: bearer-token.1 options not compared"
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
while read -r key; do
	check_quiet "pam_bearer.conf.5 documents authority key $key" listed "$key" "$tmp/conf5-auth-keys"
done <"$tmp/auth-keys"
stale=$(comm -13 "$tmp/auth-keys" "$tmp/conf5-auth-keys" | tr '\n' ' ')
if [ -z "$stale" ]; then
	result ok "pam_bearer.conf.5 documents no authority key missing from authority.def"
else
	result "not ok" "pam_bearer.conf.5 documents authority keys not in authority.def: $stale"
fi
while read -r preset; do
	check_quiet "pam_bearer.conf.5 describes preset $preset" listed "$preset" "$tmp/conf5-presets"
done <"$tmp/presets"
stale=$(comm -13 "$tmp/presets" "$tmp/conf5-presets" | tr '\n' ' ')
if [ -z "$stale" ]; then
	result ok "pam_bearer.conf.5 describes no preset missing from authority.def"
else
	result "not ok" "pam_bearer.conf.5 describes presets not in authority.def: $stale"
fi

# Commands: helper/main.c's commands[] against bearer-token.1.
count=$(wc -l <"$tmp/commands")
if [ "$count" -gt 0 ]; then
	result ok "helper/main.c names $count commands"
else
	result "not ok" "helper/main.c names commands (none parsed)"
fi
while read -r cmd; do
	check_quiet "bearer-token.1 SYNOPSIS shows command $cmd" listed "$cmd" "$tmp/man1-synopsis"
	check_quiet "bearer-token.1 DESCRIPTION describes command $cmd" listed "$cmd" "$tmp/man1-described"
done <"$tmp/commands"
for part in synopsis described; do
	stale=$(comm -13 "$tmp/commands" "$tmp/man1-$part" | tr '\n' ' ')
	what=$( [ $part = synopsis ] && echo SYNOPSIS || echo DESCRIPTION )
	if [ -z "$stale" ]; then
		result ok "bearer-token.1 $what names no command missing from helper/main.c"
	else
		result "not ok" "bearer-token.1 $what names commands not in helper/main.c: $stale"
	fi
done

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
	stale=$(comm -13 "$tmp/option-names" "$tmp/conf-names" | tr '\n' ' ')
	if [ -z "$stale" ]; then
		result ok "pam_bearer.conf lists no option missing from options.def"
	else
		result "not ok" "pam_bearer.conf lists options not in options.def: $stale"
	fi
else
	result ok "# SKIP $conffile not built: the conffile not compared"
fi

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
