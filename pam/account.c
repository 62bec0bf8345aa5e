/* The account phase: LDAP group membership when ldap_group is set, the
 * claims require_claim names on this service's line (a scope like sudo, a
 * group), checked on the token the user logged in with, or else on the
 * session's token; and a password the directory wants changed. */
#include "config.h"

#include <string.h>

#include <security/pam_ext.h>

#include "internal.h"
#include "issuer.h"
#include "ldap-auth.h"
#include "login.h"

/* require_claim and allow_groups in the account phase: the user is told
 * which claim is missing or which groups would do. */
static enum pb_status
account_claims(struct pb_pam_args *args, const char *user, struct pb_verdict *verdict)
{
    const char *token = pb_pam_login_token(args);
    struct pb_login_result result;
    enum pb_status status;

    if (token == NULL) {
        /* An issuer's allow_groups bind that issuer's tokens only. */
        if (args->cfg.required.count == 0 && args->cfg.allow_groups.count == 0)
            return PB_OK;
        /* A password login: the tokens the session obtained speak for it. */
        if ((args->cfg.obtain_tokens || args->cfg.use_session_token) && pb_pam_session_token(args, user, 0) == PB_OK)
            return PB_OK;
        pb_verdict_set(verdict, PB_R_REQUIRED_CLAIM, "no token to check require_claim or allow_groups on (account)");
        pb_log(&args->log, LOG_NOTICE, "rejected: required-claim: %s", verdict->detail);
        if (!(args->flags & PAM_SILENT))
            pam_error(args->pamh, "Access denied: this service requires a token.");
        return PB_REJECTED;
    }
    status = pb_login_token_as(&args->ctx, PB_LOGIN_ACCOUNT, user, token, strlen(token), &result);
    *verdict = result.verdict;
    if (status == PB_REJECTED && !(args->flags & PAM_SILENT))
        pam_error(args->pamh, "Access denied: %s.", verdict->reason == PB_R_REQUIRED_CLAIM
                  || verdict->reason == PB_R_NOT_IN_GROUP ? verdict->detail
                  : "your token is not accepted for this service");
    return status;
}

/* ldap_group: is the user a member? */
static enum pb_status
account_group(struct pb_pam_args *args, const char *user, struct pb_verdict *verdict)
{
    const struct pb_ldap_ops *ops = args->ctx.ldap(&args->log);
    enum pb_status status;
    char shown[96];

    if (ops == NULL)
        return PB_UNAVAILABLE;
    status = ops->check_group(&args->cfg, user, &args->log, verdict);
    pb_log_sanitize(shown, sizeof(shown), user, strlen(user));
    if (status == PB_OK)
        pb_log(&args->log, LOG_INFO, "account: user %s is a member of %s", shown, args->cfg.ldap_group);
    else if (status == PB_REJECTED)
        pb_log(&args->log, LOG_NOTICE, "rejected: %s: %s (user %s)", pb_reason_name(verdict->reason),
               verdict->detail, shown);
    else
        pb_log(&args->log, LOG_ERR, "%s: group membership of user %s not checked", pb_status_name(status), shown);
    return status;
}

int
pb_pam_account(struct pb_pam_args *args)
{
    struct pb_verdict verdict = { PB_R_NONE, "" };
    enum pb_status status = PB_OK;
    const char *user = NULL;
    char shown[96];
    int code, must_change = pb_pam_login_must_change(args);

    if (!must_change && args->cfg.ldap_group == NULL && !pb_issuers_need_account(&args->cfg))
        return PAM_IGNORE;
    if ((code = pb_pam_get_user(args, &user, 0)) != PAM_SUCCESS)
        return code;
    if (pb_issuers_need_account(&args->cfg))
        status = account_claims(args, user, &verdict);
    if (status == PB_OK && args->cfg.ldap_group != NULL)
        status = account_group(args, user, &verdict);
    /* As pam_unix does with an expired password: the account is fine, but the
     * application must have the password changed (pam_chauthtok) first. */
    if (status == PB_OK && must_change) {
        pb_log_sanitize(shown, sizeof(shown), user, strlen(user));
        pb_log(&args->log, LOG_NOTICE, "account: user %s must change the password (reset by an administrator)",
               shown);
        if (!(args->flags & PAM_SILENT))
            pam_error(args->pamh, "Your password was reset by an administrator: you must change it now.");
        status = PB_REJECTED;
        verdict.reason = PB_R_PASSWORD_EXPIRED;
    }
    return pb_pam_code(PB_PHASE_ACCOUNT, status, verdict.reason);
}
