/* Claims policy: everything decided from the verified claims set. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "claim-path.h"
#include "claims.h"
#include "log.h"
#include "time-limit.h"
#include "trace.h"
#include "usermap.h"

/* RFC 7519 section 2: a NumericDate is any JSON number of seconds; every
 * value that fits a signed 64-bit count is taken as it is (an exp in the year
 * 292277026596 is valid), and the checks below compute with saturating
 * arithmetic, so none of them can overflow. */
int
pb_claims_numeric_date(json_t *value, long long *out)
{
    if (json_is_integer(value)) {
        /* jansson refuses integers beyond json_int_t (long long) at parse time. */
        *out = (long long) json_integer_value(value);
        return 0;
    }
    if (json_is_real(value)) {
        /* floor(v) within [-2^63, 2^63): both bounds are exact doubles. */
        double v = json_real_value(value), f;
        if (!isfinite(v))
            return -1;
        f = floor(v);
        if (f < -9223372036854775808.0 || f >= 9223372036854775808.0)
            return -1;
        *out = (long long) f;
        return 0;
    }
    return -1;
}

/* Does value equal want, contain it (array), or list it (space-separated string, as "scope")? */
static int
claim_has(json_t *value, const char *want)
{
    size_t wlen = strlen(want), i;
    json_t *item;

    if (json_is_string(value)) {
        const char *s = json_string_value(value);
        size_t len = json_string_length(value);
        if (len == wlen && memcmp(s, want, wlen) == 0)
            return 1;
        for (const char *p = s; p < s + len;) {
            size_t n = strcspn(p, " ");
            if (n == wlen && memcmp(p, want, wlen) == 0)
                return 1;
            p += n + 1;
        }
        return 0;
    }
    if (json_is_array(value)) {
        json_array_foreach(value, i, item)
            if (json_is_string(item) && json_string_length(item) == wlen
                && memcmp(json_string_value(item), want, wlen) == 0)
                return 1;
    }
    return 0;
}

/* Each check reports to the trace (when there is one) and, on failure, sets
 * the verdict.  They read only the claims, never each other's results. */

static enum pb_status
check_exp(const struct pb_config *cfg, json_t *claims, const char *user, time_t now,
          const struct pb_trace *trace, struct pb_verdict *verdict)
{
    json_t *exp = json_object_get(claims, "exp");
    long long t, leeway = cfg->leeway, when = (long long) now;
    char span[32];

    (void) user;
    if (exp == NULL) {
        pb_verdict_set(verdict, PB_R_EXP_MISSING, "token has no exp claim");
        goto fail;
    }
    if (pb_claims_numeric_date(exp, &t) < 0) {
        pb_verdict_set(verdict, PB_R_EXP_MISSING, "exp is not a usable NumericDate");
        goto fail;
    }
    /* RFC 7519 4.1.4: the current time must be before exp (plus the leeway). */
    if (pb_time_sat_sub(when, leeway) >= t) {
        pb_trace_duration(span, sizeof(span), pb_time_sat_sub(when, t));
        pb_verdict_set(verdict, PB_R_EXPIRED, "token expired %lld s ago (leeway %lld s)", pb_time_sat_sub(when, t),
                       leeway);
        pb_trace_report(trace, "exp", PB_CHECK_FAIL, "expired %s ago (leeway %llds)", span, leeway);
        return PB_REJECTED;
    }
    pb_trace_duration(span, sizeof(span), pb_time_sat_sub(t, when));
    pb_trace_report(trace, "exp", PB_CHECK_OK, t >= when ? "expires in %s" : "expired %s ago, within the leeway",
                    span);
    return PB_OK;
fail:
    pb_trace_report(trace, "exp", PB_CHECK_FAIL, "%s", verdict->detail);
    return PB_REJECTED;
}

/* nbf and iat: optional dates that must not lie (beyond the leeway) in the future. */
static enum pb_status
check_not_future(const char *name, enum pb_reason reason, const char *what, const struct pb_config *cfg,
                 json_t *claims, time_t now, const struct pb_trace *trace, struct pb_verdict *verdict)
{
    json_t *value = json_object_get(claims, name);
    long long t, when = (long long) now, leeway = cfg->leeway;
    char span[32];

    if (value == NULL) {
        pb_trace_report(trace, name, PB_CHECK_OK, "absent");
        return PB_OK;
    }
    if (pb_claims_numeric_date(value, &t) < 0) {
        pb_verdict_set(verdict, PB_R_MALFORMED, "%s is not a usable NumericDate", name);
        pb_trace_report(trace, name, PB_CHECK_FAIL, "%s", verdict->detail);
        return PB_REJECTED;
    }
    pb_trace_duration(span, sizeof(span), pb_time_sat_sub(t, when));
    if (t > pb_time_sat_add(when, leeway)) {
        pb_verdict_set(verdict, reason, "token %s %lld s in the future (leeway %lld s)", what,
                       pb_time_sat_sub(t, when), leeway);
        pb_trace_report(trace, name, PB_CHECK_FAIL, "%s in %s (leeway %llds)", what, span, leeway);
        return PB_REJECTED;
    }
    pb_trace_report(trace, name, PB_CHECK_OK, t <= when ? "%s %s ago" : "%s in %s, within the leeway", what, span);
    return PB_OK;
}

static enum pb_status
check_nbf(const struct pb_config *cfg, json_t *claims, const char *user, time_t now,
          const struct pb_trace *trace, struct pb_verdict *verdict)
{
    (void) user;
    return check_not_future("nbf", PB_R_NOT_YET_VALID, "valid from", cfg, claims, now, trace, verdict);
}

static enum pb_status
check_iat(const struct pb_config *cfg, json_t *claims, const char *user, time_t now,
          const struct pb_trace *trace, struct pb_verdict *verdict)
{
    (void) user;
    return check_not_future("iat", PB_R_FUTURE_IAT, "issued", cfg, claims, now, trace, verdict);
}

/* max_token_age: a fresh authentication, by OpenID Connect's auth_time when
 * the token has it, else by iat.  A token with neither cannot prove it. */
static enum pb_status
check_age(const struct pb_config *cfg, json_t *claims, const char *user, time_t now,
          const struct pb_trace *trace, struct pb_verdict *verdict)
{
    const char *name = json_object_get(claims, "auth_time") != NULL ? "auth_time" : "iat";
    json_t *value = json_object_get(claims, name);
    long long t, age;
    char span[32];

    (void) user;
    if (cfg->max_token_age == 0)
        return PB_OK;
    if (value == NULL || pb_claims_numeric_date(value, &t) < 0) {
        pb_verdict_set(verdict, PB_R_TOO_OLD, "max_token_age is set and the token has no usable auth_time or iat");
        pb_trace_report(trace, "age", PB_CHECK_FAIL, "%s", verdict->detail);
        return PB_REJECTED;
    }
    age = pb_time_sat_sub((long long) now, t);
    pb_trace_duration(span, sizeof(span), age);
    /* The IdP sets auth_time: a future one would make any token fresh.
     * (A future iat is already refused by check_iat.) */
    if (age < -(long long) cfg->leeway) {
        pb_trace_duration(span, sizeof(span), pb_time_sat_sub(t, (long long) now));
        pb_verdict_set(verdict, PB_R_TOO_OLD, "%s is %lld s in the future (leeway %ld s): it proves no fresh "
                       "authentication", name, pb_time_sat_sub(t, (long long) now), cfg->leeway);
        pb_trace_report(trace, "age", PB_CHECK_FAIL, "%s in %s (leeway %lds)", name, span, cfg->leeway);
        return PB_REJECTED;
    }
    if (age > pb_time_sat_add(cfg->max_token_age, cfg->leeway)) {
        pb_verdict_set(verdict, PB_R_TOO_OLD, "%s is %lld s ago, more than max_token_age %ld s (leeway %ld s)",
                       name, age, cfg->max_token_age, cfg->leeway);
        pb_trace_report(trace, "age", PB_CHECK_FAIL, "%s %s ago (max %lds)", name, span, cfg->max_token_age);
        return PB_REJECTED;
    }
    pb_trace_report(trace, "age", PB_CHECK_OK, "%s %s ago (max %lds)", name, span, cfg->max_token_age);
    return PB_OK;
}

enum pb_status
pb_claims_fresh(const struct pb_config *cfg, json_t *claims, time_t now, const struct pb_trace *trace,
                struct pb_verdict *verdict)
{
    return check_age(cfg, claims, NULL, now, trace, verdict);
}

static enum pb_status
check_issuer(const struct pb_config *cfg, json_t *claims, const char *user, time_t now,
             const struct pb_trace *trace, struct pb_verdict *verdict)
{
    json_t *iss = json_object_get(claims, "iss");
    char shown[96];

    (void) user, (void) now;
    if (json_is_string(iss))
        pb_log_sanitize(shown, sizeof(shown), json_string_value(iss), json_string_length(iss));
    else
        snprintf(shown, sizeof(shown), "%s", iss == NULL ? "(absent)" : "(not a string)");
    if (cfg->issuer == NULL) {
        pb_trace_report(trace, "iss", PB_CHECK_SKIP, "no issuer configured; token says \"%s\"", shown);
        return PB_OK;
    }
    if (iss == NULL) {
        pb_verdict_set(verdict, PB_R_ISSUER, "token has no iss claim, issuer is configured");
        pb_trace_report(trace, "iss", PB_CHECK_FAIL, "absent, \"%s\" required", cfg->issuer);
        return PB_REJECTED;
    }
    if (!json_is_string(iss) || strlen(cfg->issuer) != json_string_length(iss)
        || memcmp(cfg->issuer, json_string_value(iss), json_string_length(iss)) != 0) {
        pb_verdict_set(verdict, PB_R_ISSUER, "issuer \"%s\" is not the configured one", shown);
        pb_trace_report(trace, "iss", PB_CHECK_FAIL, "\"%s\" is not \"%s\"", shown, cfg->issuer);
        return PB_REJECTED;
    }
    pb_trace_report(trace, "iss", PB_CHECK_OK, "\"%s\"", shown);
    return PB_OK;
}

/* The configured audiences, as "[a, b]" for messages. */
static void
audience_list(const struct pb_config *cfg, char *out, size_t cap)
{
    size_t n = 0;

    n += (size_t) snprintf(out, cap, "[");
    for (size_t i = 0; i < cfg->audiences.count && n < cap; i++)
        n += (size_t) snprintf(out + n, cap - n, "%s%s", i ? ", " : "", cfg->audiences.items[i]);
    if (n < cap)
        snprintf(out + n, cap - n, "]");
}

static int
audience_matches(const struct pb_config *cfg, json_t *value)
{
    for (size_t i = 0; i < cfg->audiences.count; i++)
        if (json_string_length(value) == strlen(cfg->audiences.items[i])
            && strcmp(json_string_value(value), cfg->audiences.items[i]) == 0)
            return 1;
    return 0;
}

static enum pb_status
check_audience(const struct pb_config *cfg, json_t *claims, const char *user, time_t now,
               const struct pb_trace *trace, struct pb_verdict *verdict)
{
    json_t *aud = json_object_get(claims, "aud"), *item;
    char configured[256], shown[96] = "";
    size_t i;

    (void) user, (void) now;
    audience_list(cfg, configured, sizeof(configured));
    if (aud == NULL) {
        if (cfg->audiences.count == 0) {
            pb_trace_report(trace, "aud", PB_CHECK_OK, "absent, and no audience configured");
            return PB_OK;
        }
        pb_verdict_set(verdict, PB_R_AUDIENCE, "token has no aud claim, audience is configured");
        pb_trace_report(trace, "aud", PB_CHECK_FAIL, "absent, one of %s required", configured);
        return PB_REJECTED;
    }
    if (json_is_array(aud)) {
        json_array_foreach(aud, i, item)
            if (!json_is_string(item)) {
                pb_verdict_set(verdict, PB_R_AUDIENCE, "aud array holds a non-string");
                goto fail;
            }
    } else if (!json_is_string(aud)) {
        pb_verdict_set(verdict, PB_R_AUDIENCE, "aud is neither a string nor an array");
        goto fail;
    }
    /* RFC 7519 4.1.3: a token addressed to someone must be addressed to us. */
    if (cfg->audiences.count == 0) {
        pb_verdict_set(verdict, PB_R_AUDIENCE, "token names an audience but none is configured");
        goto fail;
    }
    if (json_is_string(aud)) {
        if (audience_matches(cfg, aud)) {
            pb_log_sanitize(shown, sizeof(shown), json_string_value(aud), json_string_length(aud));
            pb_trace_report(trace, "aud", PB_CHECK_OK, "\"%s\" in %s", shown, configured);
            return PB_OK;
        }
    } else {
        json_array_foreach(aud, i, item)
            if (audience_matches(cfg, item)) {
                pb_log_sanitize(shown, sizeof(shown), json_string_value(item), json_string_length(item));
                pb_trace_report(trace, "aud", PB_CHECK_OK, "\"%s\" in %s", shown, configured);
                return PB_OK;
            }
    }
    pb_verdict_set(verdict, PB_R_AUDIENCE, "no configured audience is in the token's aud");
    if (json_is_string(aud)) {
        pb_log_sanitize(shown, sizeof(shown), json_string_value(aud), json_string_length(aud));
        pb_trace_report(trace, "aud", PB_CHECK_FAIL, "\"%s\" not in %s", shown, configured);
        return PB_REJECTED;
    }
fail:
    pb_trace_report(trace, "aud", PB_CHECK_FAIL, "%s (configured: %s)", verdict->detail, configured);
    return PB_REJECTED;
}

static enum pb_status
check_user(const struct pb_config *cfg, json_t *claims, const char *user, time_t now,
           const struct pb_trace *trace, struct pb_verdict *verdict)
{
    char name[PB_USERMAP_NAME_MAX + 1], shown[96], shown_user[96];
    int mapped = cfg->user_strip_domain != NULL || cfg->user_lowercase || cfg->user_re != NULL
                 || cfg->user_template != NULL;

    (void) now;
    /* The steps are shown (bearer-token verify) only when there are some. */
    if (pb_usermap_apply(cfg, claims, name, sizeof(name), mapped ? trace : NULL, verdict) != PB_OK) {
        pb_trace_report(trace, "user", PB_CHECK_FAIL, "%s", verdict->detail);
        return PB_REJECTED;
    }
    pb_log_sanitize(shown, sizeof(shown), name, strlen(name));
    if (user == NULL) {
        pb_trace_report(trace, "user", PB_CHECK_SKIP, "%s%s is \"%s\"; no user given to compare", cfg->user_claim,
                        mapped ? " mapped" : "", shown);
        return PB_OK;
    }
    /* Exact, byte for byte: any folding is the mapping's, configured. */
    pb_log_sanitize(shown_user, sizeof(shown_user), user, strlen(user));
    if (strcmp(user, name) != 0) {
        pb_verdict_set(verdict, PB_R_USER_MISMATCH, "claim %s%s is \"%s\", login user is \"%s\"",
                       cfg->user_claim, mapped ? " mapped" : "", shown, shown_user);
        pb_trace_report(trace, "user", PB_CHECK_FAIL, "%s%s is \"%s\", not \"%s\"", cfg->user_claim,
                        mapped ? " mapped" : "", shown, shown_user);
        return PB_REJECTED;
    }
    pb_trace_report(trace, "user", PB_CHECK_OK, "%s%s is \"%s\"", cfg->user_claim, mapped ? " mapped" : "", shown);
    return PB_OK;
}

enum pb_status
pb_claims_required(const struct pb_strlist *required, json_t *claims, const struct pb_trace *trace,
                   struct pb_verdict *verdict)
{
    enum pb_status status = PB_OK;

    for (size_t i = 0; i < required->count; i++) {
        const char *spec = required->items[i];
        const char *eq = strchr(spec, '=');
        char name[PB_CLAIM_NAME_MAX + 1], label[PB_CLAIM_NAME_MAX + 8];
        json_t *value;

        /* Refused when the option was parsed; never skipped if it got here. */
        if (eq == NULL || (size_t) (eq - spec) >= sizeof(name)) {
            pb_verdict_set(verdict, PB_R_REQUIRED_CLAIM, "unusable require_claim setting");
            return PB_REJECTED;
        }
        memcpy(name, spec, (size_t) (eq - spec));
        name[eq - spec] = '\0';
        snprintf(label, sizeof(label), "claim %s", name);
        value = pb_claim_path_get(claims, name);
        if (value == NULL || !claim_has(value, eq + 1)) {
            if (status == PB_OK)
                pb_verdict_set(verdict, PB_R_REQUIRED_CLAIM, "claim %s does not carry the required value",
                               name);
            pb_trace_report(trace, label, PB_CHECK_FAIL, "\"%s\" %s", eq + 1,
                            value == NULL ? "required, claim absent" : "required, not carried");
            status = PB_REJECTED;
            if (trace == NULL)
                break;
            continue;
        }
        pb_trace_report(trace, label, PB_CHECK_OK, "carries \"%s\"", eq + 1);
    }
    return status;
}

static enum pb_status
check_required(const struct pb_config *cfg, json_t *claims, const char *user, time_t now,
               const struct pb_trace *trace, struct pb_verdict *verdict)
{
    (void) user, (void) now;
    return pb_claims_required(&cfg->required, claims, trace, verdict);
}

typedef enum pb_status (*claim_check_fn)(const struct pb_config *, json_t *, const char *, time_t,
                                         const struct pb_trace *, struct pb_verdict *);

/* In the order the module applies them; the first failure is the verdict. */
static const claim_check_fn claim_checks[] = {
    check_exp, check_nbf, check_iat, check_age, check_issuer, check_audience, check_user, check_required,
};

enum pb_status
pb_claims_check(const struct pb_config *cfg, json_t *claims, const char *user,
                time_t now, const struct pb_trace *trace, struct pb_verdict *verdict)
{
    enum pb_status status = PB_OK;

    for (size_t i = 0; i < sizeof(claim_checks) / sizeof(claim_checks[0]); i++) {
        struct pb_verdict this_check = { PB_R_NONE, "" };
        if (claim_checks[i](cfg, claims, user, now, trace, &this_check) == PB_OK)
            continue;
        if (status == PB_OK) {
            status = PB_REJECTED;
            *verdict = this_check;
        }
        /* A traced run goes on, so every check's outcome is shown. */
        if (trace == NULL)
            break;
    }
    return status;
}
