/* The JWS algorithms we know (RFC 7518 section 3, RFC 8037) and what each needs. */
#ifndef PB_ALG_H
#define PB_ALG_H

#include <stddef.h>
#include <openssl/evp.h>

enum pb_kty { PB_KTY_NONE = 0, PB_KTY_RSA, PB_KTY_EC, PB_KTY_OKP, PB_KTY_OCT };

enum pb_alg_family { PB_FAM_RSA_PKCS1, PB_FAM_RSA_PSS, PB_FAM_ECDSA, PB_FAM_EDDSA, PB_FAM_HMAC };

struct pb_alg {
    const char *name;          /* "RS256" */
    enum pb_alg_family family;
    enum pb_kty kty;           /* the only key type it may be used with */
    const char *digest;        /* OpenSSL digest name; NULL for EdDSA */
    const char *curve;         /* EC group or OKP curve, NULL otherwise */
    size_t sig_len;            /* exact signature length, 0 when key-dependent */
    unsigned bit;              /* this algorithm's bit in an allow-list mask */
};

/* The algorithm named exactly (case matters: "none" and "None" are unknown), or NULL. */
const struct pb_alg *pb_alg_find(const char *name, size_t len);

/* Every known algorithm, for iteration; count in *n. */
const struct pb_alg *pb_alg_all(size_t *n);

/* Position of alg in the table (0..n-1), for per-algorithm arrays. */
size_t pb_alg_index(const struct pb_alg *alg);

const char *pb_kty_name(enum pb_kty kty);

#endif
