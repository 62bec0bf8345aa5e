/* Host-wide counters: a fixed-layout file of 64-bit counters that every
 * login process maps once and updates with atomic adds (see metrics.c). */
#ifndef PB_METRICS_H
#define PB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "status.h"

/* Which kind of login a verdict is for (the "path" label). */
enum pb_metrics_path {
    PB_MP_TOKEN,             /* a token typed or handed over */
    PB_MP_PASSWORD,          /* an LDAP bind */
    PB_MP_SESSION_TOKEN,     /* the session's cached token (use_session_token) */
    PB_MP_DEVICE,            /* a device grant's token */
    PB_MP_ACCOUNT,           /* the account phase's check of the login's token */
    PB_MP_COUNT
};

/* Single counters, one per label value of their family. */
enum pb_metrics_event {
    PB_M_JWKS_FRESH,             /* a key set fetched and used */
    PB_M_JWKS_NOT_MODIFIED,      /* the authority said 304 */
    PB_M_JWKS_FAILED,            /* a fetch that brought no usable keys */
    PB_M_JWKS_THROTTLED,         /* a fetch not made: jwks_refetch_interval */
    PB_M_STALE_KEYS,             /* stale keys served while the authority fails */
    PB_M_UNKNOWN_KID_REFETCH,    /* a token's kid sent us back to the authority */
    PB_M_LDAP_BIND_SUCCESS,
    PB_M_LDAP_BIND_REJECTED,
    PB_M_LDAP_BIND_UNAVAILABLE,
    PB_M_LDAP_BIND_ERROR,
    PB_M_LDAP_FAILOVER,          /* a server failed and the next one was asked */
    PB_M_HELPER_OK,
    PB_M_HELPER_REFUSED,         /* exit 1 or 3 */
    PB_M_HELPER_UNREACHABLE,     /* exit 4 */
    PB_M_HELPER_FAILED,          /* any other exit status */
    PB_M_HELPER_NOT_RUN,         /* it did not run to the end (spawn failure, timeout) */
    PB_M_CONFIG_ERROR,           /* a module call refused: the configuration is wrong */
    PB_M_EVENT_COUNT
};

/* pb_status values counted per path (PB_OK .. PB_UNCONFIGURED). */
#define PB_METRICS_STATUSES (PB_UNCONFIGURED + 1)
/* Latency buckets: PB_METRICS_BUCKETS - 1 upper bounds, then +Inf. */
#define PB_METRICS_BUCKETS 17

/* The file: a header, then the counters; every field is 64-bit aligned. */
struct pb_metrics {
    char magic[8];               /* PB_METRICS_MAGIC */
    uint32_t version;            /* PB_METRICS_VERSION */
    uint32_t layout;             /* a hash of every table below: other builds differ */
    uint64_t size;               /* sizeof(struct pb_metrics) */
    uint64_t created;            /* seconds since the epoch */
    uint64_t reserved[4];
    uint64_t events[PB_M_EVENT_COUNT];
    uint64_t logins[PB_MP_COUNT][PB_METRICS_STATUSES][PB_R_COUNT];
    struct {
        uint64_t bucket[PB_METRICS_BUCKETS];    /* not cumulative; the last is +Inf */
        uint64_t sum_ns;
    } latency[PB_MP_COUNT];
};

#define PB_METRICS_MAGIC "PBMETRC\n"
#define PB_METRICS_VERSION 1u

/* Names for the exposition (bearer-token metrics). */
extern const char *const pb_metrics_path_names[PB_MP_COUNT];
extern const char *const pb_metrics_result_names[PB_METRICS_STATUSES];
extern const uint64_t pb_metrics_bucket_ns[PB_METRICS_BUCKETS - 1];
struct pb_metrics_family {
    const char *name;            /* without _total */
    const char *help;
    const char *label;           /* NULL: a counter without labels */
};
extern const struct pb_metrics_family pb_metrics_families[];
extern const size_t pb_metrics_family_count;
/* Each event's family (an index into pb_metrics_families) and label value. */
extern const struct pb_metrics_event_info {
    unsigned family;
    const char *value;
} pb_metrics_events[PB_M_EVENT_COUNT];

/* The counters at path for this process, mapped on the first call with that
 * path and kept until the module is unloaded; NULL means "do not count":
 * not root, path NULL, or the file or its directory unusable (logged once
 * per process; a missing or damaged file is first replaced atomically).
 * Never fails a login and never waits on a lock.  Thread-safe. */
struct pb_metrics *pb_metrics_process(const char *path, const struct pb_log *log);

/* One more of e (m NULL: nothing). */
static inline void
pb_metrics_add(struct pb_metrics *m, enum pb_metrics_event e)
{
    if (m != NULL && (unsigned) e < PB_M_EVENT_COUNT)
        __atomic_fetch_add(&m->events[e], 1, __ATOMIC_RELAXED);
}

/* A monotonic clock in nanoseconds, for pb_metrics_login (a vDSO call). */
uint64_t pb_metrics_clock(void);

/* One verdict: status and (when PB_REJECTED) reason on path, and the time
 * since start (pb_metrics_clock) in the path's latency histogram. */
void pb_metrics_login(struct pb_metrics *m, enum pb_metrics_path path, enum pb_status status,
                      enum pb_reason reason, uint64_t start);

/* Read the counters at path into *out (any user: the file is 0644).
 * PB_OK; PB_UNCONFIGURED when there is no file yet (*out is all zeros);
 * PB_SYSTEM when it is unsafe or damaged (err says why). */
enum pb_status pb_metrics_read(const char *path, struct pb_metrics *out, char *err, size_t errlen);

#endif
