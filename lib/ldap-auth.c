/* LDAP simple binds for password logins, and group membership. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <ldap.h>

#include "ldap-auth.h"
#include "ldap-escape.h"
#include "secret.h"

#define BINDPW_MAX 1024

/* One server's answer, sorted into what the caller must do next. */
enum server_result {
    SERVER_DONE,        /* a final answer: the status says which */
    SERVER_DOWN         /* unreachable or untrusted: try the next URI */
};

struct session {
    const struct pb_config *cfg;
    const struct pb_log *log;
    const char *uri;
    LDAP *ld;
};

static int
is_connection_error(int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT
        || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

/* Open and secure a connection to one URI; SERVER_DOWN on any failure. */
static enum server_result
session_open(struct session *s)
{
    const struct pb_config *cfg = s->cfg;
    struct timeval timeout = { cfg->ldap_timeout, 0 };
    int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, rc;

    rc = ldap_initialize(&s->ld, s->uri);
    if (rc != LDAP_SUCCESS) {
        pb_log(s->log, LOG_ERR, "unavailable: ldap %s: %s", s->uri, ldap_err2string(rc));
        return SERVER_DOWN;
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
        return SERVER_DOWN;
    }
    if (cfg->ldap_starttls && strncmp(s->uri, "ldap://", 7) == 0) {
        rc = ldap_start_tls_s(s->ld, NULL, NULL);
        if (rc != LDAP_SUCCESS) {
            char *diag = NULL;
            ldap_get_option(s->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
            pb_log(s->log, LOG_ERR, "unavailable: ldap %s: StartTLS failed: %s%s%s", s->uri,
                   ldap_err2string(rc), diag && *diag ? ": " : "", diag ? diag : "");
            ldap_memfree(diag);
            return SERVER_DOWN;
        }
    }
    return SERVER_DONE;
}

static void
session_close(struct session *s)
{
    if (s->ld != NULL)
        ldap_unbind_ext_s(s->ld, NULL, NULL);
    s->ld = NULL;
}

/* A simple bind, reading the password-policy response control (RFC draft
 * behera, as slapd's ppolicy overlay sends it).  Returns the LDAP result code. */
static int
simple_bind(struct session *s, const char *dn, const char *password, size_t password_len,
            LDAPPasswordPolicyError *pp_error, int *pp_expire, int *pp_grace)
{
    struct berval cred = { (ber_len_t) password_len, (char *) password };
    struct timeval timeout = { s->cfg->ldap_timeout, 0 };
    LDAPControl *request = NULL, *controls[2] = { NULL, NULL }, **response = NULL, *pp;
    LDAPMessage *result = NULL;
    int msgid = 0, rc, err = LDAP_OTHER;

    *pp_error = PP_noError;
    *pp_expire = *pp_grace = -1;
    if (ldap_create_passwordpolicy_control(s->ld, &request) == LDAP_SUCCESS)
        controls[0] = request;
    rc = ldap_sasl_bind(s->ld, dn, LDAP_SASL_SIMPLE, &cred, controls, NULL, &msgid);
    if (rc != LDAP_SUCCESS) {
        err = rc;
        goto done;
    }
    rc = ldap_result(s->ld, msgid, LDAP_MSG_ALL, &timeout, &result);
    if (rc <= 0) {
        err = rc == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN;
        goto done;
    }
    rc = ldap_parse_result(s->ld, result, &err, NULL, NULL, NULL, &response, 0);
    if (rc != LDAP_SUCCESS) {
        err = rc;
        goto done;
    }
    pp = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, response, NULL);
    if (pp != NULL) {
        ber_int_t expire = -1, grace = -1;
        ldap_parse_passwordpolicy_control(s->ld, pp, &expire, &grace, pp_error);
        *pp_expire = expire;
        *pp_grace = grace;
    }
done:
    ldap_msgfree(result);
    ldap_controls_free(response);
    ldap_control_free(request);
    return err;
}

/* Bind as the service account (its password read from its file and wiped). */
static enum pb_status
service_bind(struct session *s, int *rc_out)
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
    *rc_out = simple_bind(s, s->cfg->ldap_binddn, (const char *) pw, len, &pp, &expire, &grace);
    pb_secret_free(pw, len + 2);
    if (*rc_out != LDAP_SUCCESS && !is_connection_error(*rc_out))
        pb_log(s->log, LOG_ERR, "config: ldap %s: service account bind as %s failed: %s", s->uri,
               s->cfg->ldap_binddn, ldap_err2string(*rc_out));
    return PB_OK;
}

/* Find the user's DN by search; PB_REJECTED if there is not exactly one. */
static enum pb_status
search_user_dn(struct session *s, const char *user, char **dn, int *rc_out, struct pb_verdict *verdict)
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
        if (!is_connection_error(*rc_out))
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
static enum pb_status
user_dn(struct session *s, const char *user, char **dn, int *rc, struct pb_verdict *verdict)
{
    enum pb_status status;

    *rc = LDAP_SUCCESS;
    if (s->cfg->ldap_user_dn != NULL) {
        *dn = pb_ldap_expand(s->cfg->ldap_user_dn, user, pb_ldap_escape_dn);
        return *dn ? PB_OK : PB_NOMEM;
    }
    status = service_bind(s, rc);
    if (status != PB_OK || *rc != LDAP_SUCCESS)
        return status != PB_OK ? status : is_connection_error(*rc) ? PB_UNAVAILABLE : PB_CONFIG;
    return search_user_dn(s, user, dn, rc, verdict);
}

static void
describe_expiry(struct pb_ldap_note *note, int seconds)
{
    if (seconds >= 86400)
        snprintf(note->text, sizeof(note->text), "Your password expires in %d day%s.", seconds / 86400,
                 seconds >= 2 * 86400 ? "s" : "");
    else if (seconds >= 3600)
        snprintf(note->text, sizeof(note->text), "Your password expires in %d hour%s.", seconds / 3600,
                 seconds >= 7200 ? "s" : "");
    else
        snprintf(note->text, sizeof(note->text), "Your password expires in %d minute%s.", seconds / 60 + 1,
                 seconds >= 60 ? "s" : "");
}

/* Username checks that hold before anything reaches a server. */
static int
user_name_ok(const char *user, struct pb_verdict *verdict)
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

static enum server_result
authenticate_on(struct session *s, const char *user, const char *password, enum pb_status *status,
                struct pb_verdict *verdict, struct pb_ldap_note *note)
{
    LDAPPasswordPolicyError pp;
    int expire, grace, rc = LDAP_SUCCESS;
    char *dn = NULL;
    enum server_result result = SERVER_DONE;

    if (session_open(s) == SERVER_DOWN)
        return SERVER_DOWN;
    *status = user_dn(s, user, &dn, &rc, verdict);
    if (*status != PB_OK) {
        if (*status == PB_UNAVAILABLE && is_connection_error(rc)) {
            pb_log(s->log, LOG_ERR, "unavailable: ldap %s: %s", s->uri, ldap_err2string(rc));
            result = SERVER_DOWN;
        }
        goto done;
    }
    rc = simple_bind(s, dn, password, strlen(password), &pp, &expire, &grace);
    if (is_connection_error(rc)) {
        pb_log(s->log, LOG_ERR, "unavailable: ldap %s: %s", s->uri, ldap_err2string(rc));
        result = SERVER_DOWN;
        goto done;
    }
    if (pp == PP_accountLocked) {
        pb_verdict_set(verdict, PB_R_ACCOUNT_LOCKED, "LDAP account is locked (password policy)");
        snprintf(note->text, sizeof(note->text), "Your account is locked.");
        note->is_error = 1;
        *status = PB_REJECTED;
    } else if (pp == PP_passwordExpired) {
        pb_verdict_set(verdict, PB_R_PASSWORD_EXPIRED, "LDAP password has expired (password policy)");
        snprintf(note->text, sizeof(note->text), "Your password has expired; change it before logging in.");
        note->is_error = 1;
        *status = PB_REJECTED;
    } else if (rc == LDAP_SUCCESS) {
        /* After an administrator's reset the server lets the bind through but
         * allows nothing except a password change: the account phase says so. */
        note->must_change = pp == PP_changeAfterReset;
        /* Warnings ride on success: an expiry coming up, or grace logins used. */
        if (expire > 0)
            describe_expiry(note, expire);
        else if (grace >= 0)
            snprintf(note->text, sizeof(note->text),
                     "Your password has expired; %d grace login%s left.", grace, grace == 1 ? "" : "s");
        *status = PB_OK;
    } else if (rc == LDAP_INVALID_CREDENTIALS) {
        pb_verdict_set(verdict, PB_R_BAD_PASSWORD, "LDAP refused the password (or there is no such user)");
        *status = PB_REJECTED;
    } else {
        pb_log(s->log, LOG_ERR, "ldap %s: bind as user failed: %s", s->uri, ldap_err2string(rc));
        pb_verdict_set(verdict, PB_R_BAD_PASSWORD, "LDAP bind failed: %s", ldap_err2string(rc));
        *status = PB_REJECTED;
    }
done:
    free(dn);
    session_close(s);
    return result;
}

enum pb_status
pb_ldap_authenticate(const struct pb_config *cfg, const char *user, const char *password,
                     const struct pb_log *log, struct pb_verdict *verdict, struct pb_ldap_note *note)
{
    enum pb_status status = PB_UNAVAILABLE;

    memset(note, 0, sizeof(*note));
    verdict->reason = PB_R_NONE;
    verdict->detail[0] = '\0';
    if (!user_name_ok(user, verdict))
        return PB_REJECTED;
    /* An empty simple bind is an anonymous bind, which "succeeds" (RFC 4513 5.1.2). */
    if (password == NULL || password[0] == '\0') {
        pb_verdict_set(verdict, PB_R_EMPTY_PASSWORD, "empty password never goes to LDAP");
        return PB_REJECTED;
    }
    for (size_t i = 0; i < cfg->ldap_uris.count; i++) {
        struct session s = { cfg, log, cfg->ldap_uris.items[i], NULL };
        if (authenticate_on(&s, user, password, &status, verdict, note) == SERVER_DONE)
            return status;
        status = PB_UNAVAILABLE;
    }
    pb_log(log, LOG_ERR, "unavailable: no LDAP server could be reached (%zu tried)", cfg->ldap_uris.count);
    return status;
}

static enum server_result
check_group_on(struct session *s, const char *user, enum pb_status *status, struct pb_verdict *verdict)
{
    struct timeval timeout = { s->cfg->ldap_timeout, 0 };
    char *attrs[] = { LDAP_NO_ATTRS, NULL }, *dn = NULL, *fdn = NULL, *fuser = NULL, *filter = NULL;
    LDAPMessage *result = NULL;
    enum server_result outcome = SERVER_DONE;
    int rc = LDAP_SUCCESS;

    if (session_open(s) == SERVER_DOWN)
        return SERVER_DOWN;
    *status = user_dn(s, user, &dn, &rc, verdict);
    if (*status == PB_OK && s->cfg->ldap_user_dn != NULL) {
        *status = service_bind(s, &rc);
        if (*status == PB_OK && rc != LDAP_SUCCESS)
            *status = is_connection_error(rc) ? PB_UNAVAILABLE : PB_CONFIG;
    }
    if (*status != PB_OK) {
        if (*status == PB_UNAVAILABLE && is_connection_error(rc))
            outcome = SERVER_DOWN;
        if (*status == PB_REJECTED)
            pb_verdict_set(verdict, PB_R_NOT_IN_GROUP, "user not found in LDAP");
        goto done;
    }
    fdn = pb_ldap_escape_filter(dn, strlen(dn));
    fuser = pb_ldap_escape_filter(user, strlen(user));
    if (fdn == NULL || fuser == NULL
        || asprintf(&filter, "(|(member=%s)(uniqueMember=%s)(memberUid=%s))", fdn, fdn, fuser) < 0) {
        filter = NULL;
        *status = PB_NOMEM;
        goto done;
    }
    rc = ldap_search_ext_s(s->ld, s->cfg->ldap_group, LDAP_SCOPE_BASE, filter, attrs, 0, NULL, NULL,
                           &timeout, 1, &result);
    if (is_connection_error(rc)) {
        outcome = SERVER_DOWN;
        *status = PB_UNAVAILABLE;
    } else if (rc == LDAP_NO_SUCH_OBJECT) {
        pb_log(s->log, LOG_ERR, "config: ldap_group %s does not exist", s->cfg->ldap_group);
        *status = PB_CONFIG;
    } else if (rc != LDAP_SUCCESS) {
        pb_log(s->log, LOG_ERR, "ldap %s: group search failed: %s", s->uri, ldap_err2string(rc));
        *status = PB_UNAVAILABLE;
    } else if (ldap_count_entries(s->ld, result) == 1) {
        *status = PB_OK;
    } else {
        pb_verdict_set(verdict, PB_R_NOT_IN_GROUP, "not a member of %s", s->cfg->ldap_group);
        *status = PB_REJECTED;
    }
done:
    ldap_msgfree(result);
    free(filter);
    free(fdn);
    free(fuser);
    free(dn);
    session_close(s);
    return outcome;
}

enum pb_status
pb_ldap_check_group(const struct pb_config *cfg, const char *user, const struct pb_log *log,
                    struct pb_verdict *verdict)
{
    enum pb_status status = PB_UNAVAILABLE;

    verdict->reason = PB_R_NONE;
    verdict->detail[0] = '\0';
    if (!user_name_ok(user, verdict)) {
        verdict->reason = PB_R_NOT_IN_GROUP;
        return PB_REJECTED;
    }
    for (size_t i = 0; i < cfg->ldap_uris.count; i++) {
        struct session s = { cfg, log, cfg->ldap_uris.items[i], NULL };
        if (check_group_on(&s, user, &status, verdict) == SERVER_DONE)
            return status;
        status = PB_UNAVAILABLE;
    }
    pb_log(log, LOG_ERR, "unavailable: no LDAP server could be reached (%zu tried)", cfg->ldap_uris.count);
    return status;
}
