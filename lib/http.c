/* What every HTTP caller shares, whichever plugin does the requests:
 * deadlines and wiping a response. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "secret.h"

void
pb_http_deadline(struct timespec *deadline, long seconds)
{
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += seconds;
}

long
pb_http_left_ms(const struct timespec *deadline)
{
    struct timespec now;
    long long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long) (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms > 0 ? (long) ms : 0;
}

void
pb_http_response_clear(struct pb_http_response *resp)
{
    /* The body may hold tokens. */
    if (resp->body != NULL)
        pb_secret_free(resp->body, resp->len + 1);
    memset(resp, 0, sizeof(*resp));
    resp->max_age = -1;
}
