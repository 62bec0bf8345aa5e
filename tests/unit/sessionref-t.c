/* Unit tests for lib/sessionref.c: reference names, the private directories,
 * liveness through real processes (pid and start time, audit session),
 * login references and their grace, refused entries (links, other owners,
 * loose modes), the lock, and processes registering and dropping at once. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sessionref.h"
#include "tap.h"

#define WORKERS 8
#define ROUNDS 40

static char base[] = "/tmp/sessionref-t.XXXXXX";

/* A child that sends its reference name of KIND and then waits to be
 * killed (or exits at once when linger is 0).  Returns its pid. */
static pid_t
child_named(enum pb_sref_kind kind, int set_loginuid, int linger, char *name, size_t cap)
{
    char err[128];
    int p[2];
    pid_t pid;
    ssize_t got;

    if (pipe(p) != 0 || (pid = fork()) < 0)
        abort();
    if (pid == 0) {
        close(p[0]);
        /* Root may give itself a login uid: the kernel then starts a new
         * audit session for this process. */
        if (set_loginuid) {
            int fd = open("/proc/self/loginuid", O_WRONLY);
            if (fd < 0 || write(fd, "4242", 4) != 4)
                _exit(3);
            close(fd);
        }
        if (pb_sref_self_name(kind, 4242, name, cap, err, sizeof(err)) != 0)
            _exit(2);
        if (write(p[1], name, strlen(name) + 1) < 0)
            _exit(2);
        close(p[1]);
        while (linger)
            pause();
        _exit(0);
    }
    close(p[1]);
    got = read(p[0], name, cap);
    close(p[0]);
    if (got <= 0)
        name[0] = '\0';
    return pid;
}

static void
reap(pid_t pid, int kill_it)
{
    if (kill_it)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static int
exists(int dirfd, const char *name)
{
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static long
counter(int fd, long add)
{
    char buf[32] = { 0 };
    long v;

    if (pread(fd, buf, sizeof(buf) - 1, 0) < 0)
        abort();
    v = strtol(buf, NULL, 10) + add;
    snprintf(buf, sizeof(buf), "%-20ld", v);
    if (pwrite(fd, buf, strlen(buf), 0) < 0)
        abort();
    return v;
}

/* One of the racing processes: register, check the count, drop, check it
 * again, ROUNDS times, under the lock; also re-add a reference of a dead
 * process that every prune must remove.  Exits with the number of errors. */
static void __attribute__((noreturn))
worker(const char *stale, const char *counter_path)
{
    char name[PB_SREF_NAME_MAX], err[256];
    int errors = 0, fd, cfd = open(counter_path, O_RDWR);
    long active;

    srand((unsigned) getpid());
    if (cfd < 0 || pb_sref_self_name(PB_SREF_SESSION, 0, name, sizeof(name), err, sizeof(err)) != 0)
        _exit(100);
    for (int i = 0; i < ROUNDS; i++) {
        /* Each round opens the directory anew, as every PAM call does. */
        if ((fd = pb_sref_open(base, 4242, 1, err, sizeof(err))) < 0 || pb_sref_lock(fd, 20000, err, sizeof(err)) != 0)
            _exit(101);
        errors += pb_sref_add(fd, stale, err, sizeof(err)) != 0;
        errors += pb_sref_add(fd, name, err, sizeof(err)) != 0;
        active = counter(cfd, 1);
        errors += pb_sref_prune(fd, time(NULL), 0, NULL, err, sizeof(err)) != active;
        errors += exists(fd, stale);
        close(fd);
        usleep((useconds_t) (rand() % 2000));
        if ((fd = pb_sref_open(base, 4242, 0, err, sizeof(err))) < 0 || pb_sref_lock(fd, 20000, err, sizeof(err)) != 0)
            _exit(102);
        errors += !exists(fd, name);    /* nobody pruned a live reference */
        errors += pb_sref_drop(fd, name, err, sizeof(err)) != 0;
        active = counter(cfd, -1);
        errors += pb_sref_prune(fd, time(NULL), 0, NULL, err, sizeof(err)) != active;
        close(fd);
        usleep((useconds_t) (rand() % 1000));
    }
    _exit(errors > 99 ? 99 : errors);
}

int
main(void)
{
    char name[PB_SREF_NAME_MAX], other[PB_SREF_NAME_MAX + 8], dead[PB_SREF_NAME_MAX], err[256], path[600];
    char counter_path[600];
    int fd, fd2, refused, status, errors;
    pid_t pid, pids[WORKERS];
    struct stat st;
    long long now = time(NULL);

    if (mkdtemp(base) == NULL)
        abort();

    /* --- names */
    tap_ok(pb_sref_valid_name("a12.345.678", -1), "aSID.PID.START is a name");
    tap_ok(pb_sref_valid_name("p345.678.9", PB_SREF_SESSION), "pPID.START.N is a session's name");
    tap_ok(pb_sref_valid_name("l345.0", PB_SREF_LOGIN), "lPID.START is a login's name");
    tap_ok(!pb_sref_valid_name("l345.678", PB_SREF_SESSION), "... and not a session's");
    tap_ok(!pb_sref_valid_name("p345.678.9", PB_SREF_LOGIN), "a session's name is not a login's");
    {
        static const char *const bad[] = {
            "", "p", "p.1.1", "p1.2", "p1.2.", "p01.2.3", "p1.02.3", "p1.2.03", "p0.5.1", "p1.2.3.4", "l1.2.3",
            "a1.2.3.4", "x1.2", "p1.2.3 ", "p-1.2.3", "p+1.2.3", "a4294967295.1.2", "a1.2", "p99999999999.1.1",
            "p1.123456789012345678901.1", "p1.2.123456789012345678901", "p1.2.18446744073709551616", "../p1.2.3",
            "p1.2/x", "P1.2.3", "p1,2.3", "p2147483648.1.1",
        };
        int refused_all = 1;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            if (pb_sref_valid_name(bad[i], -1)) {
                refused_all = 0;
                printf("# accepted \"%s\"\n", bad[i]);
            }
        tap_ok(refused_all, "%zu malformed names refused (zeros, signs, blanks, slashes, overflow, unset sid)",
               sizeof(bad) / sizeof(bad[0]));
    }
    tap_is_int(pb_sref_self_name(PB_SREF_LOGIN, 4242, name, sizeof(name), err, sizeof(err)), 0, "a login's own name");
    snprintf(path, sizeof(path), "l%ld.", (long) getpid());
    tap_ok(strncmp(name, path, strlen(path)) == 0 && pb_sref_valid_name(name, PB_SREF_LOGIN),
           "... is l, its pid and its start time (%s)", name);
    tap_is_int(pb_sref_self_name(PB_SREF_SESSION, 4242, name, sizeof(name), err, sizeof(err)), 0, "a session's own name");
    snprintf(path, sizeof(path), "p%ld.", (long) getpid());
    tap_ok(strncmp(name, path, strlen(path)) == 0 && pb_sref_valid_name(name, PB_SREF_SESSION),
           "... is p, pid, start, random: no audit session of its own for uid 4242 (%s)", name);
    pb_sref_self_name(PB_SREF_SESSION, 4242, other, sizeof(other), err, sizeof(err));
    tap_ok(strcmp(name, other) != 0, "... and another for a second session of the same process (%s)", other);
    tap_is_int(pb_sref_self_name(PB_SREF_SESSION, 4242, name, 6, err, sizeof(err)), -1, "a name too long for the buffer");

    /* --- the directories */
    tap_is_int(pb_sref_open(base, 4242, 0, err, sizeof(err)), -2, "absent and not created: -2");
    fd = pb_sref_open(base, 4242, 1, err, sizeof(err));
    tap_ok(fd >= 0, "created: %s", fd >= 0 ? "a descriptor" : err);
    snprintf(path, sizeof(path), "%s/sessions/4242", base);
    tap_ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700 && st.st_uid == geteuid(),
           "sessions/4242 is ours, 0700");
    fd2 = pb_sref_open(base, 4242, 0, err, sizeof(err));
    tap_ok(fd2 >= 0, "opened again without creating");
    close(fd2);
    snprintf(path, sizeof(path), "%s/sessions/4243", base);
    if (symlink("4242", path) != 0)
        abort();
    tap_is_int(pb_sref_open(base, 4243, 1, err, sizeof(err)), -1, "a user's directory that is a symbolic link: refused");
    tap_ok(strstr(err, "symbolic link") != NULL, "... saying so (%s)", err);
    unlink(path);
    if (mkdir(path, 0755) != 0)
        abort();
    tap_is_int(pb_sref_open(base, 4243, 0, err, sizeof(err)), -1, "a user's directory with mode 0755: refused");
    chmod(path, 0700);
    if (geteuid() == 0) {
        if (chown(path, 4243, 4243) != 0)
            abort();
        tap_is_int(pb_sref_open(base, 4243, 0, err, sizeof(err)), -1,
                   "a user's directory owned by that user (not root): refused");
        tap_ok(strstr(err, "mode 0700") != NULL, "... saying whose it must be (%s)", err);
    } else {
        tap_ok(1, "# SKIP another owner needs root");
        tap_ok(1, "# SKIP another owner needs root");
    }

    /* --- references and their lives */
    pb_sref_self_name(PB_SREF_SESSION, 4242, name, sizeof(name), err, sizeof(err));
    tap_is_int(pb_sref_add(fd, name, err, sizeof(err)), 0, "add our session");
    tap_is_int(pb_sref_add(fd, name, err, sizeof(err)), 0, "add it again: the same session, fine");
    tap_is_int(pb_sref_prune(fd, now, 0, &refused, err, sizeof(err)), 1, "one live session");
    pid = child_named(PB_SREF_SESSION, 0, 1, other, sizeof(other));
    tap_is_int(pb_sref_add(fd, other, err, sizeof(err)), 0, "add a child's session (%s)", other);
    tap_is_int(pb_sref_prune(fd, now, 0, NULL, err, sizeof(err)), 2, "two live sessions");
    reap(pid, 1);
    tap_is_int(pb_sref_prune(fd, now, 0, NULL, err, sizeof(err)), 1, "the child killed: its session no longer counts");
    tap_ok(!exists(fd, other), "... and its reference was pruned");
    /* Our pid with another start time: a reused pid. */
    snprintf(other, sizeof(other), "p%ld.1.7", (long) getpid());
    pb_sref_add(fd, other, err, sizeof(err));
    tap_is_int(pb_sref_prune(fd, now, 0, NULL, err, sizeof(err)), 1, "our pid with another start time: pruned");
    tap_ok(!exists(fd, other), "... gone");
    /* Our pid and start time in an audit session we are not in. */
    snprintf(other, sizeof(other), "a77.%.*s", (int) (strrchr(name, '.') - name - 1), name + 1);
    tap_is_int(pb_sref_add(fd, other, err, sizeof(err)), 0, "our pid and start in audit session 77 (%s)", other);
    tap_is_int(pb_sref_prune(fd, now, 0, NULL, err, sizeof(err)), 1, "a live process, but another audit session: pruned");
    if (geteuid() == 0 && access("/proc/self/loginuid", W_OK) == 0) {
        pid = child_named(PB_SREF_SESSION, 1, 1, other, sizeof(other));
        tap_ok(other[0] == 'a', "a child with an audit session of its own for the user is named by it (%s)", other);
        pb_sref_add(fd, other, err, sizeof(err));
        tap_is_int(pb_sref_prune(fd, now, 0, NULL, err, sizeof(err)), 2, "... and counts while it runs");
        reap(pid, 1);
        tap_is_int(pb_sref_prune(fd, now, 0, NULL, err, sizeof(err)), 1, "... and no longer once killed");
    } else {
        for (int i = 0; i < 3; i++)
            tap_ok(1, "# SKIP an audit session of its own needs root and a writable /proc/self/loginuid");
    }

    /* A login whose process ended (sshd authenticates in a child): it counts
     * for the grace only. */
    pid = child_named(PB_SREF_LOGIN, 0, 0, dead, sizeof(dead));
    reap(pid, 0);
    tap_is_int(pb_sref_add(fd, dead, err, sizeof(err)), 0, "a login of an ended process (%s)", dead);
    /* The clock after the reference's mtime: a slow run (a sanitizer build on
     * a busy machine) must not age the test's own "now" past it. */
    now = time(NULL);
    tap_is_int(pb_sref_prune(fd, now, 30, NULL, err, sizeof(err)), 2, "... counts within the grace");
    tap_is_int(pb_sref_prune(fd, now + 31, 30, NULL, err, sizeof(err)), 1, "... and is pruned after it");
    pb_sref_self_name(PB_SREF_LOGIN, 4242, other, sizeof(other), err, sizeof(err));
    pb_sref_add(fd, other, err, sizeof(err));
    tap_is_int(pb_sref_prune(fd, now + 1000, 30, NULL, err, sizeof(err)), 2, "a login of a running process counts after the grace");
    tap_is_int(pb_sref_drop(fd, other, err, sizeof(err)), 0, "drop it");
    tap_is_int(pb_sref_drop(fd, other, err, sizeof(err)), 0, "drop it again: absent is fine");
    tap_is_int(pb_sref_drop(fd, "../x", err, sizeof(err)), -1, "drop a name that is not a reference: refused");
    tap_is_int(pb_sref_add(fd, "p1/../../x", err, sizeof(err)), -1, "add one: refused");

    /* --- what is not a reference of ours */
    pid = child_named(PB_SREF_SESSION, 0, 1, other, sizeof(other));
    if (symlinkat("/etc/passwd", fd, other) != 0)
        abort();
    tap_is_int(pb_sref_prune(fd, now, 0, &refused, err, sizeof(err)), 1,
               "a symbolic link named as a live session: not counted");
    tap_ok(refused == 1 && exists(fd, other), "... refused, and left alone");
    tap_is_int(pb_sref_add(fd, other, err, sizeof(err)), -1, "adding a reference over a symbolic link: refused");
    unlinkat(fd, other, 0);
    if ((fd2 = openat(fd, other, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0)
        abort();
    fchmod(fd2, 0644);
    close(fd2);
    tap_is_int(pb_sref_prune(fd, now, 0, &refused, err, sizeof(err)), 1, "a reference with mode 0644: not counted");
    tap_is_int(refused, 1, "... refused");
    unlinkat(fd, other, 0);
    if (geteuid() == 0) {
        if ((fd2 = openat(fd, other, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 || fchown(fd2, 4242, 4242) != 0)
            abort();
        close(fd2);
        tap_is_int(pb_sref_prune(fd, now, 0, &refused, err, sizeof(err)), 1,
                   "a reference owned by the user, not root: not counted");
        tap_ok(refused == 1 && exists(fd, other), "... refused, and left alone");
        tap_is_int(pb_sref_add(fd, other, err, sizeof(err)), -1, "adding over it: refused");
        unlinkat(fd, other, 0);
    } else {
        for (int i = 0; i < 3; i++)
            tap_ok(1, "# SKIP another owner needs root");
    }
    if ((fd2 = openat(fd, "notes.txt", O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
        abort();
    close(fd2);
    tap_is_int(pb_sref_prune(fd, now, 0, &refused, err, sizeof(err)), 1, "another name: not counted");
    tap_ok(refused == 1 && exists(fd, "notes.txt"), "... refused and left alone");
    unlinkat(fd, "notes.txt", 0);
    reap(pid, 1);

    /* --- the lock */
    tap_is_int(pb_sref_lock(fd, 1000, err, sizeof(err)), 0, "lock");
    fd2 = pb_sref_open(base, 4242, 0, err, sizeof(err));
    tap_is_int(pb_sref_lock(fd2, 100, err, sizeof(err)), -1, "a second holder waits, then gives up");
    tap_ok(strstr(err, "stayed locked") != NULL, "... saying so (%s)", err);
    close(fd);
    tap_is_int(pb_sref_lock(fd2, 100, err, sizeof(err)), 0, "once the first closes, it gets it");
    pb_sref_drop(fd2, name, err, sizeof(err));
    close(fd2);

    /* --- processes registering and dropping at once */
    pid = child_named(PB_SREF_SESSION, 0, 0, dead, sizeof(dead));
    reap(pid, 0);
    snprintf(counter_path, sizeof(counter_path), "%s/active", base);
    if ((fd2 = open(counter_path, O_RDWR | O_CREAT | O_EXCL, 0600)) < 0)
        abort();
    close(fd2);
    for (int i = 0; i < WORKERS; i++)
        if ((pids[i] = fork()) == 0)
            worker(dead, counter_path);
    errors = 0;
    for (int i = 0; i < WORKERS; i++) {
        while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
            ;
        errors += WIFEXITED(status) ? WEXITSTATUS(status) : 100;
    }
    tap_is_int(errors, 0, "%d processes, %d rounds each of register and drop: every count exact, no live "
               "reference pruned, the dead one pruned every time", WORKERS, ROUNDS);
    fd = pb_sref_open(base, 4242, 0, err, sizeof(err));
    tap_is_int(pb_sref_prune(fd, time(NULL), 0, &refused, err, sizeof(err)), 0, "... and nothing is left");
    tap_is_int(refused, 0, "... nothing refused");
    close(fd);

    snprintf(path, sizeof(path), "rm -rf '%s'", base);
    if (system(path) != 0)
        printf("# could not remove %s\n", base);
    return tap_done();
}
