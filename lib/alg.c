/* Table of JWS algorithms. */
#include "config.h"

#include <string.h>

#include "alg.h"

static const struct pb_alg algs[] = {
    { "RS256", PB_FAM_RSA_PKCS1, PB_KTY_RSA, "SHA256", NULL, 0, 1u << 0 },
    { "RS384", PB_FAM_RSA_PKCS1, PB_KTY_RSA, "SHA384", NULL, 0, 1u << 1 },
    { "RS512", PB_FAM_RSA_PKCS1, PB_KTY_RSA, "SHA512", NULL, 0, 1u << 2 },
    { "PS256", PB_FAM_RSA_PSS, PB_KTY_RSA, "SHA256", NULL, 0, 1u << 3 },
    { "PS384", PB_FAM_RSA_PSS, PB_KTY_RSA, "SHA384", NULL, 0, 1u << 4 },
    { "PS512", PB_FAM_RSA_PSS, PB_KTY_RSA, "SHA512", NULL, 0, 1u << 5 },
    { "ES256", PB_FAM_ECDSA, PB_KTY_EC, "SHA256", "P-256", 64, 1u << 6 },
    { "ES384", PB_FAM_ECDSA, PB_KTY_EC, "SHA384", "P-384", 96, 1u << 7 },
    { "ES512", PB_FAM_ECDSA, PB_KTY_EC, "SHA512", "P-521", 132, 1u << 8 },
    { "EdDSA", PB_FAM_EDDSA, PB_KTY_OKP, NULL, NULL, 0, 1u << 9 },
    { "HS256", PB_FAM_HMAC, PB_KTY_OCT, "SHA256", NULL, 32, 1u << 10 },
    { "HS384", PB_FAM_HMAC, PB_KTY_OCT, "SHA384", NULL, 48, 1u << 11 },
    { "HS512", PB_FAM_HMAC, PB_KTY_OCT, "SHA512", NULL, 64, 1u << 12 },
};

const struct pb_alg *
pb_alg_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
        if (strlen(algs[i].name) == len && memcmp(algs[i].name, name, len) == 0)
            return &algs[i];
    return NULL;
}

const struct pb_alg *
pb_alg_all(size_t *n)
{
    *n = sizeof(algs) / sizeof(algs[0]);
    return algs;
}

size_t
pb_alg_index(const struct pb_alg *alg)
{
    return (size_t) (alg - algs);
}

const char *
pb_kty_name(enum pb_kty kty)
{
    switch (kty) {
    case PB_KTY_RSA: return "RSA";
    case PB_KTY_EC: return "EC";
    case PB_KTY_OKP: return "OKP";
    case PB_KTY_OCT: return "oct";
    default: return "none";
    }
}
