/*
 * fuzz-jws: libFuzzer target for the token path.
 *
 * Each input is taken as the password a user typed.  It goes through
 *   1. pb_credential_read (scheme, size, shape), pb_jws_parse and, when the
 *      structure parses, pb_jws_verify against every key of a small key set
 *      that fits (through pb_keyset_key, which converts keys lazily) and the
 *      HMAC secret, pb_jws_parse_claims and pb_claims_check under two
 *      configurations (claims are checked here whatever the signature, so the
 *      fuzzer reaches the claims policy without forging signatures);
 *   2. pb_token_verify, the whole decision, under the first configuration;
 *   3. pb_token_verify again on the same header and payload re-signed with the
 *      target's own key (HS*, ES256, EdDSA: cheap to sign), under both
 *      configurations, so that the accepting path and the policy after a good
 *      signature are exercised on fuzzer-chosen claims; and under a third,
 *      two [issuer] sections (routing by iss, every user mapping step, claims
 *      at a path), whose group lists also see the claims of step 1.
 *
 * LLVMFuzzerInitialize generates an RSA-2048, a P-256 and an Ed25519 key with
 * OpenSSL, writes their public halves as a JWKS file and a fixed HMAC secret
 * into a private temporary directory (removed at exit), and builds the two
 * configurations.  The HMAC secret is fixed so that HS256 seeds in the corpus
 * verify as they are.  "Now" is fixed too, so runs are reproducible.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "alg.h"
#include "b64url.h"
#include "claim-path.h"
#include "claims.h"
#include "credential.h"
#include "issuer.h"
#include "jwk.h"
#include "jws.h"
#include "keyset.h"
#include "log.h"
#include "options.h"
#include "token.h"
#include "fuzz-util.h"

/* 2023-11-14T22:13:20Z; seed tokens carry exp far after it. */
#define FUZZ_NOW ((time_t) 1700000000)
#define FUZZ_USER "alice"

/* The bytes the HS* seeds in tests/fuzz/corpus/jws were signed with. */
static const char hmac_secret[] = "pam_bearer fuzzing secret: 64 bytes, enough for HS512 (0123456789)";

static char tmpdir[PATH_MAX];
static char jwks_path[PATH_MAX + 32];
static char hmac_path[PATH_MAX + 32];
static EVP_PKEY *rsa_key, *ec_key, *ed_key;
static struct pb_keyset *keyset;
static struct pb_config configs[3], people;

static void
discard_check(void *ctx, const char *name, enum pb_check_outcome outcome, const char *detail)
{
    (void) ctx, (void) name, (void) outcome, (void) detail;
}

static const struct pb_trace fuzz_trace = { discard_check, NULL, NULL, NULL, "" };

#define die(what) fuzz_die("fuzz-jws", what)

static void
set_b64_member(json_t *obj, const char *name, const unsigned char *data, size_t len)
{
    char *text = pb_b64url_encode(data, len);

    if (text == NULL || json_object_set_new(obj, name, json_string(text)) != 0)
        die("jansson");
    free(text);
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

    if (fd < 0 || fchmod(fd, mode) != 0 || write(fd, data, len) != (ssize_t) len || close(fd) != 0)
        die(path);
}

static json_t *
rsa_jwk(void)
{
    BIGNUM *n = NULL, *e = NULL;
    unsigned char buf[1024];
    json_t *jwk = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "kid", "rsa-1", "use", "sig");

    if (jwk == NULL || !EVP_PKEY_get_bn_param(rsa_key, OSSL_PKEY_PARAM_RSA_N, &n)
        || !EVP_PKEY_get_bn_param(rsa_key, OSSL_PKEY_PARAM_RSA_E, &e))
        die("RSA parameters");
    set_b64_member(jwk, "n", buf, (size_t) BN_bn2bin(n, buf));
    set_b64_member(jwk, "e", buf, (size_t) BN_bn2bin(e, buf));
    BN_free(n);
    BN_free(e);
    return jwk;
}

static json_t *
ec_jwk(void)
{
    unsigned char point[65];
    size_t len = 0;
    json_t *jwk = json_pack("{s:s, s:s, s:s}", "kty", "EC", "kid", "ec-1", "crv", "P-256");

    if (jwk == NULL
        || !EVP_PKEY_get_octet_string_param(ec_key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                            sizeof(point), &len)
        || len != 65 || point[0] != 0x04)
        die("EC public point");
    set_b64_member(jwk, "x", point + 1, 32);
    set_b64_member(jwk, "y", point + 33, 32);
    return jwk;
}

static json_t *
ed_jwk(void)
{
    unsigned char raw[32];
    size_t len = sizeof(raw);
    json_t *jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "OKP", "kid", "ed-1", "crv", "Ed25519",
                            "alg", "EdDSA");

    if (jwk == NULL || !EVP_PKEY_get_raw_public_key(ed_key, raw, &len) || len != 32)
        die("Ed25519 public key");
    set_b64_member(jwk, "x", raw, len);
    return jwk;
}

static void
apply(struct pb_config *cfg, const char *word)
{
    char err[256];

    if (pb_config_apply(cfg, word, PB_W_MODULE, err, sizeof(err)) != PB_OK) {
        fprintf(stderr, "fuzz-jws: init: %s: %s\n", word, err);
        abort();
    }
}

static void
make_config(struct pb_config *cfg, const char *const *words, size_t count)
{
    char err[256], word[PATH_MAX + 64];

    if (pb_config_init(cfg) != PB_OK)
        die("pb_config_init");
    snprintf(word, sizeof(word), "jwks=%s", jwks_path);
    apply(cfg, word);
    snprintf(word, sizeof(word), "hmac_key_file=%s", hmac_path);
    apply(cfg, word);
    for (size_t i = 0; i < count; i++)
        apply(cfg, words[i]);
    if (pb_config_finish(cfg, err, sizeof(err)) != PB_OK) {
        fprintf(stderr, "fuzz-jws: init: pb_config_finish: %s\n", err);
        abort();
    }
}

/* The third configuration: two [issuer] sections, the token's issuer
 * mapping its email through every step, and a CI-like one, so that routing
 * by iss and the mapping see fuzzer-chosen claims. */
static void
make_routed(struct pb_config *cfg)
{
    static const char *const people_keys[][2] = {
        { "issuer", "https://issuer.example" }, { "algorithms", "ES256,EdDSA,HS256" },
        { "user_claim", "email" }, { "user_strip_domain", "example.com" }, { "user_lowercase", "true" },
        { "user_regex", "([a-z0-9._-]+)" }, { "user_template", "%s" }, { "groups_claim", "realm_access.roles" },
        { "allow_groups", "admins" }, { "require_claim", "resource_access.app.roles=login" },
    };
    static const char *const ci_keys[][2] = {
        { "issuer", "https://ci.example" }, { "algorithms", "HS256" }, { "user_claim", "repository" },
        { "user_template", "deploy" }, { "require_claim", "ref=refs/heads/main" },
    };
    char err[256], path[PATH_MAX + 64];
    int ok = pb_config_init(cfg) == PB_OK;

    ok = ok && pb_issuer_begin(cfg, "people", err, sizeof(err)) == PB_OK;
    snprintf(path, sizeof(path), "%s", jwks_path);
    ok = ok && pb_issuer_set(cfg, "jwks", path, err, sizeof(err)) == PB_OK;
    snprintf(path, sizeof(path), "%s", hmac_path);
    ok = ok && pb_issuer_set(cfg, "hmac_key_file", path, err, sizeof(err)) == PB_OK;
    for (size_t i = 0; ok && i < sizeof(people_keys) / sizeof(people_keys[0]); i++)
        ok = pb_issuer_set(cfg, people_keys[i][0], people_keys[i][1], err, sizeof(err)) == PB_OK;
    ok = ok && pb_issuer_begin(cfg, "ci", err, sizeof(err)) == PB_OK
         && pb_issuer_set(cfg, "hmac_key_file", path, err, sizeof(err)) == PB_OK;
    for (size_t i = 0; ok && i < sizeof(ci_keys) / sizeof(ci_keys[0]); i++)
        ok = pb_issuer_set(cfg, ci_keys[i][0], ci_keys[i][1], err, sizeof(err)) == PB_OK;
    if (!ok || pb_config_finish(cfg, err, sizeof(err)) != PB_OK
        || pb_issuer_build(cfg, pb_issuer_route(cfg, "https://issuer.example", 22), &people, err, sizeof(err))
               != PB_OK) {
        fprintf(stderr, "fuzz-jws: init: issuers: %s\n", err);
        abort();
    }
}

static void
cleanup(void)
{
    pb_config_free(&configs[0]);
    pb_config_free(&configs[1]);
    pb_config_free(&people);
    pb_config_free(&configs[2]);
    pb_keyset_free(keyset);
    EVP_PKEY_free(rsa_key);
    EVP_PKEY_free(ec_key);
    EVP_PKEY_free(ed_key);
    if (tmpdir[0] != '\0') {
        unlink(jwks_path);
        unlink(hmac_path);
        rmdir(tmpdir);
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const strict[] = {
        "algorithms=RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA,HS256,HS384,HS512",
        "issuer=https://issuer.example", "audience=pam-fuzz,other", "leeway=60",
    };
    static const char *const lax[] = {
        "algorithms=ES256,EdDSA,HS256,HS512", "user_claim=uid", "leeway=0",
        "require_claim=scope=login", "require_claim=groups=admins",
    };
    const char *base = getenv("TMPDIR");
    json_t *jwks;
    char *text;

    (void) argc;
    (void) argv;
    snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz-jws-XXXXXX", base != NULL && base[0] == '/' ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL)
        die("mkdtemp");
    atexit(cleanup);
    snprintf(jwks_path, sizeof(jwks_path), "%s/jwks.json", tmpdir);
    snprintf(hmac_path, sizeof(hmac_path), "%s/hmac.key", tmpdir);

    rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ed_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (rsa_key == NULL || ec_key == NULL || ed_key == NULL)
        die("key generation");

    jwks = json_pack("{s:[o, o, o]}", "keys", rsa_jwk(), ec_jwk(), ed_jwk());
    text = jwks != NULL ? json_dumps(jwks, JSON_INDENT(1)) : NULL;
    if (text == NULL)
        die("JWKS");
    write_file(jwks_path, text, strlen(text), 0644);
    write_file(hmac_path, hmac_secret, sizeof(hmac_secret) - 1, 0600);
    if (pb_keyset_parse((const unsigned char *) text, strlen(text), &keyset, &fuzz_log, "fuzz") != PB_OK
        || keyset->count != 3)
        die("pb_keyset_parse of our own JWKS");
    free(text);
    json_decref(jwks);

    make_config(&configs[0], strict, sizeof(strict) / sizeof(strict[0]));
    make_config(&configs[1], lax, sizeof(lax) / sizeof(lax[0]));
    make_routed(&configs[2]);
    return 0;
}

/* Sign input[0..len) as alg names; returns the raw JWS signature or NULL. */
static unsigned char *
sign_as(const struct pb_alg *alg, const char *input, size_t len, size_t *sig_len)
{
    unsigned char *sig = NULL, *der = NULL;
    EVP_MD_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    ECDSA_SIG *ecsig = NULL;
    size_t der_len = 0;

    if (alg->family == PB_FAM_HMAC) {
        sig = malloc(EVP_MAX_MD_SIZE);
        if (sig != NULL
            && EVP_Q_mac(NULL, "HMAC", NULL, alg->digest, NULL, hmac_secret, sizeof(hmac_secret) - 1,
                         (const unsigned char *) input, len, sig, EVP_MAX_MD_SIZE, sig_len) == NULL) {
            free(sig);
            sig = NULL;
        }
        return sig;
    }
    if (alg->family == PB_FAM_ECDSA && strcmp(alg->name, "ES256") == 0)
        key = ec_key;
    else if (alg->family == PB_FAM_EDDSA)
        key = ed_key;
    else
        return NULL;   /* RSA signing costs a millisecond: not per input */

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestSignInit_ex(ctx, NULL, alg->digest, NULL, NULL, key, NULL) != 1
        || EVP_DigestSign(ctx, NULL, &der_len, (const unsigned char *) input, len) != 1)
        goto done;
    der = malloc(der_len);
    if (der == NULL || EVP_DigestSign(ctx, der, &der_len, (const unsigned char *) input, len) != 1)
        goto done;
    if (key == ed_key) {
        sig = der;
        der = NULL;
        *sig_len = der_len;
        goto done;
    }
    {
        const unsigned char *p = der;
        const BIGNUM *r, *s;
        ecsig = d2i_ECDSA_SIG(NULL, &p, (long) der_len);
        if (ecsig == NULL)
            goto done;
        ECDSA_SIG_get0(ecsig, &r, &s);
        sig = malloc(64);
        if (sig == NULL || BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32) {
            free(sig);
            sig = NULL;
            goto done;
        }
        *sig_len = 64;
    }
done:
    ECDSA_SIG_free(ecsig);
    free(der);
    EVP_MD_CTX_free(ctx);
    return sig;
}

static void
verify_token(const struct pb_config *cfg, const char *token, size_t len)
{
    struct pb_verdict verdict;
    struct pb_token_info info;
    enum pb_status status;

    status = pb_token_verify(cfg, FUZZ_USER, token, len, FUZZ_NOW, &fuzz_log, &verdict, &info);
    pb_token_log_outcome(&fuzz_log, status, FUZZ_USER, &verdict, &info);
    if (status == PB_OK && verdict.reason != PB_R_NONE)
        abort();   /* an accepted token must not carry a rejection reason */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *) data, *token;
    struct pb_credential cred;
    struct pb_verdict verdict;
    struct pb_jws jws;
    char *resigned = NULL;
    size_t len = size, resigned_len = 0;

    pb_credential_read(text, size, &cred);
    token = cred.text;
    len = cred.len;

    /* 1. The pieces, one by one. */
    if (pb_jws_parse(token, len, &jws, &verdict) == PB_OK) {
        unsigned char *sig;
        size_t sig_len = 0;

        /* Keys are converted lazily: ask the set for each one that fits. */
        for (size_t i = 0; jws.alg != NULL && i < keyset->count; i++) {
            const struct pb_key *key;
            if (!pb_key_fits(&keyset->keys[i], jws.alg))
                continue;
            key = pb_keyset_key(keyset, i, jws.alg, &fuzz_log);
            if (key != NULL)
                (void) pb_jws_verify(&jws, key, NULL, 0);
        }
        (void) pb_jws_verify(&jws, NULL, (const unsigned char *) hmac_secret, sizeof(hmac_secret) - 1);
        if (pb_jws_parse_claims(&jws, &verdict) == PB_OK) {
            (void) pb_claims_check(&configs[0], jws.claims, FUZZ_USER, FUZZ_NOW, NULL, &verdict);
            (void) pb_claims_check(&configs[1], jws.claims, FUZZ_USER, FUZZ_NOW, &fuzz_trace, &verdict);
            (void) pb_claims_groups(&people, &configs[1], jws.claims, &fuzz_trace, &verdict);
        }
        /* Keep header and payload, replace the signature with a good one. */
        if (jws.alg != NULL
            && (sig = sign_as(jws.alg, token, jws.signing_len, &sig_len)) != NULL) {
            char *sig_b64 = pb_b64url_encode(sig, sig_len);
            size_t sig_b64_len = sig_b64 != NULL ? strlen(sig_b64) : 0;
            resigned_len = jws.signing_len + 1 + sig_b64_len;
            resigned = sig_b64 != NULL ? malloc(resigned_len) : NULL;   /* NULL: skip step 3 */
            if (resigned != NULL) {
                memcpy(resigned, token, jws.signing_len);
                resigned[jws.signing_len] = '.';
                memcpy(resigned + jws.signing_len + 1, sig_b64, sig_b64_len);
            }
            free(sig_b64);
            free(sig);
        }
    }
    pb_jws_clear(&jws);
    ERR_clear_error();

    /* 2. The whole decision on the input as typed (scheme and all). */
    verify_token(&configs[0], text, size);

    /* 3. The decision on the re-signed token. */
    if (resigned != NULL) {
        verify_token(&configs[0], resigned, resigned_len);
        verify_token(&configs[1], resigned, resigned_len);
        verify_token(&configs[2], resigned, resigned_len);
        free(resigned);
    }
    ERR_clear_error();
    return 0;
}
