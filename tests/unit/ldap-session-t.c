/* Unit tests for lib/ldap-session.c, its pure parts: which LDAP result codes
 * mean "try the next server", and which user names may go to a server.
 * Connections, binds and searches are tested against the loopback slapd of
 * tests/fixtures/slapd.sh by tests/pam/ldap-t.sh. */
#include <string.h>

#include "ldap-session.h"
#include "tap.h"

int
main(void)
{
    static const int down[] = { LDAP_SERVER_DOWN, LDAP_CONNECT_ERROR, LDAP_TIMEOUT, LDAP_UNAVAILABLE, LDAP_BUSY };
    static const int final[] = { LDAP_SUCCESS, LDAP_INVALID_CREDENTIALS, LDAP_NO_SUCH_OBJECT,
                                 LDAP_INSUFFICIENT_ACCESS, LDAP_CONSTRAINT_VIOLATION, LDAP_UNWILLING_TO_PERFORM };
    struct pb_verdict v;
    char name[300];

    for (size_t i = 0; i < sizeof(down) / sizeof(down[0]); i++)
        tap_ok(pb_ldap_session_is_down(down[i]), "%s: the server is gone, try the next", ldap_err2string(down[i]));
    for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
        tap_ok(!pb_ldap_session_is_down(final[i]), "%s: a final answer", ldap_err2string(final[i]));

    memset(&v, 0, sizeof(v));
    tap_ok(pb_ldap_session_user_ok("alice", &v), "alice may go to a server");
    tap_is_int(v.reason, PB_R_NONE, "... no verdict");
    tap_ok(pb_ldap_session_user_ok("Jos\xc3\xa9 O'Brien (ops)", &v), "UTF-8, spaces and punctuation may go");
    tap_ok(!pb_ldap_session_user_ok("", &v), "an empty user name may not");
    tap_is_int(v.reason, PB_R_BAD_PASSWORD, "... refused as a bad password");
    tap_ok(strstr(v.detail, "empty") != NULL, "... saying why");
    memset(name, 'a', 256);
    name[256] = '\0';
    tap_ok(pb_ldap_session_user_ok(name, &v), "a 256-byte name may go");
    name[256] = 'a';
    name[257] = '\0';
    memset(&v, 0, sizeof(v));
    tap_ok(!pb_ldap_session_user_ok(name, &v), "a 257-byte name may not");
    tap_is_int(v.reason, PB_R_BAD_PASSWORD, "... refused as a bad password");
    memset(&v, 0, sizeof(v));
    tap_ok(!pb_ldap_session_user_ok("alice\nuid=root", &v), "a newline may not");
    tap_ok(strstr(v.detail, "control character") != NULL, "... a control character");
    tap_ok(!pb_ldap_session_user_ok("alice\x7f", &v), "DEL may not");
    tap_ok(!pb_ldap_session_user_ok("\talice", &v), "a tab may not");
    return tap_done();
}
