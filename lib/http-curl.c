/* HTTP through libcurl, for key sets, discovery documents and token
 * endpoints: every URL and redirect through the URL policy with libcurl's own
 * parser, TLS verification always on, bounded time and size, redirects only
 * to the same origin (and never for a request carrying credentials), and one
 * log line saying what went wrong.  Redirects are followed here, not by
 * libcurl (each hop's origin is checked), so each hop gets what is left of
 * the request's one deadline rather than a timeout of its own. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"
#include "secret.h"
#include "url-policy.h"
#include "url-policy-curl.h"

struct body {
    unsigned char *data;
    size_t len, cap, max;
    int too_large;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_status = CURLE_FAILED_INIT;

/* Once per process; libcurl 7.84+ makes this thread-safe, the once makes it
 * cheap.  Never cleaned up: the module stays loaded (nodelete). */
static void
global_init(void)
{
    global_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct body *b = userdata;
    size_t n = size * nmemb;

    if (n > b->max - b->len) {
        b->too_large = 1;
        return 0;   /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    /* A token response must not leave copies in freed memory. */
    if (pb_secret_reserve(&b->data, &b->cap, b->len, b->len + n + 1, 16384) != 0)
        return 0;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* The value of a header line "Name: value" when its name is name, without
 * surrounding white space; NULL otherwise. */
static const char *
header_value(const char *ptr, size_t n, const char *name, size_t *len)
{
    size_t nlen = strlen(name), start, end;

    if (n <= nlen || strncasecmp(ptr, name, nlen) != 0 || ptr[nlen] != ':')
        return NULL;
    for (start = nlen + 1; start < n && (ptr[start] == ' ' || ptr[start] == '\t'); start++)
        ;
    for (end = n; end > start && (ptr[end - 1] == '\r' || ptr[end - 1] == '\n' || ptr[end - 1] == ' '
                                  || ptr[end - 1] == '\t'); end--)
        ;
    *len = end - start;
    return ptr + start;
}

/* Copy a validated value into a field of the response; one that is too long
 * or badly formed leaves the field empty (dropped whole, never cut). */
static void
keep(char *field, size_t cap, const char *value, size_t len, int (*ok)(const char *, size_t))
{
    field[0] = '\0';
    if (len < cap && ok(value, len)) {
        memcpy(field, value, len);
        field[len] = '\0';
    }
}

/* Cache-Control (only max-age and the two words that forbid reuse matter),
 * the validators and Retry-After.  Every value is bounded before it is
 * copied. */
static size_t
on_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
    struct pb_http_response *resp = userdata;
    size_t n = size * nitems, len;
    const char *v;
    char line[512], *p;

    if ((v = header_value(ptr, n, "etag", &len)) != NULL) {
        keep(resp->etag, sizeof(resp->etag), v, len, pb_http_etag_ok);
        return n;
    }
    if ((v = header_value(ptr, n, "last-modified", &len)) != NULL) {
        keep(resp->last_modified, sizeof(resp->last_modified), v, len, pb_http_date_ok);
        return n;
    }
    if ((v = header_value(ptr, n, "retry-after", &len)) != NULL) {
        keep(resp->retry_after, sizeof(resp->retry_after), v, len, pb_http_date_ok);
        return n;
    }
    if (n < 14 || n >= sizeof(line) || strncasecmp(ptr, "cache-control:", 14) != 0)
        return n;
    memcpy(line, ptr, n);
    line[n] = '\0';
    for (p = line + 14; *p != '\0'; p++) {
        if (strncasecmp(p, "max-age=", 8) == 0 && (p == line + 14 || p[-1] == ' ' || p[-1] == ',')) {
            char *end;
            long age = strtol(p + 8, &end, 10);
            if (end != p + 8 && age >= 0)
                resp->max_age = age;
        } else if (strncasecmp(p, "no-store", 8) == 0 || strncasecmp(p, "no-cache", 8) == 0) {
            resp->no_store = 1;
        }
    }
    return n;
}

/* Same scheme, host and port: a redirect may move a path, not an authority. */
static int
same_origin(CURLU *ua, CURLU *ub)
{
    static const CURLUPart parts[] = { CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT };
    int same = 1;

    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && same; i++) {
        char *va = NULL, *vb = NULL;
        if (curl_url_get(ua, parts[i], &va, CURLU_DEFAULT_PORT) != CURLUE_OK
            || curl_url_get(ub, parts[i], &vb, CURLU_DEFAULT_PORT) != CURLUE_OK
            || strcasecmp(va, vb) != 0)
            same = 0;
        curl_free(va);
        curl_free(vb);
    }
    return same;
}

static const char *
failure_kind(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "DNS";
    case CURLE_COULDNT_CONNECT:
        return "connection";
    case CURLE_OPERATION_TIMEDOUT:
        return "timeout";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return "TLS";
    case CURLE_FILESIZE_EXCEEDED:
        return "size";
    default:
        return "transfer";
    }
}

static void
headers_free(struct curl_slist *list)
{
    for (struct curl_slist *h = list; h != NULL; h = h->next)
        pb_secret_free_str(h->data), h->data = NULL;
    curl_slist_free_all(list);
}

static struct curl_slist *
header_add(struct curl_slist *list, const char *name, const char *value, int *failed)
{
    struct curl_slist *grown;
    char *line;
    size_t n;

    if (value == NULL || *failed)
        return list;
    n = strlen(name) + strlen(value) + 3;
    if ((line = malloc(n)) == NULL) {
        *failed = 1;
        return list;
    }
    snprintf(line, n, "%s: %s", name, value);
    grown = curl_slist_append(list, line);
    pb_secret_free(line, n);
    if (grown == NULL)
        *failed = 1;
    return grown ? grown : list;
}

/* Content-Type, Accept and Authorization as the request asks; no Expect. */
static struct curl_slist *
request_headers(const struct pb_http_request *req, int *failed)
{
    struct curl_slist *list = NULL;

    *failed = 0;
    list = header_add(list, "Content-Type", req->content_type, failed);
    list = header_add(list, "Accept", req->accept, failed);
    list = header_add(list, "Authorization", req->authorization, failed);
    list = header_add(list, "If-None-Match", req->if_none_match, failed);
    list = header_add(list, "If-Modified-Since", req->if_modified_since, failed);
    if (req->method != NULL)
        list = header_add(list, "Expect", "", failed);
    return list;
}

enum pb_status
pb_http_curl_get(const struct pb_http_request *req, struct pb_http_response *resp, const struct pb_log *log)
{
    CURL *curl = NULL;
    char errbuf[CURL_ERROR_SIZE], why[160];
    CURLU *url = NULL;
    struct body body = { NULL, 0, 0, req->max_body, 0 };
    enum pb_status status = PB_UNAVAILABLE;
    struct curl_slist *headers = NULL;
    int headers_failed = 0, conditional = req->if_none_match != NULL || req->if_modified_since != NULL;
    char safe_url[256];
    struct timespec deadline;

    pb_http_deadline(&deadline, req->timeout);
    memset(resp, 0, sizeof(*resp));
    resp->max_age = -1;
    /* The query may carry a refresh token (Machine Learning Server's revocation). */
    pb_url_for_log(safe_url, sizeof(safe_url), req->url);
    pthread_once(&global_once, global_init);
    if (global_status == CURLE_OK && pb_url_policy_curl(req->url, &url, why, sizeof(why)) == PB_UNAVAILABLE) {
        pb_log(log, LOG_ERR, "unavailable: %s: refused: %s", safe_url, why);
        goto done;
    }
    if ((req->if_none_match != NULL && !pb_http_etag_ok(req->if_none_match, strlen(req->if_none_match)))
        || (req->if_modified_since != NULL
            && !pb_http_date_ok(req->if_modified_since, strlen(req->if_modified_since)))) {
        pb_log(log, LOG_ERR, "unavailable: %s: refused: a malformed validator", safe_url);
        goto done;
    }
    if (global_status != CURLE_OK || url == NULL || (curl = curl_easy_init()) == NULL
        || ((headers = request_headers(req, &headers_failed)), headers_failed)) {
        pb_log(log, LOG_ERR, "unavailable: %s: cannot initialise libcurl", safe_url);
        goto done;
    }
    for (int hop = 0;; hop++) {
        CURLcode rc;
        char *location = NULL;
        CURLU *next = NULL;
        long left_ms = pb_http_left_ms(&deadline);

        if (left_ms == 0) {
            pb_log(log, LOG_ERR, "unavailable: %s: timeout: %ld s used up after %d redirect(s)", safe_url,
                   req->timeout, hop);
            goto done;
        }
        curl_easy_reset(curl);
        errbuf[0] = '\0';
        curl_easy_setopt(curl, CURLOPT_CURLU, url);     /* the very URL the policy checked */
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);   /* a PAM module leaves signals alone */
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(curl, CURLOPT_PROXY, "");      /* no proxy from the environment */
        if (req->ca_file != NULL)
            curl_easy_setopt(curl, CURLOPT_CAINFO, req->ca_file);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, req->connect_timeout);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, left_ms);
        curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) req->max_body);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, resp);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        if (req->method != NULL && strcmp(req->method, "POST") == 0) {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body ? req->body : "");
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
        } else if (req->method != NULL) {
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
        }
        body.len = 0;
        body.too_large = 0;
        resp->max_age = -1;
        resp->no_store = 0;
        resp->etag[0] = resp->last_modified[0] = resp->retry_after[0] = '\0';

        rc = curl_easy_perform(curl);
        if (rc != CURLE_OK) {
            char safe_err[CURL_ERROR_SIZE];
            const char *kind = body.too_large ? "size" : failure_kind(rc);
            pb_log_sanitize(safe_err, sizeof(safe_err), errbuf[0] ? errbuf : curl_easy_strerror(rc),
                            strlen(errbuf[0] ? errbuf : curl_easy_strerror(rc)));
            if (strcmp(kind, "size") == 0)
                pb_log(log, LOG_ERR, "unavailable: %s: size: response larger than %zu bytes", safe_url,
                       req->max_body);
            else
                pb_log(log, LOG_ERR, "unavailable: %s: %s: %s", safe_url, kind, safe_err);
            goto done;
        }
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
        if (resp->status < 300 || resp->status >= 400 || (resp->status == 304 && conditional))
            break;
        curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
        if (req->method != NULL) {
            /* A request carrying a password or a token goes where it was configured to. */
            pb_log(log, LOG_ERR, "unavailable: %s: status: HTTP %ld redirect refused for %s", safe_url,
                   resp->status, req->method);
            goto done;
        }
        if (location == NULL) {
            pb_log(log, LOG_ERR, "unavailable: %s: status: %ld without a Location", safe_url, resp->status);
            goto done;
        }
        if (hop >= PB_HTTP_MAX_REDIRECTS || pb_url_policy_curl(location, &next, why, sizeof(why)) != PB_OK
            || !same_origin(url, next)) {
            char safe_loc[256];
            pb_url_for_log(safe_loc, sizeof(safe_loc), location);
            pb_log(log, LOG_ERR, "unavailable: %s: redirect to %s refused (%s)", safe_url, safe_loc,
                   hop >= PB_HTTP_MAX_REDIRECTS ? "too many redirects" : next == NULL ? why : "another host");
            curl_url_cleanup(next);
            goto done;
        }
        curl_easy_setopt(curl, CURLOPT_CURLU, next);    /* never a handle freed under it */
        curl_url_cleanup(url);
        url = next;
    }
    if (!req->any_status && (resp->status < 200 || resp->status >= 300) && !(resp->status == 304 && conditional)) {
        pb_log(log, LOG_ERR, "unavailable: %s: status: HTTP %ld", safe_url, resp->status);
        goto done;
    }
    if (body.data == NULL && (body.data = calloc(1, 1)) == NULL)
        goto done;
    resp->body = body.data;
    resp->len = body.len;
    body.data = NULL;
    status = PB_OK;
done:
    if (body.data != NULL)
        pb_secret_free(body.data, body.cap);
    headers_free(headers);
    curl_easy_cleanup(curl);
    curl_url_cleanup(url);
    return status;
}

const struct pb_http_ops pb_http_curl_ops = {
    PB_HTTP_OPS_VERSION,
    pb_http_curl_get,
};
