/* trace-t: the check observer (lib/trace.c): reports, outcome names, durations. */
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "trace.h"

struct seen {
    int calls;
    char name[64], detail[512];
    enum pb_check_outcome outcome;
};

static void
record(void *ctx, const char *name, enum pb_check_outcome outcome, const char *detail)
{
    struct seen *s = ctx;

    s->calls++;
    snprintf(s->name, sizeof(s->name), "%s", name);
    snprintf(s->detail, sizeof(s->detail), "%s", detail);
    s->outcome = outcome;
}

int
main(void)
{
    struct seen seen;
    struct pb_trace trace;
    char buf[32], big[600];

    memset(&seen, 0, sizeof(seen));
    memset(&trace, 0, sizeof(trace));
    trace.check = record;
    trace.ctx = &seen;

    pb_trace_report(&trace, "exp", PB_CHECK_FAIL, "expired %s ago", "41m12s");
    tap_ok(seen.calls == 1 && strcmp(seen.name, "exp") == 0 && seen.outcome == PB_CHECK_FAIL,
           "a report reaches the observer with its name and outcome");
    tap_is_str(seen.detail, "expired 41m12s ago", "the detail is formatted");
    pb_trace_report(&trace, "iss", PB_CHECK_OK, "issuer %s", "evil\ninjected");
    tap_is_str(seen.detail, "issuer evil?injected", "control bytes in the detail become '?'");
    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    pb_trace_report(&trace, "aud", PB_CHECK_SKIP, "%s", big);
    tap_is_int(strlen(seen.detail), 319, "a long detail is cut, not overflowed");
    pb_trace_report(NULL, "x", PB_CHECK_OK, "none");
    trace.check = NULL;
    pb_trace_report(&trace, "x", PB_CHECK_OK, "none");
    tap_is_int(seen.calls, 3, "no trace or no observer: nothing is called");

    tap_is_str(pb_check_outcome_name(PB_CHECK_OK), "ok", "outcome ok");
    tap_is_str(pb_check_outcome_name(PB_CHECK_FAIL), "FAIL", "outcome FAIL stands out");
    tap_is_str(pb_check_outcome_name(PB_CHECK_SKIP), "skip", "outcome skip");

    pb_trace_duration(buf, sizeof(buf), 12);
    tap_is_str(buf, "12s", "12 s");
    pb_trace_duration(buf, sizeof(buf), 41 * 60 + 12);
    tap_is_str(buf, "41m12s", "41m12s");
    pb_trace_duration(buf, sizeof(buf), 3 * 3600 + 5 * 60 + 9);
    tap_is_str(buf, "3h5m", "hours and minutes");
    pb_trace_duration(buf, sizeof(buf), 3 * 86400 + 4 * 3600 + 59);
    tap_is_str(buf, "3d4h", "days and hours");
    pb_trace_duration(buf, sizeof(buf), -90);
    tap_is_str(buf, "1m30s", "a negative span is shown by its size");
    pb_trace_duration(buf, 4, 86400LL * 100000);
    tap_is_int(strlen(buf), 3, "a small buffer is not overflowed");
    return tap_done();
}
