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

/* 2: conditional requests, validators and Retry-After in the structures. */
#define PB_HTTP_OPS_VERSION 2
#define PB_HTTP_OPS_SYMBOL "pb_http_ops_v2"

/* Redirects are followed only to the same scheme, host and port. */
#define PB_HTTP_MAX_REDIRECTS 3

/* Longest ETag (quotes and W/ included) and longest HTTP-date or
 * Retry-After value kept from a response; longer ones are dropped whole,
 * never cut (a cut validator would name another version). */
#define PB_HTTP_ETAG_MAX 128
#define PB_HTTP_DATE_MAX 40

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
    /* Conditional GET (RFC 9110, 13.1): NULL for none.  With either, a 304
     * is PB_OK with an empty body.  Must pass pb_http_etag_ok /
     * pb_http_date_ok (they go into a header line). */
    const char *if_none_match;
    const char *if_modified_since;
};

struct pb_http_response {
    long status;                /* HTTP status of the final response */
    unsigned char *body;        /* NUL-terminated copy; free with free() */
    size_t len;
    long max_age;               /* Cache-Control max-age, -1 when absent */
    int no_store;               /* Cache-Control no-store or no-cache */
    /* Of the final response, "" when absent, too long or not well formed. */
    char etag[PB_HTTP_ETAG_MAX + 1];
    char last_modified[PB_HTTP_DATE_MAX + 1];
    char retry_after[PB_HTTP_DATE_MAX + 1];     /* as sent: pb_jwks_retry_after reads it */
};

struct pb_http_ops {
    unsigned version;           /* PB_HTTP_OPS_VERSION */
    /* PB_OK with a 2xx response (or a 304 to a conditional request);
     * PB_UNAVAILABLE otherwise, logged with the reason (DNS, connection,
     * TLS, timeout, size, status).  An error status stays in resp->status,
     * with resp->retry_after. */
    enum pb_status (*get)(const struct pb_http_request *req, struct pb_http_response *resp,
                          const struct pb_log *log);
};

/* The libcurl implementation (lib/http-curl.c), and its table. */
enum pb_status pb_http_curl_get(const struct pb_http_request *req, struct pb_http_response *resp,
                                const struct pb_log *log);
extern const struct pb_http_ops pb_http_curl_ops;

void pb_http_response_clear(struct pb_http_response *resp);

/* Header values safe to keep and send back: an entity-tag ("..." or
 * W/"...", visible ASCII, no inner quote, at most PB_HTTP_ETAG_MAX bytes);
 * a date-like value (letters, digits, space, comma, colon, hyphen, at most
 * PB_HTTP_DATE_MAX bytes).  Non-zero when value is one. */
int pb_http_etag_ok(const char *value, size_t len);
int pb_http_date_ok(const char *value, size_t len);

/* Deadlines on the monotonic clock (immune to the date being set):
 * pb_http_deadline sets *deadline seconds from now; pb_http_left_ms gives
 * the milliseconds left before it, 0 once it has passed. */
void pb_http_deadline(struct timespec *deadline, long seconds);
long pb_http_left_ms(const struct timespec *deadline);

#endif
