#!/bin/sh
# demo-t.sh: the README's demo (demo/demo.sh, what `./bootstrap demo` runs)
# ends with every step as expected, so that the README's first command stays
# true.  The demo starts its own slapd, authority and token service.
. "$(dirname "$0")/lib.sh"

need_exec "$pamrun" driver
need_module
need_python
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || skip_all "slapd not installed"
# The demo is what a user runs on a normal build; the sanitizer build runs
# every case it shows through the other tests.
ldd "$module" 2>/dev/null | grep -q libasan && skip_all "a sanitizer build"
scratch demo

echo "1..2"
(cd "$top_builddir" && sh "$srcdir/demo/demo.sh") >"$tmp/demo.log" 2>&1
rc=$?
if [ $rc = 0 ]; then
	result ok "demo/demo.sh: exit 0"
else
	result_file "not ok" "demo/demo.sh: exit $rc" "$tmp/demo.log"
fi
if grep -q '^All [0-9]* steps ended as expected' "$tmp/demo.log" && ! grep -q '^  WRONG' "$tmp/demo.log"; then
	result ok "every step ended as expected ($(sed -n 's/^All \([0-9]*\) steps.*/\1/p' "$tmp/demo.log") steps)"
else
	result_file "not ok" "a step went wrong" "$tmp/demo.log"
fi
finish
