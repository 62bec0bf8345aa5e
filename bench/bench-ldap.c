/*
 * bench-ldap: what a whole PAM *password* login (the LDAP fallback of
 * pam_bearer.so) costs against a local slapd, compared with a bare libldap
 * simple bind on a new connection, measured in the same run.
 *
 * The server is the test fixture (tests/fixtures/slapd.sh start DIR); this
 * program reads DIR/env for the URI, the CA, the people DN, the password
 * directory and slapd's pid (or takes them as options).  Two transports:
 *   starttls  ldap://127.0.0.1:PORT upgraded with StartTLS (what a site that
 *             follows the docs runs: ldap_starttls ldap_ca_file=...)
 *   plain     the same ldap:// URI without TLS (allowed to loopback only);
 *             far cheaper per login, so the module's own overhead shows more
 * and for each, two loops, interleaved in rounds:
 *   raw  ldap_initialize, the options lib/ldap-auth.c sets (protocol 3,
 *        network and operation timeouts, referrals off, TLS demand, CA file,
 *        NEWCTX), ldap_start_tls_s (starttls only), ldap_sasl_bind_s simple
 *        as uid=alice,PEOPLE, ldap_unbind_ext_s: a new connection every time.
 *        What any implementation of "check the password with a bind" pays.
 *   pam  pam_start_confdir / pam_authenticate / pam_end on a private service
 *          auth required MODULE config=EMPTY ldap_uri=URI [ldap_starttls]
 *               ldap_ca_file=CA ldap_user_dn=uid=%u,PEOPLE
 *        the conversation answering alice's password.
 * plus, in the same rounds, a pam_permit.so login (kept dlopen'ed, as in
 * bench-pam): what libpam itself costs per login, so that
 *
 *   ratio = pam / raw per round (median over rounds),  goal <= 1.20
 *   module's own = pam - raw - permit (median of per-round values)
 *
 * Times are WALL-CLOCK by default (-c switches to this thread's CPU time):
 * most of a bind's cost is slapd's work and the round trips, which happen in
 * another process while this one sleeps in poll(), so CPU time of this
 * process would leave them out and overstate the module's share.  Alongside,
 * the program reports this process's CPU time per login (client side only)
 * and, when it knows slapd's pid (SLAPD_PID in DIR/env, or -s), slapd's CPU
 * time per login (from /proc/PID/stat: all of slapd's threads, clock ticks),
 * both totals over all rounds.
 *
 * Before timing, one PAM login with a wrong password must be refused (so the
 * loop really measures LDAP deciding), and the first password login loads the
 * module's LDAP plugin (pam_bearer-ldap.so), which then stays loaded: that
 * one-time cost is in the warm-up, not in the rounds.  This program links
 * libldap itself, so the plugin's dlopen finds libldap already mapped.
 * Nothing asserts on time; the program fails only if a bind or a login is
 * refused.
 *
 * Usage: bench-ldap [-E DIR/env] [-H URI] [-C CA] [-b PEOPLE] [-u USER] [-p PWFILE]
 *                   [-m MODULE] [-n TLS_LOGINS] [-N PLAIN_LOGINS] [-R ROUNDS]
 *                   [-o LOOP] [-x] [-s PID] [-c] [-k]
 *   -E  the fixture's env file (default $SLAPD_DIR/env); -H/-C/-b/-p override
 *       LDAP_URI, LDAP_CA, LDAP_PEOPLE and LDAP_PW_DIR/USER.pw from it
 *   -u  user (default alice)
 *   -m  absolute path of pam_bearer.so (default $PAM_BEARER_MODULE, else
 *       ../build/pam/.libs/pam_bearer.so relative to this program)
 *   -n  binds/logins per StartTLS loop (default 1000), -N per plain and
 *       permit loop (default 6000), -R rounds (default 20)
 *   -o  run only one loop (raw-starttls, pam-starttls, raw-plain, pam-plain,
 *       permit, or one of the -x loops): for profilers
 *   -x  also time diagnostic loops that take the password login apart:
 *         plugin-starttls, plugin-plain  pb_ldap_authenticate called through
 *             the table of pam_bearer-ldap.so (loaded from beside the module,
 *             as pam/password.c does), with the service line's configuration
 *             loaded once: the module's LDAP code without libpam, the
 *             per-login configuration load and the log line
 *         raw+permit-plain  each iteration a raw plain bind, then a permit
 *             login: the floor of any PAM module that binds, with libpam's
 *             code as cold as in a real password login
 *         raw-pp-plain  the raw bind as the module does it: password-policy
 *             request control, ldap_sasl_bind + ldap_result + ldap_parse_result
 *         raw-noctx-plain  the raw plain bind without the three TLS options,
 *             i.e. without a fresh TLS context and CA file load per connection
 *         config  pb_conf_load_options + pb_config_free with the plain line's
 *             arguments (what the module does at the start of every login)
 *         syslog  one pam_syslog line, as the module's "accepted:" line
 *       This uses the library's configuration API (lib/options.h) and the
 *       plugin's ABI (lib/ldap-auth.h).
 *   -s  slapd's pid, for its CPU time per login
 *   -c  this thread's CPU time instead of wall-clock time (misleading here)
 *   -k  keep the temporary directory
 * Output: a table, then "key=value" lines (prefix "bench-ldap.") for scripts.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <lber.h>
#include <ldap.h>
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <syslog.h>

#include "ldap-auth.h"
#include "log.h"
#include "conf.h"
#include "conv-answers.h"
#include "status.h"

#define BENCH_NAME "bench-ldap"
#include "bench-util.h"

#define GOAL_RATIO 1.20
/* lib/options.def's ldap_timeout default, in seconds. */
#define LDAP_TIMEOUT_S 5

enum {
    L_RAW_TLS, L_PAM_TLS, L_RAW_PLAIN, L_PAM_PLAIN, L_PERMIT,
    /* diagnostic (-x) */
    L_PLUGIN_TLS, L_PLUGIN_PLAIN, L_RAW_PERMIT_PLAIN, L_RAW_PP_PLAIN, L_RAW_NOCTX_PLAIN, L_CONFIG, L_SYSLOG,
    L_COUNT
};
static const char *const loop_names[L_COUNT] = {
    "raw-starttls", "pam-starttls", "raw-plain", "pam-plain", "permit",
    "plugin-starttls", "plugin-plain", "raw+permit-plain", "raw-pp-plain", "raw-noctx-plain", "config", "syslog",
};
static const char *const loop_labels[L_COUNT] = {
    "raw libldap bind, StartTLS (baseline)",
    "PAM password login, StartTLS",
    "raw libldap bind, plain ldap:// (baseline)",
    "PAM password login, plain ldap://",
    "permit login, module kept mapped (libpam)",
    "module's LDAP code alone, StartTLS",
    "module's LDAP code alone, plain ldap://",
    "raw bind + permit login, plain ldap://",
    "raw bind + ppolicy control, plain ldap://",
    "raw bind, plain ldap://, no TLS options",
    "module's config load+free (plain line)",
    "one pam_syslog line (the accepted: line)",
};
/* The loops timed by default; the diagnostic ones only with -x or -o. */
#define L_DEFAULT_COUNT L_PLUGIN_TLS

enum { F_EMPTY_CONF, F_SVC_TLS, F_SVC_PLAIN, F_SVC_PERMIT, F_COUNT };
static const char *const file_names[F_COUNT] = { "empty.conf", "ldap-starttls", "ldap-plain", "permit-held" };

static char tmpdir[PATH_MAX];
static char paths[F_COUNT][PATH_MAX + 32];

/* What the loops need. */
static const char *user = "alice";
static char *uri, *ca_file, *people, *user_dn, *password;
static const char *wrong_password = "not the password of anybody";

static void
cleanup(void)
{
    for (int i = 0; i < F_COUNT; i++)
        if (paths[i][0] != '\0')
            unlink(paths[i]);
    if (tmpdir[0] != '\0')
        rmdir(tmpdir);
}

static char *
xstrdup(const char *s)
{
    char *p = strdup(s);
    if (p == NULL)
        die("out of memory");
    return p;
}

/* The value of KEY in a file written by slapd.sh's write_env: KEY=value or
 * KEY='value' with ' written as '\''.  NULL when absent. */
static char *
env_value(const char *file, const char *key)
{
    FILE *f = fopen(file, "r");
    char line[4096];
    size_t klen = strlen(key);
    char *out = NULL;

    if (f == NULL) {
        fprintf(stderr, "bench-ldap: cannot read %s: %s\n", file, strerror(errno));
        exit(1);
    }
    while (out == NULL && fgets(line, sizeof(line), f) != NULL) {
        char *v, *o;
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, key, klen) != 0 || line[klen] != '=')
            continue;
        out = o = xmalloc(strlen(line) + 1);
        for (v = line + klen + 1; *v != '\0';) {
            if (*v == '\'') {
                for (v++; *v != '\0' && *v != '\''; v++)
                    *o++ = *v;
                if (*v == '\'')
                    v++;
            } else if (*v == '\\' && v[1] != '\0') {
                *o++ = v[1];
                v += 2;
            } else {
                *o++ = *v++;
            }
        }
        *o = '\0';
    }
    fclose(f);
    return out;
}

/* The password in a fixture file (no trailing newline; one is dropped anyway). */
static char *
read_password(const char *file)
{
    FILE *f = fopen(file, "r");
    char buf[1024];
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "bench-ldap: cannot read %s: %s\n", file, strerror(errno));
        exit(1);
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (n == 0 || strlen(buf) != n)
        die("password file empty or holding a NUL byte");
    return xstrdup(buf);
}

/* ---- raw libldap: exactly the connection setup of lib/ldap-auth.c ---- */

static LDAP *
raw_open(int starttls, int tls_options)
{
    struct timeval timeout = { LDAP_TIMEOUT_S, 0 };
    int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, rc;
    LDAP *ld = NULL;

    rc = ldap_initialize(&ld, uri);
    if (rc != LDAP_SUCCESS) {
        fprintf(stderr, "bench-ldap: ldap_initialize(%s): %s\n", uri, ldap_err2string(rc));
        exit(1);
    }
    if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS
        || ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS
        || ldap_set_option(ld, LDAP_OPT_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS
        || ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS)
        die("ldap_set_option");
    if (tls_options
        && (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS
            || ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca_file) != LDAP_OPT_SUCCESS
            || ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS))
        die("ldap_set_option (TLS setup)");
    if (starttls) {
        rc = ldap_start_tls_s(ld, NULL, NULL);
        if (rc != LDAP_SUCCESS) {
            fprintf(stderr, "bench-ldap: StartTLS on %s: %s\n", uri, ldap_err2string(rc));
            exit(1);
        }
    }
    return ld;
}

/* A simple bind, synchronous, no controls: the floor. */
static void
raw_bind(LDAP *ld)
{
    struct berval cred = { (ber_len_t) strlen(password), password };
    int rc = ldap_sasl_bind_s(ld, user_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);

    if (rc != LDAP_SUCCESS) {
        fprintf(stderr, "bench-ldap: bind as %s: %s\n", user_dn, ldap_err2string(rc));
        exit(1);
    }
}

/* The module's bind (lib/ldap-auth.c simple_bind): the password-policy request
 * control, ldap_sasl_bind + ldap_result + ldap_parse_result, the response
 * control looked for.  Diagnostic: how much of pam - raw is slapd's ppolicy. */
static void
raw_bind_pp(LDAP *ld)
{
    struct berval cred = { (ber_len_t) strlen(password), password };
    struct timeval timeout = { LDAP_TIMEOUT_S, 0 };
    LDAPControl *request = NULL, *controls[2] = { NULL, NULL }, **response = NULL;
    LDAPMessage *result = NULL;
    int msgid = 0, err = LDAP_OTHER;

    if (ldap_create_passwordpolicy_control(ld, &request) != LDAP_SUCCESS)
        die("ldap_create_passwordpolicy_control");
    controls[0] = request;
    if (ldap_sasl_bind(ld, user_dn, LDAP_SASL_SIMPLE, &cred, controls, NULL, &msgid) != LDAP_SUCCESS
        || ldap_result(ld, msgid, LDAP_MSG_ALL, &timeout, &result) <= 0
        || ldap_parse_result(ld, result, &err, NULL, NULL, NULL, &response, 0) != LDAP_SUCCESS
        || err != LDAP_SUCCESS) {
        fprintf(stderr, "bench-ldap: bind (ppolicy control) as %s: %s\n", user_dn, ldap_err2string(err));
        exit(1);
    }
    (void) ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, response, NULL);
    ldap_msgfree(result);
    ldap_controls_free(response);
    ldap_control_free(request);
}

/* tls_options 0: leave out the three TLS options (diagnostic: what the
 * per-connection TLS context costs when no TLS is spoken). */
static void
raw_loop(int starttls, int pp, int tls_options, long n)
{
    for (long i = 0; i < n; i++) {
        LDAP *ld = raw_open(starttls, tls_options);
        if (pp)
            raw_bind_pp(ld);
        else
            raw_bind(ld);
        ldap_unbind_ext_s(ld, NULL, NULL);
    }
}

/* ---- PAM ---- */

/* One login; returns pam_authenticate's code. */
static int
pam_login(const char *service, const char *answer)
{
    struct conv_answers answers = { .mode = CONV_SAME, .text = answer };
    const struct pam_conv conv = { conv_answers, &answers };
    pam_handle_t *h = NULL;
    int rc = pam_start_confdir(service, user, &conv, tmpdir, &h);

    if (rc != PAM_SUCCESS) {
        fprintf(stderr, "bench-ldap: pam_start_confdir(%s): %s\n", service, pam_strerror(h, rc));
        exit(1);
    }
    rc = pam_authenticate(h, PAM_SILENT);
    pam_end(h, rc);
    return rc;
}

static void
pam_loop(const char *service, long n)
{
    for (long i = 0; i < n; i++) {
        int rc = pam_login(service, password);
        if (rc != PAM_SUCCESS) {
            fprintf(stderr, "bench-ldap: %s login refused: %s\n", service, pam_strerror(NULL, rc));
            exit(1);
        }
    }
}

/* ---- diagnostics: the module's parts, called directly ---- */

static const struct pb_ldap_ops *plugin_ops;
static struct pb_config cfg_tls, cfg_plain;
static const char *argv_tls[8], *argv_plain[8];
static int argc_tls, argc_plain;
static pam_handle_t *log_handle;

/* The module's LDAP plugin (pam_bearer-ldap.so beside the module), loaded the
 * way pam/password.c does; the table it exports. */
static void
load_plugin(const char *module)
{
    char path[PATH_MAX + 64];
    const char *slash = strrchr(module, '/');
    void *h;

    snprintf(path, sizeof(path), "%.*s/pam_bearer-ldap.so", (int) (slash - module), module);
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "bench-ldap: dlopen %s: %s\n", path, dlerror());
        exit(1);
    }
    plugin_ops = dlsym(h, PB_LDAP_OPS_SYMBOL);
    if (plugin_ops == NULL || plugin_ops->version != PB_LDAP_OPS_VERSION)
        die("the LDAP plugin does not export a matching pb_ldap_ops table");
}

/* The module's configuration from the same words as the service line. */
static void
load_config(struct pb_config *cfg, int argc, const char **argv)
{
    struct pb_log log = { pb_log_stderr, NULL, 0 };

    if (pb_conf_load_options(cfg, argc, argv, &log) != PB_OK)
        die("pb_conf_load_options refused the service line's arguments");
}

/* pb_ldap_authenticate through the plugin's table: the LDAP code as the
 * module runs it (ppolicy control, ldap_sasl_bind + ldap_result, DN from the
 * template), without libpam, the configuration load or the log line. */
static void
plugin_loop(const struct pb_config *cfg, long n)
{
    struct pb_log log = { NULL, NULL, 0 };

    for (long i = 0; i < n; i++) {
        struct pb_verdict verdict;
        struct pb_ldap_note note;
        if (plugin_ops->authenticate(cfg, user, password, &log, &verdict, &note) != PB_OK)
            die("the module's LDAP code refused the password");
    }
}

/* What every login pays before looking at the password: pb_conf_load_options
 * (defaults, the configuration file, the module arguments, checks) and free. */
static void
config_loop(long n)
{
    for (long i = 0; i < n; i++) {
        struct pb_config cfg;
        load_config(&cfg, argc_plain, argv_plain);
        pb_config_free(&cfg);
    }
}

/* The module's "accepted:" line, through pam_syslog as its log sink does. */
static void
syslog_loop(long n)
{
    for (long i = 0; i < n; i++)
        pam_syslog(log_handle, LOG_INFO, "%s", "accepted: user alice (password, LDAP bind)");
}

static void
run_loop(int which, long n)
{
    switch (which) {
    case L_RAW_TLS: raw_loop(1, 0, 1, n); break;
    case L_PAM_TLS: pam_loop(file_names[F_SVC_TLS], n); break;
    case L_RAW_PLAIN: raw_loop(0, 0, 1, n); break;
    case L_PAM_PLAIN: pam_loop(file_names[F_SVC_PLAIN], n); break;
    case L_PERMIT: pam_loop(file_names[F_SVC_PERMIT], n); break;
    case L_PLUGIN_TLS: plugin_loop(&cfg_tls, n); break;
    case L_PLUGIN_PLAIN: plugin_loop(&cfg_plain, n); break;
    case L_RAW_PERMIT_PLAIN:
        for (long i = 0; i < n; i++) {
            raw_loop(0, 0, 1, 1);
            pam_loop(file_names[F_SVC_PERMIT], 1);
        }
        break;
    case L_RAW_PP_PLAIN: raw_loop(0, 1, 1, n); break;
    case L_RAW_NOCTX_PLAIN: raw_loop(0, 0, 0, n); break;
    case L_CONFIG: config_loop(n); break;
    default: syslog_loop(n); break;
    }
}

/* Where libpam finds "pam_permit.so" (its default module directory). */
/* ---- timing helpers beyond bench-util.h ---- */

/* utime+stime of a process (all its threads), microseconds; -1 if unknown. */
static double
proc_cpu_us(long pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut, st;
    FILE *f;
    size_t n;

    if (pid <= 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');   /* the command name may hold anything */
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double) (ut + st) * 1e6 / (double) sysconf(_SC_CLK_TCK);
}

/* No whitespace: libpam splits module arguments on it (and [..] quoting
 * is not worth it here). */
static void
check_arg(const char *what, const char *value)
{
    for (const char *p = value; *p != '\0'; p++)
        if (isspace((unsigned char) *p) || *p == '[' || *p == ']') {
            fprintf(stderr, "bench-ldap: %s \"%s\" holds whitespace or brackets\n", what, value);
            exit(1);
        }
}

int
main(int argc, char **argv)
{
    char module[PATH_MAX + 64] = "", text[4 * PATH_MAX + 512], pwfile[PATH_MAX + 64] = "";
    const char *env_file = NULL;
    char *env_uri = NULL, *env_ca = NULL, *env_people = NULL, *env_pwdir = NULL, *env_pid = NULL;
    const char *opt_uri = NULL, *opt_ca = NULL, *opt_people = NULL, *opt_pwfile = NULL;
    long logins = 1000, plain_logins = 6000, slapd_pid = 0;
    const char *permit_so = find_permit();
    void *held = NULL;
    int rounds = 20, keep = 0, only = -1, extra = 0, opt;
    double us[L_COUNT][MAX_ROUNDS], ratio_tls[MAX_ROUNDS], ratio_plain[MAX_ROUNDS];
    double own_tls[MAX_ROUNDS], own_plain[MAX_ROUNDS], diff_tls[MAX_ROUNDS], diff_plain[MAX_ROUNDS];
    double cpu_total[L_COUNT], slapd_total[L_COUNT];
    long done[L_COUNT];
    int active[L_COUNT];
    struct stat st;

    clock_id = CLOCK_MONOTONIC;
    while ((opt = getopt(argc, argv, "E:H:C:b:u:p:m:n:N:R:o:s:xckh")) != -1) {
        switch (opt) {
        case 'E': env_file = optarg; break;
        case 'H': opt_uri = optarg; break;
        case 'C': opt_ca = optarg; break;
        case 'b': opt_people = optarg; break;
        case 'u': user = optarg; break;
        case 'p': opt_pwfile = optarg; break;
        case 'm': snprintf(module, sizeof(module), "%s", optarg); break;
        case 'n': logins = parse_count(optarg); break;
        case 'N': plain_logins = parse_count(optarg); break;
        case 'R': rounds = parse_rounds(optarg); break;
        case 'o':
            only = parse_choice(optarg, loop_names, L_COUNT,
                                "-o takes raw-starttls, pam-starttls, raw-plain, pam-plain, permit, plugin-starttls, "
                                "plugin-plain, raw+permit-plain, raw-pp-plain, raw-noctx-plain, config or syslog");
            break;
        case 's': slapd_pid = parse_count(optarg); break;
        case 'x': extra = 1; break;
        case 'c': clock_id = CLOCK_THREAD_CPUTIME_ID; break;
        case 'k': keep = 1; break;
        default:
            fprintf(stderr,
                    "usage: %s [-E DIR/env] [-H URI] [-C CA] [-b PEOPLE] [-u USER] [-p PWFILE]\n"
                    "       [-m MODULE] [-n TLS_LOGINS] [-N PLAIN_LOGINS] [-R ROUNDS] [-o LOOP] [-s PID] [-x] [-c] [-k]\n",
                    argv[0]);
            return opt == 'h' ? 0 : 2;
        }
    }

    /* Where the server is: the fixture's env file, overridden by options. */
    if (env_file == NULL && getenv("SLAPD_DIR") != NULL) {
        static char buf[PATH_MAX + 8];
        snprintf(buf, sizeof(buf), "%s/env", getenv("SLAPD_DIR"));
        env_file = buf;
    }
    if (env_file != NULL) {
        env_uri = env_value(env_file, "LDAP_URI");
        env_ca = env_value(env_file, "LDAP_CA");
        env_people = env_value(env_file, "LDAP_PEOPLE");
        env_pwdir = env_value(env_file, "LDAP_PW_DIR");
        env_pid = env_value(env_file, "SLAPD_PID");
    }
    uri = xstrdup(opt_uri ? opt_uri : env_uri ? env_uri : "");
    ca_file = xstrdup(opt_ca ? opt_ca : env_ca ? env_ca : "");
    people = xstrdup(opt_people ? opt_people : env_people ? env_people : "");
    if (opt_pwfile != NULL)
        snprintf(pwfile, sizeof(pwfile), "%s", opt_pwfile);
    else if (env_pwdir != NULL)
        snprintf(pwfile, sizeof(pwfile), "%s/%s.pw", env_pwdir, user);
    if (slapd_pid == 0 && env_pid != NULL)
        slapd_pid = strtol(env_pid, NULL, 10);
    if (uri[0] == '\0' || ca_file[0] == '\0' || people[0] == '\0' || pwfile[0] == '\0')
        die("need the fixture's env (-E DIR/env or $SLAPD_DIR) or all of -H, -C, -b, -p");
    if (strncmp(uri, "ldap://", 7) != 0)
        die("the URI must be ldap:// (StartTLS and plain are both measured on it)");
    password = read_password(pwfile);
    user_dn = xmalloc(strlen(user) + strlen(people) + 8);
    sprintf(user_dn, "uid=%s,%s", user, people);   /* user names here need no DN escaping */
    check_arg("URI", uri);
    check_arg("CA file", ca_file);
    check_arg("people DN", people);

    if (module[0] == '\0')
        default_module(module, sizeof(module), argv[0]);
    if (module[0] != '/' || stat(module, &st) != 0) {
        fprintf(stderr, "bench-ldap: module %s not found (build it, or give -m /abs/path/pam_bearer.so)\n",
                module);
        return 1;
    }
    check_arg("module path", module);
    if (permit_so == NULL)
        die("pam_permit.so not found in the usual module directories");
    check_arg("pam_permit.so path", permit_so);
    /* Kept open, so that libpam's dlopen/dlclose per handle only counts
     * references, as for pam_bearer.so (linked -z nodelete). */
    held = dlopen(permit_so, RTLD_NOW);
    if (held == NULL) {
        fprintf(stderr, "bench-ldap: dlopen %s: %s\n", permit_so, dlerror());
        return 1;
    }

    make_tmpdir(tmpdir, sizeof(tmpdir));
    if (!keep)
        atexit(cleanup);
    chmod(tmpdir, 0755);
    for (int i = 0; i < F_COUNT; i++)
        snprintf(paths[i], sizeof(paths[i]), "%s/%s", tmpdir, file_names[i]);
    write_file(paths[F_EMPTY_CONF], "");
    /* The module arguments, as words (for the diagnostics) and as lines. */
    {
        size_t cap = strlen(paths[F_EMPTY_CONF]) + strlen(uri) + strlen(ca_file) + strlen(people) + 32;
        char *a_conf = xmalloc(cap), *a_uri = xmalloc(cap), *a_ca = xmalloc(cap), *a_dn = xmalloc(cap);

        snprintf(a_conf, cap, "config=%s", paths[F_EMPTY_CONF]);
        snprintf(a_uri, cap, "ldap_uri=%s", uri);
        snprintf(a_ca, cap, "ldap_ca_file=%s", ca_file);
        snprintf(a_dn, cap, "ldap_user_dn=uid=%%u,%s", people);
        argv_tls[argc_tls++] = argv_plain[argc_plain++] = a_conf;
        argv_tls[argc_tls++] = argv_plain[argc_plain++] = a_uri;
        argv_tls[argc_tls++] = "ldap_starttls";
        argv_tls[argc_tls++] = argv_plain[argc_plain++] = a_ca;
        argv_tls[argc_tls++] = argv_plain[argc_plain++] = a_dn;
    }
    snprintf(text, sizeof(text), "auth required %s", module);
    for (int i = 0; i < argc_tls; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), " %s", argv_tls[i]);
    strcat(text, "\n");
    write_file(paths[F_SVC_TLS], text);
    snprintf(text, sizeof(text), "auth required %s", module);
    for (int i = 0; i < argc_plain; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), " %s", argv_plain[i]);
    strcat(text, "\n");
    write_file(paths[F_SVC_PLAIN], text);
    snprintf(text, sizeof(text), "auth required %s\n", permit_so);
    write_file(paths[F_SVC_PERMIT], text);

    for (int i = 0; i < L_COUNT; i++) {
        active[i] = only >= 0 ? only == i : (i < L_DEFAULT_COUNT || extra);
        done[i] = 0;
        cpu_total[i] = slapd_total[i] = 0;
    }
    if (active[L_PLUGIN_TLS] || active[L_PLUGIN_PLAIN]) {
        load_plugin(module);
        load_config(&cfg_tls, argc_tls, argv_tls);
        load_config(&cfg_plain, argc_plain, argv_plain);
    }
    if (active[L_SYSLOG]) {
        /* Only logs through this handle: any prompt is refused. */
        static struct conv_answers refuse = { .mode = CONV_SAME, .refuse = 1 };
        static const struct pam_conv no_conv = { conv_answers, &refuse };
        int rc = pam_start_confdir(file_names[F_SVC_PLAIN], user, &no_conv, tmpdir, &log_handle);
        if (rc != PAM_SUCCESS)
            die("pam_start_confdir for the log handle");
    }

    /* Sanity: LDAP decides (a wrong password is refused), then warm up: the
     * first password login loads pam_bearer-ldap.so (it stays loaded), the
     * first ldap_initialize reads ldap.conf, slapd's caches fill. */
    for (int i = 0; i < L_COUNT; i++) {
        int rc;
        if (!active[i] || (i != L_PAM_TLS && i != L_PAM_PLAIN))
            continue;
        rc = pam_login(file_names[i == L_PAM_TLS ? F_SVC_TLS : F_SVC_PLAIN], wrong_password);
        if (rc != PAM_AUTH_ERR) {
            fprintf(stderr, "bench-ldap: a wrong password gave \"%s\", not PAM_AUTH_ERR: is LDAP deciding?\n",
                    pam_strerror(NULL, rc));
            return 1;
        }
    }
    for (int i = 0; i < L_COUNT; i++)
        if (active[i])
            run_loop(i, 20);

    memset(us, 0, sizeof(us));
    for (int r = 0; r < rounds; r++) {
        long nt = logins / rounds > 0 ? logins / rounds : 1;
        long np = plain_logins / rounds > 0 ? plain_logins / rounds : 1;
        for (int i = 0; i < L_COUNT; i++) {
            long n = i == L_RAW_TLS || i == L_PAM_TLS || i == L_PLUGIN_TLS ? nt : np;
            double t0, c0, s0, s1;
            if (!active[i])
                continue;
            s0 = proc_cpu_us(slapd_pid);
            c0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
            t0 = now_us();
            run_loop(i, n);
            us[i][r] = (now_us() - t0) / (double) n;
            cpu_total[i] += clock_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
            s1 = proc_cpu_us(slapd_pid);
            slapd_total[i] = s0 >= 0 && s1 >= 0 && slapd_total[i] >= 0 ? slapd_total[i] + s1 - s0 : -1;
            done[i] += n;
        }
        ratio_tls[r] = us[L_PAM_TLS][r] / us[L_RAW_TLS][r];
        ratio_plain[r] = us[L_PAM_PLAIN][r] / us[L_RAW_PLAIN][r];
        diff_tls[r] = us[L_PAM_TLS][r] - us[L_RAW_TLS][r];
        diff_plain[r] = us[L_PAM_PLAIN][r] - us[L_RAW_PLAIN][r];
        /* What is left of pam - raw once libpam's own login is taken off. */
        own_tls[r] = us[L_PAM_TLS][r] - us[L_RAW_TLS][r] - us[L_PERMIT][r];
        own_plain[r] = us[L_PAM_PLAIN][r] - us[L_RAW_PLAIN][r] - us[L_PERMIT][r];
    }

    {
        double med[L_COUNT];
        int both_tls = active[L_RAW_TLS] && active[L_PAM_TLS], both_plain = active[L_RAW_PLAIN] && active[L_PAM_PLAIN];
        double rt = both_tls ? median(ratio_tls, rounds) : 0, rp = both_plain ? median(ratio_plain, rounds) : 0;

        printf("bench-ldap: %ld logins per StartTLS loop, %ld per plain and permit loop, %d rounds,\n"
               "against %s (user %s); median %s microseconds per login\n"
               "(libldap %d.%d.%d, OpenSSL %s)\n",
               logins, plain_logins, rounds, uri, user, clock_name(), LDAP_VENDOR_VERSION_MAJOR, LDAP_VENDOR_VERSION_MINOR,
               LDAP_VENDOR_VERSION_PATCH, OpenSSL_version(OPENSSL_VERSION_STRING));
        if (clock_id == CLOCK_MONOTONIC)
            printf("(wall-clock on purpose: slapd works in another process, so this process's CPU time\n"
                   " would leave out most of a bind; client and slapd CPU are shown beside it)\n");
        printf("\n  %-44s %10s %10s %12s %12s\n", "", "us/login", "logins/s", "client CPU", "slapd CPU");
        for (int i = 0; i < L_COUNT; i++) {
            char sl[32] = "-";
            if (!active[i])
                continue;
            med[i] = median(us[i], rounds);
            if (slapd_total[i] >= 0 && slapd_pid > 0)
                snprintf(sl, sizeof(sl), "%.1f", slapd_total[i] / (double) done[i]);
            printf("  %-44s %10.1f %10.0f %12.1f %12s\n", loop_labels[i], med[i], 1e6 / med[i],
                   cpu_total[i] / (double) done[i], sl);
        }
        printf("\n");
        if (both_tls)
            printf("  %-44s %10.3f   (goal <= %.2f: %s; rounds %.3f..%.3f; %+.1f us/login)\n",
                   "ratio pam/raw, StartTLS", rt, GOAL_RATIO, rt <= GOAL_RATIO ? "met" : "MISSED",
                   quantile(ratio_tls, rounds, 0.1), quantile(ratio_tls, rounds, 0.9), median(diff_tls, rounds));
        if (both_plain)
            printf("  %-44s %10.3f   (goal <= %.2f: %s; rounds %.3f..%.3f; %+.1f us/login)\n",
                   "ratio pam/raw, plain ldap://", rp, GOAL_RATIO, rp <= GOAL_RATIO ? "met" : "MISSED",
                   quantile(ratio_plain, rounds, 0.1), quantile(ratio_plain, rounds, 0.9),
                   median(diff_plain, rounds));
        if (active[L_PERMIT] && (both_tls || both_plain)) {
            printf("  pam - raw = libpam's own login (the permit row) + the module's own work:\n");
            if (both_tls)
                printf("  %-44s %+10.1f   (budget for all of pam - raw at 1.20: %.1f us)\n",
                       "  module's own, StartTLS (us/login)", median(own_tls, rounds),
                       (GOAL_RATIO - 1) * med[L_RAW_TLS]);
            if (both_plain)
                printf("  %-44s %+10.1f   (budget for all of pam - raw at 1.20: %.1f us)\n",
                       "  module's own, plain ldap:// (us/login)", median(own_plain, rounds),
                       (GOAL_RATIO - 1) * med[L_RAW_PLAIN]);
        }
        printf("  (client CPU = this process's CPU per login, slapd CPU = slapd's, both means over all\n"
               "   rounds; slapd's from /proc/PID/stat, all its threads, clock ticks)\n\n");
        for (int i = 0; i < L_COUNT; i++) {
            if (!active[i])
                continue;
            printf("bench-ldap.%s_us=%.3f\n", loop_names[i], med[i]);
            printf("bench-ldap.%s_per_s=%.1f\n", loop_names[i], 1e6 / med[i]);
            printf("bench-ldap.%s_client_cpu_us=%.3f\n", loop_names[i], cpu_total[i] / (double) done[i]);
            if (slapd_total[i] >= 0 && slapd_pid > 0)
                printf("bench-ldap.%s_slapd_cpu_us=%.3f\n", loop_names[i], slapd_total[i] / (double) done[i]);
        }
        if (both_tls)
            printf("bench-ldap.ratio_starttls=%.4f\n", rt);
        if (both_plain)
            printf("bench-ldap.ratio_plain=%.4f\n", rp);
        if (both_tls && active[L_PERMIT])
            printf("bench-ldap.module_own_starttls_us=%.3f\n", median(own_tls, rounds));
        if (both_plain && active[L_PERMIT])
            printf("bench-ldap.module_own_plain_us=%.3f\n", median(own_plain, rounds));
        printf("bench-ldap.clock=%s\n", clock_name());
        printf("bench-ldap.module=%s\n", module);
        if (keep)
            printf("bench-ldap.tmpdir=%s\n", tmpdir);
    }
    free(uri);
    free(ca_file);
    free(people);
    free(user_dn);
    free(password);
    free(env_uri);
    free(env_ca);
    free(env_people);
    free(env_pwdir);
    free(env_pid);
    if (log_handle != NULL)
        pam_end(log_handle, PAM_SUCCESS);
    if (plugin_ops != NULL) {
        pb_config_free(&cfg_tls);
        pb_config_free(&cfg_plain);
    }
    for (int i = 0; i < argc_tls; i++)
        if (strcmp(argv_tls[i], "ldap_starttls") != 0)
            free((char *) argv_tls[i]);
    dlclose(held);
    return 0;
}
