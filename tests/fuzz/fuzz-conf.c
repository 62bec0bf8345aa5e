/*
 * fuzz-conf: libFuzzer target for the configuration readers.
 *
 * Each input is a pam_bearer.conf and, after the first NUL byte if there is
 * one, a module line (words split on blanks, as in /etc/pam.d).  The file is
 * written over one private file (configuration is read from a path only,
 * with the checks on owner and mode a real file gets), then read the way
 * both programs read it:
 *   1. pb_conf_load_options: defaults, the top-level lines of the file, the module
 *      arguments, pb_config_finish (the module, and bearer-token verify);
 *   2. pb_conf_list_authorities, then pb_conf_load_authority of the first section and of
 *      each listed one (bearer-token, and the module at logout), with the
 *      accessors bearer-token uses on a loaded authority.
 * Everything is freed each time; LeakSanitizer checks that.
 *
 * LLVMFuzzerInitialize makes the private directory (removed at exit).  No
 * key, CA or secret file named by the input is opened by these readers.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authority.h"
#include "conf.h"
#include "log.h"
#include "options.h"
#include "fuzz-util.h"

#define MAX_ARGS 64
/* Sections loaded by name per input, after the first one. */
#define MAX_LOADS 8

static char tmpdir[PATH_MAX];
static char conf_path[PATH_MAX + 32], config_arg[PATH_MAX + 40];

static void
die(const char *what)
{
    perror(what);
    abort();
}

static void
cleanup(void)
{
    if (tmpdir[0] == '\0')
        return;
    unlink(conf_path);
    rmdir(tmpdir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = getenv("TMPDIR");

    (void) argc;
    (void) argv;
    snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz-conf-XXXXXX", base != NULL && base[0] == '/' ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL)
        die("fuzz-conf: init: mkdtemp");
    atexit(cleanup);
    snprintf(conf_path, sizeof(conf_path), "%s/pam_bearer.conf", tmpdir);
    snprintf(config_arg, sizeof(config_arg), "config=%s", conf_path);
    return 0;
}

static void
write_conf(const uint8_t *data, size_t len)
{
    int fd = open(conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

    if (fd < 0 || (len > 0 && write(fd, data, len) != (ssize_t) len) || close(fd) != 0)
        die("fuzz-conf: write");
}

/* The accessors bearer-token uses on a loaded authority. */
static void
use_authority(const struct pb_authority *a)
{
    const char *endpoints[] = { a->login_path, a->refresh_path, a->revoke_path };
    char url[4096];

    for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
        if (endpoints[i] != NULL)
            (void) pb_authority_url(a, endpoints[i], url, sizeof(url));
    if (pb_authority_scheme_prefix(a) == NULL || pb_authority_preset_name(a) == NULL)
        abort();
}

static void
load_authority(const char *name, const struct pb_log *log)
{
    struct pb_authority a;

    if (pb_conf_load_authority(conf_path, name, &a, log) == PB_OK) {
        use_authority(&a);
        pb_authority_clear(&a);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t file_len = nul != NULL ? (size_t) (nul - data) : size;
    /* Not fuzz_log: loading the options sets its debug flag. */
    struct pb_log log = { fuzz_discard_line, NULL, 1 };
    struct pb_config cfg;
    const char *argv[MAX_ARGS + 1];
    char *line = NULL, *word, *save = NULL, names[4096];
    int argc = 0;

    write_conf(data, file_len);

    /* The module line: the words, then our config= last (the last one names
     * the file read, so no input reads another file). */
    if (nul != NULL) {
        line = strndup((const char *) nul + 1, size - file_len - 1);
        if (line == NULL)
            return 0;
        for (word = strtok_r(line, " \t\n", &save); word != NULL && argc < MAX_ARGS;
             word = strtok_r(NULL, " \t\n", &save))
            argv[argc++] = word;
    }
    argv[argc++] = config_arg;

    (void) pb_conf_load_options(&cfg, argc, argv, &log);
    pb_config_free(&cfg);
    free(line);

    load_authority(NULL, &log);
    if (pb_conf_list_authorities(conf_path, names, sizeof(names), &log) == PB_OK) {
        char *next, *name = names;
        for (int loads = 0; loads < MAX_LOADS && (next = strchr(name, '\n')) != NULL; loads++) {
            *next = '\0';
            load_authority(name, &log);
            name = next + 1;
        }
    }
    return 0;
}
