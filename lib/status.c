/* Names for status codes and rejection reasons, as they appear in logs; verdicts. */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "status.h"

static const char *const status_names[] = {
    [PB_OK] = "ok",
    [PB_REJECTED] = "rejected",
    [PB_UNAVAILABLE] = "unavailable",
    [PB_CONFIG] = "config",
    [PB_NOMEM] = "out of memory",
    [PB_SYSTEM] = "system error",
    [PB_UNCONFIGURED] = "unconfigured",
};

static const char *const reason_names[PB_R_COUNT] = {
    [PB_R_NONE] = "none",
    [PB_R_NOT_A_TOKEN] = "not-a-token",
    [PB_R_TOO_LARGE] = "too-large",
    [PB_R_MALFORMED] = "malformed",
    [PB_R_ALG_NOT_ALLOWED] = "alg-not-allowed",
    [PB_R_HEADER_KEY] = "header-key",
    [PB_R_CRIT] = "crit",
    [PB_R_UNKNOWN_KID] = "unknown-kid",
    [PB_R_NO_KEY] = "no-key",
    [PB_R_BAD_SIGNATURE] = "bad-signature",
    [PB_R_EXPIRED] = "expired",
    [PB_R_NOT_YET_VALID] = "not-yet-valid",
    [PB_R_FUTURE_IAT] = "future-iat",
    [PB_R_ISSUER] = "issuer",
    [PB_R_AUDIENCE] = "audience",
    [PB_R_USER_CLAIM] = "user-claim",
    [PB_R_USER_MISMATCH] = "user-mismatch",
    [PB_R_REQUIRED_CLAIM] = "required-claim",
    [PB_R_EXP_MISSING] = "exp-missing",
    [PB_R_BAD_PASSWORD] = "bad-password",
    [PB_R_EMPTY_PASSWORD] = "empty-password",
    [PB_R_PASSWORD_EXPIRED] = "password-expired",
    [PB_R_ACCOUNT_LOCKED] = "account-locked",
    [PB_R_NOT_IN_GROUP] = "not-in-group",
    [PB_R_TOKEN_NOT_ALLOWED] = "token-not-allowed",
    [PB_R_TOO_OLD] = "too-old",
    [PB_R_NOT_OWNER] = "not-owner",
    [PB_R_PASSWORD_TOO_SHORT] = "password-too-short",
    [PB_R_PASSWORD_IN_HISTORY] = "password-in-history",
    [PB_R_PASSWORD_TOO_YOUNG] = "password-too-young",
    [PB_R_PASSWORD_QUALITY] = "password-quality",
    [PB_R_CHANGE_NOT_ALLOWED] = "change-not-allowed",
    [PB_R_OLD_PASSWORD_REQUIRED] = "old-password-required",
    [PB_R_CHANGE_REFUSED] = "change-refused",
    [PB_R_UNKNOWN_ISSUER] = "unknown-issuer",
    [PB_R_ISSUER_NOT_ALLOWED] = "issuer-not-allowed",
    [PB_R_USERINFO] = "userinfo",
};

const char *
pb_status_name(enum pb_status status)
{
    if ((unsigned) status < sizeof(status_names) / sizeof(status_names[0]))
        return status_names[status];
    return "unknown";
}

const char *
pb_reason_name(enum pb_reason reason)
{
    if ((unsigned) reason < PB_R_COUNT && reason_names[reason] != NULL)
        return reason_names[reason];
    return "unknown";
}

void
pb_verdict_set(struct pb_verdict *verdict, enum pb_reason reason, const char *fmt, ...)
{
    va_list ap;

    verdict->reason = reason;
    va_start(ap, fmt);
    vsnprintf(verdict->detail, sizeof(verdict->detail), fmt, ap);
    va_end(ap);
    /* Details may quote token bytes (parser errors): keep them printable. */
    for (char *p = verdict->detail; *p != '\0'; p++)
        if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
            *p = '?';
}
