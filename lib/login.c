/* The login decision: read what was typed once, then the token checks or
 * the password backend, and one record of the outcome: the log line (sent
 * to the journal with its fields where one listens) and the counters. */
#include "config.h"

#include <string.h>

#include "journal.h"
#include "login.h"
#include "metrics.h"

/* Where the decision's line goes: the journal with the decision's fields,
 * else (no journal, or it did not take it) the ordinary log. */
struct decision_log {
    const struct pb_login_ctx *ctx;
    struct pb_journal_fields fields;
};

static void
decision_sink(void *opaque, int priority, const char *line)
{
    struct decision_log *d = opaque;
    const struct pb_log *log = d->ctx->log;

    if (d->ctx->journal != NULL && pb_journal_send(d->ctx->journal, priority, line, &d->fields) == 0)
        return;
    if (log != NULL && log->sink != NULL)
        log->sink(log->ctx, priority, line);
}

static void
decision_log_init(struct decision_log *d, struct pb_log *log, const struct pb_login_ctx *ctx,
                  enum pb_metrics_path path, const char *user, enum pb_status status,
                  const struct pb_login_result *out)
{
    memset(d, 0, sizeof(*d));
    d->ctx = ctx;
    d->fields.message_id = status == PB_OK ? PB_JOURNAL_ID_ACCEPTED
                           : status == PB_REJECTED ? PB_JOURNAL_ID_REJECTED : PB_JOURNAL_ID_NOT_CHECKED;
    d->fields.result = (unsigned) status < PB_METRICS_STATUSES ? pb_metrics_result_names[status] : "unknown";
    d->fields.reason = status == PB_REJECTED ? pb_reason_name(out->verdict.reason) : NULL;
    d->fields.path = pb_metrics_path_names[path];
    d->fields.user = user;
    if (out->kind != PB_LOGIN_PASSWORD) {
        d->fields.issuer = out->info.iss;
        d->fields.jti = out->info.jti;
        d->fields.kid = out->info.kid;
    }
    log->sink = decision_sink;
    log->ctx = d;
    log->debug = ctx->log != NULL ? ctx->log->debug : 0;
}

static enum pb_metrics_event
bind_event(enum pb_status status)
{
    switch (status) {
    case PB_OK:
        return PB_M_LDAP_BIND_SUCCESS;
    case PB_REJECTED:
        return PB_M_LDAP_BIND_REJECTED;
    case PB_UNAVAILABLE:
        return PB_M_LDAP_BIND_UNAVAILABLE;
    default:
        return PB_M_LDAP_BIND_ERROR;
    }
}

/* What was typed is not a token: the directory's bind decides. */
static enum pb_status
password_login(const struct pb_login_ctx *ctx, const char *user, struct pb_login_result *out, uint64_t start)
{
    const struct pb_ldap_ops *ops = ctx->ldap != NULL ? ctx->ldap(ctx->log) : NULL;
    enum pb_status status = PB_UNAVAILABLE;
    struct decision_log d;
    struct pb_log log;
    char shown[96];

    if (ops != NULL) {
        status = ops->authenticate(ctx->cfg, user, out->cred.typed, ctx->log, &out->verdict, &out->note);
        pb_metrics_add(ctx->metrics, bind_event(status));
    }
    pb_metrics_login(ctx->metrics, PB_MP_PASSWORD, status, out->verdict.reason, start);
    if (ops == NULL)
        return status;
    pb_log_sanitize(shown, sizeof(shown), user, strlen(user));
    decision_log_init(&d, &log, ctx, PB_MP_PASSWORD, shown, status, out);
    if (status == PB_OK)
        pb_log(&log, LOG_INFO, "accepted: user %s (password, LDAP bind%s)", shown,
               out->note.must_change ? "; the password must be changed" : "");
    else if (status == PB_REJECTED)
        pb_log(&log, LOG_NOTICE, "rejected: %s: %s (user %s, password)", pb_reason_name(out->verdict.reason),
               out->verdict.detail, shown);
    else
        pb_log(&log, LOG_ERR, "%s: password for user %s not checked", pb_status_name(status), shown);
    return status;
}

static enum pb_status
token_login(const struct pb_login_ctx *ctx, enum pb_metrics_path path, const char *user, int flags,
            struct pb_login_result *out, uint64_t start)
{
    enum pb_status status;
    struct decision_log d;
    struct pb_log log;
    char shown[96];

    status = pb_token_check(ctx, user, &out->cred, NULL, flags, &out->verdict, &out->info, NULL, NULL);
    pb_metrics_login(ctx->metrics, path, status, out->verdict.reason, start);
    pb_log_sanitize(shown, sizeof(shown), user, strlen(user));
    decision_log_init(&d, &log, ctx, path, shown, status, out);
    pb_token_log_outcome(&log, status, user, &out->verdict, &out->info);
    return status;
}

static void
result_init(struct pb_login_result *out, const char *typed, size_t len)
{
    memset(out, 0, sizeof(*out));
    out->verdict.reason = PB_R_NONE;
    pb_credential_read(typed, len, &out->cred);
}

/* The clock is read only when something counts. */
static uint64_t
start_clock(const struct pb_login_ctx *ctx)
{
    return ctx->metrics != NULL ? pb_metrics_clock() : 0;
}

enum pb_status
pb_login_decide(const struct pb_login_ctx *ctx, const char *user, const char *typed, size_t len,
                struct pb_login_result *out)
{
    uint64_t start = start_clock(ctx);

    result_init(out, typed, len);
    if (out->cred.kind == PB_CRED_PASSWORD && ctx->cfg->ldap_uris.count > 0 && !ctx->cfg->token_only) {
        out->kind = PB_LOGIN_PASSWORD;
        return password_login(ctx, user, out, start);
    }
    out->kind = PB_LOGIN_TOKEN;
    return token_login(ctx, PB_MP_TOKEN, user, 0, out, start);
}

enum pb_status
pb_login_token_as(const struct pb_login_ctx *ctx, enum pb_login_kind kind, const char *user, const char *token,
                  size_t len, struct pb_login_result *out)
{
    static const enum pb_metrics_path paths[] = {
        [PB_LOGIN_TOKEN] = PB_MP_TOKEN,
        [PB_LOGIN_PASSWORD] = PB_MP_TOKEN,
        [PB_LOGIN_SESSION_TOKEN] = PB_MP_SESSION_TOKEN,
        [PB_LOGIN_ACCOUNT] = PB_MP_ACCOUNT,
        [PB_LOGIN_DEVICE] = PB_MP_DEVICE,
    };
    uint64_t start = start_clock(ctx);

    result_init(out, token, len);
    out->kind = kind;
    /* The account phase also checks the group allow-lists. */
    return token_login(ctx, (unsigned) kind < sizeof(paths) / sizeof(paths[0]) ? paths[kind] : PB_MP_TOKEN, user,
                       kind == PB_LOGIN_ACCOUNT ? PB_TOKEN_GROUPS : 0, out, start);
}

enum pb_status
pb_login_token(const struct pb_login_ctx *ctx, const char *user, const char *token, size_t len,
               struct pb_login_result *out)
{
    return pb_login_token_as(ctx, PB_LOGIN_TOKEN, user, token, len, out);
}
