#!/bin/sh
# fleet-sim-t.sh: the fleet simulation's goals, as a smoke test (TAP).
#
# bench/fleet-sim runs the key cache's real decision code
# (lib/jwks-fetch-policy.c) for a fleet of hosts on a virtual clock, so its
# numbers are deterministic, not timings: asserting them is safe.  The
# goals are the issue's, for 10,000 hosts (fewer hosts make the per-minute
# counts noisier than the synchronized-fill goal allows).
. "$(dirname "$0")/lib.sh"
sim=$top_builddir/bench/fleet-sim
need_exec "$sim" fleet-sim
"$sim" -n 10000 --tap
