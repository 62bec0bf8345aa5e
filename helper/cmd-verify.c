/* bearer-token verify: run the module's exact decision on one token and show
 * every check, the key used, and the decoded header and claims. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "b64url.h"
#include "commands.h"
#include "credential.h"
#include "flags.h"
#include "issuer.h"
#include "jwks-source.h"
#include "conf.h"
#include "secret.h"
#include "status.h"
#include "token.h"
#include "trace.h"

#define MAX_CHECKS 64
#define MAX_OPTIONS 64

struct check_line {
    char name[PB_CLAIM_NAME_MAX + 8];
    enum pb_check_outcome outcome;
    char detail[320];
};

struct report {
    struct check_line lines[MAX_CHECKS];
    size_t count;
};

struct verify_args {
    const char *config;
    const char *user;
    const char *token_file;
    int json;
    int signature_only;
    const char *words[MAX_OPTIONS];   /* module-line style key=value */
    int nwords;
    char *owned[MAX_OPTIONS];         /* words built from shorthand flags */
    int nowned;
};

static void
collect(void *ctx, const char *name, enum pb_check_outcome outcome, const char *detail)
{
    struct report *report = ctx;
    struct check_line *line;

    if (report->count >= MAX_CHECKS)
        return;
    line = &report->lines[report->count++];
    snprintf(line->name, sizeof(line->name), "%s", name);
    line->outcome = outcome;
    snprintf(line->detail, sizeof(line->detail), "%s", detail);
}

static void
usage(FILE *out)
{
    pb_flags_usage(out, "verify", "< TOKEN",
                   "Check one token with pam_bearer.so's own code and configuration; show each check.",
                   "The token is never taken from the command line, where other users can see it.\n"
                   "Exit status: 0 accepted, 1 rejected, 2 could not decide, 64 usage error.\n");
}

static int
add_word(struct verify_args *args, const char *key, const char *value)
{
    char *word;

    if (args->nwords >= MAX_OPTIONS - 1)
        return -1;
    if (key == NULL) {
        args->words[args->nwords++] = value;
        return 0;
    }
    if (asprintf(&word, "%s=%s", key, value) < 0)
        return -1;
    args->owned[args->nowned++] = word;
    args->words[args->nwords++] = word;
    return 0;
}

/* Read the token, up to READ_MAX bytes: well past what the module accepts
 * (even after a "Bearer " prefix), so an oversized token is refused as one.
 * One trailing newline (as typed at a terminal) is dropped, as a PAM
 * conversation drops it. */
#define READ_MAX (1024 * 1024)

static int
read_token(const char *path, char **out, size_t *len)
{
    size_t cap = READ_MAX + 2, got = 0;
    char *buf = malloc(cap);
    int fd = STDIN_FILENO;

    if (buf == NULL)
        return -1;
    if (path != NULL && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "bearer-token: cannot open %s: %s\n", path, strerror(errno));
        free(buf);
        return -1;
    }
    while (got < cap - 1) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "bearer-token: cannot read the token: %s\n", strerror(errno));
            pb_secret_free(buf, cap);
            if (fd != STDIN_FILENO)
                close(fd);
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t) n;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (got > 0 && buf[got - 1] == '\n') {
        got--;
        if (got > 0 && buf[got - 1] == '\r')
            got--;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

static const char *
verdict_word(enum pb_status status)
{
    return status == PB_OK ? "accepted" : status == PB_REJECTED ? "rejected" : "undecided";
}

static void
print_json_value(const char *label, json_t *value)
{
    char *text = value ? json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    char *line, *next;

    if (text == NULL) {
        printf("%-10s (not decoded)\n", label);
        return;
    }
    printf("%s\n", label);
    for (line = text; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        printf("  %s\n", line);
    }
    free(text);
}

static void
print_text(const struct pb_config *cfg, enum pb_status status, const struct pb_verdict *verdict,
           const struct report *report,
           const struct pb_trace *trace, const unsigned char *payload, size_t payload_len)
{
    for (size_t i = 0; i < report->count; i++)
        printf("%-10s %-5s %s\n", report->lines[i].name, pb_check_outcome_name(report->lines[i].outcome),
               report->lines[i].detail);
    printf("\nkey        %s\n", trace->key[0] ? trace->key : "(none verified the signature)");
    print_json_value("header", trace->header);
    if (payload != NULL) {
        printf("payload    %zu bytes\n", payload_len);
        fwrite(payload, 1, payload_len, stdout);
        if (payload_len > 0 && payload[payload_len - 1] != '\n')
            printf("\n");
    } else if (trace->claims != NULL) {
        print_json_value("claims", trace->claims);
    }
    if (status == PB_REJECTED)
        printf("\nverdict    rejected: %s: %s\n", pb_reason_name(verdict->reason), verdict->detail);
    else if (status == PB_OK)
        printf("\nverdict    accepted\n");
    else
        printf("\nverdict    undecided: %s (see the messages above)\n", pb_status_name(status));
    if (status == PB_REJECTED && verdict->reason == PB_R_NOT_A_TOKEN && cfg->ldap_uris.count > 0 && !cfg->token_only)
        printf("note       with this configuration the module would check this input as a password, "
               "with an LDAP bind\n");
}

static int
print_json(enum pb_status status, const struct pb_verdict *verdict, const struct report *report,
           const struct pb_trace *trace, const unsigned char *payload, size_t payload_len)
{
    json_t *root = json_object(), *checks = json_array();
    char *text;

    if (root == NULL || checks == NULL)
        return -1;
    json_object_set_new(root, "verdict", json_string(verdict_word(status)));
    if (status == PB_REJECTED) {
        json_object_set_new(root, "reason", json_string(pb_reason_name(verdict->reason)));
        json_object_set_new(root, "detail", json_string(verdict->detail));
    } else if (status != PB_OK) {
        json_object_set_new(root, "reason", json_string(pb_status_name(status)));
    }
    for (size_t i = 0; i < report->count; i++)
        json_array_append_new(checks, json_pack("{s:s, s:s, s:s}", "check", report->lines[i].name, "outcome",
                                                pb_check_outcome_name(report->lines[i].outcome), "detail",
                                                report->lines[i].detail));
    json_object_set_new(root, "checks", checks);
    json_object_set_new(root, "key", trace->key[0] ? json_string(trace->key) : json_null());
    json_object_set(root, "header", trace->header ? trace->header : json_null());
    if (payload != NULL) {
        json_t *text_value = json_stringn((const char *) payload, payload_len);
        if (text_value != NULL) {
            json_object_set_new(root, "payload", text_value);
        } else {
            char *encoded = pb_b64url_encode(payload, payload_len);
            json_object_set_new(root, "payload_base64url", encoded ? json_string(encoded) : json_null());
            free(encoded);
        }
    } else {
        json_object_set(root, "claims", trace->claims ? trace->claims : json_null());
    }
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (text == NULL)
        return -1;
    printf("%s\n", text);
    free(text);
    return 0;
}

static int
parse_args(int argc, char **argv, struct verify_args *args)
{
    struct pb_flag_parser flags;
    const char *arg;
    int flag, failed = 0;

    /* Only verify's flags are known to getopt: another command's is unknown. */
    pb_flags_begin(&flags, "verify", argc, argv);
    while ((flag = pb_flags_next(&flags, &arg)) != PB_FLAGS_END) {
        switch (flag) {
        case PB_FLAG_VERIFY_CONFIG: args->config = arg; break;
        case PB_FLAG_OPTION: failed |= add_word(args, NULL, arg); break;
        case PB_FLAG_VERIFY_USER: args->user = arg; break;
        case PB_FLAG_TOKEN_FILE: args->token_file = arg; break;
        case PB_FLAG_JSON: args->json = 1; break;
        case PB_FLAG_SIGNATURE_ONLY: args->signature_only = 1; break;
        case PB_FLAG_HELP: usage(stdout); return 1;
        default:
            /* --jwks FILE and the like: one module option, as with -o. */
            if (flag >= 0 && pb_flags[flag].option != NULL) {
                failed |= add_word(args, pb_flags[flag].option, arg);
                break;
            }
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        /* Not quoted back: it may well be a token. */
        fprintf(stderr, "bearer-token verify: unexpected argument (the token is read from standard "
                        "input or --token-file, never from the command line)\n");
        return -1;
    }
    if (failed) {
        fprintf(stderr, "bearer-token verify: too many options\n");
        return -1;
    }
    return 0;
}

int
pb_cmd_verify(int argc, char **argv, pb_http_loader_fn http)
{
    struct verify_args args;
    struct pb_config cfg;
    struct pb_log log = { pb_log_helper_sink, NULL, 0 };
    struct report report = { .count = 0 };
    struct pb_trace trace = { collect, &report, NULL, NULL, "" };
    struct pb_verdict verdict = { PB_R_NONE, "" };
    struct pb_token_info info;
    struct pb_credential cred;
    struct pb_login_ctx ctx = { &cfg, &log, 0, pb_jwks_get, http, NULL, NULL, NULL };
    const char *load_argv[MAX_OPTIONS + 1];
    char *config_word = NULL, *token = NULL;
    unsigned char *payload = NULL;
    size_t token_len = 0, payload_len = 0;
    int load_argc = 0, rc = PB_EXIT_USAGE, parsed;
    enum pb_status status;

    memset(&args, 0, sizeof(args));
    memset(&cfg, 0, sizeof(cfg));
    parsed = parse_args(argc, argv, &args);
    if (parsed != 0) {
        rc = parsed > 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
        goto done;
    }
    /* The same loading path as the module: file, then module-line words.
     * Signature-only mode reads a file only when one is named. */
    if (args.config != NULL || args.signature_only) {
        if (asprintf(&config_word, "config=%s", args.config ? args.config : "/dev/null") < 0)
            goto done;
        if (args.config != NULL)
            load_argv[load_argc++] = config_word;
    }
    for (int i = 0; i < args.nwords; i++)
        load_argv[load_argc++] = args.words[i];
    if (args.signature_only && args.config == NULL) {
        char err[256];
        status = pb_config_init(&cfg);
        for (int i = 0; status == PB_OK && i < load_argc; i++) {
            status = pb_config_apply(&cfg, load_argv[i], PB_W_MODULE, err, sizeof(err));
            if (status == PB_CONFIG)
                pb_log(&log, LOG_ERR, "config: %s", err);
        }
        if (status == PB_OK && (status = pb_config_finish(&cfg, err, sizeof(err))) == PB_CONFIG)
            pb_log(&log, LOG_ERR, "config: %s", err);
    } else {
        status = pb_conf_load_options(&cfg, load_argc, load_argv, &log);
    }
    /* The module builds only the section a token chooses: here, all of
     * them, so that a wrong value shows whichever token is given. */
    if (status == PB_OK && cfg.issuer_table != NULL) {
        char err[320];
        if ((status = pb_issuers_check_all(&cfg, err, sizeof(err))) == PB_CONFIG)
            pb_log(&log, LOG_ERR, "config: %s", err);
    }
    if (status != PB_OK) {
        /* Still a report, so scripts always get one object / one verdict. */
        pb_trace_report(&trace, "config", PB_CHECK_FAIL, "the configuration cannot be used (see the messages above)");
        if (args.json)
            print_json(status, &verdict, &report, &trace, NULL, 0);
        else
            print_text(&cfg, status, &verdict, &report, &trace, NULL, 0);
        rc = pb_helper_exit(PB_STEP_VERIFY, status);
        goto done;
    }
    if (read_token(args.token_file, &token, &token_len) < 0) {
        rc = PB_EXIT_UNDECIDED;
        goto done;
    }
    /* JOSE only has no clock: the claims that need one are not checked. */
    if (!args.signature_only)
        ctx.now = time(NULL);
    pb_credential_read(token, token_len, &cred);
    /* Everything the module checks, the account phase's groups included. */
    status = pb_token_check(&ctx, args.signature_only ? NULL : args.user, &cred, &trace,
                            args.signature_only ? PB_TOKEN_SIGNATURE_ONLY : PB_TOKEN_GROUPS, &verdict, &info,
                            &payload, &payload_len);
    if (args.json) {
        if (print_json(status, &verdict, &report, &trace, payload, payload_len) < 0) {
            rc = PB_EXIT_UNDECIDED;
            goto done;
        }
    } else {
        print_text(&cfg, status, &verdict, &report, &trace, payload, payload_len);
    }
    rc = pb_helper_exit(PB_STEP_VERIFY, status);
done:
    if (fflush(stdout) != 0 && rc != PB_EXIT_USAGE)
        rc = PB_EXIT_UNDECIDED;
    json_decref(trace.header);
    json_decref(trace.claims);
    if (token != NULL)
        pb_secret_free(token, READ_MAX + 2);
    free(payload);
    free(config_word);
    for (int i = 0; i < args.nowned; i++)
        free(args.owned[i]);
    pb_config_free(&cfg);
    return rc;
}
