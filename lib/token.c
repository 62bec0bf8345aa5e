/* The token checks, in the order that does the least work for an attacker:
 * size and shape (as credential.c read them), header rules, algorithm, key,
 * signature, then the claims. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "b64url.h"
#include "claim-path.h"
#include "claims.h"
#include "issuer.h"
#include "jwk.h"
#include "jwks-source.h"
#include "keyset.h"
#include "secret.h"
#include "time-limit.h"
#include "metrics.h"
#include "token.h"
#include "userinfo.h"

/* The HMAC key file: a secret, so private to its owner, and small. */
#define HMAC_KEY_MAX 4096
#define HMAC_KEY_MIN 32

static void
copy_claim(char *out, size_t cap, json_t *obj, const char *name)
{
    json_t *v = obj ? json_object_get(obj, name) : NULL;

    if (json_is_string(v))
        pb_log_sanitize(out, cap, json_string_value(v), json_string_length(v));
    else
        snprintf(out, cap, "-");
}

/* Does the set lack any key this token could name?  (Keys without a kid
 * are candidates for every token.) */
static int
kid_unknown(const struct pb_jws *jws, const struct pb_keyset *set)
{
    if (jws->kid == NULL)
        return 0;
    for (size_t i = 0; i < set->count; i++)
        if (set->keys[i].kid == NULL || strcmp(set->keys[i].kid, jws->kid) == 0)
            return 0;
    return 1;
}

/* The keys for this token.  A kid the cached keys lack may mean the
 * authority rotated: ask it once more (rate-limited per host, so random
 * kids cannot turn logins into a flood of requests). */
static enum pb_status
keys_for(const struct pb_login_ctx *ctx, const struct pb_jws *jws, struct pb_keyset **set)
{
    struct pb_keyset *newer = NULL;
    enum pb_status status = ctx->keys(ctx, 0, set);

    if (status != PB_OK || !pb_jwks_is_remote(ctx->cfg) || !kid_unknown(jws, *set))
        return status;
    pb_log(ctx->log, LOG_INFO, "kid not in the cached keys: asking the authority for its current keys");
    pb_metrics_add(ctx->metrics, PB_M_UNKNOWN_KID_REFETCH);
    if (ctx->keys(ctx, 1, &newer) == PB_OK && newer != NULL) {
        pb_keyset_release(*set);
        *set = newer;
    }
    return PB_OK;
}

/* Try the keys that may verify this token; PB_OK on the first that does. */
static enum pb_status
verify_with_keys(const struct pb_jws *jws, struct pb_keyset *set, const struct pb_log *log,
                 struct pb_trace *trace, struct pb_verdict *verdict, struct pb_token_info *info)
{
    size_t kid_matches = 0, tried = 0, unusable = 0;

    for (size_t i = 0; i < set->count; i++) {
        const struct pb_key *key = &set->keys[i];
        /* A key without a kid (a PEM key, say) is a candidate for any token;
         * a key with one only for tokens naming it. */
        if (jws->kid != NULL && key->kid != NULL && strcmp(key->kid, jws->kid) != 0)
            continue;
        kid_matches++;
        if (!pb_key_fits(key, jws->alg))
            continue;
        key = pb_keyset_key(set, i, jws->alg, log);
        if (key == NULL) {
            unusable++;
            continue;
        }
        tried++;
        if (pb_jws_verify(jws, key, NULL, 0) == PB_OK) {
            char kid[72];
            pb_log_sanitize(kid, sizeof(kid), key->kid ? key->kid : "-", key->kid ? strlen(key->kid) : 1);
            pb_log(log, LOG_DEBUG, "signature verified with key %zu (kid %s, %s, %d bits)", i,
                   kid, pb_kty_name(key->kty), key->bits);
            if (trace != NULL) {
                snprintf(trace->key, sizeof(trace->key), "kid %s, %s%s%s, %d bits", kid,
                         pb_kty_name(key->kty), key->curve ? " " : "", key->curve ? key->curve : "", key->bits);
                pb_trace_report(trace, "key", PB_CHECK_OK, "%s (key %zu of %zu)", trace->key, i + 1, set->count);
                pb_trace_report(trace, "signature", PB_CHECK_OK, "%s verifies", jws->alg->name);
            }
            return PB_OK;
        }
        pb_log(log, LOG_DEBUG, "key %zu (%s, %d bits) does not verify the signature", i,
               pb_kty_name(key->kty), key->bits);
    }
    if (tried == 0 && unusable > 0) {
        /* Keys meant for this token exist but cannot be used: no verdict on the token. */
        pb_log(log, LOG_ERR, "unavailable: the %zu key(s) that fit this token are unusable", unusable);
        pb_trace_report(trace, "key", PB_CHECK_FAIL, "the %zu key(s) that fit are unusable", unusable);
        return PB_UNAVAILABLE;
    }
    if (jws->kid != NULL && kid_matches == 0) {
        pb_verdict_set(verdict, PB_R_UNKNOWN_KID, "no key with kid \"%s\"", info->kid);
    } else if (tried == 0) {
        pb_verdict_set(verdict, PB_R_NO_KEY, "no usable %s key fits algorithm %s%s",
                       jws->kid ? "such" : "configured", jws->alg->name,
                       jws->kid ? " (key type, curve or alg differs)" : "");
    } else {
        pb_trace_report(trace, "key", PB_CHECK_OK, "%zu candidate key%s", tried, tried == 1 ? "" : "s");
        pb_verdict_set(verdict, PB_R_BAD_SIGNATURE, "signature does not verify (%zu key%s tried)",
                       tried, tried == 1 ? "" : "s");
        pb_trace_report(trace, "signature", PB_CHECK_FAIL, "%s", verdict->detail);
        return PB_REJECTED;
    }
    pb_trace_report(trace, "key", PB_CHECK_FAIL, "%s", verdict->detail);
    pb_trace_report(trace, "signature", PB_CHECK_SKIP, "no key to check it with");
    return PB_REJECTED;
}

/* Read the configured HMAC secret.  A configured but unusable key file fails
 * every login, whatever its algorithm: a misconfiguration is never ignored. */
static enum pb_status
load_hmac_secret(const struct pb_config *cfg, const struct pb_log *log,
                 unsigned char **secret, size_t *secret_len)
{
    char err[256];
    enum pb_status status;

    status = pb_secret_read_file(cfg->hmac_key_file, HMAC_KEY_MAX, 1, secret, secret_len, NULL,
                                 err, sizeof(err));
    if (status != PB_OK) {
        pb_log(log, LOG_ERR, "%s: hmac_key_file %s", pb_status_name(status), err);
        return status;
    }
    if (*secret_len < HMAC_KEY_MIN) {
        pb_log(log, LOG_ERR, "config: hmac_key_file %s holds %zu bytes, at least %d are needed",
               cfg->hmac_key_file, *secret_len, HMAC_KEY_MIN);
        return PB_CONFIG;
    }
    return PB_OK;
}

static enum pb_status
verify_hmac(const struct pb_jws *jws, const unsigned char *secret, size_t secret_len,
            struct pb_trace *trace, struct pb_verdict *verdict)
{
    enum pb_status status = pb_jws_verify(jws, NULL, secret, secret_len);

    if (status == PB_OK) {
        if (trace != NULL) {
            snprintf(trace->key, sizeof(trace->key), "hmac_key_file, %zu bytes", secret_len);
            pb_trace_report(trace, "key", PB_CHECK_OK, "%s", trace->key);
            pb_trace_report(trace, "signature", PB_CHECK_OK, "%s verifies", jws->alg->name);
        }
    } else if (secret_len < jws->alg->sig_len) {
        pb_verdict_set(verdict, PB_R_NO_KEY, "hmac_key_file is shorter than %s needs (%zu bytes)",
                       jws->alg->name, jws->alg->sig_len);
        pb_trace_report(trace, "key", PB_CHECK_FAIL, "%s", verdict->detail);
        pb_trace_report(trace, "signature", PB_CHECK_SKIP, "no key to check it with");
    } else {
        pb_verdict_set(verdict, PB_R_BAD_SIGNATURE, "HMAC does not verify");
        pb_trace_report(trace, "key", PB_CHECK_OK, "hmac_key_file, %zu bytes", secret_len);
        pb_trace_report(trace, "signature", PB_CHECK_FAIL, "%s", verdict->detail);
    }
    return status;
}

/* Several issuers: the iss of the payload, not yet verified, only chooses
 * whose keys and policy decide.  Nothing else is read before the signature
 * holds, and the claims check compares iss again once it is verified. */
static enum pb_status
route(const struct pb_login_ctx *ctx, struct pb_jws *jws, struct pb_login_ctx *routed, struct pb_config *section,
      int *built, struct pb_trace *trace, struct pb_verdict *verdict, struct pb_token_info *info)
{
    const struct pb_issuer *is = NULL;
    json_t *iss;
    char shown[96] = "";
    enum pb_status status = pb_jws_parse_claims(jws, verdict);

    if (status != PB_OK) {
        pb_trace_report(trace, "issuer", PB_CHECK_FAIL, "%s", verdict->detail);
        return status;
    }
    iss = json_object_get(jws->claims, "iss");
    if (json_is_string(iss)) {
        pb_log_sanitize(shown, sizeof(shown), json_string_value(iss), json_string_length(iss));
        is = pb_issuer_route(ctx->cfg, json_string_value(iss), json_string_length(iss));
    }
    if (is == NULL) {
        pb_verdict_set(verdict, PB_R_UNKNOWN_ISSUER, iss == NULL ? "token has no iss claim"
                       : json_is_string(iss) ? "no issuer section for iss \"%s\"" : "iss is not a string", shown);
        pb_trace_report(trace, "issuer", PB_CHECK_FAIL, "%s", verdict->detail);
        return PB_REJECTED;
    }
    snprintf(info->issuer, sizeof(info->issuer), "%s", is->name);
    if (!pb_issuer_allowed(ctx->cfg, is->name)) {
        pb_verdict_set(verdict, PB_R_ISSUER_NOT_ALLOWED, "issuer %s is not in this service's issuers=", is->name);
        pb_trace_report(trace, "issuer", PB_CHECK_FAIL, "%s", verdict->detail);
        return PB_REJECTED;
    }
    /* Only this issuer's section is built: a wrong value in another one
     * never touches this login. */
    if (is->cfg == NULL) {
        char err[320];
        status = pb_issuer_build(ctx->cfg, is, section, err, sizeof(err));
        if (status != PB_OK) {
            if (status == PB_CONFIG)
                pb_log(ctx->log, LOG_ERR, "config: %s", err);
            pb_trace_report(trace, "issuer", PB_CHECK_FAIL, "[issuer %s] cannot be used (see the log)", is->name);
            return status;
        }
        *built = 1;
    }
    pb_trace_report(trace, "issuer", PB_CHECK_OK, "[issuer %s] by the token's iss \"%s\" (verified below)",
                    is->name, shown);
    *routed = *ctx;
    routed->cfg = is->cfg != NULL ? is->cfg : section;
    return PB_OK;
}

/* Keep the first failure as the outcome; later checks only add detail. */
static void
note(enum pb_status *outcome, struct pb_verdict *verdict, enum pb_status status,
     const struct pb_verdict *this_check)
{
    if (*outcome == PB_OK && status != PB_OK) {
        *outcome = status;
        if (this_check != verdict)
            *verdict = *this_check;
    }
}

enum pb_status
pb_token_check(const struct pb_login_ctx *ctx, const char *user, const struct pb_credential *cred,
               struct pb_trace *trace, int flags, struct pb_verdict *verdict,
               struct pb_token_info *info, unsigned char **payload, size_t *payload_len)
{
    const struct pb_config *cfg = ctx->cfg, *service = ctx->cfg;
    struct pb_login_ctx routed;
    struct pb_config section;
    int signature_only = flags & PB_TOKEN_SIGNATURE_ONLY, built = 0;
    const struct pb_log *log = ctx->log;
    const char *token = cred->text;
    size_t len = cred->len;
    struct pb_jws jws;
    struct pb_keyset *set = NULL;
    struct pb_verdict step = { PB_R_NONE, "" };
    unsigned char *secret = NULL;
    size_t secret_len = 0;
    enum pb_status outcome = PB_OK, status;

    memset(&jws, 0, sizeof(jws));
    memset(info, 0, sizeof(*info));
    memset(&routed, 0, sizeof(routed));
    info->iss[0] = info->jti[0] = info->sub[0] = info->kid[0] = info->alg[0] = '-';
    verdict->reason = PB_R_NONE;
    verdict->detail[0] = '\0';

    if (payload != NULL) {
        *payload = NULL;
        *payload_len = 0;
    }
    /* Size and shape were read once, by pb_credential_read. */
    if (cred->kind == PB_CRED_TOO_LARGE) {
        pb_verdict_set(verdict, PB_R_TOO_LARGE, "token of %zu bytes exceeds %d", len, PB_JWS_MAX_TOKEN);
        pb_trace_report(trace, "size", PB_CHECK_FAIL, "%s", verdict->detail);
        outcome = PB_REJECTED;
        goto done;
    }
    pb_trace_report(trace, "size", PB_CHECK_OK, "%zu bytes (limit %d)", len, PB_JWS_MAX_TOKEN);
    if (cred->kind != PB_CRED_TOKEN && !(signature_only && pb_credential_is_jose_shaped(token, len))) {
        pb_verdict_set(verdict, PB_R_NOT_A_TOKEN, "input is not a JWS compact token");
        pb_trace_report(trace, "format", PB_CHECK_FAIL, "%s", verdict->detail);
        outcome = PB_REJECTED;
        goto done;
    }
    /* A token never goes to LDAP, and with password_only it goes nowhere. */
    if (cfg->password_only) {
        pb_verdict_set(verdict, PB_R_TOKEN_NOT_ALLOWED, "password_only is set and a token was given");
        pb_trace_report(trace, "path", PB_CHECK_FAIL, "%s", verdict->detail);
        outcome = PB_REJECTED;
        goto done;
    }
    /* JOSE-only verification takes any payload, the empty one included
     * (RFC 7515). */
    status = signature_only ? pb_jws_parse_jose(token, len, &jws, verdict) : pb_jws_parse(token, len, &jws, verdict);
    if (jws.header != NULL) {
        copy_claim(info->kid, sizeof(info->kid), jws.header, "kid");
        copy_claim(info->alg, sizeof(info->alg), jws.header, "alg");
        if (trace != NULL)
            trace->header = json_incref(jws.header);
    }
    if (status != PB_OK) {
        pb_trace_report(trace, "format", PB_CHECK_FAIL, "%s: %s", pb_reason_name(verdict->reason), verdict->detail);
        outcome = status;
        goto done;
    }
    pb_trace_report(trace, "format", PB_CHECK_OK, "JWS compact serialization, header accepted");
    pb_log(log, LOG_DEBUG, "token of %zu bytes, alg %s, kid %s", len, info->alg, info->kid);
    if (service->issuer_table != NULL) {
        status = route(ctx, &jws, &routed, &section, &built, trace, verdict, info);
        if (status != PB_OK) {
            outcome = status;
            goto done;
        }
        ctx = &routed;
        cfg = routed.cfg;
    }

    if (jws.alg == NULL || (jws.alg->bit & cfg->alg_mask) == 0) {
        pb_verdict_set(&step, PB_R_ALG_NOT_ALLOWED, "algorithm \"%s\" is not allowed", info->alg);
        pb_trace_report(trace, "alg", PB_CHECK_FAIL, "%s", step.detail);
        pb_trace_report(trace, "key", PB_CHECK_SKIP, "algorithm not allowed");
        pb_trace_report(trace, "signature", PB_CHECK_SKIP, "algorithm not allowed");
        note(&outcome, verdict, PB_REJECTED, &step);
    } else {
        pb_trace_report(trace, "alg", PB_CHECK_OK, "%s is allowed", jws.alg->name);
        if (cfg->hmac_key_file != NULL) {
            status = load_hmac_secret(cfg, log, &secret, &secret_len);
            if (status != PB_OK) {
                pb_trace_report(trace, "key", PB_CHECK_FAIL, "hmac_key_file unusable (see the log)");
                outcome = status;
                goto done;
            }
        }
        if (jws.alg->family == PB_FAM_HMAC) {
            status = verify_hmac(&jws, secret, secret_len, trace, &step);
        } else if (cfg->jwks == NULL && !cfg->discovery) {
            pb_log(log, LOG_ERR, "unavailable: neither jwks= nor discovery configured");
            pb_trace_report(trace, "key", PB_CHECK_FAIL, "no jwks configured");
            status = PB_UNAVAILABLE;
        } else {
            status = keys_for(ctx, &jws, &set);
            if (status == PB_OK)
                status = verify_with_keys(&jws, set, log, trace, &step, info);
            else
                pb_trace_report(trace, "key", PB_CHECK_FAIL, "key file unusable (see the log)");
        }
        note(&outcome, verdict, status, &step);
    }
    if (outcome != PB_OK && trace == NULL)
        goto done;

    if (signature_only) {
        if (outcome == PB_OK && payload != NULL) {
            if (pb_b64url_decode_alloc(jws.payload_b64, jws.payload_b64_len, payload, payload_len) < 0) {
                pb_verdict_set(verdict, PB_R_MALFORMED, "payload is not strict base64url");
                outcome = PB_REJECTED;
            }
        }
        goto done;
    }
    status = jws.claims != NULL ? PB_OK : pb_jws_parse_claims(&jws, &step);
    if (status != PB_OK) {
        pb_trace_report(trace, "claims", PB_CHECK_FAIL, "%s", step.detail);
        note(&outcome, verdict, status, &step);
        goto done;
    }
    pb_trace_report(trace, "claims", outcome == PB_OK ? PB_CHECK_OK : PB_CHECK_SKIP,
                    outcome == PB_OK ? "JSON object" : "JSON object, NOT VERIFIED: shown for information");
    if (trace != NULL)
        trace->claims = json_incref(jws.claims);
    copy_claim(info->iss, sizeof(info->iss), jws.claims, "iss");
    copy_claim(info->jti, sizeof(info->jti), jws.claims, "jti");
    copy_claim(info->sub, sizeof(info->sub), jws.claims, "sub");
    /* Some authorities (DC/OS) issue tokens without iss or aud: allowed, but said. */
    if (cfg->issuer == NULL)
        pb_log(log, LOG_WARNING, "no issuer configured: tokens are accepted whoever issued them");
    if (cfg->audiences.count == 0)
        pb_log(log, LOG_WARNING, "no audience configured: only tokens without an aud claim are accepted");
    /* Only for a token whose signature holds: a forged one never makes the
     * module send anything anywhere. */
    if (outcome == PB_OK && cfg->userinfo_endpoint != NULL) {
        status = pb_userinfo_fill(ctx, cfg, service, flags & PB_TOKEN_GROUPS, token, len, jws.claims, trace,
                                  &step);
        note(&outcome, verdict, status, &step);
        if (outcome != PB_OK && trace == NULL)
            goto done;
    }
    status = pb_claims_check(cfg, jws.claims, user, ctx->now, trace, &step);
    note(&outcome, verdict, status, &step);
    /* The service's own require_claim and max_token_age (top level, module
     * line) hold for every issuer's tokens. */
    if (cfg != service && (outcome == PB_OK || trace != NULL)) {
        status = pb_claims_required(&service->required, jws.claims, trace, &step);
        note(&outcome, verdict, status, &step);
        status = pb_claims_fresh(service, jws.claims, ctx->now, trace, &step);
        note(&outcome, verdict, status, &step);
    }
    if ((flags & PB_TOKEN_GROUPS) && (outcome == PB_OK || trace != NULL)) {
        status = pb_claims_groups(cfg, service, jws.claims, trace, &step);
        note(&outcome, verdict, status, &step);
    }
    if (outcome == PB_OK) {
        long long exp = 0;
        pb_claims_numeric_date(json_object_get(jws.claims, "exp"), &exp);
        pb_log(log, LOG_DEBUG, "claims accepted for %s claim, expires in %lld s", cfg->user_claim,
               pb_time_sat_sub(exp, (long long) ctx->now));
    }
done:
    /* Failed verifications leave entries on OpenSSL's per-thread error queue;
     * do not hand them to the application. */
    ERR_clear_error();
    pb_secret_free(secret, secret_len + 1);
    pb_keyset_release(set);
    pb_jws_clear(&jws);
    if (built)
        pb_config_free(&section);
    return outcome;
}

enum pb_status
pb_token_verify(const struct pb_config *cfg, const char *user, const char *token, size_t len,
                time_t now, const struct pb_log *log, struct pb_verdict *verdict,
                struct pb_token_info *info)
{
    const struct pb_login_ctx ctx = { cfg, log, now, pb_jwks_get, NULL, NULL, NULL, NULL };
    struct pb_credential cred;

    pb_credential_read(token, len, &cred);
    return pb_token_check(&ctx, user, &cred, NULL, 0, verdict, info, NULL, NULL);
}

void
pb_token_log_outcome(const struct pb_log *log, enum pb_status status, const char *user,
                     const struct pb_verdict *verdict, const struct pb_token_info *info)
{
    char shown_user[96];

    pb_log_sanitize(shown_user, sizeof(shown_user), user, strlen(user));
    switch (status) {
    case PB_OK:
        pb_log(log, LOG_INFO, "accepted: user %s (alg %s, kid %s, jti %s%s%s)", shown_user,
               info->alg, info->kid, info->jti, info->issuer[0] ? ", issuer " : "", info->issuer);
        break;
    case PB_REJECTED:
        pb_log(log, LOG_NOTICE, "rejected: %s: %s (user %s, jti %s, sub %s%s%s)",
               pb_reason_name(verdict->reason), verdict->detail, shown_user, info->jti, info->sub,
               info->issuer[0] ? ", issuer " : "", info->issuer);
        break;
    default:
        pb_log(log, LOG_ERR, "%s: token for user %s not checked", pb_status_name(status), shown_user);
        break;
    }
}
