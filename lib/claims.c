/* Claims policy: everything decided from the verified claims set. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "claims.h"
#include "log.h"

/* Seconds outside this range are nonsense, and keep the arithmetic exact. */
#define DATE_LIMIT 253402300799LL   /* 9999-12-31T23:59:59Z */

int
pb_claims_numeric_date(json_t *value, long long *out)
{
    if (json_is_integer(value)) {
        json_int_t v = json_integer_value(value);
        if (v < -DATE_LIMIT || v > DATE_LIMIT)
            return -1;
        *out = (long long) v;
        return 0;
    }
    if (json_is_real(value)) {
        double v = json_real_value(value);
        if (!isfinite(v) || v < (double) -DATE_LIMIT || v > (double) DATE_LIMIT)
            return -1;
        *out = (long long) floor(v);
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

static enum pb_status
check_times(const struct pb_config *cfg, json_t *claims, time_t now, struct pb_verdict *verdict)
{
    json_t *exp = json_object_get(claims, "exp");
    json_t *nbf = json_object_get(claims, "nbf");
    json_t *iat = json_object_get(claims, "iat");
    long long t, leeway = cfg->leeway, when = (long long) now;

    if (exp == NULL) {
        pb_verdict_set(verdict, PB_R_EXP_MISSING, "token has no exp claim");
        return PB_REJECTED;
    }
    if (pb_claims_numeric_date(exp, &t) < 0) {
        pb_verdict_set(verdict, PB_R_EXP_MISSING, "exp is not a usable NumericDate");
        return PB_REJECTED;
    }
    /* RFC 7519 4.1.4: the current time must be before exp (plus the leeway). */
    if (when - leeway >= t) {
        pb_verdict_set(verdict, PB_R_EXPIRED, "token expired %lld s ago (leeway %lld s)", when - t, leeway);
        return PB_REJECTED;
    }
    if (nbf != NULL) {
        if (pb_claims_numeric_date(nbf, &t) < 0) {
            pb_verdict_set(verdict, PB_R_MALFORMED, "nbf is not a usable NumericDate");
            return PB_REJECTED;
        }
        if (t > when + leeway) {
            pb_verdict_set(verdict, PB_R_NOT_YET_VALID, "token not valid for another %lld s (leeway %lld s)",
                           t - when, leeway);
            return PB_REJECTED;
        }
    }
    if (iat != NULL) {
        if (pb_claims_numeric_date(iat, &t) < 0) {
            pb_verdict_set(verdict, PB_R_MALFORMED, "iat is not a usable NumericDate");
            return PB_REJECTED;
        }
        if (t > when + leeway) {
            pb_verdict_set(verdict, PB_R_FUTURE_IAT, "token issued %lld s in the future (leeway %lld s)",
                           t - when, leeway);
            return PB_REJECTED;
        }
    }
    return PB_OK;
}

static enum pb_status
check_issuer(const struct pb_config *cfg, json_t *claims, struct pb_verdict *verdict)
{
    json_t *iss = json_object_get(claims, "iss");
    char shown[96];

    if (cfg->issuer == NULL)
        return PB_OK;
    if (iss == NULL) {
        pb_verdict_set(verdict, PB_R_ISSUER, "token has no iss claim, issuer is configured");
        return PB_REJECTED;
    }
    if (!json_is_string(iss) || strlen(cfg->issuer) != json_string_length(iss)
        || memcmp(cfg->issuer, json_string_value(iss), json_string_length(iss)) != 0) {
        if (json_is_string(iss))
            pb_log_sanitize(shown, sizeof(shown), json_string_value(iss), json_string_length(iss));
        else
            strcpy(shown, "(not a string)");
        pb_verdict_set(verdict, PB_R_ISSUER, "issuer \"%s\" is not the configured one", shown);
        return PB_REJECTED;
    }
    return PB_OK;
}

static enum pb_status
check_audience(const struct pb_config *cfg, json_t *claims, struct pb_verdict *verdict)
{
    json_t *aud = json_object_get(claims, "aud"), *item;
    size_t i;

    if (aud == NULL) {
        if (cfg->audiences.count == 0)
            return PB_OK;
        pb_verdict_set(verdict, PB_R_AUDIENCE, "token has no aud claim, audience is configured");
        return PB_REJECTED;
    }
    if (json_is_array(aud)) {
        json_array_foreach(aud, i, item)
            if (!json_is_string(item)) {
                pb_verdict_set(verdict, PB_R_AUDIENCE, "aud array holds a non-string");
                return PB_REJECTED;
            }
    } else if (!json_is_string(aud)) {
        pb_verdict_set(verdict, PB_R_AUDIENCE, "aud is neither a string nor an array");
        return PB_REJECTED;
    }
    /* RFC 7519 4.1.3: a token addressed to someone must be addressed to us. */
    if (cfg->audiences.count == 0) {
        pb_verdict_set(verdict, PB_R_AUDIENCE, "token names an audience but none is configured");
        return PB_REJECTED;
    }
    for (i = 0; i < cfg->audiences.count; i++) {
        const char *want = cfg->audiences.items[i];
        if (json_is_string(aud)) {
            if (json_string_length(aud) == strlen(want) && strcmp(json_string_value(aud), want) == 0)
                return PB_OK;
        } else {
            size_t j;
            json_array_foreach(aud, j, item)
                if (json_string_length(item) == strlen(want) && strcmp(json_string_value(item), want) == 0)
                    return PB_OK;
        }
    }
    pb_verdict_set(verdict, PB_R_AUDIENCE, "no configured audience is in the token's aud");
    return PB_REJECTED;
}

static enum pb_status
check_user(const struct pb_config *cfg, json_t *claims, const char *user, struct pb_verdict *verdict)
{
    json_t *value = json_object_get(claims, cfg->user_claim);
    const char *name;
    size_t len;
    char shown[96], shown_user[96];

    if (!json_is_string(value)) {
        pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s is %s", cfg->user_claim,
                       value == NULL ? "missing" : "not a string");
        return PB_REJECTED;
    }
    name = json_string_value(value);
    len = json_string_length(value);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) name[i];
        if (c < 0x20 || c == 0x7f) {
            pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s holds a control character", cfg->user_claim);
            return PB_REJECTED;
        }
    }
    if (len == 0) {
        pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s is empty", cfg->user_claim);
        return PB_REJECTED;
    }
    /* Exact, byte for byte: no case folding, no trimming, no domain stripping. */
    if (strlen(user) != len || memcmp(user, name, len) != 0) {
        pb_log_sanitize(shown, sizeof(shown), name, len);
        pb_log_sanitize(shown_user, sizeof(shown_user), user, strlen(user));
        pb_verdict_set(verdict, PB_R_USER_MISMATCH, "claim %s is \"%s\", login user is \"%s\"",
                       cfg->user_claim, shown, shown_user);
        return PB_REJECTED;
    }
    return PB_OK;
}

static enum pb_status
check_required(const struct pb_config *cfg, json_t *claims, struct pb_verdict *verdict)
{
    for (size_t i = 0; i < cfg->required.count; i++) {
        const char *spec = cfg->required.items[i];
        const char *eq = strchr(spec, '=');
        char name[PB_CLAIM_NAME_MAX + 1];
        json_t *value;

        /* Refused when the option was parsed; never skipped if it got here. */
        if (eq == NULL || (size_t) (eq - spec) >= sizeof(name)) {
            pb_verdict_set(verdict, PB_R_REQUIRED_CLAIM, "unusable require_claim setting");
            return PB_REJECTED;
        }
        memcpy(name, spec, (size_t) (eq - spec));
        name[eq - spec] = '\0';
        value = json_object_get(claims, name);
        if (value == NULL || !claim_has(value, eq + 1)) {
            pb_verdict_set(verdict, PB_R_REQUIRED_CLAIM, "claim %s does not carry the required value",
                           name);
            return PB_REJECTED;
        }
    }
    return PB_OK;
}

enum pb_status
pb_claims_check(const struct pb_config *cfg, json_t *claims, const char *user,
                time_t now, struct pb_verdict *verdict)
{
    enum pb_status status;

    status = check_times(cfg, claims, now, verdict);
    if (status == PB_OK)
        status = check_issuer(cfg, claims, verdict);
    if (status == PB_OK)
        status = check_audience(cfg, claims, verdict);
    if (status == PB_OK)
        status = check_user(cfg, claims, user, verdict);
    if (status == PB_OK)
        status = check_required(cfg, claims, verdict);
    return status;
}
