/* An optional observer of each check the token decision makes, so a tool can
 * show every check's outcome; the module passes none and stops at the first
 * failure. */
#ifndef PB_TRACE_H
#define PB_TRACE_H

#include <jansson.h>

enum pb_check_outcome { PB_CHECK_OK, PB_CHECK_FAIL, PB_CHECK_SKIP };

struct pb_trace {
    /* Called once per check, in order; detail never holds token bytes. */
    void (*check)(void *ctx, const char *name, enum pb_check_outcome outcome, const char *detail);
    void *ctx;
    /* Filled in by the decision (new references, caller decrefs). */
    json_t *header;
    json_t *claims;
    char key[128];     /* the key that verified the signature: kid, type, size */
};

void pb_trace_report(const struct pb_trace *trace, const char *name, enum pb_check_outcome outcome,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

const char *pb_check_outcome_name(enum pb_check_outcome outcome);

/* "41m12s", "3d4h", "12s": a duration for people. */
void pb_trace_duration(char *out, size_t cap, long long seconds);

#endif
