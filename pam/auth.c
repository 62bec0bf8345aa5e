/* The auth phase: the user, what they typed, one call into the core, and
 * the outcome as a PAM code. */
#include "config.h"

#include <string.h>

#include <security/pam_ext.h>

#include "internal.h"
#include "login.h"

/* What was typed: from an earlier module (use_first_pass) or the
 * conversation, whole or in parts. */
static int
get_typed(struct pb_pam_args *args, const char *user, const char **typed)
{
    const void *item = NULL;
    int code;

    if (args->cfg.use_first_pass) {
        code = pam_get_item(args->pamh, PAM_AUTHTOK, &item);
        if (code != PAM_SUCCESS || item == NULL) {
            pb_log(&args->log, LOG_NOTICE,
                   "rejected: not-a-token: use_first_pass and no earlier answer (user %s, jti -, sub -)",
                   user);
            return PAM_AUTH_ERR;
        }
        *typed = item;
        return PAM_SUCCESS;
    }
    /* pam_get_authtok reuses an earlier answer when there is one (try_first_pass). */
    code = pam_get_authtok(args->pamh, PAM_AUTHTOK, typed, args->cfg.prompt);
    if (code != PAM_SUCCESS) {
        pb_log(&args->log, LOG_ERR, "cannot get the token: %s", pam_strerror(args->pamh, code));
        return code == PAM_CONV_AGAIN ? PAM_INCOMPLETE : code;
    }
    return pb_pam_continue_token(args, typed);
}

/* After the decision: tell the user what they need to know, keep what the
 * account phase reads, obtain session tokens. */
static int
finish(struct pb_pam_args *args, const char *user, enum pb_status status, const struct pb_login_result *r)
{
    const struct pb_credential *cred = &r->cred;
    int code = pb_pam_code(PB_PHASE_AUTH, status, r->verdict.reason);

    if (r->kind == PB_LOGIN_PASSWORD) {
        pb_pam_show_note(args, &r->note);
        /* The account phase refuses until the password is changed; a login
         * that cannot record that must not go on. */
        if (code == PAM_SUCCESS)
            code = pb_pam_remember_must_change(args, r->note.must_change);
        return code == PAM_SUCCESS ? pb_pam_obtain_tokens(args, user, cred->typed, cred->typed_len, 0) : code;
    }
    if (status == PB_REJECTED && (r->verdict.reason == PB_R_BAD_SIGNATURE || r->verdict.reason == PB_R_MALFORMED
                                  || r->verdict.reason == PB_R_NOT_A_TOKEN))
        pb_pam_explain_cut(args, cred->len);
    if (code != PAM_SUCCESS)
        return code;
    pb_pam_remember_token(args, cred->text, cred->len);
    return pb_pam_obtain_tokens(args, user, cred->text, cred->len, 1);
}

int
pb_pam_authenticate(struct pb_pam_args *args)
{
    struct pb_login_result result;
    const char *user = NULL, *typed = NULL;
    enum pb_status status;
    int code;

    if ((code = pb_pam_get_user(args, &user, 1)) != PAM_SUCCESS)
        return code;
    /* sudo: the token of the user's session, when there is a valid one. */
    if (args->cfg.use_session_token) {
        status = pb_pam_session_token(args, user, 1);
        if (status == PB_OK || args->cfg.session_token_only)
            return pb_pam_code(PB_PHASE_AUTH, status, PB_R_NONE);
    }
    if ((code = get_typed(args, user, &typed)) != PAM_SUCCESS)
        /* device_login: a stack that cannot converse falls through at once. */
        return args->cfg.device_login && code != PAM_INCOMPLETE ? PAM_AUTHINFO_UNAVAIL : code;
    /* device_login: an empty answer asks for a device code (an empty
     * password never reaches LDAP anyway). */
    if (args->cfg.device_login && typed[0] == '\0')
        return pb_pam_device_login(args, user);
    status = pb_login_decide(&args->ctx, user, typed, strlen(typed), &result);
    return finish(args, user, status, &result);
}
