/* Test-only helpers: make keys, publish them as JWKs, sign compact JWS tokens.
 * The PAM suite mints its tokens independently (python3-jwt); these let the
 * core be tested directly. */
#ifndef PB_TESTKEYS_H
#define PB_TESTKEYS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "b64url.h"

/* The core's encoder; aborts when out of memory, so callers need not check. */
static __attribute__((unused)) char *
tk_b64url(const unsigned char *data, size_t len)
{
    char *out = pb_b64url_encode(data, len);

    if (out == NULL)
        abort();
    return out;
}

static __attribute__((unused)) char *
tk_b64url_str(const char *s)
{
    return tk_b64url((const unsigned char *) s, strlen(s));
}

static __attribute__((unused)) char *
tk_bn_b64(const BIGNUM *bn, int pad_to)
{
    int len = pad_to > 0 ? pad_to : BN_num_bytes(bn);
    unsigned char *buf = malloc((size_t) len);
    char *out;

    BN_bn2binpad(bn, buf, len);
    out = tk_b64url(buf, (size_t) len);
    free(buf);
    return out;
}

/* kind: "RSA", "P-256", "P-384", "P-521", "Ed25519" */
static __attribute__((unused)) EVP_PKEY *
tk_keygen(const char *kind)
{
    if (strcmp(kind, "RSA") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    if (strcmp(kind, "Ed25519") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC",
                             strcmp(kind, "P-256") == 0 ? "prime256v1"
                             : strcmp(kind, "P-384") == 0 ? "secp384r1" : "secp521r1");
}

/* The public JWK of key as JSON text; extra is spliced in (e.g. "\"alg\":\"RS256\","). */
static __attribute__((unused)) char *
tk_jwk(EVP_PKEY *key, const char *kid, const char *extra)
{
    char *out = malloc(4096);

    if (EVP_PKEY_is_a(key, "RSA")) {
        BIGNUM *n = NULL, *e = NULL;
        char *bn, *be;
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
        bn = tk_bn_b64(n, 0);
        be = tk_bn_b64(e, 0);
        snprintf(out, 4096, "{%s\"kty\":\"RSA\",\"kid\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}", extra, kid, bn, be);
        free(bn), free(be), BN_free(n), BN_free(e);
    } else if (EVP_PKEY_is_a(key, "EC")) {
        BIGNUM *x = NULL, *y = NULL;
        int bits = EVP_PKEY_get_bits(key), len = (bits + 7) / 8;
        char *bx, *by;
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
        bx = tk_bn_b64(x, len);
        by = tk_bn_b64(y, len);
        snprintf(out, 4096, "{%s\"kty\":\"EC\",\"kid\":\"%s\",\"crv\":\"P-%d\",\"x\":\"%s\",\"y\":\"%s\"}",
                 extra, kid, bits, bx, by);
        free(bx), free(by), BN_free(x), BN_free(y);
    } else {
        unsigned char raw[64];
        size_t len = sizeof(raw);
        char *bx;
        EVP_PKEY_get_raw_public_key(key, raw, &len);
        bx = tk_b64url(raw, len);
        snprintf(out, 4096, "{%s\"kty\":\"OKP\",\"kid\":\"%s\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", extra, kid, bx);
        free(bx);
    }
    return out;
}

/* Sign header.payload (JSON texts) with alg; key is an EVP_PKEY or, for HS*, secret bytes. */
static __attribute__((unused)) char *
tk_sign(const char *alg, EVP_PKEY *key, const unsigned char *secret, size_t secret_len,
        const char *header_json, const char *claims_json)
{
    char *h = tk_b64url_str(header_json), *p = tk_b64url_str(claims_json), *input, *s, *token;
    const char *md = strstr(alg, "256") ? "SHA256" : strstr(alg, "384") ? "SHA384" : "SHA512";
    unsigned char sig[1024];
    size_t sig_len = sizeof(sig);

    input = malloc(strlen(h) + strlen(p) + 2);
    sprintf(input, "%s.%s", h, p);
    if (alg[0] == 'H') {
        EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, secret, secret_len, (unsigned char *) input,
                  strlen(input), sig, sizeof(sig), &sig_len);
    } else {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        EVP_DigestSignInit_ex(ctx, &pctx, strcmp(alg, "EdDSA") == 0 ? NULL : md, NULL, NULL, key, NULL);
        if (alg[0] == 'P') {
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
        }
        EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *) input, strlen(input));
        EVP_MD_CTX_free(ctx);
        if (alg[0] == 'E' && alg[1] == 'S') {
            /* DER to the JWS r||s form. */
            const unsigned char *der = sig;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long) sig_len);
            int half = (EVP_PKEY_get_bits(key) + 7) / 8;
            BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, half);
            BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + half, half);
            sig_len = (size_t) half * 2;
            ECDSA_SIG_free(es);
        }
    }
    s = tk_b64url(sig, sig_len);
    token = malloc(strlen(input) + strlen(s) + 2);
    sprintf(token, "%s.%s", input, s);
    free(h), free(p), free(input), free(s);
    return token;
}

#endif
