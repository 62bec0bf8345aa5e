/* bearer-token metrics: the host-wide counters (lib/metrics.c) in the
 * Prometheus text format, to standard output or atomically to a file for
 * node_exporter's textfile collector, or as a summary for a person. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "conf.h"
#include "flags.h"
#include "metrics.h"

#define FAMILY_LOGINS "pam_bearer_logins"
#define FAMILY_LATENCY "pam_bearer_login_duration_seconds"

/* A label value as the exposition format wants it: \\, \" and \n escaped. */
static void
label_value(FILE *out, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\' || *v == '"')
            fprintf(out, "\\%c", *v);
        else if (*v == '\n')
            fputs("\\n", out);
        else
            fputc(*v, out);
    }
}

static void
family_head(FILE *out, const char *name, const char *suffix, const char *type, const char *help)
{
    fprintf(out, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, suffix, help, name, suffix, type);
}

static void
logins(FILE *out, const struct pb_metrics *m)
{
    family_head(out, FAMILY_LOGINS, "_total", "counter",
                "Login decisions by path, result and reason (the log's reason word; none unless rejected).");
    for (unsigned p = 0; p < PB_MP_COUNT; p++)
        for (unsigned s = 0; s < PB_METRICS_STATUSES; s++)
            for (unsigned r = 0; r < PB_R_COUNT; r++) {
                uint64_t n = m->logins[p][s][r];
                /* Accepted logins always appear, so that rates have a series; the rest once seen. */
                if (n == 0 && !(s == PB_OK && r == PB_R_NONE))
                    continue;
                fprintf(out, FAMILY_LOGINS "_total{path=\"");
                label_value(out, pb_metrics_path_names[p]);
                fprintf(out, "\",result=\"");
                label_value(out, pb_metrics_result_names[s]);
                fprintf(out, "\",reason=\"");
                label_value(out, pb_reason_name((enum pb_reason) r));
                fprintf(out, "\"} %llu\n", (unsigned long long) n);
            }
}

static void
latency(FILE *out, const struct pb_metrics *m)
{
    family_head(out, FAMILY_LATENCY, "", "histogram", "Time one login decision took, by path.");
    for (unsigned p = 0; p < PB_MP_COUNT; p++) {
        uint64_t total = 0;
        for (unsigned b = 0; b < PB_METRICS_BUCKETS; b++) {
            total += m->latency[p].bucket[b];
            fprintf(out, FAMILY_LATENCY "_bucket{path=\"");
            label_value(out, pb_metrics_path_names[p]);
            if (b + 1 < PB_METRICS_BUCKETS)
                fprintf(out, "\",le=\"%g\"} %llu\n", (double) pb_metrics_bucket_ns[b] / 1e9,
                        (unsigned long long) total);
            else
                fprintf(out, "\",le=\"+Inf\"} %llu\n", (unsigned long long) total);
        }
        fprintf(out, FAMILY_LATENCY "_sum{path=\"");
        label_value(out, pb_metrics_path_names[p]);
        fprintf(out, "\"} %.9f\n", (double) m->latency[p].sum_ns / 1e9);
        fprintf(out, FAMILY_LATENCY "_count{path=\"");
        label_value(out, pb_metrics_path_names[p]);
        fprintf(out, "\"} %llu\n", (unsigned long long) total);
    }
}

static void
events(FILE *out, const struct pb_metrics *m)
{
    for (size_t f = 0; f < pb_metrics_family_count; f++) {
        const struct pb_metrics_family *fam = &pb_metrics_families[f];
        family_head(out, fam->name, "_total", "counter", fam->help);
        for (unsigned e = 0; e < PB_M_EVENT_COUNT; e++) {
            if (pb_metrics_events[e].family != f)
                continue;
            fprintf(out, "%s_total", fam->name);
            if (fam->label != NULL) {
                fprintf(out, "{%s=\"", fam->label);
                label_value(out, pb_metrics_events[e].value);
                fputs("\"}", out);
            }
            fprintf(out, " %llu\n", (unsigned long long) m->events[e]);
        }
    }
}

static void
prometheus(FILE *out, const struct pb_metrics *m)
{
    logins(out, m);
    latency(out, m);
    events(out, m);
}

/* For a person: one line per path, then the rest by family. */
static void
summary(FILE *out, const struct pb_metrics *m, const char *path)
{
    char when[64] = "never (no counters yet)";
    time_t created = (time_t) m->created;
    struct tm tm;

    if (m->created != 0 && localtime_r(&created, &tm) != NULL)
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
    fprintf(out, "Counters in %s, since %s\n\nLogins:\n", path, when);
    for (unsigned p = 0; p < PB_MP_COUNT; p++) {
        uint64_t by[PB_METRICS_STATUSES] = { 0 }, n = 0;
        for (unsigned s = 0; s < PB_METRICS_STATUSES; s++)
            for (unsigned r = 0; r < PB_R_COUNT; r++)
                by[s] += m->logins[p][s][r];
        for (unsigned s = 0; s < PB_METRICS_STATUSES; s++)
            n += by[s];
        fprintf(out, "  %-14s %6llu accepted, %6llu rejected, %6llu not checked", pb_metrics_path_names[p],
                (unsigned long long) by[PB_OK], (unsigned long long) by[PB_REJECTED],
                (unsigned long long) (n - by[PB_OK] - by[PB_REJECTED]));
        if (n > 0)
            fprintf(out, "; mean %.2f ms", (double) m->latency[p].sum_ns / 1e6 / (double) n);
        fputc('\n', out);
        for (unsigned r = 1; r < PB_R_COUNT; r++)
            if (m->logins[p][PB_REJECTED][r] > 0)
                fprintf(out, "      %-24s %6llu\n", pb_reason_name((enum pb_reason) r),
                        (unsigned long long) m->logins[p][PB_REJECTED][r]);
    }
    for (size_t f = 0; f < pb_metrics_family_count; f++) {
        const char *sep = ": ";
        fprintf(out, "%s", f == 0 ? "\n" : "");
        fprintf(out, "%s", pb_metrics_families[f].help);
        for (unsigned e = 0; e < PB_M_EVENT_COUNT; e++) {
            if (pb_metrics_events[e].family != f)
                continue;
            fprintf(out, "%s%s%s%llu", sep, pb_metrics_events[e].value ? pb_metrics_events[e].value : "",
                    pb_metrics_events[e].value ? " " : "", (unsigned long long) m->events[e]);
            sep = ", ";
        }
        fputc('\n', out);
    }
}

/* Write the exposition to file through a temporary file beside it, renamed
 * over it: the collector never reads half a file.  0, or -1 (said). */
static int
write_atomically(const char *file, const struct pb_metrics *m)
{
    char tmp[4200];
    FILE *out = NULL;
    int fd = -1;

    if ((size_t) snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file) >= sizeof(tmp)) {
        fprintf(stderr, "bearer-token: error: %s: name too long\n", file);
        return -1;
    }
    /* The temporary name does not end in .prom: the collector skips it. */
    if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0644) != 0 || (out = fdopen(fd, "w")) == NULL)
        goto fail;
    fd = -1;
    prometheus(out, m);
    if (fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0)
        goto fail;
    if (fclose(out) != 0) {
        out = NULL;
        goto fail;
    }
    out = NULL;
    if (rename(tmp, file) != 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "bearer-token: error: cannot write %s: %s\n", file, strerror(errno));
    if (out != NULL)
        fclose(out);
    if (fd >= 0)
        close(fd);
    if (tmp[0] != '\0')
        unlink(tmp);
    return -1;
}

int
pb_cmd_metrics(int argc, char **argv)
{
    struct pb_log log = { pb_log_helper_sink, NULL, 0 };
    struct pb_flag_parser flags;
    struct pb_config cfg;
    struct pb_metrics *m = NULL;
    const char *config = NULL, *output = NULL, *arg;
    char err[4200];
    int flag, want_summary = 0, rc = PB_EXIT_USAGE;
    enum pb_status status;

    memset(&cfg, 0, sizeof(cfg));
    if (getenv("BEARER_TOKEN_CONFIG") != NULL && getenv("BEARER_TOKEN_CONFIG")[0] == '/')
        config = getenv("BEARER_TOKEN_CONFIG");
    pb_flags_begin(&flags, "metrics", argc, argv);
    while ((flag = pb_flags_next(&flags, &arg)) != PB_FLAGS_END) {
        switch (flag) {
        case PB_FLAG_CONFIG: config = arg; break;
        case PB_FLAG_OUTPUT: output = arg; break;
        case PB_FLAG_SUMMARY: want_summary = 1; break;
        case PB_FLAG_HELP:
            pb_flags_usage(stdout, "metrics", "", NULL, "Exit codes are listed in bearer-token(1).\n");
            return PB_EXIT_OK;
        default: goto usage;
        }
    }
    if (optind != argc || (output != NULL && want_summary))
        goto usage;
    /* Where the counters are: metrics_file in the module's configuration. */
    rc = PB_EXIT_CONFIG;
    if (pb_config_init(&cfg) != PB_OK || pb_conf_read(&cfg, config != NULL ? config : PB_DEFAULT_CONFIG,
                                                      config != NULL, &log) != PB_OK)
        goto done;
    rc = PB_EXIT_CACHE;
    if ((m = malloc(sizeof(*m))) == NULL)
        goto done;
    status = pb_metrics_read(cfg.metrics_file, m, err, sizeof(err));
    if (status == PB_SYSTEM) {
        fprintf(stderr, "bearer-token: error: %s\n", err);
        goto done;
    }
    /* No file yet: no login has been counted; every counter is zero. */
    rc = PB_EXIT_OK;
    if (want_summary)
        summary(stdout, m, cfg.metrics_file);
    else if (output != NULL)
        rc = write_atomically(output, m) == 0 ? PB_EXIT_OK : PB_EXIT_CACHE;
    else {
        prometheus(stdout, m);
        if (fflush(stdout) != 0)
            rc = PB_EXIT_CACHE;
    }
    goto done;
usage:
    pb_flags_usage(stderr, "metrics", "", NULL, "Exit codes are listed in bearer-token(1).\n");
done:
    free(m);
    pb_config_free(&cfg);
    return rc;
}
