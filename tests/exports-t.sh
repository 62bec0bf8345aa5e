#!/bin/sh
# The module exports the PAM entry points and nothing else, and loads with RTLD_NOW.
# bearer-token links no library a cached `get` does not need; its network plugin
# exports its one table.
module=${PAM_BEARER_MODULE:?}
echo "1..7"
[ -f "$module" ] || { echo "Bail out! $module not built"; exit 1; }
exports=$(nm -D --defined-only "$module" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort | tr '\n' ' ')
want="pam_sm_acct_mgmt pam_sm_authenticate pam_sm_chauthtok pam_sm_close_session pam_sm_open_session pam_sm_setcred "
if [ "$exports" = "$want" ]; then echo "ok 1 - exports only pam_sm_*"; else echo "not ok 1 - exports: $exports"; fi
if /usr/bin/python3 -c "import ctypes,os,sys; ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW)" "$module"; then
    echo "ok 2 - dlopen RTLD_NOW resolves every symbol"
else
    echo "not ok 2 - dlopen RTLD_NOW failed"
fi
if readelf -d "$module" | grep -q 'NODELETE'; then echo "ok 3 - linked -z nodelete (keys survive pam_end)"; else echo "not ok 3 - not nodelete"; fi
helper=${abs_top_builddir:-.}/helper/bearer-token
net=${BEARER_TOKEN_PLUGIN:-${abs_top_builddir:-.}/helper/.libs/bearer-token-net.so}
needed=$(readelf -d "$helper" 2>/dev/null | sed -n 's/.*Shared library: \[\(lib[a-z]*\).*/\1/p' | sort | tr '\n' ' ')
case $needed in
"") echo "not ok 4 - bearer-token: no dynamic section read" ;;
*libcurl*|*libssl*|*libcrypto*|*libldap*|*liblber*) echo "not ok 4 - bearer-token needs: $needed" ;;
*)  echo "ok 4 - bearer-token needs only: $needed(no libcurl, libssl, libcrypto, libldap)" ;;
esac
exports=$(nm -D --defined-only "$net" 2>/dev/null | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | tr '\n' ' ')
if [ "$exports" = "pb_net_plugin_v1 " ]; then echo "ok 5 - bearer-token-net.so exports only pb_net_plugin_v1"; else echo "not ok 5 - plugin exports: $exports"; fi
# The plugins too: a long-running PAM host maps each once (pam_bearer(8),
# LONG-RUNNING HOSTS AND UPGRADES).
n=5
for p in pam_bearer-ldap.so pam_bearer-http.so; do
	n=$((n + 1))
	if readelf -d "$(dirname "$module")/$p" | grep -q 'NODELETE'; then echo "ok $n - $p linked -z nodelete"
	else echo "not ok $n - $p is not nodelete"; fi
done
