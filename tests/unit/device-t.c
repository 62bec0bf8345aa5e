/* Unit tests for lib/device.c: the device authorization grant against a
 * scripted HTTP table and a fake clock, so that the intervals between polls
 * are counted in the clock the code itself reads, never measured. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "log-capture.h"
#include "tap.h"

/* ---- the scripted authority */

#define MAX_STEPS 32
struct step {
    long status;        /* 0: the transport fails */
    const char *body;
};
static struct step script[MAX_STEPS];
static int steps, served;
static struct {
    char url[512];
    char body[4096];
    char auth[512];
    int post;
    long long at;       /* the fake clock when it was sent */
} sent[MAX_STEPS];
static long long fake_now;

static enum pb_status
fake_get(const struct pb_http_request *req, struct pb_http_response *resp, const struct pb_log *log)
{
    (void) log;
    memset(resp, 0, sizeof(*resp));
    if (served >= steps || served >= MAX_STEPS)
        return PB_UNAVAILABLE;
    snprintf(sent[served].url, sizeof(sent[served].url), "%s", req->url);
    snprintf(sent[served].body, sizeof(sent[served].body), "%.*s", (int) req->body_len, req->body ? req->body : "");
    snprintf(sent[served].auth, sizeof(sent[served].auth), "%s", req->authorization ? req->authorization : "");
    sent[served].post = req->method != NULL && strcmp(req->method, "POST") == 0;
    sent[served].at = fake_now;
    if (script[served].status == 0) {
        served++;
        return PB_UNAVAILABLE;
    }
    resp->status = script[served].status;
    resp->body = (unsigned char *) strdup(script[served].body);
    resp->len = strlen(script[served].body);
    served++;
    if (!req->any_status && (resp->status < 200 || resp->status >= 300)) {
        pb_http_response_clear(resp);
        return PB_UNAVAILABLE;
    }
    return PB_OK;
}

static const struct pb_http_ops fake_ops = { PB_HTTP_OPS_VERSION, fake_get };

static void
reset(void)
{
    steps = served = 0;
    memset(sent, 0, sizeof(sent));
    fake_now = 1700000000;
    capture_reset();
}

static void
answer(long status, const char *body)
{
    script[steps].status = status;
    script[steps].body = body;
    steps++;
}

/* ---- the fake clock and waiter */

static struct {
    int impatient;      /* come back after 1 s whatever was asked (Enter pressed at once) */
    int cancel_at;      /* round that says stop, -1 for none */
    int rounds;
} waiter_state;

static long long
clock_now(void *arg)
{
    (void) arg;
    return fake_now;
}

static int
clock_pause(void *arg, long seconds, int round)
{
    (void) arg;
    waiter_state.rounds++;
    if (round == waiter_state.cancel_at)
        return 1;
    fake_now += waiter_state.impatient ? 1 : seconds;
    return 0;
}

static const struct pb_device_waiter waiter = { clock_now, clock_pause, NULL };

static void
waiter_reset(int impatient, int cancel_at)
{
    waiter_state.impatient = impatient;
    waiter_state.cancel_at = cancel_at;
    waiter_state.rounds = 0;
}

/* ---- the authority section */

static struct pb_authority auth;
static struct pb_log log_sink = { .sink = capture };

static void
section(const char *device_path, const char *client_auth, const char *secret_file)
{
    char err[256];
    const char *lines[][2] = {
        { "preset", "oauth2" }, { "url", "https://idp.example" }, { "client_id", "cli" },
        { "client_auth", client_auth }, { "scope", "openid profile" },
        { "device_path", device_path }, { "client_secret_file", secret_file },
    };

    pb_authority_clear(&auth);
    pb_authority_init(&auth, "idp");
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        if (lines[i][1] != NULL && pb_authority_set(&auth, lines[i][0], lines[i][1], err, sizeof(err)) != PB_OK)
            printf("# section: %s\n", err);
}

#define GRANT "{\"device_code\":\"DEVICE-SECRET-42\",\"user_code\":\"WDJB-MJHT\"," \
              "\"verification_uri\":\"https://idp.example/device\",\"expires_in\":600"
#define TOKENS "{\"access_token\":\"access-1\",\"token_type\":\"Bearer\",\"expires_in\":3600," \
               "\"refresh_token\":\"refresh-1\"}"
#define PENDING "{\"error\":\"authorization_pending\"}"
#define SLOW "{\"error\":\"slow_down\"}"

static enum pb_status
start(struct pb_device_grant *g)
{
    return pb_device_start(&fake_ops, &auth, fake_now, g, &log_sink);
}

/* One start answer that must be refused: nothing kept. */
static void
refused_grant(const char *body, enum pb_status want, const char *what)
{
    struct pb_device_grant g;

    reset();
    answer(200, body);
    tap_is_int(start(&g), want, "refused: %s", what);
    tap_ok(g.device_code == NULL && g.user_code[0] == '\0', "  nothing kept (%s)", what);
}

static void
test_start(void)
{
    struct pb_device_grant g;

    section("/device", "none", NULL);
    reset();
    answer(200, GRANT ",\"verification_uri_complete\":\"https://idp.example/device?user_code=WDJB-MJHT\","
                "\"interval\":2}");
    tap_is_int(start(&g), PB_OK, "a device code is obtained");
    tap_is_str(sent[0].url, "https://idp.example/device", "  asked at device_path below url");
    tap_ok(sent[0].post, "  with POST");
    tap_ok(strstr(sent[0].body, "client_id=cli") != NULL, "  a public client sends its client_id in the form");
    tap_ok(strstr(sent[0].body, "scope=openid+profile") != NULL, "  and the scope");
    tap_is_str(sent[0].auth, "", "  and no Authorization header");
    tap_is_str(g.device_code, "DEVICE-SECRET-42", "  device_code");
    tap_is_str(g.user_code, "WDJB-MJHT", "  user_code");
    tap_is_str(g.verification_uri, "https://idp.example/device", "  verification_uri");
    tap_is_str(g.verification_uri_complete, "https://idp.example/device?user_code=WDJB-MJHT",
               "  verification_uri_complete");
    tap_is_str(g.token_endpoint, "https://idp.example/token", "  polled at login_path (the token endpoint)");
    tap_is_int(g.expires - g.started, 600, "  expires_in");
    tap_is_int(g.interval, 2, "  interval as given");
    tap_ok(strstr(last_line, "DEVICE-SECRET-42") == NULL && strstr(last_line, "WDJB") == NULL,
           "  the log names neither code");
    pb_device_clear(&g);
    tap_ok(g.device_code == NULL, "  cleared");

    reset();
    answer(200, GRANT "}");
    tap_is_int(start(&g), PB_OK, "no interval: accepted");
    tap_is_int(g.interval, PB_DEVICE_DEFAULT_INTERVAL, "  interval defaults to 5 s (RFC 8628 3.2)");
    tap_is_str(g.verification_uri_complete, "", "  no complete URI");
    pb_device_clear(&g);

    reset();
    answer(200, GRANT ",\"interval\":100000}");
    tap_is_int(start(&g), PB_OK, "a huge interval: accepted");
    tap_is_int(g.interval, PB_DEVICE_MAX_INTERVAL, "  taken as the bound");
    pb_device_clear(&g);
    reset();
    answer(200, "{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":\"https://idp.example/d\","
                "\"expires_in\":9999999999}");
    tap_is_int(start(&g), PB_OK, "a huge expires_in: accepted");
    tap_is_int(g.expires - g.started, PB_DEVICE_MAX_EXPIRES, "  taken as the bound");
    pb_device_clear(&g);

    refused_grant("[1]", PB_UNAVAILABLE, "not an object");
    refused_grant("{\"device_code\":", PB_UNAVAILABLE, "cut JSON");
    refused_grant("{\"user_code\":\"A\",\"verification_uri\":\"https://idp.example/d\",\"expires_in\":5}",
                  PB_UNAVAILABLE, "no device_code");
    refused_grant("{\"device_code\":7,\"user_code\":\"A\",\"verification_uri\":\"https://i.example/d\","
                  "\"expires_in\":5}", PB_UNAVAILABLE, "device_code not a string");
    refused_grant("{\"device_code\":\"d d\",\"user_code\":\"A\",\"verification_uri\":\"https://i.example/d\","
                  "\"expires_in\":5}", PB_UNAVAILABLE, "device_code with a space");
    refused_grant("{\"device_code\":\"d\",\"verification_uri\":\"https://i.example/d\",\"expires_in\":5}",
                  PB_UNAVAILABLE, "no user_code");
    refused_grant("{\"device_code\":\"d\",\"user_code\":\"A\\u001b[2J\",\"verification_uri\":\"https://i.example/d\","
                  "\"expires_in\":5}", PB_UNAVAILABLE, "user_code with a terminal escape");
    refused_grant("{\"device_code\":\"d\",\"user_code\":\"A\",\"expires_in\":5}", PB_UNAVAILABLE,
                  "no verification_uri");
    refused_grant("{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"http://evil.example/d\","
                  "\"expires_in\":5}", PB_UNAVAILABLE, "plain http verification_uri to another host");
    refused_grant("{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://u:p@i.example/d\","
                  "\"expires_in\":5}", PB_UNAVAILABLE, "verification_uri with user information");
    refused_grant("{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://i.example/d\","
                  "\"verification_uri_complete\":\"javascript:x\",\"expires_in\":5}", PB_UNAVAILABLE,
                  "a verification_uri_complete that is no https URL");
    refused_grant("{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://i.example/d\"}",
                  PB_UNAVAILABLE, "no expires_in");
    refused_grant("{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://i.example/d\","
                  "\"expires_in\":0}", PB_UNAVAILABLE, "expires_in 0");
    refused_grant("{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://i.example/d\","
                  "\"expires_in\":\"600\"}", PB_UNAVAILABLE, "expires_in as a string");
    refused_grant("{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://i.example/d\","
                  "\"expires_in\":600,\"interval\":0}", PB_UNAVAILABLE, "interval 0");
    refused_grant("{\"device_code\":\"d\",\"device_code\":\"e\",\"user_code\":\"A\","
                  "\"verification_uri\":\"https://i.example/d\",\"expires_in\":600}", PB_UNAVAILABLE,
                  "a duplicated member");
    {
        static char big[PB_DEVICE_MAX_CODE + 200];
        int n = snprintf(big, sizeof(big), "{\"device_code\":\"");
        memset(big + n, 'x', PB_DEVICE_MAX_CODE + 1);
        snprintf(big + n + PB_DEVICE_MAX_CODE + 1, sizeof(big) - (size_t) n - PB_DEVICE_MAX_CODE - 1,
                 "\",\"user_code\":\"A\",\"verification_uri\":\"https://i.example/d\",\"expires_in\":5}");
        refused_grant(big, PB_UNAVAILABLE, "device_code one byte over the bound");
    }

    reset();
    answer(400, "{\"error\":\"invalid_client\"}");
    tap_is_int(start(&g), PB_CONFIG, "invalid_client: our configuration is wrong");
    reset();
    answer(400, "{\"error\":\"unauthorized_client\"}");
    tap_is_int(start(&g), PB_CONFIG, "unauthorized_client (the grant is not allowed): configuration");
    reset();
    answer(503, "busy");
    tap_is_int(start(&g), PB_UNAVAILABLE, "HTTP 503: unavailable");
    reset();
    answer(0, NULL);
    tap_is_int(start(&g), PB_UNAVAILABLE, "no answer: unavailable");
}

static void
test_client_basic(void)
{
    char path[] = "/tmp/device-t-secret-XXXXXX";
    int fd = mkstemp(path);
    struct pb_device_grant g;

    if (fd < 0 || write(fd, "s3cret\n", 7) != 7) {
        tap_ok(0, "secret file");
        return;
    }
    close(fd);
    section("/device", "basic", path);
    reset();
    answer(200, GRANT "}");
    tap_is_int(start(&g), PB_OK, "a confidential client: accepted");
    tap_is_str(sent[0].auth, "Basic Y2xpOnMzY3JldA==", "  authenticates with HTTP Basic");
    tap_ok(strstr(sent[0].body, "client_id") == NULL, "  and not in the form too");
    pb_device_clear(&g);
    unlink(path);
}

static void
test_discovery(void)
{
    struct pb_device_grant g;

    section(NULL, "none", NULL);
    reset();
    answer(200, "{\"issuer\":\"https://idp.example\",\"token_endpoint\":\"https://idp.example/oidc/token\","
                "\"device_authorization_endpoint\":\"https://idp.example/oidc/device\"}");
    answer(200, GRANT "}");
    tap_is_int(start(&g), PB_OK, "discovery: a device code");
    tap_is_str(sent[0].url, "https://idp.example/.well-known/openid-configuration", "  the discovery document");
    tap_ok(!sent[0].post, "  with GET");
    tap_is_str(sent[1].url, "https://idp.example/oidc/device", "  then its device_authorization_endpoint");
    tap_is_str(g.token_endpoint, "https://idp.example/oidc/token", "  polled at its token_endpoint");
    pb_device_clear(&g);

    reset();
    answer(200, "{\"token_endpoint\":\"https://idp.example/oidc/token\"}");
    tap_is_int(start(&g), PB_CONFIG, "discovery without a device endpoint: configuration (grant not enabled)");
    tap_is_int(served, 1, "  nothing more asked");
    reset();
    answer(200, "{\"token_endpoint\":\"https://idp.example/t\",\"device_authorization_endpoint\":\"http://x.example/d\"}");
    tap_is_int(start(&g), PB_UNAVAILABLE, "a discovered plain-http endpoint elsewhere: refused");
    tap_is_int(served, 1, "  and never asked");
    reset();
    answer(200, "{\"device_authorization_endpoint\":\"https://idp.example/d\"}");
    tap_is_int(start(&g), PB_UNAVAILABLE, "discovery without token_endpoint: refused");
    reset();
    answer(404, "no");
    tap_is_int(start(&g), PB_UNAVAILABLE, "no discovery document: unavailable");
}

/* A grant as start leaves it, interval i, valid for life seconds (the
 * grant g held before is cleared). */
static void
grant_of(struct pb_device_grant *g, long interval, long life)
{
    pb_device_clear(g);
    g->device_code = strdup("DEVICE-SECRET-42");
    snprintf(g->user_code, sizeof(g->user_code), "WDJB-MJHT");
    snprintf(g->token_endpoint, sizeof(g->token_endpoint), "https://idp.example/token");
    g->started = fake_now;
    g->expires = fake_now + life;
    g->interval = interval;
}

/* The smallest gap between two polls' clock readings (polls from index from). */
static long long
smallest_gap(int from)
{
    long long gap = 1LL << 40;

    for (int i = from + 1; i < served; i++)
        if (sent[i].at - sent[i - 1].at < gap)
            gap = sent[i].at - sent[i - 1].at;
    return gap;
}

static enum pb_device_outcome
wait_for(struct pb_device_grant *g, long long deadline, struct pb_tokens *t)
{
    return pb_device_wait(&fake_ops, &auth, g, &waiter, deadline, t, &log_sink);
}

static void
test_wait(void)
{
    struct pb_device_grant g = { 0 };
    struct pb_tokens t;
    long long t0;
    int seen_code = 0;

    section("/device", "none", NULL);
    reset();
    waiter_reset(0, -1);
    t0 = fake_now;
    grant_of(&g, 5, 600);
    answer(400, PENDING);
    answer(400, PENDING);
    answer(200, TOKENS);
    tap_is_int(wait_for(&g, t0 + 300, &t), PB_DEVICE_APPROVED, "pending, pending, approved");
    tap_is_int(served, 3, "  three polls");
    tap_is_int(sent[0].at - t0, 6, "  the first one interval after the code (+1: the clock has whole seconds)");
    tap_is_int(smallest_gap(0), 6, "  then every interval (+1)");
    tap_ok(strstr(sent[0].body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code") != NULL,
           "  grant_type is the device code URN");
    tap_ok(strstr(sent[0].body, "device_code=DEVICE-SECRET-42") != NULL, "  with the device code");
    tap_ok(strstr(sent[0].body, "client_id=cli") != NULL, "  and the public client's id");
    tap_is_str(sent[0].url, "https://idp.example/token", "  at the token endpoint");
    tap_is_str(t.access, "access-1", "  the access token");
    tap_is_str(t.refresh, "refresh-1", "  the refresh token");
    tap_is_int(t.expires - t.obtained, 3600, "  its expiry");
    pb_tokens_clear(&t);

    /* slow_down adds 5 s each time, and it sticks. */
    reset();
    waiter_reset(0, -1);
    t0 = fake_now;
    grant_of(&g, 5, 600);
    answer(400, SLOW);
    answer(400, SLOW);
    answer(400, PENDING);
    answer(200, TOKENS);
    tap_is_int(wait_for(&g, t0 + 300, &t), PB_DEVICE_APPROVED, "slow_down twice, then approved");
    tap_is_int(sent[1].at - sent[0].at, 11, "  after the first slow_down: 10 s (+1)");
    tap_is_int(sent[2].at - sent[1].at, 16, "  after the second: 15 s (+1)");
    tap_is_int(sent[3].at - sent[2].at, 16, "  and it stays");
    tap_is_int(g.interval, 15, "  the grant's interval grew");
    pb_tokens_clear(&t);

    /* A user pressing Enter every second never makes it poll sooner. */
    reset();
    waiter_reset(1, -1);
    t0 = fake_now;
    grant_of(&g, 5, 600);
    for (int i = 0; i < 6; i++)
        answer(400, i == 2 ? SLOW : PENDING);
    answer(200, TOKENS);
    tap_is_int(wait_for(&g, t0 + 300, &t), PB_DEVICE_APPROVED, "fast answers: approved");
    tap_is_int(sent[0].at - t0, 6, "  the first poll still waits the interval (+1)");
    tap_ok(smallest_gap(0) >= 6, "  never two polls closer than the interval (smallest gap %lld s)",
           smallest_gap(0));
    tap_ok(sent[3].at - sent[2].at >= 11, "  nor closer than the slowed-down interval after slow_down");
    tap_ok(waiter_state.rounds > served, "  (the waiter came back %d times for %d polls)", waiter_state.rounds,
           served);
    pb_tokens_clear(&t);

    reset();
    waiter_reset(0, -1);
    grant_of(&g, 5, 600);
    answer(400, PENDING);
    answer(400, "{\"error\":\"access_denied\"}");
    tap_is_int(wait_for(&g, fake_now + 300, &t), PB_DEVICE_DENIED, "access_denied: denied");
    tap_is_int(pb_device_status(PB_DEVICE_DENIED), PB_REJECTED, "  a refusal");
    tap_ok(t.access == NULL, "  no token");

    reset();
    waiter_reset(0, -1);
    grant_of(&g, 5, 600);
    answer(400, "{\"error\":\"expired_token\"}");
    tap_is_int(wait_for(&g, fake_now + 300, &t), PB_DEVICE_EXPIRED, "expired_token: expired");

    reset();
    waiter_reset(0, -1);
    grant_of(&g, 5, 600);
    answer(400, "{\"error\":\"invalid_grant\"}");
    tap_is_int(wait_for(&g, fake_now + 300, &t), PB_DEVICE_FAILED, "another error: failed");
    tap_is_int(pb_device_status(PB_DEVICE_FAILED), PB_UNAVAILABLE, "  unavailable");
    reset();
    waiter_reset(0, -1);
    grant_of(&g, 5, 600);
    answer(500, "{\"error\":\"server_error\"}");
    tap_is_int(wait_for(&g, fake_now + 300, &t), PB_DEVICE_FAILED, "HTTP 500: failed");
    reset();
    waiter_reset(0, -1);
    grant_of(&g, 5, 600);
    answer(0, NULL);
    tap_is_int(wait_for(&g, fake_now + 300, &t), PB_DEVICE_FAILED, "no answer: failed");
    reset();
    waiter_reset(0, -1);
    grant_of(&g, 5, 600);
    answer(200, "{\"token_type\":\"Bearer\"}");
    tap_is_int(wait_for(&g, fake_now + 300, &t), PB_DEVICE_FAILED, "200 without an access token: failed");
    reset();
    waiter_reset(0, -1);
    grant_of(&g, 5, 600);
    answer(200, "{\"access_token\":\"a b\",\"expires_in\":60}");
    tap_is_int(wait_for(&g, fake_now + 300, &t), PB_DEVICE_FAILED, "an access token with a space: failed");

    /* Bounded: the code's life, then the caller's deadline. */
    reset();
    waiter_reset(0, -1);
    t0 = fake_now;
    grant_of(&g, 5, 22);
    for (int i = 0; i < 10; i++)
        answer(400, PENDING);
    tap_is_int(wait_for(&g, t0 + 300, &t), PB_DEVICE_EXPIRED, "never approved: expired at expires_in");
    tap_is_int(served, 3, "  three polls in 22 s at 5 s (+1)");
    tap_ok(fake_now <= t0 + 22, "  and no waiting past the code's life");
    reset();
    waiter_reset(0, -1);
    t0 = fake_now;
    grant_of(&g, 5, 600);
    for (int i = 0; i < 10; i++)
        answer(400, PENDING);
    tap_is_int(wait_for(&g, t0 + 12, &t), PB_DEVICE_TIMEOUT, "never approved: the caller's deadline first");
    tap_is_int(served, 1, "  one poll in 12 s (the second would be at 12)");
    tap_is_int(pb_device_status(PB_DEVICE_TIMEOUT), PB_REJECTED, "  a refusal");

    reset();
    waiter_reset(0, 0);
    grant_of(&g, 5, 600);
    answer(200, TOKENS);
    tap_is_int(wait_for(&g, fake_now + 300, &t), PB_DEVICE_CANCELLED, "the waiter says stop: cancelled");
    tap_is_int(served, 0, "  before any poll");
    tap_is_int(pb_device_status(PB_DEVICE_CANCELLED), PB_UNAVAILABLE, "  unavailable (the stack goes on)");
    reset();
    waiter_reset(0, 2);
    grant_of(&g, 5, 600);
    for (int i = 0; i < 5; i++)
        answer(400, PENDING);
    tap_is_int(wait_for(&g, fake_now + 300, &t), PB_DEVICE_CANCELLED, "stop at the third wait");
    tap_is_int(served, 2, "  after two polls");
    pb_device_clear(&g);

    (void) seen_code;
}

/* Nothing logged holds a device code or a token: every line captured. */
static int secret_lines;
static void
secret_watch(void *ctx, int priority, const char *line)
{
    (void) ctx, (void) priority;
    if (strstr(line, "DEVICE-SECRET-42") != NULL || strstr(line, "access-1") != NULL
        || strstr(line, "refresh-1") != NULL)
        secret_lines++;
}

static void
test_no_secret_logged(void)
{
    struct pb_log watch = { .sink = secret_watch };
    struct pb_device_grant g;
    struct pb_tokens t;

    section("/device", "none", NULL);
    reset();
    waiter_reset(0, -1);
    answer(200, GRANT "}");
    answer(400, SLOW);
    answer(400, "{\"error\":\"DEVICE-SECRET-42\"}");
    tap_is_int(pb_device_start(&fake_ops, &auth, fake_now, &g, &watch), PB_OK, "a code for the log check");
    tap_is_int(pb_device_wait(&fake_ops, &auth, &g, &waiter, fake_now + 300, &t, &watch), PB_DEVICE_FAILED,
               "  an error naming the code");
    pb_device_clear(&g);
    reset();
    answer(200, GRANT "}");
    answer(200, TOKENS);
    pb_device_start(&fake_ops, &auth, fake_now, &g, &watch);
    tap_is_int(pb_device_wait(&fake_ops, &auth, &g, &waiter, fake_now + 300, &t, &watch), PB_DEVICE_APPROVED,
               "  then approved");
    pb_tokens_clear(&t);
    pb_device_clear(&g);
    tap_is_int(secret_lines, 0, "no log line holds the device code or a token, even one the authority echoed");
}

int
main(void)
{
    test_start();
    test_client_basic();
    test_discovery();
    test_wait();
    test_no_secret_logged();
    pb_authority_clear(&auth);
    return tap_done();
}
