/* metrics-t: the counters file (lib/metrics.c).  Each case maps its own
 * file in a child process, as a login process would, and the parent reads
 * what it counted; damaged, foreign, linked and missing files are replaced,
 * unsafe directories, file size limits and other users count nothing, and
 * nothing of it kills the process.  Needs root (skipped otherwise). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metrics.h"
#include "tap.h"

static const struct pb_log quiet = { NULL, NULL, 0 };
static char dir[256];

static const char *
at(const char *name)
{
    /* A few at once: a case may name a file and its link target. */
    static char path[4][512];
    static unsigned next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
    return p;
}

/* In a child: map path and count e n times.  The child's exit status:
 * 0 counted, 1 skipped (NULL), 128+N killed by signal N. */
static int
count_in_child(const char *path, enum pb_metrics_event e, int n, void (*before)(void))
{
    int st;
    pid_t pid = fork();

    if (pid == 0) {
        struct pb_metrics *m;
        if (before != NULL)
            before();
        m = pb_metrics_process(path, &quiet);
        for (int i = 0; i < n; i++)
            pb_metrics_add(m, e);
        _exit(m == NULL ? 1 : 0);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static uint64_t
read_event(const char *path, enum pb_metrics_event e, enum pb_status *status)
{
    static struct pb_metrics m;
    char err[512];

    *status = pb_metrics_read(path, &m, err, sizeof(err));
    return m.events[e];
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, data, len) != (ssize_t) len)
        perror(path);
    fchmod(fd, mode);
    close(fd);
}

/* A good file at path with n in e, as a login would leave it. */
static void
good_file(const char *path, enum pb_metrics_event e, int n)
{
    unlink(path);
    count_in_child(path, e, n, NULL);
}

/* Damage the file at name, then a login must replace it and count 1. */
static void
replaced(const char *name, const char *what, void (*damage)(const char *path))
{
    const char *path = at(name);
    enum pb_status status;
    struct stat st;
    uint64_t n;

    good_file(path, PB_M_JWKS_FRESH, 5);
    damage(path);
    tap_is_int(count_in_child(path, PB_M_JWKS_FRESH, 1, NULL), 0, "%s: the login counts", what);
    n = read_event(path, PB_M_JWKS_FRESH, &status);
    tap_ok(status == PB_OK && n == 1, "%s: replaced by a new file (got %llu)", what, (unsigned long long) n);
    tap_ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 && (st.st_mode & 07777) == 0644
           && st.st_nlink == 1, "%s: the new file is regular, root's, 0644, one link", what);
}

static void
corrupt(const char *path)
{
    int fd = open(path, O_WRONLY);
    (void) !pwrite(fd, "XXXXXXXX", 8, 0);
    close(fd);
}

static void
truncated(const char *path)
{
    (void) !truncate(path, 100);
}

static void
foreign(const char *path)
{
    (void) !chown(path, 65534, 65534);
}

static void
world_writable(const char *path)
{
    chmod(path, 0666);
}

static void
other_version(const char *path)
{
    uint32_t v = PB_METRICS_VERSION + 1;
    int fd = open(path, O_WRONLY);
    (void) !pwrite(fd, &v, sizeof(v), 8);
    close(fd);
}

static void
symlinked(const char *path)
{
    unlink(path);
    write_file(at("target"), "keep", 4, 0644);
    (void) !symlink(at("target"), path);
}

static void
hard_linked(const char *path)
{
    unlink(at("second-link"));
    (void) !link(path, at("second-link"));
}

static void
sparse(const char *path)
{
    char header[64];
    int fd = open(path, O_RDONLY);
    (void) !read(fd, header, sizeof(header));
    close(fd);
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT, 0644);
    (void) !write(fd, header, sizeof(header));
    (void) !ftruncate(fd, sizeof(struct pb_metrics));
    close(fd);
}

static void
small_fsize(void)
{
    struct rlimit r = { 4096, 4096 };
    setrlimit(RLIMIT_FSIZE, &r);
}

static void
become_nobody(void)
{
    if (setgid(65534) != 0 || setuid(65534) != 0)
        _exit(3);
}

#define THREADS 4
#define PER_THREAD 100000
static const char *thread_path;

/* Each thread: its first call races the others to map the file (one of
 * them makes it; a thread that finds it being made may skip counting that
 * once, by design), then PER_THREAD counts through the shared mapping.
 * Returns the mapping it counted into. */
static void *
thread_main(void *arg)
{
    struct pb_metrics *m = NULL;

    (void) arg;
    for (int tries = 0; m == NULL && tries < 100000; tries++)
        m = pb_metrics_process(thread_path, &quiet);
    for (int i = 0; i < PER_THREAD; i++)
        pb_metrics_add(pb_metrics_process(thread_path, &quiet), PB_M_LDAP_FAILOVER);
    return m;
}

int
main(void)
{
    struct pb_metrics *m, *again;
    static struct pb_metrics snap;
    enum pb_status status;
    struct stat st;
    char err[512];

    if (geteuid() != 0) {
        printf("1..0 # SKIP the counters are root's (run as root)\n");
        return 0;
    }
    snprintf(dir, sizeof(dir), "/tmp/metrics-t.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    tap_ok(pb_metrics_process(NULL, &quiet) == NULL, "no path: not counting");
    tap_ok(pb_metrics_process("relative/metrics", &quiet) == NULL, "a relative path: not counting");

    /* Missing file: created, root's, 0644, the right size. */
    status = pb_metrics_read(at("fresh"), &snap, err, sizeof(err));
    tap_ok(status == PB_UNCONFIGURED && snap.events[PB_M_JWKS_FRESH] == 0, "reading a missing file: zeros (%s)", err);
    m = pb_metrics_process(at("fresh"), &quiet);
    tap_ok(m != NULL, "a missing file is created and mapped");
    tap_ok(stat(at("fresh"), &st) == 0 && st.st_uid == 0 && (st.st_mode & 07777) == 0644
           && (size_t) st.st_size == sizeof(struct pb_metrics), "it is root's, 0644, %zu bytes",
           sizeof(struct pb_metrics));
    again = pb_metrics_process(at("fresh"), &quiet);
    tap_ok(again == m, "the same path again: the process's one mapping");
    pb_metrics_add(m, PB_M_JWKS_FRESH);
    pb_metrics_add(m, PB_M_JWKS_FRESH);
    pb_metrics_add(NULL, PB_M_JWKS_FRESH);
    pb_metrics_add(m, PB_M_EVENT_COUNT);
    tap_is_int(read_event(at("fresh"), PB_M_JWKS_FRESH, &status), 2, "two adds read back as 2");

    /* Verdicts and latency. */
    pb_metrics_login(m, PB_MP_TOKEN, PB_OK, PB_R_EXPIRED, pb_metrics_clock());
    pb_metrics_login(m, PB_MP_TOKEN, PB_REJECTED, PB_R_EXPIRED, pb_metrics_clock() - 2000000);
    pb_metrics_login(m, PB_MP_PASSWORD, PB_UNAVAILABLE, PB_R_BAD_PASSWORD, pb_metrics_clock());
    pb_metrics_login(m, PB_MP_COUNT, PB_OK, PB_R_NONE, 0);
    pb_metrics_login(m, PB_MP_DEVICE, (enum pb_status) 99, PB_R_NONE, pb_metrics_clock());
    status = pb_metrics_read(at("fresh"), &snap, err, sizeof(err));
    tap_ok(status == PB_OK, "read back");
    tap_is_int(snap.logins[PB_MP_TOKEN][PB_OK][PB_R_NONE], 1, "accepted: counted without a reason");
    tap_is_int(snap.logins[PB_MP_TOKEN][PB_REJECTED][PB_R_EXPIRED], 1, "rejected: counted with its reason");
    tap_is_int(snap.logins[PB_MP_PASSWORD][PB_UNAVAILABLE][PB_R_NONE], 1, "not checked: counted without a reason");
    tap_is_int(snap.logins[PB_MP_DEVICE][PB_SYSTEM][PB_R_NONE], 1, "an unknown status counts as a system error");
    tap_is_int(snap.latency[PB_MP_TOKEN].bucket[4], 1, "2 ms in the 2.5 ms bucket");
    tap_ok(snap.latency[PB_MP_TOKEN].sum_ns >= 2000000, "the sum holds the 2 ms");

    /* Counts survive across processes. */
    tap_is_int(count_in_child(at("fresh"), PB_M_JWKS_FRESH, 3, NULL), 0, "another process counts");
    tap_is_int(read_event(at("fresh"), PB_M_JWKS_FRESH, &status), 5, "its 3 add to the 2 (5)");

    /* Threads share one mapping and lose nothing. */
    {
        pthread_t t[THREADS];
        void *maps[THREADS];
        int same = 1;
        thread_path = at("threads");
        for (int i = 0; i < THREADS; i++)
            pthread_create(&t[i], NULL, thread_main, NULL);
        for (int i = 0; i < THREADS; i++)
            pthread_join(t[i], &maps[i]);
        for (int i = 0; i < THREADS; i++)
            same = same && maps[i] != NULL && maps[i] == maps[0];
        tap_ok(same, "%d threads racing to map the file: one mapping, shared", THREADS);
        tap_is_int(read_event(thread_path, PB_M_LDAP_FAILOVER, &status), THREADS * PER_THREAD,
                   "%d threads racing to map and count: every add counted", THREADS);
    }

    replaced("corrupt", "a file with another magic", corrupt);
    replaced("truncated", "a truncated file", truncated);
    replaced("foreign", "a file owned by another user", foreign);
    replaced("writable", "a world-writable file", world_writable);
    replaced("version", "a file of another version", other_version);
    replaced("symlink", "a symbolic link", symlinked);
    {
        char keep[8] = "";
        int fd = open(at("target"), O_RDONLY);
        (void) !read(fd, keep, sizeof(keep) - 1);
        close(fd);
        tap_is_str(keep, "keep", "the symbolic link's target is left alone");
    }
    replaced("hardlink", "a file with a second link", hard_linked);
    tap_ok(stat(at("second-link"), &st) == 0 && st.st_nlink == 1, "the other link keeps the old file");
    replaced("sparse", "a file with holes", sparse);

    /* The reader refuses what it cannot trust. */
    good_file(at("r"), PB_M_JWKS_FRESH, 1);
    foreign(at("r"));
    tap_ok(pb_metrics_read(at("r"), &snap, err, sizeof(err)) == PB_SYSTEM, "reading a foreign file: refused (%s)", err);
    symlinked(at("r"));
    tap_ok(pb_metrics_read(at("r"), &snap, err, sizeof(err)) == PB_SYSTEM, "reading a symbolic link: refused (%s)",
           err);
    write_file(at("r"), "short", 5, 0644);
    unlink(at("r"));
    write_file(at("r"), "short", 5, 0644);
    tap_ok(pb_metrics_read(at("r"), &snap, err, sizeof(err)) == PB_SYSTEM, "reading a damaged file: refused (%s)",
           err);

    /* Directories others may change: nothing counted, nothing created. */
    {
        char sub[600];
        snprintf(sub, sizeof(sub), "%s/open", dir);
        mkdir(sub, 0777);
        chmod(sub, 0777);
        snprintf(sub, sizeof(sub), "%s/open/metrics", dir);
        tap_is_int(count_in_child(sub, PB_M_JWKS_FRESH, 1, NULL), 1, "a world-writable directory: skipped");
        tap_ok(access(sub, F_OK) != 0, "and nothing created in it");
        snprintf(sub, sizeof(sub), "%s/theirs", dir);
        mkdir(sub, 0755);
        (void) !chown(sub, 65534, 65534);
        snprintf(sub, sizeof(sub), "%s/theirs/metrics", dir);
        tap_is_int(count_in_child(sub, PB_M_JWKS_FRESH, 1, NULL), 1, "a directory of another user: skipped");
        tap_ok(access(sub, F_OK) != 0, "and nothing created in it");
        snprintf(sub, sizeof(sub), "%s/new/metrics", dir);
        tap_is_int(count_in_child(sub, PB_M_JWKS_FRESH, 1, NULL), 0, "a missing directory: created, counted");
        snprintf(sub, sizeof(sub), "%s/new", dir);
        tap_ok(stat(sub, &st) == 0 && st.st_uid == 0 && (st.st_mode & 07777) == 0755, "it is root's, 0755");
    }

    /* A file size limit below the file: no SIGXFSZ, no file, no count. */
    tap_is_int(count_in_child(at("fsize"), PB_M_JWKS_FRESH, 1, small_fsize), 1,
               "RLIMIT_FSIZE below the file's size: skipped, not killed");
    tap_ok(access(at("fsize"), F_OK) != 0, "and no file left behind");

    /* Not root (the module in a user's screen locker): skipped. */
    tap_is_int(count_in_child(at("user"), PB_M_JWKS_FRESH, 1, become_nobody), 1, "not root: skipped");
    tap_ok(access(at("user"), F_OK) != 0, "and nothing created");
    good_file(at("user"), PB_M_JWKS_FRESH, 2);
    tap_is_int(count_in_child(at("user"), PB_M_JWKS_FRESH, 1, become_nobody), 1, "not root, file present: skipped");
    tap_is_int(read_event(at("user"), PB_M_JWKS_FRESH, &status), 2, "and it still holds 2");

    {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void) !system(cmd);
    }
    return tap_done();
}
