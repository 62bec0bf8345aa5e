/* Password changes: the Password Modify extended operation (RFC 3062), bound
 * as the user with the old password, with the password policy control so
 * that the directory says why it refuses. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <lber.h>
#include <ldap.h>

#include "ldap-passwd.h"
#include "ldap-session.h"

/* The password policy's refusals of a new password: the reason logged and
 * the sentence the user reads. */
static const struct refusal {
    LDAPPasswordPolicyError error;
    enum pb_reason reason;
    const char *sentence;
} refusals[] = {
    { PP_passwordTooShort, PB_R_PASSWORD_TOO_SHORT,
      "The new password is too short; choose a longer one." },
    { PP_passwordInHistory, PB_R_PASSWORD_IN_HISTORY,
      "The new password has been used before; choose one you have not used recently." },
    { PP_passwordTooYoung, PB_R_PASSWORD_TOO_YOUNG,
      "Your password was changed too recently to be changed again yet; try again later." },
    { PP_insufficientPasswordQuality, PB_R_PASSWORD_QUALITY,
      "The new password is too weak for the password policy; choose a stronger one." },
    { PP_passwordModNotAllowed, PB_R_CHANGE_NOT_ALLOWED,
      "You may not change your own password; ask an administrator." },
    { PP_mustSupplyOldPassword, PB_R_OLD_PASSWORD_REQUIRED,
      "The directory did not accept the current password with the change." },
};

static void
tell(struct pb_ldap_note *note, int is_error, const char *sentence)
{
    snprintf(note->text, sizeof(note->text), "%s", sentence);
    note->is_error = is_error;
}

/* Send the Password Modify request (no user identity: the bound user) with
 * the password policy control, and wait for the answer.  Returns the LDAP
 * result code; the policy's error and the server's diagnostic (sanitized,
 * cut to diag_cap) come back.  Our encoding of both passwords is wiped. */
static int
password_modify(struct pb_ldap_session *s, const char *old_password, const char *new_password,
                LDAPPasswordPolicyError *pp_error, char *diag, size_t diag_cap)
{
    struct berval old_bv = { (ber_len_t) strlen(old_password), (char *) old_password };
    struct berval new_bv = { (ber_len_t) strlen(new_password), (char *) new_password };
    struct berval request = { 0, NULL };
    LDAPControl *control = NULL, *controls[2] = { NULL, NULL };
    BerElement *ber;
    char *text = NULL;
    int msgid = 0, rc, err = LDAP_OTHER;

    *pp_error = PP_noError;
    diag[0] = '\0';
    ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL)
        return LDAP_NO_MEMORY;
    if (ber_printf(ber, "{tOtON}", LDAP_TAG_EXOP_MODIFY_PASSWD_OLD, &old_bv,
                   LDAP_TAG_EXOP_MODIFY_PASSWD_NEW, &new_bv) < 0
        || ber_flatten2(ber, &request, 0) < 0) {
        err = LDAP_ENCODING_ERROR;
        goto done;
    }
    if (ldap_create_passwordpolicy_control(s->ld, &control) == LDAP_SUCCESS)
        controls[0] = control;
    rc = ldap_extended_operation(s->ld, LDAP_EXOP_MODIFY_PASSWD, &request, controls, NULL, &msgid);
    if (rc != LDAP_SUCCESS) {
        err = rc;
        goto done;
    }
    err = pb_ldap_session_wait(s, msgid, &text, pp_error, NULL, NULL);
    if (text != NULL)
        pb_log_sanitize(diag, diag_cap, text, strnlen(text, diag_cap));
done:
    /* ber_flatten2 without a copy: request points into ber's buffer. */
    if (request.bv_val != NULL)
        explicit_bzero(request.bv_val, request.bv_len);
    ber_free(ber, 1);
    ldap_memfree(text);
    ldap_control_free(control);
    return err;
}

/* What the directory said to the change, as a status, a verdict and a note. */
static enum pb_status
judge_change(struct pb_ldap_session *s, int rc, LDAPPasswordPolicyError pp, const char *diag,
             struct pb_verdict *verdict, struct pb_ldap_note *note)
{
    if (rc == LDAP_SUCCESS) {
        tell(note, 0, "Your password has been changed.");
        return PB_OK;
    }
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
        if (refusals[i].error == pp) {
            pb_verdict_set(verdict, refusals[i].reason, "the password policy refused the new password: %s%s%s",
                           ldap_err2string(rc), diag[0] ? ": " : "", diag);
            tell(note, 1, refusals[i].sentence);
            return PB_REJECTED;
        }
    pb_log(s->log, LOG_ERR, "ldap %s: password change refused: %s%s%s", s->uri, ldap_err2string(rc),
           diag[0] ? ": " : "", diag);
    pb_verdict_set(verdict, PB_R_CHANGE_REFUSED, "the directory refused the change: %s%s%s", ldap_err2string(rc),
                   diag[0] ? ": " : "", diag);
    tell(note, 1, "The directory refused the new password.");
    return PB_REJECTED;
}

/* Why the current password's bind was refused, in the user's words. */
static void
tell_refusal(const struct pb_verdict *verdict, struct pb_ldap_note *note)
{
    if (verdict->reason == PB_R_ACCOUNT_LOCKED)
        tell(note, 1, "Your account is locked.");
    else if (verdict->reason == PB_R_PASSWORD_EXPIRED)
        /* The directory takes no request from an expired password's bind. */
        tell(note, 1, "Your password has expired and can no longer be changed by you; ask an administrator.");
    else
        tell(note, 1, "Your current password was not accepted.");
}

/* What a password change asks of each server. */
struct change {
    const char *user;
    const char *old_password;
    const char *new_password;
    struct pb_verdict *verdict;
    struct pb_ldap_note *note;
};

static enum pb_ldap_server
change_on(struct pb_ldap_session *s, void *ctx, enum pb_status *status)
{
    const struct change *c = ctx;
    const char *user = c->user, *old_password = c->old_password, *new_password = c->new_password;
    struct pb_verdict *verdict = c->verdict;
    struct pb_ldap_note *note = c->note;
    LDAPPasswordPolicyError pp;
    struct pb_ldap_bound bound;
    char diag[128];
    enum pb_ldap_server result = pb_ldap_session_bind_user(s, user, old_password, &bound, status, verdict);
    int rc;

    if (result == PB_LDAP_SERVER_DOWN || *status != PB_OK) {
        if (result == PB_LDAP_SERVER_DONE && *status == PB_REJECTED)
            tell_refusal(verdict, note);
        goto done;
    }
    rc = password_modify(s, old_password, new_password, &pp, diag, sizeof(diag));
    if (pb_ldap_session_is_down(rc)) {
        /* Sent, maybe done: another server could refuse the old password
         * or apply the change twice, so the user hears it failed here. */
        pb_log(s->log, LOG_ERR, "unavailable: ldap %s: password change not confirmed: %s", s->uri,
               ldap_err2string(rc));
        tell(note, 1, "The directory did not confirm the change; try logging in with the new password.");
        *status = PB_UNAVAILABLE;
    } else {
        *status = judge_change(s, rc, pp, diag, verdict, note);
    }
done:
    pb_ldap_session_close(s);
    return result;
}

enum pb_status
pb_ldap_change_password(const struct pb_config *cfg, const char *user, const char *old_password,
                        const char *new_password, const struct pb_log *log, struct pb_verdict *verdict,
                        struct pb_ldap_note *note)
{
    memset(note, 0, sizeof(*note));
    verdict->reason = PB_R_NONE;
    verdict->detail[0] = '\0';
    if (!pb_ldap_session_user_ok(user, verdict))
        return PB_REJECTED;
    /* An empty simple bind is an anonymous bind (RFC 4513 5.1.2); an empty
     * new password is no password. */
    if (old_password == NULL || old_password[0] == '\0' || new_password == NULL || new_password[0] == '\0') {
        pb_verdict_set(verdict, PB_R_EMPTY_PASSWORD, "empty %s password never goes to LDAP",
                       old_password == NULL || old_password[0] == '\0' ? "current" : "new");
        tell(note, 1, "An empty password cannot be used.");
        return PB_REJECTED;
    }
    if (strnlen(old_password, PB_LDAP_PASSWORD_MAX + 1) > PB_LDAP_PASSWORD_MAX
        || strnlen(new_password, PB_LDAP_PASSWORD_MAX + 1) > PB_LDAP_PASSWORD_MAX) {
        pb_verdict_set(verdict, PB_R_TOO_LARGE, "a password longer than %d bytes", PB_LDAP_PASSWORD_MAX);
        tell(note, 1, "The password is too long.");
        return PB_REJECTED;
    }
    struct change c = { user, old_password, new_password, verdict, note };
    return pb_ldap_session_each(cfg, log, change_on, &c);
}
