/* The URL policy: the configuration's strict check, libcurl's parser as the
 * HTTP plugin uses it, and libldap's parser as the LDAP plugin uses it. */
#include "config.h"

#include <string.h>

#include "http.h"
#include "url-policy-curl.h"
#include "url-policy.h"
#include "log-capture.h"
#include "tap.h"

enum { OK = PB_OK, NO = -1 };

/* The configuration may be stricter than libcurl, never looser. */
static const struct {
    const char *url;
    int config, curl;
    const char *why;
} http[] = {
    { "https://id.example/jwks", OK, OK, "https anywhere" },
    { "https://id.example:8443/realms/x?a=b", OK, OK, "https with port and query" },
    { "http://127.0.0.1:8080/jwks", OK, OK, "plain http to 127.0.0.1" },
    { "http://127.5.6.7/", OK, OK, "plain http to 127.0.0.0/8" },
    { "http://localhost/x", OK, OK, "plain http to localhost" },
    { "http://LOCALHOST/x", OK, OK, "host names are case-insensitive" },
    { "http://[::1]:8080/", OK, OK, "plain http to [::1]" },
    { "HTTP://127.0.0.1/x", OK, OK, "uppercase scheme" },
    { "HTTPS://id.example/", OK, OK, "uppercase https" },
    { "http://127.0.0.1:80@evil.example/jwks", NO, NO, "userinfo that looks like a loopback host" },
    { "https://127.0.0.1:80@evil.example/jwks", NO, NO, "userinfo over https" },
    { "http://@evil.example/", NO, NO, "empty userinfo" },
    { "http://@127.0.0.1/", NO, NO, "empty userinfo, even to loopback" },
    { "http://:@127.0.0.1/", NO, NO, "empty user and password" },
    { "https://user:secret@id.example/", NO, NO, "user and password" },
    { "http://127.0.0.1\\@evil.example/", NO, NO, "backslash before @" },
    { "http://a;b@127.0.0.1/", NO, NO, "login options" },
    { "http://127.0.0.1%2f@evil.example/", NO, NO, "percent-encoded slash in userinfo" },
    { "http://127.0.0.1/@evil.example/", OK, OK, "@ in the path is a path" },
    { "http://%31%32%37.0.0.1/", NO, OK, "percent-encoded loopback host (libcurl decodes it)" },
    { "http://%65vil.example/", NO, NO, "percent-encoded remote host" },
    { "http://127.1/", NO, OK, "short IPv4 form (libcurl normalises it)" },
    { "http://0x7f000001/", NO, OK, "hexadecimal IPv4 (libcurl normalises it)" },
    { "http://127.evil.example/", NO, NO, "a name that starts with 127." },
    { "http://localhost.evil.example/", NO, NO, "a name that starts with localhost" },
    { "http://localhost./", NO, NO, "localhost. goes to DNS" },
    { "http://[::ffff:127.0.0.1]/", NO, NO, "IPv4-mapped IPv6" },
    { "http://[::2]/", NO, NO, "another IPv6 address" },
    { "http://evil.example/", NO, NO, "plain http off loopback" },
    { "http://127.0.0.1 /", NO, NO, "space" },
    { " http://127.0.0.1/", NO, NO, "leading space" },
    { "http://127.0.0.1\t@evil.example/", NO, NO, "tab before @" },
    { "http://127.0.0.1/\n", NO, NO, "newline" },
    { "ftp://127.0.0.1/", NO, NO, "another scheme" },
    { "https:/id.example/", NO, OK, "one slash (libcurl reads it as https://)" },
    { "https://", NO, NO, "no host" },
    { "http://127.0.0.1:99999/", NO, NO, "port out of range" },
};

static const struct {
    const char *uri;
    int config, ldap, tls, loopback;
    const char *why;
} ldap[] = {
    { "ldap://127.0.0.1", OK, OK, 0, 1, "plain ldap to loopback" },
    { "ldap://127.0.0.1:3389/", OK, OK, 0, 1, "with port and slash" },
    { "ldaps://ldap.example.com:636", OK, OK, 1, 0, "ldaps" },
    { "LDAP://127.0.0.1/", OK, OK, 0, 1, "uppercase scheme" },
    { "ldap://[::1]:389", OK, OK, 0, 1, "IPv6 loopback" },
    { "ldap://localhost", OK, OK, 0, 1, "localhost" },
    { "ldap://ldap.example.com", OK, OK, 0, 0, "remote (StartTLS decides)" },
    { "ldap://u@127.0.0.1/", NO, NO, 0, 0, "userinfo" },
    { "ldap://@127.0.0.1/", NO, NO, 0, 0, "empty userinfo" },
    { "ldap://127.0.0.1:80@evil.example/", NO, NO, 0, 0, "userinfo that looks like a loopback host" },
    { "ldap://127.0.0.1/?\?\?bindname=cn=admin", NO, NO, 0, 0, "bindname extension" },
    { "ldap://127.0.0.1/?\?\?!bindname=cn=admin", NO, NO, 0, 0, "critical bindname extension" },
    { "ldap://127.0.0.1/dc=example,dc=com", NO, NO, 0, 0, "a DN" },
    { "ldap://127.0.0.1/?cn", NO, NO, 0, 0, "attributes" },
    { "ldap://127.0.0.1 ldap://evil.example", NO, NO, 0, 0, "two servers in one item" },
    { "ldap://127.0.0.1 /", NO, NO, 0, 0, "space" },
    { "ldap://%31%32%37.0.0.1/", NO, OK, 0, 1, "percent-encoded host (libldap decodes it)" },
    { "ldapi://%2frun%2fslapd", NO, NO, 0, 0, "ldapi" },
    { "cldap://127.0.0.1/", NO, NO, 0, 0, "cldap" },
    { "ldap:///", NO, NO, 0, 0, "no host" },
    { "ldap://127.0.0.1:99999/", NO, NO, 0, 0, "port out of range" },
    { "<ldap://127.0.0.1>", NO, NO, 0, 0, "bracketed form" },
    { "URL:ldap://127.0.0.1", NO, NO, 0, 0, "URL: prefix" },
    { "http://127.0.0.1", NO, NO, 0, 0, "not LDAP" },
};

int
main(void)
{
    char why[160], shown[256];

    for (size_t i = 0; i < sizeof(http) / sizeof(http[0]); i++) {
        CURLU *h = NULL;
        enum pb_status s = pb_url_policy_http(http[i].url, why, sizeof(why));
        tap_is_int(s == PB_OK ? OK : NO, http[i].config, "config %s: %s", http[i].config == OK ? "accepts" : "refuses",
                   http[i].why);
        s = pb_url_policy_curl(http[i].url, &h, why, sizeof(why));
        tap_is_int(s == PB_OK ? OK : NO, http[i].curl, "libcurl %s: %s%s%s", http[i].curl == OK ? "accepts" : "refuses",
                   http[i].why, s == PB_OK ? "" : ": ", s == PB_OK ? "" : why);
        tap_ok((s == PB_OK) == (h != NULL), "a handle exactly when accepted");
        curl_url_cleanup(h);
    }
    for (size_t i = 0; i < sizeof(ldap) / sizeof(ldap[0]); i++) {
        struct pb_url_info info = { -1, -1 };
        enum pb_status s = pb_url_policy_parse(ldap[i].uri, PB_URL_LDAP, &info, why, sizeof(why));
        tap_is_int(s == PB_OK ? OK : NO, ldap[i].config, "config %s: %s", ldap[i].config == OK ? "accepts" : "refuses",
                   ldap[i].why);
        if (s == PB_OK)
            tap_ok(info.tls == ldap[i].tls && info.loopback == ldap[i].loopback, "config: tls %d, loopback %d",
                   info.tls, info.loopback);
        info.tls = info.loopback = -1;
        s = pb_url_policy_ldap(ldap[i].uri, &info, why, sizeof(why));
        tap_is_int(s == PB_OK ? OK : NO, ldap[i].ldap, "libldap %s: %s%s%s", ldap[i].ldap == OK ? "accepts" : "refuses",
                   ldap[i].why, s == PB_OK ? "" : ": ", s == PB_OK ? "" : why);
        if (s == PB_OK)
            tap_ok(info.tls == ldap[i].tls && info.loopback == ldap[i].loopback, "libldap: tls %d, loopback %d",
                   info.tls, info.loopback);
    }

    pb_url_for_log(shown, sizeof(shown), "https://user:secret@id.example/token?refresh=r1");
    tap_is_str(shown, "https://(user information)@id.example/token", "logged without credentials or query");
    pb_url_for_log(shown, sizeof(shown), "https://id.example/a@b?x=@");
    tap_is_str(shown, "https://id.example/a@b", "an @ in the path is not user information");

    {
        /* The plugin refuses before any connection, whatever checked the URL before it. */
        struct pb_log log = { capture, NULL, 1 };
        struct pb_http_request req = { .url = "http://127.0.0.1:1@localhost:1/jwks?x=secret", .connect_timeout = 1,
                                       .timeout = 1, .max_body = 1024 };
        struct pb_http_response resp;
        tap_is_int(pb_http_curl_get(&req, &resp, &log), PB_UNAVAILABLE, "the HTTP plugin refuses userinfo");
        tap_ok(strstr(last_line, "user information") != NULL, "and says why: %s", last_line);
        tap_ok(strstr(last_line, "127.0.0.1:1@") == NULL && strstr(last_line, "secret") == NULL,
               "without logging the user information or the query");
        req.url = "http://evil.example/jwks";
        tap_is_int(pb_http_curl_get(&req, &resp, &log), PB_UNAVAILABLE, "the HTTP plugin refuses plain http off loopback");
        tap_ok(strstr(last_line, "loopback") != NULL, "and says why: %s", last_line);
        pb_http_response_clear(&resp);
    }
    return tap_done();
}
