/* The claims policy, one rule at a time, on both sides of each boundary. */
#include "config.h"

#include <string.h>

#include "claims.h"
#include "tap.h"
#include "trace.h"

#define NOW 1800000000LL

static struct pb_config cfg;

static enum pb_reason
check(const char *claims_json, const char *user)
{
    json_error_t jerr;
    json_t *claims = json_loads(claims_json, JSON_REJECT_DUPLICATES, &jerr);
    struct pb_verdict verdict = { PB_R_NONE, "" };
    enum pb_status status;

    if (claims == NULL)
        return PB_R_MALFORMED;
    status = pb_claims_check(&cfg, claims, user, (time_t) NOW, NULL, &verdict);
    json_decref(claims);
    return status == PB_OK ? PB_R_NONE : verdict.reason;
}

static void
set(const char *word)
{
    char err[256];
    if (pb_config_apply(&cfg, word, PB_W_MODULE, err, sizeof(err)) != PB_OK)
        printf("# cannot set %s: %s\n", word, err);
}

int
main(void)
{
    char buf[512];

    pb_config_init(&cfg);
#define C(fmt, ...) (snprintf(buf, sizeof(buf), fmt, __VA_ARGS__), buf)
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld}", NOW + 100), "alice"), PB_R_NONE, "valid");
    tap_is_int(check("{\"sub\":\"alice\"}", "alice"), PB_R_EXP_MISSING, "exp missing");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":\"soon\"}", "alice"), PB_R_EXP_MISSING, "exp a string");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":null}", "alice"), PB_R_EXP_MISSING, "exp null");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":1e300}", "alice"), PB_R_EXP_MISSING, "exp absurd");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld.5}", NOW + 100), "alice"), PB_R_NONE, "exp real");
    /* RFC 7519 section 2: any NumericDate that fits 64 bits, no overflow anywhere. */
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":253402300800}", "alice"), PB_R_NONE, "exp after 9999-12-31");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":9223372036854775807}", "alice"), PB_R_NONE, "exp INT64_MAX");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":9.2e18}", "alice"), PB_R_NONE, "exp 9.2e18 (real, fits)");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":9223372036854775808.0}", "alice"), PB_R_EXP_MISSING,
               "exp 2^63 (real, does not fit)");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":-9223372036854775808}", "alice"), PB_R_EXPIRED,
               "exp INT64_MIN is expired");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":-9.2e18}", "alice"), PB_R_EXPIRED, "exp -9.2e18 is expired");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":9223372036854775807,\"nbf\":-9223372036854775808,"
                     "\"iat\":-9223372036854775808}", "alice"), PB_R_NONE, "nbf and iat INT64_MIN");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":9223372036854775807,\"nbf\":9223372036854775807}", "alice"),
               PB_R_NOT_YET_VALID, "nbf INT64_MAX");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":9223372036854775807,\"iat\":9223372036854775807}", "alice"),
               PB_R_FUTURE_IAT, "iat INT64_MAX");
    {
        char span[32];
        pb_trace_duration(span, sizeof(span), -9223372036854775807LL - 1);
        tap_is_str(span, "106751991167300d15h", "a duration of INT64_MIN seconds saturates");
        pb_trace_duration(span, sizeof(span), 9223372036854775807LL);
        tap_is_str(span, "106751991167300d15h", "a duration of INT64_MAX seconds");
    }
    /* Leeway 60 s by default: expired 59 s ago passes, 60 s ago fails. */
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld}", NOW - 59), "alice"), PB_R_NONE, "expired within leeway");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld}", NOW - 60), "alice"), PB_R_EXPIRED, "expired at leeway");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld}", NOW - 3600), "alice"), PB_R_EXPIRED, "expired an hour ago");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"nbf\":%lld}", NOW + 900, NOW + 60), "alice"), PB_R_NONE,
               "nbf at the leeway edge");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"nbf\":%lld}", NOW + 900, NOW + 61), "alice"),
               PB_R_NOT_YET_VALID, "nbf beyond leeway");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"nbf\":\"x\"}", NOW + 900), "alice"), PB_R_MALFORMED,
               "nbf of the wrong type");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"iat\":%lld}", NOW + 900, NOW + 61), "alice"),
               PB_R_FUTURE_IAT, "iat in the future");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"iat\":%lld}", NOW + 900, NOW - 100), "alice"), PB_R_NONE,
               "iat in the past");
    /* max_token_age by auth_time, which the IdP sets: a future one proves nothing. */
    set("max_token_age=300");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"auth_time\":%lld}", NOW + 900, NOW - 360), "alice"),
               PB_R_NONE, "auth_time at max_token_age plus leeway");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"auth_time\":%lld}", NOW + 900, NOW - 361), "alice"),
               PB_R_TOO_OLD, "auth_time beyond max_token_age plus leeway");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"auth_time\":%lld}", NOW + 900, NOW + 60), "alice"),
               PB_R_NONE, "auth_time in the future within the leeway");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"auth_time\":%lld}", NOW + 900, NOW + 61), "alice"),
               PB_R_TOO_OLD, "auth_time in the future beyond the leeway");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"auth_time\":253402300799}", NOW + 900), "alice"),
               PB_R_TOO_OLD, "auth_time in the year 9999");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":9223372036854775807,\"auth_time\":9223372036854775807}",
                     "alice"), PB_R_TOO_OLD, "auth_time INT64_MAX");
    tap_is_int(check("{\"sub\":\"alice\",\"exp\":9223372036854775807,\"auth_time\":-9223372036854775808}",
                     "alice"), PB_R_TOO_OLD, "auth_time INT64_MIN");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"auth_time\":%lld,\"iat\":%lld}", NOW + 900, NOW + 3600,
                       NOW - 10), "alice"),
               PB_R_TOO_OLD, "a future auth_time is not saved by a recent iat");
    set("max_token_age=0");
    set("leeway=0");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld}", NOW), "alice"), PB_R_EXPIRED, "exp == now expires (leeway 0)");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld}", NOW + 1), "alice"), PB_R_NONE, "exp now+1 (leeway 0)");
    set("leeway=60");

    tap_is_int(check(C("{\"sub\":\"bob\",\"exp\":%lld}", NOW + 100), "alice"), PB_R_USER_MISMATCH, "other user");
    tap_is_int(check(C("{\"sub\":\"Alice\",\"exp\":%lld}", NOW + 100), "alice"), PB_R_USER_MISMATCH, "case differs");
    tap_is_int(check(C("{\"sub\":\"alice \",\"exp\":%lld}", NOW + 100), "alice"), PB_R_USER_MISMATCH, "trailing space");
    tap_is_int(check(C("{\"exp\":%lld}", NOW + 100), "alice"), PB_R_USER_CLAIM, "no sub");
    tap_is_int(check(C("{\"sub\":42,\"exp\":%lld}", NOW + 100), "alice"), PB_R_USER_CLAIM, "sub a number");
    tap_is_int(check(C("{\"sub\":\"alice\\n\",\"exp\":%lld}", NOW + 100), "alice\n"), PB_R_USER_CLAIM,
               "newline in user claim");
    tap_is_int(check(C("{\"sub\":\"\",\"exp\":%lld}", NOW + 100), ""), PB_R_USER_CLAIM, "empty user claim");
    set("user_claim=uid");
    tap_is_int(check(C("{\"uid\":\"peter\",\"sub\":\"x\",\"exp\":%lld}", NOW + 100), "peter"), PB_R_NONE,
               "user_claim=uid");
    set("user_claim=sub");

    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"api\"}", NOW + 100), "alice"), PB_R_AUDIENCE,
               "aud present, none configured (RFC 7519 4.1.3)");
    set("audience=pam,ssh");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"ssh\"}", NOW + 100), "alice"), PB_R_NONE,
               "aud string matches second audience");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":[\"x\",\"pam\"]}", NOW + 100), "alice"), PB_R_NONE,
               "aud array contains an audience");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":[\"x\",\"y\"]}", NOW + 100), "alice"),
               PB_R_AUDIENCE, "aud array without ours");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":[\"pam\",3]}", NOW + 100), "alice"),
               PB_R_AUDIENCE, "aud array with a non-string");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld}", NOW + 100), "alice"), PB_R_AUDIENCE,
               "aud missing, audience configured");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"pams\"}", NOW + 100), "alice"), PB_R_AUDIENCE,
               "aud prefix is not a match");
    set("issuer=https://id.example");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"pam\",\"iss\":\"https://id.example\"}", NOW + 100),
                     "alice"), PB_R_NONE, "issuer matches");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"pam\",\"iss\":\"https://id.example/\"}", NOW + 100),
                     "alice"), PB_R_ISSUER, "issuer with trailing slash differs");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"pam\"}", NOW + 100), "alice"), PB_R_ISSUER,
               "issuer missing");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"pam\",\"iss\":[\"https://id.example\"]}",
                       NOW + 100), "alice"), PB_R_ISSUER, "issuer not a string");

    set("require_claim=scope=login");
    set("require_claim=groups=admins");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"pam\",\"iss\":\"https://id.example\","
                       "\"scope\":\"openid login\",\"groups\":[\"staff\",\"admins\"]}", NOW + 100), "alice"),
               PB_R_NONE, "required scope and group present");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"pam\",\"iss\":\"https://id.example\","
                       "\"scope\":\"openid loginx\",\"groups\":[\"admins\"]}", NOW + 100), "alice"),
               PB_R_REQUIRED_CLAIM, "scope word must match whole");
    tap_is_int(check(C("{\"sub\":\"alice\",\"exp\":%lld,\"aud\":\"pam\",\"iss\":\"https://id.example\","
                       "\"scope\":\"login\"}", NOW + 100), "alice"),
               PB_R_REQUIRED_CLAIM, "group claim missing");
    pb_config_free(&cfg);
    return tap_done();
}
