# pamwrap.sh: running tests/pam/pamrun under pam_wrapper, for the shell tests
# (tests/pam/*-t.sh, tests/helper/verify-t.sh) and demo/demo.sh.  POSIX sh,
# sourced once $module and $pamrun are set:
#
#   . "$srcdir/tests/pam/pamwrap.sh"
#
# It sets
#   pwlib    libpam_wrapper.so: $PAM_WRAPPER_LIB, else from pkg-config
#   pwmods   pam_wrapper's own PAM modules (pam_set_items.so ...)
#   pwlock   the lock every pam_wrapper run takes: $PAMRUN_LOCK, else a file
#            in /tmp (see below)
#   preload  the LD_PRELOAD list: pwlib, after the ASan runtime if $module
#            or $pamrun links it
# and, in a sanitizer build, exports UID_WRAPPER_DISABLE_DEEPBIND and
# PAM_WRAPPER_DISABLE_DEEPBIND; and it defines pamwrap_run.
# shellcheck shell=sh
# shellcheck disable=SC2034 # the variables are the caller's to use
# shellcheck disable=SC2154 # module and pamrun are the caller's

pwlib=${PAM_WRAPPER_LIB:-$(pkg-config --libs pam_wrapper 2>/dev/null)}
pwlib=${pwlib%% *}	# pkg-config leaves a trailing blank
pwlib=${pwlib:-libpam_wrapper.so}
pwmods=$(pkg-config --variable=modules pam_wrapper 2>/dev/null)
pwmods=${pwmods:-/usr/lib/x86_64-linux-gnu/pam_wrapper}
# pam_wrapper (1.1.4) copies the service directory to /tmp/pam.X in its
# constructor, choosing X by lstat then mkdir, and deletes any copy whose
# recorded pid, cut to 16 bits, is not alive.  Side by side (make -j check)
# two runs can share or delete each other's copy, so every pam_wrapper run
# on the host takes this lock first; a run takes milliseconds.  One lock
# per user: with fs.protected_regular, flock(1) may not open (O_CREAT) a
# file another user left in /tmp.
pwlock=${PAMRUN_LOCK:-/tmp/.pam_wrapper-runs-$(id -u).lock}

# A sanitizer build (configure --enable-sanitizers): the ASan runtime must
# come first in the preload list, and pam_wrapper must not dlopen libpam with
# RTLD_DEEPBIND, which ASan cannot handle.  pam_wrapper 1.1.4 reads that
# switch under the name UID_WRAPPER_DISABLE_DEEPBIND; later ones under
# PAM_WRAPPER_DISABLE_DEEPBIND.  Both are set.
preload=$pwlib
asan=$(ldd "$module" "$pamrun" 2>/dev/null | awk '/libasan/ { print $3; exit }')
if [ -n "$asan" ]; then
	preload="$asan:$pwlib"
	UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1
	export UID_WRAPPER_DISABLE_DEEPBIND PAM_WRAPPER_DISABLE_DEEPBIND
fi

# pamwrap_run SERVICE-DIR PAMRUN-ARGS...: $pamrun PAMRUN-ARGS... under
# pam_wrapper, libpam reading its service files from SERVICE-DIR, with
# $pwlock held; pamrun's exit status.  PAM_WRAPPER_DEBUGLEVEL=2 lets
# pam_syslog lines of every priority through pam_wrapper to standard error
# (see tests/pam/README.md).  The working directory and the redirections
# are the caller's.
#
# Where journald runs, the module sends its decisions to journald's socket
# instead of pam_syslog (journal_socket in pam_bearer(8)), and the tests
# would not see them.  As root, pamrun then runs in a mount namespace of its
# own with an empty /run/systemd/journal: the module falls back to
# pam_syslog, as on a host without journald.
pamwrap_nojournal=
if [ -S /run/systemd/journal/socket ] && [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	pamwrap_nojournal=yes
fi
pamwrap_run() {
	pamwrap_svc=$1
	shift
	if [ -n "$pamwrap_nojournal" ]; then
		# shellcheck disable=SC2016 # expanded by the inner shell
		flock "$pwlock" unshare -m sh -c 'mount -t tmpfs -o size=4k tmpfs /run/systemd/journal && exec "$@"' sh \
			env LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$pamwrap_svc" \
			PAM_WRAPPER_DEBUGLEVEL=2 "$pamrun" "$@"
		return
	fi
	flock "$pwlock" env LD_PRELOAD="$preload" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$pamwrap_svc" PAM_WRAPPER_DEBUGLEVEL=2 \
		"$pamrun" "$@"
}
