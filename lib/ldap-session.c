/* One connection to one LDAP server, made safe (TLS, timeouts, no
 * referrals), and the binds and the DN lookup every LDAP operation of the
 * module starts with: the password login, the group check and the password
 * change share this code. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "ldap-escape.h"
#include "ldap-session.h"
#include "metrics.h"
#include "secret.h"
#include "url-policy.h"

#define BINDPW_MAX 1024

int
pb_ldap_session_is_down(int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT
        || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

/* A user's ldaprc that someone other than us owns or may write: it could
 * choose the certificates the bind trusts. */
static int
foreign_file(const char *dir, const char *dot, const char *name, const struct pb_log *log)
{
    char path[4096];
    struct stat st;

    if (name == NULL || (size_t) snprintf(path, sizeof(path), "%s%s%s%s", dir != NULL ? dir : "",
                                          dir != NULL ? "/" : "", dot, name) >= sizeof(path))
        return 0;
    if (stat(path, &st) != 0 || ((st.st_uid == 0 || st.st_uid == geteuid()) && (st.st_mode & 022) == 0))
        return 0;
    pb_log(log, LOG_ERR, "unavailable: ldap: %s would configure libldap, and it is not root's or others may "
           "write it: no password is sent (remove it, or start the service elsewhere)", path);
    return 1;
}

/* Where libldap reads a user's configuration (ldap.conf(5)) when the real
 * and effective uid are equal, as in a service run by root: ldaprc and
 * .ldaprc in HOME, ldaprc in the working directory, and the same for the
 * name LDAPRC gives. */
static int
foreign_ldaprc(const struct pb_log *log)
{
    const char *home = getenv("HOME"), *rc = getenv("LDAPRC");

    if (getuid() != geteuid())
        return 0;   /* libldap reads no user file then */
    return (home != NULL && (foreign_file(home, "", "ldaprc", log) || foreign_file(home, ".", "ldaprc", log)))
        || foreign_file(NULL, "", "ldaprc", log)
        || (rc != NULL && home != NULL && (foreign_file(home, "", rc, log) || foreign_file(home, ".", rc, log)))
        || (rc != NULL && foreign_file(NULL, "", rc, log));
}

/* Open and secure a connection to one URI; PB_LDAP_SERVER_DOWN on any failure. */
enum pb_ldap_server
pb_ldap_session_open(struct pb_ldap_session *s)
{
    const struct pb_config *cfg = s->cfg;
    struct timeval timeout = { cfg->ldap_timeout, 0 };
    int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, rc;
    struct pb_url_info info;
    char why[160], shown[256];

    /* libldap's parser has the last word on what ldap_initialize will read. */
    pb_url_for_log(shown, sizeof(shown), s->uri);
    if (pb_url_policy_ldap(s->uri, &info, why, sizeof(why)) != PB_OK) {
        pb_log(s->log, LOG_ERR, "config: ldap_uri %s refused: %s", shown, why);
        return PB_LDAP_SERVER_DOWN;
    }
    if (!info.tls && !cfg->ldap_starttls && !cfg->ldap_insecure_plaintext && !info.loopback) {
        pb_log(s->log, LOG_ERR, "config: ldap_uri %s would send passwords unencrypted", shown);
        return PB_LDAP_SERVER_DOWN;
    }
    if (foreign_ldaprc(s->log))
        return PB_LDAP_SERVER_DOWN;
    rc = ldap_initialize(&s->ld, s->uri);
    if (rc != LDAP_SUCCESS) {
        pb_log(s->log, LOG_ERR, "unavailable: ldap %s: %s", s->uri, ldap_err2string(rc));
        return PB_LDAP_SERVER_DOWN;
    }
    if (ldap_set_option(s->ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS
        || ldap_set_option(s->ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS
        || ldap_set_option(s->ld, LDAP_OPT_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS
        || ldap_set_option(s->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS
        || ldap_set_option(s->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS
        || (cfg->ldap_ca_file != NULL
            && ldap_set_option(s->ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ldap_ca_file) != LDAP_OPT_SUCCESS)
        || ldap_set_option(s->ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS) {
        pb_log(s->log, LOG_ERR, "unavailable: ldap %s: cannot set connection options (TLS setup)", s->uri);
        return PB_LDAP_SERVER_DOWN;
    }
    if (cfg->ldap_starttls && !info.tls) {
        rc = ldap_start_tls_s(s->ld, NULL, NULL);
        if (rc != LDAP_SUCCESS) {
            char *diag = NULL;
            ldap_get_option(s->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
            pb_log(s->log, LOG_ERR, "unavailable: ldap %s: StartTLS failed: %s%s%s", s->uri,
                   ldap_err2string(rc), diag && *diag ? ": " : "", diag ? diag : "");
            ldap_memfree(diag);
            return PB_LDAP_SERVER_DOWN;
        }
    }
    return PB_LDAP_SERVER_DONE;
}

void
pb_ldap_session_close(struct pb_ldap_session *s)
{
    if (s->ld != NULL)
        ldap_unbind_ext_s(s->ld, NULL, NULL);
    s->ld = NULL;
}

/* Wait for the answer to msgid and read its password-policy response
 * control (RFC draft behera, as slapd's ppolicy overlay sends it).  Returns
 * the LDAP result code; the policy's error, seconds to expiry and grace
 * logins left (-1: none) come back, and the server's diagnostic in *text
 * when text is not NULL (the caller frees it with ldap_memfree). */
int
pb_ldap_session_wait(struct pb_ldap_session *s, int msgid, char **text, LDAPPasswordPolicyError *pp_error,
                     int *pp_expire, int *pp_grace)
{
    struct timeval timeout = { s->cfg->ldap_timeout, 0 };
    LDAPControl **response = NULL, *pp;
    LDAPMessage *result = NULL;
    ber_int_t expire = -1, grace = -1;
    int rc, err = LDAP_OTHER;

    *pp_error = PP_noError;
    rc = ldap_result(s->ld, msgid, LDAP_MSG_ALL, &timeout, &result);
    if (rc <= 0) {
        err = rc == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN;
        goto done;
    }
    rc = ldap_parse_result(s->ld, result, &err, NULL, text, NULL, &response, 0);
    if (rc != LDAP_SUCCESS) {
        err = rc;
        goto done;
    }
    pp = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, response, NULL);
    if (pp != NULL)
        ldap_parse_passwordpolicy_control(s->ld, pp, &expire, &grace, pp_error);
done:
    if (pp_expire != NULL)
        *pp_expire = expire;
    if (pp_grace != NULL)
        *pp_grace = grace;
    ldap_msgfree(result);
    ldap_controls_free(response);
    return err;
}

/* A simple bind, reading the password-policy response control.  Returns
 * the LDAP result code. */
int
pb_ldap_session_bind(struct pb_ldap_session *s, const char *dn, const char *password, size_t password_len,
            LDAPPasswordPolicyError *pp_error, int *pp_expire, int *pp_grace)
{
    struct berval cred = { (ber_len_t) password_len, (char *) password };
    LDAPControl *request = NULL, *controls[2] = { NULL, NULL };
    int msgid = 0, err;

    *pp_error = PP_noError;
    *pp_expire = *pp_grace = -1;
    if (ldap_create_passwordpolicy_control(s->ld, &request) == LDAP_SUCCESS)
        controls[0] = request;
    err = ldap_sasl_bind(s->ld, dn, LDAP_SASL_SIMPLE, &cred, controls, NULL, &msgid);
    if (err == LDAP_SUCCESS)
        err = pb_ldap_session_wait(s, msgid, NULL, pp_error, pp_expire, pp_grace);
    ldap_control_free(request);
    return err;
}

/* Ask each ldap_uri in turn until one gives a final answer. */
enum pb_status
pb_ldap_session_each(const struct pb_config *cfg, const struct pb_log *log, pb_ldap_server_fn ask, void *ctx)
{
    enum pb_status status = PB_UNAVAILABLE;

    for (size_t i = 0; i < cfg->ldap_uris.count; i++) {
        struct pb_ldap_session s = { cfg, log, cfg->ldap_uris.items[i], NULL };
        if (ask(&s, ctx, &status) == PB_LDAP_SERVER_DONE)
            return status;
        status = PB_UNAVAILABLE;
        if (i + 1 < cfg->ldap_uris.count)
            pb_metrics_add(pb_metrics_process(cfg->metrics_file, log), PB_M_LDAP_FAILOVER);
    }
    pb_log(log, LOG_ERR, "unavailable: no LDAP server could be reached (%zu tried)", cfg->ldap_uris.count);
    return status;
}

/* Bind as the service account (its password read from its file and wiped). */
enum pb_status
pb_ldap_session_service_bind(struct pb_ldap_session *s, int *rc_out)
{
    unsigned char *pw = NULL;
    size_t len = 0;
    char err[256];
    LDAPPasswordPolicyError pp;
    int expire, grace;
    enum pb_status status;

    status = pb_secret_read_file(s->cfg->ldap_bindpw_file, BINDPW_MAX, 1, &pw, &len, NULL, err, sizeof(err));
    if (status != PB_OK) {
        pb_log(s->log, LOG_ERR, "%s: ldap_bindpw_file %s", pb_status_name(status), err);
        return status == PB_UNAVAILABLE ? PB_CONFIG : status;
    }
    /* A file written with echo ends in a newline that is not the password. */
    if (len > 0 && pw[len - 1] == '\n')
        len--;
    *rc_out = pb_ldap_session_bind(s, s->cfg->ldap_binddn, (const char *) pw, len, &pp, &expire, &grace);
    pb_secret_free(pw, len + 2);
    if (*rc_out != LDAP_SUCCESS && !pb_ldap_session_is_down(*rc_out))
        pb_log(s->log, LOG_ERR, "config: ldap %s: service account bind as %s failed: %s", s->uri,
               s->cfg->ldap_binddn, ldap_err2string(*rc_out));
    return PB_OK;
}

/* Find the user's DN by search; PB_REJECTED if there is not exactly one. */
static enum pb_status
search_user_dn(struct pb_ldap_session *s, const char *user, char **dn, int *rc_out, struct pb_verdict *verdict)
{
    struct timeval timeout = { s->cfg->ldap_timeout, 0 };
    char *attrs[] = { LDAP_NO_ATTRS, NULL }, *filter, *found;
    LDAPMessage *result = NULL;
    enum pb_status status = PB_REJECTED;
    int count;

    *dn = NULL;
    filter = pb_ldap_expand(s->cfg->ldap_filter, user, pb_ldap_escape_filter);
    if (filter == NULL)
        return PB_NOMEM;
    /* Two results are enough to know it is ambiguous. */
    *rc_out = ldap_search_ext_s(s->ld, s->cfg->ldap_base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL,
                                &timeout, 2, &result);
    if (*rc_out == LDAP_SIZELIMIT_EXCEEDED) {
        pb_verdict_set(verdict, PB_R_BAD_PASSWORD, "user name matches several LDAP entries");
        *rc_out = LDAP_SUCCESS;
        goto done;
    }
    if (*rc_out != LDAP_SUCCESS) {
        if (!pb_ldap_session_is_down(*rc_out))
            pb_log(s->log, LOG_ERR, "ldap %s: search under %s failed: %s", s->uri, s->cfg->ldap_base,
                   ldap_err2string(*rc_out));
        status = PB_UNAVAILABLE;
        goto done;
    }
    count = ldap_count_entries(s->ld, result);
    if (count != 1) {
        pb_verdict_set(verdict, PB_R_BAD_PASSWORD, count == 0 ? "no such user in LDAP"
                                                              : "user name matches several LDAP entries");
        goto done;
    }
    found = ldap_get_dn(s->ld, ldap_first_entry(s->ld, result));
    if (found == NULL) {
        status = PB_NOMEM;
        goto done;
    }
    *dn = strdup(found);
    ldap_memfree(found);
    status = *dn ? PB_OK : PB_NOMEM;
done:
    ldap_msgfree(result);
    free(filter);
    return status;
}

/* The user's DN: from the template, or searched for with the service account. */
enum pb_status
pb_ldap_session_user_dn(struct pb_ldap_session *s, const char *user, char **dn, int *rc, struct pb_verdict *verdict)
{
    enum pb_status status;

    *rc = LDAP_SUCCESS;
    if (s->cfg->ldap_user_dn != NULL) {
        *dn = pb_ldap_expand(s->cfg->ldap_user_dn, user, pb_ldap_escape_dn);
        return *dn ? PB_OK : PB_NOMEM;
    }
    status = pb_ldap_session_service_bind(s, rc);
    if (status != PB_OK || *rc != LDAP_SUCCESS)
        return status != PB_OK ? status : pb_ldap_session_is_down(*rc) ? PB_UNAVAILABLE : PB_CONFIG;
    return search_user_dn(s, user, dn, rc, verdict);
}

/* Username checks that hold before anything reaches a server. */
int
pb_ldap_session_user_ok(const char *user, struct pb_verdict *verdict)
{
    size_t len = strlen(user);

    if (len == 0 || len > 256) {
        pb_verdict_set(verdict, PB_R_BAD_PASSWORD, "user name empty or longer than 256 bytes");
        return 0;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) user[i] < 0x20 || user[i] == 0x7f) {
            pb_verdict_set(verdict, PB_R_BAD_PASSWORD, "user name holds a control character");
            return 0;
        }
    return 1;
}

enum pb_ldap_server
pb_ldap_session_bind_user(struct pb_ldap_session *s, const char *user, const char *password,
                          struct pb_ldap_bound *bound, enum pb_status *status, struct pb_verdict *verdict)
{
    enum pb_ldap_server result = PB_LDAP_SERVER_DONE;
    int rc = LDAP_SUCCESS;
    char *dn = NULL;

    bound->pp = PP_noError;
    bound->expire = bound->grace = -1;
    *status = PB_UNAVAILABLE;
    if (pb_ldap_session_open(s) == PB_LDAP_SERVER_DOWN)
        return PB_LDAP_SERVER_DOWN;
    *status = pb_ldap_session_user_dn(s, user, &dn, &rc, verdict);
    if (*status != PB_OK) {
        if (*status == PB_UNAVAILABLE && pb_ldap_session_is_down(rc))
            goto down;
        goto done;
    }
    rc = pb_ldap_session_bind(s, dn, password, strlen(password), &bound->pp, &bound->expire, &bound->grace);
    if (pb_ldap_session_is_down(rc))
        goto down;
    *status = PB_REJECTED;
    if (bound->pp == PP_accountLocked) {
        pb_verdict_set(verdict, PB_R_ACCOUNT_LOCKED, "LDAP account is locked (password policy)");
    } else if (bound->pp == PP_passwordExpired) {
        pb_verdict_set(verdict, PB_R_PASSWORD_EXPIRED, "LDAP password has expired (password policy)");
    } else if (rc == LDAP_INVALID_CREDENTIALS) {
        pb_verdict_set(verdict, PB_R_BAD_PASSWORD, "LDAP refused the password (or there is no such user)");
    } else if (rc != LDAP_SUCCESS) {
        pb_log(s->log, LOG_ERR, "ldap %s: bind as user failed: %s", s->uri, ldap_err2string(rc));
        pb_verdict_set(verdict, PB_R_BAD_PASSWORD, "LDAP bind failed: %s", ldap_err2string(rc));
    } else {
        *status = PB_OK;
    }
    goto done;
down:
    pb_log(s->log, LOG_ERR, "unavailable: ldap %s: %s", s->uri, ldap_err2string(rc));
    result = PB_LDAP_SERVER_DOWN;
done:
    free(dn);
    return result;
}
