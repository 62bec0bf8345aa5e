/* Reporting individual checks to an optional observer. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "trace.h"

void
pb_trace_report(const struct pb_trace *trace, const char *name, enum pb_check_outcome outcome,
                const char *fmt, ...)
{
    char detail[320];
    va_list ap;

    if (trace == NULL || trace->check == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    for (char *p = detail; *p != '\0'; p++)
        if ((unsigned char) *p < 0x20 || (unsigned char) *p == 0x7f)
            *p = '?';
    trace->check(trace->ctx, name, outcome, detail);
}

const char *
pb_check_outcome_name(enum pb_check_outcome outcome)
{
    switch (outcome) {
    case PB_CHECK_OK: return "ok";
    case PB_CHECK_FAIL: return "FAIL";
    default: return "skip";
    }
}

void
pb_trace_duration(char *out, size_t cap, long long seconds)
{
    /* -LLONG_MIN overflows: saturate (a NumericDate may be any 64-bit value). */
    long long s = seconds == LLONG_MIN ? LLONG_MAX : seconds < 0 ? -seconds : seconds;

    if (s >= 86400)
        snprintf(out, cap, "%lldd%lldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        snprintf(out, cap, "%lldh%lldm", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(out, cap, "%lldm%llds", s / 60, s % 60);
    else
        snprintf(out, cap, "%llds", s);
}
