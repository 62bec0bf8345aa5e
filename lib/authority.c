/* Authority sections: one option table (authority.def), presets that are
 * just lines of that table, and the checks that make a description usable. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authority.h"
#include "options.h"
#include "url-policy.h"

enum key_type { T_URL, T_ENDPOINT, T_PATH, T_FIELD, T_TEXT, T_FORM, T_INT, T_CHOICE };

struct key {
    const char *name;
    enum key_type type;
    size_t offset;
    const char *help;
};

#define PB_AUTH_KEY(name, type, field, help) { #name, T_##type, offsetof(struct pb_authority, field), help },
static const struct key keys[] = {
#include "authority.def"
};
#undef PB_AUTH_KEY

/* Each preset follows its vendor's documentation (docs/pam_bearer.conf.5
 * names the seed documents); paths are below the section's url. */
struct preset {
    const char *name;
    const char *lines;
};

static const struct preset presets[] = {
    /* RFC 6749 sections 4.3 and 6 and RFC 7009, as WSO2 API Manager serves
     * them: form bodies, HTTP Basic client authentication, rotating refresh
     * tokens, /revoke. */
    { "oauth2",
      "request_body=form\nclient_auth=basic\nlogin_path=/token\nlogin_fields=grant_type=password\n"
      "username_field=username\npassword_field=password\nscope_field=scope\n"
      "refresh_path=/token\nrefresh_fields=grant_type=refresh_token\nrefresh_param=refresh_token\n"
      "access_field=access_token\nrefresh_field=refresh_token\nexpires_in_field=expires_in\n"
      "revoke=rfc7009\nrevoke_path=/revoke\nscheme=bearer\n" },
    /* Machine Learning Server: JSON login, refreshToken renewal, revocation
     * by DELETE with the refresh token in the query. */
    { "mlserver",
      "request_body=json\nlogin_path=/login\nusername_field=username\npassword_field=password\n"
      "refresh_path=/login/refreshToken\nrefresh_param=refreshToken\n"
      "access_field=access_token\nrefresh_field=refresh_token\nexpires_in_field=expires_in\n"
      "expires_at_field=expires_on\nrevoke=delete-query\nrevoke_path=/login/refreshToken\nscheme=bearer\n" },
    /* RMS Intelligent Risk Platform: camel-case fields, a tenant, no expiry
     * in the reply (the token's own exp says), no revocation endpoint. */
    { "rms",
      "request_body=json\nlogin_path=/sml/auth/v1/login/implicit\ntenant_field=tenantName\n"
      "username_field=username\npassword_field=password\n"
      "refresh_path=/sml/auth/v1/login/refresh\nrefresh_param=refreshToken\n"
      "access_field=accessToken\nrefresh_field=refreshToken\nrevoke=none\nscheme=bearer\n" },
    /* BMC AR System: a form login answered by the bare JWT as text/plain,
     * the AR-JWT scheme, logout releases the token; no refresh. */
    { "arsystem",
      "request_body=form\nresponse_body=text\nlogin_path=/api/jwt/login\n"
      "username_field=username\npassword_field=password\n"
      "revoke=logout-header\nrevoke_path=/api/jwt/logout\nscheme=ar-jwt\n" },
    /* DC/OS IAM: uid and password as JSON, {"token": ...}, the token= scheme;
     * no refresh, no logout endpoint. */
    { "dcos",
      "request_body=json\nlogin_path=/acs/api/v1/auth/login\nusername_field=uid\npassword_field=password\n"
      "access_field=token\nrevoke=none\nscheme=token\n" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_INT_VALUE 86400L

static const struct key *
find_key(const char *name)
{
    for (size_t i = 0; i < COUNT(keys); i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

int
pb_authority_is_key(const char *name)
{
    return find_key(name) != NULL;
}

/* The index of word among the help's "(a b c)" choices, or -1. */
static int
choice_index(const char *help, const char *word)
{
    const char *p = help + 1, *end = strchr(help, ')');
    size_t n = strlen(word);

    for (int i = 0; p < end; i++) {
        size_t len = strcspn(p, " )");
        if (len == n && strncmp(p, word, n) == 0)
            return i;
        p += len + 1;
    }
    return -1;
}

static int
is_field(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 64
        && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* NAME=VALUE&...: names are field names, values need no encoding. */
static int
is_form(const char *s)
{
    static const char unreserved[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.~-";
    while (*s != '\0') {
        size_t name = strspn(s, unreserved), value;
        if (name == 0 || s[name] != '=')
            return 0;
        s += name + 1;
        value = strspn(s, unreserved);
        s += value;
        if (*s == '&' && s[1] != '\0')
            s++;
        else if (*s != '\0')
            return 0;
    }
    return 1;
}

static int
is_text(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char) *s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static enum pb_status apply_lines(struct pb_authority *a, const char *lines, char *err, size_t errlen);

static enum pb_status
apply(struct pb_authority *a, const char *name, const char *value, char *err, size_t errlen)
{
    const struct key *k = find_key(name);
    void *field;
    char *copy, why[160], shown[256];

    if (k == NULL) {
        if (pb_conf_is_module_option(name))
            snprintf(err, errlen, "\"%s\" is a module option inside [authority %s]; module options go "
                     "before the first section", name, a->name);
        else
            snprintf(err, errlen, "unknown authority key \"%s\"", name);
        return PB_CONFIG;
    }
    if (value == NULL || *value == '\0') {
        snprintf(err, errlen, "%s: empty value", name);
        return PB_CONFIG;
    }
    field = (char *) a + k->offset;
    switch (k->type) {
    case T_INT: {
        char *end;
        long v = strtol(value, &end, 10);
        if (*end != '\0' || end == value || v < 0 || v > MAX_INT_VALUE) {
            snprintf(err, errlen, "%s: expected seconds from 0 to %ld, got \"%s\"", name, MAX_INT_VALUE, value);
            return PB_CONFIG;
        }
        *(long *) field = v;
        return PB_OK;
    }
    case T_CHOICE: {
        int i = choice_index(k->help, value);
        if (i < 0) {
            snprintf(err, errlen, "%s: expected one of %.*s, got \"%s\"", name,
                     (int) (strchr(k->help, ')') - k->help + 1), k->help, value);
            return PB_CONFIG;
        }
        if (k->offset == offsetof(struct pb_authority, preset)) {
            if (a->preset != -1) {
                snprintf(err, errlen, "preset: given twice");
                return PB_CONFIG;
            }
            a->preset = i;
            return apply_lines(a, presets[i].lines, err, errlen);
        }
        *(int *) field = i;
        return PB_OK;
    }
    case T_URL:
    case T_ENDPOINT:
        if (k->type == T_ENDPOINT && value[0] == '/')
            break;
        if (pb_url_policy_http(value, why, sizeof(why)) != PB_OK) {
            pb_url_for_log(shown, sizeof(shown), value);
            snprintf(err, errlen, "%s: expected %san https:// URL (http:// only to loopback): %s, got \"%s\"",
                     name, k->type == T_ENDPOINT ? "a path below url or " : "", why, shown);
            return PB_CONFIG;
        }
        break;
    case T_PATH:
        if (value[0] != '/') {
            snprintf(err, errlen, "%s: expected an absolute path, got \"%s\"", name, value);
            return PB_CONFIG;
        }
        break;
    case T_FIELD:
        if (!is_field(value)) {
            snprintf(err, errlen, "%s: expected a field name (letters, digits, . _ -), got \"%s\"", name, value);
            return PB_CONFIG;
        }
        break;
    case T_FORM:
        if (!is_form(value)) {
            snprintf(err, errlen, "%s: expected NAME=VALUE pairs joined by &, got \"%s\"", name, value);
            return PB_CONFIG;
        }
        break;
    case T_TEXT:
        if (!is_text(value)) {
            snprintf(err, errlen, "%s: control characters are not allowed", name);
            return PB_CONFIG;
        }
        break;
    }
    if ((copy = strdup(value)) == NULL)
        return PB_NOMEM;
    free(*(char **) field);
    *(char **) field = copy;
    return PB_OK;
}

static enum pb_status
apply_lines(struct pb_authority *a, const char *lines, char *err, size_t errlen)
{
    char line[256];

    while (*lines != '\0') {
        size_t n = strcspn(lines, "\n");
        char *eq;
        enum pb_status status;

        snprintf(line, sizeof(line), "%.*s", (int) n, lines);
        lines += n + (lines[n] == '\n');
        eq = strchr(line, '=');
        *eq = '\0';
        if ((status = apply(a, line, eq + 1, err, errlen)) != PB_OK)
            return status;
    }
    return PB_OK;
}

static void
defaults(struct pb_authority *a)
{
    memset(a, 0, sizeof(*a));
    a->preset = -1;
    a->connect_timeout = 5;
    a->timeout = 10;
    a->renew_before = 300;
    a->client_auth = PB_CLIENT_NONE;
    a->request_body = PB_BODY_JSON;
    a->response_body = PB_REPLY_JSON;
    a->revoke = PB_REVOKE_NONE;
    a->scheme = PB_SCHEME_BEARER;
}

/* A description that cannot work is refused when read, not at first use. */
static enum pb_status
check(const struct pb_authority *a, char *err, size_t errlen)
{
    const char *missing = NULL;

    if (a->url == NULL)
        missing = "url";
    else if (a->login_path == NULL)
        missing = "login_path (or a preset)";
    else if (a->username_field == NULL || a->password_field == NULL)
        missing = "username_field and password_field";
    else if (a->response_body == PB_REPLY_JSON && a->access_field == NULL)
        missing = "access_field";
    else if (a->client_auth == PB_CLIENT_BASIC && (a->client_id == NULL || a->client_secret_file == NULL))
        missing = "client_id and client_secret_file (client_auth=basic)";
    else if (a->tenant_field != NULL && a->tenant == NULL)
        missing = "tenant";
    else if (a->refresh_path != NULL && (a->refresh_param == NULL || a->refresh_field == NULL))
        missing = "refresh_param and refresh_field (refresh_path is set)";
    else if (a->revoke != PB_REVOKE_NONE && a->revoke_path == NULL)
        missing = "revoke_path";
    else if (a->revoke == PB_REVOKE_DELETE_QUERY && a->refresh_param == NULL)
        missing = "refresh_param (revoke=delete-query)";
    if (missing != NULL) {
        snprintf(err, errlen, "authority \"%s\": %s must be set", a->name, missing);
        return PB_CONFIG;
    }
    if (a->response_body == PB_REPLY_TEXT && a->refresh_path != NULL) {
        snprintf(err, errlen, "authority \"%s\": a text reply carries no refresh token; unset refresh_path",
                 a->name);
        return PB_CONFIG;
    }
    if (a->connect_timeout == 0 || a->timeout == 0) {
        snprintf(err, errlen, "authority \"%s\": timeouts must be at least 1 second", a->name);
        return PB_CONFIG;
    }
    return PB_OK;
}

struct load_ctx {
    const char *wanted;          /* NULL: the first section */
    struct pb_authority *a;
    int state;                   /* 0 looking, 1 reading, 2 done */
    int lines;                   /* lines applied from the section */
};

static enum pb_status
on_line(void *ctx, const char *section, const char *key, const char *value, char *err, size_t errlen)
{
    struct load_ctx *c = ctx;

    if (section == NULL)
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
    /* Lines override the preset, so it must come before them. */
    if (strcmp(key, "preset") == 0 && c->lines > 0) {
        snprintf(err, errlen, "preset must be the first line of [authority %s]", c->a->name);
        return PB_CONFIG;
    }
    c->lines++;
    return apply(c->a, key, value, err, errlen);
}

enum pb_status
pb_authority_load(const char *path, const char *name, struct pb_authority *out, const struct pb_log *log)
{
    struct load_ctx ctx = { name, out, 0, 0 };
    char err[256];
    enum pb_status status;

    defaults(out);
    status = pb_conf_walk(path, 1, on_line, &ctx, log);
    if (status == PB_OK && ctx.state == 0) {
        if (name != NULL)
            pb_log(log, LOG_ERR, "config: %s has no section [authority %s]", path, name);
        else
            pb_log(log, LOG_ERR, "config: %s has no [authority NAME] section", path);
        status = PB_UNAVAILABLE;
    }
    if (status == PB_OK && (status = check(out, err, sizeof(err))) != PB_OK)
        pb_log(log, LOG_ERR, "config: %s: %s", path, err);
    if (status != PB_OK)
        pb_authority_clear(out);
    return status;
}

void
pb_authority_clear(struct pb_authority *a)
{
    for (size_t i = 0; i < COUNT(keys); i++)
        if (keys[i].type != T_INT && keys[i].type != T_CHOICE)
            free(*(char **) ((char *) a + keys[i].offset));
    defaults(a);
}

struct list_ctx {
    char *out;
    size_t cap, len;
};

static enum pb_status
list_line(void *ctx, const char *section, const char *key, const char *value, char *err, size_t errlen)
{
    struct list_ctx *c = ctx;
    int n;

    (void) value;
    if (section == NULL || key != NULL)
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
pb_authority_list(const char *path, char *out, size_t cap, const struct pb_log *log)
{
    struct list_ctx ctx = { out, cap, 0 };

    if (cap == 0)
        return PB_CONFIG;
    out[0] = '\0';
    return pb_conf_walk(path, 1, list_line, &ctx, log);
}

int
pb_authority_url(const struct pb_authority *a, const char *endpoint, char *out, size_t cap)
{
    size_t base = strlen(a->url);
    int n;

    if (endpoint[0] != '/')
        n = snprintf(out, cap, "%s", endpoint);
    else {
        while (base > 0 && a->url[base - 1] == '/')
            base--;
        n = snprintf(out, cap, "%.*s%s", (int) base, a->url, endpoint);
    }
    return n < 0 || (size_t) n >= cap ? -1 : 0;
}

const char *
pb_authority_scheme_prefix(const struct pb_authority *a)
{
    static const char *const prefixes[] = { "Bearer ", "AR-JWT ", "token=", "" };
    return prefixes[a->scheme];
}

const char *
pb_authority_preset_name(const struct pb_authority *a)
{
    return a->preset >= 0 ? presets[a->preset].name : "custom";
}
