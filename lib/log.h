/* One logging layer: pam_syslog in the module, standard error in the helper. */
#ifndef PB_LOG_H
#define PB_LOG_H

#include <stddef.h>
#include <syslog.h>

/* A sink receives whole, already formatted lines that never contain secrets. */
struct pb_log {
    void (*sink)(void *ctx, int priority, const char *line);
    void *ctx;
    int debug;            /* LOG_DEBUG lines are dropped unless set */
};

void pb_log(const struct pb_log *log, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Standard-error sink for programs ("pam_bearer: line"). */
void pb_log_stderr(void *ctx, int priority, const char *line);
/* bearer-token's sink: "bearer-token: [error: ]line" on standard error. */
void pb_log_helper_sink(void *ctx, int priority, const char *line);

/* Copy at most cap-1 bytes of text into out, replacing control and non-ASCII
 * bytes with '?', so attacker-supplied strings cannot forge log lines. */
void pb_log_sanitize(char *out, size_t cap, const char *text, size_t len);

#endif
