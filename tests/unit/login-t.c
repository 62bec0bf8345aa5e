/* The login decision (lib/login.c): which input goes to the token checks and
 * which to the password backend, with keys from memory and a fake LDAP
 * table that records whether it was used. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyset.h"
#include "login.h"
#include "log-capture.h"
#include "tap.h"
#include "testkeys.h"

static const struct pb_log log_ = { capture, NULL, 0 };
static char *jwks_text;
static int key_calls;

/* A local key source: the test's key set, parsed from memory. */
static enum pb_status
test_keys(const struct pb_login_ctx *ctx, int refresh, struct pb_keyset **out)
{
    key_calls++;
    *out = NULL;
    if (refresh)
        return PB_OK;
    return pb_keyset_parse((const unsigned char *) jwks_text, strlen(jwks_text), out, ctx->log, "test");
}

/* The fake password backend. */
static int ldap_loads, auth_calls;
static char auth_user[64], auth_password[128];
static enum pb_status auth_status;

static enum pb_status
fake_authenticate(const struct pb_config *cfg, const char *user, const char *password, const struct pb_log *log,
                  struct pb_verdict *verdict, struct pb_ldap_note *note)
{
    (void) cfg, (void) log, (void) note;
    auth_calls++;
    snprintf(auth_user, sizeof(auth_user), "%s", user);
    snprintf(auth_password, sizeof(auth_password), "%s", password);
    if (auth_status == PB_REJECTED)
        pb_verdict_set(verdict, PB_R_BAD_PASSWORD, "invalid credentials");
    return auth_status;
}

static enum pb_status
fake_check_group(const struct pb_config *cfg, const char *user, const struct pb_log *log, struct pb_verdict *verdict)
{
    (void) cfg, (void) user, (void) log, (void) verdict;
    abort();
}

static const struct pb_ldap_ops fake_ops = { PB_LDAP_OPS_VERSION, fake_authenticate, fake_check_group, NULL };

static const struct pb_ldap_ops *
fake_ldap(const struct pb_log *log)
{
    (void) log;
    ldap_loads++;
    return &fake_ops;
}

/* A loader that cannot load its plugin. */
static const struct pb_ldap_ops *
missing_ldap(const struct pb_log *log)
{
    ldap_loads++;
    pb_log(log, LOG_ERR, "unavailable: test plugin missing");
    return NULL;
}

static void
reset(void)
{
    capture_reset();
    key_calls = ldap_loads = auth_calls = 0;
    auth_user[0] = auth_password[0] = '\0';
    auth_status = PB_OK;
}

#define LDAP_ARGS "ldap_uri=ldaps://ldap.example.org ldap_user_dn=uid=%u,ou=people,dc=example,dc=org"

/* A configuration from module-line words, with the test's (local) key set. */
static void
config(struct pb_config *cfg, const char *args)
{
    char copy[512], err[256], *save = NULL, *word;

    pb_config_init(cfg);
    if (pb_config_apply(cfg, "jwks=/nonexistent/pb-login-t/jwks.json", PB_W_MODULE, err, sizeof(err)) != PB_OK)
        printf("# jwks: %s\n", err);
    snprintf(copy, sizeof(copy), "%s", args);
    for (word = strtok_r(copy, " ", &save); word != NULL; word = strtok_r(NULL, " ", &save))
        if (pb_config_apply(cfg, word, PB_W_MODULE, err, sizeof(err)) != PB_OK)
            printf("# bad arg %s: %s\n", word, err);
    if (pb_config_finish(cfg, err, sizeof(err)) != PB_OK)
        printf("# config: %s\n", err);
}

static enum pb_status
decide(const char *args, pb_ldap_loader_fn ldap, const char *user, const char *typed, size_t len,
       struct pb_login_result *out)
{
    struct pb_config cfg;
    struct pb_login_ctx ctx = { 0 };
    enum pb_status status;

    config(&cfg, args);
    ctx.cfg = &cfg;
    ctx.log = &log_;
    ctx.now = time(NULL);
    ctx.keys = test_keys;
    ctx.http = NULL;
    ctx.ldap = ldap;
    {
        enum pb_status planned = auth_status;   /* the backend's answer, set by the case */
        reset();
        auth_status = planned;
    }
    status = pb_login_decide(&ctx, user, typed, len, out);
    pb_config_free(&cfg);
    return status;
}

static void
expect(const char *name, enum pb_status status, const struct pb_login_result *r, enum pb_status want_status,
       enum pb_reason want_reason)
{
    tap_ok(status == want_status && r->verdict.reason == want_reason, "%s: %s%s%s", name,
           pb_status_name(want_status), want_reason != PB_R_NONE ? "/" : "",
           want_reason != PB_R_NONE ? pb_reason_name(want_reason) : "");
    if (status != want_status || r->verdict.reason != want_reason)
        printf("#   got %s/%s (%s)\n", pb_status_name(status), pb_reason_name(r->verdict.reason), r->verdict.detail);
}

/* The last line logged starts with prefix. */
static void
logged(const char *prefix, const char *name)
{
    int ok = strncmp(last_line, prefix, strlen(prefix)) == 0;

    tap_ok(ok, "%s", name);
    if (!ok)
        printf("#   last line: %s\n", last_line);
}

static char *
sign(EVP_PKEY *key, const char *sub, long long exp_offset)
{
    char claims[256];

    snprintf(claims, sizeof(claims), "{\"sub\":\"%s\",\"exp\":%lld,\"jti\":\"j-%s\"}", sub,
             (long long) time(NULL) + exp_offset, sub);
    return tk_sign("ES256", key, NULL, 0, "{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"JWT\"}", claims);
}

int
main(void)
{
    EVP_PKEY *key = tk_keygen("P-256"), *other = tk_keygen("P-256");
    char *jwk = tk_jwk(key, "k1", ""), *good = sign(key, "alice", 300), *forged = sign(other, "alice", 300);
    char *expired = sign(key, "alice", -3600), *big, cut[80], bearer[1024];
    struct pb_login_result r;
    enum pb_status s;

    jwks_text = malloc(strlen(jwk) + 16);
    sprintf(jwks_text, "{\"keys\":[%s]}", jwk);

    /* --- a good token */
    s = decide("", fake_ldap, "alice", good, strlen(good), &r);
    expect("a good token", s, &r, PB_OK, PB_R_NONE);
    tap_is_int(r.kind, PB_LOGIN_TOKEN, "... is a token login");
    tap_is_int(r.cred.kind, PB_CRED_TOKEN, "... read as a token");
    tap_ok(key_calls >= 1, "... checked against the key source");
    tap_ok(ldap_loads == 0 && auth_calls == 0, "... the password backend untouched");
    tap_is_str(r.info.jti, "j-alice", "... its jti is kept for the log");
    logged("accepted: user alice (alg ES256, kid k1, jti j-alice)", "... logged as accepted");

    snprintf(bearer, sizeof(bearer), "bearer  %s", good);
    s = decide(LDAP_ARGS, fake_ldap, "alice", bearer, strlen(bearer), &r);
    expect("\"bearer  \" + a good token, LDAP configured", s, &r, PB_OK, PB_R_NONE);
    tap_ok(r.kind == PB_LOGIN_TOKEN && ldap_loads == 0 && auth_calls == 0, "... a token login, LDAP untouched");

    s = decide("", fake_ldap, "bob", good, strlen(good), &r);
    expect("alice's token for bob", s, &r, PB_REJECTED, PB_R_USER_MISMATCH);

    /* --- a token never reaches the password backend */
    s = decide(LDAP_ARGS, fake_ldap, "alice", good, strlen(good), &r);
    expect("a good token, LDAP configured", s, &r, PB_OK, PB_R_NONE);
    tap_ok(r.kind == PB_LOGIN_TOKEN && ldap_loads == 0 && auth_calls == 0, "... a token login, LDAP untouched");

    s = decide(LDAP_ARGS, fake_ldap, "alice", forged, strlen(forged), &r);
    expect("a forged token, LDAP configured", s, &r, PB_REJECTED, PB_R_BAD_SIGNATURE);
    tap_ok(r.kind == PB_LOGIN_TOKEN && ldap_loads == 0 && auth_calls == 0, "... not tried as a password");
    logged("rejected: bad-signature", "... logged as rejected: bad-signature");

    s = decide(LDAP_ARGS, fake_ldap, "alice", expired, strlen(expired), &r);
    expect("an expired token, LDAP configured", s, &r, PB_REJECTED, PB_R_EXPIRED);
    tap_ok(ldap_loads == 0 && auth_calls == 0, "... not tried as a password");

    s = decide(LDAP_ARGS, fake_ldap, "alice", "a.b.c", 5, &r);
    expect("token-shaped garbage, LDAP configured", s, &r, PB_REJECTED, PB_R_MALFORMED);
    tap_ok(r.kind == PB_LOGIN_TOKEN && ldap_loads == 0 && auth_calls == 0, "... not tried as a password");
    tap_ok(key_calls == 0, "... and no keys were needed");

    s = decide(LDAP_ARGS, fake_ldap, "alice", "eyJhbGci==.eyJzdWIi+/.c2ln", 26, &r);
    tap_ok(s == PB_REJECTED && r.kind == PB_LOGIN_TOKEN && ldap_loads == 0 && auth_calls == 0,
           "a mangled token (padding, standard alphabet) is refused as a token, LDAP untouched");

    /* --- a password reaches LDAP only when configured and not token_only */
    s = decide(LDAP_ARGS, fake_ldap, "alice", "hunter2", 7, &r);
    expect("a password, LDAP configured", s, &r, PB_OK, PB_R_NONE);
    tap_is_int(r.kind, PB_LOGIN_PASSWORD, "... is a password login");
    tap_ok(ldap_loads == 1 && auth_calls == 1, "... the backend was loaded and asked once");
    tap_is_str(auth_user, "alice", "... for the user");
    tap_is_str(auth_password, "hunter2", "... with the password");
    tap_is_int(key_calls, 0, "... no keys were read");
    logged("accepted: user alice (password, LDAP bind)", "... logged as accepted");

    s = decide(LDAP_ARGS, fake_ldap, "alice", "Bearer hunter2", 14, &r);
    expect("\"Bearer hunter2\", LDAP configured", s, &r, PB_OK, PB_R_NONE);
    tap_is_str(auth_password, "Bearer hunter2", "... a password is used whole, scheme and all");

    auth_status = PB_REJECTED;
    s = decide(LDAP_ARGS, fake_ldap, "alice", "wrong", 5, &r);
    auth_status = PB_OK;
    expect("a wrong password", s, &r, PB_REJECTED, PB_R_BAD_PASSWORD);
    tap_ok(r.kind == PB_LOGIN_PASSWORD && auth_calls == 1, "... the backend said so");
    logged("rejected: bad-password: invalid credentials (user alice, password)", "... logged as rejected: bad-password");

    s = decide("", fake_ldap, "alice", "hunter2", 7, &r);
    expect("a password, no ldap_uri", s, &r, PB_REJECTED, PB_R_NOT_A_TOKEN);
    tap_ok(r.kind == PB_LOGIN_TOKEN && ldap_loads == 0 && auth_calls == 0, "... LDAP untouched");

    s = decide(LDAP_ARGS " token_only", fake_ldap, "alice", "hunter2", 7, &r);
    expect("a password, LDAP configured, token_only", s, &r, PB_REJECTED, PB_R_NOT_A_TOKEN);
    tap_ok(r.kind == PB_LOGIN_TOKEN && ldap_loads == 0 && auth_calls == 0, "... LDAP untouched");

    s = decide(LDAP_ARGS, fake_ldap, "alice", "", 0, &r);
    tap_ok(r.kind == PB_LOGIN_PASSWORD && auth_calls == 1 && auth_password[0] == '\0',
           "an empty password goes to the backend (it refuses it)");

    /* --- password_only */
    s = decide(LDAP_ARGS " password_only", fake_ldap, "alice", good, strlen(good), &r);
    expect("password_only: a good token", s, &r, PB_REJECTED, PB_R_TOKEN_NOT_ALLOWED);
    tap_ok(ldap_loads == 0 && auth_calls == 0 && key_calls == 0, "... neither LDAP nor the keys were used");

    s = decide(LDAP_ARGS " password_only", fake_ldap, "alice", "hunter2", 7, &r);
    expect("password_only: a password", s, &r, PB_OK, PB_R_NONE);
    tap_ok(r.kind == PB_LOGIN_PASSWORD && auth_calls == 1, "... goes to LDAP");

    /* --- too large: refused unread */
    big = malloc(PB_JWS_MAX_TOKEN + 2);
    memset(big, 'x', PB_JWS_MAX_TOKEN + 1);
    big[PB_JWS_MAX_TOKEN + 1] = '\0';
    s = decide(LDAP_ARGS, fake_ldap, "alice", big, PB_JWS_MAX_TOKEN + 1, &r);
    expect("an oversized input, LDAP configured", s, &r, PB_REJECTED, PB_R_TOO_LARGE);
    tap_ok(r.kind == PB_LOGIN_TOKEN && r.cred.kind == PB_CRED_TOO_LARGE, "... read as too large");
    tap_ok(ldap_loads == 0 && auth_calls == 0 && key_calls == 0, "... nothing was called");
    s = decide(LDAP_ARGS, fake_ldap, "alice", big, PB_JWS_MAX_TOKEN, &r);
    tap_ok(r.kind == PB_LOGIN_PASSWORD && auth_calls == 1, "the same at the bound is a password");
    free(big);

    /* --- a cut token */
    memcpy(cut, good, 70);
    cut[70] = '\0';
    if (strchr(cut, '.') != NULL && strchr(strchr(cut, '.') + 1, '.') != NULL)
        printf("# the cut token still has two dots\n");
    s = decide(LDAP_ARGS, fake_ldap, "alice", cut, 70, &r);
    expect("a cut token, LDAP configured", s, &r, PB_REJECTED, PB_R_NOT_A_TOKEN);
    tap_ok(r.kind == PB_LOGIN_TOKEN && r.cred.kind == PB_CRED_CUT, "... read as cut, a token login");
    tap_ok(ldap_loads == 0 && auth_calls == 0 && key_calls == 0, "... nothing was called");
    s = decide(LDAP_ARGS, fake_ldap, "alice", cut, 20, &r);
    tap_ok(r.kind == PB_LOGIN_PASSWORD && auth_calls == 1, "20 bytes of it are only a password");

    /* --- NULL loaders */
    s = decide(LDAP_ARGS, NULL, "alice", "hunter2", 7, &r);
    expect("no password backend (ldap NULL): a password", s, &r, PB_UNAVAILABLE, PB_R_NONE);
    tap_is_int(r.kind, PB_LOGIN_PASSWORD, "... still a password login");
    s = decide(LDAP_ARGS, NULL, "alice", good, strlen(good), &r);
    expect("no password backend (ldap NULL), no http: a good token", s, &r, PB_OK, PB_R_NONE);
    s = decide(LDAP_ARGS, missing_ldap, "alice", "hunter2", 7, &r);
    expect("a backend that cannot be loaded: a password", s, &r, PB_UNAVAILABLE, PB_R_NONE);
    tap_ok(ldap_loads == 1 && strstr(last_line, "test plugin missing") != NULL, "... the loader said why");

    auth_status = PB_UNAVAILABLE;
    s = decide(LDAP_ARGS, fake_ldap, "alice", "hunter2", 7, &r);
    auth_status = PB_OK;
    tap_is_int(s, PB_UNAVAILABLE, "no LDAP server reachable: unavailable");
    tap_ok(strstr(last_line, "password for user alice not checked") != NULL, "... logged as not checked");

    /* --- pb_login_token: the token checks alone */
    {
        struct pb_config cfg;
        struct pb_login_ctx ctx = { &cfg, &log_, 0, test_keys, NULL, fake_ldap, NULL, NULL };
        config(&cfg, LDAP_ARGS);
        ctx.now = time(NULL);
        reset();
        s = pb_login_token(&ctx, "alice", good, strlen(good), &r);
        expect("pb_login_token: a good token", s, &r, PB_OK, PB_R_NONE);
        reset();
        s = pb_login_token(&ctx, "alice", "hunter2", 7, &r);
        expect("pb_login_token: a password", s, &r, PB_REJECTED, PB_R_NOT_A_TOKEN);
        tap_ok(r.kind == PB_LOGIN_TOKEN && ldap_loads == 0 && auth_calls == 0, "... never goes to LDAP");
        pb_config_free(&cfg);
    }

    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    free(jwk), free(good), free(forged), free(expired), free(jwks_text);
    return tap_done();
}
