# device-lib.sh: what the login --device tests share (tests/helper/device-t.sh
# and device-glewlwyd-t.sh).  POSIX sh, sourced after tests/lib.sh once $conf
# is set.
# shellcheck shell=sh
# shellcheck disable=SC2034 # rc and device_pid are the caller's
# shellcheck disable=SC2154 # helper, tmp and conf are the caller's

# device NAME ARGS...: login --device in the background, its output in $tmp/NAME.*
device() {
	name=$1
	shift
	"$helper" login --device --config "$conf" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	device_pid=$!
}
# code_of NAME: the user code once the helper has printed it (10 s at most).
code_of() {
	i=0
	while [ $i -lt 100 ]; do
		c=$(sed -n 's/^and enter the code \(.*\)$/\1/p' "$tmp/$1.out" 2>/dev/null)
		[ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# waited: wait for the last device; its exit status in $rc.
waited() { wait "$device_pid"; rc=$?; }
