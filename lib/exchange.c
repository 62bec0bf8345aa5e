/* Login, renewal and revocation, built from an authority's description.
 * Every buffer that holds a password or a token is wiped before it is freed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "b64url.h"
#include "exchange.h"
#include "http.h"
#include "jws.h"
#include "secret.h"
#include "time-limit.h"

/* A reply carries an access, a refresh and (OpenID Connect) an ID token, each
 * up to PB_JWS_MAX_TOKEN, and a few short fields. */
#define MAX_REPLY (4 * PB_JWS_MAX_TOKEN)
#define MAX_SECRET_FILE 4096

/* A growable string for request bodies, wiped when it grows or goes. */
struct text {
    char *p;
    size_t len, cap;
    int failed;
};

static void
text_add(struct text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (pb_secret_reserve(&t->p, &t->cap, t->len, t->len + n + 1, 256) != 0) {
        t->failed = 1;
        return;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void
text_free(struct text *t)
{
    if (t->p != NULL)
        pb_secret_free(t->p, t->cap);
    memset(t, 0, sizeof(*t));
}

/* application/x-www-form-urlencoded (the WHATWG rules RFC 6749 appendix B uses). */
static void
text_add_urlencoded(struct text *t, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char) *s;
        char enc[3];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
            || c == '_' || c == '*')
            text_add(t, s, 1);
        else if (c == ' ')
            text_add(t, "+", 1);
        else {
            enc[0] = '%';
            enc[1] = hex[c >> 4];
            enc[2] = hex[c & 15];
            text_add(t, enc, 3);
        }
    }
}

/* One request body, as a form or as a JSON object of strings. */
struct body {
    enum pb_body kind;
    struct text form;
    json_t *json;
};

static void
body_init(struct body *b, enum pb_body kind)
{
    memset(b, 0, sizeof(*b));
    b->kind = kind;
    if (kind == PB_BODY_JSON && (b->json = json_object()) == NULL)
        b->form.failed = 1;
}

static void
body_field(struct body *b, const char *name, const char *value, size_t name_len)
{
    if (b->kind == PB_BODY_FORM) {
        char n[128];
        if (b->form.len > 0)
            text_add(&b->form, "&", 1);
        snprintf(n, sizeof(n), "%.*s", (int) name_len, name);
        text_add_urlencoded(&b->form, n);
        text_add(&b->form, "=", 1);
        text_add_urlencoded(&b->form, value);
    } else if (!b->form.failed) {
        char n[128];
        snprintf(n, sizeof(n), "%.*s", (int) name_len, name);
        if (json_object_set_new(b->json, n, json_string(value)) != 0)
            b->form.failed = 1;
    }
}

/* The fixed NAME=VALUE&... fields of a description. */
static void
body_fixed(struct body *b, const char *fields)
{
    char value[256];

    while (fields != NULL && *fields != '\0') {
        size_t pair = strcspn(fields, "&"), name = strcspn(fields, "=");
        snprintf(value, sizeof(value), "%.*s", (int) (pair - name - 1), fields + name + 1);
        body_field(b, fields, value, name);
        fields += pair + (fields[pair] == '&');
    }
}

/* The finished body as text; NULL when out of memory. */
static const char *
body_text(struct body *b)
{
    if (b->kind == PB_BODY_JSON && !b->form.failed) {
        char *dump = json_dumps(b->json, JSON_COMPACT);
        if (dump == NULL)
            b->form.failed = 1;
        else {
            text_add(&b->form, dump, strlen(dump));
            pb_secret_free_str(dump);
        }
    }
    if (b->form.failed)
        return NULL;
    if (b->form.p == NULL)
        text_add(&b->form, "", 0);
    return b->form.p;
}

static void
body_free(struct body *b)
{
    /* jansson frees without wiping; the password string it holds is short-lived. */
    json_decref(b->json);
    text_free(&b->form);
}

static const char *
body_content_type(const struct body *b)
{
    return b->kind == PB_BODY_FORM ? "application/x-www-form-urlencoded" : "application/json";
}

/* HTTP Basic for the client (RFC 6749 section 2.3.1: each part form-encoded). */
static enum pb_status
client_basic(const struct pb_authority *a, struct text *header, const struct pb_log *log)
{
    unsigned char *secret = NULL;
    size_t secret_len = 0;
    struct text pair = { 0 };
    char err[256], *b64 = NULL;
    enum pb_status r = PB_CONFIG;

    if (pb_secret_read_file(a->client_secret_file, MAX_SECRET_FILE, 0, &secret, &secret_len, NULL, err,
                            sizeof(err)) != PB_OK) {
        pb_log(log, LOG_ERR, "client secret: %s", err);
        return PB_CONFIG;
    }
    while (secret_len > 0 && (secret[secret_len - 1] == '\n' || secret[secret_len - 1] == '\r'))
        secret[--secret_len] = '\0';
    text_add_urlencoded(&pair, a->client_id);
    text_add(&pair, ":", 1);
    text_add_urlencoded(&pair, (const char *) secret);
    if (pair.failed || (b64 = pb_b64url_encode((unsigned char *) pair.p, pair.len)) == NULL)
        goto done;
    /* base64url to base64: two letters differ, and padding returns. */
    text_add(header, "Basic ", 6);
    for (char *c = b64; *c != '\0'; c++)
        text_add(header, *c == '-' ? "+" : *c == '_' ? "/" : c, 1);
    text_add(header, "==", (4 - strlen(b64) % 4) % 4);
    r = header->failed ? PB_CONFIG : PB_OK;
done:
    pb_secret_free_str(b64);
    text_free(&pair);
    pb_secret_free(secret, secret_len + 1);
    return r;
}

long long
pb_exchange_jwt_exp(const char *token)
{
    const char *dot1 = strchr(token, '.'), *dot2;
    unsigned char *payload = NULL;
    size_t len;
    json_t *claims, *exp;
    long long value = -1;

    if (dot1 == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL
        || pb_b64url_decode_alloc(dot1 + 1, (size_t) (dot2 - dot1 - 1), &payload, &len) != 0)
        return -1;
    claims = json_loadb((const char *) payload, len, 0, NULL);
    exp = json_object_get(claims, "exp");
    if (pb_time_from_json(exp, &value) != 0 || value <= 0)
        value = -1;
    json_decref(claims);
    pb_secret_free(payload, len + 1);
    return value;
}

int
pb_exchange_visible(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7f)
            return 0;
    return 1;
}

/* A token goes into HTTP headers and shell variables: visible ASCII only. */
static int
token_ok(const char *s, size_t len)
{
    return pb_exchange_visible(s, len, PB_JWS_MAX_TOKEN);
}

static int
take_token(json_t *root, const char *field, char **out)
{
    json_t *v = field ? json_object_get(root, field) : NULL;
    if (!json_is_string(v) || !token_ok(json_string_value(v), json_string_length(v)))
        return -1;
    return (*out = strdup(json_string_value(v))) == NULL ? -1 : 0;
}

/* A time from the reply, clamped (time-limit.h); -1 when absent or not a number. */
static long long
take_number(json_t *root, const char *field)
{
    json_t *v = field ? json_object_get(root, field) : NULL;
    long long n;

    if (pb_time_from_json(v, &n) == 0)
        return n;
    /* Some servers quote their numbers. */
    if (json_is_string(v) && pb_time_from_string(json_string_value(v), &n) == 0)
        return n;
    return -1;
}

/* Parse a successful reply into out.  The expiry is the earliest of what the
 * reply says and what the token itself says. */
static enum pb_status
parse_reply(const struct pb_authority *a, const struct pb_http_response *resp, long long now,
            struct pb_tokens *out, const struct pb_log *log)
{
    long long exp = -1, in, at, own;
    json_t *root = NULL;
    enum pb_status r = PB_UNAVAILABLE;

    if (a->response_body == PB_REPLY_TEXT) {
        size_t len = resp->len;
        while (len > 0 && (resp->body[len - 1] == '\n' || resp->body[len - 1] == '\r' || resp->body[len - 1] == ' '))
            len--;
        if (!token_ok((const char *) resp->body, len) || memchr(resp->body, '\0', len) != NULL) {
            pb_log(log, LOG_ERR, "authority \"%s\": the reply is not a token", a->name);
            goto done;
        }
        if ((out->access = strndup((const char *) resp->body, len)) == NULL)
            goto done;
    } else {
        root = json_loadb((const char *) resp->body, resp->len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(root) || take_token(root, a->access_field, &out->access) != 0) {
            pb_log(log, LOG_ERR, "authority \"%s\": the reply is not JSON with a \"%s\" token", a->name,
                   a->access_field);
            goto done;
        }
        if (a->refresh_field != NULL && json_object_get(root, a->refresh_field) != NULL
            && take_token(root, a->refresh_field, &out->refresh) != 0) {
            pb_log(log, LOG_ERR, "authority \"%s\": \"%s\" in the reply is not a token", a->name, a->refresh_field);
            goto done;
        }
        if (json_is_string(json_object_get(root, "scope")))
            out->scope = strdup(json_string_value(json_object_get(root, "scope")));
        if ((at = take_number(root, a->expires_at_field)) > 0)
            exp = at;
        if ((in = take_number(root, a->expires_in_field)) > 0 && (exp < 0 || pb_time_add(now, in) < exp))
            exp = pb_time_add(now, in);
    }
    if ((own = pb_exchange_jwt_exp(out->access)) > 0 && (exp < 0 || own < exp))
        exp = own;
    if (exp < 0) {
        pb_log(log, LOG_ERR, "authority \"%s\": the reply does not say when the token expires", a->name);
        goto done;
    }
    if (exp <= now) {
        pb_log(log, LOG_ERR, "authority \"%s\": the new token has already expired (clock skew?)", a->name);
        goto done;
    }
    out->obtained = now;
    out->expires = exp;
    r = PB_OK;
done:
    json_decref(root);
    if (r != PB_OK)
        pb_tokens_clear(out);
    return r;
}

/* What a refusal means: our credentials (or refresh token) were refused, or
 * our client is misconfigured, or the authority is not working. */
static enum pb_status
classify(const struct pb_authority *a, const char *what, const struct pb_http_response *resp,
         const struct pb_log *log)
{
    json_t *root = json_loadb((const char *) resp->body, resp->len, 0, NULL);
    const char *error = json_string_value(json_object_get(root, "error"));
    char safe[96] = "";
    enum pb_status r;

    if (error != NULL)
        pb_log_sanitize(safe, sizeof(safe), error, strlen(error));
    if (resp->status >= 500 || (resp->status != 400 && resp->status != 401 && resp->status != 403))
        r = PB_UNAVAILABLE;
    else if (error != NULL && (strcmp(error, "invalid_client") == 0 || strcmp(error, "unauthorized_client") == 0
                               || strcmp(error, "unsupported_grant_type") == 0
                               || strcmp(error, "invalid_scope") == 0 || strcmp(error, "invalid_request") == 0))
        r = PB_CONFIG;
    else
        r = PB_REJECTED;
    pb_log(log, r == PB_REJECTED ? LOG_NOTICE : LOG_ERR, "authority \"%s\": %s refused: HTTP %ld%s%s", a->name,
           what, resp->status, safe[0] ? ", error " : "", safe);
    json_decref(root);
    return r;
}

static enum pb_status
post(const struct pb_http_ops *ops, const struct pb_authority *a, const char *what, const char *endpoint,
     const char *method, struct body *b, const char *authorization, struct pb_http_response *resp,
     const struct pb_log *log)
{
    char url[2048];
    struct pb_http_request req = { 0 };

    if (pb_authority_url(a, endpoint, url, sizeof(url)) != 0) {
        pb_log(log, LOG_ERR, "authority \"%s\": %s URL too long", a->name, what);
        return PB_CONFIG;
    }
    if (ops == NULL)
        return PB_UNAVAILABLE;
    req.url = url;
    req.ca_file = a->ca_file;
    req.connect_timeout = a->connect_timeout;
    req.timeout = a->timeout;
    req.max_body = MAX_REPLY;
    req.method = method;
    req.accept = a->response_body == PB_REPLY_TEXT ? "text/plain" : "application/json";
    req.authorization = authorization;
    req.any_status = 1;
    if (b != NULL) {
        if ((req.body = body_text(b)) == NULL)
            return PB_CONFIG;
        req.body_len = strlen(req.body);
        req.content_type = body_content_type(b);
    }
    return ops->get(&req, resp, log) == PB_OK ? PB_OK : PB_UNAVAILABLE;
}

/* Send a login or renewal and parse what comes back. */
static enum pb_status
obtain(const struct pb_http_ops *http, const struct pb_authority *a, const char *what, const char *endpoint, struct body *b, long long now,
       struct pb_tokens *out, const struct pb_log *log)
{
    struct pb_http_response resp = { 0 };
    struct text auth = { 0 };
    enum pb_status r;

    if (a->client_auth == PB_CLIENT_BASIC && (r = client_basic(a, &auth, log)) != PB_OK)
        goto done;
    r = post(http, a, what, endpoint, "POST", b, auth.p, &resp, log);
    if (r != PB_OK)
        goto done;
    if (resp.status < 200 || resp.status >= 300)
        r = classify(a, what, &resp, log);
    else
        r = parse_reply(a, &resp, now, out, log);
done:
    pb_http_response_clear(&resp);
    text_free(&auth);
    return r;
}

enum pb_status
pb_exchange_form(const struct pb_http_ops *http, const struct pb_authority *a, const char *what, const char *endpoint,
                 const char *const *fields, struct pb_http_response *resp, const struct pb_log *log)
{
    struct text auth = { 0 };
    struct body b;
    enum pb_status r = PB_OK;

    memset(resp, 0, sizeof(*resp));
    body_init(&b, PB_BODY_FORM);
    for (; fields[0] != NULL; fields += 2)
        body_field(&b, fields[0], fields[1], strlen(fields[0]));
    if (a->client_auth == PB_CLIENT_BASIC)
        r = client_basic(a, &auth, log);
    else if (a->client_id != NULL)
        body_field(&b, "client_id", a->client_id, 9);
    if (r == PB_OK)
        r = post(http, a, what, endpoint, "POST", &b, auth.p, resp, log);
    text_free(&auth);
    body_free(&b);
    return r;
}

enum pb_status
pb_exchange_fetch(const struct pb_http_ops *http, const struct pb_authority *a, const char *what,
                  const char *endpoint, struct pb_http_response *resp, const struct pb_log *log)
{
    memset(resp, 0, sizeof(*resp));
    return post(http, a, what, endpoint, NULL, NULL, NULL, resp, log);
}

enum pb_status
pb_exchange_tokens(const struct pb_authority *a, const struct pb_http_response *resp, long long now,
                   struct pb_tokens *out, const struct pb_log *log)
{
    memset(out, 0, sizeof(*out));
    return parse_reply(a, resp, now, out, log);
}

enum pb_status
pb_exchange_login(const struct pb_http_ops *http, const struct pb_authority *a, const char *user, const char *password, long long now,
                  struct pb_tokens *out, const struct pb_log *log)
{
    struct body b;
    enum pb_status r;

    memset(out, 0, sizeof(*out));
    body_init(&b, a->request_body);
    body_fixed(&b, a->login_fields);
    if (a->tenant_field != NULL)
        body_field(&b, a->tenant_field, a->tenant, strlen(a->tenant_field));
    body_field(&b, a->username_field, user, strlen(a->username_field));
    body_field(&b, a->password_field, password, strlen(a->password_field));
    if (a->scope != NULL && a->scope_field != NULL)
        body_field(&b, a->scope_field, a->scope, strlen(a->scope_field));
    r = obtain(http, a, "login", a->login_path, &b, now, out, log);
    body_free(&b);
    if (r == PB_OK && (out->user = strdup(user)) == NULL) {
        pb_tokens_clear(out);
        r = PB_CONFIG;
    }
    return r;
}

enum pb_status
pb_exchange_refresh(const struct pb_http_ops *http, const struct pb_authority *a, const struct pb_tokens *in, long long now,
                    struct pb_tokens *out, const struct pb_log *log)
{
    struct body b;
    enum pb_status r;

    memset(out, 0, sizeof(*out));
    if (a->refresh_path == NULL || in->refresh == NULL)
        return PB_REJECTED;
    body_init(&b, a->request_body);
    body_fixed(&b, a->refresh_fields);
    body_field(&b, a->refresh_param, in->refresh, strlen(a->refresh_param));
    r = obtain(http, a, "renewal", a->refresh_path, &b, now, out, log);
    body_free(&b);
    if (r != PB_OK)
        return r;
    if ((out->user = strdup(in->user)) == NULL
        || (out->refresh == NULL && (out->refresh = strdup(in->refresh)) == NULL)
        || (out->scope == NULL && in->scope != NULL && (out->scope = strdup(in->scope)) == NULL)) {
        pb_tokens_clear(out);
        return PB_CONFIG;
    }
    return PB_OK;
}

enum pb_status
pb_exchange_revoke(const struct pb_http_ops *http, const struct pb_authority *a, const struct pb_tokens *in, const struct pb_log *log)
{
    struct pb_http_response resp = { 0 };
    struct text auth = { 0 }, path = { 0 };
    struct body b;
    enum pb_status r = PB_OK;

    body_init(&b, PB_BODY_FORM);
    switch (a->revoke) {
    case PB_REVOKE_NONE:
        goto done;
    case PB_REVOKE_RFC7009:
        /* Revoking the refresh token ends the grant, access tokens included
         * (RFC 7009 section 2.1). */
        body_field(&b, "token", in->refresh ? in->refresh : in->access, 5);
        body_field(&b, "token_type_hint", in->refresh ? "refresh_token" : "access_token", 15);
        if (a->client_auth == PB_CLIENT_BASIC && (r = client_basic(a, &auth, log)) != PB_OK)
            goto done;
        r = post(http, a, "revocation", a->revoke_path, "POST", &b, auth.p, &resp, log);
        break;
    case PB_REVOKE_DELETE_QUERY:
        if (in->refresh == NULL)
            goto done;
        text_add(&path, a->revoke_path, strlen(a->revoke_path));
        text_add(&path, strchr(a->revoke_path, '?') ? "&" : "?", 1);
        text_add(&path, a->refresh_param, strlen(a->refresh_param));
        text_add(&path, "=", 1);
        text_add_urlencoded(&path, in->refresh);
        if (path.failed) {
            r = PB_CONFIG;
            goto done;
        }
        r = post(http, a, "revocation", path.p, "DELETE", NULL, NULL, &resp, log);
        break;
    case PB_REVOKE_LOGOUT_HEADER:
        text_add(&auth, pb_authority_scheme_prefix(a), strlen(pb_authority_scheme_prefix(a)));
        text_add(&auth, in->access, strlen(in->access));
        r = auth.failed ? PB_CONFIG : post(http, a, "logout", a->revoke_path, "POST", NULL, auth.p, &resp, log);
        break;
    }
    if (r != PB_OK)
        goto done;
    /* A token the authority no longer knows is as revoked as it gets. */
    if ((resp.status < 200 || resp.status >= 300) && resp.status != 401
        && (r = classify(a, "revocation", &resp, log)) == PB_REJECTED)
        r = PB_OK;
done:
    pb_http_response_clear(&resp);
    text_free(&auth);
    text_free(&path);
    body_free(&b);
    return r;
}
