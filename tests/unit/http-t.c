/* What every HTTP caller shares: deadlines on the monotonic clock and
 * clearing a response. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "tap.h"

static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void
test_deadlines(void)
{
    struct timespec deadline;
    long left, later;

    pb_http_deadline(&deadline, 10);
    left = pb_http_left_ms(&deadline);
    tap_ok(left > 9000 && left <= 10000, "10 s from now: %ld ms left", left);
    sleep_ms(60);
    later = pb_http_left_ms(&deadline);
    tap_ok(later <= left - 50 && later > 9000, "60 ms later: %ld ms left", later);

    pb_http_deadline(&deadline, 0);
    tap_is_int(pb_http_left_ms(&deadline), 0, "a deadline of now has nothing left");
    pb_http_deadline(&deadline, -5);
    tap_is_int(pb_http_left_ms(&deadline), 0, "a passed deadline has nothing left, not less");

    pb_http_deadline(&deadline, 3600);
    left = pb_http_left_ms(&deadline);
    tap_ok(left > 3599000 && left <= 3600000, "an hour: %ld ms left", left);

    /* Nanoseconds carry across the second: 1.9 s ahead of a clock read now. */
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 1;
    deadline.tv_nsec += 900000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    left = pb_http_left_ms(&deadline);
    tap_ok(left > 1500 && left <= 1900, "1.9 s ahead: %ld ms left", left);
}

static void
test_clear(void)
{
    struct pb_http_response resp;
    const char body[] = "{\"access_token\":\"secret\"}";

    resp.status = 200;
    resp.len = strlen(body);
    resp.body = malloc(resp.len + 1);
    if (resp.body == NULL)
        exit(99);
    memcpy(resp.body, body, resp.len + 1);
    resp.max_age = 300;
    resp.no_store = 1;
    pb_http_response_clear(&resp);
    tap_ok(resp.body == NULL, "clear frees the body");
    tap_is_int(resp.len, 0, "... its length is 0");
    tap_is_int(resp.status, 0, "... no status");
    tap_is_int(resp.max_age, -1, "... max-age absent");
    tap_is_int(resp.no_store, 0, "... no-store unset");

    pb_http_response_clear(&resp);
    tap_ok(resp.body == NULL && resp.max_age == -1, "clearing twice is harmless");

    memset(&resp, 0x5a, sizeof(resp));
    resp.body = NULL;
    pb_http_response_clear(&resp);
    tap_ok(resp.body == NULL && resp.len == 0 && resp.status == 0 && resp.max_age == -1 && resp.no_store == 0,
           "a response without a body is reset too");
}

int
main(void)
{
    test_deadlines();
    test_clear();
    return tap_done();
}
