/* Where HTTP comes from: set once by the program (module or helper). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "secret.h"

static pthread_mutex_t provider_lock = PTHREAD_MUTEX_INITIALIZER;
static pb_http_provider provider;

void
pb_http_set_provider(pb_http_provider p)
{
    pthread_mutex_lock(&provider_lock);
    provider = p;
    pthread_mutex_unlock(&provider_lock);
}

const struct pb_http_ops *
pb_http_ops(const struct pb_log *log)
{
    pb_http_provider p;

    pthread_mutex_lock(&provider_lock);
    p = provider;
    pthread_mutex_unlock(&provider_lock);
    if (p == NULL) {
        pb_log(log, LOG_ERR, "unavailable: this program cannot fetch keys over HTTP");
        return NULL;
    }
    return p(log);
}

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
