#!/bin/sh
# install-t.sh: what make install puts where (TAP).
#
# A staged install (make install DESTDIR=...) of the build tree, as a package
# build does it:
#   - the module and its two plugins in the PAM directory, the helper's
#     plugin in pkglibdir, and no libtool .la file anywhere;
#   - bearer-token and the bearer-token-askpass link, and its man page link;
#   - the generated pam_bearer.conf among the examples, identical to the
#     build's, and the tmpfiles.d entries of cache_dir (0700) and
#     session_cache_dir (0755);
#   - nothing written outside DESTDIR's tree by the staged install (the
#     directories of the tmpfiles.d entries are created only by a direct
#     install as root);
#   - make uninstall leaves no file behind.
#
# Run by automake from the build directory (abs_top_builddir set).

. "$(dirname "$0")/lib.sh"
make=${MAKE:-make}

[ -f "$top_builddir/Makefile" ] || bail "no Makefile in $top_builddir"
scratch install
dest=$tmp/root

# The directories as configured (make prints them; no guessing).
vars=$(cd "$top_builddir" && MAKEFLAGS='' $make -s --no-print-directory -f Makefile -f - print-dirs 2>/dev/null <<'EOF'
print-dirs:
	@echo "securedir='$(securelibdir)' pkglibdir='$(pkglibdir)' bindir='$(bindir)' mandir='$(mandir)' docdir='$(docdir)' tmpfilesdir='$(tmpfilesdir)' cachedir='$(PB_DEFAULT_CACHE_DIR)'"
EOF
) || bail "cannot read the install directories from the Makefile"
securedir='' pkglibdir='' bindir='' mandir='' docdir='' tmpfilesdir='' cachedir=''
eval "$vars"

echo "1..12"

if (cd "$top_builddir" && MAKEFLAGS='' $make install DESTDIR="$dest") >"$tmp/install.log" 2>&1; then
	result ok "make install DESTDIR=... succeeds"
else
	result "not ok" "make install DESTDIR=... succeeds" "$(tail -n 20 "$tmp/install.log")"
fi

las=$(cd "$dest" && find . -name '*.la' | sort | tr '\n' ' ')
if [ -z "$las" ]; then
	result ok "no libtool .la file is installed"
else
	result "not ok" "no libtool .la file is installed" "found: $las"
fi
for so in pam_bearer.so pam_bearer-ldap.so pam_bearer-http.so; do
	check "$so is in the PAM directory ($securedir)" test -f "$dest$securedir/$so"
done
check "bearer-token-net.so is in $pkglibdir" test -f "$dest$pkglibdir/bearer-token-net.so"
check "bearer-token-askpass links to bearer-token" \
	test "$(readlink "$dest$bindir/bearer-token-askpass")" = bearer-token
check "bearer-token-askpass.1 links to bearer-token.1" \
	test "$(readlink "$dest$mandir/man1/bearer-token-askpass.1")" = bearer-token.1

if cmp -s "$dest$docdir/examples/pam_bearer.conf" "$top_builddir/docs/pam_bearer.conf"; then
	result ok "the generated pam_bearer.conf is installed among the examples"
else
	result "not ok" "the generated pam_bearer.conf is installed among the examples"
fi
tf=$dest$tmpfilesdir/pam_bearer.conf
if grep -qx "d $cachedir 0700 root root -" "$tf" 2>/dev/null &&
	grep -qx "d /run/bearer-token 0755 root root -" "$tf" 2>/dev/null; then
	result ok "tmpfiles.d entries: $cachedir 0700, /run/bearer-token 0755"
else
	result "not ok" "tmpfiles.d entries: $cachedir 0700, /run/bearer-token 0755" "$(cat "$tf" 2>&1)"
fi
# The staged install creates no directory of the entries inside DESTDIR
# either: those come from systemd-tmpfiles (or a direct install as root).
if [ ! -e "$dest$cachedir" ] && [ ! -e "$dest/run" ]; then
	result ok "a staged install does not create $cachedir or /run/bearer-token"
else
	result "not ok" "a staged install does not create $cachedir or /run/bearer-token"
fi

(cd "$top_builddir" && MAKEFLAGS='' $make uninstall DESTDIR="$dest") >"$tmp/uninstall.log" 2>&1
left=$(cd "$dest" && find . ! -type d | sort | tr '\n' ' ')
if [ -z "$left" ]; then
	result ok "make uninstall removes every installed file"
else
	result "not ok" "make uninstall removes every installed file" "left: $left"
fi

finish
