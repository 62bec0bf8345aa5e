/* Formatting for the logging layer; the sink decides where lines go. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

void
pb_log(const struct pb_log *log, int priority, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (log == NULL || log->sink == NULL)
        return;
    if (priority == LOG_DEBUG && !log->debug)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* Last line of defence: whatever reached the format (a parser's error text
     * quoting attacker bytes, say), no control byte reaches the log. */
    for (char *p = line; *p != '\0'; p++)
        if ((unsigned char) *p < 0x20 || (unsigned char) *p == 0x7f)
            *p = '?';
    log->sink(log->ctx, priority, line);
}

void
pb_log_stderr(void *ctx, int priority, const char *line)
{
    (void) ctx;
    (void) priority;
    fprintf(stderr, "pam_bearer: %s\n", line);
}

void
pb_log_helper_sink(void *ctx, int priority, const char *line)
{
    (void) ctx;
    fprintf(stderr, "bearer-token: %s%s\n", priority <= LOG_ERR ? "error: " : "", line);
}

void
pb_log_sanitize(char *out, size_t cap, const char *text, size_t len)
{
    size_t n = 0;

    if (cap == 0)
        return;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char) text[i];
        out[n++] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
    }
    out[n] = '\0';
}
