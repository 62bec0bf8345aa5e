/* Authority sections, presets, the token cache and the request bodies the
 * exchange builds (through a recording HTTP provider: the real HTTPS path is
 * tests/helper/tokens-t.sh against the emulator). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authority.h"
#include "b64url.h"
#include "conf.h"
#include "exchange.h"
#include "http.h"
#include "options.h"
#include "tokencache.h"
#include "tap.h"

static char dir[] = "/tmp/authority-t.XXXXXX";
static char path[256], secret_path[256];
static struct pb_log quiet = { NULL, NULL, 0 };

static void
write_file(const char *p, const char *text, mode_t mode)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text) || close(fd) != 0) {
        perror(p);
        exit(99);
    }
}

static enum pb_status
load_text(const char *text, const char *name, struct pb_authority *a)
{
    write_file(path, text, 0644);
    return pb_conf_load_authority(path, name, a, &quiet);
}

/* --- a recording HTTP provider ------------------------------------------------------- */
static char seen_url[512], seen_body[1024], seen_auth[256], seen_method[16], seen_type[64];
static const char *reply_body;
static long reply_status;

static enum pb_status
fake_get(const struct pb_http_request *req, struct pb_http_response *resp, const struct pb_log *log)
{
    (void) log;
    snprintf(seen_url, sizeof(seen_url), "%s", req->url);
    snprintf(seen_body, sizeof(seen_body), "%.*s", (int) req->body_len, req->body ? req->body : "");
    snprintf(seen_auth, sizeof(seen_auth), "%s", req->authorization ? req->authorization : "");
    snprintf(seen_method, sizeof(seen_method), "%s", req->method ? req->method : "GET");
    snprintf(seen_type, sizeof(seen_type), "%s", req->content_type ? req->content_type : "");
    memset(resp, 0, sizeof(*resp));
    resp->max_age = -1;
    resp->status = reply_status;
    resp->body = (unsigned char *) strdup(reply_body);
    resp->len = strlen(reply_body);
    return PB_OK;
}

static const struct pb_http_ops fake_ops = { PB_HTTP_OPS_VERSION, fake_get };

/* An unsigned JWT with the given exp: only exp is read. */
static char *
jwt_with_exp(long long exp)
{
    char claims[64], *payload, *token;
    snprintf(claims, sizeof(claims), "{\"exp\":%lld}", exp);
    payload = pb_b64url_encode((const unsigned char *) claims, strlen(claims));
    token = malloc(strlen(payload) + 64);
    sprintf(token, "eyJhbGciOiJSUzI1NiJ9.%s.c2ln", payload);
    free(payload);
    return token;
}

static void
test_presets(void)
{
    struct pb_authority a;
    char url[256];

    tap_is_int(load_text("[authority ml]\npreset = mlserver\nurl = https://ml.example/\n", NULL, &a), PB_OK,
               "mlserver preset loads");
    tap_is_str(a.refresh_param, "refreshToken", "mlserver renews with refreshToken");
    tap_is_int(a.revoke, PB_REVOKE_DELETE_QUERY, "mlserver revokes by DELETE with a query");
    tap_is_str(a.expires_at_field, "expires_on", "mlserver's expires_on is read");
    tap_ok(pb_authority_url(&a, a.login_path, url, sizeof(url)) == 0 && strcmp(url, "https://ml.example/login") == 0,
           "a trailing slash on url is not doubled (%s)", url);
    pb_authority_clear(&a);

    tap_is_int(load_text("[authority d]\npreset = dcos\nurl = https://d.example\n", "d", &a), PB_OK, "dcos loads");
    tap_is_str(a.username_field, "uid", "dcos sends uid");
    tap_is_str(pb_authority_scheme_prefix(&a), "token=", "dcos scheme is token=");
    tap_ok(a.refresh_path == NULL, "dcos has no renewal");
    pb_authority_clear(&a);
    tap_is_int(load_text("[authority k]\npreset = rms\nurl = https://r.example\ntenant = t\nscheme = bare\n", NULL, &a),
               PB_OK, "rms with scheme = bare (API keys)");
    tap_is_str(pb_authority_scheme_prefix(&a), "", "bare scheme: the header is the token alone");
    pb_authority_clear(&a);

    tap_is_int(load_text("[authority ar]\npreset = arsystem\nurl = https://ar.example\n", NULL, &a), PB_OK,
               "arsystem loads");
    tap_is_int(a.response_body, PB_REPLY_TEXT, "arsystem answers text/plain");
    tap_is_str(pb_authority_scheme_prefix(&a), "AR-JWT ", "arsystem scheme is AR-JWT");
    pb_authority_clear(&a);

    tap_is_int(load_text("[authority r]\npreset = rms\nurl = https://r.example\ntenant = acme\n", NULL, &a), PB_OK,
               "rms loads");
    tap_is_str(a.access_field, "accessToken", "rms reads accessToken");
    tap_ok(a.expires_in_field == NULL && a.expires_at_field == NULL, "rms takes expiry from the token");
    pb_authority_clear(&a);

    /* Overrides, the default section, and the module ignoring sections. */
    tap_is_int(load_text("debug\n[authority first]\npreset = oauth2\nurl = https://o.example\nclient_id = c\n"
                         "client_secret_file = /x\nlogin_path = /oauth2/token\nrenew_before = 60\n"
                         "[authority second]\npreset = dcos\nurl = https://d.example\n",
                         NULL, &a),
               PB_OK, "oauth2 with overrides loads");
    tap_is_str(a.name, "first", "without a name, the first section is chosen");
    tap_is_str(a.login_path, "/oauth2/token", "a line overrides the preset");
    tap_is_str(a.refresh_path, "/token", "what is not overridden stays");
    tap_is_int(a.renew_before, 60, "renew_before read");
    pb_authority_clear(&a);
    {
        char names[128];
        tap_ok(pb_conf_list_authorities(path, names, sizeof(names), &quiet) == PB_OK
               && strcmp(names, "first\nsecond\n") == 0, "sections listed in file order");
    }
    {
        struct pb_config cfg;
        pb_config_init(&cfg);
        write_file(path, "debug\n[authority a]\nca_file = /x\nscope = s\n", 0644);
        tap_ok(pb_conf_read(&cfg, path, 1, &quiet) == PB_OK && cfg.debug == 1 && cfg.ca_file == NULL,
               "the module applies lines before the first section and leaves the sections alone");
        pb_config_free(&cfg);
        pb_config_init(&cfg);
        write_file(path, "debug\n[authority a]\nleeway = 5\n", 0644);
        tap_is_int(pb_conf_read(&cfg, path, 1, &quiet), PB_CONFIG,
                   "a module option inside a section is an error, not lost");
        pb_config_free(&cfg);
    }
}

static void
test_errors(void)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        { "[authority a]\npreset = dcos\n", "no url" },
        { "[authority a]\nurl = https://x\npreset = dcos\n", "preset after a line" },
        { "[authority a]\npreset = nope\nurl = https://x\n", "unknown preset" },
        { "[authority a]\npreset = dcos\nurl = http://example.com\n", "plain http off loopback" },
        { "[authority a]\npreset = dcos\nurl = http://127.0.0.1:80@evil.example\n", "userinfo that looks like loopback" },
        { "[authority a]\npreset = dcos\nurl = https://@x\n", "empty userinfo" },
        { "[authority a]\npreset = dcos\nurl = https://x\nlogin_path = http://127.0.0.1:80@evil.example/login\n",
          "userinfo in an endpoint URL" },
        { "[authority a]\npreset = dcos\nurl = https://x\nwhat = ever\n", "unknown key" },
        { "[authority a]\npreset = oauth2\nurl = https://x\n", "oauth2 without client" },
        { "[authority a]\npreset = rms\nurl = https://x\n", "rms without tenant" },
        { "[authority a]\npreset = dcos\nurl = https://x\nusername_field = a b\n", "a field name with a blank" },
        { "[authority a]\npreset = dcos\nurl = https://x\nlogin_fields = a=b&c\n", "a malformed form" },
        { "[authority a]\npreset = dcos\nurl = https://x\nrenew_before = -1\n", "negative seconds" },
        { "[authority a]\npreset = dcos\nurl = https://x\nhttp_timeout = 0\n", "a zero timeout" },
        { "[authority a]\npreset = arsystem\nurl = https://x\nrefresh_path = /r\nrefresh_param = r\n"
          "refresh_field = r\n", "refresh with a text reply" },
        { "[authority a]\npreset = dcos\nurl = https://x\nlogin_path = relative\n", "a relative endpoint" },
        { "[authority]\npreset = dcos\n", "a nameless section" },
        { "[authority a/b]\npreset = dcos\n", "a slash in the name" },
        { "[realm a]\npreset = dcos\n", "another kind of section" },
        { "[authority a]\npreset = dcos\nurl = https://x\n[authority a]\nurl = https://y\n", "a section twice" },
    };
    struct pb_authority a;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        tap_is_int(load_text(bad[i].text, NULL, &a), PB_CONFIG, "refused: %s", bad[i].why);
    tap_is_int(load_text("[authority a]\npreset = dcos\nurl = https://x\n", "b", &a), PB_UNAVAILABLE,
               "a missing section is PB_UNAVAILABLE");
}

static void
test_cache(void)
{
    char cache[300], err[256];
    struct pb_tokens t = { 0 }, back = { 0 };
    int fd;

    snprintf(cache, sizeof(cache), "%s/cache", dir);
    tap_is_int(pb_cache_open_dir(cache, 1, &fd, err, sizeof(err)), PB_CACHE_OK, "cache directory created");
    {
        struct stat st;
        tap_ok(stat(cache, &st) == 0 && (st.st_mode & 0777) == 0700, "with mode 0700");
    }
    tap_is_int(pb_cache_read(fd, "x", &back, err, sizeof(err)), PB_CACHE_ABSENT, "absent file: ABSENT");
    t.user = strdup("alice");
    t.access = strdup("a.b.c");
    t.refresh = strdup("r\"1\\");
    t.obtained = 100;
    t.expires = 200;
    tap_is_int(pb_cache_write(fd, "x", &t, err, sizeof(err)), PB_CACHE_OK, "write");
    tap_is_int(pb_cache_read(fd, "x", &back, err, sizeof(err)), PB_CACHE_OK, "read back");
    tap_ok(back.refresh && strcmp(back.refresh, t.refresh) == 0 && back.expires == 200 && back.scope == NULL,
           "same tokens and times");
    pb_tokens_clear(&back);
    tap_is_int(pb_cache_read(fd, "../x", &back, err, sizeof(err)), PB_CACHE_ERROR, "a name with a slash");
    {
        char p[400];
        snprintf(p, sizeof(p), "%s/x.json", cache);
        write_file(p, "{\"version\":2}", 0600);
        tap_is_int(pb_cache_read(fd, "x", &back, err, sizeof(err)), PB_CACHE_CORRUPT, "another version: CORRUPT");
        chmod(p, 0640);
        tap_is_int(pb_cache_read(fd, "x", &back, err, sizeof(err)), PB_CACHE_UNSAFE, "mode 0640: UNSAFE");
    }
    tap_is_int(pb_cache_remove(fd, "x", err, sizeof(err)), PB_CACHE_OK, "remove");
    tap_is_int(pb_cache_remove(fd, "x", err, sizeof(err)), PB_CACHE_OK, "remove again: fine");
    close(fd);
    pb_tokens_clear(&t);
}

static void
test_exchange(void)
{
    struct pb_authority a;
    struct pb_tokens t = { 0 }, r = { 0 };
    char text[2048], *jwt = jwt_with_exp(5000);

    write_file(secret_path, "testsecret\n", 0600);
    snprintf(text, sizeof(text),
             "[authority o]\npreset = oauth2\nurl = https://o.example\nclient_id = testclient\n"
             "client_secret_file = %s\nscope = openid sudo\n", secret_path);
    tap_is_int(load_text(text, NULL, &a), PB_OK, "oauth2 authority for the exchange");
    reply_status = 200;
    snprintf(text, sizeof(text), "{\"access_token\":\"%s\",\"refresh_token\":\"R1\",\"expires_in\":3600,"
             "\"token_type\":\"Bearer\",\"scope\":\"openid sudo\"}", jwt);
    reply_body = text;
    tap_is_int(pb_exchange_login(&fake_ops, &a, "alice", "p@ss w&rd", 1000, &t, &quiet), PB_OK, "oauth2 login");
    tap_is_str(seen_body, "grant_type=password&username=alice&password=p%40ss+w%26rd&scope=openid+sudo",
               "form body: fixed fields, then the user's, form-encoded");
    tap_is_str(seen_auth, "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0", "HTTP Basic client authentication");
    tap_is_str(seen_type, "application/x-www-form-urlencoded", "form content type");
    tap_is_str(seen_url, "https://o.example/token", "to the token endpoint");
    tap_is_int(t.expires, 4600, "expiry: now + expires_in, earlier than the token's own exp");
    tap_is_str(t.refresh, "R1", "refresh token kept");

    snprintf(text, sizeof(text), "{\"access_token\":\"%s\",\"expires_in\":99999}", jwt);
    tap_is_int(pb_exchange_refresh(&fake_ops, &a, &t, 1000, &r, &quiet), PB_OK, "oauth2 renewal");
    tap_is_str(seen_body, "grant_type=refresh_token&refresh_token=R1", "renewal body");
    tap_is_int(r.expires, 5000, "expiry: the token's own exp when it is earlier");
    tap_is_str(r.refresh, "R1", "no new refresh token: the old one stays (RFC 6749 section 6)");
    pb_tokens_clear(&r);

    reply_status = 400;
    reply_body = "{\"error\":\"invalid_grant\"}";
    tap_is_int(pb_exchange_refresh(&fake_ops, &a, &t, 1000, &r, &quiet), PB_REJECTED, "invalid_grant: REFUSED");
    reply_body = "{\"error\":\"invalid_client\"}";
    reply_status = 401;
    tap_is_int(pb_exchange_login(&fake_ops, &a, "alice", "x", 1000, &r, &quiet), PB_CONFIG, "invalid_client: CONFIG");
    reply_status = 503;
    reply_body = "busy";
    tap_is_int(pb_exchange_login(&fake_ops, &a, "alice", "x", 1000, &r, &quiet), PB_UNAVAILABLE, "503: UNREACHABLE");
    reply_status = 200;
    reply_body = "<html>oops";
    tap_is_int(pb_exchange_login(&fake_ops, &a, "alice", "x", 1000, &r, &quiet), PB_UNAVAILABLE, "garbage: UNREACHABLE");
    reply_body = "{\"access_token\":\"opaque\"}";
    tap_is_int(pb_exchange_login(&fake_ops, &a, "alice", "x", 1000, &r, &quiet), PB_UNAVAILABLE, "no expiry at all: refused");
    reply_body = "{\"access_token\":\"bad token\",\"expires_in\":60}";
    tap_is_int(pb_exchange_login(&fake_ops, &a, "alice", "x", 1000, &r, &quiet), PB_UNAVAILABLE,
               "a token with a blank: refused (it would break a header)");
    tap_is_int(pb_exchange_login(&fake_ops, &a, "alice", "x", 6000, &r, &quiet) , PB_UNAVAILABLE,
               "a reply already expired: refused");
    reply_body = "";
    tap_is_int(pb_exchange_revoke(&fake_ops, &a, &t, &quiet), PB_OK, "RFC 7009 revocation");
    tap_is_str(seen_body, "token=R1&token_type_hint=refresh_token", "revokes the refresh token");
    pb_authority_clear(&a);

    tap_is_int(load_text("[authority m]\npreset = mlserver\nurl = https://m.example\n", NULL, &a), PB_OK, "mlserver");
    reply_status = 200;
    snprintf(text, sizeof(text), "{\"access_token\":\"%s\",\"refresh_token\":\"0/LTo+\",\"expires_in\":3600,"
             "\"expires_on\":2000}", jwt);
    reply_body = text;
    pb_tokens_clear(&t);
    tap_is_int(pb_exchange_login(&fake_ops, &a, "al\"ice", "pw", 1000, &t, &quiet), PB_OK, "mlserver login");
    tap_is_str(seen_body, "{\"username\":\"al\\\"ice\",\"password\":\"pw\"}", "JSON body, escaped");
    tap_is_str(seen_type, "application/json", "JSON content type");
    tap_is_int(t.expires, 2000, "expires_on wins when earliest");
    pb_tokens_clear(&t);
    t.user = strdup("a");
    t.access = strdup("x");
    t.refresh = strdup("0/LTo+=");
    reply_body = "";
    tap_is_int(pb_exchange_revoke(&fake_ops, &a, &t, &quiet), PB_OK, "mlserver revocation");
    tap_is_str(seen_method, "DELETE", "by DELETE");
    tap_is_str(seen_url, "https://m.example/login/refreshToken?refreshToken=0%2FLTo%2B%3D", "refresh token in the query, encoded");
    pb_authority_clear(&a);

    tap_is_int(load_text("[authority ar]\npreset = arsystem\nurl = https://ar.example\n", NULL, &a), PB_OK, "arsystem");
    snprintf(text, sizeof(text), "%s\r\n", jwt);
    reply_body = text;
    pb_tokens_clear(&r);
    tap_is_int(pb_exchange_login(&fake_ops, &a, "Allen", "password", 1000, &r, &quiet), PB_OK, "arsystem login");
    tap_is_str(seen_body, "username=Allen&password=password", "the seed's form body");
    tap_is_str(r.access, jwt, "the text reply, line end dropped, is the token");
    tap_is_int(r.expires, 5000, "expiry from the token");
    reply_body = "";
    reply_status = 204;
    tap_is_int(pb_exchange_revoke(&fake_ops, &a, &r, &quiet), PB_OK, "arsystem logout");
    tap_ok(strncmp(seen_auth, "AR-JWT ", 7) == 0 && strcmp(seen_auth + 7, jwt) == 0, "with the AR-JWT header");
    pb_authority_clear(&a);

    tap_is_int(pb_exchange_jwt_exp("not-a-jwt"), -1, "jwt_exp on garbage: -1");
    pb_tokens_clear(&t);
    pb_tokens_clear(&r);
    free(jwt);
}

int
main(void)
{
    if (mkdtemp(dir) == NULL)
        return 99;
    snprintf(path, sizeof(path), "%s/pam_bearer.conf", dir);
    snprintf(secret_path, sizeof(secret_path), "%s/secret", dir);
    test_presets();
    test_errors();
    test_cache();
    test_exchange();
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            tap_ok(0, "cleanup");
    }
    return tap_done();
}
