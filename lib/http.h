/* HTTP for key sets, discovery documents and token endpoints.  The libcurl
 * code (http-curl.c) is linked only into plugins: pam_bearer-http.so for
 * the module, bearer-token-net.so for bearer-token, so that a login served
 * from the key cache never loads libcurl.  The core reaches it through the
 * table below, handed in by its caller (context.h), never through a global. */
#ifndef PB_HTTP_H
#define PB_HTTP_H

#include <stddef.h>
#include <time.h>

#include "log.h"
#include "status.h"

#define PB_HTTP_OPS_VERSION 1
#define PB_HTTP_OPS_SYMBOL "pb_http_ops_v1"

/* Redirects are followed only to the same scheme, host and port. */
#define PB_HTTP_MAX_REDIRECTS 3

struct pb_http_request {
    const char *url;            /* https://, or http:// already checked to be loopback */
    const char *ca_file;        /* NULL: the system's trust store */
    long connect_timeout;       /* seconds */
    long timeout;               /* seconds for the whole request, redirects included */
    size_t max_body;            /* larger bodies are refused while they arrive */
    /* Token endpoints (bearer-token only); all zero for a plain GET. */
    const char *method;         /* NULL: GET; else "POST" or "DELETE" (never redirected) */
    const char *content_type;   /* of body */
    const char *body;           /* request body, may hold a password: not copied */
    size_t body_len;
    const char *authorization;  /* whole Authorization value, a secret: wiped after use */
    const char *accept;         /* Accept header, NULL for none */
    int any_status;             /* PB_OK for any final status, so the caller can
                                 * read an error body (RFC 6749 section 5.2) */
};

struct pb_http_response {
    long status;                /* HTTP status of the final response */
    unsigned char *body;        /* NUL-terminated copy; free with free() */
    size_t len;
    long max_age;               /* Cache-Control max-age, -1 when absent */
    int no_store;               /* Cache-Control no-store or no-cache */
};

struct pb_http_ops {
    unsigned version;           /* PB_HTTP_OPS_VERSION */
    /* PB_OK with a 2xx response; PB_UNAVAILABLE otherwise, logged with the
     * reason (DNS, connection, TLS, timeout, size, status). */
    enum pb_status (*get)(const struct pb_http_request *req, struct pb_http_response *resp,
                          const struct pb_log *log);
};

/* The libcurl implementation (lib/http-curl.c), and its table. */
enum pb_status pb_http_curl_get(const struct pb_http_request *req, struct pb_http_response *resp,
                                const struct pb_log *log);
extern const struct pb_http_ops pb_http_curl_ops;

void pb_http_response_clear(struct pb_http_response *resp);

/* Deadlines on the monotonic clock (immune to the date being set):
 * pb_http_deadline sets *deadline seconds from now; pb_http_left_ms gives
 * the milliseconds left before it, 0 once it has passed. */
void pb_http_deadline(struct timespec *deadline, long seconds);
long pb_http_left_ms(const struct timespec *deadline);

#endif
