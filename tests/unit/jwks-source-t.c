/* Unit tests for lib/jwks-source.c without a network: which sources are
 * remote, a local key file, and the on-disk cache of a remote key set
 * (fresh keys served from cache_dir with no request, loose files
 * tightened, a directory others may write refused).
 * Fetching is tested against tests/fixtures/authority.py by
 * tests/pam/jwks-t.sh. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "jwks-source.h"
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

    /* Clean up what the fetch attempt may have left. */
    snprintf(text, sizeof(text), "rm -rf '%s'", dir);
    if (system(text) != 0)
        tap_ok(0, "cleaning up %s", dir);
    pb_config_free(&cfg);
    free(jwk);
    EVP_PKEY_free(key);
    return tap_done();
}
