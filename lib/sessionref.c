/* Session references (see sessionref.h).  Everything is opened relative to a
 * checked directory descriptor, never following a link; the directories are
 * the caller's (root's) and 0700, so no other user can place, replace, read
 * or lock anything in them. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sessionref.h"

/* What the kernel writes when no audit session or login uid was set. */
#define AUDIT_UNSET 4294967295ULL
/* /proc/PID/stat: a command of 16 bytes and 50 numbers fit with room. */
#define STAT_MAX 4096

struct ref {
    char kind;                  /* 'a', 'p' or 'l' */
    unsigned long long sid, pid, start, nonce;
};

/* A small /proc file into buf (NUL-terminated); its length or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
    ssize_t got, len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0)
        return -1;
    while ((size_t) len < cap - 1 && (got = read(fd, buf + len, cap - 1 - (size_t) len)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            len = -1;
            break;
        }
        len += got;
    }
    close(fd);
    if (len >= 0)
        buf[len] = '\0';
    return len;
}

/* One decimal number of at most 20 digits, nothing else but blanks around. */
static int
read_number(const char *path, unsigned long long *out)
{
    char buf[32], *end;

    if (read_small(path, buf, sizeof(buf)) <= 0 || buf[0] < '0' || buf[0] > '9')
        return -1;
    errno = 0;
    *out = strtoull(buf, &end, 10);
    return errno == 0 && (*end == '\0' || *end == '\n') ? 0 : -1;
}

/* Field 22 of /proc/PID/stat (PID "self" or digits): its start time. */
static int
start_time(const char *pid, unsigned long long *out)
{
    char path[64], buf[STAT_MAX], *p, *end;

    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    if (read_small(path, buf, sizeof(buf)) <= 0 || (p = strrchr(buf, ')')) == NULL)
        return -1;
    /* The command (field 2) may hold anything up to the last ')'; fields 3
     * to 21 follow it, then the start time. */
    p++;
    for (int field = 3;; field++) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return -1;
        if (field == 22)
            break;
        while (*p != ' ' && *p != '\0')
            p++;
    }
    errno = 0;
    *out = strtoull(p, &end, 10);
    return errno == 0 && end != p && (*end == ' ' || *end == '\n' || *end == '\0') ? 0 : -1;
}

/* Tells apart sessions that one process holds at once (a long-running
 * service that opens several sessions of a user through PAM): random, else
 * the monotonic clock's nanoseconds and the thread.  No state is kept. */
static unsigned long long
nonce(void)
{
    unsigned long long v = 0;
    struct timespec ts;

    if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t) sizeof(v))
        return v;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((unsigned long long) ts.tv_sec * 1000000000ULL + (unsigned long long) ts.tv_nsec)
           ^ ((unsigned long long) gettid() << 40);
}

int
pb_sref_self_name(enum pb_sref_kind kind, uid_t uid, char *out, size_t cap, char *err, size_t errlen)
{
    unsigned long long start, sid, loginuid, parent_sid = AUDIT_UNSET;
    char path[64];
    int n;

    if (start_time("self", &start) != 0) {
        snprintf(err, errlen, "cannot read /proc/self/stat");
        return -1;
    }
    snprintf(path, sizeof(path), "/proc/%ld/sessionid", (long) getppid());
    /* An audit session of our own: pam_loginuid set it for UID in this
     * process (an inherited one is shared with every sibling). */
    if (kind == PB_SREF_SESSION && read_number("/proc/self/sessionid", &sid) == 0 && sid != AUDIT_UNSET
        && read_number("/proc/self/loginuid", &loginuid) == 0 && loginuid == (unsigned long long) uid
        && (read_number(path, &parent_sid) != 0 || parent_sid != sid))
        n = snprintf(out, cap, "a%llu.%ld.%llu", sid, (long) getpid(), start);
    else if (kind == PB_SREF_SESSION)
        n = snprintf(out, cap, "p%ld.%llu.%llu", (long) getpid(), start, nonce());
    else
        n = snprintf(out, cap, "l%ld.%llu", (long) getpid(), start);
    if (n < 0 || (size_t) n >= cap) {
        snprintf(err, errlen, "reference name too long");
        return -1;
    }
    return 0;
}

/* DIGITS in canonical form (no sign, no leading zero), at most max digits. */
static const char *
parse_digits(const char *p, int max, unsigned long long *out)
{
    const char *q = p;
    unsigned long long v = 0;

    while (*q >= '0' && *q <= '9' && q - p < max) {
        if (v > (UINT64_MAX - (unsigned) (*q - '0')) / 10)
            return NULL;
        v = v * 10 + (unsigned) (*q++ - '0');
    }
    if (q == p || (*p == '0' && q - p > 1) || (*q >= '0' && *q <= '9'))
        return NULL;
    *out = v;
    return q;
}

static int
parse(const char *name, struct ref *r)
{
    const char *p = name + 1;

    memset(r, 0, sizeof(*r));
    r->kind = name[0];
    if (r->kind != 'a' && r->kind != 'p' && r->kind != 'l')
        return -1;
    if (r->kind == 'a' && ((p = parse_digits(p, 10, &r->sid)) == NULL || *p++ != '.' || r->sid >= AUDIT_UNSET))
        return -1;
    if ((p = parse_digits(p, 10, &r->pid)) == NULL || *p++ != '.' || r->pid == 0 || r->pid > INT32_MAX
        || (p = parse_digits(p, 20, &r->start)) == NULL)
        return -1;
    if (r->kind == 'p' && (*p++ != '.' || (p = parse_digits(p, 20, &r->nonce)) == NULL))
        return -1;
    if (*p != '\0')
        return -1;
    return 0;
}

int
pb_sref_valid_name(const char *name, int kind)
{
    struct ref r;

    if (name == NULL || strlen(name) >= PB_SREF_NAME_MAX || parse(name, &r) != 0)
        return 0;
    return kind < 0 || (kind == PB_SREF_LOGIN) == (r.kind == 'l');
}

/* The process that took the reference still runs (same pid, same start),
 * and for an audit session, still in it. */
static int
alive(const struct ref *r)
{
    char pid[24], path[64];
    unsigned long long start, sid;

    snprintf(pid, sizeof(pid), "%llu", r->pid);
    if (start_time(pid, &start) != 0 || start != r->start)
        return 0;
    snprintf(path, sizeof(path), "/proc/%llu/sessionid", r->pid);
    return r->kind != 'a' || (read_number(path, &sid) == 0 && sid == r->sid);
}

/* A directory of ours, 0700, not a link: descriptor, or -1 (err). */
static int
private_dir(int at, const char *name, int create, char *err, size_t errlen)
{
    struct stat st;
    int fd;

    if (create && mkdirat(at, name, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", name, strerror(errno));
        return -1;
    }
    if ((fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open %s: %s", name,
                 e == ELOOP || e == ENOTDIR ? "a symbolic link or not a directory" : strerror(e));
        return e == ENOENT ? -2 : -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        snprintf(err, errlen, "%s is not a directory of uid %lu with mode 0700", name, (unsigned long) geteuid());
        close(fd);
        return -1;
    }
    return fd;
}

int
pb_sref_open(const char *base, uid_t uid, int create, char *err, size_t errlen)
{
    char name[24];
    int basefd, top = -1, fd = -1;

    basefd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (basefd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", base, strerror(errno));
        return errno == ENOENT && !create ? -2 : -1;
    }
    snprintf(name, sizeof(name), "%lu", (unsigned long) uid);
    top = private_dir(basefd, "sessions", create, err, errlen);
    if (top >= 0)
        fd = private_dir(top, name, create, err, errlen);
    else
        fd = top;
    close(basefd);
    if (top >= 0)
        close(top);
    return fd;
}

int
pb_sref_lock(int dirfd, long timeout_ms, char *err, size_t errlen)
{
    const struct timespec pause = { 0, 10 * 1000 * 1000 };

    /* Only the owner (root) can open the directory: no other user can hold
     * this lock, and root holds it for at most one helper run. */
    for (long waited = 0;; waited += 10) {
        if (flock(dirfd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            snprintf(err, errlen, "cannot lock the session references: %s", strerror(errno));
            return -1;
        }
        if (waited >= timeout_ms) {
            snprintf(err, errlen, "the session references stayed locked for %ld ms", timeout_ms);
            return -1;
        }
        nanosleep(&pause, NULL);
    }
}

/* A reference of ours: a regular file of the owner, 0600. */
static int
ours(const struct stat *st)
{
    return S_ISREG(st->st_mode) && st->st_uid == geteuid() && (st->st_mode & 077) == 0;
}

int
pb_sref_add(int dirfd, const char *name, char *err, size_t errlen)
{
    struct stat st;
    int fd;

    if (!pb_sref_valid_name(name, -1)) {
        snprintf(err, errlen, "not a session reference name");
        return -1;
    }
    fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno != EEXIST) {
        snprintf(err, errlen, "cannot create the session reference %s: %s", name, strerror(errno));
        return -1;
    }
    /* The same session registering again; anything else is refused. */
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !ours(&st)) {
        snprintf(err, errlen, "the session reference %s exists and is not a private file of uid %lu", name,
                 (unsigned long) geteuid());
        return -1;
    }
    return 0;
}

int
pb_sref_drop(int dirfd, const char *name, char *err, size_t errlen)
{
    if (!pb_sref_valid_name(name, -1)) {
        snprintf(err, errlen, "not a session reference name");
        return -1;
    }
    if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove the session reference %s: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

int
pb_sref_prune(int dirfd, long long now, long grace, int *refused, char *err, size_t errlen)
{
    struct dirent *e;
    struct stat st;
    struct ref r;
    DIR *d;
    int fd, live = 0, bad = 0;

    /* A descriptor of its own for reading: dirfd keeps its lock and offset. */
    if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 || (d = fdopendir(fd)) == NULL) {
        snprintf(err, errlen, "cannot read the session references: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strlen(e->d_name) >= PB_SREF_NAME_MAX || parse(e->d_name, &r) != 0
            || fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !ours(&st)) {
            bad++;
            continue;
        }
        if (alive(&r) || (r.kind == 'l' && now >= (long long) st.st_mtime && now - st.st_mtime < grace))
            live++;
        else
            (void) unlinkat(dirfd, e->d_name, 0);   /* gone: pruned */
    }
    closedir(d);
    if (refused != NULL)
        *refused = bad;
    return live;
}
