/* Reading pam_bearer.conf and the module line: every line goes to the table
 * that owns it.  The only code that opens the file. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "issuer.h"
#include "secret.h"

/* A configuration file is small; a huge one is a mistake, not a config. */
#define MAX_CONF_BYTES (256 * 1024)

/* The kinds of section and the table that owns each one's keys.  The
 * module's options (option_line) take the issuer sections' lines. */
static const struct {
    const char *kind;
    int (*is_key)(const char *key);
} kinds[] = {
    { "authority", pb_authority_is_key },
    { "issuer", pb_issuer_is_key },
};

#define KIND_ISSUER 1

/* One "key = value" line (value NULL for a bare word), with its section's
 * kind and name (NULL before the first one); a section header itself comes
 * with key NULL.  Return PB_OK to go on; anything else stops the walk, after
 * the callback has written why into err. */
typedef enum pb_status (*line_fn)(void *ctx, int kind, const char *section, const char *key, size_t klen,
                                  const char *value, size_t vlen, char *err, size_t errlen);

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

/* trim for a span whose end is known (every line of the file: no strlen). */
static char *
trim_span(char *s, char **endp)
{
    char *end = *endp;

    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    *endp = end;
    return s;
}

/* "[KIND NAME]": the kind's index with the name in out, or -1 if the header
 * is malformed. */
static int
parse_section(char *line, char *out, size_t cap)
{
    size_t len = strlen(line), n, k;
    char *name;
    int kind = -1;

    if (len < 2 || line[len - 1] != ']')
        return -1;
    line[len - 1] = '\0';
    name = trim(line + 1);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        k = strlen(kinds[i].kind);
        if (strncmp(name, kinds[i].kind, k) == 0 && (name[k] == ' ' || name[k] == '\t')) {
            kind = (int) i;
            name = trim(name + k);
            break;
        }
    }
    if (kind < 0)
        return -1;
    n = strlen(name);
    if (n == 0 || n > PB_SECTION_NAME_MAX || n >= cap || !isalnum((unsigned char) name[0]))
        return -1;
    for (k = 0; k < n; k++)
        if (!isalnum((unsigned char) name[k]) && name[k] != '.' && name[k] != '_' && name[k] != '-')
            return -1;
    memcpy(out, name, n + 1);
    return kind;
}

/* A module option inside a section would otherwise be lost. */
static enum pb_status
foreign_key(int kind, const char *section, const char *key, char *err, size_t errlen)
{
    if (kinds[kind].is_key(key) || !pb_options_is_key(key))
        return PB_OK;
    snprintf(err, errlen, "\"%s\" is a module option inside [%s %s]; module options go "
             "before the first section", key, kinds[kind].kind, section);
    return PB_CONFIG;
}

static enum pb_status
walk(const char *path, int required, line_fn on_line, void *ctx, const struct pb_log *log)
{
    unsigned char *data = NULL;
    size_t len = 0, lineno = 0;
    char err[256], section[PB_SECTION_NAME_MAX + 1];
    int kind = -1;
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
        char *key, *value, *eq, *stop, *key_end;
        /* data holds len bytes and a NUL (pb_secret_read_file). */
        next = memchr(line, '\n', (size_t) ((char *) data + len - line));
        stop = next != NULL ? next : (char *) data + len;
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        key = trim_span(line, &stop);
        if (*key == '\0' || *key == '#')
            continue;
        if (*key == '[') {
            if ((kind = parse_section(key, section, sizeof(section))) < 0) {
                pb_log(log, LOG_ERR, "config: %s:%zu: expected a section header \"[authority NAME]\" or \"[issuer NAME]\"", path,
                       lineno);
                status = PB_CONFIG;
            }
            if (status == PB_OK) {
                err[0] = '\0';
                status = on_line(ctx, kind, section, NULL, 0, NULL, 0, err, sizeof(err));
                if (status != PB_OK && err[0] != '\0')
                    pb_log(log, LOG_ERR, "config: %s:%zu: %s", path, lineno, err);
            }
            continue;
        }
        eq = memchr(key, '=', (size_t) (stop - key));
        if (eq == NULL) {
            /* A bare word is a boolean switched on, as on the module line. */
            value = NULL;
            key_end = stop;
        } else {
            key_end = eq;
            value = trim_span(eq + 1, &stop);
            key = trim_span(key, &key_end);
        }
        err[0] = '\0';
        status = on_line(ctx, kind, kind >= 0 ? section : NULL, key, (size_t) (key_end - key), value,
                         value != NULL ? (size_t) (stop - value) : 0, err, sizeof(err));
        if (status != PB_OK && err[0] != '\0')
            pb_log(log, LOG_ERR, "config: %s:%zu: %s", path, lineno, err);
    }
done:
    free(data);
    return status;
}

/* The module's options: everything before the first section, and the
 * [issuer NAME] sections (trust, which the module decides with). */
static enum pb_status
option_line(void *ctx, int kind, const char *section, const char *key, size_t klen, const char *value, size_t vlen,
            char *err,
            size_t errlen)
{
    char word[1024];

    if (section != NULL && kind == KIND_ISSUER) {
        enum pb_status status;
        if (key == NULL)
            return pb_issuer_begin(ctx, section, err, errlen);
        /* Read at every login: one lookup of the key, a second only to
         * explain a refusal. */
        status = pb_issuer_set_n(ctx, key, klen, value, vlen, err, errlen);
        if (status == PB_CONFIG)
            foreign_key(kind, section, key, err, errlen);
        return status;
    }
    if (section != NULL)
        return key == NULL ? PB_OK : foreign_key(kind, section, key, err, errlen);
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
    return walk(path, required, option_line, cfg, log);
}

enum pb_status
pb_conf_load_options(struct pb_config *cfg, int argc, const char **argv, struct pb_log *log)
{
    const char *path = NULL;
    char err[256];
    enum pb_status status;
    int i;

    status = pb_config_init(cfg);
    if (status != PB_OK)
        goto done;
    /* The file comes first, so look for config= among the arguments now. */
    for (i = 0; i < argc; i++)
        if (strncmp(argv[i], "config=", 7) == 0)
            path = argv[i] + 7;
    if (path != NULL && path[0] != '/') {
        pb_log(log, LOG_ERR, "config: config: expected an absolute path, got \"%s\"", path);
        status = PB_CONFIG;
        goto done;
    }
    status = pb_conf_read(cfg, path != NULL ? path : cfg->config, path != NULL, log);
    if (status != PB_OK)
        goto done;
    for (i = 0; i < argc; i++) {
        char key[64];
        snprintf(key, sizeof(key), "%.*s", (int) strcspn(argv[i], "="), argv[i]);
        /* Beside sections, audience= (say) on sudo's line would change the
         * top-level issuer only: a restriction that silently did nothing. */
        if (cfg->issuer_table != NULL && pb_issuer_is_key(key) && !pb_issuer_is_service_key(key)) {
            pb_log(log, LOG_ERR, "config: module argument: %s: with [issuer] sections, trust options go in the "
                   "sections; a service chooses among them with issuers=", key);
            status = PB_CONFIG;
            goto done;
        }
        status = pb_config_apply(cfg, argv[i], PB_W_MODULE, err, sizeof(err));
        if (status != PB_OK) {
            if (status == PB_CONFIG)
                pb_log(log, LOG_ERR, "config: module argument: %s", err);
            goto done;
        }
    }
    status = pb_config_finish(cfg, err, sizeof(err));
    if (status == PB_CONFIG)
        pb_log(log, LOG_ERR, "config: %s", err);
    if (log != NULL)
        log->debug = cfg->debug;
done:
    return status;
}

struct authority_ctx {
    const char *wanted;          /* NULL: the first section */
    struct pb_authority *a;
    int state;                   /* 0 looking, 1 reading, 2 done */
};

static enum pb_status
authority_line(void *ctx, int kind, const char *section, const char *key, size_t klen, const char *value, size_t vlen,
               char *err,
               size_t errlen)
{
    struct authority_ctx *c = ctx;

    (void) klen, (void) vlen;
    if (section == NULL || strcmp(kinds[kind].kind, "authority") != 0)
        return PB_OK;
    if (key == NULL) {          /* a header: choose it, or leave the chosen one */
        if (c->state == 0 && (c->wanted == NULL || strcmp(section, c->wanted) == 0)) {
            snprintf(c->a->name, sizeof(c->a->name), "%s", section);
            c->state = 1;
        } else if (c->state != 0 && strcmp(section, c->a->name) == 0) {
            snprintf(err, errlen, "[authority %s] given twice", section);
            return PB_CONFIG;
        } else if (c->state == 1) {
            c->state = 2;
        }
        return PB_OK;
    }
    if (c->state != 1)
        return PB_OK;
    if (foreign_key(kind, section, key, err, errlen) != PB_OK)
        return PB_CONFIG;
    return pb_authority_set(c->a, key, value, err, errlen);
}

enum pb_status
pb_conf_load_authority(const char *path, const char *name, struct pb_authority *out, const struct pb_log *log)
{
    struct authority_ctx ctx = { name, out, 0 };
    char err[256];
    enum pb_status status;

    pb_authority_init(out, NULL);
    status = walk(path, 1, authority_line, &ctx, log);
    if (status == PB_OK && ctx.state == 0) {
        if (name != NULL)
            pb_log(log, LOG_ERR, "config: %s has no section [authority %s]", path, name);
        else
            pb_log(log, LOG_ERR, "config: %s has no [authority NAME] section", path);
        status = PB_UNAVAILABLE;
    }
    if (status == PB_OK && (status = pb_authority_check(out, err, sizeof(err))) != PB_OK)
        pb_log(log, LOG_ERR, "config: %s: %s", path, err);
    if (status != PB_OK)
        pb_authority_clear(out);
    return status;
}

struct list_ctx {
    char *out;
    size_t cap, len;
};

static enum pb_status
list_line(void *ctx, int kind, const char *section, const char *key, size_t klen, const char *value, size_t vlen,
          char *err,
          size_t errlen)
{
    struct list_ctx *c = ctx;
    int n;

    (void) value, (void) klen, (void) vlen;
    if (section == NULL || key != NULL || strcmp(kinds[kind].kind, "authority") != 0)
        return PB_OK;
    n = snprintf(c->out + c->len, c->cap - c->len, "%s\n", section);
    if (n < 0 || (size_t) n >= c->cap - c->len) {
        snprintf(err, errlen, "too many authority sections");
        return PB_CONFIG;
    }
    c->len += (size_t) n;
    return PB_OK;
}

enum pb_status
pb_conf_list_authorities(const char *path, char *out, size_t cap, const struct pb_log *log)
{
    struct list_ctx ctx = { out, cap, 0 };

    if (cap == 0)
        return PB_CONFIG;
    out[0] = '\0';
    return walk(path, 1, list_line, &ctx, log);
}
