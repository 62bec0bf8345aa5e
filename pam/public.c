/* The PAM entry points, and nothing else: each builds its arguments, makes one
 * call into the module, and frees. */
#include "config.h"

#include <security/pam_modules.h>

#include "internal.h"

#define PB_EXPORT __attribute__((visibility("default")))

PB_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    struct pb_pam_args args;
    int code;

    code = pb_pam_args_new(&args, pamh, flags, argc, argv);
    if (code == PAM_SUCCESS)
        code = pb_pam_authenticate(&args);
    pb_pam_args_free(&args);
    return code;
}

/* Tokens carry no credentials to establish: nothing to do, successfully. */
PB_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void) pamh, (void) flags, (void) argc, (void) argv;
    return PAM_SUCCESS;
}

/* Group membership when ldap_group is set; otherwise no opinion. */
PB_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    struct pb_pam_args args;
    int code;

    code = pb_pam_args_new(&args, pamh, flags, argc, argv);
    if (code == PAM_SUCCESS)
        code = pb_pam_account(&args);
    pb_pam_args_free(&args);
    return code;
}

/* Session tokens: export where they are (open), revoke them (close). */
PB_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    struct pb_pam_args args;
    int code;

    code = pb_pam_args_new(&args, pamh, flags, argc, argv);
    if (code == PAM_SUCCESS)
        code = pb_pam_open_session(&args);
    pb_pam_args_free(&args);
    return code;
}

PB_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    struct pb_pam_args args;
    int code;

    code = pb_pam_args_new(&args, pamh, flags, argc, argv);
    if (code == PAM_SUCCESS)
        code = pb_pam_close_session(&args);
    pb_pam_args_free(&args);
    return code;
}

/* An LDAP password: checked (PAM_PRELIM_CHECK), then changed
 * (PAM_UPDATE_AUTHTOK).  A token cannot be changed through PAM. */
PB_EXPORT int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    struct pb_pam_args args;
    int code;

    code = pb_pam_args_new(&args, pamh, flags, argc, argv);
    if (code == PAM_SUCCESS)
        code = pb_pam_chauthtok(&args);
    pb_pam_args_free(&args);
    return code;
}
