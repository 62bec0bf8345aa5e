/* The userinfo fallback: which claims are missing, the cache, the request,
 * the sub check, the merge. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "claims.h"
#include "http.h"
#include "jws.h"
#include "log.h"
#include "secret.h"
#include "url-policy.h"
#include "io.h"
#include "userinfo.h"

/* Most claims one login may ask for. */
#define MAX_WANTED 16
/* A cache file: the answer and a little framing. */
#define CACHE_MAX (PB_USERINFO_MAX + 512)

/* Registered claims say who issued the token, for whom and when: only the
 * token itself may say that. */
static const char *const token_only[] = { "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "auth_time" };

struct wanted {
    char names[MAX_WANTED][PB_CLAIM_NAME_MAX + 1];
    size_t count;
};

/* The top-level name of path (up to the first dot, unless the claims set
 * has the dotted name itself) if claims lack it; duplicates once. */
static void
want(struct wanted *w, json_t *claims, const char *path, size_t n)
{
    char name[PB_CLAIM_NAME_MAX + 1];

    if (n > PB_CLAIM_NAME_MAX || w->count >= MAX_WANTED)
        return;
    memcpy(name, path, n);
    name[n] = '\0';
    if (json_object_get(claims, name) != NULL)
        return;
    if (memchr(name, '.', n) != NULL) {
        want(w, claims, name, strcspn(name, "."));
        return;
    }
    for (size_t i = 0; i < sizeof(token_only) / sizeof(token_only[0]); i++)
        if (strcmp(token_only[i], name) == 0)
            return;
    for (size_t i = 0; i < w->count; i++)
        if (strcmp(w->names[i], name) == 0)
            return;
    memcpy(w->names[w->count++], name, n + 1);
}

static void
want_required(struct wanted *w, json_t *claims, const struct pb_strlist *required)
{
    for (size_t i = 0; i < required->count; i++)
        want(w, claims, required->items[i], strcspn(required->items[i], "="));
}

/* The cache directory: owned by root or by us, writable by no one else.
 * -1 when there is none to use (nothing is cached then). */
static int
open_cache_dir(const struct pb_config *cfg, int *writable)
{
    struct stat st;
    int fd = open(cfg->cache_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid())
        || (st.st_mode & 022) != 0) {
        close(fd);
        return -1;
    }
    *writable = st.st_uid == geteuid();
    return fd;
}

/* "userinfo-HEX.json", HEX the SHA-256 of the token: only its bearer can
 * name the file. */
static int
cache_name(const char *token, size_t len, char *out, size_t cap)
{
    unsigned char digest[32];
    char hex[65];

    if (EVP_Digest(token, len, digest, NULL, EVP_sha256(), NULL) != 1)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return (size_t) snprintf(out, cap, "userinfo-%s.json", hex) < cap ? 0 : -1;
}

/* The cached answer, if it is ours, private, and the token has not expired. */
static json_t *
cache_read(int dir, const char *name, time_t now)
{
    unsigned char buf[CACHE_MAX + 1];
    struct stat st;
    size_t got = 0;
    json_t *doc = NULL, *answer = NULL;
    long long until = 0;
    char err[128];
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0
        || st.st_size > CACHE_MAX)
        goto done;
    while (got < sizeof(buf)) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    if (got > CACHE_MAX || (doc = pb_json_parse_object(buf, got, err, sizeof(err))) == NULL)
        goto done;
    if (pb_claims_numeric_date(json_object_get(doc, "until"), &until) != 0 || (long long) now >= until) {
        unlinkat(dir, name, 0);         /* its token has expired */
        goto done;
    }
    answer = json_object_get(doc, "userinfo");
    if (json_is_object(answer))
        json_incref(answer);
    else
        answer = NULL;
done:
    json_decref(doc);
    explicit_bzero(buf, sizeof(buf));
    close(fd);
    return answer;
}

/* Written to a private temporary file, then renamed: never half a file. */
static void
cache_write(int dir, const char *name, json_t *answer, long long until, const struct pb_log *log)
{
    json_t *doc = json_pack("{s:I,s:O}", "until", (json_int_t) until, "userinfo", answer);
    char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    char tmp[128];
    unsigned char rnd[8];
    size_t len = text != NULL ? strlen(text) : 0;
    int fd = -1;

    if (text == NULL || len > CACHE_MAX)
        goto done;
    /* A name no other thread or process writing the same answer uses. */
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        goto done;
    snprintf(tmp, sizeof(tmp), "%.80s.%02x%02x%02x%02x%02x%02x%02x%02x.tmp", name, rnd[0], rnd[1], rnd[2], rnd[3],
             rnd[4], rnd[5], rnd[6], rnd[7]);
    fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        pb_log(log, LOG_WARNING, "cannot write the userinfo cache: %s (the answer is used once)", strerror(errno));
        goto done;
    }
    if (pb_write_all(fd, text, len) != 0)
        goto failed;
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        goto failed;
    }
    fd = -1;
    if (renameat(dir, tmp, dir, name) != 0)
        goto failed;
    goto done;
failed:
    pb_log(log, LOG_WARNING, "cannot write the userinfo cache: %s (the answer is used once)", strerror(errno));
    if (fd >= 0)
        close(fd);
    unlinkat(dir, tmp, 0);
done:
    if (text != NULL)
        pb_secret_free(text, len);
    json_decref(doc);
}

/* GET the endpoint with the token; the parsed answer or NULL (logged). */
static json_t *
ask(const struct pb_login_ctx *ctx, const struct pb_config *cfg, const char *token, size_t len)
{
    const struct pb_http_ops *ops = ctx->http != NULL ? ctx->http(ctx->log) : NULL;
    struct pb_http_response resp = { .max_age = -1 };
    struct pb_http_request req = {
        .url = cfg->userinfo_endpoint, .ca_file = cfg->ca_file, .connect_timeout = cfg->http_connect_timeout,
        .timeout = cfg->http_timeout, .max_body = PB_USERINFO_MAX, .accept = "application/json",
    };
    size_t cap = len + sizeof("Bearer ");
    char *authorization = malloc(cap), err[128];
    json_t *answer = NULL;

    if (ops == NULL) {
        pb_log(ctx->log, LOG_ERR, "unavailable: this program cannot ask the userinfo endpoint");
        goto done;
    }
    if (authorization == NULL)
        goto done;
    snprintf(authorization, cap, "Bearer %.*s", (int) len, token);
    req.authorization = authorization;
    if (ops->get(&req, &resp, ctx->log) != PB_OK)
        goto done;
    answer = pb_json_parse_object(resp.body, resp.len, err, sizeof(err));
    if (answer == NULL)
        pb_log(ctx->log, LOG_ERR, "unavailable: userinfo answer: %s", err);
done:
    if (authorization != NULL)
        pb_secret_free(authorization, cap);
    if (resp.body != NULL)
        explicit_bzero(resp.body, resp.len);
    pb_http_response_clear(&resp);
    return answer;
}

static int
same_string(json_t *a, json_t *b)
{
    return json_is_string(a) && json_is_string(b) && json_string_length(a) == json_string_length(b)
           && memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
}

enum pb_status
pb_userinfo_fill(const struct pb_login_ctx *ctx, const struct pb_config *issuer, const struct pb_config *service,
                 int groups, const char *token, size_t len, json_t *claims, const struct pb_trace *trace,
                 struct pb_verdict *verdict)
{
    struct wanted w = { .count = 0 };
    json_t *answer = NULL;
    long long exp = 0;
    char name[96], shown[256];
    int dir = -1, writable = 0, cached = 0;
    size_t filled = 0;
    enum pb_status status = PB_OK;

    if (issuer->userinfo_endpoint == NULL)
        return PB_OK;
    want(&w, claims, issuer->user_claim, strlen(issuer->user_claim));
    want_required(&w, claims, &issuer->required);
    if (service != issuer)
        want_required(&w, claims, &service->required);
    if (groups && (issuer->allow_groups.count > 0 || service->allow_groups.count > 0))
        want(&w, claims, issuer->groups_claim, strlen(issuer->groups_claim));
    if (w.count == 0)
        return PB_OK;
    /* An expired token is refused by the claims check: ask nothing for it. */
    if (pb_claims_numeric_date(json_object_get(claims, "exp"), &exp) != 0 || (long long) ctx->now >= exp)
        return PB_OK;
    if (!json_is_string(json_object_get(claims, "sub"))) {
        pb_verdict_set(verdict, PB_R_USERINFO, "the token has no sub to match a userinfo answer with");
        status = PB_REJECTED;
        goto done;
    }
    dir = open_cache_dir(issuer, &writable);
    if (dir >= 0 && cache_name(token, len, name, sizeof(name)) == 0 && (answer = cache_read(dir, name, ctx->now)))
        cached = 1;
    if (answer == NULL && (answer = ask(ctx, issuer, token, len)) == NULL) {
        pb_url_for_log(shown, sizeof(shown), issuer->userinfo_endpoint);
        pb_log(ctx->log, LOG_ERR, "unavailable: no userinfo answer from %s", shown);
        pb_trace_report(trace, "userinfo", PB_CHECK_FAIL, "no usable answer from %s", shown);
        status = PB_UNAVAILABLE;
        goto done;
    }
    /* OpenID Connect Core 1.0, 5.3.2: an answer for anyone else is not ours. */
    if (!same_string(json_object_get(answer, "sub"), json_object_get(claims, "sub"))) {
        pb_verdict_set(verdict, PB_R_USERINFO, "the userinfo answer's sub is not the token's");
        status = PB_REJECTED;
        goto done;
    }
    if (!cached && dir >= 0 && writable)
        cache_write(dir, name, answer, exp, ctx->log);
    for (size_t i = 0; i < w.count; i++) {
        json_t *value = json_object_get(answer, w.names[i]);
        if (value != NULL && json_object_set(claims, w.names[i], value) == 0)
            filled++;
    }
    pb_trace_report(trace, "userinfo", PB_CHECK_OK, "%zu of %zu missing claim%s filled%s", filled, w.count,
                    w.count == 1 ? "" : "s", cached ? " (cached)" : "");
    pb_log(ctx->log, LOG_DEBUG, "userinfo: %zu of %zu missing claims filled%s", filled, w.count,
           cached ? " (cached)" : "");
done:
    if (status == PB_REJECTED)
        pb_trace_report(trace, "userinfo", PB_CHECK_FAIL, "%s", verdict->detail);
    json_decref(answer);
    if (dir >= 0)
        close(dir);
    return status;
}
