/* JWS compact serialization (RFC 7515 section 7.1): parsing with bounded sizes,
 * header rules, and signature verification with a key. */
#ifndef PB_JWS_H
#define PB_JWS_H

#include <stddef.h>
#include <jansson.h>

#include "alg.h"
#include "status.h"

/* The one bound on a token's size, for the module and bearer-token alike
 * (conversation, login, store, the authority's replies, the cache file).
 * Tokens of 16 KiB are normal; anything over this is refused unread. */
#define PB_JWS_MAX_TOKEN (64 * 1024)
/* JSON nesting allowed in a header or claims set, the outer object counting
 * as level 1.  The bound protects the stack (jansson recurses once per level);
 * it is not a policy, and tokens real identity providers issue nest far less,
 * so nothing up to 64 levels is refused. */
#define PB_JSON_MAX_DEPTH 64

struct pb_key;

struct pb_jws {
    const char *token;         /* borrowed; must outlive the struct */
    size_t signing_len;        /* length of "header.payload" */
    const char *payload_b64;
    size_t payload_b64_len;
    json_t *header;
    json_t *claims;            /* NULL until pb_jws_parse_claims */
    const struct pb_alg *alg;  /* NULL if the header names an unknown algorithm */
    const char *alg_name;      /* as written, for logs (points into header) */
    const char *kid;           /* NULL when absent (points into header) */
    unsigned char *sig;        /* sig_buf, or heap for unusually long signatures */
    size_t sig_len;
    unsigned char sig_buf[640];   /* RSA up to 4096 bits without a malloc */
};

/* Parse the token's structure and header.  Claims are not decoded yet: they are
 * only read once the signature holds.  Returns PB_OK, PB_REJECTED (verdict set)
 * or PB_NOMEM.  Free with pb_jws_clear even on failure.  The size is the
 * caller's to bound: pb_credential_read refuses anything over
 * PB_JWS_MAX_TOKEN before a token gets here (the one place that checks it);
 * this allocates at most len bytes. */
enum pb_status pb_jws_parse(const char *token, size_t len, struct pb_jws *jws,
                            struct pb_verdict *verdict);

/* pb_jws_parse for JOSE-only verification: the payload may be empty. */
enum pb_status pb_jws_parse_jose(const char *token, size_t len, struct pb_jws *jws,
                                 struct pb_verdict *verdict);

/* Decode and parse the claims set (a JSON object). */
enum pb_status pb_jws_parse_claims(struct pb_jws *jws, struct pb_verdict *verdict);

/* Check the signature with one key.  PB_OK if it verifies, PB_REJECTED if not. */
enum pb_status pb_jws_verify(const struct pb_jws *jws, const struct pb_key *key,
                             const unsigned char *hmac_secret, size_t hmac_secret_len);

/* Parse a bounded JSON object (depth-capped, duplicate names refused). */
json_t *pb_json_parse_object(const unsigned char *data, size_t len, char *err, size_t errlen);

void pb_jws_clear(struct pb_jws *jws);

#endif
