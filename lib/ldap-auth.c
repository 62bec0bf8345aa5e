/* Password logins (a simple bind as the user) and group membership. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <ldap.h>

#include "ldap-auth.h"
#include "ldap-escape.h"
#include "ldap-session.h"

/* The password policy's warnings on a successful bind, as a sentence that
 * says what to do.  seconds: timeBeforeExpiration; grace:
 * graceAuthNsRemaining (this login was on a grace allowance); -1 when the
 * control did not carry it. */
static void
describe_warning(struct pb_ldap_note *note, int seconds, int grace)
{
    static const struct { int seconds; const char *unit; } units[] = {
        { 86400, "day" }, { 3600, "hour" }, { 60, "minute" },
    };
    size_t i;
    int n;

    if (grace > 0) {
        snprintf(note->text, sizeof(note->text), "Your password has expired: %d grace login%s left; change it now.",
                 grace, grace == 1 ? "" : "s");
    } else if (grace == 0) {
        snprintf(note->text, sizeof(note->text),
                 "Your password has expired and this was the last grace login; change it now.");
    } else if (seconds > 0) {
        for (i = 0; i < sizeof(units) / sizeof(units[0]) - 1 && seconds < units[i].seconds; i++)
            ;
        /* Rounded down, but never "0 minutes". */
        n = seconds / units[i].seconds > 0 ? seconds / units[i].seconds : 1;
        snprintf(note->text, sizeof(note->text), "Your password expires in %d %s%s; change it before then.", n,
                 units[i].unit, n == 1 ? "" : "s");
    }
}

/* What a login asks of each server. */
struct login {
    const char *user;
    const char *password;
    struct pb_verdict *verdict;
    struct pb_ldap_note *note;
};

static enum pb_ldap_server
authenticate_on(struct pb_ldap_session *s, void *ctx, enum pb_status *status)
{
    const struct login *l = ctx;
    const char *user = l->user, *password = l->password;
    struct pb_verdict *verdict = l->verdict;
    struct pb_ldap_note *note = l->note;
    struct pb_ldap_bound bound;
    enum pb_ldap_server result = pb_ldap_session_bind_user(s, user, password, &bound, status, verdict);

    if (result == PB_LDAP_SERVER_DONE && *status == PB_OK) {
        /* After an administrator's reset the server lets the bind through but
         * allows nothing except a password change: the account phase says so. */
        note->must_change = bound.pp == PP_changeAfterReset;
        /* Warnings ride on success: an expiry coming up, or grace logins used. */
        describe_warning(note, bound.expire, bound.grace);
    } else if (result == PB_LDAP_SERVER_DONE && verdict->reason == PB_R_ACCOUNT_LOCKED) {
        snprintf(note->text, sizeof(note->text), "Your account is locked.");
        note->is_error = 1;
    } else if (result == PB_LDAP_SERVER_DONE && verdict->reason == PB_R_PASSWORD_EXPIRED) {
        snprintf(note->text, sizeof(note->text), "Your password has expired; change it before logging in.");
        note->is_error = 1;
    }
    pb_ldap_session_close(s);
    return result;
}

enum pb_status
pb_ldap_authenticate(const struct pb_config *cfg, const char *user, const char *password,
                     const struct pb_log *log, struct pb_verdict *verdict, struct pb_ldap_note *note)
{
    memset(note, 0, sizeof(*note));
    verdict->reason = PB_R_NONE;
    verdict->detail[0] = '\0';
    if (!pb_ldap_session_user_ok(user, verdict))
        return PB_REJECTED;
    /* An empty simple bind is an anonymous bind, which "succeeds" (RFC 4513 5.1.2). */
    if (password == NULL || password[0] == '\0') {
        pb_verdict_set(verdict, PB_R_EMPTY_PASSWORD, "empty password never goes to LDAP");
        return PB_REJECTED;
    }
    struct login l = { user, password, verdict, note };
    return pb_ldap_session_each(cfg, log, authenticate_on, &l);
}

/* What the group check asks of each server. */
struct group_check {
    const char *user;
    struct pb_verdict *verdict;
};

static enum pb_ldap_server
check_group_on(struct pb_ldap_session *s, void *ctx, enum pb_status *status)
{
    const struct group_check *g = ctx;
    const char *user = g->user;
    struct pb_verdict *verdict = g->verdict;
    struct timeval timeout = { s->cfg->ldap_timeout, 0 };
    char *attrs[] = { LDAP_NO_ATTRS, NULL }, *dn = NULL, *fdn = NULL, *fuser = NULL, *filter = NULL;
    LDAPMessage *result = NULL;
    enum pb_ldap_server outcome = PB_LDAP_SERVER_DONE;
    int rc = LDAP_SUCCESS;

    if (pb_ldap_session_open(s) == PB_LDAP_SERVER_DOWN)
        return PB_LDAP_SERVER_DOWN;
    *status = pb_ldap_session_user_dn(s, user, &dn, &rc, verdict);
    if (*status == PB_OK && s->cfg->ldap_user_dn != NULL) {
        *status = pb_ldap_session_service_bind(s, &rc);
        if (*status == PB_OK && rc != LDAP_SUCCESS)
            *status = pb_ldap_session_is_down(rc) ? PB_UNAVAILABLE : PB_CONFIG;
    }
    if (*status != PB_OK) {
        if (*status == PB_UNAVAILABLE && pb_ldap_session_is_down(rc))
            outcome = PB_LDAP_SERVER_DOWN;
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
    if (pb_ldap_session_is_down(rc)) {
        outcome = PB_LDAP_SERVER_DOWN;
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
    pb_ldap_session_close(s);
    return outcome;
}

enum pb_status
pb_ldap_check_group(const struct pb_config *cfg, const char *user, const struct pb_log *log,
                    struct pb_verdict *verdict)
{
    verdict->reason = PB_R_NONE;
    verdict->detail[0] = '\0';
    if (!pb_ldap_session_user_ok(user, verdict)) {
        verdict->reason = PB_R_NOT_IN_GROUP;
        return PB_REJECTED;
    }
    struct group_check g = { user, verdict };
    return pb_ldap_session_each(cfg, log, check_group_on, &g);
}
