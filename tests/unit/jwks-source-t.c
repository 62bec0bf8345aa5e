/* Unit tests for lib/jwks-source.c without a network: which sources are
 * remote, a local key file, and the on-disk cache of a remote key set
 * (fresh keys served from cache_dir with no request, loose files
 * tightened, a directory others may write refused), and through a fake
 * authority, a set that could not be cached (no validators kept for it).
 * Fetching is tested against tests/fixtures/authority.py by
 * tests/pam/jwks-t.sh. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "http.h"
#include "jwks-source.h"
#include "keyset.h"
#include "tap.h"
#include "testkeys.h"

static const struct pb_log quiet = { NULL, NULL, 0 };

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f;

    unlink(path);
    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0 || chmod(path, mode) != 0)
        abort();
}

/* The cache file jwks-source.c names for URL: jwks-HASH.json, HASH the first
 * 32 hex digits of SHA-256("jwks URL"). */
static void
cache_file(char *out, size_t cap, const char *dir, const char *url)
{
    char input[512], hex[65];
    unsigned char digest[32];

    snprintf(input, sizeof(input), "jwks %s", url);
    EVP_Digest(input, strlen(input), digest, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    snprintf(out, cap, "%s/jwks-%.32s.json", dir, hex);
}

static void
set(char **field, const char *value)
{
    free(*field);
    *field = value ? strdup(value) : NULL;
}

/* An authority whose current set (fake_set) has the entity-tag "v2": a 304
 * to If-None-Match "v2", else the set with that tag. */
static const char *fake_set;
static int fake_requests;

static enum pb_status
fake_get(const struct pb_http_request *req, struct pb_http_response *resp, const struct pb_log *log)
{
    (void) log;
    fake_requests++;
    memset(resp, 0, sizeof(*resp));
    resp->max_age = -1;
    if (req->if_none_match != NULL && strcmp(req->if_none_match, "\"v2\"") == 0) {
        resp->status = 304;
        return PB_OK;
    }
    resp->status = 200;
    resp->len = strlen(fake_set);
    resp->body = (unsigned char *) strdup(fake_set);
    strcpy(resp->etag, "\"v2\"");
    return resp->body != NULL ? PB_OK : PB_NOMEM;
}

static const struct pb_http_ops fake_ops = { PB_HTTP_OPS_VERSION, fake_get };

static const struct pb_http_ops *
fake_loader(const struct pb_log *log)
{
    (void) log;
    return &fake_ops;
}

static int
has_kid(const struct pb_keyset *ks, const char *kid)
{
    for (size_t i = 0; ks != NULL && i < ks->count; i++)
        if (ks->keys[i].kid != NULL && strcmp(ks->keys[i].kid, kid) == 0)
            return 1;
    return 0;
}

int
main(void)
{
    EVP_PKEY *key = tk_keygen("P-256");
    char *jwk = tk_jwk(key, "k1", "");
    char text[4096], dir[] = "/tmp/jwks-source-t.XXXXXX", path[600], cache[600], cachefile[700];
    const char *url = "https://keys.invalid/jwks.json";
    struct pb_config cfg;
    struct pb_keyset *ks = NULL;
    struct timespec times[2];
    struct stat st;
    time_t now = time(NULL);
    const struct pb_login_ctx ctx = { &cfg, &quiet, now, pb_jwks_get, NULL, NULL, NULL, NULL };

    if (mkdtemp(dir) == NULL || pb_config_init(&cfg) != PB_OK)
        abort();
    snprintf(text, sizeof(text), "{\"keys\":[%s]}", jwk);

    /* --- remote or not */
    set(&cfg.jwks, "/etc/pam_bearer/jwks.json");
    tap_ok(!pb_jwks_is_remote(&cfg), "a file path is local");
    set(&cfg.jwks, url);
    tap_ok(pb_jwks_is_remote(&cfg), "an https URL is remote");
    set(&cfg.jwks, "http://127.0.0.1:8080/jwks.json");
    tap_ok(pb_jwks_is_remote(&cfg), "an http URL is remote");
    set(&cfg.jwks, NULL);
    cfg.discovery = 1;
    tap_ok(pb_jwks_is_remote(&cfg), "discovery is remote");
    cfg.discovery = 0;

    /* --- a local file */
    snprintf(path, sizeof(path), "%s/jwks.json", dir);
    write_file(path, text, 0644);
    set(&cfg.jwks, path);
    tap_is_int(pb_jwks_get(&ctx, 0, &ks), PB_OK, "a local key file gives its keys");
    tap_is_int(ks ? ks->count : 0, 1, "... one key");
    pb_keyset_release(ks);
    ks = NULL;
    tap_is_int(pb_jwks_get(&ctx, 1, &ks), PB_OK, "a refresh of a local file is no error");
    tap_ok(ks == NULL, "... and gives no new set (nothing to fetch)");

    /* --- the cache of a remote key set, fresh: no request is made */
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    set(&cfg.jwks, url);
    set(&cfg.cache_dir, cache);
    mkdir(cache, 0700);
    cache_file(cachefile, sizeof(cachefile), cache, url);
    write_file(cachefile, text, 0644);
    times[0].tv_sec = times[1].tv_sec = now + 300;   /* the mtime is when it goes stale */
    times[0].tv_nsec = times[1].tv_nsec = 0;
    utimensat(AT_FDCWD, cachefile, times, 0);
    tap_is_int(pb_jwks_get(&ctx, 0, &ks), PB_OK, "fresh cached keys of %s are served", url);
    tap_is_int(ks ? ks->count : 0, 1, "... the cached set");
    pb_keyset_release(ks);
    ks = NULL;
    tap_ok(stat(cachefile, &st) == 0 && (st.st_mode & 07777) == 0600,
           "a cache file left 0644 by an earlier version is tightened to 0600");

    /* --- the directory: anyone else who may write there could plant keys */
    chmod(cache, 0770);
    set(&cfg.jwks, url);
    tap_is_int(pb_jwks_get(&ctx, 0, &ks), PB_UNAVAILABLE, "a cache_dir others may write is refused");
    tap_ok(ks == NULL, "... with no keys");

    /* --- a new set that could not be cached leaves no validators behind: a
     * later 304 would otherwise date the old set on disk fresh again (keys
     * the authority dropped trusted on).  The caller's file size limit (a
     * user running su under "ulimit -f" with SIGXFSZ ignored) fails the
     * set's write, not the smaller state's. */
    {
        EVP_PKEY *key2 = tk_keygen("P-256");
        char *j2 = tk_jwk(key2, "k2", ""), *j3 = tk_jwk(key2, "k3", ""), *j4 = tk_jwk(key2, "k4", "");
        char set2[4096];
        struct pb_login_ctx later = ctx;
        struct rlimit old, small;
        enum pb_status r;

        snprintf(set2, sizeof(set2), "{\"keys\":[%s,%s,%s]}", j2, j3, j4);
        fake_set = set2;
        chmod(cache, 0700);
        write_file(cachefile, text, 0600);              /* the old set: k1 */
        times[0].tv_sec = times[1].tv_sec = now - 7200; /* stale */
        utimensat(AT_FDCWD, cachefile, times, 0);
        later.http = fake_loader;
        signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &old);
        small = old;
        small.rlim_cur = 400;
        setrlimit(RLIMIT_FSIZE, &small);
        r = pb_jwks_get(&later, 0, &ks);
        setrlimit(RLIMIT_FSIZE, &old);
        tap_is_int(r, PB_OK, "the authority's new set is used though it could not be cached (%zu bytes)",
                   strlen(set2));
        tap_ok(has_kid(ks, "k2") && !has_kid(ks, "k1"), "... its keys, not the old set's");
        pb_keyset_release(ks);
        ks = NULL;
        later.now = now + 120;                          /* past jwks_refetch_interval */
        r = pb_jwks_get(&later, 0, &ks);
        tap_is_int(r, PB_OK, "the next stale lookup asks the authority again (%d requests)", fake_requests);
        tap_ok(has_kid(ks, "k2") && !has_kid(ks, "k1"),
               "... and gets the current set: the old one on disk is not revalidated by a 304");
        pb_keyset_release(ks);
        ks = NULL;
        free(j2), free(j3), free(j4);
        EVP_PKEY_free(key2);
    }

    /* Clean up what the fetch attempt may have left. */
    snprintf(text, sizeof(text), "rm -rf '%s'", dir);
    if (system(text) != 0)
        tap_ok(0, "cleaning up %s", dir);
    pb_config_free(&cfg);
    free(jwk);
    EVP_PKEY_free(key);
    return tap_done();
}
