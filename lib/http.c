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

int
pb_http_etag_ok(const char *value, size_t len)
{
    size_t start = 0;

    if (len > PB_HTTP_ETAG_MAX)
        return 0;
    if (len >= 2 && value[0] == 'W' && value[1] == '/')
        start = 2;
    if (len < start + 2 || value[start] != '"' || value[len - 1] != '"')
        return 0;
    /* etagc (RFC 9110, 8.8.3) without obs-text: nothing a header line could
     * be split or confused at. */
    for (size_t i = start + 1; i < len - 1; i++)
        if (value[i] <= 0x20 || value[i] >= 0x7f || value[i] == '"')
            return 0;
    return 1;
}

int
pb_http_date_ok(const char *value, size_t len)
{
    if (len == 0 || len > PB_HTTP_DATE_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = value[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' '
              || c == ',' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}
