/* What the libFuzzer targets share (see fuzz-util.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>

#include "fuzz-util.h"

void
fuzz_discard_line(void *ctx, int priority, const char *line)
{
    (void) ctx, (void) priority, (void) line;
}

const struct pb_log fuzz_log = { fuzz_discard_line, NULL, 1 };

void
fuzz_die(const char *target, const char *what)
{
    fprintf(stderr, "%s: init: %s\n", target, what);
    ERR_print_errors_fp(stderr);
    abort();
}
