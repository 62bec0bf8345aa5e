/* JWK to EVP_PKEY through EVP_PKEY_fromdata: RSA, EC (P-256/384/521), OKP, oct. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "jwk.h"
#include "secret.h"

struct curve_info {
    const char *jwk_name;      /* "crv" value */
    const char *ossl_group;    /* OpenSSL group or key type name */
    size_t coord_len;          /* bytes in x (and y) */
};

static const struct curve_info ec_curves[] = {
    { "P-256", "prime256v1", 32 },
    { "P-384", "secp384r1", 48 },
    { "P-521", "secp521r1", 66 },
};

static const struct curve_info okp_curves[] = {
    { "Ed25519", "ED25519", 32 },
    { "Ed448", "ED448", 57 },
};

/* Decode a required base64url member; *out is malloc'd. */
static int
get_b64(json_t *jwk, const char *name, unsigned char **out, size_t *len, char *err, size_t errlen)
{
    json_t *v = json_object_get(jwk, name);

    if (!json_is_string(v)) {
        snprintf(err, errlen, "\"%s\" missing or not a string", name);
        return -1;
    }
    if (pb_b64url_decode_alloc(json_string_value(v), json_string_length(v), out, len) < 0) {
        snprintf(err, errlen, "\"%s\" is not strict base64url", name);
        return -1;
    }
    if (*len == 0) {
        free(*out);
        *out = NULL;
        snprintf(err, errlen, "\"%s\" is empty", name);
        return -1;
    }
    return 0;
}

static enum pb_status
pkey_from_params(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **pkey, char *err, size_t errlen)
{
    enum pb_status status = PB_REJECTED;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL, *check = NULL;

    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params == NULL || ctx == NULL) {
        status = PB_NOMEM;
        goto done;
    }
    if (EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        snprintf(err, errlen, "OpenSSL refused the %s key parameters", type);
        goto done;
    }
    /* For EC this proves the point is on the curve.  RSA is left out: its
     * public check tests the modulus for primality (milliseconds per key),
     * and a bogus modulus can only fail to verify. */
    if (strcmp(type, "RSA") == 0) {
        status = PB_OK;
        goto done;
    }
    check = EVP_PKEY_CTX_new_from_pkey(NULL, *pkey, NULL);
    if (check == NULL || EVP_PKEY_public_check(check) != 1) {
        snprintf(err, errlen, "%s public key fails validation", type);
        EVP_PKEY_free(*pkey);
        *pkey = NULL;
        goto done;
    }
    status = PB_OK;
done:
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return status;
}

static enum pb_status
rsa_key(json_t *jwk, struct pb_key *key, char *err, size_t errlen)
{
    enum pb_status status = PB_REJECTED;
    unsigned char *n = NULL, *e = NULL;
    size_t nlen, elen;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;

    if (get_b64(jwk, "n", &n, &nlen, err, errlen) < 0 || get_b64(jwk, "e", &e, &elen, err, errlen) < 0)
        goto done;
    bn_n = BN_bin2bn(n, (int) nlen, NULL);
    bn_e = BN_bin2bn(e, (int) elen, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (bn_n == NULL || bn_e == NULL || bld == NULL) {
        status = PB_NOMEM;
        goto done;
    }
    if (BN_num_bits(bn_n) < PB_RSA_MIN_BITS) {
        snprintf(err, errlen, "RSA modulus of %d bits is below %d", BN_num_bits(bn_n), PB_RSA_MIN_BITS);
        goto done;
    }
    if (!BN_is_odd(bn_e) || BN_is_one(bn_e)) {
        snprintf(err, errlen, "RSA exponent is not an odd number above 1");
        goto done;
    }
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e)) {
        status = PB_NOMEM;
        goto done;
    }
    status = pkey_from_params("RSA", bld, &key->pkey, err, errlen);
done:
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    free(n);
    free(e);
    return status;
}

static const struct curve_info *
find_curve(json_t *jwk, const struct curve_info *table, size_t count, char *err, size_t errlen)
{
    const char *crv = json_string_value(json_object_get(jwk, "crv"));

    if (crv == NULL) {
        snprintf(err, errlen, "\"crv\" missing or not a string");
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (strcmp(table[i].jwk_name, crv) == 0)
            return &table[i];
    snprintf(err, errlen, "unsupported curve");
    return NULL;
}

static enum pb_status
ec_key(json_t *jwk, struct pb_key *key, char *err, size_t errlen)
{
    enum pb_status status = PB_REJECTED;
    const struct curve_info *curve;
    unsigned char *x = NULL, *y = NULL, *point = NULL;
    size_t xlen, ylen;
    OSSL_PARAM_BLD *bld = NULL;

    curve = find_curve(jwk, ec_curves, sizeof(ec_curves) / sizeof(ec_curves[0]), err, errlen);
    if (curve == NULL)
        goto done;
    if (get_b64(jwk, "x", &x, &xlen, err, errlen) < 0 || get_b64(jwk, "y", &y, &ylen, err, errlen) < 0)
        goto done;
    /* RFC 7518 6.2.1.2: coordinates are exactly the field size, zero-padded. */
    if (xlen != curve->coord_len || ylen != curve->coord_len) {
        snprintf(err, errlen, "%s coordinates must be %zu bytes", curve->jwk_name, curve->coord_len);
        goto done;
    }
    point = malloc(1 + 2 * curve->coord_len);
    bld = OSSL_PARAM_BLD_new();
    if (point == NULL || bld == NULL) {
        status = PB_NOMEM;
        goto done;
    }
    point[0] = 0x04;   /* uncompressed SEC1 point */
    memcpy(point + 1, x, xlen);
    memcpy(point + 1 + xlen, y, ylen);
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_group, 0)
        || !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * curve->coord_len)) {
        status = PB_NOMEM;
        goto done;
    }
    status = pkey_from_params("EC", bld, &key->pkey, err, errlen);
    key->curve = curve->jwk_name;
done:
    OSSL_PARAM_BLD_free(bld);
    free(point);
    free(x);
    free(y);
    return status;
}

static enum pb_status
okp_key(json_t *jwk, struct pb_key *key, char *err, size_t errlen)
{
    enum pb_status status = PB_REJECTED;
    const struct curve_info *curve;
    unsigned char *x = NULL;
    size_t xlen;

    curve = find_curve(jwk, okp_curves, sizeof(okp_curves) / sizeof(okp_curves[0]), err, errlen);
    if (curve == NULL || get_b64(jwk, "x", &x, &xlen, err, errlen) < 0)
        goto done;
    if (xlen != curve->coord_len) {
        snprintf(err, errlen, "%s public key must be %zu bytes", curve->jwk_name, curve->coord_len);
        goto done;
    }
    key->pkey = EVP_PKEY_new_raw_public_key_ex(NULL, curve->ossl_group, NULL, x, xlen);
    if (key->pkey == NULL) {
        snprintf(err, errlen, "OpenSSL refused the %s key", curve->jwk_name);
        goto done;
    }
    key->curve = curve->jwk_name;
    status = PB_OK;
done:
    free(x);
    return status;
}

static enum pb_status
oct_key(json_t *jwk, struct pb_key *key, char *err, size_t errlen)
{
    if (get_b64(jwk, "k", &key->secret, &key->secret_len, err, errlen) < 0)
        return PB_REJECTED;
    key->bits = (int) (key->secret_len * 8);
    return PB_OK;
}

/* "use" and "key_ops" (RFC 7517 4.2, 4.3): when present they must allow verifying. */
static int
usage_allows_verify(json_t *jwk, char *err, size_t errlen)
{
    json_t *use = json_object_get(jwk, "use"), *ops = json_object_get(jwk, "key_ops"), *op;
    size_t i;

    if (use != NULL && !(json_is_string(use) && strcmp(json_string_value(use), "sig") == 0)) {
        snprintf(err, errlen, "\"use\" is not \"sig\"");
        return 0;
    }
    if (ops == NULL)
        return 1;
    if (!json_is_array(ops)) {
        snprintf(err, errlen, "\"key_ops\" is not an array");
        return 0;
    }
    json_array_foreach(ops, i, op)
        if (json_is_string(op) && strcmp(json_string_value(op), "verify") == 0)
            return 1;
    snprintf(err, errlen, "\"key_ops\" does not include \"verify\"");
    return 0;
}

static const struct curve_info *
curve_named(const char *crv, const struct curve_info *table, size_t count)
{
    for (size_t i = 0; crv != NULL && i < count; i++)
        if (strcmp(table[i].jwk_name, crv) == 0)
            return &table[i];
    return NULL;
}

enum pb_status
pb_jwk_describe(json_t *jwk, struct pb_key *key, char *err, size_t errlen)
{
    enum pb_status status = PB_REJECTED;
    json_t *kid, *alg;
    const char *kty, *crv;

    memset(key, 0, sizeof(*key));
    if (!json_is_object(jwk)) {
        snprintf(err, errlen, "key is not a JSON object");
        goto done;
    }
    kty = json_string_value(json_object_get(jwk, "kty"));
    kid = json_object_get(jwk, "kid");
    alg = json_object_get(jwk, "alg");
    crv = json_string_value(json_object_get(jwk, "crv"));
    if (kty == NULL) {
        snprintf(err, errlen, "\"kty\" missing or not a string");
        goto done;
    }
    if (kid != NULL && !json_is_string(kid)) {
        snprintf(err, errlen, "\"kid\" is not a string");
        goto done;
    }
    if (!usage_allows_verify(jwk, err, errlen))
        goto done;
    if (strcmp(kty, "RSA") == 0) {
        key->kty = PB_KTY_RSA;
    } else if (strcmp(kty, "EC") == 0) {
        const struct curve_info *c = curve_named(crv, ec_curves, sizeof(ec_curves) / sizeof(ec_curves[0]));
        key->kty = PB_KTY_EC;
        key->curve = c ? c->jwk_name : NULL;
    } else if (strcmp(kty, "OKP") == 0) {
        const struct curve_info *c = curve_named(crv, okp_curves, sizeof(okp_curves) / sizeof(okp_curves[0]));
        key->kty = PB_KTY_OKP;
        key->curve = c ? c->jwk_name : NULL;
    } else if (strcmp(kty, "oct") == 0) {
        key->kty = PB_KTY_OCT;
    } else {
        snprintf(err, errlen, "unsupported key type");
        goto done;
    }
    if ((key->kty == PB_KTY_EC || key->kty == PB_KTY_OKP) && key->curve == NULL) {
        snprintf(err, errlen, "\"crv\" missing or an unsupported curve");
        goto done;
    }
    if (alg != NULL) {
        if (!json_is_string(alg)) {
            snprintf(err, errlen, "\"alg\" is not a string");
            goto done;
        }
        key->alg = pb_alg_find(json_string_value(alg), json_string_length(alg));
        if (key->alg == NULL || key->alg->kty != key->kty) {
            snprintf(err, errlen, "\"alg\" is not a known algorithm for kty %s", kty);
            goto done;
        }
        /* An EC key's alg must name its own curve (ES256 goes with P-256 only). */
        if (key->alg->curve != NULL && strcmp(key->alg->curve, key->curve) != 0) {
            snprintf(err, errlen, "\"alg\" %s does not match curve %s", key->alg->name, key->curve);
            goto done;
        }
    }
    if (kid != NULL) {
        key->kid = strndup(json_string_value(kid), json_string_length(kid));
        if (key->kid == NULL) {
            status = PB_NOMEM;
            goto done;
        }
    }
    key->jwk = json_incref(jwk);
    status = PB_OK;
done:
    if (status != PB_OK)
        pb_key_clear(key);
    return status;
}

enum pb_status
pb_key_convert(struct pb_key *key, char *err, size_t errlen)
{
    enum pb_status status = PB_REJECTED;

    if (key->state != 0)
        return key->state > 0 ? PB_OK : PB_REJECTED;
    switch (key->kty) {
    case PB_KTY_RSA: status = rsa_key(key->jwk, key, err, errlen); break;
    case PB_KTY_EC: status = ec_key(key->jwk, key, err, errlen); break;
    case PB_KTY_OKP: status = okp_key(key->jwk, key, err, errlen); break;
    case PB_KTY_OCT: status = oct_key(key->jwk, key, err, errlen); break;
    default: break;
    }
    if (status == PB_NOMEM)
        return status;   /* may succeed next time */
    if (status == PB_OK && key->pkey != NULL)
        key->bits = EVP_PKEY_get_bits(key->pkey);
    key->state = status == PB_OK ? 1 : -1;
    json_decref(key->jwk);
    key->jwk = NULL;
    return status;
}

enum pb_status
pb_jwk_to_key(json_t *jwk, struct pb_key *key, char *err, size_t errlen)
{
    enum pb_status status = pb_jwk_describe(jwk, key, err, errlen);

    if (status == PB_OK)
        status = pb_key_convert(key, err, errlen);
    if (status != PB_OK)
        pb_key_clear(key);
    return status;
}

enum pb_status
pb_key_from_pkey(EVP_PKEY *pkey, struct pb_key *key, char *err, size_t errlen)
{
    memset(key, 0, sizeof(*key));
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        key->kty = PB_KTY_RSA;
        if (EVP_PKEY_get_bits(pkey) < PB_RSA_MIN_BITS) {
            snprintf(err, errlen, "RSA key of %d bits is below %d", EVP_PKEY_get_bits(pkey), PB_RSA_MIN_BITS);
            return PB_REJECTED;
        }
    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        char group[64];
        key->kty = PB_KTY_EC;
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL)) {
            snprintf(err, errlen, "EC key without a named curve");
            return PB_REJECTED;
        }
        for (size_t i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
            if (strcmp(group, ec_curves[i].ossl_group) == 0)
                key->curve = ec_curves[i].jwk_name;
        if (key->curve == NULL) {
            snprintf(err, errlen, "unsupported EC curve %s", group);
            return PB_REJECTED;
        }
    } else if (EVP_PKEY_is_a(pkey, "ED25519")) {
        key->kty = PB_KTY_OKP;
        key->curve = "Ed25519";
    } else if (EVP_PKEY_is_a(pkey, "ED448")) {
        key->kty = PB_KTY_OKP;
        key->curve = "Ed448";
    } else {
        snprintf(err, errlen, "unsupported public key type");
        return PB_REJECTED;
    }
    if (!EVP_PKEY_up_ref(pkey))
        return PB_NOMEM;
    key->state = 1;
    key->pkey = pkey;
    key->bits = EVP_PKEY_get_bits(pkey);
    return PB_OK;
}

int
pb_key_fits(const struct pb_key *key, const struct pb_alg *alg)
{
    if (key->kty != alg->kty)
        return 0;
    if (key->alg != NULL && key->alg != alg)
        return 0;
    if (alg->family == PB_FAM_ECDSA && (key->curve == NULL || strcmp(key->curve, alg->curve) != 0))
        return 0;
    return 1;
}

enum pb_status
pb_key_prepare_alg(struct pb_key *key, const struct pb_alg *alg)
{
    size_t slot = pb_alg_index(alg);
    EVP_PKEY_CTX *pctx = NULL;
    EVP_MD_CTX *ctx;

    /* EdDSA is one-shot and HMAC keys never come from here. */
    if (key->pkey == NULL || slot >= PB_ALG_SLOTS || key->proto[slot] != NULL || alg->digest == NULL
        || alg->family == PB_FAM_HMAC || !pb_key_fits(key, alg))
        return PB_OK;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return PB_NOMEM;
    if (EVP_DigestVerifyInit_ex(ctx, &pctx, alg->digest, NULL, NULL, key->pkey, NULL) != 1
        || (alg->family == PB_FAM_RSA_PSS
            && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1
                || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))) {
        /* Not fatal: verification falls back to a fresh context. */
        EVP_MD_CTX_free(ctx);
        return PB_OK;
    }
    key->proto[slot] = ctx;
    return PB_OK;
}

enum pb_status
pb_key_prepare(struct pb_key *key)
{
    size_t count;
    const struct pb_alg *algs = pb_alg_all(&count);
    enum pb_status status = PB_OK;

    for (size_t i = 0; i < count && status == PB_OK; i++)
        status = pb_key_prepare_alg(key, &algs[i]);
    return status;
}

void
pb_key_clear(struct pb_key *key)
{
    json_decref(key->jwk);
    for (size_t i = 0; i < PB_ALG_SLOTS; i++)
        EVP_MD_CTX_free(key->proto[i]);
    EVP_PKEY_free(key->pkey);
    pb_secret_free(key->secret, key->secret_len);
    free(key->kid);
    memset(key, 0, sizeof(*key));
}
