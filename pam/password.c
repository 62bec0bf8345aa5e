/* The password phase: changing an LDAP password.  libpam calls
 * pam_sm_chauthtok twice: PAM_PRELIM_CHECK asks for the current password and
 * checks it with a bind, so that nobody types a new password twice for
 * nothing; PAM_UPDATE_AUTHTOK asks for the new one and has the directory
 * change it (RFC 3062).  The passwords stay libpam's items (libpam wipes
 * them); no copy is made here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <security/pam_ext.h>

#include "internal.h"
#include "ldap-auth.h"

#define CURRENT_PROMPT "Current password: "

/* The current password: from an earlier module (use_first_pass, or what
 * PAM_PRELIM_CHECK collected) or the conversation. */
static int
get_current(struct pb_pam_args *args, const char *user, const char **old)
{
    int code = pam_get_authtok(args->pamh, PAM_OLDAUTHTOK, old, CURRENT_PROMPT);

    if (code == PAM_SUCCESS && (*old == NULL || (*old)[0] == '\0')) {
        pb_log(&args->log, LOG_NOTICE, "rejected: empty-password: no current password (user %s, password change)",
               user);
        code = pb_pam_code(PB_PHASE_CURRENT_PASSWORD, PB_REJECTED, PB_R_EMPTY_PASSWORD);
    } else if (code != PAM_SUCCESS) {
        pb_log(&args->log, LOG_ERR, "cannot get the current password: %s", pam_strerror(args->pamh, code));
        code = code == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_AUTHTOK_RECOVERY_ERR;
    }
    return code;
}

/* PAM_PRELIM_CHECK: does the directory take the current password? */
static int
check_current(struct pb_pam_args *args, const struct pb_ldap_ops *ops, const char *user, const char *shown)
{
    struct pb_verdict verdict = { PB_R_NONE, "" };
    struct pb_ldap_note note;
    enum pb_status status;
    const char *old = NULL;
    int code;

    code = get_current(args, shown, &old);
    if (code != PAM_SUCCESS)
        return code;
    status = ops->authenticate(&args->cfg, user, old, &args->log, &verdict, &note);
    if (status == PB_OK) {
        pb_log(&args->log, LOG_INFO, "accepted: user %s (current password, for a change)", shown);
        return PAM_SUCCESS;
    }
    if (status != PB_REJECTED) {
        pb_log(&args->log, LOG_ERR, "%s: password of user %s not changed", pb_status_name(status), shown);
        return pb_pam_code(PB_PHASE_CURRENT_PASSWORD, status, PB_R_NONE);
    }
    pb_log(&args->log, LOG_NOTICE, "rejected: %s: %s (user %s, password change)", pb_reason_name(verdict.reason),
           verdict.detail, shown);
    /* The bind's own note says expired or locked; a wrong password has none. */
    if (!note.is_error)
        snprintf(note.text, sizeof(note.text), "Your current password was not accepted.");
    note.is_error = 1;
    pb_pam_show_note(args, &note);
    return pb_pam_code(PB_PHASE_CURRENT_PASSWORD, status, verdict.reason);
}

/* PAM_UPDATE_AUTHTOK: ask for the new password and have it set. */
static int
change(struct pb_pam_args *args, const struct pb_ldap_ops *ops, const char *user, const char *shown)
{
    struct pb_verdict verdict = { PB_R_NONE, "" };
    struct pb_ldap_note note;
    enum pb_status status;
    const char *old = NULL, *new = NULL;
    int code;

    code = get_current(args, shown, &old);
    if (code != PAM_SUCCESS)
        return code;
    /* Asks twice (or takes an earlier module's with use_authtok); a mismatch
     * is PAM_TRY_AGAIN, and libpam has told the user. */
    code = pam_get_authtok(args->pamh, PAM_AUTHTOK, &new, NULL);
    if (code != PAM_SUCCESS) {
        pb_log(&args->log, LOG_NOTICE, "cannot get the new password: %s", pam_strerror(args->pamh, code));
        return code == PAM_CONV_AGAIN ? PAM_INCOMPLETE : code;
    }
    status = ops->change_password(&args->cfg, user, old, new, &args->log, &verdict, &note);
    pb_pam_show_note(args, &note);
    if (status == PB_OK) {
        pb_log(&args->log, LOG_INFO, "changed: user %s (LDAP password)", shown);
        /* The account phase need not ask again in this handle. */
        pb_pam_remember_must_change(args, 0);
        return PAM_SUCCESS;
    }
    if (status == PB_REJECTED) {
        pb_log(&args->log, LOG_NOTICE, "rejected: %s: %s (user %s, password change)",
               pb_reason_name(verdict.reason), verdict.detail, shown);
    } else {
        pb_log(&args->log, LOG_ERR, "%s: password of user %s not changed", pb_status_name(status), shown);
    }
    return pb_pam_code(PB_PHASE_NEW_PASSWORD, status, verdict.reason);
}

int
pb_pam_chauthtok(struct pb_pam_args *args)
{
    const struct pb_ldap_ops *ops;
    const char *user = NULL;
    char shown[96];
    int code;

    /* Only an LDAP password can be changed here. */
    if (args->cfg.ldap_uris.count == 0 || args->cfg.token_only)
        return PAM_IGNORE;
    /* Asked to change only what has expired: only this handle's login knows. */
    if ((args->flags & PAM_CHANGE_EXPIRED_AUTHTOK) && !pb_pam_login_must_change(args))
        return PAM_IGNORE;
    if (!(args->flags & (PAM_PRELIM_CHECK | PAM_UPDATE_AUTHTOK)))
        return PAM_SERVICE_ERR;
    if ((code = pb_pam_get_user(args, &user, 1)) != PAM_SUCCESS)
        return code;
    if ((ops = args->ctx.ldap(&args->log)) == NULL)
        return pb_pam_code(PB_PHASE_NEW_PASSWORD, PB_UNAVAILABLE, PB_R_NONE);
    pb_log_sanitize(shown, sizeof(shown), user, strlen(user));
    if (args->flags & PAM_PRELIM_CHECK)
        return check_current(args, ops, user, shown);
    return change(args, ops, user, shown);
}
