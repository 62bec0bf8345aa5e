/*
 * bench-pam: what a whole token login costs through real libpam, against the
 * cheapest login libpam can do, measured in the same run.
 *
 * It generates an RSA-2048 key, mints RS256 tokens for "alice", and writes a
 * JWKS file, configuration files and service files into a private directory
 * under /tmp (libpam >= 1.5.2 reads services from there through
 * pam_start_confdir: no root, no pam_wrapper):
 *   permit       auth required pam_permit.so
 *   permit-held  auth required DIR/pam_permit_held.so  (a copy this program
 *                keeps dlopen'ed)
 *   bearer       auth required MODULE config=DIR/empty.conf jwks=DIR/jwks.json
 *   bearer-iss   auth required MODULE config=DIR/iss.conf jwks=DIR/jwks.json
 *                (iss.conf sets issuer= and audience=; the token carries both)
 * and loops pam_start_confdir / pam_authenticate / pam_end over each, the
 * conversation answering the password prompt with the token.  In the same
 * rounds it times the bare signature check (EVP_MD_CTX_new +
 * EVP_DigestVerifyInit_ex + EVP_DigestVerify + free, signature decoded).
 *
 * Why two permit loops: libpam dlopens every module at pam_start and dlcloses
 * it at pam_end.  pam_permit.so is really unmapped and mapped again each time
 * (hundreds of microseconds), while pam_bearer.so is linked -z nodelete and
 * stays mapped, so its dlopen only counts a reference.  The fair baseline for
 * the goal is therefore the permit login whose module also stays mapped
 * ("permit-held"); the plain pam_permit.so figure is printed for reference.
 *
 *   margin = token login - (permit-held login + raw verify),  goal <= 50 us
 *
 * With an empty configuration the module logs two lines per accepted login
 * through pam_syslog ("accepted: ..." and the warning that no issuer or
 * audience is configured); with issuer and audience configured, one.  The
 * bearer-iss loop shows what the second line costs.  Without a syslog daemon
 * (no /dev/log) each line is a failed socket+connect+close; with journald it
 * is a send.
 *
 * Loops are interleaved in rounds; each figure is the median over rounds, the
 * margin the median of per-round margins.  Times are thread CPU time (the
 * logins do no blocking I/O), so other processes on a busy machine do not
 * inflate them; -w measures wall-clock time instead.  Nothing asserts on
 * time; the program fails only if a login is refused.
 *
 * Usage: bench-pam [-m MODULE] [-n LOGINS] [-v VERIFIES] [-R ROUNDS] [-o LOOP] [-w] [-k]
 *   -m  absolute path of pam_bearer.so (default $PAM_BEARER_MODULE, else
 *       ../build/pam/.libs/pam_bearer.so relative to this program)
 *   -n  logins per service (default 5000), -v raw verifications (default 20000)
 *   -R  rounds (default 20)
 *   -o  run only one loop (permit, held, bearer, bearer-iss or raw): for profilers
 *   -w  wall-clock time instead of thread CPU time
 *   -k  keep the temporary directory
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

#include <openssl/evp.h>
#include <security/pam_appl.h>

#define BENCH_NAME "bench-pam"
#include "bench-util.h"

#define USER "alice"
#define ISSUER "https://issuer.bench.example"
#define AUDIENCE "pam-bench"
#define GOAL_MARGIN_US 50.0

enum { L_PERMIT, L_HELD, L_BEARER, L_BEARER_ISS, L_RAW, L_COUNT };
static const char *const loop_names[L_COUNT] = { "permit", "held", "bearer", "bearer-iss", "raw" };

enum { F_JWKS, F_EMPTY_CONF, F_ISS_CONF, F_PERMIT, F_HELD, F_HELD_SO, F_BEARER, F_BEARER_ISS, F_COUNT };
static const char *const file_names[F_COUNT] = {
    "jwks.json", "empty.conf", "iss.conf", "permit", "permit-held", "pam_permit_held.so",
    "bearer", "bearer-iss",
};

struct token {
    char *text;
    size_t signing_len;
    unsigned char *sig;
    size_t sig_len;
};

static char tmpdir[PATH_MAX];
static char paths[F_COUNT][PATH_MAX + 32];
static EVP_PKEY *pkey;
static struct token plain, with_iss;

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
    for (int i = 0; i < F_COUNT; i++)
        if (paths[i][0] != '\0')
            unlink(paths[i]);
    if (tmpdir[0] != '\0')
        rmdir(tmpdir);
}

static void
mint(struct token *t, time_t now, int iss_aud)
{
    char claims[512], *input, *s;

    if (iss_aud)
        snprintf(claims, sizeof(claims),
                 "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"%s\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"bench-pam-iss\"}",
                 ISSUER, AUDIENCE, USER, (long long) now, (long long) now + 86400);
    else
        snprintf(claims, sizeof(claims), "{\"sub\":\"%s\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"bench-pam\"}",
                 USER, (long long) now, (long long) now + 86400);
    input = signing_input("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"rsa-1\"}", claims);
    t->signing_len = strlen(input);
    t->sig = sign_sha256(pkey, input, t->signing_len, &t->sig_len);
    s = b64url(t->sig, t->sig_len);
    t->text = join_dot(input, s);
    free(s);
    free(input);
}

static char *
jwks_json(void)
{
    char *jwk = rsa_jwk_json(pkey), *out = xmalloc(strlen(jwk) + 32);

    sprintf(out, "{\"keys\":[%s]}\n", jwk);
    free(jwk);
    return out;
}

/* Answer prompts with the token (appdata); messages get no text. */
static int
conversation(int num_msg, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    const char *answer = data;
    struct pam_response *r;

    if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    r = calloc((size_t) num_msg, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < num_msg; i++) {
        if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
            r[i].resp = strdup(answer);
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

static void
run_logins(const char *service, const struct token *t, long n)
{
    const struct pam_conv conv = { conversation, t->text };

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
run_loop(int which, long n)
{
    switch (which) {
    case L_PERMIT: run_logins("permit", &plain, n); break;
    case L_HELD: run_logins("permit-held", &plain, n); break;
    case L_BEARER: run_logins("bearer", &plain, n); break;
    case L_BEARER_ISS: run_logins("bearer-iss", &with_iss, n); break;
    default: raw_verify_loop(pkey, plain.sig, plain.sig_len, plain.text, plain.signing_len, n); break;
    }
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
    int rounds = 20, keep = 0, only = -1, opt;
    double us[L_COUNT][MAX_ROUNDS], margin[MAX_ROUNDS], margin_iss[MAX_ROUNDS];
    const char *permit_so = find_permit();
    void *held;
    struct stat st;
    time_t now = time(NULL);

    while ((opt = getopt(argc, argv, "m:n:v:R:o:wkh")) != -1) {
        switch (opt) {
        case 'm': snprintf(module, sizeof(module), "%s", optarg); break;
        case 'n': logins = parse_count(optarg); break;
        case 'v': verifies = parse_count(optarg); break;
        case 'R': rounds = parse_rounds(optarg); break;
        case 'o':
            only = parse_choice(optarg, loop_names, L_COUNT, "-o takes permit, held, bearer, bearer-iss or raw");
            break;
        case 'w': clock_id = CLOCK_MONOTONIC; break;
        case 'k': keep = 1; break;
        default:
            fprintf(stderr, "usage: %s [-m MODULE] [-n LOGINS] [-v VERIFIES] [-R ROUNDS] [-o LOOP] [-w] [-k]\n",
                    argv[0]);
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
    if (permit_so == NULL)
        die("pam_permit.so not found in the usual module directories");

    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    if (pkey == NULL)
        die("key generation");
    mint(&plain, now, 0);
    mint(&with_iss, now, 1);

    make_tmpdir(tmpdir, sizeof(tmpdir));
    if (!keep)
        atexit(cleanup);
    chmod(tmpdir, 0755);
    for (int i = 0; i < F_COUNT; i++)
        snprintf(paths[i], sizeof(paths[i]), "%s/%s", tmpdir, file_names[i]);

    jwks = jwks_json();
    write_file(paths[F_JWKS], jwks);
    write_file(paths[F_EMPTY_CONF], "");
    write_file(paths[F_ISS_CONF], "issuer=" ISSUER "\naudience=" AUDIENCE "\n");
    write_file(paths[F_PERMIT], "auth required pam_permit.so\n");
    /* A private copy of pam_permit.so that this process keeps open, so that
     * libpam's dlopen/dlclose per handle only counts references, as it does
     * for pam_bearer.so (linked -z nodelete). */
    copy_file(permit_so, paths[F_HELD_SO]);
    held = dlopen(paths[F_HELD_SO], RTLD_NOW);
    if (held == NULL) {
        fprintf(stderr, "bench-pam: dlopen %s: %s\n", paths[F_HELD_SO], dlerror());
        return 1;
    }
    snprintf(text, sizeof(text), "auth required %s\n", paths[F_HELD_SO]);
    write_file(paths[F_HELD], text);
    snprintf(text, sizeof(text), "auth required %s config=%s jwks=%s\n", module, paths[F_EMPTY_CONF],
             paths[F_JWKS]);
    write_file(paths[F_BEARER], text);
    snprintf(text, sizeof(text), "auth required %s config=%s jwks=%s\n", module, paths[F_ISS_CONF],
             paths[F_JWKS]);
    write_file(paths[F_BEARER_ISS], text);

    /* Warm up: loads libpam's and the module's code, fills the key cache. */
    memset(us, 0, sizeof(us));
    for (int i = 0; i < L_COUNT; i++)
        if (only < 0 || only == i)
            run_loop(i, i == L_RAW ? 200 : 100);
    for (int r = 0; r < rounds; r++) {
        long nl = logins / rounds > 0 ? logins / rounds : 1, nv = verifies / rounds > 0 ? verifies / rounds : 1;
        for (int i = 0; i < L_COUNT; i++) {
            long n = i == L_RAW ? nv : nl;
            double t0;
            if (only >= 0 && only != i)
                continue;
            t0 = now_us();
            run_loop(i, n);
            us[i][r] = (now_us() - t0) / (double) n;
        }
        margin[r] = us[L_BEARER][r] - (us[L_HELD][r] + us[L_RAW][r]);
        margin_iss[r] = us[L_BEARER_ISS][r] - (us[L_HELD][r] + us[L_RAW][r]);
    }

    {
        double permit = median(us[L_PERMIT], rounds), base_us = median(us[L_HELD], rounds);
        double bearer = median(us[L_BEARER], rounds), bearer_iss = median(us[L_BEARER_ISS], rounds);
        double raw = median(us[L_RAW], rounds), m = median(margin, rounds), mi = median(margin_iss, rounds);

        printf("bench-pam: %ld logins per service, %ld raw RS256 verifications, %d rounds;\n"
               "median %s microseconds per operation (Linux-PAM, OpenSSL %s)\n\n",
               logins, verifies, rounds, clock_name(),
               OpenSSL_version(OPENSSL_VERSION_STRING));
        printf("  %-48s %10.2f\n", "permit login, module kept mapped (baseline)", base_us);
        printf("  %-48s %10.2f\n", "permit login, pam_permit.so dlopen'ed each time", permit);
        printf("  %-48s %10.2f\n", "token login, empty config (2 log lines)", bearer);
        printf("  %-48s %10.2f\n", "token login, issuer+audience set (1 log line)", bearer_iss);
        printf("  %-48s %10.2f\n", "raw RS256 verify (OpenSSL)", raw);
        printf("  %-48s %10.2f\n", "budget: baseline + raw + 50", base_us + raw + GOAL_MARGIN_US);
        printf("  %-48s %+10.2f   (goal <= %+.0f: %s; rounds %+.1f..%+.1f)\n",
               "margin: token - (baseline + raw)", m, GOAL_MARGIN_US, m <= GOAL_MARGIN_US ? "met" : "missed",
               quantile(margin, rounds, 0.1), quantile(margin, rounds, 0.9));
        printf("  %-48s %+10.2f\n", "margin, issuer+audience set", mi);
        printf("  %-48s %10.3f\n", "ratio token/baseline", bearer / base_us);
        printf("\n");
        printf("bench-pam.permit_us=%.3f\n", base_us);
        printf("bench-pam.permit_dlopen_us=%.3f\n", permit);
        printf("bench-pam.token_us=%.3f\n", bearer);
        printf("bench-pam.token_iss_us=%.3f\n", bearer_iss);
        printf("bench-pam.raw_us=%.3f\n", raw);
        printf("bench-pam.margin_us=%.3f\n", m);
        printf("bench-pam.margin_iss_us=%.3f\n", mi);
        printf("bench-pam.module=%s\n", module);
        if (keep)
            printf("bench-pam.tmpdir=%s\n", tmpdir);
    }
    dlclose(held);
    EVP_PKEY_free(pkey);
    free(jwks);
    free(plain.text);
    free(plain.sig);
    free(with_iss.text);
    free(with_iss.sig);
    return 0;
}
