/* Password logins against LDAP: a simple bind as the user, found by a DN
 * template or by search-then-bind, over TLS.  This part links libldap and is
 * loaded only when a password arrives (lib/plugin.c, from pam/args.c). */
#ifndef PB_LDAP_AUTH_H
#define PB_LDAP_AUTH_H

#include <stddef.h>

#include "status.h"
#include "log.h"
#include "options.h"

/* What the password path may tell the user (not only the log). */
struct pb_ldap_note {
    char text[160];            /* e.g. "Your password expires in 2 days." */
    int is_error;              /* shown as an error rather than as information */
    int must_change;           /* the bind succeeded, but only a password change is allowed
                                * (ppolicy changeAfterReset: an administrator's reset) */
};

/* Bind as user with password.  PB_OK; PB_REJECTED with the verdict (wrong
 * password and unknown user alike: bad-password; empty-password;
 * password-expired; account-locked); PB_UNAVAILABLE when no server could be
 * reached or trusted; PB_CONFIG; PB_NOMEM. */
enum pb_status pb_ldap_authenticate(const struct pb_config *cfg, const char *user, const char *password,
                                    const struct pb_log *log, struct pb_verdict *verdict,
                                    struct pb_ldap_note *note);

/* Account phase: is user a member of cfg->ldap_group (member, uniqueMember
 * or memberUid)?  PB_OK, PB_REJECTED (not-in-group), PB_UNAVAILABLE... */
enum pb_status pb_ldap_check_group(const struct pb_config *cfg, const char *user,
                                   const struct pb_log *log, struct pb_verdict *verdict);

/* The loadable object exports exactly this table. */
struct pb_ldap_ops {
    unsigned version;          /* PB_LDAP_OPS_VERSION */
    enum pb_status (*authenticate)(const struct pb_config *, const char *, const char *,
                                   const struct pb_log *, struct pb_verdict *, struct pb_ldap_note *);
    enum pb_status (*check_group)(const struct pb_config *, const char *, const struct pb_log *,
                                  struct pb_verdict *);
    /* pb_ldap_change_password (ldap-passwd.h) */
    enum pb_status (*change_password)(const struct pb_config *, const char *, const char *, const char *,
                                      const struct pb_log *, struct pb_verdict *, struct pb_ldap_note *);
};

#define PB_LDAP_OPS_VERSION 3  /* 2: pb_ldap_note.must_change; 3: change_password */
#define PB_LDAP_OPS_SYMBOL "pb_ldap_ops_v1"

#endif
