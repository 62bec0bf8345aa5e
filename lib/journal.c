/* journald's native protocol: one datagram of "FIELD=value\n" records (a
 * value holding a newline is "FIELD\n", its length as 64-bit little endian,
 * the bytes, "\n").  Every value is bounded and has its control bytes
 * replaced, so nothing sent can forge another field. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "journal.h"

struct out {
    char *buf;
    size_t cap, len;
    int full;
};

static void
put(struct out *o, const void *data, size_t len)
{
    if (o->full || len > o->cap - o->len) {
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->len, data, len);
    o->len += len;
}

/* One field; value NULL or empty: none.  At most max bytes of value. */
static void
field(struct out *o, const char *name, const char *prefix, const char *value, size_t max)
{
    char clean[PB_JOURNAL_MESSAGE_MAX + 1];
    size_t n = 0;
    int newline = 0;

    if (value == NULL || value[0] == '\0')
        return;
    if (prefix != NULL) {
        for (size_t i = 0; prefix[i] != '\0' && n < max; i++)
            clean[n++] = prefix[i];
        for (size_t i = 0; i < 2 && n < max; i++)
            clean[n++] = ": "[i];
    }
    for (size_t i = 0; value[i] != '\0' && n < max; i++) {
        unsigned char c = (unsigned char) value[i];
        if (c == '\n')
            newline = 1;
        clean[n++] = c == '\n' || (c >= 0x20 && c != 0x7f) ? (char) c : '?';
    }
    put(o, name, strlen(name));
    if (!newline) {
        put(o, "=", 1);
        put(o, clean, n);
    } else {
        unsigned char le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (unsigned char) ((uint64_t) n >> (8 * i));
        put(o, "\n", 1);
        put(o, le, sizeof(le));
        put(o, clean, n);
    }
    put(o, "\n", 1);
}

size_t
pb_journal_format(const struct pb_journal *j, int priority, const char *message, const struct pb_journal_fields *f,
                  char *buf, size_t cap)
{
    struct out o = { buf, cap, 0, 0 };
    char number[16];

    field(&o, "MESSAGE", j->prefix, message, PB_JOURNAL_MESSAGE_MAX);
    field(&o, "MESSAGE_ID", NULL, f->message_id, 32);
    snprintf(number, sizeof(number), "%d", LOG_PRI(priority));
    field(&o, "PRIORITY", NULL, number, 1);
    snprintf(number, sizeof(number), "%d", LOG_FAC(LOG_AUTHPRIV));
    field(&o, "SYSLOG_FACILITY", NULL, number, 2);
    field(&o, "SYSLOG_IDENTIFIER", NULL, j->identifier, 64);
    field(&o, "BEARER_RESULT", NULL, f->result, 32);
    field(&o, "BEARER_REASON", NULL, f->reason, 64);
    field(&o, "BEARER_PATH", NULL, f->path, 32);
    field(&o, "BEARER_USER", NULL, f->user, PB_JOURNAL_VALUE_MAX);
    field(&o, "BEARER_ISSUER", NULL, f->issuer, PB_JOURNAL_VALUE_MAX);
    field(&o, "BEARER_JTI", NULL, f->jti, PB_JOURNAL_VALUE_MAX);
    field(&o, "BEARER_KID", NULL, f->kid, PB_JOURNAL_VALUE_MAX);
    return o.full ? 0 : o.len;
}

int
pb_journal_send(const struct pb_journal *j, int priority, const char *message, const struct pb_journal_fields *f)
{
    char buf[4096];
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct stat st;
    size_t len;
    ssize_t sent;
    int fd, saved;

    if (j == NULL || j->socket == NULL || strlen(j->socket) >= sizeof(addr.sun_path)) {
        errno = EINVAL;
        return -1;
    }
    /* Without journald one stat, not a socket made and closed (≈6 µs). */
    if (stat(j->socket, &st) != 0 || !S_ISSOCK(st.st_mode))
        return -1;
    if ((len = pb_journal_format(j, priority, message, f, buf, sizeof(buf))) == 0) {
        errno = EMSGSIZE;
        return -1;
    }
    memcpy(addr.sun_path, j->socket, strlen(j->socket) + 1);
    if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    /* MSG_DONTWAIT: a journald that does not keep up never holds a login. */
    sent = sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *) &addr, sizeof(addr));
    saved = errno;
    close(fd);
    errno = saved;
    return sent == (ssize_t) len ? 0 : -1;
}
