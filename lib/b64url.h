/* Strict base64url (RFC 7515 section 2, RFC 4648 section 5): no padding, no
 * '+' or '/', no whitespace, and unused trailing bits must be zero. */
#ifndef PB_B64URL_H
#define PB_B64URL_H

#include <stddef.h>

/* Bytes needed to decode len characters (an upper bound). */
#define PB_B64URL_DECODED_MAX(len) (((len) / 4) * 3 + 2)

/* Decode in[0..len) into out (at least PB_B64URL_DECODED_MAX(len) bytes).
 * Returns 0 and sets *outlen, or -1 if the input is not canonical base64url. */
int pb_b64url_decode(const char *in, size_t len, unsigned char *out, size_t *outlen);

/* Same, into a fresh buffer with a NUL after the data; caller frees. */
int pb_b64url_decode_alloc(const char *in, size_t len, unsigned char **out, size_t *outlen);

/* Encode in[0..len) without padding into a fresh NUL-terminated string;
 * NULL when out of memory.  Caller frees. */
char *pb_b64url_encode(const unsigned char *in, size_t len);

/* Non-zero if every byte of in[0..len) is in the base64url alphabet. */
int pb_b64url_is_alphabet(const char *in, size_t len);

#endif
