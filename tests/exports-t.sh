#!/bin/sh
# The module exports the PAM entry points and nothing else, and loads with RTLD_NOW.
# bearer-token links no library a cached `get` does not need; its network plugin
# exports its one table.
. "$(dirname "$0")/lib.sh"

echo "1..9"
need_module
exports=$(nm -D --defined-only "$module" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort | tr '\n' ' ')
want="pam_sm_acct_mgmt pam_sm_authenticate pam_sm_chauthtok pam_sm_close_session pam_sm_open_session pam_sm_setcred "
if [ "$exports" = "$want" ]; then result ok "exports only pam_sm_*"; else result "not ok" "exports: $exports"; fi
if "$python" -c "import ctypes,os,sys; ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW)" "$module"; then
	result ok "dlopen RTLD_NOW resolves every symbol"
else
	result "not ok" "dlopen RTLD_NOW failed"
fi
if readelf -d "$module" | grep -q 'NODELETE'; then
	result ok "linked -z nodelete (keys survive pam_end)"
else
	result "not ok" "not nodelete"
fi
needed=$(readelf -d "$helper" 2>/dev/null | sed -n 's/.*Shared library: \[\(lib[a-z]*\).*/\1/p' | sort | tr '\n' ' ')
case $needed in
"") result "not ok" "bearer-token: no dynamic section read" ;;
*libcurl*|*libssl*|*libcrypto*|*libldap*|*liblber*|*libqrencode*) result "not ok" "bearer-token needs: $needed" ;;
*)  result ok "bearer-token needs only: $needed(no libcurl, libssl, libcrypto, libldap)" ;;
esac
exports=$(nm -D --defined-only "$plugin" 2>/dev/null | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | tr '\n' ' ')
if [ "$exports" = "pb_net_plugin_v1 " ]; then
	result ok "bearer-token-net.so exports only pb_net_plugin_v1"
else
	result "not ok" "plugin exports: $exports"
fi
# The plugins too: a long-running PAM host maps each once (pam_bearer(8),
# LONG-RUNNING HOSTS AND UPGRADES).
for p in pam_bearer-ldap.so pam_bearer-http.so; do
	if readelf -d "$(dirname "$module")/$p" | grep -q 'NODELETE'; then
		result ok "$p linked -z nodelete"
	else
		result "not ok" "$p is not nodelete"
	fi
done
# QR codes (device logins) come with the HTTP plugin, never with a token login.
if readelf -d "$module" | grep -q 'libqrencode'; then
	result "not ok" "pam_bearer.so links libqrencode"
else
	result ok "pam_bearer.so does not link libqrencode (only pam_bearer-http.so does)"
fi
exports=$(nm -D --defined-only "$(dirname "$module")/pam_bearer-http.so" 2>/dev/null | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort | tr '\n' ' ')
# The two tables' names as lib/http.h and lib/qr.h give them (their versions).
want=$(sed -n 's/^#define PB_\(HTTP\|QR\)_OPS_SYMBOL "\(.*\)"$/\2/p' "$srcdir/lib/http.h" "$srcdir/lib/qr.h" | sort | tr '\n' ' ')
if [ "$exports" = "$want" ] && [ -n "$want" ]; then
	result ok "pam_bearer-http.so exports only its HTTP and QR tables"
else
	result "not ok" "pam_bearer-http.so exports: $exports"
fi
finish
