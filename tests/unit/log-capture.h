/* A pb_log sink for unit tests: counts the lines logged and keeps the last,
 * so a test can check that a refusal says why (or that nothing was said). */
#ifndef PB_LOG_CAPTURE_H
#define PB_LOG_CAPTURE_H

#include <stdio.h>

#include "log.h"

static int log_lines;
static char last_line[1024];

static void
capture(void *ctx, int priority, const char *line)
{
    (void) ctx, (void) priority;
    log_lines++;
    snprintf(last_line, sizeof(last_line), "%s", line);
}

/* Forget what was logged so far. */
static __attribute__((unused)) void
capture_reset(void)
{
    log_lines = 0;
    last_line[0] = '\0';
}

#endif
