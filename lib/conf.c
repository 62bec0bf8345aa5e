/* Reading pam_bearer.conf through the same option table as the module line. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum pb_status
pb_conf_read(struct pb_config *cfg, const char *path, int required, const struct pb_log *log)
{
    unsigned char *data = NULL;
    size_t len = 0, lineno = 0;
    char err[256], word[1024];
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
        eq = strchr(key, '=');
        if (eq == NULL) {
            /* A bare word is a boolean switched on, as on the module line. */
            value = NULL;
        } else {
            *eq = '\0';
            value = trim(eq + 1);
            key = trim(key);
        }
        if ((size_t) snprintf(word, sizeof(word), "%s%s%s", key, value ? "=" : "",
                              value ? value : "") >= sizeof(word)) {
            pb_log(log, LOG_ERR, "config: %s:%zu: line too long", path, lineno);
            status = PB_CONFIG;
            break;
        }
        status = pb_config_apply(cfg, word, PB_W_FILE, err, sizeof(err));
        if (status == PB_CONFIG)
            pb_log(log, LOG_ERR, "config: %s:%zu: %s", path, lineno, err);
    }
done:
    free(data);
    return status;
}
