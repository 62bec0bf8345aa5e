/* One connection to one LDAP server and what every LDAP operation of the
 * module starts with (inside pam_bearer-ldap.so only; links libldap). */
#ifndef PB_LDAP_SESSION_H
#define PB_LDAP_SESSION_H

#include <stddef.h>

#include <ldap.h>

#include "log.h"
#include "options.h"
#include "status.h"

/* One server's answer, sorted into what the caller must do next. */
enum pb_ldap_server {
    PB_LDAP_SERVER_DONE,        /* a final answer: the status says which */
    PB_LDAP_SERVER_DOWN         /* unreachable or untrusted: try the next URI */
};

struct pb_ldap_session {
    const struct pb_config *cfg;
    const struct pb_log *log;
    const char *uri;
    LDAP *ld;                   /* NULL until opened, and after closing */
};

/* Non-zero if the LDAP result code rc means the server is gone (try another). */
int pb_ldap_session_is_down(int rc);

/* Connect to s->uri with TLS verified (StartTLS when configured); logged
 * and PB_LDAP_SERVER_DOWN on any failure. */
enum pb_ldap_server pb_ldap_session_open(struct pb_ldap_session *s);
void pb_ldap_session_close(struct pb_ldap_session *s);

/* A simple bind asking for the password-policy response control; the
 * policy's error, seconds to expiry and grace logins left (-1: none) come
 * back.  Returns the LDAP result code.  The password is not copied here. */
int pb_ldap_session_bind(struct pb_ldap_session *s, const char *dn, const char *password, size_t password_len,
                         LDAPPasswordPolicyError *pp_error, int *pp_expire, int *pp_grace);

/* Wait (ldap_timeout) for the answer to msgid, read its result code and its
 * password-policy response control.  Returns the LDAP result code (a
 * timeout is LDAP_TIMEOUT); *pp_error, and *pp_expire and *pp_grace when not
 * NULL (-1: none), come back, and the server's diagnostic in *text when text
 * is not NULL (NULL or freed by the caller with ldap_memfree). */
int pb_ldap_session_wait(struct pb_ldap_session *s, int msgid, char **text, LDAPPasswordPolicyError *pp_error,
                         int *pp_expire, int *pp_grace);

/* One server asked one thing: PB_LDAP_SERVER_DOWN to try the next, or
 * PB_LDAP_SERVER_DONE with *status final.  ctx is the caller's. */
typedef enum pb_ldap_server (*pb_ldap_server_fn)(struct pb_ldap_session *s, void *ctx, enum pb_status *status);

/* Asks each ldap_uri in turn (a session with s->ld NULL) until one gives a
 * final answer and returns its status; PB_UNAVAILABLE, logged, when none
 * could be reached or no ldap_uri is set. */
enum pb_status pb_ldap_session_each(const struct pb_config *cfg, const struct pb_log *log, pb_ldap_server_fn ask,
                                    void *ctx);

/* Bind as the service account; PB_OK with the bind's result code in
 * *rc_out, or the status of reading its password file. */
enum pb_status pb_ldap_session_service_bind(struct pb_ldap_session *s, int *rc_out);

/* The user's DN (the caller frees *dn): from ldap_user_dn, or searched for
 * with the service account.  PB_REJECTED (verdict set) when there is not
 * exactly one entry; *rc is the last LDAP result code. */
enum pb_status pb_ldap_session_user_dn(struct pb_ldap_session *s, const char *user, char **dn, int *rc,
                                       struct pb_verdict *verdict);

/* What the password policy said about a user's bind. */
struct pb_ldap_bound {
    LDAPPasswordPolicyError pp; /* PP_noError, or the policy's error */
    int expire;                 /* seconds to expiry, -1: no warning */
    int grace;                  /* grace logins left, -1: none used */
};

/* The first steps of a login and of a password change: connect, find the
 * user's DN, bind as the user.  PB_LDAP_SERVER_DOWN (logged) to try the
 * next server; else *status is PB_OK (bound as the user, the session open),
 * PB_REJECTED with the verdict (bad-password, account-locked,
 * password-expired) or another failure.  The caller closes the session. */
enum pb_ldap_server pb_ldap_session_bind_user(struct pb_ldap_session *s, const char *user, const char *password,
                                              struct pb_ldap_bound *bound, enum pb_status *status,
                                              struct pb_verdict *verdict);

/* Non-zero if the user name may go to a server (length, no control
 * characters); otherwise the verdict says why. */
int pb_ldap_session_user_ok(const char *user, struct pb_verdict *verdict);

#endif
