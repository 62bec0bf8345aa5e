/* time-limit-t: times from outside are clamped before any arithmetic (lib/time-limit.c). */
#include <limits.h>

#include <jansson.h>

#include "tap.h"
#include "time-limit.h"

int
main(void)
{
    long long t = 7;
    json_t *v;

    tap_is_int(pb_time_clamp(0), 0, "0 stays 0");
    tap_is_int(pb_time_clamp(1700000000), 1700000000, "a date of today stays");
    tap_is_int(pb_time_clamp(LLONG_MAX), PB_TIME_LIMIT, "LLONG_MAX is clamped to 9999-12-31");
    tap_is_int(pb_time_clamp(LLONG_MIN), -PB_TIME_LIMIT, "LLONG_MIN is clamped to minus the limit");
    tap_is_int(pb_time_add(LLONG_MAX, LLONG_MAX), 2 * PB_TIME_LIMIT, "adding two huge times does not overflow");
    tap_is_int(pb_time_add(1000, -LLONG_MAX), 1000 - PB_TIME_LIMIT, "a huge negative span does not overflow");

    v = json_integer(LLONG_MAX);
    tap_ok(pb_time_from_json(v, &t) == 0 && t == PB_TIME_LIMIT, "JSON integer 2^63-1: clamped");
    json_decref(v);
    v = json_real(1e300);
    tap_ok(pb_time_from_json(v, &t) == 0 && t == PB_TIME_LIMIT, "JSON real 1e300: clamped, no undefined conversion");
    json_decref(v);
    v = json_real(-1e300);
    tap_ok(pb_time_from_json(v, &t) == 0 && t == -PB_TIME_LIMIT, "JSON real -1e300: clamped");
    json_decref(v);
    v = json_real(1700000000.9);
    tap_ok(pb_time_from_json(v, &t) == 0 && t == 1700000000, "a fractional time is rounded down");
    json_decref(v);
    v = json_real(-0.5);
    tap_ok(pb_time_from_json(v, &t) == 0 && t == -1, "-0.5 rounds down to -1");
    json_decref(v);
    t = 42;
    v = json_string("1700000000");
    tap_ok(pb_time_from_json(v, &t) == -1 && t == 42, "a JSON string is not a time (and out is untouched)");
    json_decref(v);
    tap_ok(pb_time_from_json(json_null(), &t) == -1, "null is not a time");
    tap_ok(pb_time_from_json(json_true(), &t) == -1, "true is not a time");

    tap_ok(pb_time_from_string("3600", &t) == 0 && t == 3600, "\"3600\" is 3600");
    tap_ok(pb_time_from_string("-60", &t) == 0 && t == -60, "\"-60\" is -60");
    tap_ok(pb_time_from_string("99999999999999999999", &t) == 0 && t == PB_TIME_LIMIT,
           "an integer past 64 bits is clamped, not refused");
    tap_ok(pb_time_from_string("-99999999999999999999", &t) == 0 && t == -PB_TIME_LIMIT,
           "and so is its negative");
    tap_ok(pb_time_from_string("", &t) == -1, "the empty string is refused");
    tap_ok(pb_time_from_string("12s", &t) == -1, "trailing text is refused");
    tap_ok(pb_time_from_string("1e3", &t) == -1, "exponent notation is refused");
    tap_ok(pb_time_from_string("abc", &t) == -1, "words are refused");
    return tap_done();
}
