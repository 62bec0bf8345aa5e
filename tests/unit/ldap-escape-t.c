/* Escaping user names for DNs (RFC 4514) and filters (RFC 4515). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ldap-escape.h"
#include "tap.h"

static void
dn_is(const char *in, const char *want)
{
    char *got = pb_ldap_escape_dn(in, strlen(in));
    tap_is_str(got, want, "DN value \"%s\"", in);
    free(got);
}

static void
filter_is(const char *in, const char *want)
{
    char *got = pb_ldap_escape_filter(in, strlen(in));
    tap_is_str(got, want, "filter value \"%s\"", in);
    free(got);
}

int
main(void)
{
    char *s;

    dn_is("alice", "alice");
    dn_is("a,b", "a\\,b");
    dn_is("o'brien+x,y", "o'brien\\+x\\,y");
    dn_is("\"q\"<>;=\\", "\\\"q\\\"\\<\\>\\;\\=\\\\");
    dn_is(" lead", "\\ lead");
    dn_is("trail ", "trail\\ ");
    dn_is("#hash", "\\#hash");
    dn_is("mid#dle sp", "mid#dle sp");
    dn_is("new\nline", "new\\0aline");
    dn_is("pässwörd", "pässwörd");

    filter_is("alice", "alice");
    filter_is("*", "\\2a");
    filter_is(")(uid=*", "\\29\\28uid=\\2a");
    filter_is("a\\b", "a\\5cb");
    filter_is("x(y)", "x\\28y\\29");
    {
        char *got = pb_ldap_escape_filter("a\0b", 3);
        tap_is_str(got, "a\\00b", "filter value with NUL");
        free(got);
    }

    s = pb_ldap_expand("uid=%u,ou=people,dc=example,dc=com", "a,b", pb_ldap_escape_dn);
    tap_is_str(s, "uid=a\\,b,ou=people,dc=example,dc=com", "DN template expands with escaping");
    free(s);
    s = pb_ldap_expand("(&(objectClass=posixAccount)(uid=%u))", "*)(uid=*", pb_ldap_escape_filter);
    tap_is_str(s, "(&(objectClass=posixAccount)(uid=\\2a\\29\\28uid=\\2a))", "filter template expands with escaping");
    free(s);
    s = pb_ldap_expand("(|(uid=%u)(mail=%u@x))", "bob", pb_ldap_escape_filter);
    tap_is_str(s, "(|(uid=bob)(mail=bob@x))", "every %%u is replaced");
    free(s);
    s = pb_ldap_expand("100%%(uid=%u)", "bob", pb_ldap_escape_filter);
    tap_is_str(s, "100%(uid=bob)", "%% is a literal percent");
    free(s);
    s = pb_ldap_expand("(uid=%s)", "bob", pb_ldap_escape_filter);
    tap_ok(s == NULL, "unknown %% sequence refused");
    free(s);
    return tap_done();
}
