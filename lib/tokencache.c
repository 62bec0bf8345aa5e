/* The per-user token cache.  Everything is opened relative to the directory's
 * descriptor with O_NOFOLLOW, and checked with fstat on what was opened, so a
 * link planted between a check and a use gains nothing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "io.h"
#include "secret.h"
#include "time-limit.h"
#include "tokencache.h"

#define CACHE_VERSION 1

void
pb_tokens_clear(struct pb_tokens *t)
{
    pb_secret_free_str(t->user);
    pb_secret_free_str(t->access);
    pb_secret_free_str(t->refresh);
    pb_secret_free_str(t->scope);
    memset(t, 0, sizeof(*t));
}

const char *
pb_cache_result_name(enum pb_cache_result r)
{
    static const char *const names[] = { "ok", "absent", "unsafe", "corrupt", "error" };
    return names[r];
}

int
pb_cache_dir_path(char *out, size_t cap, char *err, size_t errlen)
{
    const char *env = getenv(PB_CACHE_ENV), *home;
    struct passwd *pw;
    int n;

    if (env != NULL && *env != '\0') {
        if (env[0] != '/') {
            snprintf(err, errlen, "%s must be an absolute path", PB_CACHE_ENV);
            return -1;
        }
        n = snprintf(out, cap, "%s", env);
    } else if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && env[0] == '/') {
        n = snprintf(out, cap, "%s/bearer-token", env);
    } else {
        home = getenv("HOME");
        if ((home == NULL || home[0] != '/') && (pw = getpwuid(getuid())) != NULL)
            home = pw->pw_dir;
        if (home == NULL || home[0] != '/') {
            snprintf(err, errlen, "no cache directory: set %s, XDG_RUNTIME_DIR or HOME", PB_CACHE_ENV);
            return -1;
        }
        n = snprintf(out, cap, "%s/.cache/bearer-token", strcmp(home, "/") == 0 ? "" : home);
    }
    if (n < 0 || (size_t) n >= cap) {
        snprintf(err, errlen, "cache directory path too long");
        return -1;
    }
    return 0;
}

static enum pb_cache_result
check_private(const struct stat *st, uid_t owner, const char *what, int want_dir, char *err, size_t errlen)
{
    if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
        snprintf(err, errlen, "%s is not a %s", what, want_dir ? "directory" : "regular file");
        return PB_CACHE_UNSAFE;
    }
    if (st->st_uid != owner) {
        snprintf(err, errlen, "%s belongs to uid %lu, not to uid %lu", what, (unsigned long) st->st_uid,
                 (unsigned long) owner);
        return PB_CACHE_UNSAFE;
    }
    if ((st->st_mode & 077) != 0) {
        snprintf(err, errlen, "%s has mode %04o; it must be %s", what, (unsigned) (st->st_mode & 07777),
                 want_dir ? "0700" : "0600");
        return PB_CACHE_UNSAFE;
    }
    return PB_CACHE_OK;
}

/* ~/.cache may be missing on a fresh account; its parent is the home. */
static void
make_parent(const char *path)
{
    char parent[4096];
    char *slash;

    snprintf(parent, sizeof(parent), "%s", path);
    if ((slash = strrchr(parent, '/')) == NULL || slash == parent)
        return;
    *slash = '\0';
    (void) mkdir(parent, 0700);
}

enum pb_cache_result
pb_cache_open_dir(const char *path, int create, int *dirfd, char *err, size_t errlen)
{
    return pb_cache_open_dir_of(path, geteuid(), create, dirfd, err, errlen);
}

enum pb_cache_result
pb_cache_open_dir_of(const char *path, uid_t owner, int create, int *dirfd, char *err, size_t errlen)
{
    struct stat st;
    enum pb_cache_result r;
    int fd;

    *dirfd = -1;
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        make_parent(path);
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            return PB_CACHE_ERROR;
        }
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT) {
            snprintf(err, errlen, "%s does not exist", path);
            return PB_CACHE_ABSENT;
        }
        snprintf(err, errlen, "cannot open %s: %s", path,
                 e == ELOOP || e == ENOTDIR ? "a symbolic link or not a directory" : strerror(e));
        return e == ELOOP || e == ENOTDIR ? PB_CACHE_UNSAFE : PB_CACHE_ERROR;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot examine %s: %s", path, strerror(errno));
        close(fd);
        return PB_CACHE_ERROR;
    }
    if ((r = check_private(&st, owner, path, 1, err, errlen)) != PB_CACHE_OK) {
        close(fd);
        return r;
    }
    *dirfd = fd;
    return PB_CACHE_OK;
}

static int
file_name(char *out, size_t cap, const char *authority, const char *suffix)
{
    int n = snprintf(out, cap, "%s%s", authority, suffix);
    return n < 0 || (size_t) n >= cap || strchr(authority, '/') != NULL || authority[0] == '.' ? -1 : 0;
}

static int
take_string(json_t *obj, const char *key, int required, char **out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return required ? -1 : 0;
    if (!json_is_string(v) || json_string_length(v) == 0
        || strlen(json_string_value(v)) != json_string_length(v))
        return -1;
    return (*out = strdup(json_string_value(v))) == NULL ? -1 : 0;
}

static int
take_time(json_t *obj, const char *key, long long *out)
{
    json_t *v = json_object_get(obj, key);
    /* Later helpers subtract these: a date past the limit is a damaged file. */
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > PB_TIME_LIMIT)
        return -1;
    *out = json_integer_value(v);
    return 0;
}

static enum pb_cache_result
parse(const unsigned char *data, size_t len, struct pb_tokens *out, char *err, size_t errlen)
{
    json_t *root, *version;
    json_error_t jerr;
    enum pb_cache_result r = PB_CACHE_CORRUPT;

    root = json_loadb((const char *) data, len, JSON_REJECT_DUPLICATES, &jerr);
    version = json_object_get(root, "version");
    if (!json_is_object(root) || !json_is_integer(version) || json_integer_value(version) != CACHE_VERSION
        || take_string(root, "user", 1, &out->user) != 0 || take_string(root, "access_token", 1, &out->access) != 0
        || take_string(root, "refresh_token", 0, &out->refresh) != 0
        || take_string(root, "scope", 0, &out->scope) != 0 || take_time(root, "obtained", &out->obtained) != 0
        || take_time(root, "expires", &out->expires) != 0) {
        snprintf(err, errlen, "the cache file is not one bearer-token wrote (version %d)", CACHE_VERSION);
        pb_tokens_clear(out);
        goto done;
    }
    r = PB_CACHE_OK;
done:
    json_decref(root);
    return r;
}

enum pb_cache_result
pb_cache_read(int dirfd, const char *authority, struct pb_tokens *out, char *err, size_t errlen)
{
    return pb_cache_read_of(dirfd, authority, geteuid(), out, err, errlen);
}

enum pb_cache_result
pb_cache_read_of(int dirfd, const char *authority, uid_t owner, struct pb_tokens *out, char *err, size_t errlen)
{
    char name[128];
    unsigned char *data = NULL;
    struct stat st;
    enum pb_cache_result r;
    size_t len = 0;
    ssize_t got;
    int fd;

    memset(out, 0, sizeof(*out));
    if (file_name(name, sizeof(name), authority, ".json") != 0) {
        snprintf(err, errlen, "bad authority name");
        return PB_CACHE_ERROR;
    }
    fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT) {
            snprintf(err, errlen, "no tokens for authority \"%s\"", authority);
            return PB_CACHE_ABSENT;
        }
        snprintf(err, errlen, "cannot open the cache file %s: %s", name,
                 e == ELOOP ? "it is a symbolic link" : strerror(e));
        return e == ELOOP ? PB_CACHE_UNSAFE : PB_CACHE_ERROR;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot examine %s: %s", name, strerror(errno));
        r = PB_CACHE_ERROR;
        goto done;
    }
    if ((r = check_private(&st, owner, name, 0, err, errlen)) != PB_CACHE_OK)
        goto done;
    if (st.st_size <= 0 || st.st_size > PB_CACHE_MAX_FILE) {
        snprintf(err, errlen, "the cache file %s has an impossible size (%lld bytes)", name,
                 (long long) st.st_size);
        r = PB_CACHE_CORRUPT;
        goto done;
    }
    if ((data = malloc((size_t) st.st_size + 1)) == NULL) {
        r = PB_CACHE_ERROR;
        goto done;
    }
    while (len < (size_t) st.st_size && (got = read(fd, data + len, (size_t) st.st_size - len)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "cannot read %s: %s", name, strerror(errno));
            r = PB_CACHE_ERROR;
            goto done;
        }
        len += (size_t) got;
    }
    r = parse(data, len, out, err, errlen);
done:
    if (data != NULL)
        pb_secret_free(data, (size_t) st.st_size + 1);
    close(fd);
    return r;
}

static json_t *
to_json(const struct pb_tokens *t)
{
    json_t *root = json_object();

    if (root == NULL || json_object_set_new(root, "version", json_integer(CACHE_VERSION)) != 0
        || json_object_set_new(root, "user", json_string(t->user)) != 0
        || json_object_set_new(root, "obtained", json_integer(t->obtained)) != 0
        || json_object_set_new(root, "expires", json_integer(t->expires)) != 0
        || json_object_set_new(root, "access_token", json_string(t->access)) != 0
        || (t->refresh != NULL && json_object_set_new(root, "refresh_token", json_string(t->refresh)) != 0)
        || (t->scope != NULL && json_object_set_new(root, "scope", json_string(t->scope)) != 0)) {
        json_decref(root);
        return NULL;
    }
    return root;
}

enum pb_cache_result
pb_cache_write(int dirfd, const char *authority, const struct pb_tokens *t, char *err, size_t errlen)
{
    char name[128], tmp[128];
    json_t *root = NULL;
    char *text = NULL;
    enum pb_cache_result r = PB_CACHE_ERROR;
    int fd = -1;

    if (file_name(name, sizeof(name), authority, ".json") != 0
        || file_name(tmp, sizeof(tmp), authority, ".json.tmp") != 0) {
        snprintf(err, errlen, "bad authority name");
        return PB_CACHE_ERROR;
    }
    if ((root = to_json(t)) == NULL || (text = json_dumps(root, JSON_COMPACT)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    /* Never write a file that pb_cache_read would refuse. */
    if (strlen(text) + 1 > PB_CACHE_MAX_FILE) {
        snprintf(err, errlen, "the tokens are too large to cache (%zu bytes, at most %d)", strlen(text) + 1,
                 PB_CACHE_MAX_FILE);
        goto done;
    }
    /* Writers hold the lock, so one fixed temporary name is enough, and a
     * leftover from a killed writer is simply replaced. */
    if (unlinkat(dirfd, tmp, 0) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove %s: %s", tmp, strerror(errno));
        goto done;
    }
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || pb_write_all(fd, text, strlen(text)) != 0 || pb_write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto done;
    }
    fd = -1;
    if (renameat(dirfd, tmp, dirfd, name) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, name, strerror(errno));
        goto done;
    }
    (void) fsync(dirfd);    /* the rename itself survives a crash */
    r = PB_CACHE_OK;
done:
    if (fd >= 0)
        close(fd);
    if (r != PB_CACHE_OK)
        (void) unlinkat(dirfd, tmp, 0);
    pb_secret_free_str(text);
    json_decref(root);
    return r;
}

enum pb_cache_result
pb_cache_remove(int dirfd, const char *authority, char *err, size_t errlen)
{
    char name[128];

    if (file_name(name, sizeof(name), authority, ".json") != 0) {
        snprintf(err, errlen, "bad authority name");
        return PB_CACHE_ERROR;
    }
    if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove %s: %s", name, strerror(errno));
        return PB_CACHE_ERROR;
    }
    (void) fsync(dirfd);
    return PB_CACHE_OK;
}

static void
on_alarm(int sig)
{
    (void) sig;   /* only interrupts flock */
}

int
pb_cache_lock(int dirfd, const char *authority, long timeout, char *err, size_t errlen)
{
    struct sigaction sa, old;
    char name[128];
    struct stat st;
    int fd, rc, e;

    if (file_name(name, sizeof(name), authority, ".lock") != 0) {
        snprintf(err, errlen, "bad authority name");
        return -1;
    }
    fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the lock %s: %s", name,
                 errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || check_private(&st, geteuid(), name, 0, err, errlen) != PB_CACHE_OK) {
        close(fd);
        return -1;
    }
    /* A blocking flock that SIGALRM interrupts: no polling delay for the
     * waiters of a renewal.  The code is in the shared library, but only
     * bearer-token (single-threaded, a process of its own) calls it: the
     * module never installs a signal handler. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    alarm((unsigned) timeout);
    rc = flock(fd, LOCK_EX);
    e = errno;
    alarm(0);
    sigaction(SIGALRM, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "%s", e == EINTR ? "another bearer-token kept the cache locked too long"
                                               : strerror(e));
        close(fd);
        return -1;
    }
    return fd;
}
