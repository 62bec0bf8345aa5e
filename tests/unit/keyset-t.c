/* Unit tests for lib/keyset.c: JWKS and PEM key sets from memory, the bounds
 * on what a set holds, lazy conversion per algorithm, and the process cache
 * of key files (shared while the file is unchanged, read again when not). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "alg.h"
#include "keyset.h"
#include "tap.h"
#include "testkeys.h"

/* The log lines, joined, for checking what was said. */
static char logged[8192];

static void
sink(void *ctx, int priority, const char *line)
{
    (void) ctx, (void) priority;
    if (strlen(logged) + strlen(line) + 2 < sizeof(logged)) {
        strcat(logged, line);
        strcat(logged, "\n");
    }
}

static const struct pb_log log_ = { sink, NULL, 1 };

static enum pb_status
parse(const char *text, struct pb_keyset **out)
{
    logged[0] = '\0';
    return pb_keyset_parse((const unsigned char *) text, strlen(text), out, &log_, "test");
}

static char *
pem_of(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *out;
    long len;

    PEM_write_bio_PUBKEY(bio, key);
    len = BIO_get_mem_data(bio, &data);
    out = strndup(data, (size_t) len);
    BIO_free(bio);
    return out;
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
        abort();
}

int
main(void)
{
    EVP_PKEY *rsa = tk_keygen("RSA"), *ec = tk_keygen("P-256"), *ed = tk_keygen("Ed25519");
    char *jrsa = tk_jwk(rsa, "r1", "\"alg\":\"RS256\",\"use\":\"sig\",");
    char *jec = tk_jwk(ec, "e1", "");
    char *jed = tk_jwk(ed, "d1", "");
    char *prsa = pem_of(rsa), *pec = pem_of(ec);
    char text[16384], dir[] = "/tmp/keyset-t.XXXXXX", path[600];
    struct pb_keyset *set = NULL, *again = NULL, *other = NULL;
    const struct pb_alg *rs256 = pb_alg_find("RS256", 5), *es256 = pb_alg_find("ES256", 5);
    const struct pb_alg *ps256 = pb_alg_find("PS256", 5), *eddsa = pb_alg_find("EdDSA", 5);
    struct timespec later[2];

    /* --- JWKS from memory */
    snprintf(text, sizeof(text), "{\"keys\":[%s,%s,%s]}", jrsa, jec, jed);
    tap_is_int(parse(text, &set), PB_OK, "a JWKS of RSA, EC and Ed25519 keys parses");
    tap_is_int(set ? set->count : 0, 3, "three keys");
    tap_is_int(set ? set->refs : 0, 1, "the caller holds the one reference");
    tap_is_str(set ? set->keys[0].kid : NULL, "r1", "kids kept in order (first)");
    tap_is_str(set ? set->keys[2].kid : NULL, "d1", "kids kept in order (last)");
    tap_is_int(set ? set->keys[0].state : 9, 0, "keys are not converted before a token needs them");
    tap_ok(set && pb_keyset_key(set, 0, rs256, &log_) != NULL, "the RSA key is ready for RS256");
    tap_is_int(set ? set->keys[0].state : 9, 1, "... converted on first use");
    tap_ok(set && set->keys[0].proto[pb_alg_index(rs256)] != NULL, "... with an RS256 verify context prepared");
    tap_ok(set && pb_keyset_key(set, 0, es256, &log_) != NULL && set->keys[0].proto[pb_alg_index(es256)] == NULL,
           "asked for ES256, the RSA key gets no ES256 context");
    tap_ok(set && set->keys[1].state == 0, "the other keys are still unconverted");
    tap_ok(set && pb_keyset_key(set, 1, es256, &log_) != NULL, "the P-256 key serves ES256");
    tap_ok(set && pb_keyset_key(set, 2, eddsa, &log_) != NULL, "the Ed25519 key serves EdDSA");
    tap_is_int(set ? set->keys[1].state : 9, 1, "... and is converted");
    pb_keyset_release(set);
    set = NULL;

    /* --- keys skipped, sets refused */
    snprintf(text, sizeof(text), "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0\"},%s]}",
             jrsa);
    tap_is_int(parse(text, &set), PB_OK, "a JWKS with an HMAC secret beside an RSA key parses");
    tap_is_int(set ? set->count : 0, 1, "the symmetric key is left out");
    tap_ok(strstr(logged, "symmetric keys in a key set are ignored") != NULL, "... and that is logged");
    pb_keyset_free(set);
    set = NULL;

    snprintf(text, sizeof(text), "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"bad\\nkid\"},%s]}", jec);
    tap_is_int(parse(text, &set), PB_OK, "an RSA JWK without n and e beside a good key: the set parses");
    tap_is_int(set ? set->count : 0, 2, "both are described (conversion is lazy)");
    tap_ok(set && pb_keyset_key(set, 0, rs256, &log_) == NULL, "the broken key is unusable when a token needs it");
    tap_is_int(set ? set->keys[0].state : 9, -1, "... marked unusable");
    tap_ok(strstr(logged, "kid bad?kid") != NULL, "... logged with its kid sanitised");
    logged[0] = '\0';
    tap_ok(set && pb_keyset_key(set, 0, rs256, &log_) == NULL && logged[0] == '\0', "... and logged only once");
    tap_ok(set && pb_keyset_key(set, 1, es256, &log_) != NULL, "the good key beside it serves");
    snprintf(text, sizeof(text), "{\"keys\":[{\"kty\":\"XYZ\",\"kid\":\"odd\"},%s]}", jec);
    pb_keyset_free(set);
    tap_is_int(parse(text, &set), PB_OK, "a JWK of an unknown key type beside a good key: the set parses");
    tap_is_int(set ? set->count : 0, 1, "... the unknown one skipped");
    tap_ok(strstr(logged, "kid odd") != NULL && strstr(logged, "skipped") != NULL, "... and that is logged");
    pb_keyset_free(set);
    set = NULL;

    tap_is_int(parse("{\"keys\":[]}", &set), PB_UNAVAILABLE, "an empty key set is unavailable");
    tap_ok(set == NULL, "... and gives no set");
    tap_ok(strstr(logged, "no usable verification key") != NULL, "... logged");
    tap_is_int(parse("{\"hello\":1}", &set), PB_UNAVAILABLE, "an object without keys is unavailable");
    tap_ok(strstr(logged, "not a JWKS") != NULL, "... logged as not a JWKS");
    tap_is_int(parse("{\"keys\":[", &set), PB_UNAVAILABLE, "truncated JSON is unavailable");
    tap_is_int(parse("", &set), PB_UNAVAILABLE, "an empty document is unavailable");

    /* More keys than the bound: the first PB_KEYSET_MAX_KEYS are kept. */
    {
        size_t used = (size_t) snprintf(text, sizeof(text), "{\"keys\":[");
        char *big = malloc(200000);

        memcpy(big, text, used);
        for (int i = 0; i < PB_KEYSET_MAX_KEYS + 3; i++)
            used += (size_t) snprintf(big + used, 200000 - used, "%s%s", i ? "," : "", jec);
        snprintf(big + used, 200000 - used, "]}");
        tap_is_int(parse(big, &set), PB_OK, "a set of %d keys parses", PB_KEYSET_MAX_KEYS + 3);
        tap_is_int(set ? set->count : 0, PB_KEYSET_MAX_KEYS, "only the first %d are kept", PB_KEYSET_MAX_KEYS);
        tap_ok(strstr(logged, "the rest are ignored") != NULL, "... and that is logged");
        pb_keyset_free(set);
        set = NULL;
        free(big);
    }

    /* --- PEM */
    snprintf(text, sizeof(text), "\n\n%s%s", prsa, pec);
    tap_is_int(parse(text, &set), PB_OK, "two PEM public keys (after blank lines) parse");
    tap_is_int(set ? set->count : 0, 2, "two keys");
    tap_ok(set && set->keys[0].kid == NULL, "a PEM key has no kid");
    tap_ok(set && set->keys[0].kty == PB_KTY_RSA && set->keys[1].kty == PB_KTY_EC, "RSA then EC, in file order");
    tap_ok(set && set->keys[0].alg == NULL, "a PEM key names no algorithm");
    tap_ok(set && pb_keyset_key(set, 0, ps256, &log_) != NULL && set->keys[0].proto[pb_alg_index(ps256)] != NULL,
           "the PEM RSA key is ready for PS256 (no alg named)");
    tap_ok(set && pb_keyset_key(set, 1, es256, &log_) != NULL && set->keys[1].proto[pb_alg_index(es256)] != NULL,
           "the PEM P-256 key is ready for ES256");
    pb_keyset_free(set);
    set = NULL;
    tap_is_int(parse("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n", &set), PB_UNAVAILABLE,
               "a broken PEM block is unavailable");

    /* --- the process cache of key files */
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(path, sizeof(path), "%s/jwks.json", dir);
    snprintf(text, sizeof(text), "{\"keys\":[%s]}", jrsa);
    write_file(path, text);
    chmod(path, 0644);
    tap_is_int(pb_keyset_get(path, &set, &log_), PB_OK, "a key file loads");
    tap_is_int(set ? set->refs : 0, 2, "the cache and the caller hold it");
    tap_is_int(pb_keyset_get(path, &again, &log_), PB_OK, "the same file again");
    tap_ok(set != NULL && again == set, "an unchanged file is served from the cache (the same set)");
    tap_is_int(set ? set->refs : 0, 3, "... one more reference");
    pb_keyset_release(again);
    again = NULL;

    /* Changed content (a different size and times): read again. */
    snprintf(text, sizeof(text), "{\"keys\":[%s,%s]}", jrsa, jec);
    write_file(path, text);
    clock_gettime(CLOCK_REALTIME, &later[0]);
    later[0].tv_sec += 10;
    later[1] = later[0];
    utimensat(AT_FDCWD, path, later, 0);
    tap_is_int(pb_keyset_get(path, &other, &log_), PB_OK, "the file changed: it loads");
    tap_ok(other != NULL && other != set, "... as a new set");
    tap_is_int(other ? other->count : 0, 2, "... with the new keys");
    tap_is_int(set ? set->refs : 0, 1, "the old set is out of the cache, still the caller's");
    pb_keyset_release(set);
    pb_keyset_release(other);
    set = other = NULL;

    chmod(path, 0666);
    tap_ok(pb_keyset_get(path, &set, &log_) != PB_OK && set == NULL, "a world-writable key file is refused");
    snprintf(path, sizeof(path), "%s/missing.json", dir);
    tap_ok(pb_keyset_get(path, &set, &log_) != PB_OK && set == NULL, "a missing key file gives no set");
    snprintf(path, sizeof(path), "%s/jwks.json", dir);
    unlink(path);
    rmdir(dir);

    pb_keyset_release(NULL);
    pb_keyset_free(NULL);
    tap_ok(1, "releasing and freeing NULL are no-ops");

    free(jrsa), free(jec), free(jed), free(prsa), free(pec);
    EVP_PKEY_free(rsa), EVP_PKEY_free(ec), EVP_PKEY_free(ed);
    return tap_done();
}
