/* Escaping a user name for LDAP: DN attribute values (RFC 4514 section 2.4)
 * and search filter values (RFC 4515 section 3).  No libldap needed. */
#ifndef PB_LDAP_ESCAPE_H
#define PB_LDAP_ESCAPE_H

#include <stddef.h>

/* Escape value[0..len) for use inside a DN attribute value.  Returns a fresh
 * string (caller frees) or NULL when out of memory. */
char *pb_ldap_escape_dn(const char *value, size_t len);

/* Escape value[0..len) for use inside a search filter assertion value. */
char *pb_ldap_escape_filter(const char *value, size_t len);

/* Expand every "%u" in template with the escaped user name, "%%" to "%".
 * escape is one of the two functions above.  NULL on a bad template (a '%'
 * followed by anything else) or when out of memory. */
/* The template grammar, written once: "%u" is the escaped user name, "%%" a
 * percent sign, and no other '%' sequence exists.  The number of %u, or -1
 * for a bad template. */
int pb_ldap_template_uses(const char *template);

char *pb_ldap_expand(const char *template, const char *user,
                     char *(*escape)(const char *value, size_t len));

#endif
