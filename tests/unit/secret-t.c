/* secret-t: wiping buffers and reading secret files (lib/secret.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "tap.h"

static char dir[64];

/* Writes TEXT to DIR/NAME with MODE; returns the path (static). */
static const char *
put(const char *name, const char *text, mode_t mode)
{
    static char path[128];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text) || fchmod(fd, mode) != 0)
        abort();
    close(fd);
    return path;
}

int
main(void)
{
    unsigned char *buf = NULL, *grow = NULL;
    char err[256], link_path[160];
    size_t len = 0, cap = 0;
    struct stat st;
    enum pb_status s;
    const char *p;

    strcpy(dir, "/tmp/secret-t.XXXXXX");
    if (mkdtemp(dir) == NULL)
        abort();

    p = put("ok.key", "hunter2\n", 0600);
    s = pb_secret_read_file(p, 64, 1, &buf, &len, &st, err, sizeof(err));
    tap_ok(s == PB_OK && len == 8 && memcmp(buf, "hunter2\n", 8) == 0 && buf[8] == '\0',
           "a private 0600 file is read whole, NUL-terminated");
    tap_ok(s == PB_OK && S_ISREG(st.st_mode) && st.st_size == 8, "and its identity is returned");
    pb_secret_free(buf, len + 1);
    buf = NULL;

    p = put("group.key", "hunter2", 0640);
    s = pb_secret_read_file(p, 64, 1, &buf, &len, NULL, err, sizeof(err));
    tap_ok(s == PB_CONFIG && buf == NULL && strstr(err, "unsafe mode 0640") != NULL,
           "a private file others may read is a configuration error (%s)", err);
    s = pb_secret_read_file(p, 64, 0, &buf, &len, NULL, err, sizeof(err));
    tap_ok(s == PB_OK && len == 7, "the same file is fine when it need not be private");
    pb_secret_free(buf, len + 1);
    buf = NULL;

    p = put("world.jwks", "{}", 0666);
    s = pb_secret_read_file(p, 64, 0, &buf, &len, NULL, err, sizeof(err));
    tap_ok(s == PB_CONFIG && strstr(err, "writable") != NULL, "a file others may write is refused (%s)", err);

    p = put("big.key", "0123456789", 0600);
    s = pb_secret_read_file(p, 9, 1, &buf, &len, NULL, err, sizeof(err));
    tap_ok(s != PB_OK && buf == NULL && strstr(err, "larger than 9 bytes") != NULL,
           "a file over the bound is refused before it is read (%s)", err);
    s = pb_secret_read_file(p, 10, 1, &buf, &len, NULL, err, sizeof(err));
    tap_ok(s == PB_OK && len == 10, "a file of exactly the bound is read");
    pb_secret_free(buf, len + 1);
    buf = NULL;

    snprintf(link_path, sizeof(link_path), "%s/link.key", dir);
    if (symlink(p, link_path) != 0)
        abort();
    s = pb_secret_read_file(link_path, 64, 1, &buf, &len, NULL, err, sizeof(err));
    tap_ok(s != PB_OK && buf == NULL, "a symbolic link is not followed (%s)", err);

    s = pb_secret_read_file(dir, 64, 0, &buf, &len, NULL, err, sizeof(err));
    tap_ok(s != PB_OK && strstr(err, "not a regular file") != NULL, "a directory is refused (%s)", err);

    errno = 0;
    snprintf(link_path, sizeof(link_path), "%s/absent.key", dir);
    s = pb_secret_read_file(link_path, 64, 1, &buf, &len, NULL, err, sizeof(err));
    tap_ok(s == PB_UNAVAILABLE && errno == ENOENT, "an absent file is unavailable, errno ENOENT kept");

    tap_ok(pb_secret_reserve(&grow, &cap, 0, 10, 16) == 0 && grow != NULL && cap == 16,
           "reserve: the first block is first_cap");
    memcpy(grow, "0123456789", 10);
    tap_ok(pb_secret_reserve(&grow, &cap, 10, 16, 16) == 0 && cap == 16, "reserve: no growth when it fits");
    tap_ok(pb_secret_reserve(&grow, &cap, 10, 40, 16) == 0 && cap == 64 && memcmp(grow, "0123456789", 10) == 0,
           "reserve: doubles until it fits (64) and keeps the bytes in use");
    pb_secret_free(grow, cap);
    pb_secret_free(NULL, 10);
    pb_secret_free_str(NULL);
    pb_secret_free_str(strdup("password"));
    tap_ok(1, "freeing NULL and strings is safe");

    snprintf(link_path, sizeof(link_path), "rm -rf '%s'", dir);
    if (system(link_path) != 0)
        return 1;
    return tap_done();
}
