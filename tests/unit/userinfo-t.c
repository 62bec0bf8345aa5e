/* The userinfo fallback with a fake HTTP table: what is asked and when, the
 * sub check, the merge, and the cache's file rules. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "tap.h"
#include "userinfo.h"

#define NOW 1800000000LL
#define TOKEN "aaa.bbb.ccc"

static int calls, fail;
static const char *body;
static char last_auth[128], last_accept[64];

static enum pb_status
fake_get(const struct pb_http_request *req, struct pb_http_response *resp, const struct pb_log *log)
{
    (void) log;
    calls++;
    snprintf(last_auth, sizeof(last_auth), "%s", req->authorization ? req->authorization : "");
    snprintf(last_accept, sizeof(last_accept), "%s", req->accept ? req->accept : "");
    if (fail || req->max_body < strlen(body))
        return PB_UNAVAILABLE;
    resp->status = 200;
    resp->body = (unsigned char *) strdup(body);
    resp->len = strlen(body);
    return PB_OK;
}

static const struct pb_http_ops fake_ops = { PB_HTTP_OPS_VERSION, fake_get };

static const struct pb_http_ops *
fake_loader(const struct pb_log *log)
{
    (void) log;
    return &fake_ops;
}

static struct pb_config cfg;
static char dir[] = "/tmp/pb-userinfo-t-XXXXXX";

static void
set(const char *word)
{
    char err[256];
    if (pb_config_apply(&cfg, word, PB_W_FILE, err, sizeof(err)) != PB_OK)
        printf("# cannot set %s: %s\n", word, err);
}

/* Fill claims_json for the token; the status, the claims after in *out. */
static enum pb_status
fill(const char *claims_json, int groups, const char *token, char *out, size_t cap, enum pb_reason *reason)
{
    struct pb_login_ctx ctx = { .cfg = &cfg, .now = (time_t) NOW, .http = fake_loader };
    struct pb_verdict verdict = { PB_R_NONE, "" };
    json_error_t jerr;
    json_t *claims = json_loads(claims_json, 0, &jerr);
    enum pb_status status;
    char *text;

    if (claims == NULL)
        exit(99);
    status = pb_userinfo_fill(&ctx, &cfg, &cfg, groups, token, strlen(token), claims, NULL, &verdict);
    text = json_dumps(claims, JSON_SORT_KEYS | JSON_COMPACT);
    snprintf(out, cap, "%s", text ? text : "");
    free(text);
    json_decref(claims);
    if (reason != NULL)
        *reason = verdict.reason;
    return status;
}

/* fn on the path of every cache file; how many there are. */
static int
each_cache_file(void (*fn)(const char *path))
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    int n = 0;

    while (d != NULL && (e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "userinfo-", 9) == 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            if (fn != NULL)
                fn(path);
            n++;
        }
    if (d != NULL)
        closedir(d);
    return n;
}

static char found[512];

static void
remember(const char *path)
{
    snprintf(found, sizeof(found), "%s", path);
}

static void
make_readable(const char *path)
{
    chmod(path, 0644);
}

static void
remove_file(const char *path)
{
    unlink(path);
}

/* The one cache file's path in out; 0 if there is exactly one. */
static int
cache_file(char *out, size_t cap)
{
    int n = each_cache_file(remember);

    snprintf(out, cap, "%s", found);
    return n == 1 ? 0 : -1;
}

/* fill CLAIMS (groups needed or not) with TOKEN: PB_OK, and the endpoint
 * asked CALLS times in all by then. */
static void
filled(const char *claims_json, int groups, const char *token, int want_calls, const char *what, const char *then)
{
    char out[512];

    tap_is_int(fill(claims_json, groups, token, out, sizeof(out), NULL), PB_OK, "%s", what);
    tap_is_int(calls, want_calls, "%s", then);
}

int
main(void)
{
    char out[1024], path[512], word[600];
    enum pb_reason reason;
    struct stat st;

    if (mkdtemp(dir) == NULL || chmod(dir, 0700) != 0)
        return 99;
    pb_config_init(&cfg);
    snprintf(word, sizeof(word), "cache_dir=%s", dir);
    set(word);
    set("allow_groups=staff");
    body = "{\"sub\":\"s1\",\"groups\":[\"staff\"],\"iss\":\"https://evil.example\",\"uid\":\"alice\"}";

    /* Off: nothing asked. */
    filled("{\"sub\":\"s1\",\"exp\":1800000600}", 1, TOKEN, 0, "no endpoint", "... nothing asked");
    set("userinfo_endpoint=https://idp.example/userinfo");

    /* Only what a policy needs, only when missing. */
    filled("{\"sub\":\"s1\",\"exp\":1800000600}", 0, TOKEN, 0, "auth phase: groups not needed", "... nothing asked");
    filled("{\"sub\":\"s1\",\"exp\":1800000600,\"groups\":[]}", 1, TOKEN, 0, "the token has the claim",
           "... nothing asked");
    filled("{\"sub\":\"s1\",\"exp\":1799999999}", 1, TOKEN, 0, "an expired token", "... nothing asked");
    tap_is_int(fill("{\"sub\":\"s1\",\"exp\":1800000600}", 1, TOKEN, out, sizeof(out), NULL), PB_OK,
               "groups missing in the account phase");
    tap_is_int(calls, 1, "... asked once");
    tap_is_str(out, "{\"exp\":1800000600,\"groups\":[\"staff\"],\"sub\":\"s1\"}",
               "... groups filled, nothing else (not iss, not uid)");
    tap_is_str(last_auth, "Bearer " TOKEN, "... with the token as a bearer token");
    tap_is_str(last_accept, "application/json", "... asking for JSON");
    tap_ok(cache_file(path, sizeof(path)) == 0 && stat(path, &st) == 0 && (st.st_mode & 0777) == 0600
           && st.st_uid == geteuid(), "... the answer cached in cache_dir, 0600");

    /* The cache. */
    filled("{\"sub\":\"s1\",\"exp\":1800000600}", 1, TOKEN, 1, "the same token again", "... answered from the cache");
    filled("{\"sub\":\"s1\",\"exp\":1800000600}", 1, "xxx.yyy.zzz", 2, "another token", "... asked");
    /* A cache file others may read is not trusted. */
    each_cache_file(make_readable);
    filled("{\"sub\":\"s1\",\"exp\":1800000600}", 1, TOKEN, 3, "a cache file others may read",
           "... is ignored: asked again");
    /* An entry whose token expired goes. */
    each_cache_file(remove_file);
    tap_is_int(fill("{\"sub\":\"s1\",\"exp\":1800000001}", 1, TOKEN, out, sizeof(out), NULL), PB_OK,
               "a token that expires in a second");
    tap_ok(cache_file(path, sizeof(path)) == 0, "... cached");
    {
        struct pb_login_ctx ctx = { .cfg = &cfg, .now = (time_t) NOW + 5, .http = fake_loader };
        struct pb_verdict verdict = { PB_R_NONE, "" };
        json_error_t jerr;
        json_t *claims = json_loads("{\"sub\":\"s1\",\"exp\":1800000600}", 0, &jerr);
        calls = 0;
        pb_userinfo_fill(&ctx, &cfg, &cfg, 1, TOKEN, strlen(TOKEN), claims, NULL, &verdict);
        json_decref(claims);
        tap_is_int(calls, 1, "... once it has expired the entry is not used");
    }

    /* The sub check (OpenID Connect Core 1.0, 5.3.2). */
    body = "{\"sub\":\"s2\",\"groups\":[\"staff\"]}";
    tap_is_int(fill("{\"sub\":\"s1\",\"exp\":1800000600}", 1, "other.sub.token", out, sizeof(out), &reason),
               PB_REJECTED, "an answer for another sub");
    tap_is_int(reason, PB_R_USERINFO, "... refused as userinfo");
    tap_ok(strstr(out, "groups") == NULL, "... nothing filled");
    body = "{\"groups\":[\"staff\"]}";
    tap_is_int(fill("{\"sub\":\"s1\",\"exp\":1800000600}", 1, "no.sub.token", out, sizeof(out), &reason),
               PB_REJECTED, "an answer without sub");
    body = "{\"sub\":1,\"groups\":[\"staff\"]}";
    tap_is_int(fill("{\"sub\":\"1\",\"exp\":1800000600}", 1, "num.sub.token", out, sizeof(out), &reason),
               PB_REJECTED, "a sub that is a number, not the string");
    body = "{\"sub\":\"s1\",\"groups\":[\"staff\"]}";
    tap_is_int(fill("{\"exp\":1800000600}", 1, "tok.without.sub", out, sizeof(out), &reason), PB_REJECTED,
               "a token without sub");
    tap_is_int(reason, PB_R_USERINFO, "... refused as userinfo");

    /* No usable answer. */
    body = "not json";
    tap_is_int(fill("{\"sub\":\"s1\",\"exp\":1800000600}", 1, "bad.json.token", out, sizeof(out), NULL),
               PB_UNAVAILABLE, "an answer that is not JSON");
    body = "[\"sub\"]";
    tap_is_int(fill("{\"sub\":\"s1\",\"exp\":1800000600}", 1, "array.json.token", out, sizeof(out), NULL),
               PB_UNAVAILABLE, "an answer that is not an object");
    fail = 1;
    tap_is_int(fill("{\"sub\":\"s1\",\"exp\":1800000600}", 1, "http.fails.token", out, sizeof(out), NULL),
               PB_UNAVAILABLE, "the endpoint fails");
    fail = 0;

    /* What a policy names: user_claim, require_claim (paths by their first name). */
    pb_config_free(&cfg);
    pb_config_init(&cfg);
    snprintf(word, sizeof(word), "cache_dir=%s", dir);
    set(word);
    set("userinfo_endpoint=https://idp.example/userinfo");
    set("user_claim=preferred_username");
    set("require_claim=realm_access.roles=x");
    set("require_claim=aud=x");
    body = "{\"sub\":\"s1\",\"preferred_username\":\"alice\",\"realm_access\":{\"roles\":[\"x\"]},\"aud\":\"x\"}";
    calls = 0;
    tap_is_int(fill("{\"sub\":\"s1\",\"exp\":1800000600}", 0, "policy.claims.token", out, sizeof(out), NULL), PB_OK,
               "user_claim and require_claim missing");
    tap_is_str(out, "{\"exp\":1800000600,\"preferred_username\":\"alice\",\"realm_access\":{\"roles\":[\"x\"]},"
               "\"sub\":\"s1\"}", "... filled, but never aud (the token's alone)");
    tap_is_int(calls, 1, "... one request for all of them");
    tap_is_int(fill("{\"sub\":\"s1\",\"exp\":1800000600,\"realm_access\":{}}", 0, "partial.token", out, sizeof(out),
                    NULL), PB_OK, "a claim the token has in part");
    tap_ok(strstr(out, "\"realm_access\":{}") != NULL, "... is never replaced");
    {
        struct pb_config bad;
        char err[256];
        pb_config_init(&bad);
        pb_config_apply(&bad, "userinfo_endpoint=http://idp.example/userinfo", PB_W_FILE, err, sizeof(err));
        tap_is_int(pb_config_finish(&bad, err, sizeof(err)), PB_CONFIG, "userinfo_endpoint over plain http refused");
        pb_config_free(&bad);
    }
    pb_config_free(&cfg);
    {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        if (system(cmd) != 0)
            return 99;
    }
    return tap_done();
}
