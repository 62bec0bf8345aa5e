/* When the host-wide key cache asks the authority, and what an answer does
 * to it: pure decisions on a small state, a clock value and a random value
 * handed in, no files, no network.  lib/jwks-source.c runs them on the
 * state it keeps in cache_dir; bench/fleet-sim.c runs the same functions for
 * thousands of simulated hosts on a virtual clock. */
#ifndef PB_JWKS_FETCH_POLICY_H
#define PB_JWKS_FETCH_POLICY_H

#include <stdint.h>
#include <time.h>

#include "options.h"

/* Freshness of a fill = lifetime * (100 - spread) / 100, spread drawn in
 * [0, PB_JWKS_SPREAD_PCT) for a refill that the set's own expiry caused;
 * any other fill (cold cache, first success after failures, an unknown kid)
 * may have happened in step with the whole fleet, so it draws its phase
 * anew from [PB_JWKS_RESYNC_MIN_PCT, 100] % of the lifetime. */
#define PB_JWKS_SPREAD_PCT 20
#define PB_JWKS_RESYNC_MIN_PCT 10

struct pb_jwks_limits {
    long ttl;                   /* jwks_ttl: lifetime without max-age */
    long min_ttl, max_ttl;      /* jwks_min_ttl, jwks_max_ttl */
    long refetch_interval;      /* jwks_refetch_interval: least gap between requests */
    long stale_limit;           /* jwks_stale_limit */
    long backoff_max;           /* jwks_backoff_max: longest wait after failures */
    int spread_pct;             /* PB_JWKS_SPREAD_PCT (the simulation varies them) */
    int resync_min_pct;         /* PB_JWKS_RESYNC_MIN_PCT */
};

/* What a host remembers about one key source.  All zero: nothing known. */
struct pb_jwks_state {
    time_t fresh_until;         /* the cached set is fresh before this; 0: no set */
    time_t fetched;             /* last fill or revalidation, 0: never */
    long lifetime;              /* the authority's lifetime then, clamped */
    time_t last_attempt;        /* last request, 0: none */
    time_t next_attempt;        /* back-off: no request before this while a set serves */
    time_t retry_until;         /* Retry-After: no request before this at all */
    unsigned failures;          /* failed attempts since the last success */
};

enum pb_jwks_decision {
    PB_JWKS_USE,                /* the cached set is fresh: use it, ask nothing */
    PB_JWKS_FETCH,              /* ask the authority now */
    PB_JWKS_STALE,              /* ask nothing; the cached set still serves */
    PB_JWKS_NONE,               /* ask nothing; nothing usable is held */
};

/* The authority's answer to one request, as jwks-source.c saw it. */
struct pb_jwks_answer {
    long status;                /* HTTP status; 0: no answer (DNS, TLS, timeout, refused) */
    int usable;                 /* 200: the body is a key set; 304: a cached set it revalidates */
    long max_age;               /* Cache-Control max-age, -1 when absent */
    int no_store;               /* Cache-Control no-store or no-cache */
    long retry_after;           /* seconds (pb_jwks_retry_after), -1 when absent */
};

enum pb_jwks_result {
    PB_JWKS_STORE,              /* 200 with a key set: keep it, fresh as the state says */
    PB_JWKS_REVALIDATED,        /* 304: the cached set is fresh again, keys unchanged */
    PB_JWKS_FAILED,             /* anything else: nothing cached, back off */
};

/* The limits a configuration sets. */
void pb_jwks_limits_from_config(struct pb_jwks_limits *lim, const struct pb_config *cfg);

/* What to do for a login at now.  refresh: a token names a kid the set
 * lacks (the set may be fresh).  force: the cached set is unreadable, so the
 * throttles do not hold (a fetch is the only way to repair it). */
enum pb_jwks_decision pb_jwks_decide(const struct pb_jwks_limits *lim, const struct pb_jwks_state *st,
                                     time_t now, int refresh, int force);

/* Is the set the state describes still within jwks_stale_limit at now? */
int pb_jwks_usable(const struct pb_jwks_limits *lim, const struct pb_jwks_state *st, time_t now);

/* Apply the answer to a request made at now; rnd is a uniform random value
 * (getrandom in jwks-source.c, a seeded generator in the simulation).
 * Updates *st: freshness on success, back-off on failure. */
enum pb_jwks_result pb_jwks_update(const struct pb_jwks_limits *lim, struct pb_jwks_state *st, time_t now,
                                   uint32_t rnd, const struct pb_jwks_answer *ans);

/* A Retry-After value (RFC 9110, 10.2.3): delta-seconds, or an HTTP-date
 * in any of its three forms, as seconds after now (0 for a date already
 * past); -1 for anything else.  The caller clamps it. */
long pb_jwks_retry_after(const char *value, time_t now);

/* Parse an HTTP-date (IMF-fixdate, RFC 850 or asctime form) into *out.
 * 0 on success, -1 for anything else. */
int pb_http_date_parse(const char *value, time_t *out);

#endif
