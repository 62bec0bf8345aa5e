/* The account phase: LDAP group membership when ldap_group is set, the
 * claims require_claim names on this service's line (a scope like sudo, a
 * group), checked on the token the user logged in with, or else on the
 * session's token; and a password the directory wants changed. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

#include "internal.h"
#include "ldap-auth.h"
#include "token.h"

/* require_claim in the account phase: PAM_PERM_DENIED, and the user is told
 * which claim is missing. */
static int
account_claims(struct pb_pam_args *args, const char *user)
{
    const char *token = pb_pam_login_token(args);
    struct pb_verdict verdict;
    struct pb_token_info info;
    enum pb_status status;

    if (token == NULL) {
        /* A password login: the tokens the session obtained speak for it. */
        if (args->cfg.obtain_tokens || args->cfg.use_session_token) {
            int code = pb_pam_session_token(args, user, 0);
            if (code == PAM_SUCCESS)
                return PAM_SUCCESS;
        }
        pb_log(&args->log, LOG_NOTICE, "rejected: required-claim: no token to check require_claim on (account)");
        if (!(args->flags & PAM_SILENT))
            pam_error(args->pamh, "Access denied: this service requires a token.");
        return PAM_PERM_DENIED;
    }
    status = pb_token_verify(&args->cfg, user, token, strlen(token), time(NULL), &args->log, &verdict, &info);
    pb_token_log_outcome(&args->log, status, user, &verdict, &info);
    if (status == PB_OK)
        return PAM_SUCCESS;
    if (status == PB_REJECTED) {
        if (!(args->flags & PAM_SILENT))
            pam_error(args->pamh, "Access denied: %s.", verdict.reason == PB_R_REQUIRED_CLAIM
                      ? verdict.detail : "your token is not accepted for this service");
        return PAM_PERM_DENIED;
    }
    return pb_pam_code(status);
}

/* What the account phase checks for every login: require_claim and
 * ldap_group.  PAM_IGNORE when neither is configured. */
static int
account_checks(struct pb_pam_args *args, const char *user)
{
    const struct pb_ldap_ops *ops;
    struct pb_verdict verdict = { PB_R_NONE, "" };
    enum pb_status status;
    char shown[96];
    int code;

    if (args->cfg.ldap_group == NULL && args->cfg.required.count == 0)
        return PAM_IGNORE;
    if (args->cfg.required.count > 0 && (code = account_claims(args, user)) != PAM_SUCCESS)
        return code;
    if (args->cfg.ldap_group == NULL)
        return PAM_SUCCESS;
    ops = pb_pam_password_ops(&args->log);
    if (ops == NULL)
        return PAM_AUTHINFO_UNAVAIL;
    status = ops->check_group(&args->cfg, user, &args->log, &verdict);
    pb_log_sanitize(shown, sizeof(shown), user, strlen(user));
    user = shown;
    if (status == PB_OK) {
        pb_log(&args->log, LOG_INFO, "account: user %s is a member of %s", user, args->cfg.ldap_group);
        return PAM_SUCCESS;
    }
    if (status == PB_REJECTED) {
        pb_log(&args->log, LOG_NOTICE, "rejected: %s: %s (user %s)", pb_reason_name(verdict.reason),
               verdict.detail, user);
        return PAM_PERM_DENIED;
    }
    pb_log(&args->log, LOG_ERR, "%s: group membership of user %s not checked", pb_status_name(status), user);
    return pb_pam_code(status);
}

int
pb_pam_account(struct pb_pam_args *args)
{
    const char *user = NULL;
    char shown[96];
    int code, must_change = pb_pam_login_must_change(args);

    if (!must_change && args->cfg.ldap_group == NULL && args->cfg.required.count == 0)
        return PAM_IGNORE;
    code = pam_get_user(args->pamh, &user, NULL);
    if (code != PAM_SUCCESS || user == NULL || user[0] == '\0')
        return code == PAM_SUCCESS ? PAM_USER_UNKNOWN : code;
    code = account_checks(args, user);
    /* As pam_unix does with an expired password: the account is fine, but the
     * application must have the password changed (pam_chauthtok) first. */
    if (must_change && (code == PAM_SUCCESS || code == PAM_IGNORE)) {
        pb_log_sanitize(shown, sizeof(shown), user, strlen(user));
        pb_log(&args->log, LOG_NOTICE, "account: user %s must change the password (reset by an administrator)",
               shown);
        if (!(args->flags & PAM_SILENT))
            pam_error(args->pamh, "Your password was reset by an administrator: you must change it now.");
        code = PAM_NEW_AUTHTOK_REQD;
    }
    return code;
}
