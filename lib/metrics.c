/* Host-wide counters in one root-owned file of 64-bit counters.
 *
 * Every login process (the module, as root) maps the file once, MAP_SHARED,
 * and counts with atomic adds: no lock, no system call per login.  The file
 * lives in a root-owned directory nobody else may write; it is opened with
 * O_NOFOLLOW relative to that directory and used only when it is a regular
 * root-owned file of one link, not writable by others, of exactly the
 * expected size, fully allocated (a write to a hole could fail with SIGBUS
 * on a full disk) and with this build's magic, version and layout.  Anything
 * else is replaced: a new file is written whole beside it and renamed over
 * it.  Whatever fails, the login goes on uncounted.
 *
 * The mapping is kept per process in a small table that counting reads
 * without a lock; the module's destructor unmaps it.  Only making a
 * mapping, once per path and process, is serialised between the process's
 * threads (a bounded wait: a thread that finds another making it for long
 * skips counting this once).  A process that mapped a file that was later
 * replaced counts into the old one until it ends (login processes are
 * short-lived); two processes replacing a damaged file at the same moment
 * may leave one of them counting into the file the other replaced. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"

const char *const pb_metrics_path_names[PB_MP_COUNT] = {
    [PB_MP_TOKEN] = "token",
    [PB_MP_PASSWORD] = "password",
    [PB_MP_SESSION_TOKEN] = "session_token",
    [PB_MP_DEVICE] = "device",
    [PB_MP_ACCOUNT] = "account",
};

const char *const pb_metrics_result_names[PB_METRICS_STATUSES] = {
    [PB_OK] = "accepted",
    [PB_REJECTED] = "rejected",
    [PB_UNAVAILABLE] = "unavailable",
    [PB_CONFIG] = "config_error",
    [PB_NOMEM] = "no_memory",
    [PB_SYSTEM] = "system_error",
    [PB_UNCONFIGURED] = "unconfigured",
};

#define US 1000ull
#define MS 1000000ull
#define S 1000000000ull
const uint64_t pb_metrics_bucket_ns[PB_METRICS_BUCKETS - 1] = {
    100 * US, 250 * US, 500 * US, 1 * MS, 2500 * US, 5 * MS, 10 * MS, 25 * MS, 50 * MS, 100 * MS,
    250 * MS, 500 * MS, 1 * S, 2500 * MS, 5 * S, 10 * S,
};

enum { F_JWKS, F_STALE, F_KID, F_BINDS, F_FAILOVERS, F_HELPER, F_CONFIG };

const struct pb_metrics_family pb_metrics_families[] = {
    [F_JWKS] = { "pam_bearer_jwks_fetches", "Requests for the authority's key set, by outcome.", "outcome" },
    [F_STALE] = { "pam_bearer_jwks_stale_served", "Logins served keys past their freshness while the authority "
                  "failed.", NULL },
    [F_KID] = { "pam_bearer_jwks_unknown_kid_refetches", "Tokens whose kid the cached keys lacked, sending the "
                "module back to the authority.", NULL },
    [F_BINDS] = { "pam_bearer_ldap_binds", "LDAP password binds, by outcome.", "outcome" },
    [F_FAILOVERS] = { "pam_bearer_ldap_failovers", "LDAP servers that failed, so that the next one was asked.",
                      NULL },
    [F_HELPER] = { "pam_bearer_helper_runs", "Runs of bearer-token by the module, by outcome.", "outcome" },
    [F_CONFIG] = { "pam_bearer_config_errors", "Module calls refused because the configuration is wrong.", NULL },
};
const size_t pb_metrics_family_count = sizeof(pb_metrics_families) / sizeof(pb_metrics_families[0]);

const struct pb_metrics_event_info pb_metrics_events[PB_M_EVENT_COUNT] = {
    [PB_M_JWKS_FRESH] = { F_JWKS, "fresh" },
    [PB_M_JWKS_NOT_MODIFIED] = { F_JWKS, "not_modified" },
    [PB_M_JWKS_FAILED] = { F_JWKS, "failed" },
    [PB_M_JWKS_THROTTLED] = { F_JWKS, "throttled" },
    [PB_M_STALE_KEYS] = { F_STALE, NULL },
    [PB_M_UNKNOWN_KID_REFETCH] = { F_KID, NULL },
    [PB_M_LDAP_BIND_SUCCESS] = { F_BINDS, "success" },
    [PB_M_LDAP_BIND_REJECTED] = { F_BINDS, "rejected" },
    [PB_M_LDAP_BIND_UNAVAILABLE] = { F_BINDS, "unavailable" },
    [PB_M_LDAP_BIND_ERROR] = { F_BINDS, "error" },
    [PB_M_LDAP_FAILOVER] = { F_FAILOVERS, NULL },
    [PB_M_HELPER_OK] = { F_HELPER, "ok" },
    [PB_M_HELPER_REFUSED] = { F_HELPER, "refused" },
    [PB_M_HELPER_UNREACHABLE] = { F_HELPER, "unreachable" },
    [PB_M_HELPER_FAILED] = { F_HELPER, "failed" },
    [PB_M_HELPER_NOT_RUN] = { F_HELPER, "not_run" },
    [PB_M_CONFIG_ERROR] = { F_CONFIG, NULL },
};

/* --- counting ---------------------------------------------------------- */

uint64_t
pb_metrics_clock(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * S + (uint64_t) ts.tv_nsec;
}

void
pb_metrics_login(struct pb_metrics *m, enum pb_metrics_path path, enum pb_status status, enum pb_reason reason,
                 uint64_t start)
{
    uint64_t ns;
    unsigned b = 0;

    if (m == NULL || (unsigned) path >= PB_MP_COUNT)
        return;
    if ((unsigned) status >= PB_METRICS_STATUSES)
        status = PB_SYSTEM;
    if (status != PB_REJECTED || (unsigned) reason >= PB_R_COUNT)
        reason = PB_R_NONE;
    __atomic_fetch_add(&m->logins[path][status][reason], 1, __ATOMIC_RELAXED);
    ns = pb_metrics_clock() - start;
    while (b < PB_METRICS_BUCKETS - 1 && ns > pb_metrics_bucket_ns[b])
        b++;
    __atomic_fetch_add(&m->latency[path].bucket[b], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&m->latency[path].sum_ns, ns, __ATOMIC_RELAXED);
}

/* --- the file ---------------------------------------------------------- */

/* FNV-1a over every name and bound the layout depends on: a build with
 * other reasons, paths or buckets replaces the file instead of misreading it. */
static uint32_t
fnv(uint32_t h, const void *data, size_t len)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static uint32_t
layout_hash(void)
{
    uint32_t h = 2166136261u;
    uint64_t size = sizeof(struct pb_metrics);
    unsigned n[] = { PB_M_EVENT_COUNT, PB_MP_COUNT, PB_METRICS_STATUSES, PB_R_COUNT, PB_METRICS_BUCKETS };

    h = fnv(h, &size, sizeof(size));
    h = fnv(h, n, sizeof(n));
    for (unsigned i = 0; i < PB_R_COUNT; i++)
        h = fnv(h, pb_reason_name((enum pb_reason) i), strlen(pb_reason_name((enum pb_reason) i)) + 1);
    for (unsigned i = 0; i < PB_MP_COUNT; i++)
        h = fnv(h, pb_metrics_path_names[i], strlen(pb_metrics_path_names[i]) + 1);
    for (unsigned i = 0; i < PB_M_EVENT_COUNT; i++) {
        const struct pb_metrics_event_info *e = &pb_metrics_events[i];
        h = fnv(h, pb_metrics_families[e->family].name, strlen(pb_metrics_families[e->family].name) + 1);
        if (e->value != NULL)
            h = fnv(h, e->value, strlen(e->value) + 1);
    }
    return fnv(h, pb_metrics_bucket_ns, sizeof(pb_metrics_bucket_ns));
}

/* Why an open file is not one to use, or NULL. */
static const char *
unusable(const struct stat *st, int for_writing)
{
    if (!S_ISREG(st->st_mode))
        return "not a regular file";
    if (st->st_uid != 0)
        return "not owned by root";
    if ((st->st_mode & 022) != 0)
        return "writable by others than root";
    if (for_writing && st->st_nlink != 1)
        return "has other links";
    if ((uint64_t) st->st_size != sizeof(struct pb_metrics))
        return "of the wrong size";
    if (for_writing && (uint64_t) st->st_blocks * 512 < sizeof(struct pb_metrics))
        return "not fully allocated";
    return NULL;
}

static const char *
bad_header(const struct pb_metrics *m)
{
    if (memcmp(m->magic, PB_METRICS_MAGIC, sizeof(m->magic)) != 0)
        return "not a counters file";
    if (m->version != PB_METRICS_VERSION || m->layout != layout_hash() || m->size != sizeof(*m))
        return "of another version or layout";
    return NULL;
}

/* Map base in dfd for writing; NULL with *why set when it cannot be used. */
static struct pb_metrics *
map_existing(int dfd, const char *base, const char **why)
{
    struct pb_metrics *m = NULL;
    struct stat st;
    int fd = openat(dfd, base, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        *why = errno == ENOENT ? "missing" : errno == ELOOP ? "a symbolic link" : "unreadable";
        return NULL;
    }
    if (fstat(fd, &st) != 0)
        *why = "unreadable";
    else if ((*why = unusable(&st, 1)) == NULL) {
        m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            m = NULL;
            *why = "cannot be mapped";
        } else if ((*why = bad_header(m)) != NULL) {
            munmap(m, sizeof(*m));
            m = NULL;
        }
    }
    close(fd);
    return m;
}

/* Write a fresh file beside base and rename it over base.  0 or -1. */
static int
replace(int dfd, const char *base, const struct pb_log *log)
{
    struct pb_metrics *fresh = calloc(1, sizeof(*fresh));
    char tmp[NAME_MAX + 1];
    struct rlimit fsize;
    ssize_t n = -1;
    int fd = -1, rc = -1;

    /* Past RLIMIT_FSIZE a write raises SIGXFSZ, which would kill the login. */
    if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY
        && fsize.rlim_cur < sizeof(*fresh)) {
        pb_log(log, LOG_WARNING, "metrics: the file size limit is below %zu bytes: not counting", sizeof(*fresh));
        goto done;
    }
    if (fresh == NULL || (size_t) snprintf(tmp, sizeof(tmp), ".%.200s.%ld.tmp", base, (long) getpid()) >= sizeof(tmp))
        goto done;
    memcpy(fresh->magic, PB_METRICS_MAGIC, sizeof(fresh->magic));
    fresh->version = PB_METRICS_VERSION;
    fresh->layout = layout_hash();
    fresh->size = sizeof(*fresh);
    fresh->created = (uint64_t) time(NULL);
    unlinkat(dfd, tmp, 0);      /* a crashed process of the same pid */
    fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || fchmod(fd, 0644) != 0)
        goto fail;
    /* Every byte written, so that no page of the mapping is a hole. */
    n = write(fd, fresh, sizeof(*fresh));
    if (n != (ssize_t) sizeof(*fresh) || renameat(dfd, tmp, dfd, base) != 0)
        goto fail;
    rc = 0;
    goto done;
fail:
    pb_log(log, LOG_WARNING, "metrics: cannot write a new counters file: %s: not counting",
           n >= 0 && n < (ssize_t) sizeof(*fresh) ? "short write" : strerror(errno));
    if (fd >= 0)
        unlinkat(dfd, tmp, 0);
done:
    if (fd >= 0)
        close(fd);
    free(fresh);
    return rc;
}

/* The directory of path, root's and only root's to change (created 0755
 * when missing); a descriptor, or -1 (logged). */
static int
open_dir(const char *dir, const struct pb_log *log)
{
    struct stat st;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (dfd < 0 && errno == ENOENT && mkdir(dir, 0755) == 0) {
        (void) chmod(dir, 0755);    /* whatever the umask: users read the counters */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (dfd < 0) {
        pb_log(log, LOG_WARNING, "metrics: cannot open %s: %s: not counting", dir, strerror(errno));
        return -1;
    }
    if (fstat(dfd, &st) != 0 || st.st_uid != 0 || (st.st_mode & 022) != 0) {
        pb_log(log, LOG_WARNING, "metrics: %s is not a directory only root may change: not counting", dir);
        close(dfd);
        return -1;
    }
    return dfd;
}

static struct pb_metrics *
map_path(const char *path, const struct pb_log *log)
{
    char dir[PATH_MAX];
    const char *base, *why = NULL;
    struct pb_metrics *m = NULL;
    int dfd;

    base = strrchr(path, '/');
    if (path[0] != '/' || base == NULL || base[1] == '\0' || (size_t) (base - path) >= sizeof(dir))
        return NULL;
    memcpy(dir, path, (size_t) (base - path));
    dir[base - path] = '\0';
    base++;
    if ((dfd = open_dir(dir[0] != '\0' ? dir : "/", log)) < 0)
        return NULL;
    m = map_existing(dfd, base, &why);
    if (m == NULL) {
        if (strcmp(why, "missing") != 0)
            pb_log(log, LOG_WARNING, "metrics: %s is %s: replacing it", path, why);
        if (replace(dfd, base, log) == 0 && (m = map_existing(dfd, base, &why)) == NULL)
            pb_log(log, LOG_WARNING, "metrics: the new %s is %s: not counting", path, why);
    }
    close(dfd);
    return m;
}

/* --- one mapping per path per process ---------------------------------- */

#define SLOTS 4

struct slot {
    struct pb_metrics *map;     /* NULL: this process does not count here */
    char path[];
};

static struct slot *slots[SLOTS];
static pthread_mutex_t making = PTHREAD_MUTEX_INITIALIZER;

/* The published slot of path, or NULL; *free_slot: the first empty one. */
static struct slot *
lookup(const char *path, int *free_slot)
{
    *free_slot = -1;
    for (int i = 0; i < SLOTS; i++) {
        struct slot *seen = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
        if (seen == NULL) {
            *free_slot = i;
            return NULL;
        }
        if (strcmp(seen->path, path) == 0)
            return seen;
    }
    return NULL;
}

struct pb_metrics *
pb_metrics_process(const char *path, const struct pb_log *log)
{
    struct slot *seen, *mine;
    size_t len;
    int free_slot, tries = 0;

    if (path == NULL)
        return NULL;
    if ((seen = lookup(path, &free_slot)) != NULL)
        return seen->map;
    /* Another thread may be making it: wait a little, never long. */
    while (pthread_mutex_trylock(&making) != 0) {
        if (++tries > 200)
            return NULL;
        sched_yield();
        if ((seen = lookup(path, &free_slot)) != NULL)
            return seen->map;
    }
    seen = lookup(path, &free_slot);
    if (seen != NULL || free_slot < 0) {
        /* Made meanwhile; or more paths than slots: count what fits. */
        pthread_mutex_unlock(&making);
        return seen != NULL ? seen->map : NULL;
    }
    len = strlen(path);
    if ((mine = malloc(sizeof(*mine) + len + 1)) != NULL) {
        memcpy(mine->path, path, len + 1);
        /* Only root counts: in a user's screen locker the module skips. */
        mine->map = geteuid() == 0 ? map_path(path, log) : NULL;
        __atomic_store_n(&slots[free_slot], mine, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&making);
    return mine != NULL ? mine->map : NULL;
}

/* When the module is unloaded, nothing of it stays mapped. */
__attribute__((destructor)) static void
unmap_all(void)
{
    for (unsigned i = 0; i < SLOTS; i++) {
        struct slot *s = __atomic_exchange_n(&slots[i], NULL, __ATOMIC_ACQ_REL);
        if (s != NULL) {
            if (s->map != NULL)
                munmap(s->map, sizeof(*s->map));
            free(s);
        }
    }
}

/* --- reading ----------------------------------------------------------- */

enum pb_status
pb_metrics_read(const char *path, struct pb_metrics *out, char *err, size_t errlen)
{
    const struct pb_metrics *m = NULL;
    struct stat st;
    const char *why = NULL;
    enum pb_status status = PB_SYSTEM;
    int fd;

    memset(out, 0, sizeof(*out));
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            snprintf(err, errlen, "%s: no counters yet", path);
            return PB_UNCONFIGURED;
        }
        snprintf(err, errlen, "%s: %s", path, errno == ELOOP ? "a symbolic link" : strerror(errno));
        return PB_SYSTEM;
    }
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if ((why = unusable(&st, 0)) == NULL) {
        m = mmap(NULL, sizeof(*m), PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            m = NULL;
            why = strerror(errno);
        } else if ((why = bad_header(m)) == NULL) {
            /* Counter by counter: each is read whole while logins add to it. */
            const uint64_t *from = (const uint64_t *) m;
            uint64_t *to = (uint64_t *) out;
            for (size_t i = 0; i < sizeof(*m) / sizeof(uint64_t); i++)
                to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
            status = PB_OK;
        }
    }
    if (why != NULL)
        snprintf(err, errlen, "%s: %s", path, why);
    if (m != NULL)
        munmap((void *) m, sizeof(*m));
    close(fd);
    return status;
}
