/* JWK conversion: every supported key type, and refusal of bad keys. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jwk.h"
#include "keyset.h"
#include "tap.h"
#include "testkeys.h"

static enum pb_status
convert(const char *json, struct pb_key *key)
{
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    char err[160];
    enum pb_status status = pb_jwk_to_key(root, key, err, sizeof(err));

    json_decref(root);
    return status;
}

static void
good(const char *kind, const char *extra, enum pb_kty kty, int bits)
{
    EVP_PKEY *pkey = tk_keygen(kind);
    char *json = tk_jwk(pkey, "k", extra);
    struct pb_key key;

    tap_is_int(convert(json, &key), PB_OK, "%s JWK converts", kind);
    tap_is_int(key.kty, kty, "%s kty", kind);
    tap_is_int(key.bits, bits, "%s bits", kind);
    tap_ok(key.pkey != NULL && EVP_PKEY_eq(key.pkey, pkey) == 1, "%s converted key equals the original", kind);
    pb_key_clear(&key);
    free(json);
    EVP_PKEY_free(pkey);
}

static void
bad(const char *json, const char *name)
{
    struct pb_key key;
    tap_is_int(convert(json, &key), PB_REJECTED, "refused: %s", name);
}

int
main(void)
{
    struct pb_key key;
    struct pb_keyset *set;
    const char *p256 = "{\"kty\":\"EC\",\"crv\":\"P-256\","
                       "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                       "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";

    good("RSA", "\"alg\":\"RS256\",\"use\":\"sig\",", PB_KTY_RSA, 2048);
    good("P-256", "", PB_KTY_EC, 256);
    good("P-384", "", PB_KTY_EC, 384);
    good("P-521", "", PB_KTY_EC, 521);
    good("Ed25519", "", PB_KTY_OKP, 256);

    /* RFC 7517 appendix A.1 EC key. */
    tap_is_int(convert(p256, &key), PB_OK, "RFC 7517 A.1 P-256 key converts");
    tap_is_str(key.curve, "P-256", "curve recorded");
    pb_key_clear(&key);
    tap_is_int(convert("{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}",
                       &key), PB_OK, "oct JWK converts (RFC 7515 A.1 key)");
    tap_is_int(key.secret_len, 64, "oct secret length");
    pb_key_clear(&key);

    bad("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\"}", "EC point off the curve");
    bad("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}", "EC coordinate of the wrong length");
    bad("{\"kty\":\"EC\",\"crv\":\"P-192\",\"x\":\"AA\",\"y\":\"AA\"}", "unsupported curve");
    bad("{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", "RSA modulus too small");
    bad("{\"kty\":\"RSA\",\"e\":\"AQAB\"}", "RSA without n");
    bad("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}", "Ed25519 key of the wrong length");
    bad("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AAAA\"}", "X25519 is not a signature key");
    bad("{\"kty\":\"DSA\"}", "unknown kty");
    bad("{\"n\":\"AQAB\"}", "missing kty");
    bad("[1,2]", "not an object");
    {
        EVP_PKEY *pkey = tk_keygen("RSA");
        char *json = tk_jwk(pkey, "k", "\"use\":\"enc\",");
        bad(json, "use enc");
        free(json);
        json = tk_jwk(pkey, "k", "\"key_ops\":[\"encrypt\"],");
        bad(json, "key_ops without verify");
        free(json);
        json = tk_jwk(pkey, "k", "\"alg\":\"ES256\",");
        bad(json, "RSA key claiming ES256");
        free(json);
        json = tk_jwk(pkey, "k", "\"alg\":\"none\",");
        bad(json, "alg none on a key");
        free(json);
        EVP_PKEY_free(pkey);
    }
    {
        EVP_PKEY *pkey = tk_keygen("P-384");
        char *json = tk_jwk(pkey, "k", "\"alg\":\"ES256\",");
        bad(json, "P-384 key claiming ES256");
        free(json);
        EVP_PKEY_free(pkey);
    }
    /* Key sets */
    {
        const char *jwks = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ\"},"
                           "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec\","
                           "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                           "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},{\"kty\":\"XX\"}]}";
        tap_is_int(pb_keyset_parse((const unsigned char *) jwks, strlen(jwks), &set, NULL, "t"), PB_OK,
                   "JWKS with one usable key parses");
        tap_is_int(set ? set->count : 0, 1, "oct and unknown keys are skipped");
        pb_keyset_free(set);
    }
    tap_is_int(pb_keyset_parse((const unsigned char *) "{\"keys\":[]}", 11, &set, NULL, "t"), PB_UNAVAILABLE,
               "empty JWKS is unavailable");
    tap_is_int(pb_keyset_parse((const unsigned char *) "{\"kty\":\"RSA\"}", 13, &set, NULL, "t"), PB_UNAVAILABLE,
               "a bare JWK is not a JWKS");
    tap_is_int(pb_keyset_parse((const unsigned char *) "garbage", 7, &set, NULL, "t"), PB_UNAVAILABLE,
               "garbage is unavailable");
    {
        EVP_PKEY *pkey = tk_keygen("P-256");
        BIO *bio = BIO_new(BIO_s_mem());
        char *pem;
        long len;
        PEM_write_bio_PUBKEY(bio, pkey);
        len = BIO_get_mem_data(bio, &pem);
        tap_is_int(pb_keyset_parse((const unsigned char *) pem, (size_t) len, &set, NULL, "t"), PB_OK,
                   "PEM public key parses");
        tap_ok(set && set->count == 1 && set->keys[0].kty == PB_KTY_EC && set->keys[0].kid == NULL,
               "PEM key is an EC key without kid");
        pb_keyset_free(set);
        BIO_free(bio);
        EVP_PKEY_free(pkey);
    }
    return tap_done();
}
