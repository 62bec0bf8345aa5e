/* journal-t: journald's native protocol (lib/journal.c) into a datagram
 * socket the test binds: the fields, the length form for a newline, bounds,
 * control bytes, and a socket nobody listens on. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "journal.h"
#include "tap.h"

static char got[8192];
static size_t got_len;

/* The value of FIELD in the last datagram (text form), or NULL. */
static const char *
value(const char *field)
{
    static char v[2048];
    size_t flen = strlen(field);

    for (size_t i = 0; i < got_len;) {
        const char *line = got + i, *nl = memchr(line, '\n', got_len - i);
        if (nl == NULL)
            break;
        if ((size_t) (nl - line) > flen && memcmp(line, field, flen) == 0 && line[flen] == '=') {
            size_t n = (size_t) (nl - line) - flen - 1;
            memcpy(v, line + flen + 1, n < sizeof(v) - 1 ? n : sizeof(v) - 1);
            v[n < sizeof(v) - 1 ? n : sizeof(v) - 1] = '\0';
            return v;
        }
        if ((size_t) (nl - line) == flen && memcmp(line, field, flen) == 0)
            return "(length form)";
        if (memchr(line, '=', (size_t) (nl - line)) == NULL) {
            /* A name in the length form: skip its 8 bytes, value and newline. */
            uint64_t n = 0;
            const unsigned char *le = (const unsigned char *) nl + 1;
            for (int k = 7; k >= 0; k--)
                n = (n << 8) | le[k];
            i = (size_t) (nl - got) + 1 + 8 + n + 1;
            continue;
        }
        i = (size_t) (nl - got) + 1;
    }
    return NULL;
}

static int
receive(int fd)
{
    ssize_t n = recv(fd, got, sizeof(got), MSG_DONTWAIT);
    got_len = n > 0 ? (size_t) n : 0;
    return n > 0;
}

int
main(void)
{
    char dir[] = "/tmp/journal-t.XXXXXX", path[200], big[2000];
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct pb_journal j = { NULL, "journal-t", "pam_bearer(test)" };
    struct pb_journal_fields f = { PB_JOURNAL_ID_REJECTED, "rejected", "expired", "token", "alice",
                                   "https://issuer.example", "jti-1", "kid-1" };
    int fd;

    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/socket", dir);
    memcpy(addr.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *) &addr, sizeof(addr)) != 0) {
        printf("1..0 # SKIP cannot bind a unix datagram socket: %s\n", strerror(errno));
        return 0;
    }
    j.socket = path;

    tap_ok(pb_journal_send(&j, LOG_NOTICE, "rejected: expired: token expired (user alice)", &f) == 0,
           "sent to a listening socket");
    tap_ok(receive(fd), "one datagram arrived");
    tap_is_str(value("MESSAGE"), "pam_bearer(test): rejected: expired: token expired (user alice)",
               "MESSAGE: the log line after the syslog prefix");
    tap_is_str(value("MESSAGE_ID"), PB_JOURNAL_ID_REJECTED, "MESSAGE_ID: the refusals' id");
    tap_is_str(value("PRIORITY"), "5", "PRIORITY: notice");
    tap_is_str(value("SYSLOG_FACILITY"), "10", "SYSLOG_FACILITY: authpriv");
    tap_is_str(value("SYSLOG_IDENTIFIER"), "journal-t", "SYSLOG_IDENTIFIER");
    tap_is_str(value("BEARER_RESULT"), "rejected", "BEARER_RESULT");
    tap_is_str(value("BEARER_REASON"), "expired", "BEARER_REASON");
    tap_is_str(value("BEARER_PATH"), "token", "BEARER_PATH");
    tap_is_str(value("BEARER_USER"), "alice", "BEARER_USER");
    tap_is_str(value("BEARER_ISSUER"), "https://issuer.example", "BEARER_ISSUER");
    tap_is_str(value("BEARER_JTI"), "jti-1", "BEARER_JTI");
    tap_is_str(value("BEARER_KID"), "kid-1", "BEARER_KID");
    tap_ok(got_len > 0 && got[got_len - 1] == '\n', "the datagram ends with a newline");

    /* Absent fields are left out. */
    f.reason = NULL;
    f.issuer = "";
    pb_journal_send(&j, LOG_INFO, "accepted", &f);
    receive(fd);
    tap_ok(value("BEARER_REASON") == NULL && value("BEARER_ISSUER") == NULL, "NULL and empty fields are left out");

    /* Control bytes cannot start a field of their own. */
    f.jti = "x\rBEARER_RESULT=accepted\x1b";
    f.kid = "two\nlines";
    pb_journal_send(&j, LOG_INFO, "m", &f);
    receive(fd);
    tap_is_str(value("BEARER_JTI"), "x?BEARER_RESULT=accepted?", "control bytes become '?'");
    tap_is_str(value("BEARER_RESULT"), "rejected", "and forge no field");
    tap_is_str(value("BEARER_KID"), "(length form)", "a newline: the length form");
    {
        const char *kid = memmem(got, got_len, "BEARER_KID\n", 11);
        uint64_t n = 0;
        if (kid != NULL)
            for (int k = 7; k >= 0; k--)
                n = (n << 8) | (unsigned char) kid[11 + k];
        tap_ok(kid != NULL && n == 9 && memcmp(kid + 19, "two\nlines\n", 10) == 0,
               "its 64-bit little-endian length (9), the bytes, a newline");
    }
    tap_is_str(value("BEARER_USER"), "alice", "the fields after it still parse");

    /* Bounds. */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    f.jti = big;
    f.kid = "k";
    pb_journal_send(&j, LOG_INFO, big, &f);
    receive(fd);
    tap_is_int(strlen(value("BEARER_JTI") ? value("BEARER_JTI") : ""), PB_JOURNAL_VALUE_MAX,
               "a long jti is cut to %d bytes", PB_JOURNAL_VALUE_MAX);
    tap_is_int(strlen(value("MESSAGE") ? value("MESSAGE") : ""), PB_JOURNAL_MESSAGE_MAX,
               "a long message is cut to %d bytes", PB_JOURNAL_MESSAGE_MAX);
    {
        char small[64];
        tap_is_int(pb_journal_format(&j, LOG_INFO, "m", &f, small, sizeof(small)), 0,
                   "a buffer too small: nothing formatted");
    }

    /* Nobody listening: -1, for the caller to use syslog. */
    close(fd);
    unlink(path);
    tap_ok(pb_journal_send(&j, LOG_INFO, "m", &f) == -1, "no socket: -1 (the caller logs to syslog)");
    {
        FILE *plain = fopen(path, "w");
        if (plain != NULL)
            fclose(plain);
        tap_ok(pb_journal_send(&j, LOG_INFO, "m", &f) == -1, "a regular file where the socket was: -1");
        unlink(path);
    }
    j.socket = NULL;
    tap_ok(pb_journal_send(&j, LOG_INFO, "m", &f) == -1, "no socket configured: -1");
    memset(big, 'b', 200);
    big[0] = '/';
    big[200] = '\0';
    j.socket = big;
    tap_ok(pb_journal_send(&j, LOG_INFO, "m", &f) == -1, "a socket path too long for sun_path: -1");
    rmdir(dir);
    return tap_done();
}
