/* The key cache's state file: read strictly, written atomically.
 *
 *   pam_bearer-jwks-state 1
 *   fresh_until SECONDS      (copies of struct pb_jwks_state's fields,
 *   fetched SECONDS           seconds since the epoch or counts, each
 *   lifetime SECONDS          line once, in this order)
 *   failures COUNT
 *   next_attempt SECONDS
 *   retry_until SECONDS
 *   etag VALUE               (optional: an entity-tag as sent)
 *   last_modified VALUE      (optional: an HTTP-date as sent)
 *
 * Only root (or the cache directory's owner) writes it; still, anything
 * else in it is refused as a whole, so a damaged file costs a request, never
 * a wrong wait or a header built from junk. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "jwks-state.h"

#define MAGIC "pam_bearer-jwks-state 1"
/* Largest number a field may hold: later than any date this code will see,
 * small enough that adding a lifetime cannot overflow. */
#define FIELD_MAX 99999999999LL

enum field_kind { NUMBER, ETAG, DATE };

struct field {
    const char *name;
    enum field_kind kind;
    int optional;
};

static const struct field fields[] = {
    { "fresh_until", NUMBER, 0 },
    { "fetched", NUMBER, 0 },
    { "lifetime", NUMBER, 0 },
    { "failures", NUMBER, 0 },
    { "next_attempt", NUMBER, 0 },
    { "retry_until", NUMBER, 0 },
    { "etag", ETAG, 1 },
    { "last_modified", DATE, 1 },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static int
parse_number(const char *v, size_t len, long long *out)
{
    long long n = 0;

    if (len == 0 || len > 11)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        n = n * 10 + (v[i] - '0');
    }
    if (n > FIELD_MAX)
        return -1;
    *out = n;
    return 0;
}

/* A header value from the file, checked as the HTTP layer checks it. */
static int
copy_valid(char *field, size_t cap, const char *v, size_t len, int (*ok)(const char *, size_t))
{
    if (len >= cap || !ok(v, len))
        return -1;
    memcpy(field, v, len);
    field[len] = '\0';
    return 0;
}

/* Parse the whole text; -1 at the first thing out of place. */
static int
parse(const char *text, size_t len, struct pb_jwks_saved *out)
{
    const char *p = text, *end = text + len;
    long long nums[NFIELDS] = { 0 };
    size_t next = 0;

    if ((size_t) (end - p) < sizeof(MAGIC) || memcmp(p, MAGIC "\n", sizeof(MAGIC)) != 0)
        return -1;
    p += sizeof(MAGIC);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p)), *sp, *v;
        size_t vlen, nlen;

        if (nl == NULL)
            return -1;  /* the last line ends in a newline: the file is whole */
        if ((sp = memchr(p, ' ', (size_t) (nl - p))) == NULL)
            return -1;
        nlen = (size_t) (sp - p);
        v = sp + 1;
        vlen = (size_t) (nl - v);
        /* Fields in order; an optional one may be missing. */
        while (next < NFIELDS && !(strlen(fields[next].name) == nlen && memcmp(p, fields[next].name, nlen) == 0)) {
            if (!fields[next].optional)
                return -1;
            next++;
        }
        if (next == NFIELDS)
            return -1;
        switch (fields[next].kind) {
        case NUMBER:
            if (parse_number(v, vlen, &nums[next]) != 0)
                return -1;
            break;
        case ETAG:
            if (copy_valid(out->etag, sizeof(out->etag), v, vlen, pb_http_etag_ok) != 0)
                return -1;
            break;
        case DATE:
            if (copy_valid(out->last_modified, sizeof(out->last_modified), v, vlen, pb_http_date_ok) != 0)
                return -1;
            break;
        }
        next++;
        p = nl + 1;
    }
    for (; next < NFIELDS; next++)
        if (!fields[next].optional)
            return -1;
    out->st.fresh_until = (time_t) nums[0];
    out->st.fetched = (time_t) nums[1];
    out->st.lifetime = (long) nums[2];
    out->st.failures = (unsigned) (nums[3] > 1000 ? 1000 : nums[3]);
    out->st.next_attempt = (time_t) nums[4];
    out->st.retry_until = (time_t) nums[5];
    return 0;
}

int
pb_jwks_state_read(const char *path, struct pb_jwks_saved *out, const struct pb_log *log)
{
    char buf[PB_JWKS_STATE_MAX_BYTES + 1];
    struct stat st;
    size_t len = 0;
    const char *why = NULL;
    int fd, rc = -1;

    memset(out, 0, sizeof(*out));
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno != ENOENT)
            pb_log(log, LOG_WARNING, "ignoring the key cache state %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
        why = "not a 0600 file of this user";
    else if (st.st_size > PB_JWKS_STATE_MAX_BYTES)
        why = "too large";
    while (why == NULL && len < sizeof(buf)) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            why = strerror(errno);
        if (n <= 0)
            break;
        len += (size_t) n;
    }
    if (why == NULL && len > PB_JWKS_STATE_MAX_BYTES)
        why = "too large";
    if (why == NULL && parse(buf, len, out) != 0)
        why = "not in its format";
    if (why == NULL)
        rc = 0;
    else
        pb_log(log, LOG_WARNING, "ignoring the key cache state %s: %s", path, why);
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    close(fd);
    return rc;
}

int
pb_jwks_state_write(const char *path, const struct pb_jwks_saved *in, const struct pb_log *log)
{
    char text[PB_JWKS_STATE_MAX_BYTES + 1], tmp[4096 + 16];
    int len, fd;

    len = snprintf(text, sizeof(text),
                   MAGIC "\nfresh_until %lld\nfetched %lld\nlifetime %ld\nfailures %u\nnext_attempt %lld\n"
                   "retry_until %lld\n%s%s%s%s%s%s",
                   (long long) in->st.fresh_until, (long long) in->st.fetched, in->st.lifetime, in->st.failures,
                   (long long) in->st.next_attempt, (long long) in->st.retry_until,
                   in->etag[0] ? "etag " : "", in->etag, in->etag[0] ? "\n" : "",
                   in->last_modified[0] ? "last_modified " : "", in->last_modified,
                   in->last_modified[0] ? "\n" : "");
    if (len < 0 || (size_t) len > PB_JWKS_STATE_MAX_BYTES
        || (size_t) snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        goto failed;
    }
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
        goto failed;
    if (fchmod(fd, 0600) != 0 || pb_write_all(fd, text, (size_t) len) != 0 || fsync(fd) != 0)
        goto failed_fd;
    if (close(fd) != 0)
        goto failed_unlink;
    if (rename(tmp, path) != 0)
        goto failed_unlink;
    return 0;
failed_fd:
    {
        int saved = errno;
        close(fd);
        errno = saved;
    }
failed_unlink:
    {
        int saved = errno;
        unlink(tmp);
        errno = saved;
    }
failed:
    pb_log(log, LOG_WARNING, "cannot write the key cache state %s: %s", path, strerror(errno));
    return -1;
}
