/* RFC 4514 and RFC 4515 escaping of user-supplied names. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldap-escape.h"

static const char hexdigits[] = "0123456789abcdef";

/* How one byte of a value is written out. */
enum form {
    AS_IS,
    BACKSLASH,      /* "\c" */
    HEX,            /* "\xx" */
};

/* The value in a fresh string, each byte written as form_of says. */
static char *
escape_with(const char *value, size_t len, enum form (*form_of)(unsigned char c, size_t i, size_t len))
{
    /* Worst case every byte becomes "\xx". */
    char *out = malloc(len * 3 + 1), *p = out;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) value[i];
        switch (form_of(c, i, len)) {
        case HEX:
            *p++ = '\\';
            *p++ = hexdigits[c >> 4];
            *p++ = hexdigits[c & 15];
            break;
        case BACKSLASH:
            *p++ = '\\';
            *p++ = (char) c;
            break;
        default:
            *p++ = (char) c;
            break;
        }
    }
    *p = '\0';
    return out;
}

/* RFC 4514 2.4: control bytes in hex, the specials after a backslash, and a
 * leading space or '#', and a trailing space, too. */
static enum form
dn_form(unsigned char c, size_t i, size_t len)
{
    if (c < 0x20 || c == 0x7f)
        return HEX;
    if (strchr(",+\"\\<>;=", c) != NULL || (i == 0 && (c == ' ' || c == '#')) || (i == len - 1 && c == ' '))
        return BACKSLASH;
    return AS_IS;
}

/* RFC 4515 3: the filter's specials and control bytes, in hex. */
static enum form
filter_form(unsigned char c, size_t i, size_t len)
{
    (void) i;
    (void) len;
    return c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c == 0x7f ? HEX : AS_IS;
}

char *
pb_ldap_escape_dn(const char *value, size_t len)
{
    return escape_with(value, len, dn_form);
}

char *
pb_ldap_escape_filter(const char *value, size_t len)
{
    return escape_with(value, len, filter_form);
}

int
pb_ldap_template_uses(const char *template)
{
    int uses = 0;

    for (const char *t = template; *t != '\0'; t++) {
        if (*t != '%')
            continue;
        if (t[1] == 'u')
            uses++;
        else if (t[1] != '%')
            return -1;
        t++;
    }
    return uses;
}

char *
pb_ldap_expand(const char *template, const char *user, char *(*escape)(const char *value, size_t len))
{
    char *escaped = escape(user, strlen(user)), *out = NULL, *p;
    int uses = pb_ldap_template_uses(template);
    size_t len;

    if (escaped == NULL)
        return NULL;
    if (uses < 0)
        goto done;
    len = strlen(template) + (size_t) uses * strlen(escaped) + 1;
    out = malloc(len);
    if (out == NULL)
        goto done;
    for (p = out; *template != '\0'; template++) {
        if (*template == '%' && template[1] == 'u') {
            p = stpcpy(p, escaped);
            template++;
        } else if (*template == '%') {
            *p++ = '%';
            template++;
        } else {
            *p++ = *template;
        }
    }
    *p = '\0';
done:
    free(escaped);
    return out;
}
