/* The references that make a user's sessions share one token store: a login
 * takes one for the time between authentication and its session, a session
 * one from open_session to close_session, and close_session revokes only
 * when no live reference is left (lib/sessionref.c).
 *
 * Who may change them, and why they are root's: the store itself is the
 * user's (the helper runs as the user and must write it), so anything kept
 * in it the user could delete or forge.  Deleting would only make the user's
 * own tokens be revoked early (they can run bearer-token logout anyway), but
 * forging would let them keep tokens past their last logout that the
 * administrator's revoke_on_logout promised to revoke.  So the references
 * live beside the stores, in SESSION_CACHE_DIR/sessions/UID, root's and
 * 0700: no user can read, add, remove, replace or lock them, and each user's
 * are apart from every other's, so nobody can make another user's logout
 * revoke or keep anything.  What stays the user's to decide is what their
 * store holds: at the last logout the helper revokes whatever is there. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "internal.h"
#include "sessionref.h"

/* The login's reference, from auth (possibly in another process: sshd
 * authenticates in a child and hands the PAM environment back) to
 * open_session, which removes the variable before the session sees it. */
#define LOGIN_ENV "PAM_BEARER_LOGIN"
/* How long a login's reference counts once the process that authenticated
 * has ended: the rest of that login, up to its open_session. */
#define LOGIN_GRACE 120

/* The user's references, opened (created when create) and locked: the
 * descriptor, or -1 when there are none to use (logged unless absent).
 * *locked says whether the lock was taken. */
static int
refs_open(struct pb_pam_args *args, const struct passwd *pw, int create, int *locked)
{
    char err[256];
    int fd;

    *locked = 0;
    /* Only root can keep references no user can touch; an unprivileged
     * caller cannot run the helper as the user either. */
    if (geteuid() != 0)
        return -1;
    fd = pb_sref_open(args->cfg.session_cache_dir, pw->pw_uid, create, err, sizeof(err));
    if (fd == -1)
        pb_log(&args->log, LOG_ERR, "session references of %s: %s", pw->pw_name, err);
    if (fd < 0)
        return -1;
    /* A concurrent close may be revoking under the lock: one helper run. */
    if (pb_sref_lock(fd, (args->cfg.helper_timeout + 5) * 1000L, err, sizeof(err)) == 0)
        *locked = 1;
    else
        pb_log(&args->log, LOG_ERR, "session references of %s: %s", pw->pw_name, err);
    return fd;
}

static void
add(struct pb_pam_args *args, const struct passwd *pw, int fd, const char *name)
{
    char err[256];

    if (pb_sref_add(fd, name, err, sizeof(err)) != 0)
        pb_log(&args->log, LOG_ERR, "session references of %s: %s", pw->pw_name, err);
}

int
pb_pam_refs_login(struct pb_pam_args *args, const struct passwd *pw)
{
    char name[PB_SREF_NAME_MAX], env[PB_SREF_NAME_MAX + sizeof(LOGIN_ENV) + 1], err[256];
    int fd, locked;

    if (pb_sref_self_name(PB_SREF_LOGIN, pw->pw_uid, name, sizeof(name), err, sizeof(err)) != 0
        || (fd = refs_open(args, pw, 1, &locked)) < 0)
        return -1;
    /* Taken under the lock: a last close either revoked before (and this
     * login finds an empty store) or sees this login and keeps the tokens. */
    add(args, pw, fd, name);
    close(fd);
    snprintf(env, sizeof(env), "%s=%s", LOGIN_ENV, name);
    return pam_putenv(args->pamh, env) == PAM_SUCCESS ? 0 : -1;
}

/* Drop the login's reference named in the PAM environment (if any) and
 * remove the variable.  Whoever could set the variable (a module, the
 * application, pam_env with user_readenv) reaches only login references of
 * this user, by a name checked for their form: at worst the user's own
 * concurrent login loses its protection against their own last logout. */
static void
drop_login(struct pb_pam_args *args, const struct passwd *pw, int fd)
{
    const char *name = pam_getenv(args->pamh, LOGIN_ENV);
    char err[256];

    if (name == NULL)
        return;
    if (fd >= 0 && pb_sref_valid_name(name, PB_SREF_LOGIN) && pb_sref_drop(fd, name, err, sizeof(err)) != 0)
        pb_log(&args->log, LOG_ERR, "session references of %s: %s", pw->pw_name, err);
    (void) pam_putenv(args->pamh, LOGIN_ENV);
}

int
pb_pam_refs_login_pending(struct pb_pam_args *args)
{
    return pam_getenv(args->pamh, LOGIN_ENV) != NULL;
}

void
pb_pam_refs_login_failed(struct pb_pam_args *args, const struct passwd *pw)
{
    int locked, fd = pam_getenv(args->pamh, LOGIN_ENV) != NULL ? refs_open(args, pw, 0, &locked) : -1;

    drop_login(args, pw, fd);
    if (fd >= 0)
        close(fd);
}

void
pb_pam_refs_open(struct pb_pam_args *args, const struct passwd *pw, int count)
{
    char name[PB_SREF_NAME_MAX], err[256];
    int fd, locked;

    fd = refs_open(args, pw, count, &locked);
    if (count && pb_sref_self_name(PB_SREF_SESSION, pw->pw_uid, name, sizeof(name), err, sizeof(err)) != 0)
        pb_log(&args->log, LOG_ERR, "session references of %s: %s", pw->pw_name, err);
    else if (count && fd >= 0) {
        /* The session's reference before the login's goes: never a moment
         * with neither. */
        add(args, pw, fd, name);
        /* Sessions that died without closing go whenever one is found. */
        if (locked)
            (void) pb_sref_prune(fd, (long long) time(NULL), LOGIN_GRACE, NULL, err, sizeof(err));
        if (pb_pam_remember_session_ref(args, name) != PAM_SUCCESS)
            pb_log(&args->log, LOG_ERR, "session references of %s: cannot remember %s", pw->pw_name, name);
        pb_log(&args->log, LOG_INFO, "session tokens: session %s of %s registered", name, pw->pw_name);
    }
    drop_login(args, pw, fd);
    /* This process's own login reference goes whatever the variable says
     * now: a module before this one (pam_env) may have changed it, and a
     * reference left to a live process would keep the tokens past the
     * user's last close. */
    if (fd >= 0 && pb_sref_self_name(PB_SREF_LOGIN, pw->pw_uid, name, sizeof(name), err, sizeof(err)) == 0
        && pb_sref_drop(fd, name, err, sizeof(err)) != 0)
        pb_log(&args->log, LOG_ERR, "session references of %s: %s", pw->pw_name, err);
    if (fd >= 0)
        close(fd);
}

int
pb_pam_refs_close(struct pb_pam_args *args, const struct passwd *pw, int *last)
{
    const char *kept = pb_pam_session_ref(args);
    char name[PB_SREF_NAME_MAX], err[256];
    int fd, locked, live, refused = 0;

    *last = 1;
    /* This handle's own name; else (close_session in a handle that did
     * not open the session) the one this process would have taken, which
     * finds an audit session's reference; any other stays until its process
     * ends, and until then this close is not the last. */
    if (kept != NULL)
        snprintf(name, sizeof(name), "%s", kept);
    else if (pb_sref_self_name(PB_SREF_SESSION, pw->pw_uid, name, sizeof(name), err, sizeof(err)) != 0)
        name[0] = '\0';
    fd = refs_open(args, pw, 0, &locked);
    if (fd < 0)
        return -1;      /* none kept (another version opened the sessions): as before, the last */
    if (name[0] != '\0' && pb_sref_drop(fd, name, err, sizeof(err)) != 0)
        pb_log(&args->log, LOG_ERR, "session references of %s: %s", pw->pw_name, err);
    live = pb_sref_prune(fd, (long long) time(NULL), LOGIN_GRACE, &refused, err, sizeof(err));
    if (refused > 0)
        pb_log(&args->log, LOG_WARNING, "session references of %s: %d entries that are not references of "
               "root's were left alone", pw->pw_name, refused);
    if (live < 0)
        pb_log(&args->log, LOG_ERR, "session references of %s: %s", pw->pw_name, err);
    /* Without the lock a login may be under way unseen: keep the tokens. */
    if (!locked || live != 0)
        *last = 0;
    if (live > 0)
        pb_log(&args->log, LOG_INFO, "session tokens: %d other session%s or login%s of %s still open: "
               "the tokens stay", live, live == 1 ? "" : "s", live == 1 ? "" : "s", pw->pw_name);
    /* The caller revokes with the lock held, then closes. */
    return fd;
}
