/* Loading JWKS/PEM key files, and the process-wide cache of converted keys.
 *
 * Converting a JWK costs as much as fifteen RS256 verifications, so keys are
 * converted once per file version, not per login.  The module is linked with
 * -z nodelete so the cache survives pam_end; entries are checked against the
 * file on every use, so a changed file is picked up at the next login. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "keyset.h"
#include "jws.h"
#include "secret.h"

#define CACHE_SLOTS 8

struct cache_entry {
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    struct pb_keyset *set;
};

/* Shared state protected by one lock; keysets are immutable once published. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_entry cache[CACHE_SLOTS];
static unsigned long cache_clock;
static unsigned long cache_used[CACHE_SLOTS];

void
pb_keyset_free(struct pb_keyset *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++)
        pb_key_clear(&set->keys[i]);
    free(set->keys);
    pthread_mutex_destroy(&set->lock);
    free(set);
}

static enum pb_status
add_key(struct pb_keyset *set, struct pb_key *key, const struct pb_log *log, const char *origin)
{
    if (set->count >= PB_KEYSET_MAX_KEYS) {
        pb_log(log, LOG_WARNING, "%s: more than %d keys, the rest are ignored", origin, PB_KEYSET_MAX_KEYS);
        pb_key_clear(key);
        return PB_OK;
    }
    set->keys[set->count++] = *key;
    return PB_OK;
}

static enum pb_status
parse_jwks(const unsigned char *data, size_t len, struct pb_keyset *set,
           const struct pb_log *log, const char *origin)
{
    char err[160];
    json_t *root, *keys, *jwk;
    enum pb_status status = PB_UNAVAILABLE;
    size_t i;

    root = pb_json_parse_object(data, len, err, sizeof(err));
    if (root == NULL) {
        pb_log(log, LOG_ERR, "unavailable: %s: %s", origin, err);
        return PB_UNAVAILABLE;
    }
    keys = json_object_get(root, "keys");
    if (!json_is_array(keys)) {
        pb_log(log, LOG_ERR, "unavailable: %s: no \"keys\" array (not a JWKS)", origin);
        goto done;
    }
    set->keys = calloc(PB_KEYSET_MAX_KEYS, sizeof(*set->keys));
    if (set->keys == NULL) {
        status = PB_NOMEM;
        goto done;
    }
    status = PB_OK;
    json_array_foreach(keys, i, jwk) {
        struct pb_key key;
        enum pb_status key_status = pb_jwk_describe(jwk, &key, err, sizeof(err));
        const char *kid = json_string_value(json_object_get(jwk, "kid"));
        char safe_kid[80];

        pb_log_sanitize(safe_kid, sizeof(safe_kid), kid ? kid : "-", kid ? strlen(kid) : 1);
        if (key_status == PB_NOMEM) {
            status = PB_NOMEM;
            break;
        }
        if (key_status != PB_OK) {
            pb_log(log, LOG_WARNING, "%s: key %zu (kid %s) skipped: %s", origin, i, safe_kid, err);
            continue;
        }
        if (key.kty == PB_KTY_OCT) {
            /* An HMAC secret is never taken from a key set (DESIGN: only a key file). */
            pb_log(log, LOG_WARNING, "%s: key %zu (kid %s) skipped: symmetric keys in a key set are ignored",
                   origin, i, safe_kid);
            pb_key_clear(&key);
            continue;
        }
        status = add_key(set, &key, log, origin);
        if (status != PB_OK)
            break;
    }
done:
    json_decref(root);
    return status;
}

static enum pb_status
parse_pem(const unsigned char *data, size_t len, struct pb_keyset *set,
          const struct pb_log *log, const char *origin)
{
    BIO *bio = BIO_new_mem_buf(data, (int) len);
    enum pb_status status = PB_OK;
    char err[160];

    set->keys = calloc(PB_KEYSET_MAX_KEYS, sizeof(*set->keys));
    if (bio == NULL || set->keys == NULL) {
        BIO_free(bio);
        return PB_NOMEM;
    }
    for (;;) {
        EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        struct pb_key key;
        if (pkey == NULL)
            break;
        status = pb_key_from_pkey(pkey, &key, err, sizeof(err));
        EVP_PKEY_free(pkey);
        if (status == PB_REJECTED) {
            pb_log(log, LOG_WARNING, "%s: PEM key skipped: %s", origin, err);
            status = PB_OK;
            continue;
        }
        if (status != PB_OK)
            break;
        status = add_key(set, &key, log, origin);
        if (status != PB_OK)
            break;
    }
    ERR_clear_error();   /* the end of the PEM stream is reported as an error */
    BIO_free(bio);
    return status;
}

enum pb_status
pb_keyset_parse(const unsigned char *data, size_t len, struct pb_keyset **out,
                const struct pb_log *log, const char *origin)
{
    struct pb_keyset *set = calloc(1, sizeof(*set));
    enum pb_status status;
    size_t skip = 0;

    *out = NULL;
    if (set == NULL)
        return PB_NOMEM;
    pthread_mutex_init(&set->lock, NULL);
    set->refs = 1;   /* the caller's: pb_keyset_release or pb_keyset_free */
    while (skip < len && (data[skip] == ' ' || data[skip] == '\n' || data[skip] == '\r' || data[skip] == '\t'))
        skip++;
    if (len - skip >= 10 && memcmp(data + skip, "-----BEGIN", 10) == 0)
        status = parse_pem(data, len, set, log, origin);
    else
        status = parse_jwks(data, len, set, log, origin);
    if (status == PB_OK && set->count == 0) {
        pb_log(log, LOG_ERR, "unavailable: %s holds no usable verification key", origin);
        status = PB_UNAVAILABLE;
    }
    if (status != PB_OK) {
        pb_keyset_free(set);
        return status;
    }
    *out = set;
    return PB_OK;
}

static int
same_file(const struct cache_entry *e, const char *path, const struct stat *st)
{
    return e->path != NULL && strcmp(e->path, path) == 0 && e->dev == st->st_dev
        && e->ino == st->st_ino && e->size == st->st_size
        && e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec
        && e->ctime.tv_sec == st->st_ctim.tv_sec && e->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* Drop the cache's own reference; free the set once nobody holds it. */
static void
entry_evict(struct cache_entry *e)
{
    if (e->set != NULL && --e->set->refs == 0)
        pb_keyset_free(e->set);
    free(e->path);
    memset(e, 0, sizeof(*e));
}

enum pb_status
pb_keyset_get(const char *path, struct pb_keyset **out, const struct pb_log *log)
{
    return pb_keyset_get_stat(path, NULL, out, log);
}

enum pb_status
pb_keyset_get_stat(const char *path, const struct stat *known, struct pb_keyset **out,
                   const struct pb_log *log)
{
    unsigned char *data = NULL;
    size_t len = 0, slot = 0;
    struct stat st;
    char err[256];
    struct pb_keyset *set = NULL;
    enum pb_status status;

    *out = NULL;
    pthread_mutex_lock(&cache_lock);
    if (known != NULL)
        st = *known;
    if (known != NULL || lstat(path, &st) == 0) {
        for (size_t i = 0; i < CACHE_SLOTS; i++) {
            if (same_file(&cache[i], path, &st)) {
                cache[i].set->refs++;
                cache_used[i] = ++cache_clock;
                *out = cache[i].set;
                pthread_mutex_unlock(&cache_lock);
                return PB_OK;
            }
        }
    }
    /* Read and convert under the lock: concurrent first logins convert once. */
    /* st becomes the identity of the file actually read (fstat of the open
     * file), so a file replaced meanwhile is noticed at the next login. */
    status = pb_secret_read_file(path, PB_KEYSET_MAX_BYTES, 0, &data, &len, &st, err, sizeof(err));
    if (status != PB_OK) {
        pb_log(log, LOG_ERR, "%s: key file %s", pb_status_name(status), err);
        goto done;
    }
    status = pb_keyset_parse(data, len, &set, log, path);
    if (status != PB_OK)
        goto done;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].path != NULL && strcmp(cache[i].path, path) == 0) {
            slot = i;   /* replace the stale version of this file */
            break;
        }
        if (cache_used[i] < cache_used[slot])
            slot = i;
    }
    entry_evict(&cache[slot]);
    cache[slot].path = strdup(path);
    if (cache[slot].path == NULL) {
        status = PB_NOMEM;
        goto done;
    }
    cache[slot].dev = st.st_dev;
    cache[slot].ino = st.st_ino;
    cache[slot].size = st.st_size;
    cache[slot].mtime = st.st_mtim;
    cache[slot].ctime = st.st_ctim;
    cache[slot].set = set;
    set->refs = 2;   /* the cache and this caller */
    cache_used[slot] = ++cache_clock;
    *out = set;
    set = NULL;
    pb_log(log, LOG_DEBUG, "loaded %zu key(s) from %s", (*out)->count, path);
done:
    pthread_mutex_unlock(&cache_lock);
    pb_keyset_free(set);
    free(data);
    return status;
}

void
pb_keyset_release(struct pb_keyset *set)
{
    if (set == NULL)
        return;
    pthread_mutex_lock(&cache_lock);
    if (--set->refs == 0)
        pb_keyset_free(set);
    pthread_mutex_unlock(&cache_lock);
}

const struct pb_key *
pb_keyset_key(struct pb_keyset *set, size_t i, const struct pb_alg *alg, const struct pb_log *log)
{
    struct pb_key *key = &set->keys[i];
    const struct pb_key *ready = NULL;
    char err[160];

    pthread_mutex_lock(&set->lock);
    if (key->state == 0 && pb_key_convert(key, err, sizeof(err)) == PB_REJECTED) {
        char kid[80];
        pb_log_sanitize(kid, sizeof(kid), key->kid ? key->kid : "-", key->kid ? strlen(key->kid) : 1);
        pb_log(log, LOG_WARNING, "key %zu (kid %s) is unusable: %s", i, kid, err);
    }
    if (key->state > 0 && pb_key_prepare_alg(key, alg) == PB_OK)
        ready = key;
    pthread_mutex_unlock(&set->lock);
    return ready;
}
