/* Which URLs pam_bearer will use: https:// (and ldaps:// or ldap:// with
 * StartTLS) anywhere, plain http:// or ldap:// to loopback only, and never
 * user information (it would fool a host check and end up in logs).
 *
 * Three checks, one policy.  pb_url_policy_parse() runs without libcurl or
 * libldap (the module and bearer-token link neither) and is stricter than
 * either parser, so that what it accepts they read the same way; it gives
 * administrators their error when the configuration is read.  The parsers
 * themselves have the last word right before a URL is used:
 * pb_url_policy_curl() (url-policy-curl.h, in the HTTP plugin) and
 * pb_url_policy_ldap() (in the LDAP plugin). */
#ifndef PB_URL_POLICY_H
#define PB_URL_POLICY_H

#include <stddef.h>

#include "status.h"

enum pb_url_family { PB_URL_HTTP, PB_URL_LDAP };

struct pb_url_info {
    int tls;                    /* https or ldaps */
    int loopback;               /* the host is a loopback address or localhost */
};

/* A host as a URL parser returns it ("localhost", "127.0.0.1", "[::1]" or
 * "::1"): 1 for localhost, 127.0.0.0/8 and ::1, else 0. */
int pb_url_host_is_loopback(const char *host);

/* Does s start with http:// or https:// (in any case)? */
int pb_url_is_http(const char *s);

/* Syntax only, stricter than libcurl and libldap: scheme of the family (any
 * case), "://", a host (letters, digits, . - _, or a bracketed IPv6
 * address), an optional port, then for HTTP any path, for LDAP at most "/".
 * No user information, no percent-encoding in the host, no whitespace or
 * control characters.  PB_CONFIG with the reason in why. */
enum pb_status pb_url_policy_parse(const char *url, enum pb_url_family family, struct pb_url_info *info,
                                   char *why, size_t whylen);

/* pb_url_policy_parse() for HTTP, and plain http:// to loopback only. */
enum pb_status pb_url_policy_http(const char *url, char *why, size_t whylen);

/* One ldap_uri element through libldap's own parser (lib/url-policy-ldap.c,
 * in libbearer-ldap.la): ldap or ldaps, one server, a host, no user
 * information, no DN, attributes, filter or extensions (bindname would carry
 * credentials).  Says whether it is TLS and loopback; PB_CONFIG with why. */
enum pb_status pb_url_policy_ldap(const char *uri, struct pb_url_info *info, char *why, size_t whylen);

/* url as it may be logged: sanitized, without user information (replaced by
 * a marker) and without query or fragment. */
void pb_url_for_log(char *out, size_t cap, const char *url);

#endif
