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
 *   issuers-1    auth required MODULE config=DIR/iss1.conf  (one [issuer]
 *                section with the same issuer, audience and key file)
 *   issuers-5    auth required MODULE config=DIR/iss5.conf  (five sections,
 *                the token's the third in iss order; the others name key
 *                files that are never read).  Goal: issuers-5/issuers-1
 *                <= 1.02, the configuration read at every login included.
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
 * With -A (the state directory of tests/fixtures/authority.py serve) and -c
 * (its CA), it measures instead the keys fetched over HTTPS and cached on
 * disk (lib/jwks-source.c) against the key file, all in one run.  It writes
 * its JWKS into STATE/jwks.json (the authority serves it from there), reads
 * the port from STATE/port and counts requests in STATE/requests.log, and
 * adds the services
 *   bearer-url    auth required MODULE config=DIR/empty.conf
 *                 jwks=https://127.0.0.1:PORT/jwks.json ca_file=CA cache_dir=DIR/cache
 *   requests      the same with cache_dir=DIR/cache-requests (empty at start)
 *   requests-ttl  the same with cache_dir=DIR/cache-ttl jwks_ttl=T
 *                 jwks_min_ttl=0 jwks_refetch_interval=1
 * Before this process loads the module it forks a "zygote", which runs
 * fresh-process logins on request: one fork per login, the child answering
 * one pam_start_confdir / pam_authenticate / pam_end (it dlopens the module
 * itself, starts with an empty key cache in memory, reads the disk), then
 * reporting its PAM result and whether libcurl or pam_bearer-http.so was in
 * its /proc/self/maps.  One such child fills DIR/cache first (the one fetch),
 * so this process never fetches and never needs the HTTP plugin.  Then, in
 * interleaved rounds (the order of the file and URL loops alternating):
 *   held              permit login, module kept mapped (reference)
 *   bearer            token login, jwks=FILE, in this process (baseline)
 *   bearer-url        token login, jwks=URL, warm cache, in this process
 *   fork-permit       permit login in a fresh process (reference)
 *   fork-bearer       token login, jwks=FILE, fresh process (baseline)
 *   fork-bearer-url   token login, jwks=URL, warm cache, fresh process
 * and checks /proc/self/maps for libcurl after every round.  Goal: the
 * per-round ratio bearer-url/bearer <= 1.10 (likewise for the fork rows),
 * libcurl never mapped by a warm login.  A fresh-process login's cost is the
 * zygote's thread CPU time (fork, wait) plus the child's CPU time (wait4's
 * rusage), or with -w the wall-clock time of the batch.
 * Last, authority requests: COUNT fresh-process logins (PARALLEL at a time)
 * on the empty cache-requests with the default jwks_ttl, then as many on
 * cache-ttl with jwks_ttl=T (the real clock crosses several TTLs).  A fetch
 * dates the cache until time()+TTL, so logins whose time() spans S..E can
 * cause at most 1 + (E - S) / TTL requests: the goal "one per TTL".
 *
 * Usage: bench-pam [-m MODULE] [-n LOGINS] [-v VERIFIES] [-R ROUNDS] [-o LOOP] [-w] [-k]
 *        bench-pam -A STATE_DIR -c CA_FILE [-m MODULE] [-n LOGINS] [-f FRESH] [-N COUNT]
 *                  [-P PARALLEL] [-T TTL] [-R ROUNDS] [-o LOOP] [-w] [-k]
 *   -m  absolute path of pam_bearer.so (default $PAM_BEARER_MODULE, else
 *       ../build/pam/.libs/pam_bearer.so relative to this program)
 *   -n  logins per service (default 5000), -v raw verifications (default 20000)
 *   -R  rounds (default 20)
 *   -o  run only one loop (permit, held, bearer, bearer-iss or raw; with -A
 *       also bearer-url, fork-permit, fork-bearer, fork-bearer-url): for profilers
 *   -A  the authority's state directory: the warm-cache comparison above
 *   -c  the CA file the authority's certificate chains to (with -A)
 *   -f  fresh-process logins per fork loop (default 1000)
 *   -N  logins per request count (default 10000), -P of them at a time (default 4)
 *   -T  jwks_ttl of the second request count (default 2; 0 skips it)
 *   -w  wall-clock time instead of thread CPU time
 *   -k  keep the temporary directory
 * Output: a table, then "key=value" lines (prefix "bench-pam.") for scripts.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <security/pam_appl.h>

#define BENCH_NAME "bench-pam"
#include "bench-util.h"
#include "conv-answers.h"
#include "options.h"

#define USER "alice"
#define ISSUER "https://issuer.bench.example"
#define AUDIENCE "pam-bench"
#define GOAL_MARGIN_US 50.0
/* Issue 13: a long-running PAM host pays no load cost per transaction. */
#define GOAL_TRANSACTION_US 10.0
#define GOAL_CACHE_RATIO 1.10
/* A fresh-process login that takes longer than this is stuck. */
#define CHILD_TIMEOUT_S 120

/* Loops -o can name; the fork- ones run in fresh processes (through the
 * zygote).  L_REQ_* are the request counts, not timed, not selectable. */
enum {
    L_PERMIT, L_HELD, L_BEARER, L_BEARER_ISS, L_RAW, L_URL, L_FORK_PERMIT, L_FORK_FILE, L_FORK_URL, L_LOGGED, L_ISS1,
    L_ISS5, L_COUNT,
    L_REQ_DEFAULT = L_COUNT, L_REQ_TTL, L_ALL
};
static const char *const loop_names[L_COUNT] = {
    "permit", "held", "bearer", "bearer-iss", "raw", "bearer-url", "fork-permit", "fork-bearer", "fork-bearer-url",
    "logged", "issuers-1", "issuers-5",
};
/* The PAM service each loop logs in to. */
static const char *const services[L_ALL] = {
    "permit", "permit-held", "bearer", "bearer-iss", NULL, "bearer-url", "permit", "bearer", "bearer-url",
    "permit-logged", "issuers-1", "issuers-5", "requests", "requests-ttl",
};

enum {
    F_JWKS, F_EMPTY_CONF, F_ISS_CONF, F_PERMIT, F_HELD, F_HELD_SO, F_BEARER, F_BEARER_ISS,
    F_BEARER_URL, F_REQUESTS, F_REQUESTS_TTL, F_LOGGED, F_WARN_SO, F_ISS1_CONF, F_ISS5_CONF, F_ISS1, F_ISS5, F_CACHE,
    F_CACHE_REQUESTS, F_CACHE_TTL, F_COUNT
};
static const char *const file_names[F_COUNT] = {
    "jwks.json", "empty.conf", "iss.conf", "permit", "permit-held", "pam_permit_held.so",
    "bearer", "bearer-iss", "bearer-url", "requests", "requests-ttl", "permit-logged", "pam_warn_held.so",
    "iss1.conf", "iss5.conf", "issuers-1", "issuers-5", "cache", "cache-requests", "cache-ttl",
};
/* Directories among them (the module's caches), emptied and removed at exit. */
#define IS_DIR(f) ((f) >= F_CACHE)

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
/* The fresh-process logins' zygote: requests in, results out. */
struct fresh_request {
    int loop;
    int parallel;
    long n;
};
struct fresh_result {
    double wall_us, cpu_us;   /* the whole batch */
    long ok, refused, crashed, curl, plugin;
    int last_refusal;          /* a PAM code, when refused > 0 */
    time_t start, end;         /* time() before the first fork and after the last wait */
};
static int zygote_in = -1, zygote_out = -1;
static pid_t zygote_pid = -1;

/* Remove a directory and the files in it (the module's cache directories). */
static void
remove_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    rmdir(path);
}

static void
cleanup(void)
{
    if (zygote_pid > 0) {
        close(zygote_in);   /* end of file: the zygote exits */
        waitpid(zygote_pid, NULL, 0);
        zygote_pid = -1;
    }
    for (int i = 0; i < F_COUNT; i++) {
        if (paths[i][0] == '\0')
            continue;
        if (IS_DIR(i))
            remove_dir(paths[i]);
        else
            unlink(paths[i]);
    }
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

/* Is the HTTP code in this process?  Bit 0: libcurl mapped, bit 1: the
 * module's HTTP plugin (pam_bearer-http.so), from /proc/self/maps. */
static int
http_mapped(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    char line[4096];
    int found = 0;

    if (f == NULL)
        die("cannot read /proc/self/maps");
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strstr(line, "/libcurl") != NULL)
            found |= 1;
        if (strstr(line, "/pam_bearer-http.so") != NULL)
            found |= 2;
    }
    fclose(f);
    return found;
}

static void
run_logins(const char *service, const struct token *t, long n)
{
    struct conv_answers answers = { .mode = CONV_SAME, .text = t->text };
    const struct pam_conv conv = { conv_answers, &answers };

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

/* A child of the zygote: one login, as sshd or login would run it; the
 * exit status carries the PAM code (< 64) and bit 6 libcurl, bit 7 the plugin. */
static __attribute__((noreturn)) void
fresh_child(const char *service)
{
    struct conv_answers answers = { .mode = CONV_SAME, .text = plain.text };
    const struct pam_conv conv = { conv_answers, &answers };
    pam_handle_t *h = NULL;
    int rc;

    alarm(CHILD_TIMEOUT_S);
    rc = pam_start_confdir(service, USER, &conv, tmpdir, &h);
    if (rc == PAM_SUCCESS) {
        rc = pam_authenticate(h, PAM_SILENT);
        pam_end(h, rc);
    }
    _exit((rc < 0 || rc > 63 ? 63 : rc) | http_mapped() << 6);
}

static double
tv_us(struct timeval tv)
{
    return (double) tv.tv_sec * 1e6 + (double) tv.tv_usec;
}

/* All of len bytes through fd, read or written, across EINTR and short
 * transfers; 0 on end of file or error. */
static int
transfer_full(int fd, char *buf, size_t len, int writing)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = writing ? write(fd, buf + off, len - off) : read(fd, buf + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        off += (size_t) n;
    }
    return 1;
}

static int
read_full(int fd, void *buf, size_t len)
{
    return transfer_full(fd, buf, len, 0);
}

static int
write_full(int fd, const void *buf, size_t len)
{
    return transfer_full(fd, (char *) buf, len, 1);
}

/* The zygote: forked before this process first loads the module, so its
 * children start as a login process does (libpam linked, the module not yet
 * loaded, no keys in memory).  Runs batches of fresh-process logins, at most
 * q.parallel at a time, until its request pipe closes. */
static __attribute__((noreturn)) void
zygote(int in, int out)
{
    struct fresh_request q;

    while (read_full(in, &q, sizeof(q))) {
        struct fresh_result res;
        long started = 0, running = 0;
        double w0, c0;

        memset(&res, 0, sizeof(res));
        res.start = time(NULL);
        w0 = clock_us(CLOCK_MONOTONIC);
        c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
        while (started < q.n || running > 0) {
            struct rusage ru;
            int status;
            pid_t pid;

            if (started < q.n && running < q.parallel) {
                pid = fork();
                if (pid < 0)
                    _exit(3);
                if (pid == 0) {
                    close(in);
                    close(out);
                    fresh_child(services[q.loop]);
                }
                started++;
                running++;
                continue;
            }
            pid = wait4(-1, &status, 0, &ru);
            if (pid < 0) {
                if (errno == EINTR)
                    continue;
                _exit(3);
            }
            running--;
            res.cpu_us += tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
            if (!WIFEXITED(status)) {
                res.crashed++;
                continue;
            }
            if ((WEXITSTATUS(status) & 63) == PAM_SUCCESS) {
                res.ok++;
            } else {
                res.refused++;
                res.last_refusal = WEXITSTATUS(status) & 63;
            }
            res.curl += (WEXITSTATUS(status) >> 6) & 1;
            res.plugin += (WEXITSTATUS(status) >> 7) & 1;
        }
        res.cpu_us += clock_us(CLOCK_THREAD_CPUTIME_ID) - c0;
        res.wall_us = clock_us(CLOCK_MONOTONIC) - w0;
        res.end = time(NULL);
        if (!write_full(out, &res, sizeof(res)))
            _exit(3);
    }
    _exit(0);
}

static void
start_zygote(void)
{
    int req[2], rep[2];

    if (pipe(req) != 0 || pipe(rep) != 0)
        die("pipe");
    /* Not inherited by libpam's helpers or the module's children. */
    for (int i = 0; i < 2; i++)
        if (fcntl(req[i], F_SETFD, FD_CLOEXEC) != 0 || fcntl(rep[i], F_SETFD, FD_CLOEXEC) != 0)
            die("fcntl");
    fflush(NULL);
    zygote_pid = fork();
    if (zygote_pid < 0)
        die("fork");
    if (zygote_pid == 0) {
        close(req[1]);
        close(rep[0]);
        zygote(req[0], rep[1]);
    }
    close(req[0]);
    close(rep[1]);
    zygote_in = req[1];
    zygote_out = rep[0];
}

/* n logins, each in a fresh process, parallel at a time; exits if one is refused. */
static struct fresh_result
fresh_logins(int loop, long n, int parallel)
{
    struct fresh_request q = { loop, parallel, n };
    struct fresh_result res;

    if (!write_full(zygote_in, &q, sizeof(q)) || !read_full(zygote_out, &res, sizeof(res)))
        die("the zygote died");
    if (res.refused > 0 || res.crashed > 0) {
        fprintf(stderr, "bench-pam: %s: %ld of %ld fresh-process logins refused (last: %s), %ld crashed\n",
                services[loop], res.refused, n, pam_strerror(NULL, res.last_refusal), res.crashed);
        exit(1);
    }
    return res;
}

/* Lines in the authority's requests.log: one per request it received. */
static long
authority_requests(const char *state)
{
    char path[PATH_MAX + 32];
    FILE *f;
    long lines = 0;
    int c;

    snprintf(path, sizeof(path), "%s/requests.log", state);
    if ((f = fopen(path, "re")) == NULL)
        return 0;
    while ((c = getc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    return lines;
}

/* The library's default for an option (lib/options.def), as a number. */
static long
option_default(const char *name)
{
    size_t n;
    const struct pb_option *t = pb_options_table(&n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0 && t[i].default_value != NULL)
            return strtol(t[i].default_value, NULL, 10);
    die("no default for an option");
}

/* A configuration of n [issuer] sections; the token's is the middle one. */
static void
write_issuers(const char *path, int n)
{
    char text[4096];
    size_t len = 0;

    for (int i = 0; i < n; i++) {
        if (i == n / 2)
            len += (size_t) snprintf(text + len, sizeof(text) - len, "[issuer i%d]\nissuer = %s\njwks = %s\n"
                                     "audience = %s\n\n", i, ISSUER, paths[F_JWKS], AUDIENCE);
        else
            len += (size_t) snprintf(text + len, sizeof(text) - len, "[issuer i%d]\nissuer = https://other-%d."
                                     "bench.example\njwks = %s/other-%d.json\naudience = %s\n\n", i, i, tmpdir,
                                     i, AUDIENCE);
        if (len >= sizeof(text))
            die("issuer configuration too long");
    }
    write_file(path, text);
}

/* Not inlined, so that callgrind can count each alone in one run (same key,
 * same token): callgrind_annotate --inclusive=yes shows both. */
static void __attribute__((noinline))
logins_issuers_1(long n)
{
    run_logins("issuers-1", &with_iss, n);
}

static void __attribute__((noinline))
logins_issuers_5(long n)
{
    run_logins("issuers-5", &with_iss, n);
}

static void
run_loop(int which, long n)
{
    switch (which) {
    case L_PERMIT: run_logins("permit", &plain, n); break;
    case L_HELD: run_logins("permit-held", &plain, n); break;
    case L_LOGGED: run_logins("permit-logged", &plain, n); break;
    case L_BEARER: run_logins("bearer", &plain, n); break;
    case L_BEARER_ISS: run_logins("bearer-iss", &with_iss, n); break;
    case L_URL: run_logins("bearer-url", &plain, n); break;
    case L_ISS1: logins_issuers_1(n); break;
    case L_ISS5: logins_issuers_5(n); break;
    default: raw_verify_loop(pkey, plain.sig, plain.sig_len, plain.text, plain.signing_len, n); break;
    }
}

/* What the timed fork-bearer-url loops saw: children with libcurl or the
 * HTTP plugin mapped after their warm login. */
static long fresh_url_logins, fresh_url_curl, fresh_url_plugin;

static int
is_fork(int loop)
{
    return loop == L_FORK_PERMIT || loop == L_FORK_FILE || loop == L_FORK_URL;
}

/* One timed loop of n operations: microseconds per operation. */
static double
timed_loop(int which, long n)
{
    double t0;

    if (is_fork(which)) {
        struct fresh_result res = fresh_logins(which, n, 1);
        if (which == L_FORK_URL) {
            fresh_url_logins += n;
            fresh_url_curl += res.curl;
            fresh_url_plugin += res.plugin;
        }
        return (clock_id == CLOCK_MONOTONIC ? res.wall_us : res.cpu_us) / (double) n;
    }
    t0 = now_us();
    run_loop(which, n);
    return (now_us() - t0) / (double) n;
}

/* Round r's order: with -A, odd rounds run the URL loop before the file loop. */
static int
round_order(int loop, int r, int swap)
{
    if (!swap || r % 2 == 0)
        return loop;
    switch (loop) {
    case L_BEARER: return L_URL;
    case L_URL: return L_BEARER;
    case L_FORK_FILE: return L_FORK_URL;
    case L_FORK_URL: return L_FORK_FILE;
    default: return loop;
    }
}

/* A table row of the -A report; "-" for a loop -o left out. */
static void
print_row(const char *label, double us)
{
    if (us > 0)
        printf("  %-48s %10.2f %10.0f\n", label, us, 1e6 / us);
    else
        printf("  %-48s %10s %10s\n", label, "-", "-");
}

/* The warm-cache/file ratio row, with the spread of the per-round ratios. */
static void
print_ratio(double ratio, const double *per_round, int rounds, double extra_us)
{
    printf("  %-48s %10.3f   (goal <= %.2f: %s; rounds %.3f..%.3f; %+.2f us/login)\n",
           "ratio warm-cache/file", ratio, GOAL_CACHE_RATIO, ratio <= GOAL_CACHE_RATIO ? "met" : "MISSED",
           quantile(per_round, rounds, 0.1), quantile(per_round, rounds, 0.9), extra_us);
}

/* One block of the -A table: the permit reference, jwks=FILE, jwks=URL with
 * a warm cache and, for a full run, their ratio. */
static void
print_cache_block(const char *heading, const char *permit_label, double permit, double file, double cached,
                  int full, double ratio, const double *per_round, int rounds)
{
    printf("  %-48s %10s %10s\n", heading, "us/login", "logins/s");
    print_row(permit_label, permit);
    print_row("token login, jwks=FILE (baseline)", file);
    print_row("token login, jwks=URL, warm cache", cached);
    if (full)
        print_ratio(ratio, per_round, rounds, cached - file);
}

static void
print_count(const char *what, long n, int parallel, const struct fresh_result *res, long requests, long ttl)
{
    long periods = 1 + (long) (res->end - res->start) / ttl;
    char label[96];

    char rate[64] = "";

    /* Per 10,000 logins only when that many ran: requests come per TTL, not per login. */
    if (n >= 10000)
        snprintf(rate, sizeof(rate), ": %.2f per 10,000 logins", (double) requests * 10000.0 / (double) n);
    snprintf(label, sizeof(label), "%s (%ld s)", what, ttl);
    printf("  %-48s %10ld   in %.1f s, %ld at a time%s;\n"
           "  %-48s %10s   TTL periods touched %ld (goal <= 1 request per TTL: %s); "
           "%ld process(es) loaded libcurl\n",
           label, requests, res->wall_us / 1e6, (long) parallel, rate,
           "", "", periods, requests <= periods ? "met" : "missed", res->curl);
}

/*
 * A host runs a syslog daemon; a build machine or container often does not,
 * and there each log line costs glibc a socket, a failed connect and a close
 * instead of one send.  Run as root where /dev/log is missing, bench-pam
 * serves /dev/log itself (a thread that reads and drops the lines; its CPU
 * time is not the logins' thread time) and removes it at exit, so the log
 * line costs what it costs on a real host.  BENCH_NO_SYSLOG=1 leaves it be.
 */
static int syslog_served;

static void *
drain_syslog(void *arg)
{
    char line[2048];

    for (;;)
        if (recv(*(int *) arg, line, sizeof(line), 0) < 0 && errno != EINTR)
            return NULL;
}

static void
unserve_syslog(void)
{
    if (syslog_served)
        unlink("/dev/log");
}

static const char *
serve_syslog(void)
{
    static int fd = -1;
    struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
    pthread_t thread;
    const char *no = getenv("BENCH_NO_SYSLOG");

    if (access("/dev/log", F_OK) == 0)
        return "the host's /dev/log";
    if ((no != NULL && strcmp(no, "1") == 0) || geteuid() != 0)
        return "none (no /dev/log: each line is a failed connect)";
    if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0
        || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0)
        die("cannot serve /dev/log");
    syslog_served = 1;
    atexit(unserve_syslog);
    chmod("/dev/log", 0666);
    if (pthread_create(&thread, NULL, drain_syslog, &fd) != 0)
        die("cannot start the /dev/log reader");
    pthread_detach(thread);
    return "/dev/log served by bench-pam (lines dropped)";
}

int
main(int argc, char **argv)
{
    char module[PATH_MAX + 64] = "", text[6 * PATH_MAX], *jwks, url[64] = "";
    const char *state = NULL, *ca = NULL;
    long logins = 5000, verifies = 20000, fresh = 1000, count = 10000, ttl = 2, default_ttl = 0;
    long req_before = 0, req_fill = 0, req_timed = 0, req_default = 0, req_ttl = 0;
    int rounds = 20, keep = 0, only = -1, parallel = 4, opt, sel[L_COUNT], nsel = 0, http_inproc = 0;
    double us[L_COUNT][MAX_ROUNDS], margin[MAX_ROUNDS], margin_iss[MAX_ROUNDS], margin_logged[MAX_ROUNDS];
    double ratio_iss5[MAX_ROUNDS];
    double ratio_url[MAX_ROUNDS], ratio_fork[MAX_ROUNDS];
    struct fresh_result fill, cnt_default, cnt_ttl;
    const char *permit_so = find_permit();
    char warn_so[PATH_MAX];
    void *held;
    struct stat st;
    time_t now = time(NULL);
    const char *syslog_via;

    memset(&fill, 0, sizeof(fill));
    memset(&cnt_default, 0, sizeof(cnt_default));
    memset(&cnt_ttl, 0, sizeof(cnt_ttl));
    while ((opt = getopt(argc, argv, "m:n:v:R:o:wkA:c:f:N:P:T:h")) != -1) {
        switch (opt) {
        case 'm': snprintf(module, sizeof(module), "%s", optarg); break;
        case 'n': logins = parse_count(optarg); break;
        case 'v': verifies = parse_count(optarg); break;
        case 'R': rounds = parse_rounds(optarg); break;
        case 'o':
            only = parse_choice(optarg, loop_names, L_COUNT,
                                "-o takes permit, held, bearer, bearer-iss, raw, bearer-url, fork-permit, "
                                "fork-bearer, fork-bearer-url, logged, issuers-1 or issuers-5");
            break;
        case 'w': clock_id = CLOCK_MONOTONIC; break;
        case 'k': keep = 1; break;
        case 'A': state = optarg; break;
        case 'c': ca = optarg; break;
        case 'f': fresh = parse_count(optarg); break;
        case 'N': count = parse_count(optarg); break;
        case 'P':
            if ((parallel = (int) parse_count(optarg)) > 256)
                die("-P: at most 256");
            break;
        case 'T':
            ttl = strcmp(optarg, "0") == 0 ? 0 : parse_count(optarg);
            if (ttl == 1)
                die("-T: 0 (skip) or at least 2 seconds");
            break;
        default:
            fprintf(stderr, "usage: %s [-m MODULE] [-n LOGINS] [-v VERIFIES] [-R ROUNDS] [-o LOOP] [-w] [-k]\n"
                    "       %s -A STATE_DIR -c CA_FILE [-m MODULE] [-n LOGINS] [-f FRESH] [-N COUNT]\n"
                    "                 [-P PARALLEL] [-T TTL] [-R ROUNDS] [-o LOOP] [-w] [-k]\n",
                    argv[0], argv[0]);
            return opt == 'h' ? 0 : 2;
        }
    }
    if ((state == NULL) != (ca == NULL))
        die("-A STATE_DIR and -c CA_FILE go together");
    if (ca != NULL && ca[0] != '/')
        die("-c takes an absolute path");
    if (only >= L_URL && only <= L_FORK_URL && state == NULL)
        die("-o bearer-url and the fork- loops need -A and -c");
    if (module[0] == '\0')
        default_module(module, sizeof(module), argv[0]);
    if (module[0] != '/' || stat(module, &st) != 0) {
        fprintf(stderr, "bench-pam: module %s not found (build it, or give -m /abs/path/pam_bearer.so)\n",
                module);
        return 1;
    }
    if (permit_so == NULL)
        die("pam_permit.so not found in the usual module directories");
    snprintf(warn_so, sizeof(warn_so), "%.*s/pam_warn.so", (int) (strrchr(permit_so, '/') - permit_so), permit_so);
    if (stat(warn_so, &st) != 0)
        die("pam_warn.so not found beside pam_permit.so");
    if (state != NULL) {
        FILE *f;
        int port = 0;

        snprintf(text, sizeof(text), "%s/port", state);
        if ((f = fopen(text, "re")) == NULL || fscanf(f, "%d", &port) != 1 || port <= 0 || port > 65535) {
            fprintf(stderr, "bench-pam: no port in %s (is tests/fixtures/authority.py serving there?)\n", text);
            return 1;
        }
        fclose(f);
        snprintf(url, sizeof(url), "https://127.0.0.1:%d/jwks.json", port);
        default_ttl = option_default("jwks_ttl");
    }

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
    /* The same do-nothing login that also logs one line, as every login
     * through pam_bearer does: pam_warn.so (which logs the request and
     * returns PAM_IGNORE) before the held pam_permit.so, both kept mapped. */
    copy_file(warn_so, paths[F_WARN_SO]);
    if (dlopen(paths[F_WARN_SO], RTLD_NOW) == NULL) {
        fprintf(stderr, "bench-pam: dlopen %s: %s\n", paths[F_WARN_SO], dlerror());
        return 1;
    }
    snprintf(text, sizeof(text), "auth optional %s\nauth required %s\n", paths[F_WARN_SO], paths[F_HELD_SO]);
    write_file(paths[F_LOGGED], text);
    snprintf(text, sizeof(text), "auth required %s config=%s jwks=%s\n", module, paths[F_EMPTY_CONF],
             paths[F_JWKS]);
    write_file(paths[F_BEARER], text);
    snprintf(text, sizeof(text), "auth required %s config=%s jwks=%s\n", module, paths[F_ISS_CONF],
             paths[F_JWKS]);
    write_file(paths[F_BEARER_ISS], text);
    write_issuers(paths[F_ISS1_CONF], 1);
    write_issuers(paths[F_ISS5_CONF], 5);
    snprintf(text, sizeof(text), "auth required %s config=%s\n", module, paths[F_ISS1_CONF]);
    write_file(paths[F_ISS1], text);
    snprintf(text, sizeof(text), "auth required %s config=%s\n", module, paths[F_ISS5_CONF]);
    write_file(paths[F_ISS5], text);

    if (state != NULL) {
        char served[PATH_MAX + 32], tmp[PATH_MAX + 64];

        /* The authority serves our key set (it re-reads the file per request). */
        snprintf(served, sizeof(served), "%s/jwks.json", state);
        snprintf(tmp, sizeof(tmp), "%s/jwks.json.bench-pam-%ld", state, (long) getpid());
        unlink(tmp);
        write_file(tmp, jwks);
        if (rename(tmp, served) != 0)
            die("cannot write the authority's jwks.json");
        for (int i = F_CACHE; i <= F_CACHE_TTL; i++)
            if (mkdir(paths[i], 0755) != 0 || chmod(paths[i], 0755) != 0)
                die("cannot make a cache directory");
        snprintf(text, sizeof(text), "auth required %s config=%s jwks=%s ca_file=%s cache_dir=%s\n", module,
                 paths[F_EMPTY_CONF], url, ca, paths[F_CACHE]);
        write_file(paths[F_BEARER_URL], text);
        snprintf(text, sizeof(text), "auth required %s config=%s jwks=%s ca_file=%s cache_dir=%s\n", module,
                 paths[F_EMPTY_CONF], url, ca, paths[F_CACHE_REQUESTS]);
        write_file(paths[F_REQUESTS], text);
        snprintf(text, sizeof(text),
                 "auth required %s config=%s jwks=%s ca_file=%s cache_dir=%s jwks_ttl=%ld jwks_min_ttl=0 "
                 "jwks_refetch_interval=1\n", module, paths[F_EMPTY_CONF], url, ca, paths[F_CACHE_TTL],
                 ttl > 0 ? ttl : 2);
        write_file(paths[F_REQUESTS_TTL], text);

        /* Before this process loads the module: fresh processes come from here. */
        start_zygote();
        /* The one cold login: a fresh process fetches and fills the cache, so
         * that this process never fetches (and never maps libcurl). */
        req_before = authority_requests(state);
        fill = fresh_logins(L_FORK_URL, 1, 1);
        req_fill = authority_requests(state) - req_before;
    }

    if (only >= 0) {
        sel[nsel++] = only;
    } else if (state != NULL) {
        static const int jwks_loops[] = { L_HELD, L_BEARER, L_URL, L_FORK_PERMIT, L_FORK_FILE, L_FORK_URL };
        for (size_t i = 0; i < sizeof(jwks_loops) / sizeof(jwks_loops[0]); i++)
            sel[nsel++] = jwks_loops[i];
    } else {
        static const int token_loops[] = { L_PERMIT, L_HELD, L_LOGGED, L_BEARER, L_BEARER_ISS, L_RAW, L_ISS1, L_ISS5 };
        for (size_t i = 0; i < sizeof(token_loops) / sizeof(token_loops[0]); i++)
            sel[nsel++] = token_loops[i];
    }

    syslog_via = serve_syslog();
    /* Warm up: loads libpam's and the module's code, fills the key cache. */
    memset(us, 0, sizeof(us));
    for (int k = 0; k < nsel; k++) {
        if (is_fork(sel[k]))
            fresh_logins(sel[k], 5, 1);
        else
            run_loop(sel[k], sel[k] == L_RAW ? 200 : 100);
    }
    if (state != NULL)
        http_inproc |= http_mapped();
    for (int r = 0; r < rounds; r++) {
        long nl = logins / rounds > 0 ? logins / rounds : 1, nv = verifies / rounds > 0 ? verifies / rounds : 1;
        long nf = fresh / rounds > 0 ? fresh / rounds : 1;
        for (int k = 0; k < nsel; k++) {
            int i = round_order(sel[k], r, state != NULL && only < 0);
            us[i][r] = timed_loop(i, i == L_RAW ? nv : is_fork(i) ? nf : nl);
        }
        margin[r] = us[L_BEARER][r] - (us[L_HELD][r] + us[L_RAW][r]);
        margin_iss[r] = us[L_BEARER_ISS][r] - (us[L_HELD][r] + us[L_RAW][r]);
        margin_logged[r] = us[L_BEARER_ISS][r] - (us[L_LOGGED][r] + us[L_RAW][r]);
        ratio_iss5[r] = us[L_ISS1][r] > 0 ? us[L_ISS5][r] / us[L_ISS1][r] : 0;
        ratio_url[r] = us[L_BEARER][r] > 0 ? us[L_URL][r] / us[L_BEARER][r] : 0;
        ratio_fork[r] = us[L_FORK_FILE][r] > 0 ? us[L_FORK_URL][r] / us[L_FORK_FILE][r] : 0;
        if (state != NULL)
            http_inproc |= http_mapped();
    }

    if (state != NULL) {
        req_timed = authority_requests(state) - req_before - req_fill;
        /* The request counts: fresh caches, fresh processes, the real clock. */
        if (only < 0) {
            long r0 = authority_requests(state);
            cnt_default = fresh_logins(L_REQ_DEFAULT, count, parallel);
            req_default = authority_requests(state) - r0;
            if (ttl > 0) {
                r0 = authority_requests(state);
                cnt_ttl = fresh_logins(L_REQ_TTL, count, parallel);
                req_ttl = authority_requests(state) - r0;
            }
        }
        http_inproc |= http_mapped();
    }

    if (state == NULL) {
        double permit = median(us[L_PERMIT], rounds), base_us = median(us[L_HELD], rounds);
        double bearer = median(us[L_BEARER], rounds), bearer_iss = median(us[L_BEARER_ISS], rounds);
        double raw = median(us[L_RAW], rounds), m = median(margin, rounds), mi = median(margin_iss, rounds);
        double ml = median(margin_logged, rounds);

        printf("bench-pam: %ld logins per service, %ld raw RS256 verifications, %d rounds;\n"
               "median %s microseconds per operation (Linux-PAM, OpenSSL %s)\n\n",
               logins, verifies, rounds, clock_name(),
               OpenSSL_version(OPENSSL_VERSION_STRING));
        printf("  %-48s %10.2f\n", "permit login, module kept mapped (baseline)", base_us);
        printf("  %-48s %10.2f\n", "permit login, pam_permit.so dlopen'ed each time", permit);
        printf("  %-48s %10.2f\n", "permit login + 1 log line (pam_warn), kept mapped", median(us[L_LOGGED], rounds));
        printf("  %-48s %10.2f\n", "token login, empty config (2 log lines)", bearer);
        printf("  %-48s %10.2f\n", "token login, issuer+audience set (1 log line)", bearer_iss);
        printf("  %-48s %10.2f\n", "raw RS256 verify (OpenSSL)", raw);
        printf("  %-48s %10.2f\n", "budget: baseline + raw + 50", base_us + raw + GOAL_MARGIN_US);
        printf("  %-48s %+10.2f   (goal <= %+.0f: %s; rounds %+.1f..%+.1f)\n",
               "margin: token - (baseline + raw)", m, GOAL_MARGIN_US, m <= GOAL_MARGIN_US ? "met" : "missed",
               quantile(margin, rounds, 0.1), quantile(margin, rounds, 0.9));
        printf("  %-48s %+10.2f   (rounds %+.1f..%+.1f)\n", "margin, issuer+audience set (1 line vs none)", mi,
               quantile(margin_iss, rounds, 0.1), quantile(margin_iss, rounds, 0.9));
        printf("  %-48s %+10.2f   (goal <= %+.0f: %s; rounds %+.1f..%+.1f)\n",
               "per transaction: token - (permit+1 line + raw)", ml, GOAL_TRANSACTION_US,
               ml <= GOAL_TRANSACTION_US ? "met" : "missed", quantile(margin_logged, rounds, 0.1),
               quantile(margin_logged, rounds, 0.9));
        printf("  %-48s %10.2f   (syslog: %s)\n", "one more log line (empty config - issuer set)",
               bearer - bearer_iss, syslog_via);
        printf("  %-48s %10.3f\n", "ratio token/baseline", bearer / base_us);
        printf("  %-48s %10.2f\n", "token login, 1 [issuer] section", median(us[L_ISS1], rounds));
        printf("  %-48s %10.2f\n", "token login, 5 [issuer] sections", median(us[L_ISS5], rounds));
        printf("  %-48s %10.3f   (goal <= 1.020; rounds %.3f..%.3f)\n", "ratio 5 issuers / 1 issuer",
               median(ratio_iss5, rounds), quantile(ratio_iss5, rounds, 0.1), quantile(ratio_iss5, rounds, 0.9));
        printf("\n");
        printf("bench-pam.permit_us=%.3f\n", base_us);
        printf("bench-pam.permit_dlopen_us=%.3f\n", permit);
        printf("bench-pam.token_us=%.3f\n", bearer);
        printf("bench-pam.token_iss_us=%.3f\n", bearer_iss);
        printf("bench-pam.raw_us=%.3f\n", raw);
        printf("bench-pam.margin_us=%.3f\n", m);
        printf("bench-pam.margin_iss_us=%.3f\n", mi);
        printf("bench-pam.permit_logged_us=%.3f\n", median(us[L_LOGGED], rounds));
        printf("bench-pam.margin_transaction_us=%.3f\n", ml);
        printf("bench-pam.iss1_us=%.3f\n", median(us[L_ISS1], rounds));
        printf("bench-pam.iss5_us=%.3f\n", median(us[L_ISS5], rounds));
        printf("bench-pam.ratio_iss5_iss1=%.4f\n", median(ratio_iss5, rounds));
    } else {
        double held_us = median(us[L_HELD], rounds), file = median(us[L_BEARER], rounds);
        double cached = median(us[L_URL], rounds), rc = median(ratio_url, rounds);
        double fpermit = median(us[L_FORK_PERMIT], rounds), ffile = median(us[L_FORK_FILE], rounds);
        double fcached = median(us[L_FORK_URL], rounds), rf = median(ratio_fork, rounds);
        int full = only < 0;

        printf("bench-pam -A: token logins with keys from a warm on-disk cache\n"
               "  (jwks=%s ca_file=... cache_dir=DIR/cache, filled once by a fresh process)\n"
               "  against keys from a file (jwks=DIR/jwks.json), interleaved in %d rounds;\n"
               "median %s microseconds per login (Linux-PAM, OpenSSL %s)\n\n",
               url, rounds, clock_name(), OpenSSL_version(OPENSSL_VERSION_STRING));
        print_cache_block("in this process (module kept mapped)", "permit login, module kept mapped (reference)",
                          held_us, file, cached, full, rc, ratio_url, rounds);
        printf("\n");
        print_cache_block("one fresh process per login (fork, 1 at a time)", "permit login (reference)", fpermit,
                          ffile, fcached, full, rf, ratio_fork, rounds);
        printf("\n  %-48s %10s   (/proc/self/maps after warm-up, every round and the end;\n"
               "  %-48s %10s   pam_bearer-http.so: %s)\n",
               "libcurl mapped in this process (goal: no)", http_inproc & 1 ? "YES" : "no", "", "",
               http_inproc & 2 ? "YES" : "no");
        printf("  %-48s %10ld   (of %ld; pam_bearer-http.so: %ld)\n",
               "libcurl mapped, fresh warm-cache logins", fresh_url_curl, fresh_url_logins, fresh_url_plugin);
        printf("  %-48s %10ld   (the cold fill before them: %ld, by a process %s libcurl)\n",
               "authority requests during the timed logins", req_timed, req_fill,
               fill.curl ? "that loaded" : "that did NOT load");
        if (full) {
            printf("\n  %-48s %10s\n", "authority requests, fresh cache, fresh processes", "requests");
            snprintf(text, sizeof(text), "%ld logins, default jwks_ttl", count);
            print_count(text, count, parallel, &cnt_default, req_default, default_ttl);
            if (ttl > 0) {
                snprintf(text, sizeof(text), "%ld logins, jwks_ttl", count);
                print_count(text, count, parallel, &cnt_ttl, req_ttl, ttl);
            }
        }
        printf("\n");
        printf("bench-pam.jwks_permit_us=%.3f\n", held_us);
        printf("bench-pam.jwks_file_us=%.3f\n", file);
        printf("bench-pam.jwks_cache_us=%.3f\n", cached);
        printf("bench-pam.jwks_fork_permit_us=%.3f\n", fpermit);
        printf("bench-pam.jwks_fork_file_us=%.3f\n", ffile);
        printf("bench-pam.jwks_fork_cache_us=%.3f\n", fcached);
        if (full) {
            printf("bench-pam.jwks_ratio_cache_file=%.6f\n", rc);
            printf("bench-pam.jwks_ratio_fork_cache_file=%.6f\n", rf);
        }
        printf("bench-pam.jwks_curl_mapped=%s\n", http_inproc & 1 ? "yes" : "no");
        printf("bench-pam.jwks_plugin_mapped=%s\n", http_inproc & 2 ? "yes" : "no");
        printf("bench-pam.jwks_fork_curl_mapped=%ld\n", fresh_url_curl);
        printf("bench-pam.jwks_fork_cache_logins=%ld\n", fresh_url_logins);
        printf("bench-pam.jwks_requests_fill=%ld\n", req_fill);
        printf("bench-pam.jwks_requests_timed=%ld\n", req_timed);
        if (full) {
            printf("bench-pam.jwks_count_logins=%ld\n", count);
            printf("bench-pam.jwks_count_parallel=%d\n", parallel);
            printf("bench-pam.jwks_count_ttl=%ld\n", default_ttl);
            printf("bench-pam.jwks_count_seconds=%.1f\n", cnt_default.wall_us / 1e6);
            printf("bench-pam.jwks_count_requests=%ld\n", req_default);
            printf("bench-pam.jwks_count_periods=%ld\n", 1 + (long) (cnt_default.end - cnt_default.start) / default_ttl);
            printf("bench-pam.jwks_count_curl_processes=%ld\n", cnt_default.curl);
            if (ttl > 0) {
                printf("bench-pam.jwks_ttl_ttl=%ld\n", ttl);
                printf("bench-pam.jwks_ttl_seconds=%.1f\n", cnt_ttl.wall_us / 1e6);
                printf("bench-pam.jwks_ttl_requests=%ld\n", req_ttl);
                printf("bench-pam.jwks_ttl_periods=%ld\n", 1 + (long) (cnt_ttl.end - cnt_ttl.start) / ttl);
            }
        }
        printf("bench-pam.jwks_url=%s\n", url);
    }
    printf("bench-pam.module=%s\n", module);
    if (keep)
        printf("bench-pam.tmpdir=%s\n", tmpdir);
    dlclose(held);
    EVP_PKEY_free(pkey);
    free(jwks);
    free(plain.text);
    free(plain.sig);
    free(with_iss.text);
    free(with_iss.sig);
    return 0;
}
