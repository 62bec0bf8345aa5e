/*
 * bench-metrics: what the host-wide counters (lib/metrics.c) cost a login,
 * against the same work without them, measured side by side in one run.
 *
 * Part 1, the counting path alone, in this process: each round times
 *   nothing   the loop with nothing in it (baseline)
 *   count     what pam/args.c and lib/login.c add to a login: the process's
 *             mapping looked up (pb_metrics_process), the clock read twice
 *             and the verdict counted (pb_metrics_login: three atomic adds)
 *   skip      the same where nothing counts (a directory others may write):
 *             the lookup, and nothing else
 * Part 2, the first login of a process: the time a fresh process takes to
 * open, check and map the file (pb_metrics_process once, cold), over forks.
 * Part 3, whole token logins through real libpam (pam_start_confdir, the
 * module kept mapped), in interleaved rounds:
 *   off       metrics_file in a directory anyone may write: never counted
 *   on        metrics_file in a private directory: every login counted
 * The goal: count - nothing <= 1 us per login; part 3 shows the difference
 * in a whole login (within its noise).  Run as root (only root counts).
 *
 * Usage: bench-metrics [-m MODULE] [-n COUNTS] [-l LOGINS] [-f FORKS] [-R ROUNDS] [-w]
 */
#define BENCH_NAME "bench-metrics"

#include "bench-util.h"

#include <getopt.h>
#include <openssl/rsa.h>
#include <sys/wait.h>

#include <security/pam_appl.h>

#include "conv-answers.h"
#include "journal.h"
#include "metrics.h"

#define USER "alice"
#define GOAL_NS 1000.0

static char dir[PATH_MAX], on_path[PATH_MAX + 32], off_path[PATH_MAX + 32];
static EVP_PKEY *pkey;
static char *token;

static const struct pb_log quiet = { NULL, NULL, 0 };

/* Defeats the optimiser: the loops must really run. */
static volatile uint64_t sink;

static double
loop_nothing(long n)
{
    double t0 = now_us();
    for (long i = 0; i < n; i++)
        sink += (uint64_t) i;
    return (now_us() - t0) * 1000.0 / (double) n;
}

static double
loop_count(const char *path, long n)
{
    double t0 = now_us();
    for (long i = 0; i < n; i++) {
        struct pb_metrics *m = pb_metrics_process(path, &quiet);
        uint64_t start = m != NULL ? pb_metrics_clock() : 0;
        sink += (uint64_t) i;
        pb_metrics_login(m, PB_MP_TOKEN, PB_OK, PB_R_NONE, start);
    }
    return (now_us() - t0) * 1000.0 / (double) n;
}

/* What a decision's journal record costs where nothing listens (a host
 * without journald): one stat of the socket that fails; ns per decision. */
static double
loop_journal(long n)
{
    char sock[PATH_MAX + 32];
    const struct pb_journal j = { sock, "bench-metrics", "pam_bearer(bench)" };
    const struct pb_journal_fields f = { PB_JOURNAL_ID_ACCEPTED, "accepted", NULL, "token", USER,
                                         "https://bench.example", "-", "rsa-1" };
    double t0;

    snprintf(sock, sizeof(sock), "%s/no-journal", dir);
    t0 = now_us();
    for (long i = 0; i < n; i++)
        sink += (uint64_t) pb_journal_send(&j, LOG_INFO, "accepted: user alice (alg RS256, kid rsa-1, jti -)", &f);
    return (now_us() - t0) * 1000.0 / (double) n;
}

/* Microseconds a fresh process takes to map the counters (wall-clock). */
static double
cold_map(void)
{
    int fds[2], st;
    double us = -1;
    pid_t pid;

    if (pipe(fds) != 0)
        die("pipe");
    pid = fork();
    if (pid == 0) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        struct pb_metrics *m = pb_metrics_process(on_path, &quiet);
        clock_gettime(CLOCK_MONOTONIC, &b);
        us = m != NULL ? (double) (b.tv_sec - a.tv_sec) * 1e6 + (double) (b.tv_nsec - a.tv_nsec) / 1e3 : -1;
        _exit(write(fds[1], &us, sizeof(us)) == sizeof(us) ? 0 : 1);
    }
    close(fds[1]);
    if (pid < 0 || read(fds[0], &us, sizeof(us)) != sizeof(us))
        us = -1;
    close(fds[0]);
    waitpid(pid, &st, 0);
    return us;
}

static double
pam_logins(const char *service, long n)
{
    struct conv_answers answers = { .mode = CONV_SAME, .text = token };
    const struct pam_conv conv = { conv_answers, &answers };
    double t0 = now_us();

    for (long i = 0; i < n; i++) {
        pam_handle_t *h = NULL;
        int rc = pam_start_confdir(service, USER, &conv, dir, &h);
        if (rc == PAM_SUCCESS)
            rc = pam_authenticate(h, PAM_SILENT);
        if (rc != PAM_SUCCESS) {
            fprintf(stderr, "bench-metrics: %s login refused: %s\n", service, pam_strerror(h, rc));
            exit(1);
        }
        pam_end(h, rc);
    }
    return (now_us() - t0) / (double) n;
}

static void
setup(const char *module)
{
    char path[PATH_MAX + 64], text[PATH_MAX * 2 + 256], *jwk, *input, *sig64;
    unsigned char *sig;
    size_t sig_len;
    time_t now = time(NULL);

    make_tmpdir(dir, sizeof(dir));
    pkey = EVP_RSA_gen(2048);
    if (pkey == NULL)
        die("EVP_RSA_gen");
    jwk = rsa_jwk_json(pkey);
    snprintf(text, sizeof(text), "{\"keys\":[%s]}\n", jwk);
    snprintf(path, sizeof(path), "%s/jwks.json", dir);
    write_file(path, text);
    snprintf(text, sizeof(text), "{\"iss\":\"https://bench.example\",\"aud\":\"bench\",\"sub\":\"" USER
             "\",\"iat\":%lld,\"exp\":%lld}", (long long) now, (long long) now + 86400);
    input = signing_input("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", text);
    sig = sign_sha256(pkey, input, strlen(input), &sig_len);
    sig64 = b64url(sig, sig_len);
    token = join_dot(input, sig64);
    /* on: a private directory; off: one anyone may write, which the module refuses. */
    snprintf(path, sizeof(path), "%s/on", dir);
    mkdir(path, 0755);
    snprintf(on_path, sizeof(on_path), "%s/on/metrics", dir);
    snprintf(path, sizeof(path), "%s/off", dir);
    mkdir(path, 0777);
    chmod(path, 0777);
    snprintf(off_path, sizeof(off_path), "%s/off/metrics", dir);
    for (int i = 0; i < 2; i++) {
        const char *name = i == 0 ? "on" : "off";
        snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
        snprintf(text, sizeof(text), "issuer = https://bench.example\naudience = bench\nmetrics_file = %s\n"
                 "journal_socket = %s/no-journal\n", i == 0 ? on_path : off_path, dir);
        write_file(path, text);
        snprintf(path, sizeof(path), "%s/bearer-%s", dir, name);
        snprintf(text, sizeof(text), "auth required %s config=%s/%s.conf jwks=%s/jwks.json\n", module, dir, name,
                 dir);
        write_file(path, text);
    }
    free(jwk);
    free(input);
    free(sig);
    free(sig64);
}

static void
cleanup(void)
{
    char cmd[PATH_MAX + 32];

    if (dir[0] == '\0')
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench-metrics: could not remove %s\n", dir);
}

int
main(int argc, char **argv)
{
    char module[PATH_MAX] = "build/pam/.libs/pam_bearer.so";
    long counts = 2000000, logins = 5000, forks = 200;
    int rounds = 10, opt;
    static double nothing[MAX_ROUNDS], count[MAX_ROUNDS], skip[MAX_ROUNDS], diff[MAX_ROUNDS];
    static double on[MAX_ROUNDS], off[MAX_ROUNDS], pam_diff[MAX_ROUNDS], cold[MAX_ROUNDS], journal[MAX_ROUNDS];
    struct pb_metrics m;
    char err[PATH_MAX + 64];

    while ((opt = getopt(argc, argv, "m:n:l:f:R:w")) != -1) {
        switch (opt) {
        case 'm': snprintf(module, sizeof(module), "%s", optarg); break;
        case 'n': counts = parse_count(optarg); break;
        case 'l': logins = parse_count(optarg); break;
        case 'f': forks = parse_count(optarg); break;
        case 'R': rounds = parse_rounds(optarg); break;
        case 'w': clock_id = CLOCK_MONOTONIC; break;
        default:
            fprintf(stderr, "usage: bench-metrics [-m MODULE] [-n COUNTS] [-l LOGINS] [-f FORKS] [-R ROUNDS] [-w]\n");
            return 2;
        }
    }
    if (geteuid() != 0) {
        fprintf(stderr, "bench-metrics: only root counts: run as root\n");
        return 2;
    }
    if (module[0] != '/') {
        char abs[PATH_MAX];
        if (realpath(module, abs) == NULL)
            die(module);
        snprintf(module, sizeof(module), "%s", abs);
    }
    setup(module);
    atexit(cleanup);
    if (pb_metrics_process(on_path, &quiet) == NULL || pb_metrics_process(off_path, &quiet) != NULL) {
        fprintf(stderr, "bench-metrics: %s must map and %s must not\n", on_path, off_path);
        return 1;
    }
    /* Warm up: the module, libpam and the key file; the mapping in this process. */
    pam_logins("bearer-on", 50);
    pam_logins("bearer-off", 50);
    loop_count(on_path, 1000);
    for (int r = 0; r < rounds; r++) {
        long nc = counts / rounds > 0 ? counts / rounds : 1, nl = logins / rounds > 0 ? logins / rounds : 1;
        nothing[r] = loop_nothing(nc);
        count[r] = loop_count(on_path, nc);
        skip[r] = loop_count(off_path, nc);
        diff[r] = count[r] - nothing[r];
        journal[r] = loop_journal(nc / 100 > 0 ? nc / 100 : 1);
        /* Alternate which login loop goes first. */
        if (r % 2 == 0) {
            off[r] = pam_logins("bearer-off", nl);
            on[r] = pam_logins("bearer-on", nl);
        } else {
            on[r] = pam_logins("bearer-on", nl);
            off[r] = pam_logins("bearer-off", nl);
        }
        pam_diff[r] = on[r] - off[r];
    }
    {
        static double all[MAX_ROUNDS * 64];
        long nf = forks, k = 0;
        for (long i = 0; i < nf && k < (long) (sizeof(all) / sizeof(all[0])); i++)
            if ((all[k] = cold_map()) >= 0)
                k++;
        for (int r = 0; r < rounds && r < MAX_ROUNDS; r++)
            cold[r] = k > 0 ? all[(k * r) / rounds] : -1;
        qsort(all, (size_t) k, sizeof(all[0]), cmp_double);
        cold[0] = k > 0 ? all[k / 2] : -1;
    }
    if (pb_metrics_read(on_path, &m, err, sizeof(err)) != PB_OK) {
        fprintf(stderr, "bench-metrics: %s\n", err);
        return 1;
    }

    printf("bench-metrics: %ld counts and %ld token logins per loop in all, over %d rounds;\n"
           "median %s time (OpenSSL %s)\n\n", counts, logins, rounds, clock_name(),
           OpenSSL_version(OPENSSL_VERSION_STRING));
    printf("  the counting path alone                             ns/login\n");
    printf("  %-50s %9.1f\n", "nothing (baseline)", median(nothing, rounds));
    printf("  %-50s %9.1f\n", "count: lookup, clock, three atomic adds", median(count, rounds));
    printf("  %-50s %9.1f\n", "skip: lookup only (not counting)", median(skip, rounds));
    printf("  %-50s %+9.1f   (goal <= %+.0f: %s; rounds %+.1f..%+.1f)\n", "cost: count - nothing",
           median(diff, rounds), GOAL_NS, median(diff, rounds) <= GOAL_NS ? "met" : "MISSED",
           quantile(diff, rounds, 0.1), quantile(diff, rounds, 0.9));
    printf("  %-50s %9.1f   (one stat that fails)\n", "journal record, nothing listening",
           median(journal, rounds));
    printf("\n  the first login of a process (wall-clock)            us\n");
    printf("  %-50s %9.1f   (median of %ld forks)\n", "open, check and map the file once", cold[0], forks);
    printf("\n  token logins through libpam (module kept mapped)   us/login\n");
    printf("  %-50s %9.2f\n", "metrics off (directory others may write)", median(off, rounds));
    printf("  %-50s %9.2f\n", "metrics on", median(on, rounds));
    printf("  %-50s %+9.2f   (rounds %+.2f..%+.2f: noise of a whole login)\n", "on - off", median(pam_diff, rounds),
           quantile(pam_diff, rounds, 0.1), quantile(pam_diff, rounds, 0.9));
    printf("  %-50s %9.4f\n", "ratio on/off", median(on, rounds) / median(off, rounds));
    printf("  %-50s %9llu   (warm-up, timed and count loops)\n", "logins counted in the file",
           (unsigned long long) m.logins[PB_MP_TOKEN][PB_OK][PB_R_NONE]);
    printf("\nbench-metrics.count_ns=%.1f\nbench-metrics.nothing_ns=%.1f\nbench-metrics.cost_ns=%.1f\n"
           "bench-metrics.journal_none_ns=%.1f\nbench-metrics.cold_map_us=%.1f\nbench-metrics.pam_off_us=%.2f\nbench-metrics.pam_on_us=%.2f\n",
           median(count, rounds), median(nothing, rounds), median(diff, rounds), median(journal, rounds), cold[0], median(off, rounds),
           median(on, rounds));
    return 0;
}
