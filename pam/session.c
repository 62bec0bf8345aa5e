/* Session tokens: after a successful login the module runs bearer-token as
 * the user to obtain (password) or keep (token) the session's tokens, or to
 * reuse what the user's store already holds, and exports where they are;
 * when the user's last session closes it has them revoked (refs.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modutil.h>

#include "conf.h"
#include "exit-codes.h"
#include "internal.h"
#include "login.h"
#include "metrics.h"
#include "tokencache.h"
#include "secret.h"
#include "spawn.h"

#define CACHE_ENV "BEARER_TOKEN_CACHE"

/* A user's directory lives on /run, which every service needs: what the
 * module lets the helper add to it is bounded.  A store holds a cache file,
 * a lock and a temporary file per authority, each under 64 KiB. */
#define SESSION_DIR_MAX_ENTRIES 32
#define SESSION_DIR_MAX_BYTES (1024L * 1024L)

/* Non-zero when DIR, the user's own, holds more than the bound: counted
 * through a descriptor of the directory checked, links never followed. */
static int
over_bound(struct pb_pam_args *args, const char *dir, uid_t uid)
{
    long entries = 0, bytes = 0;
    struct dirent *e;
    struct stat st;
    DIR *d = NULL;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), over = 1;

    if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != uid || (d = fdopendir(fd)) == NULL) {
        pb_log(&args->log, LOG_ERR, "session tokens: cannot read %s: %s", dir, strerror(errno));
        goto done;
    }
    fd = -1;    /* closedir closes it */
    while ((e = readdir(d)) != NULL && entries <= SESSION_DIR_MAX_ENTRIES && bytes <= SESSION_DIR_MAX_BYTES) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        entries++;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            bytes += st.st_blocks > SESSION_DIR_MAX_BYTES / 512 ? SESSION_DIR_MAX_BYTES + 1 : st.st_blocks * 512;
    }
    over = entries > SESSION_DIR_MAX_ENTRIES || bytes > SESSION_DIR_MAX_BYTES;
    if (over)
        pb_log(&args->log, LOG_ERR, "session tokens: %s holds more than %d entries or %ld KiB: not used "
               "(remove what is not the user's tokens)", dir, SESSION_DIR_MAX_ENTRIES, SESSION_DIR_MAX_BYTES / 1024);
done:
    if (d != NULL)
        closedir(d);
    if (fd >= 0)
        close(fd);
    return over;
}

/* session_cache_dir must be root's (the module creates it 0755): 0, or -1
 * (logged unless it is simply absent). */
static int
cache_root(struct pb_pam_args *args, int create)
{
    const char *root = args->cfg.session_cache_dir;
    struct stat st;

    if (create && mkdir(root, 0755) == 0)
        (void) chmod(root, 0755);   /* whatever the host's umask: users must reach their own */
    else if (create && errno != EEXIST) {
        pb_log(&args->log, LOG_ERR, "session tokens: cannot create %s: %s", root, strerror(errno));
        return -1;
    }
    if (lstat(root, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0) {
        if (create || errno != ENOENT)
            pb_log(&args->log, LOG_ERR, "session tokens: %s is missing, or not a root-owned directory "
                   "only root may change", root);
        return -1;
    }
    if ((st.st_mode & 0011) != 0011) {
        pb_log(&args->log, LOG_ERR, "session tokens: %s has mode %04o; users cannot reach their directory in it "
               "(0755 or 0711)", root, (unsigned) (st.st_mode & 07777));
        return -1;
    }
    return 0;
}

/* Each user's directory in session_cache_dir is the user's own, 0700. */
static int
user_cache_dir(struct pb_pam_args *args, const struct passwd *pw, int create, char *out, size_t cap)
{
    struct stat st;

    if (cache_root(args, create) != 0
        || (size_t) snprintf(out, cap, "%s/%lu", args->cfg.session_cache_dir, (unsigned long) pw->pw_uid) >= cap)
        return -1;
    if (create && mkdir(out, 0700) == 0 && lchown(out, pw->pw_uid, pw->pw_gid) != 0) {
        pb_log(&args->log, LOG_ERR, "session tokens: cannot give %s to %s: %s", out, pw->pw_name, strerror(errno));
        rmdir(out);
        return -1;
    }
    if (lstat(out, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode) || st.st_uid != pw->pw_uid || (st.st_mode & 077) != 0) {
        pb_log(&args->log, LOG_ERR, "session tokens: %s is not a directory of %s's with mode 0700", out,
               pw->pw_name);
        return -1;
    }
    /* Before the helper writes there: nothing added to a directory over the bound. */
    if (create && over_bound(args, out, pw->pw_uid))
        return -1;
    return 0;
}

/* The section whose cache holds the session token: authority=, else the
 * configuration's first. */
static int
authority_name(struct pb_pam_args *args, char *out, size_t cap)
{
    char names[4096];

    if (args->cfg.authority != NULL)
        return (size_t) snprintf(out, cap, "%s", args->cfg.authority) < cap ? 0 : -1;
    if (pb_conf_list_authorities(args->cfg.config, names, sizeof(names), &args->log) != PB_OK || names[0] == '\0') {
        pb_log(&args->log, LOG_ERR, "session token: no [authority NAME] section in %s", args->cfg.config);
        return -1;
    }
    names[strcspn(names, "\n")] = '\0';
    return (size_t) snprintf(out, cap, "%s", names) < cap ? 0 : -1;
}

/* What the session's bearer-token needs to find the same tokens: the cache,
 * and the configuration and section the module used. */
static int
export_session(struct pb_pam_args *args, const char *dir)
{
    char env[4200];
    int code;

    snprintf(env, sizeof(env), "%s=%s", CACHE_ENV, dir);
    code = pam_putenv(args->pamh, env);
    if (code == PAM_SUCCESS && (size_t) snprintf(env, sizeof(env), "BEARER_TOKEN_CONFIG=%s", args->cfg.config)
                                   < sizeof(env))
        code = pam_putenv(args->pamh, env);
    if (code == PAM_SUCCESS && args->cfg.authority != NULL) {
        snprintf(env, sizeof(env), "BEARER_TOKEN_AUTHORITY=%s", args->cfg.authority);
        code = pam_putenv(args->pamh, env);
    }
    return code;
}

/* How a run of bearer-token ended, for the counters. */
static enum pb_metrics_event
helper_event(int rc, int exit_status)
{
    if (rc != PB_SPAWN_OK)
        return PB_M_HELPER_NOT_RUN;
    switch (exit_status) {
    case PB_EXIT_OK:
        return PB_M_HELPER_OK;
    case PB_EXIT_REJECTED:
    case PB_EXIT_LOGIN_REQUIRED:
        return PB_M_HELPER_REFUSED;
    case PB_EXIT_UNREACHABLE:
        return PB_M_HELPER_UNREACHABLE;
    default:
        return PB_M_HELPER_FAILED;
    }
}

/* Run bearer-token COMMAND as the user with input on its standard input.
 * Returns its exit code, or -1 (logged) when it did not run to the end. */
static int
run_helper(struct pb_pam_args *args, const struct passwd *pw, const char *command, const char *dir,
           const char *input, size_t input_len)
{
    char env_path[] = "PATH=/usr/bin:/bin", env_home[4200], env_user[300], env_logname[300], env_cache[4200];
    char *envp[] = { env_path, env_home, env_user, env_logname, env_cache, NULL };
    const char *argv[12];
    char errbuf[512], shown[256];
    struct pb_spawn sp;
    int n = 0, exit_status = 0, rc;

    snprintf(env_home, sizeof(env_home), "HOME=%s", pw->pw_dir);
    snprintf(env_user, sizeof(env_user), "USER=%s", pw->pw_name);
    snprintf(env_logname, sizeof(env_logname), "LOGNAME=%s", pw->pw_name);
    snprintf(env_cache, sizeof(env_cache), "%s=%s", CACHE_ENV, dir);
    argv[n++] = args->cfg.bearer_token;
    argv[n++] = command;
    argv[n++] = "--config";
    argv[n++] = args->cfg.config;
    if (args->cfg.authority != NULL) {
        argv[n++] = "--authority";
        argv[n++] = args->cfg.authority;
    }
    if (strcmp(command, "logout") != 0) {
        argv[n++] = "--user";
        argv[n++] = pw->pw_name;
    }
    if (strcmp(command, "login") == 0)
        argv[n++] = "--password-stdin";
    /* What the store already holds serves this login too (the user's
     * other sessions use it): no new grant, nothing replaced. */
    if (strcmp(command, "login") == 0 || strcmp(command, "store") == 0)
        argv[n++] = "--reuse";
    argv[n] = NULL;

    memset(&sp, 0, sizeof(sp));
    sp.path = args->cfg.bearer_token;
    sp.argv = (char *const *) argv;
    sp.envp = envp;
    sp.user = pw->pw_name;
    sp.uid = pw->pw_uid;
    sp.gid = pw->pw_gid;
    sp.input = input;
    sp.input_len = input_len;
    sp.timeout = args->cfg.helper_timeout;
    rc = pb_spawn_run(&sp, &exit_status, errbuf, sizeof(errbuf));
    pb_metrics_add(args->ctx.metrics, helper_event(rc, exit_status));
    /* What the helper said: its first line, made safe for the log. */
    errbuf[strcspn(errbuf, "\n")] = '\0';
    pb_log_sanitize(shown, sizeof(shown), errbuf, strlen(errbuf));
    if (rc != PB_SPAWN_OK) {
        pb_log(&args->log, LOG_ERR, "session tokens: bearer-token %s for %s: %s", command, pw->pw_name, shown);
        return -1;
    }
    if (exit_status != 0)
        pb_log(&args->log, LOG_WARNING, "session tokens: bearer-token %s for %s exited %d: %s", command,
               pw->pw_name, exit_status, shown[0] ? shown : "(no message)");
    return exit_status;
}

int
pb_pam_obtain_tokens(struct pb_pam_args *args, const char *user, const char *secret, size_t len, int is_token)
{
    const struct passwd *pw = NULL;
    char dir[4096];
    int status = -1;

    /* Without obtain_tokens a login looks nobody up: an NSS lookup costs a
     * long-running host tens of system calls per transaction. */
    if (!args->cfg.obtain_tokens)
        return PAM_SUCCESS;
    if ((pw = pam_modutil_getpwnam(args->pamh, user)) == NULL) {
        pb_log(&args->log, LOG_ERR, "session tokens: no passwd entry for the user");
        goto done;
    }
    if (user_cache_dir(args, pw, 1, dir, sizeof(dir)) != 0)
        goto done;
    /* Counted from now: a concurrent last logout must not revoke what this
     * login is about to reuse. */
    (void) pb_pam_refs_login(args, pw);
    /* The secret goes over a socket; its end is the end of the input. */
    status = run_helper(args, pw, is_token ? "store" : "login", dir, secret, len);
    if (status == 0) {
        if (export_session(args, dir) != PAM_SUCCESS)
            status = -1;
        else
            pb_log(&args->log, LOG_INFO, "session tokens: %s for %s in %s", is_token ? "kept" : "obtained",
                   pw->pw_name, dir);
    }
done:
    if (status == 0 || !args->cfg.require_tokens)
        return PAM_SUCCESS;
    if (pw != NULL)
        pb_pam_refs_login_failed(args, pw);
    /* require_tokens: an unreachable authority lets the stack fall through;
     * a refusal is a refusal; anything else is the administrator's to fix. */
    return pb_pam_code(PB_PHASE_AUTH, pb_pam_helper_status(status < 0 ? -1 : status), PB_R_NONE);
}

/* bearer-token store's input: the access token, then the refresh token on
 * a line of its own (bearer-token(1)); built in a buffer wiped after use. */
int
pb_pam_keep_tokens(struct pb_pam_args *args, const char *user, const struct pb_tokens *t)
{
    size_t alen = strlen(t->access), rlen = t->refresh != NULL ? strlen(t->refresh) : 0, len = alen;
    char *input;
    int code;

    if (!args->cfg.obtain_tokens)
        return PAM_SUCCESS;
    if ((input = malloc(alen + rlen + 3)) == NULL)
        return args->cfg.require_tokens ? PAM_BUF_ERR : PAM_SUCCESS;
    memcpy(input, t->access, alen);
    if (rlen > 0) {
        input[len++] = '\n';
        memcpy(input + len, t->refresh, rlen);
        len += rlen;
    }
    input[len++] = '\n';
    input[len] = '\0';
    code = pb_pam_obtain_tokens(args, user, input, len, 1);
    pb_secret_free(input, alen + rlen + 3);
    return code;
}

int
pb_pam_open_session(struct pb_pam_args *args)
{
    const char *user = NULL;
    const struct passwd *pw;
    char dir[4096], name[PB_SECTION_NAME_MAX + 1], file[4200];
    int counts = args->cfg.obtain_tokens || args->cfg.revoke_on_logout;
    struct stat st;

    /* Nobody is looked up for nothing: NSS costs a long-running host. */
    if (!counts && !pb_pam_refs_login_pending(args))
        return PAM_IGNORE;
    if (pam_get_user(args->pamh, &user, NULL) != PAM_SUCCESS || (pw = pam_modutil_getpwnam(args->pamh, user)) == NULL)
        return counts ? PAM_SUCCESS : PAM_IGNORE;
    /* A session that may use the store counts until it closes; the login's
     * reference goes either way. */
    if (counts && cache_root(args, 0) == 0)
        pb_pam_refs_open(args, pw, 1);
    else if (pb_pam_refs_login_pending(args))
        pb_pam_refs_open(args, pw, 0);
    if (!args->cfg.obtain_tokens)
        return counts ? PAM_SUCCESS : PAM_IGNORE;
    /* Where authentication ran in another process, export again, but only
     * when this user's session cache really holds tokens. */
    if (pam_getenv(args->pamh, CACHE_ENV) != NULL || user_cache_dir(args, pw, 0, dir, sizeof(dir)) != 0
        || authority_name(args, name, sizeof(name)) != 0
        || (size_t) snprintf(file, sizeof(file), "%s/%s.json", dir, name) >= sizeof(file)
        || lstat(file, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != pw->pw_uid)
        return PAM_SUCCESS;
    (void) export_session(args, dir);
    return PAM_SUCCESS;
}

int
pb_pam_close_session(struct pb_pam_args *args)
{
    const char *user = NULL;
    const struct passwd *pw;
    char dir[4096];
    int status, fd = -1, last = 1;

    if (!args->cfg.obtain_tokens && !args->cfg.revoke_on_logout)
        return PAM_IGNORE;
    if (pam_get_user(args->pamh, &user, NULL) != PAM_SUCCESS || (pw = pam_modutil_getpwnam(args->pamh, user)) == NULL
        || cache_root(args, 0) != 0)
        return PAM_SUCCESS;     /* nothing was ever cached for this user */
    fd = pb_pam_refs_close(args, pw, &last);
    /* Only the last of the user's sessions revokes, holding the lock so that
     * no login starts to reuse what is being revoked. */
    if (!args->cfg.revoke_on_logout || !last || user_cache_dir(args, pw, 0, dir, sizeof(dir)) != 0)
        goto done;
    status = run_helper(args, pw, "logout", dir, NULL, 0);
    if (status == 0)
        pb_log(&args->log, LOG_INFO, "session tokens: revoked and removed for %s", pw->pw_name);
done:
    if (fd >= 0)
        close(fd);
    /* Logging out cannot be refused; the failure is in the log. */
    return PAM_SUCCESS;
}

enum pb_status
pb_pam_session_token(struct pb_pam_args *args, const char *user, int authenticating)
{
    const struct passwd *pw = pam_modutil_getpwnam(args->pamh, user);
    struct pb_tokens t = { 0 };
    struct pb_login_result result;
    char dir[4096], name[PB_SECTION_NAME_MAX + 1], err[512];
    enum pb_cache_result r;
    enum pb_status status = PB_REJECTED;
    int fd = -1;

    if (pw == NULL || authority_name(args, name, sizeof(name)) != 0)
        goto done;
    /* Who is asking, not only for whom: sudo runs PAM with the invoking
     * user's real uid; su, sshd, sudo's targetpw and root do not.  A session
     * token authorises its owner asking for themselves, nobody else. */
    if (authenticating && (getuid() == 0 || getuid() != pw->pw_uid)) {
        pb_log(&args->log, LOG_NOTICE, "rejected: not-owner: a session token serves only its owner asking for "
               "themselves; the caller's real uid is %lu (user %s, session token)", (unsigned long) getuid(),
               pw->pw_name);
        pb_metrics_login(args->ctx.metrics, PB_MP_SESSION_TOKEN, PB_REJECTED, PB_R_NOT_OWNER, pb_metrics_clock());
        goto done;
    }
    if (user_cache_dir(args, pw, 0, dir, sizeof(dir)) != 0) {
        pb_log(&args->log, LOG_NOTICE, "session token: none for %s", pw->pw_name);
        goto done;
    }
    /* The user's own directory and file, 0700 and 0600, no links, bounded. */
    r = pb_cache_open_dir_of(dir, pw->pw_uid, 0, &fd, err, sizeof(err));
    if (r == PB_CACHE_OK)
        r = pb_cache_read_of(fd, name, pw->pw_uid, &t, err, sizeof(err));
    if (r != PB_CACHE_OK) {
        pb_log(&args->log, r == PB_CACHE_ABSENT ? LOG_NOTICE : LOG_ERR, "session token: %s: %s",
               r == PB_CACHE_ABSENT ? "none" : "refused", err);
        goto done;
    }
    pb_log(&args->log, LOG_INFO, "session token: %s/%s.json of %s", dir, name, pw->pw_name);
    /* In the account phase the session's token speaks for the login: the
     * group allow-lists hold for it as for a typed one.  A login it
     * authenticated keeps it for the account phase, as a typed token. */
    status = pb_login_token_as(&args->ctx, authenticating ? PB_LOGIN_SESSION_TOKEN : PB_LOGIN_ACCOUNT, user, t.access,
                               strlen(t.access), &result);
    if (authenticating && status == PB_OK)
        pb_pam_remember_token(args, t.access, strlen(t.access));
done:
    if (fd >= 0)
        close(fd);
    pb_tokens_clear(&t);
    return status;
}
