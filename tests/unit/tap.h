/* A minimal TAP producer for unit tests run by automake's tap-driver. */
#ifndef PB_TAP_H
#define PB_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed;

static void __attribute__((format(printf, 2, 3)))
tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;

    printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond)
        tap_failed++;
}

#define tap_is_int(got, want, ...)                                                    \
    do {                                                                              \
        long long got_ = (long long) (got), want_ = (long long) (want);               \
        tap_ok(got_ == want_, __VA_ARGS__);                                           \
        if (got_ != want_)                                                            \
            printf("#   got %lld, want %lld\n", got_, want_);                         \
    } while (0)

#define tap_is_str(got, want, ...)                                                    \
    do {                                                                              \
        const char *got_ = (got), *want_ = (want);                                    \
        int same_ = got_ != NULL && want_ != NULL && strcmp(got_, want_) == 0;        \
        tap_ok(same_, __VA_ARGS__);                                                   \
        if (!same_)                                                                   \
            printf("#   got \"%s\", want \"%s\"\n", got_ ? got_ : "(null)", want_ ? want_ : "(null)"); \
    } while (0)

static int
tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
