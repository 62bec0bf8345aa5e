/* What was typed at a login: a token (after an optional "Bearer " scheme) or
 * a password.  The one place that knows a token's alphabet, its size bound
 * (PB_JWS_MAX_TOKEN) and its scheme. */
#ifndef PB_CREDENTIAL_H
#define PB_CREDENTIAL_H

#include <stddef.h>

#include "jws.h"

/* What a compact JWS is made of: base64url and the dots between its parts. */
#define PB_TOKEN_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."

enum pb_credential_kind {
    PB_CRED_PASSWORD,   /* anything else: a password, where LDAP is configured */
    PB_CRED_TOKEN,      /* token-shaped and within the bound */
    PB_CRED_TOO_LARGE,  /* over the bound: refused unread, never a password */
    PB_CRED_CUT         /* the start of a token cut before its second dot (ssh, sudo) */
};

struct pb_credential {
    const char *typed;  /* as typed, borrowed: a password is used whole */
    size_t typed_len;
    const char *text;   /* after the scheme, pointing into typed */
    size_t len;
    enum pb_credential_kind kind;
};

/* Read typed once: strip the scheme, bound the size, classify the shape. */
void pb_credential_read(const char *typed, size_t len, struct pb_credential *out);

/* Non-zero if text looks like a JWS compact token: three non-empty parts
 * (the signature may be empty) of base64 characters.  Padding and the
 * standard alphabet count too, so a mangled token is refused as a token,
 * never tried as a password. */
int pb_credential_is_token_shaped(const char *text, size_t len);

/* The same, but the payload may be empty, as RFC 7515 allows a JWS's payload
 * to be (JOSE-only verification: bearer-token verify --signature-only). */
int pb_credential_is_jose_shaped(const char *text, size_t len);

/* Non-zero if s is nothing but the token alphabet (pieces of a token). */
int pb_credential_is_token_text(const char *s, size_t len);

/* Non-zero if s starts like a compact JWS: "eyJ", then the alphabet only. */
int pb_credential_token_prefix(const char *s, size_t len);

#endif
