/* JSON Web Keys (RFC 7517, RFC 7518 section 6, RFC 8037) to OpenSSL keys. */
#ifndef PB_JWK_H
#define PB_JWK_H

#include <stddef.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "alg.h"
#include "status.h"

/* RSA moduli below this are refused (RFC 7518 3.3 asks for 2048 bits). */
#define PB_RSA_MIN_BITS 2048
#define PB_ALG_SLOTS 16

struct pb_key {
    json_t *jwk;                  /* the JWK until converted (lazy conversion) */
    int state;                    /* 0 not converted yet, 1 usable, -1 unusable */
    char *kid;                    /* NULL when the key has none */
    enum pb_kty kty;
    const struct pb_alg *alg;     /* the JWK's "alg", NULL when it names none */
    const char *curve;            /* "P-256", "Ed25519"..., NULL for RSA/oct */
    int bits;
    EVP_PKEY *pkey;               /* public key (RSA, EC, OKP) */
    unsigned char *secret;        /* oct only; wiped on free */
    size_t secret_len;
    /* Verify contexts initialised once per algorithm the key may serve and
     * copied for each token: cheaper than a fresh init (indexed by alg order). */
    EVP_MD_CTX *proto[PB_ALG_SLOTS];
};

/* Convert one JWK object.  Returns PB_OK, PB_REJECTED (key unusable: err says
 * why, skip it) or PB_NOMEM.  Free with pb_key_clear. */
enum pb_status pb_jwk_to_key(json_t *jwk, struct pb_key *key, char *err, size_t errlen);

/* The cheap half of pb_jwk_to_key: read and check kty, kid, alg, use, key_ops
 * and crv, and keep a reference to the JWK; no OpenSSL work.  A key set holds
 * keys in this state until a token needs one. */
enum pb_status pb_jwk_describe(json_t *jwk, struct pb_key *key, char *err, size_t errlen);

/* The expensive half: build the OpenSSL key from a described JWK.
 * Sets key->state to 1 or -1. */
enum pb_status pb_key_convert(struct pb_key *key, char *err, size_t errlen);

/* Wrap an already loaded public key (from PEM). */
enum pb_status pb_key_from_pkey(EVP_PKEY *pkey, struct pb_key *key, char *err, size_t errlen);

/* Non-zero if this key may verify tokens of this algorithm. */
int pb_key_fits(const struct pb_key *key, const struct pb_alg *alg);

/* Prepare the verify context for one algorithm the key fits (converted keys
 * only); without one, verification initialises a fresh context. */
enum pb_status pb_key_prepare_alg(struct pb_key *key, const struct pb_alg *alg);

/* Prepare contexts for every algorithm the key fits. */
enum pb_status pb_key_prepare(struct pb_key *key);

void pb_key_clear(struct pb_key *key);

#endif
