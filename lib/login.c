/* The login decision: read what was typed once, then the token checks or
 * the password backend, and one log line for the outcome. */
#include "config.h"

#include <string.h>

#include "login.h"

/* What was typed is not a token: the directory's bind decides. */
static enum pb_status
password_login(const struct pb_login_ctx *ctx, const char *user, struct pb_login_result *out)
{
    const struct pb_ldap_ops *ops = ctx->ldap != NULL ? ctx->ldap(ctx->log) : NULL;
    enum pb_status status;
    char shown[96];

    if (ops == NULL)
        return PB_UNAVAILABLE;
    status = ops->authenticate(ctx->cfg, user, out->cred.typed, ctx->log, &out->verdict, &out->note);
    pb_log_sanitize(shown, sizeof(shown), user, strlen(user));
    if (status == PB_OK)
        pb_log(ctx->log, LOG_INFO, "accepted: user %s (password, LDAP bind%s)", shown,
               out->note.must_change ? "; the password must be changed" : "");
    else if (status == PB_REJECTED)
        pb_log(ctx->log, LOG_NOTICE, "rejected: %s: %s (user %s, password)", pb_reason_name(out->verdict.reason),
               out->verdict.detail, shown);
    else
        pb_log(ctx->log, LOG_ERR, "%s: password for user %s not checked", pb_status_name(status), shown);
    return status;
}

static enum pb_status
token_login(const struct pb_login_ctx *ctx, const char *user, int flags, struct pb_login_result *out)
{
    enum pb_status status;

    out->kind = PB_LOGIN_TOKEN;
    status = pb_token_check(ctx, user, &out->cred, NULL, flags, &out->verdict, &out->info, NULL, NULL);
    pb_token_log_outcome(ctx->log, status, user, &out->verdict, &out->info);
    return status;
}

static void
result_init(struct pb_login_result *out, const char *typed, size_t len)
{
    memset(out, 0, sizeof(*out));
    out->verdict.reason = PB_R_NONE;
    pb_credential_read(typed, len, &out->cred);
}

enum pb_status
pb_login_decide(const struct pb_login_ctx *ctx, const char *user, const char *typed, size_t len,
                struct pb_login_result *out)
{
    result_init(out, typed, len);
    if (out->cred.kind == PB_CRED_PASSWORD && ctx->cfg->ldap_uris.count > 0 && !ctx->cfg->token_only) {
        out->kind = PB_LOGIN_PASSWORD;
        return password_login(ctx, user, out);
    }
    return token_login(ctx, user, 0, out);
}

enum pb_status
pb_login_token(const struct pb_login_ctx *ctx, const char *user, const char *token, size_t len,
               struct pb_login_result *out)
{
    result_init(out, token, len);
    return token_login(ctx, user, 0, out);
}

enum pb_status
pb_login_account(const struct pb_login_ctx *ctx, const char *user, const char *token, size_t len,
                 struct pb_login_result *out)
{
    result_init(out, token, len);
    return token_login(ctx, user, PB_TOKEN_GROUPS, out);
}
