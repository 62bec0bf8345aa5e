/* Secret hygiene: wipe before free, and careful reading of key files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

void
pb_secret_free(void *p, size_t len)
{
    if (p == NULL)
        return;
    explicit_bzero(p, len);
    free(p);
}

void
pb_secret_free_str(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/* Missing or unreadable files mean "no keys" (PB_UNAVAILABLE); a file anyone
 * could have replaced is a configuration error that no login may get past. */
enum pb_status
pb_secret_read_file(const char *path, size_t max, int private_file,
                    unsigned char **buf, size_t *len, struct stat *st_out, char *err, size_t errlen)
{
    enum pb_status status = PB_UNAVAILABLE;
    unsigned char *data = NULL;
    struct stat st;
    size_t got = 0;
    int fd;

    *buf = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int saved = errno;
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(saved));
        errno = saved;  /* callers tell "absent" (ENOENT) from other failures */
        return status;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        goto done;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(err, errlen, "%s is owned by uid %u, neither root nor the running user", path, (unsigned) st.st_uid);
        status = PB_CONFIG;
        goto done;
    }
    if ((st.st_mode & 022) != 0 || (private_file && (st.st_mode & 077) != 0)) {
        snprintf(err, errlen, "%s has unsafe mode %04o (must not be %s by others)", path,
                 (unsigned) (st.st_mode & 07777), private_file ? "accessible" : "writable");
        status = PB_CONFIG;
        goto done;
    }
    if ((unsigned long long) st.st_size > max) {
        snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
        goto done;
    }
    data = malloc((size_t) st.st_size + 1);
    if (data == NULL) {
        status = PB_NOMEM;
        goto done;
    }
    while (got < (size_t) st.st_size) {
        ssize_t n = read(fd, data + got, (size_t) st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "short read");
            goto done;
        }
        got += (size_t) n;
    }
    data[got] = '\0';
    if (st_out != NULL)
        *st_out = st;
    *buf = data;
    *len = got;
    data = NULL;
    status = PB_OK;
done:
    if (data != NULL)
        pb_secret_free(data, (size_t) st.st_size + 1);
    if (fd >= 0)
        close(fd);
    return status;
}

int
pb_secret_reserve(void *buf, size_t *cap, size_t used, size_t need, size_t first_cap)
{
    unsigned char **p = buf, *grown;
    size_t size = *cap ? *cap : first_cap;

    if (need <= *cap)
        return 0;
    while (size < need)
        size *= 2;
    if ((grown = malloc(size)) == NULL)
        return -1;
    if (*p != NULL) {
        memcpy(grown, *p, used);
        pb_secret_free(*p, *cap);
    }
    *p = grown;
    *cap = size;
    return 0;
}
