/* Reading pam_bearer.conf: the module's options through the same table as the
 * module line, and the authority sections for bearer-token. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authority.h"
#include "conf.h"
#include "secret.h"

/* A configuration file is small; a huge one is a mistake, not a config. */
#define MAX_CONF_BYTES (256 * 1024)

static char *
trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

/* "[authority NAME]": the kind and the name, or -1 if the header is malformed. */
static int
parse_section(char *line, char *out, size_t cap)
{
    size_t len = strlen(line), n;
    char *name;

    if (len < 2 || line[len - 1] != ']')
        return -1;
    line[len - 1] = '\0';
    name = trim(line + 1);
    if (strncmp(name, "authority", 9) != 0 || (name[9] != ' ' && name[9] != '\t'))
        return -1;
    name = trim(name + 9);
    n = strlen(name);
    if (n == 0 || n > PB_SECTION_NAME_MAX || n >= cap || !isalnum((unsigned char) name[0])
        || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
        return -1;
    memcpy(out, name, n + 1);
    return 0;
}

enum pb_status
pb_conf_walk(const char *path, int required, pb_conf_line_fn on_line, void *ctx, const struct pb_log *log)
{
    unsigned char *data = NULL;
    size_t len = 0, lineno = 0;
    char err[256], section[PB_SECTION_NAME_MAX + 1];
    int in_section = 0;
    char *line, *next;
    enum pb_status status;

    status = pb_secret_read_file(path, MAX_CONF_BYTES, 0, &data, &len, NULL, err, sizeof(err));
    if (status == PB_UNAVAILABLE && !required && errno == ENOENT) {
        status = PB_OK;
        goto done;
    }
    if (status != PB_OK) {
        pb_log(log, LOG_ERR, "config: %s", err);
        if (status == PB_UNAVAILABLE)
            status = PB_CONFIG;
        goto done;
    }
    if (memchr(data, '\0', len) != NULL) {
        pb_log(log, LOG_ERR, "config: %s contains a NUL byte", path);
        status = PB_CONFIG;
        goto done;
    }
    for (line = (char *) data; line != NULL && status == PB_OK; line = next) {
        char *key, *value, *eq;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        key = trim(line);
        if (*key == '\0' || *key == '#')
            continue;
        if (*key == '[') {
            if (parse_section(key, section, sizeof(section)) != 0) {
                pb_log(log, LOG_ERR, "config: %s:%zu: expected a section header \"[authority NAME]\"", path,
                       lineno);
                status = PB_CONFIG;
            }
            in_section = 1;
            if (status == PB_OK) {
                err[0] = '\0';
                status = on_line(ctx, section, NULL, NULL, err, sizeof(err));
                if (status != PB_OK && err[0] != '\0')
                    pb_log(log, LOG_ERR, "config: %s:%zu: %s", path, lineno, err);
            }
            continue;
        }
        eq = strchr(key, '=');
        if (eq == NULL) {
            /* A bare word is a boolean switched on, as on the module line. */
            value = NULL;
        } else {
            *eq = '\0';
            value = trim(eq + 1);
            key = trim(key);
        }
        err[0] = '\0';
        status = on_line(ctx, in_section ? section : NULL, key, value, err, sizeof(err));
        if (status != PB_OK && err[0] != '\0')
            pb_log(log, LOG_ERR, "config: %s:%zu: %s", path, lineno, err);
    }
done:
    free(data);
    return status;
}

int
pb_conf_is_module_option(const char *key)
{
    size_t n;
    const struct pb_option *table = pb_options_table(&n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, key) == 0)
            return 1;
    return 0;
}

/* The module's options: everything before the first section. */
static enum pb_status
apply_module_line(void *ctx, const char *section, const char *key, const char *value, char *err, size_t errlen)
{
    char word[1024];

    /* A module option below a section header would otherwise be lost. */
    if (section != NULL) {
        if (key == NULL || pb_authority_is_key(key) || !pb_conf_is_module_option(key))
            return PB_OK;
        snprintf(err, errlen, "\"%s\" is a module option inside [authority %s]; module options go "
                 "before the first section", key, section);
        return PB_CONFIG;
    }
    if ((size_t) snprintf(word, sizeof(word), "%s%s%s", key, value ? "=" : "", value ? value : "")
        >= sizeof(word)) {
        snprintf(err, errlen, "line too long");
        return PB_CONFIG;
    }
    return pb_config_apply(ctx, word, PB_W_FILE, err, errlen);
}

enum pb_status
pb_conf_read(struct pb_config *cfg, const char *path, int required, const struct pb_log *log)
{
    return pb_conf_walk(path, required, apply_module_line, cfg, log);
}
