/* The URL policy without a URL library: loopback hosts, and a strict syntax
 * check for the configuration (see url-policy.h for why there are three). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "url-policy.h"

#define HOST_MAX 256

static const char *const schemes[][2] = {
    [PB_URL_HTTP] = { "https", "http" },
    [PB_URL_LDAP] = { "ldaps", "ldap" },
};

int
pb_url_host_is_loopback(const char *host)
{
    char inner[64];
    size_t n = strlen(host);
    struct in_addr a4;
    struct in6_addr a6;

    if (strcasecmp(host, "localhost") == 0)
        return 1;
    /* A real dotted address in 127.0.0.0/8, not a name that starts with "127." */
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        if (n - 2 >= sizeof(inner))
            return 0;
        memcpy(inner, host + 1, n - 2);
        inner[n - 2] = '\0';
        host = inner;
    }
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int
pb_url_is_http(const char *s)
{
    return strncasecmp(s, "https://", 8) == 0 || strncasecmp(s, "http://", 7) == 0;
}

static int
is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
        || c == '_';
}

static int
is_ipv6_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* The host of an authority without user information: a name or dotted
 * address, or a bracketed IPv6 address; its length, 0 if there is none. */
static size_t
host_length(const char *auth, size_t authlen)
{
    size_t n = 0;

    if (authlen > 0 && auth[0] == '[') {
        for (n = 1; n < authlen && is_ipv6_char(auth[n]); n++)
            ;
        return n < authlen && auth[n] == ']' && n > 1 ? n + 1 : 0;
    }
    while (n < authlen && is_name_char(auth[n]))
        n++;
    return n;
}

/* ":" and 1 to 5 digits, 1 to 65535, and nothing else. */
static int
port_ok(const char *p, size_t len)
{
    long port = 0;

    if (len < 2 || len > 6 || p[0] != ':')
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        port = port * 10 + (p[i] - '0');
    }
    return port >= 1 && port <= 65535;
}

enum pb_status
pb_url_policy_parse(const char *url, enum pb_url_family family, struct pb_url_info *info, char *why,
                    size_t whylen)
{
    const char *sep = strstr(url, "://"), *auth;
    size_t scheme_len, authlen, hostlen;
    char host[HOST_MAX];
    int which = -1;

    for (const char *p = url; *p != '\0'; p++) {
        if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f) {
            snprintf(why, whylen, "whitespace, control or non-ASCII characters in a URL");
            return PB_CONFIG;
        }
    }
    scheme_len = sep != NULL ? (size_t) (sep - url) : 0;
    for (int i = 0; i < 2; i++)
        if (scheme_len == strlen(schemes[family][i]) && strncasecmp(url, schemes[family][i], scheme_len) == 0)
            which = i;
    if (which < 0) {
        snprintf(why, whylen, "expected a %s:// or %s:// URL", schemes[family][0], schemes[family][1]);
        return PB_CONFIG;
    }
    auth = sep + 3;
    authlen = strcspn(auth, "/?#");
    /* user:password@host would put a secret in logs, and fools host checks
     * that stop at the first ':' (http://127.0.0.1:80@elsewhere/). */
    if (memchr(auth, '@', authlen) != NULL) {
        snprintf(why, whylen, "user information (user@) is not allowed in a URL");
        return PB_CONFIG;
    }
    hostlen = host_length(auth, authlen);
    if (hostlen == 0 || hostlen >= sizeof(host) || (hostlen < authlen && !port_ok(auth + hostlen, authlen - hostlen))) {
        snprintf(why, whylen, "expected a host name, an IPv4 address or a bracketed IPv6 address, "
                 "and an optional port from 1 to 65535");
        return PB_CONFIG;
    }
    if (family == PB_URL_LDAP && auth[authlen] != '\0' && strcmp(auth + authlen, "/") != 0) {
        snprintf(why, whylen, "an LDAP URI names a server only (no DN, attributes, filter or extensions)");
        return PB_CONFIG;
    }
    memcpy(host, auth, hostlen);
    host[hostlen] = '\0';
    info->tls = which == 0;
    info->loopback = pb_url_host_is_loopback(host);
    return PB_OK;
}

enum pb_status
pb_url_policy_http(const char *url, char *why, size_t whylen)
{
    struct pb_url_info info;

    if (pb_url_policy_parse(url, PB_URL_HTTP, &info, why, whylen) != PB_OK)
        return PB_CONFIG;
    if (!info.tls && !info.loopback) {
        snprintf(why, whylen, "plain http:// is allowed to loopback addresses only");
        return PB_CONFIG;
    }
    return PB_OK;
}

void
pb_url_for_log(char *out, size_t cap, const char *url)
{
    const char *sep = strstr(url, "://");
    const char *auth = sep != NULL ? sep + 3 : url;
    size_t authlen = strcspn(auth, "/?#"), end = strcspn(url, "?#");
    const char *at = NULL;
    char joined[512];

    /* Never the user information nor the query (a refresh token may ride there). */
    for (size_t i = 0; i < authlen; i++)
        if (auth[i] == '@')
            at = auth + i;
    if (at == NULL || (size_t) (at - url) >= end) {
        pb_log_sanitize(out, cap, url, end);
        return;
    }
    snprintf(joined, sizeof(joined), "%.*s(user information)%.*s", (int) (auth - url), url,
             (int) (end - (size_t) (at - url)), at);
    pb_log_sanitize(out, cap, joined, strlen(joined));
}
