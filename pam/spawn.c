/* Running bearer-token as the user: fork, a session of its own, drop to the
 * user's groups, gid and uid, a clean environment and no inherited
 * descriptors, no core file, no file over PB_SPAWN_MAX_FILE, the secret on a socket (never argv or
 * environment), a deadline, and the child always reaped.  The host's SIGCHLD
 * disposition is restored. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "tokencache.h"

_Static_assert(PB_SPAWN_MAX_FILE >= PB_CACHE_MAX_FILE, "the helper must be able to write a full cache file");

static long long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: become the user for good, or die. */
static void __attribute__((noreturn))
child(const struct pb_spawn *sp, int in_fd, int err_fd)
{
    struct sigaction dfl;
    sigset_t none;
    int null_fd = open("/dev/null", O_RDWR);

    if (null_fd < 0 || dup2(in_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        _exit(126);
    /* dup2 onto the same number keeps close-on-exec: clear it. */
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_SETFD, 0) != 0)
            _exit(126);
    /* Nothing of the host's (sockets, PAM's files) crosses the exec. */
    if (close_range(3, ~0U, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = 3; fd < (max > 0 ? max : 65536); fd++)
            close((int) fd);
    }
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            (void) sigaction(sig, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Out of the service's session and process group: the terminal's
     * signals and the service's job control are not the helper's; and it
     * holds the secret, so it never writes a core file. */
    {
        const struct rlimit no_core = { 0, 0 }, max_file = { PB_SPAWN_MAX_FILE, PB_SPAWN_MAX_FILE };
        if (setsid() < 0 || setrlimit(RLIMIT_CORE, &no_core) != 0 || setrlimit(RLIMIT_FSIZE, &max_file) != 0)
            _exit(126);
    }
    /* Only system calls after fork: the groups were looked up before it. */
    if (setgroups((size_t) sp->ngroups, sp->groups) != 0 || setgid(sp->gid) != 0 || setuid(sp->uid) != 0)
        _exit(126);
    if (sp->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
        _exit(126);     /* the drop must be irreversible */
    execve(sp->path, sp->argv, sp->envp);
    _exit(127);
}

/* Send the input, keep what the child says on standard error, wait for it. */
int
pb_spawn_run(const struct pb_spawn *sp, int *exit_status, char *errbuf, size_t errcap)
{
    struct sigaction dfl, saved_chld;
    struct pb_spawn child_sp;
    struct { gid_t list[PB_SPAWN_MAX_GROUPS]; int n; } groups;
    struct stat st;
    int in[2] = { -1, -1 }, err[2] = { -1, -1 }, status = 0, rc = PB_SPAWN_FAILED;
    size_t errlen = 0;
    long long deadline = now_ms() + sp->timeout * 1000;
    pid_t pid = -1;

    if (errcap > 0)
        errbuf[0] = '\0';
    /* Only a program only root may change runs as the user from a root process. */
    if (sp->path[0] != '/' || stat(sp->path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0
        || (st.st_mode & 022) != 0) {
        snprintf(errbuf, errcap, "%s is missing, or not a root-owned file only root may change", sp->path);
        return PB_SPAWN_FAILED;
    }
    /* getgrouplist takes locks and may talk to NSS: never after fork. */
    groups.n = PB_SPAWN_MAX_GROUPS;
    if (getgrouplist(sp->user, sp->gid, groups.list, &groups.n) < 0) {
        snprintf(errbuf, errcap, "%s is in more than %d groups", sp->user, PB_SPAWN_MAX_GROUPS);
        return PB_SPAWN_FAILED;
    }
    child_sp = *sp;
    child_sp.groups = groups.list;
    child_sp.ngroups = groups.n;
    sp = &child_sp;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        snprintf(errbuf, errcap, "cannot make a pipe: %s", strerror(errno));
        goto done;
    }
    /* waitpid needs SIGCHLD neither ignored nor caught by a handler that
     * reaps for us (as Linux-PAM's own helpers do); restored below. */
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &dfl, &saved_chld);
    pid = fork();
    if (pid == 0) {
        close(in[0]);
        close(err[0]);
        child(sp, in[1], err[1]);
    }
    close(in[1]);
    in[1] = -1;
    close(err[1]);
    err[1] = -1;
    if (pid < 0) {
        snprintf(errbuf, errcap, "cannot fork: %s", strerror(errno));
        goto restore;
    }
    if (sp->input_len > 0 && send(in[0], sp->input, sp->input_len, MSG_NOSIGNAL) < 0 && errno != EPIPE)
        snprintf(errbuf, errcap, "cannot hand over the input: %s", strerror(errno));
    shutdown(in[0], SHUT_WR);
    /* Read standard error until it closes or time runs out. */
    for (;;) {
        struct pollfd p = { err[0], POLLIN, 0 };
        long long left = deadline - now_ms();
        char chunk[512];
        ssize_t n;
        if (left <= 0) {
            rc = PB_SPAWN_TIMEOUT;
            break;
        }
        if (poll(&p, 1, (int) (left > 1000 ? 1000 : left)) <= 0)
            continue;
        if ((n = read(err[0], chunk, sizeof(chunk))) <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            break;
        }
        if (errcap > 1 && errlen < errcap - 1) {
            size_t take = (size_t) n < errcap - 1 - errlen ? (size_t) n : errcap - 1 - errlen;
            memcpy(errbuf + errlen, chunk, take);
            errlen += take;
            errbuf[errlen] = '\0';
        }
    }
    /* Then the exit, still within the deadline. */
    while (rc != PB_SPAWN_TIMEOUT) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR) {
            snprintf(errbuf, errcap, "cannot wait for %s: %s", sp->path, strerror(errno));
            pid = -1;
            goto restore;
        }
        if (now_ms() >= deadline)
            rc = PB_SPAWN_TIMEOUT;
        else
            usleep(5000);
    }
    if (rc == PB_SPAWN_TIMEOUT) {
        /* The helper leads its own process group: whatever it started goes too. */
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        snprintf(errbuf, errcap, "%s did not finish within %ld s and was killed", sp->path, sp->timeout);
    } else if (WIFEXITED(status)) {
        *exit_status = WEXITSTATUS(status);
        rc = PB_SPAWN_OK;
    } else {
        snprintf(errbuf, errcap, "%s died of signal %d", sp->path, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
restore:
    sigaction(SIGCHLD, &saved_chld, NULL);
done:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (err[i] >= 0)
            close(err[i]);
    }
    return rc;
}
