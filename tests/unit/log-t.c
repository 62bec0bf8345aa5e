/* log-t: the logging layer (lib/log.c): debug gating, no control byte in a line, sanitizing. */
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "tap.h"

struct seen {
    int calls, priority;
    char line[2048];
};

static void
record(void *ctx, int priority, const char *line)
{
    struct seen *s = ctx;

    s->calls++;
    s->priority = priority;
    snprintf(s->line, sizeof(s->line), "%s", line);
}

int
main(void)
{
    struct seen seen = { 0, 0, "" };
    struct pb_log log = { record, &seen, 0 };
    char big[3000], out[16];

    pb_log(&log, LOG_NOTICE, "rejected: %s: %d", "expired", 42);
    tap_ok(seen.calls == 1 && seen.priority == LOG_NOTICE, "a line reaches the sink with its priority");
    tap_is_str(seen.line, "rejected: expired: 42", "formatted as printf would");

    pb_log(&log, LOG_DEBUG, "debug detail");
    tap_is_int(seen.calls, 1, "LOG_DEBUG is dropped without debug");
    log.debug = 1;
    pb_log(&log, LOG_DEBUG, "debug detail");
    tap_ok(seen.calls == 2 && strcmp(seen.line, "debug detail") == 0, "and passed with debug");

    pb_log(&log, LOG_ERR, "user %s", "alice\nFAKE: accepted\r\x1b[0m\x7f");
    tap_is_str(seen.line, "user alice?FAKE: accepted??[0m?", "control bytes in an argument become '?': no forged lines");

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    pb_log(&log, LOG_ERR, "%s", big);
    tap_is_int(strlen(seen.line), 1023, "a long line is cut at 1023 bytes, not overflowed");

    pb_log(NULL, LOG_ERR, "nowhere");
    log.sink = NULL;
    pb_log(&log, LOG_ERR, "nowhere");
    tap_is_int(seen.calls, 4, "no log or no sink: nothing happens");

    pb_log_sanitize(out, sizeof(out), "a\tb\xc3\xa9z", 6);
    tap_is_str(out, "a?b??z", "sanitize: tabs and non-ASCII bytes become '?'");
    pb_log_sanitize(out, sizeof(out), "0123456789abcdefghij", 20);
    tap_is_str(out, "0123456789abcde", "sanitize: at most cap-1 bytes and a NUL");
    pb_log_sanitize(out, sizeof(out), "ab\0cd", 5);
    tap_is_str(out, "ab?cd", "sanitize: a NUL inside the length is replaced, not the end");
    out[0] = 'Q';
    pb_log_sanitize(out, 0, "abc", 3);
    tap_ok(out[0] == 'Q', "sanitize: cap 0 writes nothing");
    return tap_done();
}
