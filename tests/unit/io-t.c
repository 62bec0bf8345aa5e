/* lib/io.c: pb_write_all writes everything, across short writes, and fails
 * where write fails. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "io.h"
#include "tap.h"

int
main(void)
{
    char path[] = "/tmp/io-t.XXXXXX", back[200000];
    static char data[200000];
    int fd, p[2];
    struct rlimit small = { 4096, 4096 };

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char) (i * 31 + 7);
    fd = mkstemp(path);
    tap_ok(fd >= 0, "a temporary file");
    tap_is_int(pb_write_all(fd, data, sizeof(data)), 0, "200000 bytes written");
    tap_ok(lseek(fd, 0, SEEK_SET) == 0 && read(fd, back, sizeof(back)) == (ssize_t) sizeof(back)
           && memcmp(back, data, sizeof(data)) == 0, "... all of them, in order");
    tap_is_int(pb_write_all(fd, data, 0), 0, "nothing to write: 0");
    close(fd);

    /* A pipe takes 64 KiB at a time: a reader in a child drains it, so the
     * writer sees short writes and must go on. */
    tap_ok(pipe(p) == 0, "a pipe");
    fflush(stdout);     /* the child must not print what is buffered */
    if (fork() == 0) {
        size_t got = 0;
        ssize_t n;
        close(p[1]);
        while ((n = read(p[0], back + got, sizeof(back) - got)) > 0)
            got += (size_t) n;
        _exit(got == sizeof(data) && memcmp(back, data, sizeof(data)) == 0 ? 0 : 1);
    }
    close(p[0]);
    tap_is_int(pb_write_all(p[1], data, sizeof(data)), 0, "200000 bytes through a pipe");
    close(p[1]);
    {
        int status = 0;
        wait(&status);
        tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "... the reader got all of them, in order");
    }

    /* Failures: a closed descriptor, and a file size limit part way. */
    errno = 0;
    tap_ok(pb_write_all(-1, data, 10) == -1 && errno == EBADF, "a bad descriptor: -1, EBADF");
    signal(SIGXFSZ, SIG_IGN);
    fd = open(path, O_WRONLY | O_TRUNC);
    tap_ok(fd >= 0 && setrlimit(RLIMIT_FSIZE, &small) == 0, "RLIMIT_FSIZE 4096");
    errno = 0;
    tap_ok(pb_write_all(fd, data, sizeof(data)) == -1 && errno == EFBIG, "past the limit: -1, EFBIG");
    close(fd);
    unlink(path);
    return tap_done();
}
