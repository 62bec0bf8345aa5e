/* Shared between the module's files; nothing here is exported. */
#ifndef PB_PAM_INTERNAL_H
#define PB_PAM_INTERNAL_H

#include <security/pam_modules.h>

#include "context.h"
#include "log.h"
#include "conf.h"
#include "journal.h"
#include "status.h"

struct pb_login_result;

/* Everything one call into the module needs; lives for that call only. */
struct pb_pam_args {
    pam_handle_t *pamh;
    int flags;
    struct pb_config cfg;
    struct pb_log log;
    struct pb_login_ctx ctx;    /* cfg, log, the clock and the plugins, for lib/ */
    struct pb_journal journal;  /* where decisions go with their fields */
    char journal_prefix[96];    /* "pam_bearer(SERVICE)", as pam_syslog starts its lines */
};

/* Build args from the module line and the configuration file.
 * Returns a PAM code: PAM_SUCCESS, PAM_IGNORE when nothing is configured
 * (logged once per handle), or the failure, which has been logged. */
int pb_pam_args_new(struct pb_pam_args *args, pam_handle_t *pamh, int flags,
                    int argc, const char **argv);
void pb_pam_args_free(struct pb_pam_args *args);

/* codes.c: the one table from a core outcome to a PAM code.  The phase
 * decides what a refusal means (PAM_PERM_DENIED in account, ...). */
enum pb_pam_phase {
    PB_PHASE_AUTH,              /* a login; also session tokens under require_tokens */
    PB_PHASE_ACCOUNT,
    PB_PHASE_CURRENT_PASSWORD,  /* pam_chauthtok, PAM_PRELIM_CHECK */
    PB_PHASE_NEW_PASSWORD       /* pam_chauthtok, PAM_UPDATE_AUTHTOK */
};
int pb_pam_code(enum pb_pam_phase phase, enum pb_status status, enum pb_reason reason);
/* What bearer-token's exit status (-1: it did not run to the end) means. */
enum pb_status pb_pam_helper_status(int exit_status);

/* args.c: the PAM user, or a PAM code (logged when log_failure). */
int pb_pam_get_user(struct pb_pam_args *args, const char **user, int log_failure);

int pb_pam_authenticate(struct pb_pam_args *args);
int pb_pam_account(struct pb_pam_args *args);
/* password.c: the two passes of pam_sm_chauthtok (args->flags says which). */
int pb_pam_chauthtok(struct pb_pam_args *args);

/* state.c: what a login leaves with the PAM handle for the account and
 * password phases (one pam_set_data key; wiped when the handle goes). */
/* Keep the accepted token (a copy). */
void pb_pam_remember_token(struct pb_pam_args *args, const char *token, size_t len);
/* The token kept by this handle's login, or NULL. */
const char *pb_pam_login_token(struct pb_pam_args *args);
/* Record whether the directory requires a new password before anything else;
 * PAM_SUCCESS, or PAM_BUF_ERR when it could not be recorded. */
int pb_pam_remember_must_change(struct pb_pam_args *args, int must_change);
int pb_pam_login_must_change(struct pb_pam_args *args);
/* Non-zero the first time it is called for this PAM handle (and when that
 * cannot be recorded): what is logged once per handle, not once per phase. */
int pb_pam_first_notice(struct pb_pam_args *args);
/* The name of this handle's session reference (refs.c): PAM_SUCCESS, or
 * PAM_BUF_ERR; and the name, or NULL. */
int pb_pam_remember_session_ref(struct pb_pam_args *args, const char *name);
const char *pb_pam_session_ref(struct pb_pam_args *args);

/* Session tokens (session.c): after a successful login with secret (a
 * password, or the token itself when is_token), bearer-token obtains or keeps
 * them as the user.  PAM_SUCCESS unless require_tokens says otherwise. */
int pb_pam_obtain_tokens(struct pb_pam_args *args, const char *user, const char *secret, size_t len,
                         int is_token);
/* The same for a device login's tokens: the access token and, when the
 * authority issued one, the refresh token, so that the session renews. */
struct pb_tokens;
int pb_pam_keep_tokens(struct pb_pam_args *args, const char *user, const struct pb_tokens *t);
int pb_pam_open_session(struct pb_pam_args *args);
/* use_session_token: verify the user's cached session token (no prompt).
 * To authenticate (authenticating non-zero), only the user's own real uid
 * may ask; the account phase reads it to check claims of a user already
 * authenticated.  PB_OK, or why not (logged). */
enum pb_status pb_pam_session_token(struct pb_pam_args *args, const char *user, int authenticating);
int pb_pam_close_session(struct pb_pam_args *args);

/* refs.c: the user's session references (lib/sessionref.c), which decide
 * whether a close is the user's last.  pb_pam_refs_login takes the login's
 * reference (auth, before the helper runs) and names it in the PAM
 * environment: 0, or -1 (logged) when none was taken. */
struct passwd;
int pb_pam_refs_login(struct pb_pam_args *args, const struct passwd *pw);
/* Non-zero when this handle's login left a reference for open_session. */
int pb_pam_refs_login_pending(struct pb_pam_args *args);
/* The login did not go on: its reference goes. */
void pb_pam_refs_login_failed(struct pb_pam_args *args, const struct passwd *pw);
/* open_session: take the session's reference when count, and drop the
 * login's in any case. */
void pb_pam_refs_open(struct pb_pam_args *args, const struct passwd *pw, int count);
/* close_session: drop the session's reference and prune.  *last is non-zero
 * when no other session or login of the user lives (or nothing is known
 * about them).  Returns the locked directory's descriptor, which the caller
 * closes after revoking, or -1. */
int pb_pam_refs_close(struct pb_pam_args *args, const struct passwd *pw, int *last);

/* conv.c: a first answer ending in a backslash is the start of a token in
 * parts; ask for the rest and point *token at the whole (PAM_AUTHTOK).  An
 * ordinary answer is left alone. */
int pb_pam_continue_token(struct pb_pam_args *args, const char **token);
/* After a refusal: say so when the token's length is where ssh or sudo cut. */
void pb_pam_explain_cut(struct pb_pam_args *args, size_t len);

/* device.c: device_login after an empty first answer: a device code shown
 * in a prompt, polling until approved, the token checked like a typed one
 * and kept for the session.  PAM_AUTHINFO_UNAVAIL at once when nobody can
 * answer (no conversation, PAM_SILENT) or the conversation fails. */
int pb_pam_device_login(struct pb_pam_args *args, const char *user);

struct pb_ldap_note;
/* conv.c: show what the directory said (an error or information), unless
 * the application asked for PAM_SILENT. */
void pb_pam_show_note(struct pb_pam_args *args, const struct pb_ldap_note *note);


#endif
