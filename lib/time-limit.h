/* Times from outside (a reply's expires_in or expires_on, the exp of a token
 * the helper stores, a cache file) are clamped here, in one place, before any
 * arithmetic: a hostile or broken authority must not overflow a signed
 * addition.  The claims policy does not clamp: a NumericDate is any value
 * that fits 64 bits (RFC 7519 section 2), and it computes with the saturating
 * pb_time_sat_add and pb_time_sat_sub instead. */
#ifndef PB_TIME_LIMIT_H
#define PB_TIME_LIMIT_H

#include <jansson.h>

/* 9999-12-31T23:59:59Z: no date beyond it, no span longer than it.  Sums and
 * differences of clamped values are far from overflowing 64 bits. */
#define PB_TIME_LIMIT 253402300799LL

/* v within [-PB_TIME_LIMIT, PB_TIME_LIMIT]. */
long long pb_time_clamp(long long v);

/* t + span, each clamped first (never overflows). */
long long pb_time_add(long long t, long long span);

/* a + b and a - b, saturated to [LLONG_MIN, LLONG_MAX] instead of
 * overflowing. */
long long pb_time_sat_add(long long a, long long b);
long long pb_time_sat_sub(long long a, long long b);

/* A JSON integer or finite real (rounded down), clamped: 0; anything else: -1. */
int pb_time_from_json(const json_t *v, long long *out);

/* A decimal integer string (as some servers quote their numbers), clamped,
 * overflow included: 0; anything else: -1. */
int pb_time_from_string(const char *s, long long *out);

#endif
