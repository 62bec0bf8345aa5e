/* Unit tests for lib/ldap-auth.c, what is decided before any server is
 * contacted: bad user names, an empty password (never sent: an empty simple
 * bind is an anonymous bind that "succeeds"), and no ldap_uri.  The binds
 * and the group search themselves run against the loopback slapd of
 * tests/fixtures/slapd.sh in tests/pam/ldap-t.sh. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ldap-auth.h"
#include "log-capture.h"
#include "tap.h"

static struct pb_config none, unreachable;
static struct pb_verdict v;
static struct pb_ldap_note note;
static const struct pb_log log_to = { capture, NULL, 1 };

static enum pb_status
login(const struct pb_config *cfg, const char *user, const char *password)
{
    memset(&v, 0, sizeof(v));
    memset(&note, 'x', sizeof(note));   /* must be cleared */
    capture_reset();
    return pb_ldap_authenticate(cfg, user, password, &log_to, &v, &note);
}

static enum pb_status
group(const struct pb_config *cfg, const char *user)
{
    memset(&v, 0, sizeof(v));
    capture_reset();
    return pb_ldap_check_group(cfg, user, &log_to, &v);
}

static void
test_before_any_server(const struct pb_config *cfg, const char *which)
{
    char long_name[258];

    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';

    tap_is_int(login(cfg, "alice", ""), PB_REJECTED, "%s: an empty password never goes to LDAP", which);
    tap_is_int(v.reason, PB_R_EMPTY_PASSWORD, "... empty-password");
    tap_is_int(log_lines, 0, "... no server tried");
    tap_ok(note.text[0] == '\0' && !note.is_error && !note.must_change, "... the note cleared");
    tap_is_int(login(cfg, "alice", NULL), PB_REJECTED, "%s: no password at all is refused too", which);
    tap_is_int(v.reason, PB_R_EMPTY_PASSWORD, "... empty-password");

    tap_is_int(login(cfg, "", "secret"), PB_REJECTED, "%s: an empty user name is refused", which);
    tap_is_int(v.reason, PB_R_BAD_PASSWORD, "... as a bad password");
    tap_is_int(log_lines, 0, "... no server tried");
    tap_is_int(login(cfg, "ali\nce", "secret"), PB_REJECTED, "%s: a user name with a newline is refused", which);
    tap_is_int(login(cfg, long_name, "secret"), PB_REJECTED, "%s: a 257-byte user name is refused", which);
    tap_is_int(v.reason, PB_R_BAD_PASSWORD, "... as a bad password");

    tap_is_int(group(cfg, ""), PB_REJECTED, "%s: group check of an empty user name: refused", which);
    tap_is_int(v.reason, PB_R_NOT_IN_GROUP, "... as not in the group");
    tap_is_int(log_lines, 0, "... no server tried");
    tap_is_int(group(cfg, "bob\x7f"), PB_REJECTED, "%s: group check of a name with DEL: refused", which);
}

int
main(void)
{
    char err[256];

    if (pb_config_init(&none) != PB_OK || pb_config_init(&unreachable) != PB_OK)
        abort();
    /* A server that is never there (port 1 on loopback): what is refused
     * before any contact is refused the same with or without it. */
    if (pb_config_apply(&unreachable, "ldap_uri=ldaps://127.0.0.1:1", PB_W_MODULE, err, sizeof(err)) != PB_OK) {
        fprintf(stderr, "ldap_uri: %s\n", err);
        abort();
    }
    tap_is_int(unreachable.ldap_uris.count, 1, "one ldap_uri configured");

    test_before_any_server(&none, "no ldap_uri");
    test_before_any_server(&unreachable, "an ldap_uri");

    tap_is_int(login(&none, "alice", "secret"), PB_UNAVAILABLE, "no ldap_uri: a password login is unavailable");
    tap_is_int(v.reason, PB_R_NONE, "... with no verdict");
    tap_ok(note.text[0] == '\0' && !note.is_error, "... and no note");
    tap_ok(strstr(last_line, "no LDAP server could be reached (0 tried)") != NULL, "... logged: %s", last_line);
    tap_is_int(group(&none, "alice"), PB_UNAVAILABLE, "no ldap_uri: the group check is unavailable");
    tap_is_int(v.reason, PB_R_NONE, "... with no verdict");

    pb_config_free(&none);
    pb_config_free(&unreachable);
    return tap_done();
}
