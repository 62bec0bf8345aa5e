/* Authority sections: one key table (authority.def), presets that are just
 * lines of that table, and the checks that make a description usable.  It
 * reads no file: conf.c hands it the lines of its section. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authority.h"
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

void
pb_authority_init(struct pb_authority *a, const char *name)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->name, sizeof(a->name), "%s", name != NULL ? name : "");
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

enum pb_status
pb_authority_set(struct pb_authority *a, const char *key, const char *value, char *err, size_t errlen)
{
    /* Lines override the preset, so it must come before them. */
    if (strcmp(key, "preset") == 0 && a->lines > 0) {
        snprintf(err, errlen, "preset must be the first line of [authority %s]", a->name);
        return PB_CONFIG;
    }
    a->lines++;
    return apply(a, key, value, err, errlen);
}

/* A description that cannot work is refused when read, not at first use. */
enum pb_status
pb_authority_check(const struct pb_authority *a, char *err, size_t errlen)
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

void
pb_authority_clear(struct pb_authority *a)
{
    for (size_t i = 0; i < COUNT(keys); i++)
        if (keys[i].type != T_INT && keys[i].type != T_CHOICE)
            free(*(char **) ((char *) a + keys[i].offset));
    pb_authority_init(a, NULL);
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
