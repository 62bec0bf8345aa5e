#!/bin/sh
# fresh-system-t.sh: build the Debian packages, install them on a fresh
# Debian 12 and log in through its sshd (TAP, unnumbered, plan at the end).
#
#   1. dpkg-buildpackage -b (nocheck: this suite is the check) builds
#      libpam-bearer and bearer-token from a copy of the source tree; their
#      sizes are reported;
#   2. lintian reports no error on them (every tag is shown);
#   3. the packages hold no .la file, and /etc/security/pam_bearer.conf is
#      a conffile;
#   4. mmdebstrap makes a fresh bookworm root (minbase, plus sshd, ssh,
#      sshpass, python3-jwt for minting, systemd-standalone-tmpfiles) in a
#      directory under a temporary directory, from the Debian sources this
#      machine's apt uses (apt-get indextargets), never a mirror named here;
#   5. inside a private mount namespace (/proc, /dev, /run of its own, a
#      /dev/log listener) and chroot: apt-get install ./...deb fetches the
#      dependencies; then debian/tests/login, the autopkgtest, runs there
#      (the profile off after install, a local password login with the
#      profile on and nothing configured, a token login after configuring,
#      a forged token refused);
#   6. apt-get purge: /etc/pam.d is byte for byte what it was before the
#      install, and the profile, the conffile and the key cache are gone.
# Nothing on the host changes but the temporary directory, removed at the end.
#
# Needs root, mmdebstrap, dpkg-buildpackage with debhelper, lintian, unshare,
# chroot, and apt sources for Debian bookworm that answer; skipped otherwise
# (.ci/run fails when it is skipped there), in sanitizer builds, and with
# PB_FRESH_SYSTEM=skip (debian/rules sets it for the package's own build).
#
# By hand, from the build directory (PB_KEEP_TMP=1 keeps the root):
#   abs_top_srcdir=$PWD/.. abs_top_builddir=$PWD sh ../tests/e2e/fresh-system-t.sh

set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${abs_top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${abs_top_builddir:-$(pwd)}
module=${PAM_BEARER_MODULE:-$top_builddir/pam/.libs/pam_bearer.so}
suite=bookworm
pkgs="libpam-bearer bearer-token"
include=openssh-server,openssh-client,sshpass,python3,python3-jwt,python3-cryptography,passwd,systemd-standalone-tmpfiles

bail() { echo "Bail out! $*"; exit 99; }
skip() { echo "1..0 # SKIP $*"; exit 0; }

# Every result goes to $tap too, so that the plan can be counted at the end.
result() {	# result ok|"not ok" DESCRIPTION [DIAGNOSTIC]
	echo "$1 - $2" | tee -a "$tap"
	[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	return 0
}
note() { printf '%s\n' "$*" | sed 's/^/# /'; }

# --- inside the private mount namespace ---------------------------------------------
if [ "${PB_FRESH_NS:-}" = inside ]; then
	root=$PB_FRESH_ROOT tmp=$PB_FRESH_TMP tap=$PB_FRESH_TAP
	mount -t proc pb-proc "$root/proc" || bail "cannot mount /proc in the root"
	mount -t tmpfs -o mode=755 pb-run "$root/run" || bail "cannot mount /run in the root"
	mount -t tmpfs -o mode=755 pb-dev "$root/dev" || bail "cannot mount /dev in the root"
	for node in null zero full random urandom tty; do
		: >"$root/dev/$node"
		mount --bind "/dev/$node" "$root/dev/$node" || bail "cannot bind /dev/$node"
	done
	mkdir "$root/dev/pts" "$root/dev/shm"
	ttygid=$(chroot "$root" getent group tty | cut -d: -f3)
	mount -t devpts -o "newinstance,ptmxmode=0666,mode=0620${ttygid:+,gid=$ttygid}" pb-devpts "$root/dev/pts" ||
		bail "cannot mount a devpts instance"
	ln -s pts/ptmx "$root/dev/ptmx"
	mount -t tmpfs -o mode=1777 pb-shm "$root/dev/shm"
	ln -s /proc/self/fd "$root/dev/fd"
	ln -s /proc/self/fd/0 "$root/dev/stdin"
	ln -s /proc/self/fd/1 "$root/dev/stdout"
	ln -s /proc/self/fd/2 "$root/dev/stderr"

	# The root's syslog: one line per datagram in /var/log/pb-syslog.log.
	chroot "$root" python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open("/var/log/pb-syslog.log", "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).replace(b"\n", b" ").rstrip(b"\0") + b"\n")
' &
	listener=$!
	run() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

	cp -a "$root/etc/pam.d" "$tmp/pam.d.before"
	mkdir "$root/tmp/debs"
	debs=
	for deb in "$tmp"/libpam-bearer_*.deb "$tmp"/bearer-token_*.deb; do
		cp "$deb" "$root/tmp/debs/"
		debs="$debs /tmp/debs/$(basename "$deb")"
	done
	cp "$srcdir/debian/tests/login" "$root/tmp/login"
	# shellcheck disable=SC2086 # one word per package file
	if run apt-get install -y --no-install-recommends $debs >"$tmp/install.log" 2>&1; then
		result ok "apt-get install ./libpam-bearer_*.deb ./bearer-token_*.deb in the fresh root" \
			"$(grep -E '^(Get|Setting up)' "$tmp/install.log" | sed 's/ (.*//' | tr '\n' ';' | cut -c1-600)"
	else
		result "not ok" "apt-get install ./libpam-bearer_*.deb ./bearer-token_*.deb in the fresh root" \
			"$(tail -n 30 "$tmp/install.log")"
	fi

	start=$(date +%s)
	run env PB_SYSLOG=/var/log/pb-syslog.log sh /tmp/login >"$tmp/login.out" 2>"$tmp/login.err"
	rc=$?
	grep -E '^(ok|not ok)' "$tmp/login.out" >>"$tap"
	cat "$tmp/login.out"
	if [ $rc -eq 0 ]; then
		result ok "debian/tests/login passes in the fresh root ($(($(date +%s) - start)) s)"
	else
		result "not ok" "debian/tests/login passes in the fresh root (exit $rc)" "$(tail -n 20 "$tmp/login.err")"
	fi

	if run apt-get purge -y $pkgs >"$tmp/purge.log" 2>&1; then
		result ok "apt-get purge $pkgs"
	else
		result "not ok" "apt-get purge $pkgs" "$(tail -n 20 "$tmp/purge.log")"
	fi
	if diff -r "$tmp/pam.d.before" "$root/etc/pam.d" >"$tmp/pam.d.diff" 2>&1; then
		result ok "after the purge /etc/pam.d is byte for byte what it was before the install"
	else
		result "not ok" "after the purge /etc/pam.d is byte for byte what it was before the install" \
			"$(head -n 40 "$tmp/pam.d.diff")"
	fi
	left=
	for f in /usr/share/pam-configs/pam-bearer /etc/security/pam_bearer.conf /var/cache/pam_bearer \
		/lib/x86_64-linux-gnu/security/pam_bearer.so /usr/bin/bearer-token; do
		[ -e "$root$f" ] && left="$left $f"
	done
	if [ -z "$left" ]; then
		result ok "the purge leaves no profile, conffile, key cache, module or command"
	else
		result "not ok" "the purge leaves no profile, conffile, key cache, module or command" "left:$left"
	fi
	kill "$listener" 2>/dev/null
	wait 2>/dev/null
	exit 0
fi

# --- outside: preconditions ----------------------------------------------------------
[ "${PB_FRESH_SYSTEM:-}" = skip ] && skip "PB_FRESH_SYSTEM=skip (as in a package build, which this test makes itself)"
[ "$(id -u)" = 0 ] || skip "needs root (mmdebstrap, chroot, a private mount namespace)"
for p in mmdebstrap dpkg-buildpackage dpkg-checkbuilddeps dh lintian unshare chroot apt-get python3; do
	command -v "$p" >/dev/null 2>&1 || skip "$p not installed"
done
[ -f "$srcdir/debian/control" ] || skip "no debian/ in $srcdir"
# The packages are built with the normal compiler; a sanitizer run of the
# suite has nothing to add here.
ldd "$module" 2>/dev/null | grep -q libasan && skip "sanitizer build"
unshare -m --propagation private true 2>/dev/null || skip "unshare -m is not permitted here"

# The Debian archives this machine's apt uses for the suite, as one-line
# sources ("deb URI SUITE COMPONENTS"): read at run time, never written here.
mirrors=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
	'Identifier: Packages' 'Origin: Debian' 2>/dev/null |
	awk -v s="$suite" '$2 == s || index($2, s "-") == 1 {
		key = $1 " " $2
		if (!(key in comps)) { order[++n] = key; comps[key] = $3 }
		else if (index(" " comps[key] " ", " " $3 " ") == 0) comps[key] = comps[key] " " $3
	} END { for (i = 1; i <= n; i++) print "deb " order[i] " " comps[order[i]] }')
[ -n "$mirrors" ] || skip "apt knows no Debian $suite archive here (apt-get update not run, or not Debian)"
first=$(printf '%s\n' "$mirrors" | awk 'NR == 1 { print $2 "dists/" $3 "/InRelease" }')
python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=20).read(64)' "$first" \
	2>/dev/null || skip "no network: $first does not answer"

tmp=$(mktemp -d /tmp/pb-fresh.XXXXXX) || bail "mktemp failed"
chmod 755 "$tmp"
tap=$tmp/tap
: >"$tap"
cleanup() {
	if [ "${PB_KEEP_TMP:-0}" = 1 ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
t0=$(date +%s)

# --- 1. the packages ---------------------------------------------------------------------------
mkdir "$tmp/src"
if command -v git >/dev/null 2>&1 && git -C "$srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$srcdir" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$tmp/src"
else
	(cd "$srcdir" && tar -cf - --exclude='./build*' --exclude=./.git .) | tar -xf - -C "$tmp/src"
fi || bail "cannot copy the source tree"
(cd "$tmp/src" && dpkg-checkbuilddeps -Pnocheck) >"$tmp/builddeps.log" 2>&1 ||
	bail "build dependencies missing: $(cat "$tmp/builddeps.log")"
start=$(date +%s)
if (cd "$tmp/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b -Pnocheck) \
	>"$tmp/build.log" 2>&1 && [ -f "$(echo "$tmp"/libpam-bearer_*.deb)" ] && [ -f "$(echo "$tmp"/bearer-token_*.deb)" ]; then
	result ok "dpkg-buildpackage -b builds $pkgs ($(($(date +%s) - start)) s)"
	for deb in "$tmp"/*.deb; do
		note "$(basename "$deb"): $(stat -c %s "$deb") bytes, Installed-Size $(dpkg-deb -f "$deb" Installed-Size) KiB"
	done
else
	result "not ok" "dpkg-buildpackage -b builds $pkgs" "$(tail -n 40 "$tmp/build.log")"
	echo "1..$(grep -c '^\(ok\|not ok\)' "$tap")"
	exit 1
fi

# --- 2. lintian ------------------------------------------------------------------------------
lintian_root=
lintian --help 2>&1 | grep -q -- --allow-root && lintian_root=--allow-root
lintian $lintian_root --pedantic --fail-on error "$tmp"/*.changes >"$tmp/lintian.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && ! grep -q '^E:' "$tmp/lintian.log"; then
	result ok "lintian --pedantic: no error ($(grep -c '^W:' "$tmp/lintian.log") warnings, $(grep -c '^[IPX]:' "$tmp/lintian.log") other tags)"
else
	result "not ok" "lintian --pedantic: no error (exit $rc)"
fi
note "$(grep -v 'running with root privileges' "$tmp/lintian.log")"

# --- 3. what the packages hold -----------------------------------------------------------------------
las=$(for deb in "$tmp"/*.deb; do dpkg-deb -c "$deb"; done | awk '{ print $6 }' | grep '\.la$')
conffiles=$(dpkg-deb --ctrl-tarfile "$(echo "$tmp"/libpam-bearer_*.deb)" | tar -xOf - ./conffiles 2>/dev/null)
if [ -z "$las" ] && [ "$conffiles" = /etc/security/pam_bearer.conf ]; then
	result ok "no .la file in the packages; /etc/security/pam_bearer.conf is libpam-bearer's conffile"
else
	result "not ok" "no .la file in the packages; /etc/security/pam_bearer.conf is libpam-bearer's conffile" \
		"la: $las; conffiles: $conffiles"
fi

# --- 4. a fresh root ---------------------------------------------------------------------------
root=$tmp/root
note "$(printf 'sources from apt: %s\n' "$mirrors")"
start=$(date +%s)
if printf '%s\n' "$mirrors" | tr '\n' '\0' |
	xargs -0 mmdebstrap --variant=minbase --include="$include" --skip=cleanup/apt/lists \
		--aptopt='Acquire::Retries "3"' "$suite" "$root" >"$tmp/mmdebstrap.log" 2>&1; then
	result ok "mmdebstrap: a fresh $suite root ($(($(date +%s) - start)) s, $(du -sm "$root" | cut -f1) MB)"
else
	result "not ok" "mmdebstrap: a fresh $suite root" "$(tail -n 30 "$tmp/mmdebstrap.log")"
	echo "1..$(grep -c '^\(ok\|not ok\)' "$tap")"
	exit 1
fi
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null

# --- 5 and 6, inside -----------------------------------------------------------------------------
PB_FRESH_NS=inside PB_FRESH_ROOT=$root PB_FRESH_TMP=$tmp PB_FRESH_TAP=$tap abs_top_srcdir=$srcdir \
	unshare -m --propagation private /bin/sh "$0"
rc=$?
[ $rc -eq 0 ] || result "not ok" "the steps inside the fresh root ran to the end (exit $rc)"

note "fresh-system test: $(($(date +%s) - t0)) s in all"
echo "1..$(grep -c '^\(ok\|not ok\)' "$tap")"
! grep -q '^not ok' "$tap"
