/* Running a program as another user from inside a PAM module. */
#ifndef PB_PAM_SPAWN_H
#define PB_PAM_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

enum { PB_SPAWN_OK = 0, PB_SPAWN_FAILED = -1, PB_SPAWN_TIMEOUT = -2 };

struct pb_spawn {
    const char *path;           /* absolute, root-owned, not writable by others */
    char *const *argv;
    char *const *envp;          /* the whole environment: nothing is inherited */
    const char *user;           /* for initgroups */
    uid_t uid;
    gid_t gid;
    const void *input;          /* written to the child's standard input, then EOF */
    size_t input_len;
    long timeout;               /* seconds, for everything */
    const gid_t *groups;        /* filled in by pb_spawn_run */
    int ngroups;
};

#define PB_SPAWN_MAX_GROUPS 256
/* The largest file the helper may write (RLIMIT_FSIZE): its cache files are
 * at most PB_CACHE_MAX_FILE (192 KiB, checked in spawn.c), and it writes them
 * on /run. */
#define PB_SPAWN_MAX_FILE (256 * 1024)

/* PB_SPAWN_OK with *exit_status set, or a negative code with errbuf saying
 * why.  errbuf also receives the start of the child's standard error. */
int pb_spawn_run(const struct pb_spawn *sp, int *exit_status, char *errbuf, size_t errcap);

#endif
