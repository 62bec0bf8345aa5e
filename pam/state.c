/* What the auth phase leaves for the account and password phases, and
 * open_session for close_session: one pam_set_data key, one cleanup that
 * wipes it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "secret.h"

#define LOGIN_DATA "pam_bearer.login"

struct login {
    char *token;          /* the accepted token (token logins), wiped */
    int must_change;      /* the password login's bind said: change it first */
    int noticed;          /* the once-per-handle notice has been logged */
    char *session_ref;    /* open_session's reference, for close_session */
};

static void
wipe_login(pam_handle_t *pamh, void *data, int error_status)
{
    struct login *login = data;

    (void) pamh, (void) error_status;
    pb_secret_free_str(login->token);
    free(login->session_ref);
    free(login);
}

/* This handle's login record, created empty on first use; NULL when there
 * is none and create is 0, or when memory runs out. */
static struct login *
login_get(struct pb_pam_args *args, int create)
{
    const void *data = NULL;
    struct login *login;

    if (pam_get_data(args->pamh, LOGIN_DATA, &data) == PAM_SUCCESS && data != NULL)
        return (struct login *) data;
    if (!create || (login = calloc(1, sizeof(*login))) == NULL)
        return NULL;
    if (pam_set_data(args->pamh, LOGIN_DATA, login, wipe_login) != PAM_SUCCESS) {
        free(login);
        return NULL;
    }
    return login;
}

void
pb_pam_remember_token(struct pb_pam_args *args, const char *token, size_t len)
{
    struct login *login = login_get(args, 1);
    char *copy;

    if (login == NULL || (copy = strndup(token, len)) == NULL)
        return;
    pb_secret_free_str(login->token);
    login->token = copy;
}

const char *
pb_pam_login_token(struct pb_pam_args *args)
{
    struct login *login = login_get(args, 0);

    return login != NULL ? login->token : NULL;
}

int
pb_pam_remember_must_change(struct pb_pam_args *args, int must_change)
{
    struct login *login = login_get(args, must_change);

    if (login == NULL)
        return must_change ? PAM_BUF_ERR : PAM_SUCCESS;
    login->must_change = must_change;
    return PAM_SUCCESS;
}

int
pb_pam_login_must_change(struct pb_pam_args *args)
{
    struct login *login = login_get(args, 0);

    return login != NULL && login->must_change;
}

int
pb_pam_first_notice(struct pb_pam_args *args)
{
    struct login *login = login_get(args, 1);

    if (login == NULL)
        return 1;
    if (login->noticed)
        return 0;
    login->noticed = 1;
    return 1;
}

int
pb_pam_remember_session_ref(struct pb_pam_args *args, const char *name)
{
    struct login *login = login_get(args, 1);
    char *copy;

    if (login == NULL || (copy = strdup(name)) == NULL)
        return PAM_BUF_ERR;
    free(login->session_ref);
    login->session_ref = copy;
    return PAM_SUCCESS;
}

const char *
pb_pam_session_ref(struct pb_pam_args *args)
{
    struct login *login = login_get(args, 0);

    return login != NULL ? login->session_ref : NULL;
}
