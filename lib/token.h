/* The token checks: structure, algorithm, key, signature, claims.  Shared
 * by the PAM module (through login.c) and bearer-token verify, so the two
 * never disagree. */
#ifndef PB_TOKEN_H
#define PB_TOKEN_H

#include <stddef.h>
#include <time.h>

#include "context.h"
#include "credential.h"
#include "log.h"
#include "options.h"
#include "status.h"
#include "trace.h"

/* What may be logged about a token: identifiers, never the token. */
struct pb_token_info {
    char iss[256];
    char jti[72];
    char sub[72];
    char kid[72];
    char alg[16];
    char issuer[64];    /* the [issuer NAME] section that decided; "" without sections */
};

/* pb_token_check's flags. */
#define PB_TOKEN_SIGNATURE_ONLY 1   /* JOSE only, no claims policy */
#define PB_TOKEN_GROUPS 2           /* also the group allow-lists (the account phase) */

/* Check cred (read once by pb_credential_read) for user (NULL: the user
 * check is skipped) under ctx.  Returns PB_OK (accepted), PB_REJECTED (the
 * verdict says why), PB_UNAVAILABLE (no usable keys), PB_CONFIG or
 * PB_NOMEM; info holds what could be read.
 * trace NULL: stop at the first failure (a login).  Otherwise report every
 * check to trace and go on as far as the token allows; the first failure is
 * still the outcome.
 * flags: PB_TOKEN_SIGNATURE_ONLY: JOSE only, no claims policy; on success
 * *payload holds the payload bytes (a NUL-terminated copy the caller frees).
 * PB_TOKEN_GROUPS: also allow_groups.
 * With [issuer] sections in ctx->cfg the token's iss chooses one (else it is
 * refused: unknown-issuer, issuer-not-allowed, before any key is looked
 * for) and that issuer's keys and policy decide, with ctx->cfg's
 * require_claim and allow_groups besides. */
enum pb_status pb_token_check(const struct pb_login_ctx *ctx, const char *user,
                              const struct pb_credential *cred, struct pb_trace *trace,
                              int flags, struct pb_verdict *verdict,
                              struct pb_token_info *info, unsigned char **payload, size_t *payload_len);

/* The same from text, keys from pb_jwks_get and no HTTP plugin: for
 * programs that only ever read keys from files or the cache (tests,
 * benchmarks). */
enum pb_status pb_token_verify(const struct pb_config *cfg, const char *user,
                               const char *token, size_t len, time_t now,
                               const struct pb_log *log, struct pb_verdict *verdict,
                               struct pb_token_info *info);

/* Log the outcome in the fixed vocabulary:
 *   "accepted: user U (alg A, kid K, jti J)"
 *   "rejected: REASON: detail (user U, jti J, sub S)" */
void pb_token_log_outcome(const struct pb_log *log, enum pb_status status, const char *user,
                          const struct pb_verdict *verdict, const struct pb_token_info *info);

#endif
