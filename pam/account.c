/* The account phase: LDAP group membership when ldap_group is set, and the
 * claims require_claim names on this service's line (a scope like sudo, a
 * group), checked on the token the user logged in with, or else on the
 * session's token. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

#include "internal.h"
#include "ldap-auth.h"
#include "secret.h"
#include "token.h"

#define TOKEN_DATA "pam_bearer.token"

static void
wipe_token(pam_handle_t *pamh, void *data, int error_status)
{
    (void) pamh, (void) error_status;
    pb_secret_free_str(data);
}

void
pb_pam_remember_token(struct pb_pam_args *args, const char *token, size_t len)
{
    char *copy = strndup(token, len);

    if (copy != NULL && pam_set_data(args->pamh, TOKEN_DATA, copy, wipe_token) != PAM_SUCCESS)
        pb_secret_free_str(copy);
}

/* require_claim in the account phase: PAM_PERM_DENIED, and the user is told
 * which claim is missing. */
static int
account_claims(struct pb_pam_args *args, const char *user)
{
    const void *token = NULL;
    struct pb_verdict verdict;
    struct pb_token_info info;
    enum pb_status status;

    if (pam_get_data(args->pamh, TOKEN_DATA, &token) != PAM_SUCCESS || token == NULL) {
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

int
pb_pam_account(struct pb_pam_args *args)
{
    const struct pb_ldap_ops *ops;
    struct pb_verdict verdict = { PB_R_NONE, "" };
    const char *user = NULL;
    enum pb_status status;
    char shown[96];
    int code;

    if (args->cfg.ldap_group == NULL && args->cfg.required.count == 0)
        return PAM_IGNORE;
    code = pam_get_user(args->pamh, &user, NULL);
    if (code != PAM_SUCCESS || user == NULL || user[0] == '\0')
        return code == PAM_SUCCESS ? PAM_USER_UNKNOWN : code;
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
