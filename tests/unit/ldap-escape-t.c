/* Escaping user names for DNs (RFC 4514) and filters (RFC 4515). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ldap-escape.h"
#include "tap.h"

/* One escaper's expected output for one input. */
struct escape_case {
    char *(*escape)(const char *value, size_t len);
    const char *in;
    size_t len;             /* 0: strlen(in) */
    const char *want;
};

static const struct escape_case cases[] = {
    { pb_ldap_escape_dn, "alice", 0, "alice" },
    { pb_ldap_escape_dn, "a,b", 0, "a\\,b" },
    { pb_ldap_escape_dn, "o'brien+x,y", 0, "o'brien\\+x\\,y" },
    { pb_ldap_escape_dn, "\"q\"<>;=\\", 0, "\\\"q\\\"\\<\\>\\;\\=\\\\" },
    { pb_ldap_escape_dn, " lead", 0, "\\ lead" },
    { pb_ldap_escape_dn, "trail ", 0, "trail\\ " },
    { pb_ldap_escape_dn, "#hash", 0, "\\#hash" },
    { pb_ldap_escape_dn, "mid#dle sp", 0, "mid#dle sp" },
    { pb_ldap_escape_dn, "new\nline", 0, "new\\0aline" },
    { pb_ldap_escape_dn, "pässwörd", 0, "pässwörd" },
    { pb_ldap_escape_filter, "alice", 0, "alice" },
    { pb_ldap_escape_filter, "*", 0, "\\2a" },
    { pb_ldap_escape_filter, ")(uid=*", 0, "\\29\\28uid=\\2a" },
    { pb_ldap_escape_filter, "a\\b", 0, "a\\5cb" },
    { pb_ldap_escape_filter, "x(y)", 0, "x\\28y\\29" },
    { pb_ldap_escape_filter, "a\0b", 3, "a\\00b" },
};

/* A %u template expanded for one user; want NULL: refused. */
struct expand_case {
    const char *template;
    const char *user;
    char *(*escape)(const char *value, size_t len);
    const char *want;
    const char *name;
};

static const struct expand_case expansions[] = {
    { "uid=%u,ou=people,dc=example,dc=com", "a,b", pb_ldap_escape_dn, "uid=a\\,b,ou=people,dc=example,dc=com",
      "DN template expands with escaping" },
    { "(&(objectClass=posixAccount)(uid=%u))", "*)(uid=*", pb_ldap_escape_filter,
      "(&(objectClass=posixAccount)(uid=\\2a\\29\\28uid=\\2a))", "filter template expands with escaping" },
    { "(|(uid=%u)(mail=%u@x))", "bob", pb_ldap_escape_filter, "(|(uid=bob)(mail=bob@x))", "every %u is replaced" },
    { "100%%(uid=%u)", "bob", pb_ldap_escape_filter, "100%(uid=bob)", "% is a literal percent" },
    { "(uid=%s)", "bob", pb_ldap_escape_filter, NULL, "unknown % sequence refused" },
};

int
main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct escape_case *c = &cases[i];
        char *got = c->escape(c->in, c->len != 0 ? c->len : strlen(c->in));
        tap_is_str(got, c->want, "%s value \"%s\"%s", c->escape == pb_ldap_escape_dn ? "DN" : "filter", c->in,
                   c->len != 0 ? " (with a NUL)" : "");
        free(got);
    }

    for (size_t i = 0; i < sizeof(expansions) / sizeof(expansions[0]); i++) {
        const struct expand_case *c = &expansions[i];
        char *got = pb_ldap_expand(c->template, c->user, c->escape);
        if (c->want != NULL)
            tap_is_str(got, c->want, "%s", c->name);
        else
            tap_ok(got == NULL, "%s", c->name);
        free(got);
    }
    return tap_done();
}
