# tests/lib.sh: what every shell test shares.  POSIX sh, sourced first:
#
#   . "$(dirname "$0")/../lib.sh"        # (one ../ per level below tests/)
#
# Paths (each overridable from the environment, as automake's
# TESTS_ENVIRONMENT does):
#   srcdir        $abs_top_srcdir, else the tree this file is in
#   fixtures      $srcdir/tests/fixtures
#   top_builddir  $abs_top_builddir, else the current directory (automake runs
#                 tests from the top build directory)
#   python        $PYTHON3, else /usr/bin/python3
#   module        $PAM_BEARER_MODULE, else BUILDDIR/pam/.libs/pam_bearer.so
#   pamrun        $PAMRUN, else BUILDDIR/tests/pam/pamrun
#   helper        $BEARER_TOKEN, else BUILDDIR/helper/bearer-token
#   plugin        $BEARER_TOKEN_PLUGIN, else the helper's network plugin
#
# Functions:
#   bail TEXT               "Bail out! TEXT", exit 99 (the suite is broken)
#   skip_all TEXT           "1..0 # SKIP TEXT", exit 0 (cannot run here)
#   need_file PATH WHAT     bail unless PATH is a file ("WHAT not built: PATH")
#   need_exec PATH WHAT     the same for an executable
#   need_module             bail unless the module is built
#   need_pamrun             skip unless pamrun is built (it needs libpamtest),
#                           bail unless the module is; then pamwrap.sh is sourced
#   need_python MODULES...  skip unless $python imports every MODULE
#   need_tools TOOLS...     skip unless every TOOL is on PATH or in /usr/sbin
#   need_nss_wrapper        skip unless cwrap's nss_wrapper is installed;
#                           nsslib=the library to preload ($NSS_WRAPPER_LIB,
#                           else from pkg-config)
#   scratch NAME [DIR]      tmp=a fresh directory (under $TMPDIR, or DIR),
#                           removed on exit unless PB_KEEP_TMP=1; traps set
#   at_exit COMMAND         run COMMAND on exit, before the scratch directory
#                           goes (servers to stop, children to kill)
#   mint_keys DIR           tests/fixtures/mint.py keys DIR, or bail
#   test_pki DIR            tests/fixtures/authority.py pki DIR (a test CA and
#                           its server certificates), or bail
#   emulator_start STATE [ARGS...]
#                           tests/fixtures/emulator.py serve STATE (created)
#                           with $tmp/pki's server certificate (the PKI made
#                           first if absent) and ARGS (--ldap-env FILE); bail
#                           unless it listens; stopped on exit.  Sets
#                           emulator_pid, port, url (https://127.0.0.1:PORT),
#                           state (STATE) and log (STATE/requests.log)
#   result ok|"not ok" DESCRIPTION [DIAGNOSTIC-TEXT]
#                           one TAP line; counts $n and $failed
#   result_file ok|"not ok" DESCRIPTION [DIAGNOSTIC-FILE]
#                           the same, the diagnostic read from a file
#   check DESCRIPTION COMMAND...
#                           ok when COMMAND succeeds; its output is the
#                           diagnostic when it fails
#   check_quiet DESCRIPTION COMMAND...
#                           the same, COMMAND's output left where it goes;
#                           on failure the files named in $check_logs are the
#                           diagnostic, and they are emptied after every check
#   check_log DESCRIPTION LOGFILE COMMAND...
#                           ok when COMMAND succeeds, else LOGFILE (if any)
#                           is the diagnostic
#   finish                  "# P of N passed"; the exit status: 0 if none failed
#
# shellcheck shell=sh
# shellcheck disable=SC2034 # the variables are the caller's to use

set -u

if [ -n "${abs_top_srcdir:-}" ]; then
	srcdir=$abs_top_srcdir
else
	srcdir=$(cd "$(dirname "$0")" && while [ ! -f tests/lib.sh ] && [ "$(pwd)" != / ]; do cd ..; done && pwd)
fi
fixtures=$srcdir/tests/fixtures
top_builddir=${abs_top_builddir:-$(pwd)}
python=${PYTHON3:-/usr/bin/python3}
module=${PAM_BEARER_MODULE:-$top_builddir/pam/.libs/pam_bearer.so}
case $module in /*) ;; *) module=$(pwd)/$module ;; esac
pamrun=${PAMRUN:-$top_builddir/tests/pam/pamrun}
helper=${BEARER_TOKEN:-$top_builddir/helper/bearer-token}
plugin=${BEARER_TOKEN_PLUGIN:-$top_builddir/helper/.libs/bearer-token-net.so}
tab=$(printf '\t')

bail() {
	echo "Bail out! $*"
	exit 99
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

need_file() { [ -f "$1" ] || bail "$2 not built: $1"; }
need_exec() { [ -x "$1" ] || bail "$2 not built: $1"; }
need_module() { need_file "$module" module; }

need_pamrun() {
	[ -x "$pamrun" ] || skip_all "tests/pam/pamrun not built (no libpamtest)"
	need_module
	# shellcheck source=SCRIPTDIR/pam/pamwrap.sh
	. "$srcdir/tests/pam/pamwrap.sh"
}

# pam_wrapper's pam_set_items.so (a PAM item preset before the module), after need_pamrun.
need_pam_set_items() {
	# shellcheck disable=SC2154 # pwmods comes from pamwrap.sh
	[ -f "$pwmods/pam_set_items.so" ] ||
		bail "pam_wrapper's pam_set_items.so not found in $pwmods"
}

# What mint.py needs; its absence fails the suite (no quiet skip).
need_mint() {
	"$python" -c 'import jwt, cryptography' 2>/dev/null ||
		bail "$python lacks python3-jwt or python3-cryptography"
}

need_python() {
	for _m in "$@"; do
		"$python" -c "import $_m" 2>/dev/null || skip_all "$python lacks the $_m package"
	done
}

need_tools() {
	for _t in "$@"; do
		command -v "$_t" >/dev/null 2>&1 || [ -x "/usr/sbin/$_t" ] || skip_all "$_t is not installed"
	done
}

need_nss_wrapper() {
	nsslib=${NSS_WRAPPER_LIB:-$(pkg-config --libs nss_wrapper 2>/dev/null)}
	nsslib=${nsslib%% *}	# pkg-config leaves a trailing blank
	nsslib=${nsslib:-libnss_wrapper.so}
	[ -n "$(ldconfig -p 2>/dev/null | grep -F "${nsslib##*/}")" ] || [ -f "$nsslib" ] ||
		skip_all "nss_wrapper not installed"
}

# --- the scratch directory ---------------------------------------------------------
lib_exit_hooks=
at_exit() { lib_exit_hooks="$lib_exit_hooks
$1"; }

lib_cleanup() {
	eval "$lib_exit_hooks"
	wait 2>/dev/null
	if [ -n "${tmp:-}" ]; then
		if [ "${PB_KEEP_TMP:-0}" = 1 ]; then
			echo "# scratch directory kept: $tmp"
		else
			rm -rf "$tmp"
		fi
	fi
}

scratch() {
	tmp=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/pb-$1.XXXXXX") || bail "mktemp failed"
	trap lib_cleanup EXIT
	trap 'exit 98' HUP INT TERM
}

mint_keys() {
	"$python" "$fixtures/mint.py" keys "$1" >"$1.log" 2>&1 ||
		{ sed 's/^/# /' "$1.log"; bail "mint.py keys failed"; }
}

# token_scenarios KEYS DIR OUT: mint.py's token cases into KEYS (call it just
# before the runs: some cases are 30 s from their limit), then the scenario
# files of DIR as rows (name, user, codes, reasons, module words) in OUT.
token_scenarios() {
	"$python" "$fixtures/mint.py" cases "$1" >"$tmp/mint.log" 2>&1 ||
		{ sed 's/^/# /' "$tmp/mint.log"; bail "mint.py cases failed"; }
	"$python" "$fixtures/scenarios.py" rows "$2" "$1" >"$3" 2>"$tmp/scenarios.err" ||
		{ sed 's/^/# /' "$tmp/scenarios.err"; bail "unreadable scenarios in $2"; }
}

test_pki() {
	"$python" "$fixtures/authority.py" pki "$1" >/dev/null || bail "authority.py pki failed"
}

emulator_pid=
emulator_start() {
	state=$1
	shift
	[ -f "${tmp:?scratch first}/pki/server.pem" ] || test_pki "$tmp/pki"
	mkdir -p "$state"
	"$python" "$fixtures/emulator.py" serve "$state" --cert "$tmp/pki/server.pem" \
		--key "$tmp/pki/server.key" "$@" 2>"$tmp/emulator.err" &
	emulator_pid=$!
	at_exit '[ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null'
	port=$("$python" "$fixtures/emulator.py" wait "$state") ||
		bail "the emulator did not start: $(cat "$tmp/emulator.err")"
	url=https://127.0.0.1:$port
	log=$state/requests.log
}

# emulator_oauth2 NAME [LINE...]: an "[authority NAME]" section for the
# emulator's oauth2 dialect (after emulator_start; the client secret file is
# $tmp/client.secret), then each LINE.
emulator_oauth2() {
	printf '[authority %s]\npreset = oauth2\nurl = %s\nca_file = %s\nclient_id = testclient\n' "$1" "$url" "$tmp/pki/ca.pem"
	printf 'client_secret_file = %s\nhttp_timeout = 3\n' "$tmp/client.secret"
	shift
	for _line in "$@"; do printf '%s\n' "$_line"; done
}

# --- TAP ---------------------------------------------------------------------------
n=0
failed=0

result() {
	n=$((n + 1))
	echo "$1 $n - $2"
	if [ "$1" != ok ]; then
		failed=$((failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
	return 0
}

result_file() {
	n=$((n + 1))
	echo "$1 $n - $2"
	if [ "$1" != ok ]; then
		failed=$((failed + 1))
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/# /' "$3"
	fi
	return 0
}

check() {
	_desc=$1
	shift
	if "$@" >"${tmp:?scratch first}/.check.out" 2>&1; then
		result ok "$_desc"
	else
		result "not ok" "$_desc" "$(cat "$tmp/.check.out")"
	fi
}

check_logs=
check_quiet() {
	_desc=$1
	shift
	if "$@"; then
		result ok "$_desc"
	else
		result "not ok" "$_desc"
		for _f in $check_logs; do
			[ -s "$_f" ] && sed 's/^/# /' "$_f" | head -40
		done
	fi
	for _f in $check_logs; do : >"$_f"; done
	return 0
}

check_log() {
	_desc=$1 _log=$2
	shift 2
	if "$@"; then result ok "$_desc"; else result_file "not ok" "$_desc" "$_log"; fi
}

finish() {
	echo "# $((n - failed)) of $n passed"
	[ "$failed" -eq 0 ]
}
