/*
 * bench-pam: what a whole token login costs through real libpam, against the
 * cheapest login libpam can do, measured in the same run.
 *
 * It generates an RSA-2048 key, mints an RS256 token for "alice", writes a
 * JWKS file, an empty configuration file and two service files into a private
 * directory under /tmp:
 *   permit   auth required pam_permit.so
 *   bearer   auth required MODULE config=DIR/empty.conf jwks=DIR/jwks.json
 * and loops pam_start_confdir(service, "alice", conv, DIR) / pam_authenticate /
 * pam_end over each (Linux-PAM >= 1.5.2: no root, no pam_wrapper).  The
 * conversation answers the password prompt with the token.  In the same
 * rounds it times the bare signature check (EVP_MD_CTX_new +
 * EVP_DigestVerifyInit_ex + EVP_DigestVerify + free, signature already
 * decoded), and reports
 *   margin = token login - (permit login + raw verify)
 * against the goal: margin <= 50 us.
 *
 * Loops are interleaved in rounds (permit, bearer, raw, repeated); each figure
 * is the median over rounds, the margin the median of per-round margins.
 * Nothing asserts on time; the program fails only if a login is refused.
 *
 * The module logs through pam_syslog: two lines per accepted login with an
 * empty configuration ("accepted" and the no-issuer/audience warning).
 * Without a syslog daemon those are cheap failed sends; with journald they
 * are real work and part of what a login costs.
 *
 * Usage: bench-pam [-m MODULE] [-n LOGINS] [-v VERIFIES] [-R ROUNDS] [-k]
 *   -m  absolute path of pam_bearer.so (default $PAM_BEARER_MODULE, else
 *       ../build/pam/.libs/pam_bearer.so relative to this program's directory)
 *   -n  logins per service (default 5000), -v raw verifications (default 20000)
 *   -R  rounds (default 5), -k keep the temporary directory
 * Output: a table, then "key=value" lines (prefix "bench-pam.") for scripts.
 */
#include <dlfcn.h>
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
#include <security/pam_appl.h>

#define USER "alice"
#define MAX_ROUNDS 64
#define GOAL_MARGIN_US 50.0

enum { S_PERMIT, S_HELD, S_BEARER, S_RAW, S_COUNT };

static char tmpdir[PATH_MAX];
static char paths[6][PATH_MAX + 32];   /* jwks, empty.conf, permit, bearer, permit-held, its .so */
static EVP_PKEY *pkey;
static char *token;
static size_t signing_len;
static unsigned char *sig;
static size_t sig_len;

static void
die(const char *what)
{
    fprintf(stderr, "bench-pam: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        die("out of memory");
    return p;
}

static char *
b64url_encode(const unsigned char *in, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = xmalloc(len / 3 * 4 + 5), *p = out;
    size_t i;

    for (i = 0; i + 3 <= len; i += 3) {
        unsigned v = (unsigned) in[i] << 16 | (unsigned) in[i + 1] << 8 | in[i + 2];
        *p++ = alphabet[v >> 18];
        *p++ = alphabet[(v >> 12) & 63];
        *p++ = alphabet[(v >> 6) & 63];
        *p++ = alphabet[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned) in[i] << 16;
        *p++ = alphabet[v >> 18];
        *p++ = alphabet[(v >> 12) & 63];
    } else if (len - i == 2) {
        unsigned v = (unsigned) in[i] << 16 | (unsigned) in[i + 1] << 8;
        *p++ = alphabet[v >> 18];
        *p++ = alphabet[(v >> 12) & 63];
        *p++ = alphabet[(v >> 6) & 63];
    }
    *p = '\0';
    return out;
}

static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static void
write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    size_t len = strlen(text);

    if (fd < 0 || fchmod(fd, 0644) != 0 || write(fd, text, len) != (ssize_t) len || close(fd) != 0) {
        fprintf(stderr, "bench-pam: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void
copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    ssize_t n;

    if (in < 0 || out < 0) {
        fprintf(stderr, "bench-pam: cannot copy %s to %s: %s\n", from, to, strerror(errno));
        exit(1);
    }
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t) n) != n)
            die("short write");
    if (n < 0 || close(out) != 0)
        die("copy failed");
    close(in);
}

/* Where libpam finds "pam_permit.so" (its default module directory). */
static const char *
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

static void
cleanup(void)
{
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (paths[i][0] != '\0')
            unlink(paths[i]);
    if (tmpdir[0] != '\0')
        rmdir(tmpdir);
}

static void
mint(time_t now)
{
    char claims[256], *h, *c, *s, *input;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len;

    h = b64url_encode((const unsigned char *) "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"rsa-1\"}", 41);
    snprintf(claims, sizeof(claims), "{\"sub\":\"%s\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"bench-pam\"}",
             USER, (long long) now, (long long) now + 86400);
    c = b64url_encode((const unsigned char *) claims, strlen(claims));
    len = strlen(h) + strlen(c) + 2;
    input = xmalloc(len);
    snprintf(input, len, "%s.%s", h, c);
    signing_len = strlen(input);
    if (ctx == NULL || EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, pkey, NULL) != 1
        || EVP_DigestSign(ctx, NULL, &sig_len, (unsigned char *) input, signing_len) != 1)
        die("sign");
    sig = xmalloc(sig_len);
    if (EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *) input, signing_len) != 1)
        die("sign");
    EVP_MD_CTX_free(ctx);
    s = b64url_encode(sig, sig_len);
    len = signing_len + strlen(s) + 2;
    token = xmalloc(len);
    snprintf(token, len, "%s.%s", input, s);
    free(h);
    free(c);
    free(s);
    free(input);
}

static char *
jwks_json(void)
{
    BIGNUM *n = NULL, *e = NULL;
    unsigned char buf[512];
    char *nb, *eb, *out = xmalloc(1024);

    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n)
        || !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e))
        die("RSA parameters");
    nb = b64url_encode(buf, (size_t) BN_bn2bin(n, buf));
    eb = b64url_encode(buf, (size_t) BN_bn2bin(e, buf));
    snprintf(out, 1024,
             "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"%s\",\"e\":\"%s\"}]}\n",
             nb, eb);
    free(nb);
    free(eb);
    BN_free(n);
    BN_free(e);
    return out;
}

/* Answer hidden prompts with the token; everything else gets no text. */
static int
conversation(int num_msg, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    struct pam_response *r;

    (void) data;
    if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    r = calloc((size_t) num_msg, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < num_msg; i++) {
        if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
            r[i].resp = strdup(token);
            if (r[i].resp == NULL) {
                for (int j = 0; j < i; j++)
                    free(r[j].resp);
                free(r);
                return PAM_BUF_ERR;
            }
        }
    }
    *resp = r;
    return PAM_SUCCESS;
}

static const struct pam_conv conv = { conversation, NULL };

static void
run_logins(const char *service, long n)
{
    for (long i = 0; i < n; i++) {
        pam_handle_t *h = NULL;
        int rc = pam_start_confdir(service, USER, &conv, tmpdir, &h);
        if (rc != PAM_SUCCESS) {
            fprintf(stderr, "bench-pam: pam_start_confdir(%s): %s\n", service, pam_strerror(h, rc));
            exit(1);
        }
        rc = pam_authenticate(h, PAM_SILENT);
        if (rc != PAM_SUCCESS) {
            fprintf(stderr, "bench-pam: %s login refused: %s\n", service, pam_strerror(h, rc));
            pam_end(h, rc);
            exit(1);
        }
        pam_end(h, rc);
    }
}

static void
run_raw(long n)
{
    for (long i = 0; i < n; i++) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, pkey, NULL) != 1
            || EVP_DigestVerify(ctx, sig, sig_len, (unsigned char *) token, signing_len) != 1)
            die("raw verify failed");
        EVP_MD_CTX_free(ctx);
    }
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
    double tmp[MAX_ROUNDS];
    memcpy(tmp, v, (size_t) n * sizeof(*v));
    qsort(tmp, (size_t) n, sizeof(*tmp), cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static long
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

static void
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

int
main(int argc, char **argv)
{
    char module[PATH_MAX + 64] = "", text[2 * PATH_MAX + 256], *jwks;
    long logins = 5000, verifies = 20000;
    int rounds = 5, keep = 0, opt;
    double us[S_COUNT][MAX_ROUNDS], margin[MAX_ROUNDS], margin_cold[MAX_ROUNDS];
    const char *base = getenv("TMPDIR");
    const char *permit_so = find_permit();
    void *held;
    struct stat st;

    while ((opt = getopt(argc, argv, "m:n:v:R:kh")) != -1) {
        switch (opt) {
        case 'm': snprintf(module, sizeof(module), "%s", optarg); break;
        case 'n': logins = parse_count(optarg); break;
        case 'v': verifies = parse_count(optarg); break;
        case 'R':
            rounds = (int) parse_count(optarg);
            if (rounds > MAX_ROUNDS)
                die("at most 64 rounds");
            break;
        case 'k': keep = 1; break;
        default:
            fprintf(stderr, "usage: %s [-m MODULE] [-n LOGINS] [-v VERIFIES] [-R ROUNDS] [-k]\n", argv[0]);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (module[0] == '\0')
        default_module(module, sizeof(module), argv[0]);
    if (module[0] != '/' || stat(module, &st) != 0) {
        fprintf(stderr, "bench-pam: module %s not found (build it, or give -m /abs/path/pam_bearer.so)\n",
                module);
        return 1;
    }

    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    if (pkey == NULL)
        die("key generation");
    mint(time(NULL));

    snprintf(tmpdir, sizeof(tmpdir), "%s/bench-pam-XXXXXX", base && base[0] == '/' ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL)
        die("mkdtemp");
    if (!keep)
        atexit(cleanup);
    /* libpam reads CONFDIR/SERVICE; the files must not be writable by others. */
    chmod(tmpdir, 0755);
    snprintf(paths[0], sizeof(paths[0]), "%s/jwks.json", tmpdir);
    snprintf(paths[1], sizeof(paths[1]), "%s/empty.conf", tmpdir);
    snprintf(paths[2], sizeof(paths[2]), "%s/permit", tmpdir);
    snprintf(paths[3], sizeof(paths[3]), "%s/bearer", tmpdir);
    snprintf(paths[4], sizeof(paths[4]), "%s/permit-held", tmpdir);
    snprintf(paths[5], sizeof(paths[5]), "%s/pam_permit_held.so", tmpdir);
    if (permit_so == NULL)
        die("pam_permit.so not found in the usual module directories");
    /* A private copy of pam_permit.so that this process keeps open, so that
     * libpam's dlopen/dlclose per handle only counts references, as it does
     * for pam_bearer.so (linked -z nodelete). */
    copy_file(permit_so, paths[5]);
    held = dlopen(paths[5], RTLD_NOW);
    if (held == NULL) {
        fprintf(stderr, "bench-pam: dlopen %s: %s\n", paths[5], dlerror());
        return 1;
    }
    jwks = jwks_json();
    write_file(paths[0], jwks);
    write_file(paths[1], "");
    write_file(paths[2], "auth required pam_permit.so\n");
    snprintf(text, sizeof(text), "auth required %s config=%s jwks=%s\n", module, paths[1], paths[0]);
    write_file(paths[3], text);
    snprintf(text, sizeof(text), "auth required %s\n", paths[5]);
    write_file(paths[4], text);

    /* Warm up: loads libpam's and the module's code, fills the key cache. */
    run_logins("permit", 100);
    run_logins("permit-held", 100);
    run_logins("bearer", 100);
    run_raw(200);

    for (int r = 0; r < rounds; r++) {
        long nl = logins / rounds > 0 ? logins / rounds : 1, nv = verifies / rounds > 0 ? verifies / rounds : 1;
        double t0 = now_us();
        run_logins("permit", nl);
        us[S_PERMIT][r] = (now_us() - t0) / (double) nl;
        t0 = now_us();
        run_logins("permit-held", nl);
        us[S_HELD][r] = (now_us() - t0) / (double) nl;
        t0 = now_us();
        run_logins("bearer", nl);
        us[S_BEARER][r] = (now_us() - t0) / (double) nl;
        t0 = now_us();
        run_raw(nv);
        us[S_RAW][r] = (now_us() - t0) / (double) nv;
        margin[r] = us[S_BEARER][r] - (us[S_HELD][r] + us[S_RAW][r]);
        margin_cold[r] = us[S_BEARER][r] - (us[S_PERMIT][r] + us[S_RAW][r]);
    }

    {
        double permit = median(us[S_PERMIT], rounds), held_us = median(us[S_HELD], rounds);
        double bearer = median(us[S_BEARER], rounds), raw = median(us[S_RAW], rounds);
        double m = median(margin, rounds), mc = median(margin_cold, rounds);
        printf("bench-pam: %ld logins per service, %ld raw RS256 verifications, %d rounds;\n"
               "median microseconds per operation (Linux-PAM, OpenSSL %s)\n\n",
               logins, verifies, rounds, OpenSSL_version(OPENSSL_VERSION_STRING));
        printf("  %-44s %10.2f\n", "permit login, module kept loaded (baseline)", held_us);
        printf("  %-44s %10.2f\n", "permit login, dlopen+dlclose each time", permit);
        printf("  %-44s %10.2f\n", "token login (pam_bearer.so, RS256)", bearer);
        printf("  %-44s %10.2f\n", "raw RS256 verify (OpenSSL)", raw);
        printf("  %-44s %10.2f\n", "budget: baseline + raw + 50", held_us + raw + GOAL_MARGIN_US);
        printf("  %-44s %+10.2f   (goal: <= %+.0f: %s)\n", "margin: token - (baseline + raw)", m,
               GOAL_MARGIN_US, m <= GOAL_MARGIN_US ? "met" : "missed");
        printf("  %-44s %+10.2f\n", "margin against the dlopen'd permit login", mc);
        printf("  %-44s %10.3f\n", "ratio token/baseline", bearer / held_us);
        printf("\n");
        printf("bench-pam.permit_us=%.3f\n", held_us);
        printf("bench-pam.permit_dlopen_us=%.3f\n", permit);
        printf("bench-pam.token_us=%.3f\n", bearer);
        printf("bench-pam.raw_us=%.3f\n", raw);
        printf("bench-pam.margin_us=%.3f\n", m);
        printf("bench-pam.margin_dlopen_us=%.3f\n", mc);
        printf("bench-pam.module=%s\n", module);
        if (keep)
            printf("bench-pam.tmpdir=%s\n", tmpdir);
    }
    dlclose(held);
    EVP_PKEY_free(pkey);
    free(jwks);
    free(token);
    free(sig);
    return 0;
}
