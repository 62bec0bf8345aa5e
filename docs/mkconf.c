/* mkconf: the files the system owns, written from the one option table.
 *
 *   mkconf conf       pam_bearer.conf: every option of lib/options.def that
 *                     the file accepts, commented out, with its help line and
 *                     its built-in default (the default as compiled, so a
 *                     --with-cache-dir build shows its own)
 *   mkconf tmpfiles   systemd-tmpfiles(8) lines for the directories root
 *                     keeps: cache_dir (0700) and session_cache_dir (0755)
 *
 * Run at build time; the output goes to standard output. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "options.h"

#define WIDTH 78

/* Print text as "# " comment lines of at most WIDTH columns, split at blanks. */
static void
comment(const char *text)
{
    const char *p = text;

    while (*p != '\0') {
        size_t len = strlen(p), cut = len;
        if (len > WIDTH - 2) {
            cut = WIDTH - 2;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = strcspn(p, " ");
        }
        printf("# %.*s\n", (int) cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
}

static const char *
default_of(const struct pb_option *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].default_value;
    return NULL;
}

static int
conf(const struct pb_option *table, size_t n)
{
    char line[512];
    size_t used = 0;

    printf("# %s: pam_bearer(8) and bearer-token(1) read this file.\n", PB_DEFAULT_CONFIG);
    comment("Every option is listed below, commented out, with its built-in default; "
            "pam_bearer.conf(5) explains each.  Uncomment a line to change it.  "
            "Options on a PAM module line override this file.");
    printf("#\n");
    comment("While none of jwks, discovery, hmac_key_file and ldap_uri is set, the module "
            "is not configured: it answers PAM_IGNORE, logs why once per PAM handle, and "
            "leaves the decision to the other modules of the stack.");
    printf("#\n");
    used = (size_t) snprintf(line, sizeof(line), "Module line only, refused here:");
    for (size_t i = 0; i < n; i++)
        if (table[i].where == PB_W_MODULE && used < sizeof(line))
            used += (size_t) snprintf(line + used, sizeof(line) - used, " %s", table[i].name);
    comment(line);
    printf("#\n");
    comment("Token endpoints for bearer-token go in [authority NAME] sections after these "
            "options: see AUTHORITY SECTIONS in pam_bearer.conf(5).");
    for (size_t i = 0; i < n; i++) {
        const struct pb_option *opt = &table[i];
        if (!(opt->where & PB_W_FILE))
            continue;
        printf("\n");
        comment(opt->help);
        if (opt->default_value != NULL)
            printf("#%s = %s\n", opt->name, opt->default_value);
        else
            printf("#%s =\n", opt->name);
    }
    return 0;
}

static int
tmpfiles(const struct pb_option *table, size_t n)
{
    const char *cache = default_of(table, n, "cache_dir");
    const char *sessions = default_of(table, n, "session_cache_dir");
    const char *metrics = default_of(table, n, "metrics_file");

    if (cache == NULL || sessions == NULL || cache[0] != '/' || sessions[0] != '/') {
        fprintf(stderr, "mkconf: cache_dir or session_cache_dir has no absolute default\n");
        return 1;
    }
    printf("# pam_bearer: directories only root may write (see pam_bearer.conf(5)).\n");
    printf("# Fetched key sets, shared by every login on the host: root's alone.\n");
    printf("d %s 0700 root root -\n", cache);
    printf("# Session token caches: the module creates one directory per user in it.\n");
    printf("d %s 0755 root root -\n", sessions);
    if (metrics != NULL && metrics[0] == '/' && strrchr(metrics, '/') != metrics) {
        printf("# Host-wide counters (metrics_file): root writes, everyone reads.\n");
        printf("d %.*s 0755 root root -\n", (int) (strrchr(metrics, '/') - metrics), metrics);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    size_t n;
    const struct pb_option *table = pb_options_table(&n);

    if (argc == 2 && strcmp(argv[1], "conf") == 0)
        return conf(table, n);
    if (argc == 2 && strcmp(argv[1], "tmpfiles") == 0)
        return tmpfiles(table, n);
    fprintf(stderr, "usage: mkconf conf|tmpfiles\n");
    return 2;
}
