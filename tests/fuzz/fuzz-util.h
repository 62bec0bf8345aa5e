/* fuzz-util.h: what the libFuzzer targets share: the entry points they
 * export, a log that goes nowhere, and the end of a failed set-up. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define FUZZ_EXPORT __attribute__((visibility("default")))

FUZZ_EXPORT int LLVMFuzzerInitialize(int *argc, char ***argv);
FUZZ_EXPORT int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A pb_log sink that drops every line. */
void fuzz_discard_line(void *ctx, int priority, const char *line);

/* debug on: the LOG_DEBUG formatting runs too; the lines go nowhere. */
extern const struct pb_log fuzz_log;

/* The set-up failed: "TARGET: init: WHAT" and OpenSSL's error queue on
 * standard error, then abort. */
__attribute__((noreturn)) void fuzz_die(const char *target, const char *what);

#endif
