/* The auth phase: get the user and the token, hand both to the core. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

#include "internal.h"
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
    return PAM_SUCCESS;
}

int
pb_pam_authenticate(struct pb_pam_args *args)
{
    struct pb_verdict verdict;
    struct pb_token_info info;
    const char *user = NULL, *token = NULL;
    enum pb_status status;
    int code;

    code = pam_get_user(args->pamh, &user, NULL);
    if (code != PAM_SUCCESS || user == NULL || user[0] == '\0') {
        pb_log(&args->log, LOG_ERR, "cannot determine the user: %s", pam_strerror(args->pamh, code));
        return code == PAM_SUCCESS ? PAM_USER_UNKNOWN : code;
    }
    code = get_token(args, user, &token);
    if (code != PAM_SUCCESS)
        return code;
    status = pb_token_verify(&args->cfg, user, token, strlen(token), time(NULL), &args->log,
                             &verdict, &info);
    pb_token_log_outcome(&args->log, status, user, &verdict, &info);
    return pb_pam_code(status);
}
