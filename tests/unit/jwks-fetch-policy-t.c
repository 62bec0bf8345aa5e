/* Unit tests for lib/jwks-fetch-policy.c on a virtual clock: when a host
 * asks, the spread of freshness, back-off and its ceiling, Retry-After (both
 * forms, clamped, only on 429 and 503), 304s, errors never cached; and the
 * validators lib/http.c lets through. */
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "jwks-fetch-policy.h"
#include "tap.h"

static const struct pb_jwks_limits lim = {
    .ttl = 3600, .min_ttl = 300, .max_ttl = 86400, .refetch_interval = 60, .stale_limit = 86400,
    .backoff_max = 900, .spread_pct = PB_JWKS_SPREAD_PCT, .resync_min_pct = PB_JWKS_RESYNC_MIN_PCT,
};

static const struct pb_jwks_answer ok200 = { 200, 1, -1, 0, -1 };
static const struct pb_jwks_answer ok304 = { 304, 1, -1, 0, -1 };
static const struct pb_jwks_answer down = { 0, 0, -1, 0, -1 };

#define T0 1700000000L

static struct pb_jwks_answer
answer(long status, long retry_after)
{
    struct pb_jwks_answer a = { status, 0, -1, 0, retry_after };
    return a;
}

int
main(void)
{
    struct pb_jwks_state st, before;
    struct pb_jwks_answer a;
    time_t when;
    long lo, hi;
    int ok;

    /* --- decisions */
    memset(&st, 0, sizeof(st));
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 0, 0), PB_JWKS_FETCH, "nothing known: fetch");
    st.fresh_until = T0 + 100;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 0, 0), PB_JWKS_USE, "fresh: use, no request");
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 0, 1), PB_JWKS_FETCH, "fresh but unreadable (force): fetch");
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 1, 0), PB_JWKS_FETCH, "fresh, unknown kid, no recent attempt: fetch");
    st.last_attempt = T0 - 59;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 1, 0), PB_JWKS_STALE,
               "unknown kid within jwks_refetch_interval of the last attempt: no request");
    st.last_attempt = T0 - 60;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 1, 0), PB_JWKS_FETCH, "... and one once it has passed");
    st.last_attempt = T0 + 5000;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 1, 0), PB_JWKS_FETCH,
               "a last attempt in the future (clock set back) does not throttle");
    st.last_attempt = 0;
    st.fresh_until = T0 - 10;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 0, 0), PB_JWKS_FETCH, "stale: fetch");
    st.next_attempt = T0 + 300;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 0, 0), PB_JWKS_STALE, "stale, backing off: the stale set serves");
    st.next_attempt = T0 + 5000;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 0, 0), PB_JWKS_FETCH,
               "a back-off further away than jwks_backoff_max (clock set back) is not believed");
    st.next_attempt = T0 + 300;
    st.fresh_until = T0 - 86400;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 0, 0), PB_JWKS_FETCH,
               "past jwks_stale_limit the back-off does not hold: nothing serves, so ask");
    st.retry_until = T0 + 100;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 0, 0), PB_JWKS_NONE, "... but Retry-After does: nothing usable, no request");
    st.fresh_until = T0 - 10;
    tap_is_int(pb_jwks_decide(&lim, &st, T0, 0, 0), PB_JWKS_STALE, "Retry-After with stale keys: they serve");
    tap_is_int(pb_jwks_decide(&lim, &st, T0 + 100, 0, 0), PB_JWKS_STALE, "... the back-off still runs after it");
    st.next_attempt = 0;
    tap_is_int(pb_jwks_decide(&lim, &st, T0 + 100, 0, 0), PB_JWKS_FETCH, "Retry-After elapsed: fetch");
    tap_ok(pb_jwks_usable(&lim, &st, T0) && !pb_jwks_usable(&lim, &st, T0 - 10 + 86400),
           "usable up to jwks_stale_limit past freshness, not at it");

    /* --- a 200: spread */
    ok = 1;
    lo = 1L << 30, hi = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t rnd = i * 4294967u;
        memset(&st, 0, sizeof(st));
        st.fresh_until = T0 - 1;        /* its own expiry caused this fill */
        st.fetched = T0 - 3600;
        if (pb_jwks_update(&lim, &st, T0, rnd, &ok200) != PB_JWKS_STORE)
            ok = 0;
        if (st.fresh_until - T0 < lo)
            lo = st.fresh_until - T0;
        if (st.fresh_until - T0 > hi)
            hi = st.fresh_until - T0;
    }
    tap_ok(ok && lo >= 2880 && hi <= 3600 && lo < 2900 && hi > 3580,
           "a refill at expiry is fresh for 80-100 %% of jwks_ttl, the whole range used (%ld-%ld s)", lo, hi);
    lo = 1L << 30, hi = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        memset(&st, 0, sizeof(st));
        pb_jwks_update(&lim, &st, T0, i * 4294967u, &ok200);
        lo = st.fresh_until - T0 < lo ? st.fresh_until - T0 : lo;
        hi = st.fresh_until - T0 > hi ? st.fresh_until - T0 : hi;
    }
    tap_ok(lo >= 360 && hi <= 3600 && lo < 380 && hi > 3580,
           "a cold fill is fresh for 10-100 %% of jwks_ttl (%ld-%ld s)", lo, hi);
    memset(&st, 0, sizeof(st));
    st.fresh_until = T0 - 1;
    st.failures = 3;
    pb_jwks_update(&lim, &st, T0, 0, &ok200);
    tap_is_int(st.fresh_until - T0, 360, "the first success after failures draws a new phase too (10 %% at rnd 0)");
    tap_ok(st.failures == 0 && st.next_attempt == 0 && st.retry_until == 0 && st.fetched == T0
               && st.lifetime == 3600 && st.last_attempt == T0,
           "... and clears the failures and waits, records the fill and the attempt");
    memset(&st, 0, sizeof(st));
    st.fresh_until = T0 - 1;
    a = ok200;
    a.max_age = 120;
    pb_jwks_update(&lim, &st, T0, UINT32_MAX, &a);
    tap_ok(st.lifetime == 300 && st.fresh_until - T0 > 240 && st.fresh_until - T0 <= 300,
           "max-age below jwks_min_ttl is raised, then spread (%ld s of %ld)", (long) (st.fresh_until - T0),
           st.lifetime);
    a.max_age = 999999;
    memset(&st, 0, sizeof(st));
    st.fresh_until = T0 - 1;
    pb_jwks_update(&lim, &st, T0, 0, &a);
    tap_is_int(st.lifetime, 86400, "max-age above jwks_max_ttl is lowered");
    a.max_age = -1;
    a.no_store = 1;
    pb_jwks_update(&lim, &st, T0, 0, &a);
    tap_is_int(st.lifetime, 300, "no-store counts as 0, raised to jwks_min_ttl");

    /* --- a 304 */
    memset(&st, 0, sizeof(st));
    st.fresh_until = T0 - 5;
    tap_is_int(pb_jwks_update(&lim, &st, T0, 0, &ok304), PB_JWKS_REVALIDATED, "a 304 revalidates the cached set");
    tap_ok(st.fresh_until >= T0 + 2880, "... fresh again for 80-100 %% of the lifetime");
    memset(&st, 0, sizeof(st));
    tap_is_int(pb_jwks_update(&lim, &st, T0, 0, &ok304), PB_JWKS_FAILED, "a 304 with nothing cached is a failure");
    a = ok304;
    a.usable = 0;
    st.fresh_until = T0 - 5;
    tap_is_int(pb_jwks_update(&lim, &st, T0, 0, &a), PB_JWKS_FAILED, "a 304 to an unconditional request is a failure");

    /* --- failures: never cached, back-off grows with jitter to the ceiling */
    memset(&st, 0, sizeof(st));
    st.fresh_until = T0 - 5;
    st.fetched = T0 - 3605;
    st.lifetime = 3600;
    before = st;
    tap_is_int(pb_jwks_update(&lim, &st, T0, 0, &down), PB_JWKS_FAILED, "no answer: failed");
    tap_ok(st.fresh_until == before.fresh_until && st.fetched == before.fetched && st.lifetime == 3600,
           "... the cached set's freshness untouched (an error is never cached)");
    a = answer(200, -1);        /* a 200 whose body is not a key set */
    tap_is_int(pb_jwks_update(&lim, &st, T0, 0, &a), PB_JWKS_FAILED, "a 200 without a usable set: failed");
    tap_ok(st.fresh_until == before.fresh_until, "... nothing cached either");
    ok = 1;
    memset(&st, 0, sizeof(st));
    st.fresh_until = T0 - 5;
    {
        long want_max[] = { 60, 120, 240, 480, 900, 900, 900 };
        char seen[200] = "";
        for (int i = 0; i < 7; i++) {
            struct pb_jwks_state lo_st = st, hi_st = st;
            pb_jwks_update(&lim, &lo_st, T0, 0, &down);
            pb_jwks_update(&lim, &hi_st, T0, UINT32_MAX, &down);
            long l = lo_st.next_attempt - T0, h = hi_st.next_attempt - T0;
            long floor_ = want_max[i] - want_max[i] / 2 < 60 ? 60 : want_max[i] - want_max[i] / 2;
            if (l != floor_ || h > want_max[i] || h < want_max[i] - 1 || lo_st.failures != (unsigned) i + 1)
                ok = 0;
            snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), " %ld-%ld", l, h);
            st = hi_st;
        }
        tap_ok(ok, "back-off after 1..7 failures doubles from 60 s to the 900 s ceiling, jittered in its upper half:%s",
               seen);
    }
    {
        struct pb_jwks_limits tight = lim;
        tight.backoff_max = 10;
        memset(&st, 0, sizeof(st));
        for (int i = 0; i < 5; i++)
            pb_jwks_update(&tight, &st, T0, UINT32_MAX, &down);
        tap_is_int(st.next_attempt - T0, 60, "a ceiling below jwks_refetch_interval counts as it");
    }

    /* --- Retry-After */
    memset(&st, 0, sizeof(st));
    st.fresh_until = T0 - 5;
    a = answer(429, 300);
    pb_jwks_update(&lim, &st, T0, 0, &a);
    tap_is_int(st.retry_until - T0, 300, "429 Retry-After: 300 is honoured");
    a = answer(503, 300);
    pb_jwks_update(&lim, &st, T0, UINT32_MAX, &a);
    tap_ok(st.retry_until - T0 >= 300 && st.retry_until - T0 <= 360,
           "503 Retry-After: 300, spread after it by up to 20 %% (%ld s)", (long) (st.retry_until - T0));
    a = answer(503, 100000);
    pb_jwks_update(&lim, &st, T0, UINT32_MAX, &a);
    tap_is_int(st.retry_until - T0, 900, "a Retry-After beyond jwks_backoff_max is clamped to it");
    a = answer(500, 300);
    pb_jwks_update(&lim, &st, T0, 0, &a);
    tap_is_int(st.retry_until, 0, "Retry-After on a 500 is not honoured (only 429 and 503)");
    a = answer(429, -1);
    pb_jwks_update(&lim, &st, T0, 0, &a);
    tap_ok(st.retry_until == 0 && st.next_attempt > T0, "a 429 without a usable Retry-After backs off");

    /* --- parsing Retry-After */
    tap_is_int(pb_jwks_retry_after("120", T0), 120, "Retry-After: 120");
    tap_is_int(pb_jwks_retry_after("0", T0), 0, "Retry-After: 0");
    tap_is_int(pb_jwks_retry_after("9999999999", T0), 9999999999L, "ten digits are read (the caller clamps)");
    tap_is_int(pb_jwks_retry_after("99999999999", T0), -1, "eleven digits are refused");
    tap_is_int(pb_jwks_retry_after("-5", T0), -1, "a negative number is refused");
    tap_is_int(pb_jwks_retry_after("12s", T0), -1, "trailing junk is refused");
    tap_is_int(pb_jwks_retry_after("", T0), -1, "empty is absent");
    tap_is_int(pb_jwks_retry_after("soon", T0), -1, "a word is refused");
    tap_ok(pb_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &when) == 0 && when == 784111777,
           "IMF-fixdate parsed");
    tap_ok(pb_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &when) == 0 && when == 784111777,
           "RFC 850 date parsed");
    tap_ok(pb_http_date_parse("Sun Nov  6 08:49:37 1994", &when) == 0 && when == 784111777, "asctime date parsed");
    tap_is_int(pb_jwks_retry_after("Sun, 06 Nov 1994 08:49:57 GMT", 784111777), 20, "a date 20 s ahead: 20");
    tap_is_int(pb_jwks_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 50), 0, "a date past: 0");
    tap_ok(pb_http_date_parse("Sun, 31 Feb 2027 08:49:37 GMT", &when) != 0, "31 February is refused");
    tap_ok(pb_http_date_parse("Sun, 06 Nov 1994 25:49:37 GMT", &when) != 0, "hour 25 is refused");
    tap_ok(pb_http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", &when) != 0, "a zone other than GMT is refused");
    tap_ok(pb_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT ", &when) != 0, "trailing text is refused");
    tap_ok(pb_http_date_parse("Sun, 6 Nov 1994 08:49:37 GMT", &when) != 0, "a one-digit day is refused");
    tap_ok(pb_http_date_parse("Foo, 06 Nov 1994 08:49:37 GMT", &when) != 0, "an unknown day name is refused");
    tap_ok(pb_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT", &when) != 0,
           "an overlong value is refused");

    /* --- validators kept and sent back */
    tap_ok(pb_http_etag_ok("\"abc\"", 5) && pb_http_etag_ok("W/\"abc\"", 7) && pb_http_etag_ok("\"\"", 2),
           "entity-tags: strong, weak, empty");
    tap_ok(!pb_http_etag_ok("abc", 3) && !pb_http_etag_ok("\"a\"b\"", 5) && !pb_http_etag_ok("\"a b\"", 5)
               && !pb_http_etag_ok("\"a\r\nX: y\"", 9) && !pb_http_etag_ok("\"", 1) && !pb_http_etag_ok("W/", 2),
           "not entity-tags: unquoted, inner quote, space, CR LF, a lone quote, W/ alone");
    {
        char big[PB_HTTP_ETAG_MAX + 2];
        memset(big, 'a', sizeof(big));
        big[0] = '"';
        big[PB_HTTP_ETAG_MAX - 1] = '"';
        tap_ok(pb_http_etag_ok(big, PB_HTTP_ETAG_MAX), "an entity-tag of %d bytes is kept", PB_HTTP_ETAG_MAX);
        big[PB_HTTP_ETAG_MAX - 1] = 'a';
        big[PB_HTTP_ETAG_MAX] = '"';
        tap_ok(!pb_http_etag_ok(big, PB_HTTP_ETAG_MAX + 1), "one of %d bytes is refused", PB_HTTP_ETAG_MAX + 1);
    }
    tap_ok(pb_http_date_ok("Sun, 06 Nov 1994 08:49:37 GMT", 29), "a date is a safe header value");
    tap_ok(!pb_http_date_ok("Sun, 06 Nov 1994\r\nX: 1", 22) && !pb_http_date_ok("", 0)
               && !pb_http_date_ok("Sun, 06 Nov 1994 08:49:37 GMT; x=\"1\"", 36),
           "CR LF, empty, quotes and semicolons are not");
    return tap_done();
}
