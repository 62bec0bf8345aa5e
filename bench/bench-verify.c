/*
 * bench-verify: the cost of verifying a token with the core, against the cost
 * of the signature check alone with OpenSSL, measured in the same run.
 *
 * It generates an RSA-2048 and a P-256 key, mints one RS256 and one ES256
 * token (claims: iss, aud, sub, exp, iat, jti), writes a JWKS file holding both
 * keys, and times, per algorithm:
 *   raw   EVP_MD_CTX_new + EVP_DigestVerifyInit_ex + EVP_DigestVerify + free on
 *         the signing input, the signature already decoded (and, for ES256,
 *         already converted to DER): what any implementation must pay; the
 *         baseline of the ratio.
 *   copy  the same with the context copied from one initialised once
 *         (EVP_MD_CTX_copy_ex): the floor when init is amortised, as the core
 *         does with its per-key prototype contexts.
 *   core  pb_token_verify(cfg, "alice", token, ...) with jwks= pointing at the
 *         file (keys come from the process cache after the first call).
 *   parse pb_jws_parse + pb_jws_parse_claims + pb_jws_clear alone.
 *   keys  pb_keyset_get + pb_keyset_release alone (cache hit: lstat + lock).
 *   iss1  core, with the keys and policy in one [issuer NAME] section.
 *   iss5  core, with five [issuer NAME] sections (the token's the third in
 *         iss order, the others with their own key files): routing by iss is
 *         a lookup, so iss5/iss1 (goal: <= 1.02) stays at 1.
 *
 * The loops are interleaved in rounds (raw, copy, core, parse, keys, for RS256
 * then ES256, repeated) and each figure is the median over rounds; the ratio
 * core/raw is the median of the per-round ratios, so drift and noise from other
 * processes hit numerator and denominator alike.  Nothing here asserts on time.
 *
 * Times are thread CPU time (what the verifying thread spent, undisturbed by
 * other processes on a busy machine); -w measures wall-clock time instead.
 *
 * Usage: bench-verify [-r RS256_N] [-e ES256_N] [-R ROUNDS] [-o METHOD] [-w] [-k]
 *   -r, -e  verifications per algorithm (default 20000 each), split over rounds;
 *           0 skips the algorithm
 *   -R      rounds (default 20)
 *   -o      run only METHOD (raw, copy, core, parse or keys): for profilers
 *   -w      wall-clock time instead of thread CPU time
 *   -k      keep the temporary directory (prints its path)
 * Output: a table, then "key=value" lines (prefix "bench-verify.") for scripts.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "issuer.h"
#include "jws.h"
#include "keyset.h"
#include "options.h"
#include "token.h"

#define BENCH_NAME "bench-verify"
#include "bench-util.h"

#define USER "alice"
#define ISSUER "https://issuer.bench.example"
#define AUDIENCE "pam-bench"

enum { A_RS256, A_ES256, A_COUNT };
enum { M_RAW, M_COPY, M_CORE, M_PARSE, M_KEYS, M_ISS1, M_ISS5, M_COUNT };

static const char *const alg_names[A_COUNT] = { "RS256", "ES256" };
static const char *const method_labels[M_COUNT] = {
    "raw OpenSSL (init+verify)",
    "raw OpenSSL (ctx copy+verify)",
    "core pb_token_verify",
    "pb_jws_parse+parse_claims",
    "pb_keyset_get+release",
    "core, 1 [issuer] section",
    "core, 5 [issuer] sections",
};
static const char *const method_keys[M_COUNT] = { "raw", "copy", "core", "parse", "keys", "iss1", "iss5" };

struct subject {
    EVP_PKEY *pkey;
    char *token;
    size_t token_len;
    size_t signing_len;
    unsigned char *sig;        /* as EVP_DigestVerify wants it (DER for ECDSA) */
    size_t sig_len;
    EVP_MD_CTX *proto;         /* for the copy variant */
};

static char tmpdir[PATH_MAX];
static char jwks_path[PATH_MAX + 16];
static volatile int sink;

/* Sign, returning the JWS form (r||s for ECDSA) and keeping the DER form. */
static void
mint(struct subject *s, int alg, time_t now)
{
    char header[128], claims[512], *input, *sig_b64;

    snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg_names[alg],
             alg == A_RS256 ? "rsa-1" : "ec-1");
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"%s\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,"
             "\"jti\":\"bench-%d\",\"scope\":\"openid profile\"}",
             ISSUER, AUDIENCE, USER, (long long) now, (long long) now, (long long) now + 86400, alg);
    input = signing_input(header, claims);
    s->signing_len = strlen(input);
    /* The raw loop gets the signature as the core ends up handing it to
     * OpenSSL: decoded, and in DER for ECDSA. */
    s->sig = sign_sha256(s->pkey, input, s->signing_len, &s->sig_len);
    if (alg == A_ES256) {
        const unsigned char *p = s->sig;
        const BIGNUM *r, *sv;
        unsigned char raw[64];
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long) s->sig_len);
        if (es == NULL)
            die("ECDSA signature");
        ECDSA_SIG_get0(es, &r, &sv);
        if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(sv, raw + 32, 32) != 32)
            die("ECDSA signature");
        ECDSA_SIG_free(es);
        sig_b64 = b64url(raw, 64);
    } else {
        sig_b64 = b64url(s->sig, s->sig_len);
    }
    s->token = join_dot(input, sig_b64);
    s->token_len = strlen(s->token);
    free(sig_b64);
    free(input);
}

static char *
jwk_json(int alg, EVP_PKEY *pkey)
{
    unsigned char point[65];
    size_t len = 0;
    char *x, *y, *out;

    if (alg == A_RS256)
        return rsa_jwk_json(pkey);
    if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof(point), &len)
        || len != 65)
        die("EC point");
    x = b64url(point + 1, 32);
    y = b64url(point + 33, 32);
    out = xmalloc(1024);
    snprintf(out, 1024,
             "{\"kty\":\"EC\",\"kid\":\"ec-1\",\"use\":\"sig\",\"alg\":\"ES256\",\"crv\":\"P-256\","
             "\"x\":\"%s\",\"y\":\"%s\"}",
             x, y);
    free(x);
    free(y);
    return out;
}

static void
cleanup(void)
{
    if (jwks_path[0] != '\0')
        unlink(jwks_path);
    if (tmpdir[0] != '\0')
        rmdir(tmpdir);
}

static void
run_raw(struct subject *s, long n)
{
    raw_verify_loop(s->pkey, s->sig, s->sig_len, s->token, s->signing_len, n);
}

static void
run_copy(struct subject *s, long n)
{
    for (long i = 0; i < n; i++) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (ctx == NULL || EVP_MD_CTX_copy_ex(ctx, s->proto) != 1
            || EVP_DigestVerify(ctx, s->sig, s->sig_len, (unsigned char *) s->token, s->signing_len) != 1)
            die("raw (copy) verify failed");
        EVP_MD_CTX_free(ctx);
    }
}

static void
run_core(const struct pb_config *cfg, struct subject *s, long n, time_t now)
{
    struct pb_verdict verdict;
    struct pb_token_info info;

    for (long i = 0; i < n; i++) {
        enum pb_status st = pb_token_verify(cfg, USER, s->token, s->token_len, now, NULL, &verdict, &info);
        if (st != PB_OK) {
            fprintf(stderr, "bench-verify: pb_token_verify: %s: %s\n", pb_status_name(st), verdict.detail);
            exit(1);
        }
    }
}

/* Not inlined, so that callgrind can count it alone (--toggle-collect). */
static void __attribute__((noinline))
run_issuers(const struct pb_config *cfg, struct subject *s, long n, time_t now)
{
    run_core(cfg, s, n, now);
}

/* sections [issuer iN] sections, the token's iss in the middle one (the
 * others with a key file of their own, never read). */
static void
issuer_config(struct pb_config *cfg, int sections)
{
    char err[256], value[PATH_MAX + 64];
    int ok = pb_config_init(cfg) == PB_OK;

    for (int i = 0; ok && i < sections; i++) {
        char name[16];
        snprintf(name, sizeof(name), "i%d", i);
        ok = pb_issuer_begin(cfg, name, err, sizeof(err)) == PB_OK;
        if (i == sections / 2)
            snprintf(value, sizeof(value), "%s", ISSUER);
        else
            snprintf(value, sizeof(value), "https://other-%d.bench.example", i);
        ok = ok && pb_issuer_set(cfg, "issuer", value, err, sizeof(err)) == PB_OK;
        if (i == sections / 2)
            snprintf(value, sizeof(value), "%s", jwks_path);
        else
            snprintf(value, sizeof(value), "%s/other-%d.json", tmpdir, i);
        ok = ok && pb_issuer_set(cfg, "jwks", value, err, sizeof(err)) == PB_OK
             && pb_issuer_set(cfg, "audience", AUDIENCE, err, sizeof(err)) == PB_OK;
    }
    if (!ok || pb_config_finish(cfg, err, sizeof(err)) != PB_OK) {
        fprintf(stderr, "bench-verify: issuer config: %s\n", err);
        exit(1);
    }
}

static void
run_parse(struct subject *s, long n)
{
    struct pb_verdict verdict;
    struct pb_jws jws;

    for (long i = 0; i < n; i++) {
        if (pb_jws_parse(s->token, s->token_len, &jws, &verdict) != PB_OK
            || pb_jws_parse_claims(&jws, &verdict) != PB_OK)
            die("parse failed");
        sink += (int) jws.sig_len;
        pb_jws_clear(&jws);
    }
}

static void
run_keys(long n)
{
    for (long i = 0; i < n; i++) {
        struct pb_keyset *set = NULL;
        if (pb_keyset_get(jwks_path, &set, NULL) != PB_OK)
            die("pb_keyset_get failed");
        sink += (int) set->count;
        pb_keyset_release(set);
    }
}

int
main(int argc, char **argv)
{
    long count[A_COUNT] = { 20000, 20000 };
    int rounds = 20, keep = 0, only = -1, opt;
    struct subject subj[A_COUNT];
    double us[A_COUNT][M_COUNT][MAX_ROUNDS], ratio[A_COUNT][MAX_ROUNDS];
    struct pb_config cfg, iss1, iss5;
    double ratio_iss[A_COUNT][MAX_ROUNDS];
    char err[256], word[PATH_MAX + 32], *jwk[A_COUNT], *jwks;
    time_t now = time(NULL);

    while ((opt = getopt(argc, argv, "r:e:R:o:wkh")) != -1) {
        switch (opt) {
        case 'r': count[A_RS256] = strcmp(optarg, "0") == 0 ? 0 : parse_count(optarg); break;
        case 'e': count[A_ES256] = strcmp(optarg, "0") == 0 ? 0 : parse_count(optarg); break;
        case 'o': only = parse_choice(optarg, method_keys, M_COUNT, "-o takes raw, copy, core, parse, keys, iss1 or iss5"); break;
        case 'R': rounds = parse_rounds(optarg); break;
        case 'k': keep = 1; break;
        case 'w': clock_id = CLOCK_MONOTONIC; break;
        default:
            fprintf(stderr, "usage: %s [-r RS256_N] [-e ES256_N] [-R ROUNDS] [-o METHOD] [-w] [-k]\n", argv[0]);
            return opt == 'h' ? 0 : 2;
        }
    }

    memset(subj, 0, sizeof(subj));
    subj[A_RS256].pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    subj[A_ES256].pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (subj[A_RS256].pkey == NULL || subj[A_ES256].pkey == NULL)
        die("key generation");
    for (int a = 0; a < A_COUNT; a++) {
        mint(&subj[a], a, now);
        jwk[a] = jwk_json(a, subj[a].pkey);
        subj[a].proto = EVP_MD_CTX_new();
        if (subj[a].proto == NULL
            || EVP_DigestVerifyInit_ex(subj[a].proto, NULL, "SHA256", NULL, NULL, subj[a].pkey, NULL) != 1)
            die("prototype context");
    }

    make_tmpdir(tmpdir, sizeof(tmpdir));
    if (!keep)
        atexit(cleanup);
    snprintf(jwks_path, sizeof(jwks_path), "%s/jwks.json", tmpdir);
    jwks = xmalloc(strlen(jwk[0]) + strlen(jwk[1]) + 32);
    sprintf(jwks, "{\"keys\":[%s,%s]}\n", jwk[0], jwk[1]);
    write_file(jwks_path, jwks);

    if (pb_config_init(&cfg) != PB_OK)
        die("pb_config_init");
    snprintf(word, sizeof(word), "jwks=%s", jwks_path);
    if (pb_config_apply(&cfg, word, PB_W_MODULE, err, sizeof(err)) != PB_OK
        || pb_config_apply(&cfg, "issuer=" ISSUER, PB_W_MODULE, err, sizeof(err)) != PB_OK
        || pb_config_apply(&cfg, "audience=" AUDIENCE, PB_W_MODULE, err, sizeof(err)) != PB_OK
        || pb_config_finish(&cfg, err, sizeof(err)) != PB_OK) {
        fprintf(stderr, "bench-verify: config: %s\n", err);
        return 1;
    }
    issuer_config(&iss1, 1);
    issuer_config(&iss5, 5);

    /* Warm up: fills the key cache, faults in code and OpenSSL's fetch caches. */
    for (int a = 0; a < A_COUNT; a++) {
        if (count[a] == 0)
            continue;
        for (int m = 0; m < M_COUNT; m++) {
            if (only >= 0 && m != only)
                continue;
            switch (m) {
            case M_RAW: run_raw(&subj[a], 200); break;
            case M_COPY: run_copy(&subj[a], 200); break;
            case M_CORE: run_core(&cfg, &subj[a], 200, now); break;
            case M_PARSE: run_parse(&subj[a], 200); break;
            case M_KEYS: run_keys(200); break;
            case M_ISS1: run_issuers(&iss1, &subj[a], 200, now); break;
            case M_ISS5: run_issuers(&iss5, &subj[a], 200, now); break;
            }
        }
    }

    memset(us, 0, sizeof(us));
    memset(ratio, 0, sizeof(ratio));
    memset(ratio_iss, 0, sizeof(ratio_iss));
    for (int r = 0; r < rounds; r++) {
        for (int a = 0; a < A_COUNT; a++) {
            long n = count[a] / rounds > 0 ? count[a] / rounds : 1;
            if (count[a] == 0)
                continue;
            for (int m = 0; m < M_COUNT; m++) {
                double t0;
                if (only >= 0 && m != only)
                    continue;
                t0 = now_us();
                switch (m) {
                case M_RAW: run_raw(&subj[a], n); break;
                case M_COPY: run_copy(&subj[a], n); break;
                case M_CORE: run_core(&cfg, &subj[a], n, now); break;
                case M_PARSE: run_parse(&subj[a], n); break;
                case M_KEYS: run_keys(n); break;
                case M_ISS1: run_issuers(&iss1, &subj[a], n, now); break;
                case M_ISS5: run_issuers(&iss5, &subj[a], n, now); break;
                }
                us[a][m][r] = (now_us() - t0) / (double) n;
            }
            if (us[a][M_RAW][r] > 0)
                ratio[a][r] = us[a][M_CORE][r] / us[a][M_RAW][r];
            if (us[a][M_ISS1][r] > 0)
                ratio_iss[a][r] = us[a][M_ISS5][r] / us[a][M_ISS1][r];
        }
    }

    printf("bench-verify: %ld RS256 (RSA-2048) and %ld ES256 (P-256) verifications, %d rounds;\n"
           "median %s microseconds per operation (OpenSSL %s)\n\n",
           count[A_RS256], count[A_ES256], rounds, clock_name(),
           OpenSSL_version(OPENSSL_VERSION_STRING));
    printf("  %-32s %10s %10s\n", "", "RS256 us", "ES256 us");
    for (int m = 0; m < M_COUNT; m++)
        printf("  %-32s %10.2f %10.2f\n", method_labels[m], median(us[A_RS256][m], rounds),
               median(us[A_ES256][m], rounds));
    printf("  %-32s %10.3f %10.3f   (goal: RS256 <= 1.10, ES256 <= 1.05)\n", "ratio core/raw", median(ratio[A_RS256], rounds),
           median(ratio[A_ES256], rounds));
    printf("  %-32s %4.2f..%4.2f %4.2f..%4.2f\n", "  10th..90th pct of rounds",
           quantile(ratio[A_RS256], rounds, 0.1), quantile(ratio[A_RS256], rounds, 0.9),
           quantile(ratio[A_ES256], rounds, 0.1), quantile(ratio[A_ES256], rounds, 0.9));
    printf("  %-32s %+10.2f %+10.2f\n", "overhead core-raw (us)",
           median(us[A_RS256][M_CORE], rounds) - median(us[A_RS256][M_RAW], rounds),
           median(us[A_ES256][M_CORE], rounds) - median(us[A_ES256][M_RAW], rounds));
    printf("  %-32s %10.3f %10.3f   (goal: <= 1.020)\n", "ratio 5 issuers / 1 issuer",
           median(ratio_iss[A_RS256], rounds), median(ratio_iss[A_ES256], rounds));
    printf("\n");
    for (int a = 0; a < A_COUNT; a++) {
        for (int m = 0; m < M_COUNT; m++)
            printf("bench-verify.%s.%s_us=%.3f\n", alg_names[a], method_keys[m], median(us[a][m], rounds));
        printf("bench-verify.%s.ratio_core_raw=%.4f\n", alg_names[a], median(ratio[a], rounds));
        printf("bench-verify.%s.ratio_iss5_iss1=%.4f\n", alg_names[a], median(ratio_iss[a], rounds));
    }
    if (keep)
        printf("bench-verify.tmpdir=%s\n", tmpdir);

    pb_config_free(&cfg);
    pb_config_free(&iss1);
    pb_config_free(&iss5);
    for (int a = 0; a < A_COUNT; a++) {
        EVP_MD_CTX_free(subj[a].proto);
        EVP_PKEY_free(subj[a].pkey);
        free(subj[a].token);
        free(subj[a].sig);
        free(jwk[a]);
    }
    free(jwks);
    return sink == 42 ? 3 : 0;
}
