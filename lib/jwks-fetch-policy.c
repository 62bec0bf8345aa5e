/* The key cache's decisions, pure: is the set fresh, may the host ask the
 * authority now, and what an answer does to the state (freshness spread,
 * back-off with jitter, Retry-After).  See jwks-fetch-policy.h. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "jwks-fetch-policy.h"

/* No lifetime or wait is longer than a year, whatever the configuration
 * says: keeps now + lifetime far from overflowing time_t. */
#define LONGEST (366L * 86400)
/* Failures beyond this do not double the wait any more (it is at the
 * ceiling long before). */
#define MAX_DOUBLINGS 20
#define MAX_FAILURES 1000
/* delta-seconds longer than this many digits are refused, not clamped:
 * no authority means a wait of 10^10 s. */
#define MAX_DELTA_DIGITS 10

static long
clamp(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* A fraction of span chosen by rnd: floor(span * rnd / 2^32). */
static long
part(long span, uint32_t rnd)
{
    return (long) (((unsigned long long) (span < 0 ? 0 : span) * rnd) >> 32);
}

void
pb_jwks_limits_from_config(struct pb_jwks_limits *lim, const struct pb_config *cfg)
{
    memset(lim, 0, sizeof(*lim));
    lim->ttl = cfg->jwks_ttl;
    lim->min_ttl = cfg->jwks_min_ttl;
    lim->max_ttl = cfg->jwks_max_ttl;
    lim->refetch_interval = cfg->jwks_refetch_interval;
    lim->stale_limit = cfg->jwks_stale_limit;
    lim->backoff_max = cfg->jwks_backoff_max;
    lim->spread_pct = PB_JWKS_SPREAD_PCT;
    lim->resync_min_pct = PB_JWKS_RESYNC_MIN_PCT;
}

int
pb_jwks_usable(const struct pb_jwks_limits *lim, const struct pb_jwks_state *st, time_t now)
{
    return st->fresh_until != 0 && now - st->fresh_until < clamp(lim->stale_limit, 0, LONGEST);
}

/* A wait recorded for the future, believed only as far as it could have
 * been set: a date further out means the clock was set back since. */
static int
waiting(time_t until, time_t now, long longest)
{
    return until > now && until - now <= longest;
}

/* May the host not ask now?  The gap since the last request always holds;
 * Retry-After always holds; the back-off holds only while a set serves: a
 * host with nothing usable fails every login, so it asks once per refetch
 * interval, as before back-off existed. */
static int
throttled(const struct pb_jwks_limits *lim, const struct pb_jwks_state *st, time_t now)
{
    long gap = clamp(lim->refetch_interval, 0, LONGEST);
    long longest = clamp(lim->backoff_max > gap ? lim->backoff_max : gap, 0, LONGEST);

    if (st->last_attempt != 0 && st->last_attempt <= now && now - st->last_attempt < gap)
        return 1;
    if (waiting(st->retry_until, now, longest))
        return 1;
    return pb_jwks_usable(lim, st, now) && waiting(st->next_attempt, now, longest);
}

enum pb_jwks_decision
pb_jwks_decide(const struct pb_jwks_limits *lim, const struct pb_jwks_state *st, time_t now, int refresh,
               int force)
{
    if (force)
        return PB_JWKS_FETCH;
    if (st->fresh_until != 0 && now < st->fresh_until && !refresh)
        return PB_JWKS_USE;
    if (throttled(lim, st, now))
        return pb_jwks_usable(lim, st, now) ? PB_JWKS_STALE : PB_JWKS_NONE;
    return PB_JWKS_FETCH;
}

/* The authority's lifetime for this answer, within the configured bounds. */
static long
lifetime(const struct pb_jwks_limits *lim, const struct pb_jwks_answer *ans)
{
    long ttl = ans->no_store ? 0 : ans->max_age >= 0 ? ans->max_age : lim->ttl;

    if (ttl < lim->min_ttl)
        ttl = lim->min_ttl;
    if (ttl > lim->max_ttl)
        ttl = lim->max_ttl;
    return clamp(ttl, 0, LONGEST);
}

/* Freshness for a fill of the given lifetime.  A refill caused by the set's
 * own expiry keeps the host's phase, less up to spread_pct; any other fill
 * draws a new phase in [resync_min_pct, 100] % of the lifetime. */
static long
spread(const struct pb_jwks_limits *lim, const struct pb_jwks_state *st, time_t now, long life, uint32_t rnd)
{
    int own_phase = st->fresh_until != 0 && st->failures == 0 && now >= st->fresh_until;
    long keep;

    if (own_phase)
        return life - part(life / 100 * clamp(lim->spread_pct, 0, 100)
                           + life % 100 * clamp(lim->spread_pct, 0, 100) / 100, rnd);
    keep = life / 100 * clamp(lim->resync_min_pct, 0, 100) + life % 100 * clamp(lim->resync_min_pct, 0, 100) / 100;
    return keep + part(life - keep, rnd);
}

/* The wait after the n-th failure in a row: refetch_interval doubled per
 * failure up to backoff_max, then anywhere in its upper half (jitter), never
 * less than refetch_interval. */
static long
backoff(const struct pb_jwks_limits *lim, unsigned failures, uint32_t rnd)
{
    long gap = clamp(lim->refetch_interval, 1, LONGEST);
    long ceiling = clamp(lim->backoff_max, gap, LONGEST);
    long wait = gap;

    for (unsigned i = 1; i < failures && i <= MAX_DOUBLINGS && wait < ceiling; i++)
        wait *= 2;
    wait = clamp(wait, gap, ceiling);
    wait = wait - wait / 2 + part(wait / 2, rnd);
    return wait < gap ? gap : wait;
}

enum pb_jwks_result
pb_jwks_update(const struct pb_jwks_limits *lim, struct pb_jwks_state *st, time_t now, uint32_t rnd,
               const struct pb_jwks_answer *ans)
{
    enum pb_jwks_result result;

    st->last_attempt = now;
    if (ans->status == 200 && ans->usable)
        result = PB_JWKS_STORE;
    else if (ans->status == 304 && ans->usable && st->fresh_until != 0)
        result = PB_JWKS_REVALIDATED;
    else
        result = PB_JWKS_FAILED;

    if (result != PB_JWKS_FAILED) {
        long life = lifetime(lim, ans);
        st->fresh_until = now + spread(lim, st, now, life, rnd);
        st->fetched = now;
        st->lifetime = life;
        st->failures = 0;
        st->next_attempt = 0;
        st->retry_until = 0;
        return result;
    }
    /* Never cache an error: the set, its freshness and its validators stay. */
    if (st->failures < MAX_FAILURES)
        st->failures++;
    st->next_attempt = now + backoff(lim, st->failures, rnd);
    if ((ans->status == 429 || ans->status == 503) && ans->retry_after >= 0) {
        /* Honoured up to the ceiling, and spread a little after it, so
         * hosts told the same date do not all come back on it. */
        long ceiling = clamp(lim->backoff_max, clamp(lim->refetch_interval, 0, LONGEST), LONGEST);
        long ra = clamp(ans->retry_after, 0, ceiling);
        ra += part(ra / 100 * clamp(lim->spread_pct, 0, 100), rnd);
        st->retry_until = now + clamp(ra, 0, ceiling);
    } else {
        st->retry_until = 0;
    }
    return result;
}

/* --- Retry-After and HTTP-date ---------------------------------------------------- */

static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const long_days[] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                         "Sunday" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Read exactly n digits (a leading space allowed when space is set). */
static int
digits(const char **p, int n, int space, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c == ' ' && space && i == 0 && n > 1)
            continue;
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int
word(const char **p, const char *const *table, int count, int *out)
{
    for (int i = 0; i < count; i++) {
        size_t n = strlen(table[i]);
        if (strncmp(*p, table[i], n) == 0) {
            *p += n;
            *out = i;
            return 0;
        }
    }
    return -1;
}

static int
literal(const char **p, const char *text)
{
    size_t n = strlen(text);

    if (strncmp(*p, text, n) != 0)
        return -1;
    *p += n;
    return 0;
}

static int
clock_time(const char **p, struct tm *tm)
{
    return digits(p, 2, 0, &tm->tm_hour) || literal(p, ":") || digits(p, 2, 0, &tm->tm_min)
        || literal(p, ":") || digits(p, 2, 0, &tm->tm_sec) ? -1 : 0;
}

int
pb_http_date_parse(const char *value, time_t *out)
{
    const char *p = value;
    struct tm tm;
    int wday, year, mday;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    if (strlen(value) > 40)
        return -1;
    if (word(&p, long_days, 7, &wday) == 0 && literal(&p, ", ") == 0) {
        /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit year: 1970-2069) */
        if (digits(&p, 2, 0, &tm.tm_mday) || literal(&p, "-") || word(&p, months, 12, &tm.tm_mon)
            || literal(&p, "-") || digits(&p, 2, 0, &year) || literal(&p, " ") || clock_time(&p, &tm)
            || literal(&p, " GMT"))
            return -1;
        year += year < 70 ? 2000 : 1900;
    } else if (p = value, word(&p, days, 7, &wday) == 0 && literal(&p, ", ") == 0) {
        /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
        if (digits(&p, 2, 0, &tm.tm_mday) || literal(&p, " ") || word(&p, months, 12, &tm.tm_mon)
            || literal(&p, " ") || digits(&p, 4, 0, &year) || literal(&p, " ") || clock_time(&p, &tm)
            || literal(&p, " GMT"))
            return -1;
    } else if (p = value, word(&p, days, 7, &wday) == 0 && literal(&p, " ") == 0) {
        /* asctime: Sun Nov  6 08:49:37 1994 */
        if (word(&p, months, 12, &tm.tm_mon) || literal(&p, " ") || digits(&p, 2, 1, &tm.tm_mday)
            || literal(&p, " ") || clock_time(&p, &tm) || literal(&p, " ") || digits(&p, 4, 0, &year))
            return -1;
    } else {
        return -1;
    }
    if (*p != '\0' || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60
        || year < 1970)
        return -1;
    tm.tm_year = year - 1900;
    mday = tm.tm_mday;
    /* timegm normalises 31 Feb to 3 Mar (in tm too): such a date is not one. */
    t = timegm(&tm);
    if (t == (time_t) -1 || tm.tm_mday != mday)
        return -1;
    *out = t;
    return 0;
}

long
pb_jwks_retry_after(const char *value, time_t now)
{
    const char *p = value;
    time_t when;
    long v = 0;
    int n = 0;

    if (value == NULL || *value == '\0')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++, n++) {
        if (n >= MAX_DELTA_DIGITS)
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (n > 0)
        return *p == '\0' ? v : -1;
    if (pb_http_date_parse(value, &when) != 0)
        return -1;
    return when <= now ? 0 : when - now > LONG_MAX ? LONG_MAX : (long) (when - now);
}
