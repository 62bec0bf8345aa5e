/* The LDAP URI policy through libldap's own parser, right before
 * ldap_initialize() reads the same string. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "url-policy.h"

static int
host_chars_ok(const char *host)
{
    /* ldap_url_parse leaves "user@" and stray spaces in the host. */
    for (const char *p = host; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.'
              || *p == '-' || *p == '_' || *p == ':'))
            return 0;
    return 1;
}

enum pb_status
pb_url_policy_ldap(const char *uri, struct pb_url_info *info, char *why, size_t whylen)
{
    LDAPURLDesc *d = NULL;
    enum pb_status status = PB_CONFIG;
    size_t scheme_len;

    if (!ldap_is_ldap_url(uri) || ldap_url_parse(uri, &d) != LDAP_URL_SUCCESS) {
        snprintf(why, whylen, "not an LDAP URI libldap accepts");
        goto done;
    }
    scheme_len = strlen(d->lud_scheme);
    /* Not "<ldap://...>" nor "URL:ldap://...": ldap_initialize reads uri itself. */
    if ((strcasecmp(d->lud_scheme, "ldaps") != 0 && strcasecmp(d->lud_scheme, "ldap") != 0)
        || strncasecmp(uri, d->lud_scheme, scheme_len) != 0 || strncmp(uri + scheme_len, "://", 3) != 0) {
        snprintf(why, whylen, "expected an ldaps:// or ldap:// URI");
        goto done;
    }
    if (d->lud_next != NULL) {
        snprintf(why, whylen, "one server per ldap_uri item");
        goto done;
    }
    if (d->lud_host == NULL || d->lud_host[0] == '\0') {
        snprintf(why, whylen, "no host (libldap would choose a server)");
        goto done;
    }
    if (strchr(d->lud_host, '@') != NULL) {
        snprintf(why, whylen, "user information (user@) is not allowed in a URL");
        goto done;
    }
    if (!host_chars_ok(d->lud_host) || d->lud_port < 1 || d->lud_port > 65535) {
        snprintf(why, whylen, "expected a host name or address and an optional port from 1 to 65535");
        goto done;
    }
    /* Extensions such as bindname would carry credentials; the rest is ignored by a bind. */
    if ((d->lud_dn != NULL && d->lud_dn[0] != '\0') || d->lud_attrs != NULL || d->lud_filter != NULL
        || d->lud_exts != NULL) {
        snprintf(why, whylen, "an LDAP URI names a server only (no DN, attributes, filter or extensions)");
        goto done;
    }
    info->tls = strcasecmp(d->lud_scheme, "ldaps") == 0;
    info->loopback = pb_url_host_is_loopback(d->lud_host);
    status = PB_OK;
done:
    ldap_free_urldesc(d);
    return status;
}
