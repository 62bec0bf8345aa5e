/*
 * bench-util.h: what bench-verify, bench-pam and bench-ldap share: error
 * exits, timing, statistics over rounds, option parsing, minting RS256 test
 * material (base64url through the core's pb_b64url_encode, signing, the RSA
 * JWK), and finding the module and pam_permit.so.
 *
 * Header-only (static functions), so run.sh still compiles each program from
 * one .c file.  Define BENCH_NAME (the program name, for messages) before
 * including it.  Each program links build/lib/.libs/libbearer.a and is built
 * with -I lib.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench-util.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "b64url.h"

#define BENCH_UNUSED __attribute__((unused))

/* Per-round figures are kept in fixed arrays of this many entries. */
#define MAX_ROUNDS 64

/* Thread CPU time by default: on a shared machine, time spent descheduled
 * while others run is not ours.  -w switches to the wall clock. */
static clockid_t clock_id = CLOCK_THREAD_CPUTIME_ID;

static BENCH_UNUSED __attribute__((noreturn)) void
die(const char *what)
{
    fprintf(stderr, BENCH_NAME ": %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static BENCH_UNUSED void *
xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        die("out of memory");
    return p;
}

static BENCH_UNUSED char *
b64url(const unsigned char *in, size_t len)
{
    char *out = pb_b64url_encode(in, len);
    if (out == NULL)
        die("out of memory");
    return out;
}

/* "a.b" in a fresh buffer. */
static BENCH_UNUSED char *
join_dot(const char *a, const char *b)
{
    size_t alen = strlen(a), blen = strlen(b);
    char *out = xmalloc(alen + blen + 2);

    memcpy(out, a, alen);
    out[alen] = '.';
    memcpy(out + alen + 1, b, blen + 1);
    return out;
}

/* The JWS signing input base64url(header).base64url(claims) of two JSON texts. */
static BENCH_UNUSED char *
signing_input(const char *header_json, const char *claims_json)
{
    char *h = b64url((const unsigned char *) header_json, strlen(header_json));
    char *c = b64url((const unsigned char *) claims_json, strlen(claims_json));
    char *input = join_dot(h, c);

    free(h);
    free(c);
    return input;
}

/* Sign data with SHA-256 (RS256, or ES256 in DER form); a fresh buffer. */
static BENCH_UNUSED unsigned char *
sign_sha256(EVP_PKEY *pkey, const char *data, size_t len, size_t *sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig;

    if (ctx == NULL || EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, pkey, NULL) != 1
        || EVP_DigestSign(ctx, NULL, sig_len, (const unsigned char *) data, len) != 1)
        die("sign");
    sig = xmalloc(*sig_len);
    if (EVP_DigestSign(ctx, sig, sig_len, (const unsigned char *) data, len) != 1)
        die("sign");
    EVP_MD_CTX_free(ctx);
    return sig;
}

/* The baseline both programs measure: a fresh context, init, verify, free. */
static BENCH_UNUSED void
raw_verify_loop(EVP_PKEY *pkey, const unsigned char *sig, size_t sig_len, const char *data, size_t len,
                long n)
{
    for (long i = 0; i < n; i++) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, pkey, NULL) != 1
            || EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *) data, len) != 1)
            die("raw verify failed");
        EVP_MD_CTX_free(ctx);
    }
}

/* The public JWK (kid "rsa-1", RS256) of an RSA key, as JSON text. */
static BENCH_UNUSED char *
rsa_jwk_json(EVP_PKEY *pkey)
{
    BIGNUM *n = NULL, *e = NULL;
    unsigned char buf[512];
    char *nb, *eb, *out = xmalloc(1024);

    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n)
        || !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)
        || BN_num_bytes(n) > (int) sizeof(buf) || BN_num_bytes(e) > (int) sizeof(buf))
        die("RSA parameters");
    nb = b64url(buf, (size_t) BN_bn2bin(n, buf));
    eb = b64url(buf, (size_t) BN_bn2bin(e, buf));
    snprintf(out, 1024,
             "{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"%s\",\"e\":\"%s\"}",
             nb, eb);
    free(nb);
    free(eb);
    BN_free(n);
    BN_free(e);
    return out;
}

/* Create path (which must not exist) holding text, mode 0644. */
static BENCH_UNUSED void
write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    size_t len = strlen(text);

    if (fd < 0 || fchmod(fd, 0644) != 0 || write(fd, text, len) != (ssize_t) len || close(fd) != 0) {
        fprintf(stderr, BENCH_NAME ": cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* A fresh private directory BENCH_NAME-XXXXXX under $TMPDIR (absolute) or /tmp. */
static BENCH_UNUSED void
make_tmpdir(char *dir, size_t cap)
{
    const char *base = getenv("TMPDIR");

    snprintf(dir, cap, "%s/" BENCH_NAME "-XXXXXX", base != NULL && base[0] == '/' ? base : "/tmp");
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");
}

static BENCH_UNUSED double
now_us(void)
{
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

/* For the table heading: what now_us measures. */
static BENCH_UNUSED const char *
clock_name(void)
{
    return clock_id == CLOCK_MONOTONIC ? "wall-clock" : "CPU";
}

static BENCH_UNUSED int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* tmp = v[0..n) sorted; n <= MAX_ROUNDS. */
static BENCH_UNUSED void
sorted_copy(double tmp[MAX_ROUNDS], const double *v, int n)
{
    memcpy(tmp, v, (size_t) n * sizeof(*v));
    qsort(tmp, (size_t) n, sizeof(*tmp), cmp_double);
}

/* q-quantile of v[0..n) (nearest rank). */
static BENCH_UNUSED double
quantile(const double *v, int n, double q)
{
    double tmp[MAX_ROUNDS];
    sorted_copy(tmp, v, n);
    return tmp[(int) (q * (n - 1) + 0.5)];
}

/* Median of v[0..n) (mean of the middle two when n is even). */
static BENCH_UNUSED double
median(const double *v, int n)
{
    double tmp[MAX_ROUNDS];
    sorted_copy(tmp, v, n);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static BENCH_UNUSED long
parse_count(const char *arg)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1)
        die("counts must be positive integers");
    return v;
}

/* -R: a count of at most MAX_ROUNDS. */
static BENCH_UNUSED int
parse_rounds(const char *arg)
{
    long v = parse_count(arg);
    if (v > MAX_ROUNDS)
        die("at most 64 rounds");
    return (int) v;
}

/* -o: the index of arg among names[0..count), or die with usage. */
static BENCH_UNUSED int
parse_choice(const char *arg, const char *const *names, int count, const char *usage)
{
    for (int i = 0; i < count; i++)
        if (strcmp(arg, names[i]) == 0)
            return i;
    die(usage);
}

/* pam_permit.so where the distribution keeps it; NULL if not found. */
static BENCH_UNUSED const char *
find_permit(void)
{
    static const char *const dirs[] = {
        "/usr/lib/x86_64-linux-gnu/security", "/lib/x86_64-linux-gnu/security",
        "/usr/lib/aarch64-linux-gnu/security", "/lib/aarch64-linux-gnu/security",
        "/usr/lib64/security", "/lib64/security", "/usr/lib/security", "/lib/security",
    };
    static char path[PATH_MAX];
    struct stat st;

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s/pam_permit.so", dirs[i]);
        if (stat(path, &st) == 0)
            return path;
    }
    return NULL;
}

/* A clock other than clock_id, in microseconds. */
static BENCH_UNUSED double
clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

/* The module to benchmark: $PAM_BEARER_MODULE, else build/pam/.libs/pam_bearer.so
 * beside this program's bench/ directory. */
static BENCH_UNUSED void
default_module(char *out, size_t cap, const char *argv0)
{
    const char *env = getenv("PAM_BEARER_MODULE");
    char self[PATH_MAX], rel[PATH_MAX + 64];
    ssize_t len;

    if (env != NULL && env[0] != '\0') {
        snprintf(out, cap, "%s", env);
        return;
    }
    len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len > 0)
        self[len] = '\0';
    else
        snprintf(self, sizeof(self), "%s", argv0);
    snprintf(rel, sizeof(rel), "%s/../build/pam/.libs/pam_bearer.so", dirname(self));
    if (realpath(rel, out) == NULL)
        snprintf(out, cap, "%s", rel);
}

#endif
