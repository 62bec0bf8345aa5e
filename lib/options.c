/* The option table and the one parser every source goes through. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alg.h"
#include "issuer.h"
#include "ldap-escape.h"
#include "options.h"
#include "url-policy.h"
#include "usermap.h"

#define PB_W_MODULE_  PB_W_MODULE
#define PB_W_FILE_    (PB_W_FILE | PB_W_MODULE)

static const struct pb_option option_table[] = {
#define PB_OPTION(name, type, field, def, where, help) \
    { #name, PB_T_##type, offsetof(struct pb_config, field), def, PB_W_##where##_, help },
#include "options.def"
#undef PB_OPTION
};

#define OPTION_COUNT (sizeof(option_table) / sizeof(option_table[0]))

static const struct pb_option *find_option(const char *name, size_t len);
static enum pb_status set_value(struct pb_config *cfg, const struct pb_option *opt, const char *value,
                                char *err, size_t errlen);

/* Lists are bounded so a configuration cannot make every login do unbounded work. */
#define MAX_LIST_ITEMS 64

const struct pb_option *
pb_options_table(size_t *n)
{
    *n = OPTION_COUNT;
    return option_table;
}

static void
strlist_clear(struct pb_strlist *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

void
pb_strlist_clear(struct pb_strlist *list)
{
    strlist_clear(list);
}

static enum pb_status
strlist_add(struct pb_strlist *list, const char *item, size_t len)
{
    char **grown;
    char *copy;

    if (list->count >= MAX_LIST_ITEMS)
        return PB_CONFIG;
    copy = strndup(item, len);
    if (copy == NULL)
        return PB_NOMEM;
    grown = realloc(list->items, (list->count + 1) * sizeof(*grown));
    if (grown == NULL) {
        free(copy);
        return PB_NOMEM;
    }
    grown[list->count++] = copy;
    list->items = grown;
    return PB_OK;
}

int
pb_options_is_key(const char *name)
{
    return find_option(name, strlen(name)) != NULL;
}

/* Every line of every [issuer] section is looked up at every login: a
 * small open-addressing index over the constant table, built once per
 * process (it never changes afterwards, so it is no state between
 * handles). */
#define INDEX_SLOTS 256
_Static_assert(OPTION_COUNT < 255 && OPTION_COUNT < INDEX_SLOTS / 2, "the option index needs room");
static unsigned char name_index[INDEX_SLOTS];   /* table position + 1; 0: empty */
static pthread_once_t name_index_once = PTHREAD_ONCE_INIT;

static unsigned
name_hash(const char *name, size_t len)
{
    const unsigned char *s = (const unsigned char *) name;

    return len == 0 ? 0 : ((unsigned) len * 7u + s[0] * 3u + s[len - 1] * 11u + s[len / 2] * 5u) % INDEX_SLOTS;
}

static int name_index_ready;

static void
build_name_index(void)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        unsigned h = name_hash(option_table[i].name, strlen(option_table[i].name));
        while (name_index[h] != 0)
            h = (h + 1) % INDEX_SLOTS;
        name_index[h] = (unsigned char) (i + 1);
    }
    __atomic_store_n(&name_index_ready, 1, __ATOMIC_RELEASE);
}

static const struct pb_option *
find_option(const char *name, size_t len)
{
    unsigned h = name_hash(name, len);

    if (!__atomic_load_n(&name_index_ready, __ATOMIC_ACQUIRE))
        pthread_once(&name_index_once, build_name_index);
    for (; name_index[h] != 0; h = (h + 1) % INDEX_SLOTS) {
        const struct pb_option *opt = &option_table[name_index[h] - 1];
        if (strncmp(opt->name, name, len) == 0 && opt->name[len] == '\0')
            return opt;
    }
    return NULL;
}

enum pb_status
pb_config_set(struct pb_config *cfg, const struct pb_option *opt, const char *value, char *err, size_t errlen)
{
    if (value != NULL)
        return set_value(cfg, opt, value, err, errlen);
    if (opt->type != PB_T_BOOL) {
        snprintf(err, errlen, "%s needs a value (%s=...)", opt->name, opt->name);
        return PB_CONFIG;
    }
    *(int *) ((char *) cfg + opt->offset) = 1;
    return PB_OK;
}

enum pb_status
pb_config_default(struct pb_config *cfg, const struct pb_option *opt)
{
    char err[256];

    return opt->default_value != NULL ? set_value(cfg, opt, opt->default_value, err, sizeof(err)) : PB_OK;
}

static int
parse_bool(const char *value, int *out)
{
    static const char *const yes[] = { "1", "true", "yes", "on" };
    static const char *const no[] = { "0", "false", "no", "off" };

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(value, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Set one option from text; the value is already split from the key. */
static enum pb_status
set_value(struct pb_config *cfg, const struct pb_option *opt, const char *value,
          char *err, size_t errlen)
{
    void *field = (char *) cfg + opt->offset;
    enum pb_status status = PB_OK;

    switch (opt->type) {
    case PB_T_BOOL:
        if (parse_bool(value, (int *) field) < 0) {
            snprintf(err, errlen, "%s: expected true or false, got \"%s\"", opt->name, value);
            return PB_CONFIG;
        }
        return PB_OK;
    case PB_T_INT: {
        char *end;
        long n;
        errno = 0;
        n = strtol(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0' || n < 0 || n > 86400) {
            snprintf(err, errlen, "%s: expected a whole number from 0 to 86400, got \"%s\"",
                     opt->name, value);
            return PB_CONFIG;
        }
        *(long *) field = n;
        return PB_OK;
    }
    case PB_T_SOURCE:
        if (pb_url_is_http(value)) {
            char why[160], shown[256];
            if (pb_url_policy_http(value, why, sizeof(why)) != PB_OK) {
                pb_url_for_log(shown, sizeof(shown), value);
                snprintf(err, errlen, "%s: %s, got \"%s\"", opt->name, why, shown);
                return PB_CONFIG;
            }
        } else if (value[0] != '/') {
            snprintf(err, errlen, "%s: expected an absolute path or an https:// URL, got \"%s\"", opt->name,
                     value);
            return PB_CONFIG;
        }
        goto string;
    case PB_T_PATH:
        if (value[0] != '/') {
            snprintf(err, errlen, "%s: expected an absolute path, got \"%s\"", opt->name, value);
            return PB_CONFIG;
        }
        /* fall through */
    case PB_T_STRING:
    string: {
        char *copy;
        if (value[0] == '\0') {
            snprintf(err, errlen, "%s: empty value", opt->name);
            return PB_CONFIG;
        }
        copy = strdup(value);
        if (copy == NULL)
            return PB_NOMEM;
        free(*(char **) field);
        *(char **) field = copy;
        return PB_OK;
    }
    case PB_T_LIST: {
        struct pb_strlist fresh = { NULL, 0 };
        const char *p = value;
        /* A later source replaces the whole list. */
        while (status == PB_OK) {
            size_t len = strcspn(p, ",");
            while (len > 0 && (*p == ' ' || *p == '\t')) {
                p++;
                len--;
            }
            while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                len--;
            if (len == 0) {
                snprintf(err, errlen, "%s: empty item in \"%s\"", opt->name, value);
                status = PB_CONFIG;
                break;
            }
            status = strlist_add(&fresh, p, len);
            if (status == PB_CONFIG)
                snprintf(err, errlen, "%s: more than %d items", opt->name, MAX_LIST_ITEMS);
            p += strcspn(p, ",");
            if (*p == '\0')
                break;
            p++;
        }
        if (status != PB_OK) {
            strlist_clear(&fresh);
            return status;
        }
        strlist_clear((struct pb_strlist *) field);
        *(struct pb_strlist *) field = fresh;
        return PB_OK;
    }
    case PB_T_CLAIM: {
        const char *eq = strchr(value, '=');
        if (eq == NULL || eq == value || eq[1] == '\0') {
            snprintf(err, errlen, "%s: expected NAME=VALUE, got \"%s\"", opt->name, value);
            return PB_CONFIG;
        }
        if ((size_t) (eq - value) > PB_CLAIM_NAME_MAX) {
            snprintf(err, errlen, "%s: claim name longer than %d bytes", opt->name, PB_CLAIM_NAME_MAX);
            return PB_CONFIG;
        }
        status = strlist_add((struct pb_strlist *) field, value, strlen(value));
        if (status == PB_CONFIG)
            snprintf(err, errlen, "%s: more than %d given", opt->name, MAX_LIST_ITEMS);
        return status;
    }
    }
    return PB_CONFIG;
}

enum pb_status
pb_config_init(struct pb_config *cfg)
{
    char err[256];

    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct pb_option *opt = &option_table[i];
        enum pb_status status;
        if (opt->default_value == NULL)
            continue;
        status = set_value(cfg, opt, opt->default_value, err, sizeof(err));
        if (status != PB_OK)
            return status;
    }
    return PB_OK;
}

enum pb_status
pb_config_apply(struct pb_config *cfg, const char *word, enum pb_opt_where source,
                char *err, size_t errlen)
{
    const struct pb_option *opt;
    const char *eq = strchr(word, '=');
    size_t keylen = eq != NULL ? (size_t) (eq - word) : strlen(word);

    opt = find_option(word, keylen);
    if (opt == NULL) {
        snprintf(err, errlen, "unknown option \"%.*s\"", (int) (keylen > 64 ? 64 : keylen), word);
        return PB_CONFIG;
    }
    if ((opt->where & source) == 0) {
        snprintf(err, errlen, "%s is only allowed on the module line", opt->name);
        return PB_CONFIG;
    }
    if (eq == NULL) {
        if (opt->type != PB_T_BOOL) {
            snprintf(err, errlen, "%s needs a value (%s=...)", opt->name, opt->name);
            return PB_CONFIG;
        }
        *(int *) ((char *) cfg + opt->offset) = 1;
        return PB_OK;
    }
    return set_value(cfg, opt, eq + 1, err, errlen);
}

/* Keys over HTTP: the source must be fetchable and the times coherent. */
static enum pb_status
check_http(const struct pb_config *cfg, char *err, size_t errlen)
{
    if (cfg->discovery) {
        char why[160];
        if (cfg->issuer == NULL || pb_url_policy_http(cfg->issuer, why, sizeof(why)) != PB_OK) {
            snprintf(err, errlen, "discovery needs issuer to be an https:// URL%s%s", cfg->issuer ? ": " : "",
                     cfg->issuer ? why : "");
            return PB_CONFIG;
        }
        if (cfg->jwks != NULL) {
            snprintf(err, errlen, "discovery and jwks exclude each other: discovery finds the key set");
            return PB_CONFIG;
        }
    }
    if (cfg->userinfo_endpoint != NULL) {
        char why[160], shown[256];
        if (pb_url_policy_http(cfg->userinfo_endpoint, why, sizeof(why)) != PB_OK) {
            pb_url_for_log(shown, sizeof(shown), cfg->userinfo_endpoint);
            snprintf(err, errlen, "userinfo_endpoint: %s, got \"%s\"", why, shown);
            return PB_CONFIG;
        }
    }
    if (cfg->jwks_min_ttl > cfg->jwks_max_ttl) {
        snprintf(err, errlen, "jwks_min_ttl (%ld) exceeds jwks_max_ttl (%ld)", cfg->jwks_min_ttl,
                 cfg->jwks_max_ttl);
        return PB_CONFIG;
    }
    if (cfg->http_connect_timeout == 0 || cfg->http_timeout == 0) {
        snprintf(err, errlen, "http_connect_timeout and http_timeout must be at least 1 second");
        return PB_CONFIG;
    }
    return PB_OK;
}

/* Password logins: every combination that would be unsafe or cannot work is
 * refused here, once, rather than at the first login. */
static enum pb_status
check_ldap(const struct pb_config *cfg, char *err, size_t errlen)
{
    if (cfg->token_only && cfg->password_only) {
        snprintf(err, errlen, "token_only and password_only exclude each other");
        return PB_CONFIG;
    }
    if (cfg->ldap_uris.count == 0) {
        if (cfg->password_only || cfg->ldap_group != NULL) {
            snprintf(err, errlen, "%s needs ldap_uri", cfg->password_only ? "password_only" : "ldap_group");
            return PB_CONFIG;
        }
        return PB_OK;
    }
    for (size_t i = 0; i < cfg->ldap_uris.count; i++) {
        const char *uri = cfg->ldap_uris.items[i];
        struct pb_url_info info;
        char why[160], shown[256];
        pb_url_for_log(shown, sizeof(shown), uri);
        if (pb_url_policy_parse(uri, PB_URL_LDAP, &info, why, sizeof(why)) != PB_OK) {
            snprintf(err, errlen, "ldap_uri: %s, got \"%s\"", why, shown);
            return PB_CONFIG;
        }
        if (!info.tls && !cfg->ldap_starttls && !cfg->ldap_insecure_plaintext && !info.loopback) {
            snprintf(err, errlen, "ldap_uri: %s would send passwords unencrypted: use ldaps://, "
                     "ldap_starttls, or ldap_insecure_plaintext", shown);
            return PB_CONFIG;
        }
    }
    if (cfg->ldap_user_dn == NULL && (cfg->ldap_binddn == NULL || cfg->ldap_base == NULL)) {
        snprintf(err, errlen, "ldap_uri needs ldap_user_dn, or ldap_binddn and ldap_base to search");
        return PB_CONFIG;
    }
    if ((cfg->ldap_binddn == NULL) != (cfg->ldap_bindpw_file == NULL)) {
        snprintf(err, errlen, "ldap_binddn and ldap_bindpw_file go together");
        return PB_CONFIG;
    }
    if (cfg->ldap_group != NULL && cfg->ldap_binddn == NULL) {
        snprintf(err, errlen, "ldap_group needs ldap_binddn to read the group");
        return PB_CONFIG;
    }
    if ((cfg->ldap_user_dn != NULL && pb_ldap_template_uses(cfg->ldap_user_dn) <= 0)
        || pb_ldap_template_uses(cfg->ldap_filter) <= 0) {
        snprintf(err, errlen, "ldap_user_dn and ldap_filter must contain %%u (the user name) "
                 "and no %% sequence other than %%u and %%%%");
        return PB_CONFIG;
    }
    if (cfg->ldap_timeout == 0) {
        snprintf(err, errlen, "ldap_timeout must be at least 1 second");
        return PB_CONFIG;
    }
    return PB_OK;
}

enum pb_status
pb_config_finish(struct pb_config *cfg, char *err, size_t errlen)
{
    unsigned mask = 0;
    int section = cfg->section != NULL;

    for (size_t i = 0; i < cfg->algorithms.count; i++) {
        const char *name = cfg->algorithms.items[i];
        const struct pb_alg *alg = pb_alg_find(name, strlen(name));
        if (alg == NULL) {
            snprintf(err, errlen, "algorithms: unknown or forbidden algorithm \"%s\"", name);
            return PB_CONFIG;
        }
        if (alg->family == PB_FAM_HMAC && cfg->hmac_key_file == NULL) {
            snprintf(err, errlen, "algorithms: %s needs hmac_key_file", name);
            return PB_CONFIG;
        }
        mask |= alg->bit;
    }
    if (mask == 0) {
        snprintf(err, errlen, "algorithms: no algorithm allowed");
        return PB_CONFIG;
    }
    /* A section shares the host's options, checked with the top level. */
    if ((!section && check_ldap(cfg, err, errlen) != PB_OK) || check_http(cfg, err, errlen) != PB_OK)
        return PB_CONFIG;
    /* 0 would kill every helper at once, or read no token at all. */
    if (!section && (cfg->helper_timeout == 0 || cfg->token_parts == 0)) {
        snprintf(err, errlen, "helper_timeout and token_parts must be at least 1");
        return PB_CONFIG;
    }
    if (cfg->use_first_pass && cfg->try_first_pass) {
        snprintf(err, errlen, "use_first_pass and try_first_pass exclude each other");
        return PB_CONFIG;
    }
    cfg->alg_mask = mask;
    if (pb_usermap_prepare(cfg, err, errlen) != PB_OK)
        return PB_CONFIG;
    /* The sections inherit the finished top level. */
    if (cfg->section == NULL)
        return pb_issuers_finish(cfg, err, errlen);
    return PB_OK;
}

void
pb_config_share_option(struct pb_config *dst, const struct pb_config *src, const struct pb_option *opt)
{
    size_t size = opt->type == PB_T_BOOL ? sizeof(int) : opt->type == PB_T_INT ? sizeof(long)
                  : opt->type == PB_T_LIST || opt->type == PB_T_CLAIM ? sizeof(struct pb_strlist) : sizeof(char *);

    memcpy((char *) dst + opt->offset, (const char *) src + opt->offset, size);
}

const struct pb_option *
pb_options_find(const char *name)
{
    return find_option(name, strlen(name));
}

const struct pb_option *
pb_options_find_n(const char *name, size_t len)
{
    return find_option(name, len);
}

int
pb_config_has_source(const struct pb_config *cfg)
{
    return cfg->jwks != NULL || cfg->discovery || cfg->hmac_key_file != NULL || cfg->ldap_uris.count > 0
        || cfg->obtain_tokens || cfg->revoke_on_logout || cfg->use_session_token || cfg->issuer_table != NULL;
}

void
pb_config_free(struct pb_config *cfg)
{
    pb_issuers_free(cfg);
    pb_usermap_release(cfg);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        void *field = (char *) cfg + option_table[i].offset;
        /* A section's host-wide fields are the top level's. */
        if (cfg->shares_host && !pb_issuer_is_field(option_table[i].offset))
            continue;
        switch (option_table[i].type) {
        case PB_T_STRING:
        case PB_T_PATH:
        case PB_T_SOURCE:
            free(*(char **) field);
            *(char **) field = NULL;
            break;
        case PB_T_LIST:
        case PB_T_CLAIM:
            strlist_clear((struct pb_strlist *) field);
            break;
        default:
            break;
        }
    }
}
