/* bearer-token login, get, header, askpass, status, refresh, logout, store:
 * the user's tokens for one authority, kept in the cache and renewed before
 * they expire.  Only login, renewal and logout load the network plugin. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "commands.h"
#include "exchange.h"
#include "flags.h"
#include "net-plugin.h"
#include "secret.h"
#include "tokencache.h"

#define MAX_PASSWORD 4096

/* session_open's answer to --help: the usage went out, nothing else to do. */
#define HELP_SHOWN (-1)

struct session {
    const char *command;
    const char *config;
    const char *authority;      /* NULL: the first section */
    const char *user;
    int password_stdin, json, reuse;
    int device;                 /* login --device */
    long device_timeout;
    struct pb_authority auth;
    char dir[4096];
    int dirfd;
    struct pb_log log;
};

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "bearer-token: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void
usage(FILE *out, const char *command)
{
    pb_flags_usage(out, command, "", NULL, "Exit codes are listed in bearer-token(1).\n");
}

/* Parse the command line, load the authority and open the cache directory. */
static int
session_open(struct session *s, const char *command, int argc, char **argv)
{
    struct pb_flag_parser flags;
    const char *arg, *timeout = NULL;
    char err[512];
    enum pb_cache_result r;
    int flag;

    memset(s, 0, sizeof(*s));
    s->command = command;
    /* askpass cannot be given options (ssh runs it): the environment can. */
    s->config = getenv("BEARER_TOKEN_CONFIG") && getenv("BEARER_TOKEN_CONFIG")[0] == '/'
                    ? getenv("BEARER_TOKEN_CONFIG") : PB_DEFAULT_CONFIG;
    s->authority = getenv("BEARER_TOKEN_AUTHORITY") && getenv("BEARER_TOKEN_AUTHORITY")[0] != '\0'
                       ? getenv("BEARER_TOKEN_AUTHORITY") : NULL;
    s->dirfd = -1;
    s->device_timeout = 300;
    s->log.sink = pb_log_helper_sink;
    /* Only this command's flags are known to getopt: another's is unknown. */
    pb_flags_begin(&flags, command, argc, argv);
    while ((flag = pb_flags_next(&flags, &arg)) != PB_FLAGS_END) {
        switch (flag) {
        case PB_FLAG_CONFIG: s->config = arg; break;
        case PB_FLAG_AUTHORITY: s->authority = arg; break;
        case PB_FLAG_USER: s->user = arg; break;
        case PB_FLAG_PASSWORD_STDIN: s->password_stdin = 1; break;
        case PB_FLAG_JSON: s->json = 1; break;
        case PB_FLAG_REUSE: s->reuse = 1; break;
        case PB_FLAG_DEVICE: s->device = 1; break;
        case PB_FLAG_DEVICE_TIMEOUT: timeout = arg; break;
        case PB_FLAG_HELP: usage(stdout, command); return HELP_SHOWN;
        default: goto bad;
        }
    }
    if (optind != argc || (s->device && s->password_stdin))
        goto bad;
    if (timeout != NULL) {
        char *end;
        errno = 0;
        s->device_timeout = strtol(timeout, &end, 10);
        if (errno != 0 || end == timeout || *end != '\0' || s->device_timeout < 1 || s->device_timeout > 86400) {
            say("error: --timeout takes 1 to 86400 seconds");
            goto bad;
        }
    }
    if (pb_conf_load_authority(s->config, s->authority, &s->auth, &s->log) != PB_OK)
        return PB_EXIT_CONFIG;
    if (pb_cache_dir_path(s->dir, sizeof(s->dir), err, sizeof(err)) != 0) {
        say("error: %s", err);
        return PB_EXIT_CACHE;
    }
    r = pb_cache_open_dir(s->dir, 1, &s->dirfd, err, sizeof(err));
    if (r != PB_CACHE_OK) {
        say("error: unsafe cache: %s", err);
        return PB_EXIT_CACHE;
    }
    return PB_EXIT_OK;
bad:
    usage(stderr, command);
    return PB_EXIT_USAGE;
}

/* Every command ends here: wipe the tokens, close, and turn --help into 0. */
static int
session_end(struct session *s, struct pb_tokens *t, int rc)
{
    pb_tokens_clear(t);
    if (s->dirfd >= 0)
        close(s->dirfd);
    pb_authority_clear(&s->auth);
    return rc == HELP_SHOWN ? PB_EXIT_OK : rc;
}

static int
cache_exit(const struct session *s, enum pb_cache_result r, const char *err)
{
    if (r == PB_CACHE_ABSENT)
        say("not logged in to \"%s\": run 'bearer-token login%s%s'", s->auth.name,
            s->authority ? " --authority " : "", s->authority ? s->authority : "");
    else if (r == PB_CACHE_UNSAFE)
        say("error: unsafe cache: %s", err);
    else if (r != PB_CACHE_OK)
        say("error: damaged cache: %s", err);
    return pb_helper_cache_exit(r);
}

/* Renewal starts renew_before seconds ahead of expiry, but never later than
 * half-way through the token's life, so short-lived tokens renew in time. */
static long long
renew_time(const struct session *s, const struct pb_tokens *t)
{
    long long life = t->expires - t->obtained, window = s->auth.renew_before;

    if (life > 0 && window > life / 2)
        window = life / 2;
    return t->expires - window;
}

static int
needs_renewal(const struct session *s, const struct pb_tokens *t, long long now)
{
    return now >= renew_time(s, t);
}

static int
renewable(const struct session *s, const struct pb_tokens *t)
{
    return s->auth.refresh_path != NULL && t->refresh != NULL;
}

/* What the cache holds serves USER's login: theirs, and valid or renewable. */
static int
usable(const struct session *s, const struct pb_tokens *t, const char *user, long long now)
{
    return t->user != NULL && strcmp(t->user, user) == 0 && (now < t->expires || renewable(s, t));
}

static long
lock_timeout(const struct session *s)
{
    return s->auth.connect_timeout + s->auth.timeout + 5;
}

static int
locked(struct session *s, int *lockfd)
{
    char err[256];

    *lockfd = pb_cache_lock(s->dirfd, s->auth.name, lock_timeout(s), err, sizeof(err));
    if (*lockfd < 0) {
        say("error: cache lock: %s", err);
        return PB_EXIT_CACHE;
    }
    return PB_EXIT_OK;
}

static int
store(struct session *s, const struct pb_tokens *t)
{
    char err[512];

    if (pb_cache_write(s->dirfd, s->auth.name, t, err, sizeof(err)) != PB_CACHE_OK) {
        say("error: cannot save the tokens: %s", err);
        return PB_EXIT_CACHE;
    }
    return PB_EXIT_OK;
}

/* Renew under the lock.  Whoever waited for another renewal finds its result
 * in the cache and uses it: one request however many callers. */
static int
renew(struct session *s, int force, struct pb_tokens *t)
{
    const struct pb_net_plugin *net;
    struct pb_tokens fresh = { 0 };
    long long now;
    char err[512];
    enum pb_cache_result r;
    enum pb_status status;
    int lockfd, rc;

    if ((rc = locked(s, &lockfd)) != PB_EXIT_OK)
        return rc;
    pb_tokens_clear(t);
    now = (long long) time(NULL);
    if ((r = pb_cache_read(s->dirfd, s->auth.name, t, err, sizeof(err))) != PB_CACHE_OK) {
        rc = cache_exit(s, r, err);
        goto done;
    }
    if (!force && !needs_renewal(s, t, now))
        goto done;      /* someone renewed while we waited */
    if (!renewable(s, t)) {
        rc = pb_helper_exit(PB_STEP_RENEW, PB_REJECTED);
        say("\"%s\" gives no refresh token: run 'bearer-token login'", s->auth.name);
        goto done;
    }
    if ((net = pb_net_plugin(&s->log)) == NULL) {
        rc = pb_helper_exit(PB_STEP_RENEW, PB_CONFIG);
        goto done;
    }
    status = net->refresh(&s->auth, t, now, &fresh, &s->log);
    if (status == PB_OK) {
        rc = store(s, &fresh);
        pb_tokens_clear(t);
        *t = fresh;
    } else if (status == PB_REJECTED) {
        /* The refresh token is dead: what is left of the cache is useless. */
        (void) pb_cache_remove(s->dirfd, s->auth.name, err, sizeof(err));
        say("\"%s\" refused the refresh token: run 'bearer-token login'", s->auth.name);
        rc = pb_helper_exit(PB_STEP_RENEW, status);
    } else if (status == PB_UNAVAILABLE && !force && now < t->expires) {
        say("warning: could not renew at \"%s\"; this token expires in %lld s", s->auth.name, t->expires - now);
    } else {
        if (status == PB_UNAVAILABLE)
            say("error: \"%s\" is unreachable%s; the refresh token is kept for later", s->auth.name,
                now < t->expires ? "" : " and the token has expired");
        rc = pb_helper_exit(PB_STEP_RENEW, status);
    }
done:
    close(lockfd);
    return rc;
}

/* The tokens to hand out: from the cache, renewed first if due. */
static int
current(struct session *s, struct pb_tokens *t)
{
    long long now = (long long) time(NULL);
    char err[512];
    enum pb_cache_result r;

    if ((r = pb_cache_read(s->dirfd, s->auth.name, t, err, sizeof(err))) != PB_CACHE_OK)
        return cache_exit(s, r, err);
    if (!needs_renewal(s, t, now))
        return PB_EXIT_OK;
    if (renewable(s, t))
        return renew(s, 0, t);
    if (now < t->expires) {
        say("warning: this token expires in %lld s and \"%s\" cannot renew it: run 'bearer-token login'",
            t->expires - now, s->auth.name);
        return PB_EXIT_OK;
    }
    say("the token for \"%s\" has expired: run 'bearer-token login'", s->auth.name);
    return PB_EXIT_LOGIN_REQUIRED;
}

/* Never print a token that is already dead. */
static int
print_token(const struct session *s, const struct pb_tokens *t, int header)
{
    if ((long long) time(NULL) >= t->expires) {
        say("the token for \"%s\" has expired: run 'bearer-token login'", s->auth.name);
        return PB_EXIT_LOGIN_REQUIRED;
    }
    if (header)
        printf("Authorization: %s", pb_authority_scheme_prefix(&s->auth));
    printf("%s\n", t->access);
    if (fflush(stdout) != 0) {
        say("error: cannot write the token: %s", strerror(errno));
        return PB_EXIT_USAGE;
    }
    return PB_EXIT_OK;
}

static int
hand_out(int argc, char **argv, const char *command, int header)
{
    struct session s;
    struct pb_tokens t = { 0 };
    int rc = session_open(&s, command, argc, argv);

    if (rc == PB_EXIT_OK && (rc = current(&s, &t)) == PB_EXIT_OK)
        rc = print_token(&s, &t, header);
    return session_end(&s, &t, rc);
}

int
pb_cmd_get(int argc, char **argv)
{
    return hand_out(argc, argv, "get", 0);
}

int
pb_cmd_header(int argc, char **argv)
{
    return hand_out(argc, argv, "header", 1);
}

/* SSH_ASKPASS: ssh passes its prompt as the one argument; the answer is the
 * current token.  ssh cuts answers at 1,023 bytes and sudo refuses 512, so a
 * longer token goes in parts of ASKPASS_PART bytes, each but the last ending
 * in a backslash; pam_bearer.so asks "Token part N: " for part N.  A failure
 * exits non-zero, so ssh sends nothing. */
#define ASKPASS_PART 500

int
pb_cmd_askpass(int argc, char **argv)
{
    char *none[] = { argv[0], NULL };
    const char *prompt = argc == 2 ? argv[1] : "", *p = strstr(prompt, "part ");
    long part = p != NULL ? strtol(p + 5, NULL, 10) : 1;
    struct session s;
    struct pb_tokens t = { 0 };
    size_t len, from;
    int rc;

    if (argc == 2 && strcmp(argv[1], "--help") != 0)
        argc = 1;
    rc = session_open(&s, "askpass", argc, argc == 1 ? none : argv);
    if (rc == PB_EXIT_OK && (rc = current(&s, &t)) == PB_EXIT_OK) {
        len = strlen(t.access);
        from = part >= 1 ? (size_t) (part - 1) * ASKPASS_PART : len;
        if (len <= ASKPASS_PART && part == 1)
            printf("%s\n", t.access);
        else if (from < len)
            printf("%.*s%s\n", ASKPASS_PART, t.access + from, from + ASKPASS_PART < len ? "\\" : "");
        else {
            say("error: the token has no part %ld", part);
            rc = PB_EXIT_USAGE;
        }
        if (rc == PB_EXIT_OK && fflush(stdout) != 0)
            rc = PB_EXIT_USAGE;
    }
    return session_end(&s, &t, rc);
}

int
pb_cmd_refresh(int argc, char **argv)
{
    struct session s;
    struct pb_tokens t = { 0 };
    int rc = session_open(&s, "refresh", argc, argv);

    if (rc == PB_EXIT_OK)
        rc = renew(&s, 1, &t);
    return session_end(&s, &t, rc);
}

/* From the terminal without echo, or one line of standard input. */
static int
read_password(const struct session *s, const char *user, char *buf, size_t cap)
{
    struct termios saved, quiet;
    size_t len = 0;
    int fd = 0, tty = -1, rc = -1;
    char c;

    if (!s->password_stdin) {
        if ((tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
            say("error: no terminal to ask for the password on: use --password-stdin");
            return -1;
        }
        fd = tty;
        dprintf(tty, "Password for %s at %s: ", user, s->auth.name);
        if (tcgetattr(tty, &saved) == 0) {
            quiet = saved;
            quiet.c_lflag &= ~(tcflag_t) (ECHO | ECHONL);
            tcsetattr(tty, TCSAFLUSH, &quiet);
        }
    }
    for (;;) {
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || c == '\n')
            break;
        if (len + 1 >= cap) {
            say("error: the password is longer than %d bytes", 4095);
            goto done;
        }
        buf[len++] = c;
    }
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    if (len == 0) {
        say("error: empty password");
        goto done;
    }
    rc = 0;
done:
    if (tty >= 0) {
        tcsetattr(tty, TCSAFLUSH, &saved);
        dprintf(tty, "\n");
        close(tty);
    }
    return rc;
}

/* login --reuse, under the lock: the user's tokens in the cache serve this
 * login as they are while valid and not due, renewed when due.  Returns 1
 * when they served (*rc set), 0 when a password login is needed: nothing
 * usable, a refresh token refused, or a token due that cannot be renewed. */
static int
reuse(struct session *s, const struct pb_net_plugin *net, const char *user, struct pb_tokens *t, int *rc)
{
    struct pb_tokens fresh = { 0 };
    long long now = (long long) time(NULL);
    char err[512];
    enum pb_status status;

    if (pb_cache_read(s->dirfd, s->auth.name, t, err, sizeof(err)) != PB_CACHE_OK || !usable(s, t, user, now))
        goto grant;
    if (!needs_renewal(s, t, now)) {
        say("kept the tokens already cached for %s (valid for %lld s)", user, t->expires - now);
        *rc = PB_EXIT_OK;
        return 1;
    }
    if (!renewable(s, t))
        goto grant;
    status = net->refresh(&s->auth, t, now, &fresh, &s->log);
    if (status == PB_OK) {
        *rc = store(s, &fresh);
        pb_tokens_clear(t);
        *t = fresh;
        say("renewed the tokens already cached for %s", user);
        return 1;
    }
    if (status == PB_UNAVAILABLE && now < t->expires) {
        say("warning: could not renew at \"%s\"; kept the cached token, valid for %lld s", s->auth.name,
            t->expires - now);
        *rc = PB_EXIT_OK;
        return 1;
    }
grant:
    pb_tokens_clear(t);
    return 0;
}

int
pb_cmd_login(int argc, char **argv)
{
    struct session s;
    struct pb_tokens t = { 0 };
    const struct pb_net_plugin *net;
    const char *user;
    char *password = NULL;
    struct passwd *pw;
    enum pb_status status;
    int rc = session_open(&s, "login", argc, argv), lockfd = -1;

    if (rc != PB_EXIT_OK)
        goto done;
    user = s.user;
    if (user == NULL && (pw = getpwuid(getuid())) != NULL)
        user = pw->pw_name;
    if (user == NULL || *user == '\0') {
        say("error: who are you? give --user NAME");
        rc = PB_EXIT_USAGE;
        goto done;
    }
    if (!s.device
        && ((password = malloc(MAX_PASSWORD)) == NULL || read_password(&s, user, password, MAX_PASSWORD) != 0)) {
        rc = PB_EXIT_USAGE;
        goto done;
    }
    if ((net = pb_net_plugin(&s.log)) == NULL) {
        rc = pb_helper_exit(PB_STEP_LOGIN, PB_CONFIG);
        goto done;
    }
    /* A device login waits minutes for the user: the lock only to store. */
    if (s.device) {
        status = net->device_login(&s.auth, user, s.device_timeout, &t, &s.log);
        if (status == PB_OK && (rc = locked(&s, &lockfd)) != PB_EXIT_OK)
            goto done;
        if (status == PB_UNAVAILABLE)
            say("error: \"%s\" is unreachable or gave no usable answer; nothing was changed", s.auth.name);
        rc = status == PB_OK ? store(&s, &t) : pb_helper_exit(PB_STEP_LOGIN, status);
        goto done;
    }
    if ((rc = locked(&s, &lockfd)) != PB_EXIT_OK)
        goto done;
    if (s.reuse && reuse(&s, net, user, &t, &rc))
        goto done;
    status = net->login(&s.auth, user, password, (long long) time(NULL), &t, &s.log);
    if (status == PB_REJECTED)
        say("\"%s\" refused the user name or password", s.auth.name);
    else if (status == PB_UNAVAILABLE)
        say("error: \"%s\" is unreachable; nothing was changed", s.auth.name);
    rc = status == PB_OK ? store(&s, &t) : pb_helper_exit(PB_STEP_LOGIN, status);
done:
    if (lockfd >= 0)
        close(lockfd);
    if (password != NULL)
        pb_secret_free(password, MAX_PASSWORD);
    return session_end(&s, &t, rc);
}

/* Revoke where the authority can, then remove the cache in any case. */
int
pb_cmd_logout(int argc, char **argv)
{
    struct session s;
    struct pb_tokens t = { 0 };
    const struct pb_net_plugin *net;
    char err[512];
    enum pb_cache_result r;
    enum pb_status status;
    int rc = session_open(&s, "logout", argc, argv), lockfd = -1;

    if (rc != PB_EXIT_OK || (rc = locked(&s, &lockfd)) != PB_EXIT_OK)
        goto done;
    r = pb_cache_read(s.dirfd, s.auth.name, &t, err, sizeof(err));
    if (r == PB_CACHE_ABSENT)
        goto done;
    if (r != PB_CACHE_OK)
        say("warning: %s; removing it without revoking", err);
    else if (s.auth.revoke != PB_REVOKE_NONE) {
        if ((net = pb_net_plugin(&s.log)) == NULL)
            rc = pb_helper_exit(PB_STEP_REVOKE, PB_CONFIG);
        else if ((status = net->revoke(&s.auth, &t, &s.log)) != PB_OK) {
            say("warning: could not revoke at \"%s\"; the tokens stay valid there until they expire",
                s.auth.name);
            rc = pb_helper_exit(PB_STEP_REVOKE, status);
        }
    }
    if (pb_cache_remove(s.dirfd, s.auth.name, err, sizeof(err)) != PB_CACHE_OK) {
        say("error: %s", err);
        rc = PB_EXIT_CACHE;
    }
done:
    if (lockfd >= 0)
        close(lockfd);
    return session_end(&s, &t, rc);
}

static void
iso_time(long long when, char *out, size_t cap)
{
    time_t t = (time_t) when;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "%lld", when);
}

static void
json_string_out(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* Who, where, and when things expire; never the tokens themselves. */
int
pb_cmd_status(int argc, char **argv)
{
    struct session s;
    struct pb_tokens t = { 0 };
    char err[512], expires[32], renew_at[32];
    long long now = (long long) time(NULL), renew;
    enum pb_cache_result r;
    int rc = session_open(&s, "status", argc, argv);

    if (rc != PB_EXIT_OK)
        goto done;
    r = pb_cache_read(s.dirfd, s.auth.name, &t, err, sizeof(err));
    if (r != PB_CACHE_OK && r != PB_CACHE_ABSENT) {
        rc = cache_exit(&s, r, err);
        goto done;
    }
    if (s.json) {
        printf("{\"authority\":");
        json_string_out(s.auth.name);
        printf(",\"preset\":\"%s\",\"url\":", pb_authority_preset_name(&s.auth));
        json_string_out(s.auth.url);
        printf(",\"cache\":");
        json_string_out(s.dir);
    } else {
        printf("authority:     %s (%s, %s)\n", s.auth.name, pb_authority_preset_name(&s.auth), s.auth.url);
        printf("cache:         %s\n", s.dir);
    }
    if (r == PB_CACHE_ABSENT) {
        printf(s.json ? ",\"logged_in\":false}\n" : "logged in:     no\n");
        rc = PB_EXIT_LOGIN_REQUIRED;
        goto done;
    }
    renew = renew_time(&s, &t);
    iso_time(t.expires, expires, sizeof(expires));
    iso_time(renew, renew_at, sizeof(renew_at));
    if (s.json) {
        printf(",\"logged_in\":true,\"user\":");
        json_string_out(t.user);
        printf(",\"obtained\":%lld,\"access_token_expires\":%lld,\"access_token_valid\":%s,"
               "\"renew_at\":%lld,\"refresh_token\":%s,\"renewable\":%s",
               t.obtained, t.expires, now < t.expires ? "true" : "false", renew, t.refresh ? "true" : "false",
               renewable(&s, &t) ? "true" : "false");
        if (t.scope != NULL) {
            printf(",\"scope\":");
            json_string_out(t.scope);
        }
        printf("}\n");
    } else {
        printf("user:          %s\n", t.user);
        printf("access token:  %s %s (%s)\n", now < t.expires ? "expires" : "EXPIRED", expires,
               now < t.expires ? "valid" : "log in again or refresh");
        if (renewable(&s, &t))
            printf("renewal:       from %s, by the first get or refresh\n", renew_at);
        printf("refresh token: %s\n", t.refresh == NULL ? "none (renewing needs a new login)"
                                      : "present (its expiry is the authority's to tell)");
        if (t.scope != NULL)
            printf("scope:         %s\n", t.scope);
    }
    rc = PB_EXIT_OK;
done:
    return session_end(&s, &t, rc);
}

/* store's input: the access token, then optionally the refresh token the
 * authority issued with it, one a line.  The module writes it to a socket
 * (never argv or the environment). */
#define STORE_MAX_INPUT (2 * PB_JWS_MAX_TOKEN + 4)

static const char jws_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

/* The next line of buf (NUL-terminated in place, a CR before its LF
 * dropped), or NULL at the end; *pos moves past it. */
static char *
next_line(char *buf, size_t len, size_t *pos)
{
    char *line = buf + *pos, *nl;
    size_t n;

    if (*pos >= len)
        return NULL;
    nl = memchr(line, '\n', len - *pos);
    n = nl != NULL ? (size_t) (nl - line) : len - *pos;
    *pos += n + (nl != NULL);
    line[n] = '\0';
    if (n > 0 && line[n - 1] == '\r')
        line[n - 1] = '\0';
    return line;
}

/* Read store's input into t->access and t->refresh (the caller clears t).
 * 0, or -1 with nothing kept when it is empty, oversized, has more lines or
 * a line is not what it must be. */
static int
read_store_input(struct pb_tokens *t)
{
    size_t cap = STORE_MAX_INPUT + 2, len = 0, pos = 0;
    char *buf = malloc(cap), *line[3] = { NULL };
    ssize_t n;
    int nlines = 0, rc = -1;

    if (buf == NULL)
        return -1;
    while (len < cap - 1 && (n = read(0, buf + len, cap - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto done;
        len += (size_t) n;
    }
    if (len > STORE_MAX_INPUT || memchr(buf, '\0', len) != NULL)
        goto done;
    /* Trailing line ends are no lines of their own; an empty line between is
     * refused. */
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    buf[len] = '\0';
    while (nlines < 3 && (line[nlines] = next_line(buf, len, &pos)) != NULL)
        nlines++;
    if (nlines < 1 || nlines > 2)
        goto done;
    if (strlen(line[0]) == 0 || strlen(line[0]) > PB_JWS_MAX_TOKEN || strspn(line[0], jws_chars) != strlen(line[0]))
        goto done;
    if (nlines == 2 && !pb_exchange_visible(line[1], strlen(line[1]), PB_JWS_MAX_TOKEN))
        goto done;
    if ((t->access = strdup(line[0])) == NULL || (nlines == 2 && (t->refresh = strdup(line[1])) == NULL))
        goto done;
    rc = 0;
done:
    pb_secret_free(buf, cap);
    if (rc != 0) {
        pb_secret_free_str(t->access);
        pb_secret_free_str(t->refresh);
        t->access = t->refresh = NULL;
    }
    return rc;
}

/* store --reuse, under the lock: the user's other sessions may use what the
 * cache holds; the token is stored only when nothing there is usable. */
static int
store_unless_usable(struct session *s, const struct pb_tokens *t, long long now)
{
    struct pb_tokens old = { 0 };
    char err[512];
    int keep = pb_cache_read(s->dirfd, s->auth.name, &old, err, sizeof(err)) == PB_CACHE_OK
               && usable(s, &old, t->user, now);

    pb_tokens_clear(&old);
    if (keep) {
        say("kept the tokens already cached for %s; the token was not stored", t->user);
        return PB_EXIT_OK;
    }
    return store(s, t);
}

/* Put a token the user already holds (e.g. the one they logged in with)
 * into the cache, with the refresh token issued with it when given (a
 * device login at the prompt): then it is renewed like a login's; without,
 * it serves until its exp. */
int
pb_cmd_store(int argc, char **argv)
{
    struct session s;
    struct pb_tokens t = { 0 };
    struct passwd *pw;
    long long now = (long long) time(NULL);
    int rc = session_open(&s, "store", argc, argv), lockfd = -1;

    if (rc != PB_EXIT_OK)
        goto done;
    if (read_store_input(&t) != 0) {
        say("error: standard input is not a compact JWS token of at most %d bytes, optionally followed by a "
            "line with a refresh token of visible ASCII of at most %d bytes",
            PB_JWS_MAX_TOKEN, PB_JWS_MAX_TOKEN);
        rc = PB_EXIT_USAGE;
        goto done;
    }
    t.expires = pb_exchange_jwt_exp(t.access);
    if (t.expires <= now) {
        say("error: the token %s", t.expires < 0 ? "has no exp claim" : "has expired");
        rc = PB_EXIT_REJECTED;
        goto done;
    }
    t.obtained = now;
    t.user = strdup(s.user ? s.user : (pw = getpwuid(getuid())) != NULL ? pw->pw_name : "");
    if (t.user == NULL || t.user[0] == '\0') {
        rc = PB_EXIT_USAGE;
        goto done;
    }
    if ((rc = locked(&s, &lockfd)) == PB_EXIT_OK)
        rc = s.reuse ? store_unless_usable(&s, &t, now) : store(&s, &t);
done:
    if (lockfd >= 0)
        close(lockfd);
    return session_end(&s, &t, rc);
}
