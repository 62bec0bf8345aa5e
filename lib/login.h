/* The login decision: what the user typed is a token or a password, and
 * the one entry point decides which and checks it.  pam/ maps the outcome
 * to a PAM code; nothing here knows PAM. */
#ifndef PB_LOGIN_H
#define PB_LOGIN_H

#include <stddef.h>

#include "context.h"
#include "credential.h"
#include "ldap-auth.h"
#include "status.h"
#include "token.h"

enum pb_login_kind {
    PB_LOGIN_TOKEN,
    PB_LOGIN_PASSWORD,
    PB_LOGIN_SESSION_TOKEN,     /* the session's cached token (use_session_token) */
    PB_LOGIN_ACCOUNT,           /* the account phase's check of the login's token, and the
                                 * group allow-lists (allow_groups of its issuer and of ctx->cfg) */
    PB_LOGIN_DEVICE             /* a token from the device grant (device_login) */
};

struct pb_login_result {
    enum pb_login_kind kind;
    struct pb_credential cred;      /* what was typed, read once; borrowed */
    struct pb_verdict verdict;      /* why, when PB_REJECTED */
    struct pb_token_info info;      /* token logins: identifiers for the log */
    struct pb_ldap_note note;       /* password logins: what the directory said
                                     * (note.must_change: only a change is allowed) */
};

/* Decide a login of user with typed (len bytes; borrowed by out->cred).
 * Token-shaped, oversized or cut input is a token and never reaches LDAP;
 * anything else is a password when LDAP is configured (ldap_uri, not
 * token_only) and goes to ctx->ldap's bind.  The outcome is logged in the
 * fixed vocabulary.  Returns PB_OK, PB_REJECTED (out->verdict says why),
 * PB_UNAVAILABLE, PB_CONFIG, PB_NOMEM or PB_SYSTEM. */
enum pb_status pb_login_decide(const struct pb_login_ctx *ctx, const char *user, const char *typed,
                               size_t len, struct pb_login_result *out);

/* A token already held (the one kept from the auth phase, or the session's
 * cached token): the token checks alone, logged the same way. */
enum pb_status pb_login_token(const struct pb_login_ctx *ctx, const char *user, const char *token,
                              size_t len, struct pb_login_result *out);
/* The same, counted and logged as a login of kind (the metrics' path). */
enum pb_status pb_login_token_as(const struct pb_login_ctx *ctx, enum pb_login_kind kind, const char *user,
                                 const char *token, size_t len, struct pb_login_result *out);

#endif
