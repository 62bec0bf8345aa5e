/* Changing a user's LDAP password with the Password Modify extended
 * operation (RFC 3062), bound as the user with the old password. */
#ifndef PB_LDAP_PASSWD_H
#define PB_LDAP_PASSWD_H

#include "ldap-auth.h"

/* Longest old or new password sent for a change, in bytes. */
#define PB_LDAP_PASSWORD_MAX 1024

/* Bind as user with old_password, then replace it with new_password, asking
 * for the password policy control.  PB_OK when the directory changed it;
 * PB_REJECTED with the verdict (bad-password for a wrong old password,
 * empty-password, too-large, password-expired, account-locked, the
 * policy's refusals password-too-short, password-in-history,
 * password-too-young, password-quality, change-not-allowed,
 * old-password-required, and change-refused for any other) and a sentence
 * for the user in note; PB_UNAVAILABLE when no server could be reached, or
 * the connection broke after the change was sent (it may or may not have
 * happened: no other server is asked); PB_CONFIG; PB_NOMEM.  The passwords
 * are the caller's; the request encoded here is wiped. */
enum pb_status pb_ldap_change_password(const struct pb_config *cfg, const char *user, const char *old_password,
                                       const char *new_password, const struct pb_log *log,
                                       struct pb_verdict *verdict, struct pb_ldap_note *note);

#endif
