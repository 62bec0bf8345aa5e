/* The account phase: LDAP group membership when ldap_group is set. */
#include "config.h"

#include <string.h>

#include <security/pam_ext.h>

#include "internal.h"
#include "ldap-auth.h"

int
pb_pam_account(struct pb_pam_args *args)
{
    const struct pb_ldap_ops *ops;
    struct pb_verdict verdict = { PB_R_NONE, "" };
    const char *user = NULL;
    enum pb_status status;
    char shown[96];
    int code;

    if (args->cfg.ldap_group == NULL)
        return PAM_IGNORE;
    code = pam_get_user(args->pamh, &user, NULL);
    if (code != PAM_SUCCESS || user == NULL || user[0] == '\0')
        return code == PAM_SUCCESS ? PAM_USER_UNKNOWN : code;
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
