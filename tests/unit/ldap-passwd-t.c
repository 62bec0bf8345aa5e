/* Unit tests for lib/ldap-passwd.c, what is decided before any server is
 * asked: bad user names, empty and oversized passwords, and no server at
 * all.  The Password Modify exchange itself is tested against the loopback
 * slapd of tests/fixtures/slapd.sh by tests/pam/ldap-t.sh. */
#include <stdlib.h>
#include <string.h>

#include "ldap-passwd.h"
#include "tap.h"

static struct pb_config cfg;
static struct pb_verdict v;
static struct pb_ldap_note note;
static const struct pb_log quiet = { NULL, NULL, 0 };

static enum pb_status
change(const char *user, const char *old_pw, const char *new_pw)
{
    memset(&v, 0, sizeof(v));
    memset(&note, 'x', sizeof(note));   /* must be cleared */
    return pb_ldap_change_password(&cfg, user, old_pw, new_pw, &quiet, &v, &note);
}

int
main(void)
{
    char *big = malloc(PB_LDAP_PASSWORD_MAX + 2);

    if (big == NULL || pb_config_init(&cfg) != PB_OK)
        abort();
    memset(big, 'p', PB_LDAP_PASSWORD_MAX + 1);
    big[PB_LDAP_PASSWORD_MAX + 1] = '\0';

    tap_is_int(change("", "old", "new"), PB_REJECTED, "an empty user name is refused");
    tap_is_int(v.reason, PB_R_BAD_PASSWORD, "... as a bad password");
    tap_is_int(change("ali\nce", "old", "new"), PB_REJECTED, "a user name with a newline is refused");

    tap_is_int(change("alice", "", "new"), PB_REJECTED, "an empty current password never goes to LDAP");
    tap_is_int(v.reason, PB_R_EMPTY_PASSWORD, "... empty-password");
    tap_ok(strstr(v.detail, "current") != NULL, "... naming the current password");
    tap_ok(note.is_error && strstr(note.text, "empty password") != NULL, "... and the user is told");
    tap_is_int(change("alice", NULL, "new"), PB_REJECTED, "no current password: refused");
    tap_is_int(change("alice", "old", ""), PB_REJECTED, "an empty new password is refused");
    tap_ok(strstr(v.detail, "new") != NULL, "... naming the new password");

    tap_is_int(change("alice", big, "new"), PB_REJECTED, "a current password over %d bytes is refused",
               PB_LDAP_PASSWORD_MAX);
    tap_is_int(v.reason, PB_R_TOO_LARGE, "... too-large");
    tap_ok(strstr(note.text, "too long") != NULL, "... and the user is told");
    tap_is_int(change("alice", "old", big), PB_REJECTED, "a new password over the bound is refused");
    big[PB_LDAP_PASSWORD_MAX] = '\0';
    tap_ok(change("alice", "old", big) != PB_REJECTED || v.reason != PB_R_TOO_LARGE,
           "a password of exactly %d bytes is not too large", PB_LDAP_PASSWORD_MAX);

    tap_is_int(change("alice", "old", "new"), PB_UNAVAILABLE, "no ldap_uri: unavailable");
    tap_is_int(v.reason, PB_R_NONE, "... with no verdict");
    tap_ok(note.text[0] == '\0' && !note.is_error, "... and no note");

    pb_config_free(&cfg);
    free(big);
    return tap_done();
}
