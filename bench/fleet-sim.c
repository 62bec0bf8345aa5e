/* fleet-sim: thousands of hosts, each running the key cache's real decision
 * code (lib/jwks-fetch-policy.c, the functions lib/jwks-source.c calls)
 * against one simulated authority, on a virtual clock.  It reports what the
 * authority sees (requests per second: the mean, and the peak minute) and
 * how many logins failed, for the scenarios of issue 15, and checks the
 * issue's goals.  Deterministic: a fixed seed, no wall clock.
 *
 *   fleet-sim [-n HOSTS] [-l LOGIN_EVERY_S] [-s SEED] [-r RESYNC_MIN_PCT] [-p SPREAD_PCT] [-b BACKOFF_MAX] [--check] [--tap]
 *
 * -r, -p and -b replace PB_JWKS_RESYNC_MIN_PCT, PB_JWKS_SPREAD_PCT and
 * jwks_backoff_max, for baselines: -p 0 -r 100 -b 60 is the cache as it was
 * before issue 15 (no spread, a request per refetch interval while failing).
 *
 * Each host sees logins as a Poisson process (mean LOGIN_EVERY_S apart);
 * a login asks pb_jwks_decide, a request goes to the authority, whose
 * answer goes through pb_jwks_update with a random value, exactly as in
 * jwks-source.c (which adds only files, locks and HTTP).  A token the
 * host's set lacks (rotation, a random kid) asks again with refresh set. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwks-fetch-policy.h"

#define T0 1700000000L          /* the virtual clock's origin */
#define MINUTE 60
#define RANDOM_KID (-1000000)   /* in no set */

struct host {
    struct pb_jwks_state st;
    int version;                /* of the set held (its kids: version-1, version); -1 none */
    long fills;
    long long fresh_total;      /* sum of the freshness granted, for the mean */
};

struct event {
    time_t at;
    int host;
    int flood;                  /* a token with a random kid */
};

struct authority {
    int version;                /* current key set; kids version-1 and version */
    int signing;                /* kid new tokens carry */
    time_t down_from, down_until;
    long down_status;           /* 0: no answer; else that status */
    long retry_after;           /* with down_status 429/503; -1 none */
    long *per_minute;           /* requests per minute since T0 */
    long minutes;
    long requests, answers200, answers304;
};

struct scenario {
    const char *name;
    long duration;              /* seconds simulated */
    int cold_sync;              /* every host cold, first login in minute 0 */
    time_t outage_at;           /* relative to T0, 0: none */
    long outage_len;
    long outage_status, outage_retry_after;
    time_t rotate_at;           /* 0: none */
    long rotate_lead;           /* the new key is published this long before it signs */
    time_t flood_at;            /* 0: none */
    long flood_len, flood_every;
};

struct result {
    long requests, failed, refused_random;
    double mean_rps;            /* over the window */
    double peak_rps;            /* the busiest minute of the window, per second */
    long window_requests;
    double per_host_period;     /* requests per host per freshness period (steady) */
    double per_host_lifetime;   /* requests per host per authority lifetime */
    double per_host_interval;   /* requests per host per refetch interval (flood) */
    long after_minute;          /* requests in the minute after an outage */
    long long fresh_sum;
    long fills;
};

/* --- deterministic randomness: xorshift64* ------------------------------------------ */
static uint64_t rng_state;

static uint64_t
rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static uint32_t
rng32(void)
{
    return (uint32_t) (rng() >> 32);
}

/* An exponential gap of the given mean, at least one second. */
static long
gap(long mean)
{
    double u = ((double) (rng() >> 11) + 1.0) / 9007199254740993.0;   /* (0, 1] */
    long g = (long) (-(double) mean * log(u));

    return g < 1 ? 1 : g;
}

/* --- the event heap ------------------------------------------------------------------ */
static struct event *heap;
static size_t heap_n;

static void
push(struct event e)
{
    size_t i = heap_n++;

    while (i > 0 && heap[(i - 1) / 2].at > e.at) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = e;
}

static struct event
pop(void)
{
    struct event top = heap[0], last = heap[--heap_n];
    size_t i = 0;

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= heap_n)
            break;
        if (c + 1 < heap_n && heap[c + 1].at < heap[c].at)
            c++;
        if (heap[c].at >= last.at)
            break;
        heap[i] = heap[c];
        i = c;
    }
    heap[i] = last;
    return top;
}

/* --- the authority --------------------------------------------------------------------- */

/* One request from h at now; its answer through the real pb_jwks_update. */
static void
request(struct authority *a, struct host *h, const struct pb_jwks_limits *lim, time_t now)
{
    struct pb_jwks_answer ans = { 0, 0, -1, 0, -1 };
    long minute = (long) (now - T0) / MINUTE;

    a->requests++;
    if (minute >= 0 && minute < a->minutes)
        a->per_minute[minute]++;
    if (now >= a->down_from && now < a->down_until) {
        ans.status = a->down_status;
        ans.retry_after = a->retry_after;
    } else if (h->st.fresh_until != 0 && h->version == a->version) {
        ans.status = 304;       /* If-None-Match names the current set */
        ans.usable = 1;
        a->answers304++;
    } else {
        ans.status = 200;
        ans.usable = 1;
        a->answers200++;
    }
    switch (pb_jwks_update(lim, &h->st, now, rng32(), &ans)) {
    case PB_JWKS_STORE:
        h->version = a->version;
        /* fall through */
    case PB_JWKS_REVALIDATED:
        h->fills++;
        h->fresh_total += h->st.fresh_until - now;
        break;
    case PB_JWKS_FAILED:
        break;
    }
}

static int
has_kid(const struct host *h, int kid)
{
    return h->version >= 0 && (kid == h->version || kid == h->version - 1);
}

/* One login with a token of kid (RANDOM_KID: in no set), as
 * pb_jwks_get and the verifier do it.  Returns 1 when it succeeds. */
static int
login(struct authority *a, struct host *h, const struct pb_jwks_limits *lim, time_t now, int kid)
{
    switch (pb_jwks_decide(lim, &h->st, now, 0, 0)) {
    case PB_JWKS_FETCH:
        request(a, h, lim, now);
        if (!pb_jwks_usable(lim, &h->st, now))
            return 0;
        break;
    case PB_JWKS_USE:
    case PB_JWKS_STALE:
        break;
    case PB_JWKS_NONE:
        return 0;
    }
    if (has_kid(h, kid))
        return 1;
    /* An unknown kid: one refresh, if the throttle allows. */
    if (pb_jwks_decide(lim, &h->st, now, 1, 0) == PB_JWKS_FETCH)
        request(a, h, lim, now);
    return has_kid(h, kid);
}

/* --- a scenario ------------------------------------------------------------------------ */

static void
run(const struct scenario *sc, const struct pb_jwks_limits *lim, int hosts, long login_every, uint64_t seed,
    time_t win_from, time_t win_until, struct result *r)
{
    struct authority a;
    struct host *h = calloc((size_t) hosts, sizeof(*h));
    long peak = 0;

    rng_state = seed ? seed : 88172645463325252ULL;
    memset(&a, 0, sizeof(a));
    memset(r, 0, sizeof(*r));
    a.minutes = sc->duration / MINUTE + 2;
    a.per_minute = calloc((size_t) a.minutes, sizeof(long));
    a.down_from = sc->outage_at ? T0 + sc->outage_at : 0;
    a.down_until = sc->outage_at ? T0 + sc->outage_at + sc->outage_len : 0;
    a.down_status = sc->outage_status;
    a.retry_after = sc->outage_retry_after;
    heap = calloc((size_t) hosts * 2 + 1, sizeof(*heap));
    heap_n = 0;
    if (h == NULL || a.per_minute == NULL || heap == NULL) {
        fprintf(stderr, "fleet-sim: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < hosts; i++) {
        struct event e = { 0, i, 0 };
        if (sc->cold_sync) {
            h[i].version = -1;
            e.at = T0 + (long) (rng() % MINUTE);
        } else {
            /* A fleet long in its steady state: the set fetched at a
             * random moment of its last freshness period. */
            long fresh = lim->ttl - (long) (rng() % (uint64_t) (lim->ttl / 5 + 1));
            h[i].version = 0;
            h[i].st.fetched = T0 - (long) (rng() % (uint64_t) fresh);
            h[i].st.fresh_until = h[i].st.fetched + fresh;
            h[i].st.lifetime = lim->ttl;
            h[i].st.last_attempt = h[i].st.fetched;
            e.at = T0 + gap(login_every);
        }
        push(e);
        if (sc->flood_at) {
            struct event f = { T0 + sc->flood_at + (long) (rng() % (uint64_t) sc->flood_every), i, 1 };
            push(f);
        }
    }
    while (heap_n > 0) {
        struct event e = pop();
        int kid;

        if (e.at >= T0 + sc->duration)
            continue;   /* drained: nothing is pushed past the end */
        if (sc->rotate_at && e.at >= T0 + sc->rotate_at && a.version == 0)
            a.version = 1;
        a.signing = sc->rotate_at && e.at >= T0 + sc->rotate_at + sc->rotate_lead ? 1 : 0;
        kid = e.flood ? RANDOM_KID : a.signing;
        if (!login(&a, &h[e.host], lim, e.at, kid)) {
            if (e.flood)
                r->refused_random++;
            else
                r->failed++;
        }
        if (e.flood) {
            if (e.at + sc->flood_every < T0 + sc->flood_at + sc->flood_len)
                push((struct event) { e.at + sc->flood_every, e.host, 1 });
        } else {
            push((struct event) { e.at + gap(login_every), e.host, 0 });
        }
    }
    r->requests = a.requests;
    for (long m = (long) (win_from / MINUTE); m < (long) (win_until / MINUTE) && m < a.minutes; m++) {
        r->window_requests += a.per_minute[m];
        if (a.per_minute[m] > peak)
            peak = a.per_minute[m];
    }
    r->mean_rps = (double) r->window_requests / (double) (win_until - win_from);
    r->peak_rps = (double) peak / MINUTE;
    if (sc->outage_at) {
        long m = (long) ((sc->outage_at + sc->outage_len) / MINUTE);
        r->after_minute = m < a.minutes ? a.per_minute[m] : 0;
    }
    for (int i = 0; i < hosts; i++) {
        r->fresh_sum += h[i].fresh_total;
        r->fills += h[i].fills;
    }
    if (r->fills > 0) {
        double period = (double) r->fresh_sum / (double) r->fills;
        r->per_host_period = (double) r->requests / hosts / ((double) sc->duration / period);
    }
    r->per_host_lifetime = (double) r->requests / hosts / ((double) sc->duration / (double) lim->ttl);
    if (sc->flood_at)
        r->per_host_interval = (double) r->window_requests / hosts
            / ((double) (win_until - win_from) / (double) lim->refetch_interval);
    free(heap);
    free(a.per_minute);
    free(h);
}

/* --- main -------------------------------------------------------------------------------- */

static int tap_n, tap_bad, tap;

static void
goal(int ok, const char *what)
{
    tap_n++;
    if (!ok)
        tap_bad++;
    if (tap)
        printf("%sok %d - %s\n", ok ? "" : "not ", tap_n, what);
    else
        printf("  goal %-70s %s\n", what, ok ? "met" : "NOT MET");
}

int
main(int argc, char **argv)
{
    int hosts = 10000, check = 0;
    long login_every = 120;
    uint64_t seed = 1;
    struct pb_jwks_limits lim = {
        .ttl = 3600, .min_ttl = 300, .max_ttl = 86400, .refetch_interval = 60, .stale_limit = 86400,
        .backoff_max = 900, .spread_pct = PB_JWKS_SPREAD_PCT, .resync_min_pct = PB_JWKS_RESYNC_MIN_PCT,
    };
    const long L = 3600, H = 3600;
    const struct scenario steady = { "steady day", 86400, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0 };
    const struct scenario sync = { "10,000 hosts fill in one minute", 3 * L, 1, 0, 0, 0, -1, 0, 0, 0, 0, 0 };
    const struct scenario outage = { "1 h outage (no answer)", 5 * H, 0, 2 * H, H, 0, -1, 0, 0, 0, 0, 0 };
    const struct scenario outage503 = { "1 h outage (503, Retry-After: 120)", 5 * H, 0, 2 * H, H, 503, 120,
                                        0, 0, 0, 0, 0 };
    const struct scenario rotate = { "key rotation, new key signs at once", 4 * H, 0, 0, 0, 0, -1, 2 * H, 0, 0, 0, 0 };
    const struct scenario rotate_lead = { "key rotation, published 1 h ahead", 5 * H, 0, 0, 0, 0, -1, 2 * H, H,
                                          0, 0, 0 };
    const struct scenario flood = { "random-kid flood (each host, every 5 s)", 4 * H, 0, 0, 0, 0, -1, 0, 0, 2 * H,
                                    H, 5 };
    struct result r;
    char what[200];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            hosts = atoi(argv[++i]);
        else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
            login_every = atol(argv[++i]);
        else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            lim.resync_min_pct = atoi(argv[++i]);
        else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
            lim.spread_pct = atoi(argv[++i]);
        else if (strcmp(argv[i], "-b") == 0 && i + 1 < argc)
            lim.backoff_max = atol(argv[++i]);
        else if (strcmp(argv[i], "--check") == 0)
            check = 1;
        else if (strcmp(argv[i], "--tap") == 0)
            tap = check = 1;
        else {
            fprintf(stderr, "usage: %s [-n HOSTS] [-l LOGIN_EVERY_S] [-s SEED] [-r RESYNC_MIN_PCT] [-p SPREAD_PCT] "
                    "[-b BACKOFF_MAX] [--check] [--tap]\n", argv[0]);
            return 2;
        }
    }
    if (hosts < 1 || hosts > 1000000 || login_every < 1 || lim.spread_pct < 0 || lim.spread_pct > 100
        || lim.resync_min_pct < 0 || lim.resync_min_pct > 100 || lim.backoff_max < 0 || lim.backoff_max > 86400) {
        fprintf(stderr, "fleet-sim: -n 1..1000000, -l at least 1, -p and -r 0..100, -b 0..86400\n");
        return 2;
    }
    if (!tap) {
        printf("fleet-sim: %d hosts, a login per host every %ld s on average (Poisson), jwks_ttl %ld,\n"
               "jwks_refetch_interval %ld, jwks_backoff_max %ld, jwks_stale_limit %ld, spread 0-%d %%,\n"
               "resync fills %d-100 %% of the lifetime, seed %llu\n\n",
               hosts, login_every, lim.ttl, lim.refetch_interval, lim.backoff_max, lim.stale_limit, lim.spread_pct,
               lim.resync_min_pct, (unsigned long long) seed);
        printf("| scenario | window | requests in it | mean req/s | peak minute, req/s | peak/mean | failed logins |\n");
        printf("|---|---|---:|---:|---:|---:|---:|\n");
    }
#define ROW(sc, wname)                                                                                          \
    if (!tap)                                                                                                   \
        printf("| %s | %s | %ld | %.2f | %.2f | %.2f | %ld |\n", (sc).name, wname, r.window_requests, r.mean_rps, \
               r.peak_rps, r.mean_rps > 0 ? r.peak_rps / r.mean_rps : 0.0, r.failed)

    run(&steady, &lim, hosts, login_every, seed, 0, steady.duration, &r);
    ROW(steady, "the day");
    {
        double per_period = r.per_host_period, per_life = r.per_host_lifetime;
        long failed = r.failed;

        run(&sync, &lim, hosts, login_every, seed, L, 2 * L, &r);
        ROW(sync, "2nd period (1-2 h)");
        {
            struct result first = r;
            run(&sync, &lim, hosts, login_every, seed, 0, MINUTE, &first);
            if (!tap)
                printf("| %s | the fill minute | %ld | %.2f | %.2f | - | %ld |\n", sync.name, first.window_requests,
                       first.mean_rps, first.peak_rps, first.failed);
        }
        double sync_ratio = r.mean_rps > 0 ? r.peak_rps / r.mean_rps : 0;

        run(&outage, &lim, hosts, login_every, seed, 2 * H, 3 * H, &r);
        ROW(outage, "the outage");
        long outage_failed = r.failed, after = r.after_minute;
        struct result o503;
        run(&outage503, &lim, hosts, login_every, seed, 2 * H, 3 * H, &o503);
        {
            struct result keep = r;
            r = o503;
            ROW(outage503, "the outage");
            r = keep;
        }
        if (!tap) {
            printf("| %s | the minute after | %ld | %.2f | - | - | - |\n", outage.name, after, after / 60.0);
            printf("| %s | the minute after | %ld | %.2f | - | - | - |\n", outage503.name, o503.after_minute,
                   o503.after_minute / 60.0);
        }
        run(&rotate, &lim, hosts, login_every, seed, 2 * H, 3 * H, &r);
        ROW(rotate, "the hour after");
        long rotate_failed = r.failed;
        run(&rotate_lead, &lim, hosts, login_every, seed, 2 * H, 4 * H, &r);
        ROW(rotate_lead, "2 h from publication");
        run(&flood, &lim, hosts, login_every, seed, 2 * H, 3 * H, &r);
        ROW(flood, "the flood");
        double flood_per = r.per_host_interval;
        long flood_failed = r.failed;

        if (!tap)
            printf("\nsteady: %.3f requests per host per freshness period granted (%.3f per jwks_ttl);\n"
                   "flood: %.3f requests per host per jwks_refetch_interval, %ld random-kid tokens refused\n\n",
                   per_period, per_life, flood_per, r.refused_random);
        if (check) {
            snprintf(what, sizeof(what), "steady: <= 1 request per host per freshness period (%.3f)", per_period);
            goal(per_period <= 1.0, what);
            snprintf(what, sizeof(what), "steady: no failed login (%ld)", failed);
            goal(failed == 0, what);
            snprintf(what, sizeof(what), "synchronized fill: peak minute one period later <= 1.5 x mean (%.2f)",
                     sync_ratio);
            goal(sync_ratio <= 1.5, what);
            snprintf(what, sizeof(what), "1 h outage within jwks_stale_limit: no failed login (%ld, %ld)",
                     outage_failed, o503.failed);
            goal(outage_failed == 0 && o503.failed == 0, what);
            snprintf(what, sizeof(what), "random-kid flood: <= 1 request per host per refetch interval (%.3f)",
                     flood_per);
            goal(flood_per <= 1.0, what);
            snprintf(what, sizeof(what), "random-kid flood: no genuine login fails (%ld)", flood_failed);
            goal(flood_failed == 0, what);
            (void) rotate_failed;
        }
    }
    if (tap)
        printf("1..%d\n", tap_n);
    return check && tap_bad > 0 ? 1 : 0;
}
