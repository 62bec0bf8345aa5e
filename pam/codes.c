/* Every PAM code the module returns for an outcome of the core, in one
 * table: the status decides, except where a refusal's reason means more in
 * a phase.  What bearer-token's exit status means is here too. */
#include "config.h"

#include "exit-codes.h"
#include "internal.h"

/* Any reason: the phase's default for a refusal. */
#define ANY PB_R_COUNT

static const int by_status[] = {
    [PB_OK] = PAM_SUCCESS,
    [PB_REJECTED] = PAM_AUTH_ERR,
    [PB_UNAVAILABLE] = PAM_AUTHINFO_UNAVAIL,
    [PB_CONFIG] = PAM_SERVICE_ERR,
    [PB_NOMEM] = PAM_BUF_ERR,
    [PB_SYSTEM] = PAM_SYSTEM_ERR,
    /* Installed but not set up: other modules decide.  Only the absence of
     * every key source and LDAP server is this; a configuration that cannot
     * be read or is wrong stays PB_CONFIG, and fails closed. */
    [PB_UNCONFIGURED] = PAM_IGNORE,
};

static const struct {
    enum pb_pam_phase phase;
    enum pb_reason reason;
    int code;
} refusals[] = {
    /* A locked account is the end of the line for this user: say so. */
    { PB_PHASE_AUTH, PB_R_ACCOUNT_LOCKED, PAM_MAXTRIES },
    /* The account phase: the user is known, only not allowed here. */
    { PB_PHASE_ACCOUNT, PB_R_PASSWORD_EXPIRED, PAM_NEW_AUTHTOK_REQD },
    { PB_PHASE_ACCOUNT, ANY, PAM_PERM_DENIED },
    /* A change: the current password's refusal is an authentication
     * failure, as in pam_unix; the new password's is PAM_AUTHTOK_ERR. */
    { PB_PHASE_CURRENT_PASSWORD, PB_R_EMPTY_PASSWORD, PAM_AUTH_ERR },
    { PB_PHASE_CURRENT_PASSWORD, PB_R_BAD_PASSWORD, PAM_AUTH_ERR },
    { PB_PHASE_CURRENT_PASSWORD, PB_R_PASSWORD_EXPIRED, PAM_AUTH_ERR },
    { PB_PHASE_CURRENT_PASSWORD, PB_R_ACCOUNT_LOCKED, PAM_AUTH_ERR },
    { PB_PHASE_CURRENT_PASSWORD, ANY, PAM_AUTHTOK_ERR },
    { PB_PHASE_NEW_PASSWORD, PB_R_BAD_PASSWORD, PAM_AUTH_ERR },
    { PB_PHASE_NEW_PASSWORD, PB_R_PASSWORD_EXPIRED, PAM_AUTH_ERR },
    { PB_PHASE_NEW_PASSWORD, PB_R_ACCOUNT_LOCKED, PAM_AUTH_ERR },
    { PB_PHASE_NEW_PASSWORD, ANY, PAM_AUTHTOK_ERR },
};

/* bearer-token's exit status, as the status of what it was asked to do
 * (-1: it did not run to the end). */
static const struct {
    int exit_status;
    enum pb_status status;
} helper_exits[] = {
    { PB_EXIT_OK, PB_OK },
    { PB_EXIT_REJECTED, PB_REJECTED },
    { PB_EXIT_LOGIN_REQUIRED, PB_REJECTED },
    { PB_EXIT_UNREACHABLE, PB_UNAVAILABLE },
    { -1, PB_UNAVAILABLE },
};

int
pb_pam_code(enum pb_pam_phase phase, enum pb_status status, enum pb_reason reason)
{
    if (status == PB_REJECTED) {
        for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
            if (refusals[i].phase == phase && (refusals[i].reason == reason || refusals[i].reason == ANY))
                return refusals[i].code;
    }
    if ((unsigned) status < sizeof(by_status) / sizeof(by_status[0]))
        return by_status[status];
    return PAM_SERVICE_ERR;   /* unknown outcomes never become success */
}

enum pb_status
pb_pam_helper_status(int exit_status)
{
    for (size_t i = 0; i < sizeof(helper_exits) / sizeof(helper_exits[0]); i++)
        if (helper_exits[i].exit_status == exit_status)
            return helper_exits[i].status;
    return PB_CONFIG;   /* anything else is the administrator's to fix */
}
