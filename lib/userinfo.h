/* The optional userinfo fallback (OpenID Connect Core 1.0, section 5.3): a
 * claim the policy needs and the verified token lacks is asked of the
 * issuer's userinfo endpoint, with the token, and used only when the
 * answer's sub is the token's (section 5.3.2).  Answers are cached in
 * cache_dir until the token expires. */
#ifndef PB_USERINFO_H
#define PB_USERINFO_H

#include <stddef.h>
#include <jansson.h>

#include "context.h"
#include "status.h"
#include "trace.h"

/* Largest userinfo answer read. */
#define PB_USERINFO_MAX (64 * 1024)

/* After the signature holds: when issuer has userinfo_endpoint and claims
 * (the token's, verified) lack a top-level claim that a policy needs
 * (issuer's user_claim and require_claim, service's require_claim, and with
 * groups set the groups_claim when an allow_groups list applies), add the
 * missing ones to claims from the answer for token (len bytes).  Nothing
 * is asked when nothing is missing or the token has expired.
 * PB_OK (claims may have grown), PB_REJECTED (verdict userinfo: an answer
 * for another sub, or a token without sub), PB_UNAVAILABLE (no usable
 * answer; logged) or PB_NOMEM. */
enum pb_status pb_userinfo_fill(const struct pb_login_ctx *ctx, const struct pb_config *issuer,
                                const struct pb_config *service, int groups, const char *token, size_t len,
                                json_t *claims, const struct pb_trace *trace, struct pb_verdict *verdict);

#endif
