/* Clamping of times from outside before arithmetic (see time-limit.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "time-limit.h"

long long
pb_time_clamp(long long v)
{
    return v > PB_TIME_LIMIT ? PB_TIME_LIMIT : v < -PB_TIME_LIMIT ? -PB_TIME_LIMIT : v;
}

long long
pb_time_add(long long t, long long span)
{
    return pb_time_clamp(t) + pb_time_clamp(span);
}

long long
pb_time_sat_add(long long a, long long b)
{
    long long r;

    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? LLONG_MAX : LLONG_MIN;
    return r;
}

long long
pb_time_sat_sub(long long a, long long b)
{
    long long r;

    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? LLONG_MAX : LLONG_MIN;
    return r;
}

int
pb_time_from_json(const json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = pb_time_clamp(json_integer_value(v));
        return 0;
    }
    if (json_is_real(v) && isfinite(json_real_value(v))) {
        double d = floor(json_real_value(v));
        /* Compare as a double first: converting 1e300 to an integer is undefined. */
        *out = d >= (double) PB_TIME_LIMIT ? PB_TIME_LIMIT : d <= (double) -PB_TIME_LIMIT ? -PB_TIME_LIMIT
                                                                                           : (long long) d;
        return 0;
    }
    return -1;
}

int
pb_time_from_string(const char *s, long long *out)
{
    char *end;
    long long n;

    errno = 0;
    n = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || (errno != 0 && errno != ERANGE))
        return -1;
    /* On overflow strtoll gives LLONG_MAX or LLONG_MIN: clamped like the rest. */
    *out = pb_time_clamp(n);
    return 0;
}
