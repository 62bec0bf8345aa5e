/* The auth phase: get the user and the token, hand both to the core. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

#include "internal.h"
#include "ldap-auth.h"
#include "token.h"

/* The token, from an earlier module (use_first_pass) or the conversation. */
static int
get_token(struct pb_pam_args *args, const char *user, const char **token)
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
        *token = item;
        return PAM_SUCCESS;
    }
    /* pam_get_authtok reuses an earlier answer when there is one (try_first_pass). */
    code = pam_get_authtok(args->pamh, PAM_AUTHTOK, token, args->cfg.prompt);
    if (code != PAM_SUCCESS) {
        pb_log(&args->log, LOG_ERR, "cannot get the token: %s", pam_strerror(args->pamh, code));
        return code == PAM_CONV_AGAIN ? PAM_INCOMPLETE : code;
    }
    return pb_pam_continue_token(args, token);
}

/* What was typed is not a token: an LDAP simple bind decides. */
static int
password_login(struct pb_pam_args *args, const char *user, const char *password)
{
    const struct pb_ldap_ops *ops = pb_pam_password_ops(&args->log);
    struct pb_verdict verdict = { PB_R_NONE, "" };
    struct pb_ldap_note note;
    enum pb_status status;
    char shown[96];

    if (ops == NULL)
        return PAM_AUTHINFO_UNAVAIL;
    status = ops->authenticate(&args->cfg, user, password, &args->log, &verdict, &note);
    pb_pam_show_note(args, &note);
    pb_log_sanitize(shown, sizeof(shown), user, strlen(user));
    user = shown;
    if (status == PB_OK)
        pb_log(&args->log, LOG_INFO, "accepted: user %s (password, LDAP bind%s)", user,
               note.must_change ? "; the password must be changed" : "");
    else if (status == PB_REJECTED)
        pb_log(&args->log, LOG_NOTICE, "rejected: %s: %s (user %s, password)", pb_reason_name(verdict.reason),
               verdict.detail, user);
    else
        pb_log(&args->log, LOG_ERR, "%s: password for user %s not checked", pb_status_name(status), user);
    /* A locked account is the end of the line for this user: say so. */
    if (status == PB_REJECTED && verdict.reason == PB_R_ACCOUNT_LOCKED)
        return PAM_MAXTRIES;
    /* The account phase refuses until the password is changed; a login that
     * cannot record that must not go on. */
    if (status == PB_OK)
        return pb_pam_remember_must_change(args, note.must_change);
    return pb_pam_code(status);
}

/* The start of a token that ssh or sudo cut before its second dot is not a
 * password: it must not go to LDAP (a failed bind, counted by ppolicy). */
static int
looks_cut(const char *s, size_t len)
{
    return len >= 64 && pb_pam_token_prefix(s, len);
}

int
pb_pam_authenticate(struct pb_pam_args *args)
{
    struct pb_verdict verdict;
    struct pb_token_info info;
    const char *user = NULL, *token = NULL, *bare;
    enum pb_status status;
    size_t len, bare_len;
    int code;

    code = pam_get_user(args->pamh, &user, NULL);
    if (code != PAM_SUCCESS || user == NULL || user[0] == '\0') {
        pb_log(&args->log, LOG_ERR, "cannot determine the user: %s", pam_strerror(args->pamh, code));
        return code == PAM_SUCCESS ? PAM_USER_UNKNOWN : code;
    }
    /* sudo: the token of the user's session, when there is a valid one. */
    if (args->cfg.use_session_token) {
        code = pb_pam_session_token(args, user, 1);
        if (code == PAM_SUCCESS || args->cfg.session_token_only)
            return code;
    }
    code = get_token(args, user, &token);
    if (code != PAM_SUCCESS)
        return code;
    len = bare_len = strlen(token);
    bare = pb_token_strip_scheme(token, &bare_len);
    /* Token-shaped (or oversized) input is a token and never reaches LDAP;
     * anything else is a password when LDAP is configured. */
    if (!pb_jws_is_token_shaped(bare, bare_len) && !looks_cut(bare, bare_len) && bare_len <= PB_JWS_MAX_TOKEN
        && args->cfg.ldap_uris.count > 0 && !args->cfg.token_only) {
        code = password_login(args, user, token);
        return code == PAM_SUCCESS ? pb_pam_obtain_tokens(args, user, token, len, 0) : code;
    }
    status = pb_token_verify(&args->cfg, user, token, len, time(NULL), &args->log, &verdict, &info);
    pb_token_log_outcome(&args->log, status, user, &verdict, &info);
    if (status == PB_REJECTED && (verdict.reason == PB_R_BAD_SIGNATURE || verdict.reason == PB_R_MALFORMED
                                  || verdict.reason == PB_R_NOT_A_TOKEN))
        pb_pam_explain_cut(args, bare_len);
    code = pb_pam_code(status);
    if (code == PAM_SUCCESS)
        pb_pam_remember_token(args, bare, bare_len);
    return code == PAM_SUCCESS ? pb_pam_obtain_tokens(args, user, bare, bare_len, 1) : code;
}
