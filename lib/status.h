/*
 * Status codes returned by the core, and the fixed vocabulary of rejection reasons.
 *
 * The layering, all of it:
 *   enum pb_status      what every core call returns: what the caller must do.
 *                       pam/codes.c maps it to PAM codes (one table per phase),
 *                       helper/exit.c to bearer-token's exit codes.
 *   struct pb_verdict   with PB_REJECTED only: why (enum pb_reason, one stable
 *                       word per reason for the log) and a line of detail.
 *   enum pb_cache_result  the user's token store only (tokencache.h): the one
 *                       place where "absent" and "unsafe" must stay apart
 *                       (log in again, or refuse to touch it); helper/exit.c
 *                       maps it beside pb_status.
 * enum pb_check_outcome (trace.h) is not a result: it is what an observer of
 * the token decision is told about each check (bearer-token verify --trace).
 */
#ifndef PB_STATUS_H
#define PB_STATUS_H

/* What the caller must do: pam/ maps each to one PAM code in a single table. */
enum pb_status {
    PB_OK = 0,
    PB_REJECTED,      /* the credential was examined and refused */
    PB_UNAVAILABLE,   /* nothing usable to check it against (no keys) */
    PB_CONFIG,        /* the configuration is wrong */
    PB_NOMEM,         /* out of memory */
    PB_SYSTEM,        /* other local failure (I/O) */
    PB_UNCONFIGURED   /* nothing configured to check anything against: no key
                       * source and no LDAP server (not an error: see pam/args.c) */
};

/* Why a token was refused; each has one stable name that appears in the logs. */
enum pb_reason {
    PB_R_NONE = 0,
    PB_R_NOT_A_TOKEN,
    PB_R_TOO_LARGE,
    PB_R_MALFORMED,
    PB_R_ALG_NOT_ALLOWED,
    PB_R_HEADER_KEY,
    PB_R_CRIT,
    PB_R_UNKNOWN_KID,
    PB_R_NO_KEY,
    PB_R_BAD_SIGNATURE,
    PB_R_EXPIRED,
    PB_R_NOT_YET_VALID,
    PB_R_FUTURE_IAT,
    PB_R_ISSUER,
    PB_R_AUDIENCE,
    PB_R_USER_CLAIM,
    PB_R_USER_MISMATCH,
    PB_R_REQUIRED_CLAIM,
    PB_R_EXP_MISSING,
    PB_R_BAD_PASSWORD,
    PB_R_EMPTY_PASSWORD,
    PB_R_PASSWORD_EXPIRED,
    PB_R_ACCOUNT_LOCKED,
    PB_R_NOT_IN_GROUP,
    PB_R_TOKEN_NOT_ALLOWED,
    PB_R_TOO_OLD,
    PB_R_NOT_OWNER,
    PB_R_PASSWORD_TOO_SHORT,      /* password change: the policy's refusals */
    PB_R_PASSWORD_IN_HISTORY,
    PB_R_PASSWORD_TOO_YOUNG,
    PB_R_PASSWORD_QUALITY,
    PB_R_CHANGE_NOT_ALLOWED,
    PB_R_OLD_PASSWORD_REQUIRED,
    PB_R_CHANGE_REFUSED,          /* any other refusal of a change */
    PB_R_UNKNOWN_ISSUER,          /* no [issuer] section has the token's iss */
    PB_R_ISSUER_NOT_ALLOWED,      /* the service's issuers= leaves it out */
    PB_R_USERINFO,                /* the userinfo answer is for another sub */
    PB_R_COUNT
};

/* A refusal's reason and one line of detail for the log. */
struct pb_verdict {
    enum pb_reason reason;
    char detail[256];
};

/* Set both; the detail is made printable (it may quote token bytes). */
void pb_verdict_set(struct pb_verdict *verdict, enum pb_reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *pb_status_name(enum pb_status status);
const char *pb_reason_name(enum pb_reason reason);

#endif
