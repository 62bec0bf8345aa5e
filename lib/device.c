/* The device authorization grant (RFC 8628): one request for a code, then
 * polls of the token endpoint at the interval the authority asks for.
 * Neither the device code nor a token ever reaches the log. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "device.h"
#include "exchange.h"
#include "secret.h"
#include "time-limit.h"
#include "url-policy.h"

#define WELL_KNOWN "/.well-known/openid-configuration"

static const char *const outcome_names[] = {
    [PB_DEVICE_APPROVED] = "approved", [PB_DEVICE_DENIED] = "denied", [PB_DEVICE_EXPIRED] = "expired",
    [PB_DEVICE_TIMEOUT] = "timed out", [PB_DEVICE_CANCELLED] = "cancelled", [PB_DEVICE_FAILED] = "failed",
};

const char *
pb_device_outcome_name(enum pb_device_outcome o)
{
    return (unsigned) o < sizeof(outcome_names) / sizeof(outcome_names[0]) ? outcome_names[o] : "failed";
}

enum pb_status
pb_device_status(enum pb_device_outcome o)
{
    switch (o) {
    case PB_DEVICE_APPROVED: return PB_OK;
    case PB_DEVICE_DENIED:
    case PB_DEVICE_EXPIRED:
    case PB_DEVICE_TIMEOUT: return PB_REJECTED;
    default: return PB_UNAVAILABLE;
    }
}

void
pb_device_clear(struct pb_device_grant *g)
{
    if (g->device_code != NULL)
        pb_secret_free_str(g->device_code);
    memset(g, 0, sizeof(*g));
}

/* A string member of root within the bounds, copied to out (cap bytes);
 * absent is 1 when it may be missing.  0 when fine. */
static int
take_string(const struct pb_authority *a, json_t *root, const char *name, char *out, size_t cap, int optional,
            const struct pb_log *log)
{
    json_t *v = json_object_get(root, name);

    if (v == NULL && optional)
        return 0;
    if (!json_is_string(v) || !pb_exchange_visible(json_string_value(v), json_string_length(v), cap - 1)) {
        pb_log(log, LOG_ERR, "authority \"%s\": the device answer's %s is missing, too long, or not visible ASCII",
               a->name, name);
        return -1;
    }
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* A URL we send to or show: the HTTP policy (https, or http to loopback). */
static int
url_ok(const struct pb_authority *a, const char *what, const char *url, const struct pb_log *log)
{
    char why[256], shown[256];

    if (pb_url_policy_http(url, why, sizeof(why)) == PB_OK)
        return 1;
    pb_url_for_log(shown, sizeof(shown), url);
    pb_log(log, LOG_ERR, "authority \"%s\": %s %s refused: %s", a->name, what, shown, why);
    return 0;
}

/* device_path and login_path, or the discovery document's endpoints. */
static enum pb_status
endpoints(const struct pb_http_ops *http, const struct pb_authority *a, char *device, size_t cap,
          struct pb_device_grant *g, const struct pb_log *log)
{
    struct pb_http_response resp = { 0 };
    json_t *root = NULL;
    enum pb_status r = PB_CONFIG;

    if (a->device_path != NULL) {
        if (pb_authority_url(a, a->device_path, device, cap) != 0
            || pb_authority_url(a, a->login_path, g->token_endpoint, sizeof(g->token_endpoint)) != 0) {
            pb_log(log, LOG_ERR, "authority \"%s\": device or token URL too long", a->name);
            return PB_CONFIG;
        }
        return PB_OK;
    }
    if ((r = pb_exchange_fetch(http, a, "discovery", WELL_KNOWN, &resp, log)) != PB_OK)
        goto done;
    if (resp.status != 200) {
        pb_log(log, LOG_ERR, "authority \"%s\": discovery: HTTP %ld", a->name, resp.status);
        r = PB_UNAVAILABLE;
        goto done;
    }
    root = json_loadb((const char *) resp.body, resp.len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root)) {
        pb_log(log, LOG_ERR, "authority \"%s\": the discovery document is not a JSON object", a->name);
        r = PB_UNAVAILABLE;
        goto done;
    }
    if (json_object_get(root, "device_authorization_endpoint") == NULL) {
        pb_log(log, LOG_ERR, "authority \"%s\": the discovery document has no device_authorization_endpoint "
               "(set device_path, or allow the device grant at the authority)", a->name);
        r = PB_CONFIG;
        goto done;
    }
    if (take_string(a, root, "device_authorization_endpoint", device, cap, 0, log) != 0
        || take_string(a, root, "token_endpoint", g->token_endpoint, sizeof(g->token_endpoint), 0, log) != 0
        || !url_ok(a, "device_authorization_endpoint", device, log)
        || !url_ok(a, "token_endpoint", g->token_endpoint, log)) {
        r = PB_UNAVAILABLE;
        goto done;
    }
    r = PB_OK;
done:
    json_decref(root);
    pb_http_response_clear(&resp);
    return r;
}

/* A number of seconds from the answer, within 1..max; absent: dflt (or -1
 * when dflt is 0: required). */
static long
take_seconds(json_t *root, const char *name, long dflt, long max)
{
    json_t *v = json_object_get(root, name);
    long long n;

    if (v == NULL)
        return dflt > 0 ? dflt : -1;
    if (pb_time_from_json(v, &n) != 0 || n < 1)
        return -1;
    return n > max ? max : (long) n;
}

/* The device authorization response (RFC 8628 3.2), every field checked. */
static enum pb_status
parse_grant(const struct pb_authority *a, const struct pb_http_response *resp, long long now,
            struct pb_device_grant *g, const struct pb_log *log)
{
    json_t *root = json_loadb((const char *) resp->body, resp->len, JSON_REJECT_DUPLICATES, NULL), *code;
    long expires_in, interval;
    enum pb_status r = PB_UNAVAILABLE;

    if (!json_is_object(root)) {
        pb_log(log, LOG_ERR, "authority \"%s\": the device answer is not a JSON object", a->name);
        goto done;
    }
    code = json_object_get(root, "device_code");
    if (!json_is_string(code)
        || !pb_exchange_visible(json_string_value(code), json_string_length(code), PB_DEVICE_MAX_CODE)) {
        pb_log(log, LOG_ERR, "authority \"%s\": the device answer's device_code is missing, over %d bytes, or "
               "not visible ASCII", a->name, PB_DEVICE_MAX_CODE);
        goto done;
    }
    if (take_string(a, root, "user_code", g->user_code, sizeof(g->user_code), 0, log) != 0
        || take_string(a, root, "verification_uri", g->verification_uri, sizeof(g->verification_uri), 0, log) != 0
        || take_string(a, root, "verification_uri_complete", g->verification_uri_complete,
                       sizeof(g->verification_uri_complete), 1, log) != 0
        || !url_ok(a, "verification_uri", g->verification_uri, log)
        || (g->verification_uri_complete[0] != '\0'
            && !url_ok(a, "verification_uri_complete", g->verification_uri_complete, log)))
        goto done;
    expires_in = take_seconds(root, "expires_in", 0, PB_DEVICE_MAX_EXPIRES);
    interval = take_seconds(root, "interval", PB_DEVICE_DEFAULT_INTERVAL, PB_DEVICE_MAX_INTERVAL);
    if (expires_in < 0 || interval < 0) {
        pb_log(log, LOG_ERR, "authority \"%s\": the device answer's expires_in or interval is not a positive "
               "number", a->name);
        goto done;
    }
    if ((g->device_code = strdup(json_string_value(code))) == NULL) {
        r = PB_NOMEM;
        goto done;
    }
    g->started = now;
    g->expires = pb_time_add(now, expires_in);
    g->interval = interval;
    r = PB_OK;
done:
    json_decref(root);
    return r;
}

/* The "error" of an OAuth error answer, or "".  Only an error code's
 * alphabet (RFC 6749 5.2 codes are lowercase words) is kept: an authority
 * echoing what it was sent must not put the device code into our log. */
static void
oauth_error(const struct pb_http_response *resp, char *out, size_t cap)
{
    json_t *root = json_loadb((const char *) resp->body, resp->len, 0, NULL);
    const char *e = json_string_value(json_object_get(root, "error"));

    out[0] = '\0';
    if (e != NULL && e[0] != '\0' && strlen(e) < cap && strspn(e, "abcdefghijklmnopqrstuvwxyz_") == strlen(e))
        memcpy(out, e, strlen(e) + 1);
    else if (e != NULL)
        snprintf(out, cap, "(not an error code)");
    json_decref(root);
}

enum pb_status
pb_device_start(const struct pb_http_ops *http, const struct pb_authority *a, long long now,
                struct pb_device_grant *g, const struct pb_log *log)
{
    struct pb_http_response resp = { 0 };
    const char *fields[] = { "scope", a->scope, NULL };
    char device[PB_DEVICE_MAX_URI + 1], error[64];
    enum pb_status r;

    memset(g, 0, sizeof(*g));
    if (a->response_body != PB_REPLY_JSON || a->access_field == NULL) {
        pb_log(log, LOG_ERR, "authority \"%s\": a device login needs JSON token answers (the oauth2 preset)",
               a->name);
        return PB_CONFIG;
    }
    if ((r = endpoints(http, a, device, sizeof(device), g, log)) != PB_OK)
        goto done;
    if (a->scope == NULL)
        fields[0] = NULL;
    r = pb_exchange_form(http, a, "device authorization", device, fields, &resp, log);
    if (r != PB_OK)
        goto done;
    if (resp.status == 200)
        r = parse_grant(a, &resp, now, g, log);
    else {
        oauth_error(&resp, error, sizeof(error));
        r = resp.status >= 500 || (resp.status != 400 && resp.status != 401) ? PB_UNAVAILABLE
            : strcmp(error, "access_denied") == 0 ? PB_REJECTED : PB_CONFIG;
        pb_log(log, LOG_ERR, "authority \"%s\": device authorization refused: HTTP %ld%s%s", a->name, resp.status,
               error[0] ? ", error " : "", error);
    }
    if (r == PB_OK)
        pb_log(log, LOG_INFO, "authority \"%s\": device code obtained, valid %lld s, polled every %ld s", a->name,
               g->expires - now, g->interval);
done:
    pb_http_response_clear(&resp);
    if (r != PB_OK)
        pb_device_clear(g);
    return r;
}

/* What one poll said. */
enum poll { POLL_APPROVED, POLL_PENDING, POLL_SLOW_DOWN, POLL_DENIED, POLL_EXPIRED, POLL_FAILED };

static enum poll
poll_once(const struct pb_http_ops *http, const struct pb_authority *a, const struct pb_device_grant *g,
          long long now, struct pb_tokens *out, const struct pb_log *log)
{
    const char *fields[] = { "grant_type", PB_DEVICE_GRANT_TYPE, "device_code", g->device_code, NULL };
    struct pb_http_response resp = { 0 };
    char error[64];
    enum poll p = POLL_FAILED;

    if (pb_exchange_form(http, a, "device token", g->token_endpoint, fields, &resp, log) != PB_OK)
        goto done;
    if (resp.status == 200) {
        p = pb_exchange_tokens(a, &resp, now, out, log) == PB_OK ? POLL_APPROVED : POLL_FAILED;
        goto done;
    }
    oauth_error(&resp, error, sizeof(error));
    if (resp.status == 400 && strcmp(error, "authorization_pending") == 0)
        p = POLL_PENDING;
    else if (resp.status == 400 && strcmp(error, "slow_down") == 0)
        p = POLL_SLOW_DOWN;
    else if (resp.status == 400 && strcmp(error, "access_denied") == 0)
        p = POLL_DENIED;
    else if (resp.status == 400 && strcmp(error, "expired_token") == 0)
        p = POLL_EXPIRED;
    else
        pb_log(log, LOG_ERR, "authority \"%s\": device token request refused: HTTP %ld%s%s", a->name, resp.status,
               error[0] ? ", error " : "", error);
done:
    pb_http_response_clear(&resp);
    return p;
}

enum pb_device_outcome
pb_device_wait(const struct pb_http_ops *http, const struct pb_authority *a, struct pb_device_grant *g,
               const struct pb_device_waiter *w, long long deadline, struct pb_tokens *out,
               const struct pb_log *log)
{
    /* The clock counts whole seconds: a second more than the interval, so
     * that a poll read late in one second and the next read early in
     * another are never closer than the interval. */
    long long next = pb_time_add(g->started, g->interval + 1), limit = deadline < g->expires ? deadline : g->expires;
    long long now;
    enum pb_device_outcome o;
    int round = 0, polls = 0;

    memset(out, 0, sizeof(*out));
    for (;;) {
        now = w->now(w->arg);
        if (now >= limit) {
            o = limit == g->expires ? PB_DEVICE_EXPIRED : PB_DEVICE_TIMEOUT;
            break;
        }
        if (w->pause(w->arg, (long) (next > limit ? limit - now : next > now ? next - now : 0), round++) != 0) {
            o = PB_DEVICE_CANCELLED;
            break;
        }
        now = w->now(w->arg);
        /* However soon the waiter comes back, nothing goes out early. */
        if (now < next || now >= limit)
            continue;
        polls++;
        switch (poll_once(http, a, g, now, out, log)) {
        case POLL_APPROVED: o = PB_DEVICE_APPROVED; goto done;
        case POLL_DENIED: o = PB_DEVICE_DENIED; goto done;
        case POLL_EXPIRED: o = PB_DEVICE_EXPIRED; goto done;
        case POLL_FAILED: o = PB_DEVICE_FAILED; goto done;
        case POLL_SLOW_DOWN:
            g->interval = g->interval + PB_DEVICE_SLOW_DOWN > PB_DEVICE_MAX_INTERVAL ? PB_DEVICE_MAX_INTERVAL
                                                                                     : g->interval + PB_DEVICE_SLOW_DOWN;
            pb_log(log, LOG_INFO, "authority \"%s\": slow_down: polling every %ld s", a->name, g->interval);
            break;
        case POLL_PENDING:
            break;
        }
        next = pb_time_add(now, g->interval + 1);
    }
done:
    pb_log(log, o == PB_DEVICE_APPROVED ? LOG_INFO : LOG_NOTICE, "authority \"%s\": device login %s after %d "
           "poll(s)", a->name, pb_device_outcome_name(o), polls);
    return o;
}
