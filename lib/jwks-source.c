/* The keys a configuration names: a local file as it is, or the authority's
 * key set over HTTPS through a cache on disk shared by every process on the
 * host (the module lives in many short-lived processes; the authority must
 * see a handful of requests per host, not one per login).
 *
 * Cache layout, in cache_dir (root-owned, 0700; no one else opens anything
 * in it, since flock() works on any descriptor, even a read-only one):
 *   jwks-HASH.json  the key set exactly as fetched, 0600; its mtime is the
 *                   time it stops being fresh, so a warm login needs one stat.
 *   jwks-HASH.lock  0600, flock()ed by whoever fetches.  Once one byte long,
 *                   its mtime is the last attempt, which rate-limits fetches
 *                   (a file just created by a competitor records none).
 *   jwks-HASH.state 0600, read and written under the lock (jwks-state.c):
 *                   the set's validators (ETag, Last-Modified) for
 *                   conditional requests, the fill's lifetime, and the
 *                   back-off and Retry-After waits after failures.
 * Whether to ask the authority, and what its answer does to that state, is
 * decided by jwks-fetch-policy.c, which bench/fleet-sim.c runs too.
 * HASH is the SHA-256 of the source (URL or issuer).  New files are written
 * under a temporary name and renamed: readers see the old set or the new.
 * Earlier versions made the directory 0755 and the files 0644: the module
 * tightens the files it owns, and replaces a lock file others could have
 * opened; the directory keeps its mode (it may not be ours alone to change). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "http.h"
#include "io.h"
#include "jwks-fetch-policy.h"
#include "jwks-source.h"
#include "jwks-state.h"
#include "metrics.h"
#include "url-policy.h"

#define WELL_KNOWN "/.well-known/openid-configuration"
/* A discovery document is small; a key set may be up to the key file bound. */
#define DISCOVERY_MAX_BYTES (64 * 1024)
/* How often a waiter looks at the lock another process holds. */
#define LOCK_POLL_NS (20 * 1000 * 1000)
/* A waiter waits for the holder's whole fetch (http_timeout) and this much
 * more: its last request's timeout is rounded up to a second, and it still
 * has to write the set. */
#define LOCK_SLACK_S 2
/* The owner's alone: see the layout above. */
#define CACHE_DIR_MODE 0700
#define CACHE_FILE_MODE 0600

struct source {
    const struct pb_config *cfg;
    const struct pb_log *log;
    pb_http_loader_fn http;     /* the caller's; NULL: no fetching */
    struct pb_metrics *metrics; /* the caller's counters; NULL: not counted */
    time_t now;
    char what[160];             /* the URL or issuer, safe to log */
    char cache[4096];           /* cache file, "" without a usable cache directory */
    char lock[4096];
    char state[4096];
    int writable;               /* we may write the cache (we own the directory) */
    struct timespec deadline;   /* of the fetch under way: http_timeout in all */
};

int
pb_jwks_is_remote(const struct pb_config *cfg)
{
    return cfg->discovery
        || (cfg->jwks != NULL && pb_url_is_http(cfg->jwks));
}

/* Name the cache files after the source; check the directory is trustworthy. */
static enum pb_status
source_init(struct source *s, const struct pb_config *cfg, time_t now, const struct pb_log *log)
{
    const char *id = cfg->discovery ? cfg->issuer : cfg->jwks;
    char input[4096];
    unsigned char digest[32];
    char hex[65];
    struct stat st;
    int dir_status;
    uid_t euid;

    memset(s, 0, sizeof(*s));
    s->cfg = cfg;
    s->log = log;
    s->now = now;
    pb_log_sanitize(s->what, sizeof(s->what), id, strlen(id));
    /* One file set per issuer section (its own back-off and keys); the
     * top-level source keeps its name. */
    if (cfg->section != NULL)
        snprintf(input, sizeof(input), "issuer %s %s %s", cfg->section, cfg->discovery ? "discovery" : "jwks", id);
    else
        snprintf(input, sizeof(input), "%s %s", cfg->discovery ? "discovery" : "jwks", id);
    if (EVP_Digest(input, strlen(input), digest, NULL, EVP_sha256(), NULL) != 1)
        return PB_SYSTEM;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);

    dir_status = lstat(cfg->cache_dir, &st);
    if (dir_status != 0 && errno == ENOENT) {
        if (mkdir(cfg->cache_dir, CACHE_DIR_MODE) != 0) {
            /* Not ours to create (the helper as a user): fetch without a
             * cache.  For root that means a request per login: say so. */
            pb_log(log, geteuid() == 0 ? LOG_WARNING : LOG_DEBUG, "no key cache: cannot create %s: %s",
                   cfg->cache_dir, strerror(errno));
            return PB_OK;
        }
        dir_status = lstat(cfg->cache_dir, &st);
    }
    if (dir_status != 0) {
        pb_log(log, LOG_ERR, "unavailable: cache_dir %s: %s", cfg->cache_dir, strerror(errno));
        return PB_UNAVAILABLE;
    }
    euid = geteuid();
    if (!S_ISDIR(st.st_mode) || (st.st_uid != 0 && st.st_uid != euid) || (st.st_mode & 022) != 0) {
        /* Whoever may write there could plant keys: refuse it outright. */
        pb_log(log, LOG_ERR, "unavailable: cache_dir %s must be a directory owned by root (or by this user) "
               "that no one else may write", cfg->cache_dir);
        return PB_UNAVAILABLE;
    }
    /* An existing directory keeps its mode (an administrator may have chosen
     * it, or share it): the files in it are 0600, and a lock file others
     * could open is replaced, so a readable directory only shows names. */
    s->writable = st.st_uid == euid;
    if ((size_t) snprintf(s->cache, sizeof(s->cache), "%s/jwks-%.32s.json", cfg->cache_dir, hex) >= sizeof(s->cache)
        || (size_t) snprintf(s->lock, sizeof(s->lock), "%s/jwks-%.32s.lock", cfg->cache_dir, hex) >= sizeof(s->lock)
        || (size_t) snprintf(s->state, sizeof(s->state), "%s/jwks-%.32s.state", cfg->cache_dir, hex)
               >= sizeof(s->state)) {
        pb_log(log, LOG_ERR, "unavailable: cache_dir path too long");
        return PB_UNAVAILABLE;
    }
    return PB_OK;
}

/* A new, empty lock file in place of the old one, renamed over it. */
static int
replace_lock(const struct source *s)
{
    char tmp[sizeof(s->lock) + 8];
    int fd;

    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", s->lock);
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
        goto failed;
    if (fchmod(fd, CACHE_FILE_MODE) != 0 || rename(tmp, s->lock) != 0) {
        int saved = errno;
        unlink(tmp);
        close(fd);
        errno = saved;
        goto failed;
    }
    return fd;
failed:
    pb_log(s->log, LOG_ERR, "unavailable: %s: cannot replace it: %s", s->lock, strerror(errno));
    return -1;
}

/* The lock file, ours and 0600.  One that someone else could have opened
 * (0644 from an earlier version, or not ours) may be open and locked in
 * their process right now: tightening it would not take that back, so it is
 * replaced by a new file no one else can open. */
static int
open_lock(const struct source *s)
{
    struct stat st;
    int fd = open(s->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, CACHE_FILE_MODE);

    if (fd < 0 && errno != EACCES) {
        pb_log(s->log, LOG_ERR, "unavailable: %s: %s", s->lock, strerror(errno));
        return -1;
    }
    if (fd >= 0 && fstat(fd, &st) == 0) {
        if (S_ISREG(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0)
            return fd;
        pb_log(s->log, LOG_WARNING, "replacing %s: others may have it open (uid %u, mode %04o)", s->lock,
               (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777));
    }
    if (fd >= 0)
        close(fd);
    return replace_lock(s);
}

/* Does path still name the file fd is open on (not replaced meanwhile)? */
static int
still_linked(int fd, const char *path)
{
    struct stat a, b;

    return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Wait for the fetch lock, but never longer than the holder's fetch can
 * take.  Timed on the monotonic clock, not by counting naps: a loaded host
 * oversleeps, and the date may be set meanwhile. */
static int
take_lock(const struct source *s)
{
    struct timespec pause = { 0, LOCK_POLL_NS }, give_up;
    int fd = -1;

    pb_http_deadline(&give_up, s->cfg->http_timeout + LOCK_SLACK_S);
    for (;;) {
        const char *why = NULL;

        if (fd < 0 && (fd = open_lock(s)) < 0)
            return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            if (still_linked(fd, s->lock))
                return fd;
            /* Replaced while we waited: the new file is the lock now. */
            close(fd);
            fd = -1;
        } else if (errno != EWOULDBLOCK && errno != EINTR) {
            why = strerror(errno);
        }
        if (why == NULL && pb_http_left_ms(&give_up) == 0)
            why = "another process has held it too long";
        if (why != NULL) {
            pb_log(s->log, LOG_ERR, "unavailable: %s: %s", s->lock, why);
            if (fd >= 0)
                close(fd);
            return -1;
        }
        nanosleep(&pause, NULL);
    }
}

/* The configuration's policy for every URL, a discovered jwks_uri too; the
 * HTTP plugin checks again with libcurl's parser.  The request has what is
 * left of the fetch's deadline (discovery spent the rest), rounded up to the
 * second the plugin counts in. */
static enum pb_status
fetch_url(const struct source *s, const char *url, size_t max, const struct pb_jwks_saved *cond,
          struct pb_http_response *resp)
{
    const struct pb_http_ops *ops;
    long left_ms = pb_http_left_ms(&s->deadline);
    struct pb_http_request req = {
        .url = url, .ca_file = s->cfg->ca_file, .connect_timeout = s->cfg->http_connect_timeout,
        .timeout = (left_ms + 999) / 1000, .max_body = max,
        .if_none_match = cond != NULL && cond->etag[0] ? cond->etag : NULL,
        .if_modified_since = cond != NULL && cond->last_modified[0] ? cond->last_modified : NULL,
    };
    char why[160], safe[256];

    pb_url_for_log(safe, sizeof(safe), url);
    if (pb_url_policy_http(url, why, sizeof(why)) != PB_OK) {
        pb_log(s->log, LOG_ERR, "unavailable: %s: refused: %s", safe, why);
        return PB_UNAVAILABLE;
    }
    if (left_ms == 0) {
        pb_log(s->log, LOG_ERR, "unavailable: %s: timeout: http_timeout (%ld s) used up", safe,
               s->cfg->http_timeout);
        return PB_UNAVAILABLE;
    }
    if (s->http == NULL) {
        pb_log(s->log, LOG_ERR, "unavailable: this program cannot fetch keys over HTTP");
        return PB_UNAVAILABLE;
    }
    if ((ops = s->http(s->log)) == NULL)
        return PB_UNAVAILABLE;
    return ops->get(&req, resp, s->log);
}

/* OpenID Connect Discovery 1.0: the document's issuer must be ours exactly. */
static enum pb_status
discover_jwks_uri(const struct source *s, char **jwks_uri)
{
    const char *issuer = s->cfg->issuer;
    size_t ilen = strlen(issuer);
    char *url = NULL;
    struct pb_http_response resp = { .max_age = -1 };
    json_t *doc = NULL, *iss, *uri;
    json_error_t jerr;
    enum pb_status status = PB_UNAVAILABLE;

    if (ilen > 0 && issuer[ilen - 1] == '/')
        ilen--;
    if ((url = malloc(ilen + sizeof(WELL_KNOWN))) == NULL)
        return PB_NOMEM;
    memcpy(url, issuer, ilen);
    memcpy(url + ilen, WELL_KNOWN, sizeof(WELL_KNOWN));
    if (fetch_url(s, url, DISCOVERY_MAX_BYTES, NULL, &resp) != PB_OK)
        goto done;
    doc = json_loadb((const char *) resp.body, resp.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        pb_log(s->log, LOG_ERR, "unavailable: %s: JSON: discovery document is not a JSON object", s->what);
        goto done;
    }
    iss = json_object_get(doc, "issuer");
    if (!json_is_string(iss) || strcmp(json_string_value(iss), issuer) != 0) {
        char safe[160];
        pb_log_sanitize(safe, sizeof(safe), json_is_string(iss) ? json_string_value(iss) : "(none)",
                        json_is_string(iss) ? json_string_length(iss) : 6);
        pb_log(s->log, LOG_ERR, "unavailable: %s: discovery document names issuer \"%s\"", s->what, safe);
        goto done;
    }
    uri = json_object_get(doc, "jwks_uri");
    if (!json_is_string(uri)) {
        pb_log(s->log, LOG_ERR, "unavailable: %s: discovery document has no jwks_uri", s->what);
        goto done;
    }
    if ((*jwks_uri = strdup(json_string_value(uri))) == NULL) {
        status = PB_NOMEM;
        goto done;
    }
    status = PB_OK;
done:
    json_decref(doc);
    pb_http_response_clear(&resp);
    free(url);
    return status;
}

/* Write the set under a temporary name, date it, and rename it into place.
 * 0, or -1 (logged): the file still holds the set before it. */
static int
store(const struct source *s, const unsigned char *body, size_t len, time_t fresh_until)
{
    char tmp[4096 + 16];
    struct timespec times[2] = { { s->now, 0 }, { fresh_until, 0 } };
    int fd;

    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", s->cache);
    if ((fd = mkstemp(tmp)) < 0)
        goto failed;
    if (fchmod(fd, CACHE_FILE_MODE) != 0 || pb_write_all(fd, body, len) != 0)
        goto failed_fd;
    if (fsync(fd) != 0 || futimens(fd, times) != 0 || close(fd) != 0) {
        fd = -1;
        goto failed_unlink;
    }
    if (rename(tmp, s->cache) != 0)
        goto failed_unlink;
    return 0;
failed_fd:
    close(fd);
failed_unlink:
    unlink(tmp);
failed:
    pb_log(s->log, LOG_WARNING, "cannot write the key cache %s: %s (keys used from memory)", s->cache,
           strerror(errno));
    return -1;
}

/* One request: discovery if configured, then the key set (conditional
 * when cond holds validators), checked before anything uses it.  One
 * deadline for all of it, redirects included: the lock budget of those
 * waiting for it is counted from the same number.  *ans says what came
 * back for the policy; *out is the new set after a 200; resp keeps the
 * body and headers for the caller (pb_http_response_clear). */
static enum pb_status
fetch(struct source *s, const struct pb_jwks_saved *cond, struct pb_http_response *resp,
      struct pb_jwks_answer *ans, struct pb_keyset **out)
{
    char *jwks_uri = NULL;
    const char *url = s->cfg->jwks;
    enum pb_status status;

    *out = NULL;
    memset(ans, 0, sizeof(*ans));
    ans->max_age = ans->retry_after = -1;
    pb_http_deadline(&s->deadline, s->cfg->http_timeout);
    if (s->cfg->discovery) {
        if ((status = discover_jwks_uri(s, &jwks_uri)) != PB_OK)
            return status;
        url = jwks_uri;
    }
    status = fetch_url(s, url, PB_KEYSET_MAX_BYTES, cond, resp);
    ans->status = resp->status;
    ans->max_age = resp->max_age;
    ans->no_store = resp->no_store;
    ans->retry_after = pb_jwks_retry_after(resp->retry_after, s->now);
    if (resp->retry_after[0] != '\0' && ans->retry_after < 0)
        pb_log(s->log, LOG_WARNING, "%s: ignoring a Retry-After that is neither seconds nor a date", s->what);
    if (status != PB_OK)
        goto done;
    if (resp->status == 304) {
        /* The set cached is current: nothing to parse. */
        ans->usable = cond != NULL;
        status = ans->usable ? PB_OK : PB_UNAVAILABLE;
        goto done;
    }
    status = pb_keyset_parse(resp->body, resp->len, out, s->log, s->what);
    if (status != PB_OK) {
        pb_log(s->log, LOG_ERR, "unavailable: %s: JSON: the response is not a usable key set", s->what);
        status = PB_UNAVAILABLE;
        goto done;
    }
    ans->usable = 1;
done:
    free(jwks_uri);
    return status;
}

/* Fetch for a caller that keeps no cache (no usable directory, or one it
 * may not write): no state, no validators, the set into memory only. */
static enum pb_status
fetch_uncached(struct source *s, struct pb_keyset **out)
{
    struct pb_http_response resp = { .max_age = -1 };
    struct pb_jwks_answer ans;
    enum pb_status status = fetch(s, NULL, &resp, &ans, out);

    if (status == PB_OK)
        pb_log(s->log, LOG_INFO, "fetched %zu key(s) from %s (not cached)", (*out)->count, s->what);
    pb_http_response_clear(&resp);
    return status;
}

/* Uniform random bits for the spread and the jitter.  Not a secret, but
 * hosts must not agree on it: the kernel's generator, or the clock and the
 * process if it cannot answer without blocking (early boot). */
static uint32_t
random_u32(void)
{
    uint32_t r;
    struct timespec ts;

    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t) sizeof(r))
        return r;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t) ts.tv_nsec * 2654435761u ^ (uint32_t) getpid() ^ (uint32_t) ts.tv_sec;
}

/* A 304: the cached set is fresh again, dated without being rewritten.
 * The file is opened as the set is read: no links, ours, a regular file. */
static int
touch_cache(const struct source *s, time_t fresh_until)
{
    struct timespec times[2] = { { s->now, 0 }, { fresh_until, 0 } };
    struct stat st;
    int fd = open(s->cache, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), rc = -1;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0)
        rc = futimens(fd, times);
    close(fd);
    return rc;
}

/* A key set cached by an earlier version is 0644: make it the owner's
 * alone.  One that is not ours is left to the read, which refuses it (and
 * so has it fetched again and replaced). */
static void
tighten_cache(const struct source *s, struct stat *st)
{
    struct stat now;
    int fd = open(s->cache, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0)
        return;
    if (fstat(fd, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino
        && now.st_uid == geteuid() && fchmod(fd, now.st_mode & CACHE_FILE_MODE) == 0)
        fstat(fd, st);
    close(fd);
}

static int
same_version(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_mtime == b->st_mtime
        && a->st_size == b->st_size;
}

/* Why the policy said not to ask, for the log. */
static const char *
why_not(const struct pb_jwks_limits *lim, const struct pb_jwks_state *st, time_t now)
{
    if (st->retry_until > now)
        return "the authority's Retry-After";
    if (st->last_attempt != 0 && st->last_attempt <= now && now - st->last_attempt < lim->refetch_interval)
        return "jwks_refetch_interval since the last attempt";
    return "back-off after failures";
}

/* Ask the authority, under the lock, and apply its answer: a 200 replaces
 * the set, a 304 dates the cached one fresh again, anything else changes
 * nothing but the back-off.  The state is written in every case.  *out: the
 * new set after a 200, the cached one after a 304 (NULL for a refresh: it
 * is the set the caller has), else NULL; PB_OK or PB_UNAVAILABLE. */
static enum pb_status
ask(struct source *s, const struct pb_jwks_limits *lim, struct pb_jwks_saved *saved, int have_set, int refresh,
    struct pb_keyset **out)
{
    struct pb_http_response resp = { .max_age = -1 };
    struct pb_jwks_answer ans;
    struct pb_keyset *fetched = NULL;
    enum pb_jwks_result result;
    enum pb_status status;

    status = fetch(s, have_set ? saved : NULL, &resp, &ans, &fetched);
    if (status == PB_NOMEM) {
        pb_http_response_clear(&resp);
        return PB_NOMEM;
    }
    result = pb_jwks_update(lim, &saved->st, s->now, random_u32(), &ans);
    switch (result) {
    case PB_JWKS_STORE:
        /* Validators of this set only: an older one's would be wrong. */
        memcpy(saved->etag, resp.etag, sizeof(saved->etag));
        memcpy(saved->last_modified, resp.last_modified, sizeof(saved->last_modified));
        /* Not cached: the file keeps the older set, which these validators
         * do not describe (a 304 to them would make it fresh again). */
        if (store(s, resp.body, resp.len, saved->st.fresh_until) != 0)
            saved->etag[0] = saved->last_modified[0] = '\0';
        pb_log(s->log, LOG_INFO, "fetched %zu key(s) from %s, fresh for %lld s (lifetime %ld s)", fetched->count,
               s->what, (long long) (saved->st.fresh_until - s->now), saved->st.lifetime);
        *out = fetched;
        fetched = NULL;
        pb_metrics_add(s->metrics, PB_M_JWKS_FRESH);
        break;
    case PB_JWKS_REVALIDATED:
        pb_metrics_add(s->metrics, PB_M_JWKS_NOT_MODIFIED);
        if (resp.etag[0] != '\0')
            memcpy(saved->etag, resp.etag, sizeof(saved->etag));
        if (resp.last_modified[0] != '\0')
            memcpy(saved->last_modified, resp.last_modified, sizeof(saved->last_modified));
        if (touch_cache(s, saved->st.fresh_until) != 0)
            pb_log(s->log, LOG_WARNING, "cannot date the key cache %s: %s", s->cache, strerror(errno));
        pb_log(s->log, LOG_INFO, "%s: key set not modified (304), fresh for %lld s (lifetime %ld s)", s->what,
               (long long) (saved->st.fresh_until - s->now), saved->st.lifetime);
        if (!refresh && pb_keyset_get(s->cache, out, s->log) != PB_OK)
            status = PB_UNAVAILABLE;
        break;
    case PB_JWKS_FAILED:
        if (status == PB_OK) {
            /* A 304 to a request that was not conditional: not an answer. */
            pb_log(s->log, LOG_ERR, "unavailable: %s: status: HTTP %ld to an unconditional request", s->what,
                   ans.status);
        }
        status = PB_UNAVAILABLE;
        pb_metrics_add(s->metrics, PB_M_JWKS_FAILED);
        pb_log(s->log, LOG_INFO, "%s: failed attempt %u, next one in %lld s at the earliest", s->what,
               saved->st.failures,
               (long long) ((saved->st.retry_until > saved->st.next_attempt ? saved->st.retry_until
                                                                           : saved->st.next_attempt) - s->now));
        break;
    }
    pb_jwks_state_write(s->state, saved, s->log);
    pb_keyset_release(fetched);
    pb_http_response_clear(&resp);
    return status;
}

enum pb_status
pb_jwks_get(const struct pb_login_ctx *ctx, int refresh, struct pb_keyset **out)
{
    const struct pb_config *cfg = ctx->cfg;
    const struct pb_log *log = ctx->log;
    time_t now = ctx->now;
    struct source s;
    struct stat st, again, lst;
    int have_file, corrupt = 0, lock_fd = -1;
    enum pb_status status;
    struct pb_keyset *fetched = NULL;
    struct pb_jwks_limits lim;
    struct pb_jwks_saved saved;

    *out = NULL;
    if (!pb_jwks_is_remote(cfg))
        return refresh ? PB_OK : pb_keyset_get(cfg->jwks, out, log);
    if ((status = source_init(&s, cfg, now, log)) != PB_OK)
        return status;
    s.http = ctx->http;
    s.metrics = ctx->metrics;
    pb_jwks_limits_from_config(&lim, cfg);
    memset(&saved, 0, sizeof(saved));
    if (s.cache[0] == '\0') {
        /* No cache directory at all: every call fetches (the helper only). */
        return fetch_uncached(&s, out);
    }

    have_file = lstat(s.cache, &st) == 0 && S_ISREG(st.st_mode);
    if (have_file && s.writable && (st.st_mode & 077) != 0)
        tighten_cache(&s, &st);
    if (have_file && st.st_mtime > now && !refresh) {
        /* The warm path: fresh keys on disk, no HTTP code loaded. */
        if (pb_keyset_get_stat(s.cache, &st, out, log) == PB_OK)
            return PB_OK;
        corrupt = 1;
    }

    if (!s.writable) {
        /* Read-only cache (the helper as a user), not usable as it is:
         * fetch into memory.  A failed refresh returns no new set. */
        status = fetch_uncached(&s, &fetched);
        if (status == PB_OK || refresh) {
            *out = fetched;
            return PB_OK;
        }
        saved.st.fresh_until = have_file ? st.st_mtime : 0;
        goto stale;
    }

    if ((lock_fd = take_lock(&s)) < 0) {
        saved.st.fresh_until = have_file ? st.st_mtime : 0;
        goto stale;
    }
    /* Someone else may have fetched while we waited. */
    if (lstat(s.cache, &again) == 0 && S_ISREG(again.st_mode) && again.st_mtime > now
        && !(have_file && same_version(&st, &again))) {
        if (pb_keyset_get(s.cache, out, log) == PB_OK) {
            status = PB_OK;
            goto done;
        }
    }
    have_file = lstat(s.cache, &st) == 0 && S_ISREG(st.st_mode);
    /* The state under the lock; the set's own mtime says when it stops
     * being fresh, the lock's when the last attempt was. */
    pb_jwks_state_read(s.state, &saved, log);
    saved.st.fresh_until = have_file && !corrupt ? st.st_mtime : 0;
    saved.st.last_attempt = (fstat(lock_fd, &lst) == 0 && lst.st_size > 0) ? lst.st_mtime : 0;
    switch (pb_jwks_decide(&lim, &saved.st, now, refresh, corrupt)) {
    case PB_JWKS_USE:
        if (pb_keyset_get(s.cache, out, log) == PB_OK) {
            status = PB_OK;
            goto done;
        }
        corrupt = 1;
        break;
    case PB_JWKS_STALE:
    case PB_JWKS_NONE:
        pb_metrics_add(ctx->metrics, PB_M_JWKS_THROTTLED);
        pb_log(log, refresh ? LOG_INFO : LOG_DEBUG, "%s: not asking the authority yet: %s", s.what,
               why_not(&lim, &saved.st, now));
        goto stale_locked;
    case PB_JWKS_FETCH:
        break;
    }
    /* This attempt, for the rate limit: the byte says the date is one. */
    if (ftruncate(lock_fd, 1) == 0)
        futimens(lock_fd, NULL);
    status = ask(&s, &lim, &saved, have_file && !corrupt, refresh, out);
    if (status == PB_OK || status == PB_NOMEM)
        goto done;
    if (corrupt) {
        pb_log(log, LOG_WARNING, "discarding the unreadable key cache %s", s.cache);
        unlink(s.cache);
        have_file = 0;
        saved.st.fresh_until = 0;
    }
stale_locked:
    close(lock_fd);
    lock_fd = -1;
stale:
    if (refresh)
        return PB_OK;   /* nothing new: the caller keeps what it has */
    if (have_file && !corrupt && pb_jwks_usable(&lim, &saved.st, now)) {
        if (pb_keyset_get(s.cache, out, log) == PB_OK) {
            if (st.st_mtime <= now) {
                pb_metrics_add(ctx->metrics, PB_M_STALE_KEYS);
                pb_log(log, LOG_WARNING, "%s: using keys stale for %lld s (jwks_stale_limit %ld s)", s.what,
                       (long long) (now - st.st_mtime), cfg->jwks_stale_limit);
            }
            return PB_OK;
        }
    }
    pb_log(log, LOG_ERR, "unavailable: %s: no usable keys (%s)", s.what,
           have_file && !corrupt ? "cached keys are past jwks_stale_limit" : "nothing cached");
    return PB_UNAVAILABLE;
done:
    if (lock_fd >= 0)
        close(lock_fd);
    return status;
}
