/* The whole token decision: structure, algorithm, key, signature, claims.
 * Shared by the PAM module and bearer-token so the two never disagree. */
#ifndef PB_TOKEN_H
#define PB_TOKEN_H

#include <stddef.h>
#include <time.h>

#include "jws.h"
#include "log.h"
#include "options.h"
#include "trace.h"

/* What may be logged about a token: identifiers, never the token. */
struct pb_token_info {
    char jti[72];
    char sub[72];
    char kid[72];
    char alg[16];
};

/* Strip an optional "Bearer " scheme (RFC 6750 2.1; the scheme name is
 * case-insensitive).  Returns a pointer into text and sets *len. */
const char *pb_token_strip_scheme(const char *text, size_t *len);

/* Verify token for user under cfg at time now.  Returns PB_OK (accepted),
 * PB_REJECTED (verdict says why), PB_UNAVAILABLE (no usable keys), PB_CONFIG,
 * or PB_NOMEM.  info is filled with what could be read. */
enum pb_status pb_token_verify(const struct pb_config *cfg, const char *user,
                               const char *token, size_t len, time_t now,
                               const struct pb_log *log, struct pb_verdict *verdict,
                               struct pb_token_info *info);

/* The same decision, reporting every check to trace (see trace.h) and going
 * on past failures where the token still allows it; the outcome and verdict
 * are exactly pb_token_verify's.  user may be NULL (user check skipped). */
enum pb_status pb_token_explain(const struct pb_config *cfg, const char *user, const char *token,
                                size_t len, time_t now, const struct pb_log *log, struct pb_trace *trace,
                                struct pb_verdict *verdict, struct pb_token_info *info);

/* JOSE only: size, format, algorithm allow-list, key selection and signature,
 * under the same rules, but no claims policy; on success *payload holds the
 * payload bytes (any bytes, NUL-terminated copy; caller frees). */
enum pb_status pb_token_verify_signature(const struct pb_config *cfg, const char *token, size_t len,
                                         const struct pb_log *log, struct pb_trace *trace,
                                         struct pb_verdict *verdict, struct pb_token_info *info,
                                         unsigned char **payload, size_t *payload_len);

/* Log the outcome in the fixed vocabulary:
 *   "accepted: user U (alg A, kid K, jti J)"
 *   "rejected: REASON: detail (user U, jti J, sub S)" */
void pb_token_log_outcome(const struct pb_log *log, enum pb_status status, const char *user,
                          const struct pb_verdict *verdict, const struct pb_token_info *info);

#endif
