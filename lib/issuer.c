/* The issuer table: sections read from the file, finished once, routed by
 * a binary search on the exact iss. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "issuer.h"

/* What an issuer decides for itself; everything else (cache, HTTP, LDAP,
 * session options) is the host's and comes from the top level. */
static const char *const issuer_keys[] = {
    "algorithms", "allow_groups", "audience", "discovery", "groups_claim", "hmac_key_file", "issuer",
    "jwks", "leeway", "max_token_age", "require_claim", "user_claim", "user_lowercase", "user_regex",
    "user_strip_domain", "user_template", "userinfo_endpoint",
};

#define N_KEYS (sizeof(issuer_keys) / sizeof(issuer_keys[0]))

/* Sections are few; more would be a mistake, not a site. */
#define MAX_ISSUERS 64

int
pb_issuer_is_service_key(const char *key)
{
    return strcmp(key, "require_claim") == 0 || strcmp(key, "allow_groups") == 0
           || strcmp(key, "max_token_age") == 0;
}

int
pb_issuer_is_key(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(issuer_keys[i], key) == 0)
            return 1;
    return 0;
}

static void
issuer_free(struct pb_issuer *is, const struct pb_config *top)
{
    if (is->cfg != NULL && is->cfg != top) {
        pb_config_free(is->cfg);
        free(is->cfg);
    }
    is->cfg = NULL;
}

enum pb_status
pb_issuer_begin(struct pb_config *top, const char *name, char *err, size_t errlen)
{
    struct pb_issuer_table *t = top->issuer_table;
    struct pb_issuer *grown, *is;
    enum pb_status status;

    if (strcmp(name, PB_ISSUER_DEFAULT) == 0) {
        snprintf(err, errlen, "[issuer %s]: the name is taken by the top-level options", name);
        return PB_CONFIG;
    }
    if (t == NULL && (t = top->issuer_table = calloc(1, sizeof(*t))) == NULL)
        return PB_NOMEM;
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->items[i].name, name) == 0) {
            snprintf(err, errlen, "[issuer %s] given twice", name);
            return PB_CONFIG;
        }
    if (t->count >= MAX_ISSUERS) {
        snprintf(err, errlen, "more than %d issuer sections", MAX_ISSUERS);
        return PB_CONFIG;
    }
    grown = realloc(t->items, (t->count + 1) * sizeof(*grown));
    if (grown == NULL)
        return PB_NOMEM;
    t->items = grown;
    is = &t->items[t->count];
    memset(is, 0, sizeof(*is));
    snprintf(is->name, sizeof(is->name), "%s", name);
    if ((is->cfg = malloc(sizeof(*is->cfg))) == NULL)
        return PB_NOMEM;
    status = pb_config_init(is->cfg);
    if (status != PB_OK) {
        pb_config_free(is->cfg);
        free(is->cfg);
        return status;
    }
    t->count++;
    return PB_OK;
}

enum pb_status
pb_issuer_set(struct pb_config *top, const char *key, const char *value, char *err, size_t errlen)
{
    struct pb_issuer_table *t = top->issuer_table;
    char word[1024];

    if (t == NULL || t->count == 0 || t->finished)
        return PB_CONFIG;
    if (!pb_issuer_is_key(key)) {
        snprintf(err, errlen, "\"%.64s\" cannot be given in an [issuer] section", key);
        return PB_CONFIG;
    }
    if ((size_t) snprintf(word, sizeof(word), "%s%s%s", key, value ? "=" : "", value ? value : "") >= sizeof(word)) {
        snprintf(err, errlen, "line too long");
        return PB_CONFIG;
    }
    return pb_config_apply(t->items[t->count - 1].cfg, word, PB_W_FILE, err, errlen);
}

static int
by_iss(const void *a, const void *b)
{
    return strcmp(((const struct pb_issuer *) a)->cfg->issuer, ((const struct pb_issuer *) b)->cfg->issuer);
}

/* One section: the host's options from top, then its own checks. */
static enum pb_status
finish_one(struct pb_config *top, struct pb_issuer *is, char *err, size_t errlen)
{
    struct pb_config *cfg = is->cfg;
    char why[256];
    size_t n;
    const struct pb_option *table = pb_options_table(&n);
    enum pb_status status;

    for (size_t i = 0; i < n; i++)
        if (!pb_issuer_is_key(table[i].name) && (status = pb_config_copy_option(cfg, top, &table[i])) != PB_OK)
            return status;
    /* An issuer's table is its own name; the service's restrictions stay on top. */
    pb_strlist_clear(&cfg->issuers);
    cfg->section = is->name;
    if (cfg->issuer == NULL || (cfg->jwks == NULL && !cfg->discovery && cfg->hmac_key_file == NULL)) {
        snprintf(err, errlen, "[issuer %s] needs issuer and a key source (jwks, discovery or hmac_key_file)",
                 is->name);
        return PB_CONFIG;
    }
    status = pb_config_finish(cfg, why, sizeof(why));
    if (status == PB_CONFIG)
        snprintf(err, errlen, "[issuer %s]: %s", is->name, why);
    return status;
}

enum pb_status
pb_issuers_finish(struct pb_config *top, char *err, size_t errlen)
{
    struct pb_issuer_table *t = top->issuer_table;
    enum pb_status status;
    struct pb_issuer *grown;

    if (t == NULL || t->finished) {
        if (t == NULL && top->issuers.count > 0) {
            snprintf(err, errlen, "issuers: the configuration has no [issuer NAME] section");
            return PB_CONFIG;
        }
        return PB_OK;
    }
    for (size_t i = 0; i < t->count; i++)
        if ((status = finish_one(top, &t->items[i], err, errlen)) != PB_OK)
            return status;
    if (top->jwks != NULL || top->discovery || top->hmac_key_file != NULL) {
        /* Beside sections, a catch-all would undo the routing. */
        if (top->issuer == NULL) {
            snprintf(err, errlen, "top-level keys beside [issuer] sections need issuer= (they are the "
                     "issuer \"%s\")", PB_ISSUER_DEFAULT);
            return PB_CONFIG;
        }
        if ((grown = realloc(t->items, (t->count + 1) * sizeof(*grown))) == NULL)
            return PB_NOMEM;
        t->items = grown;
        memset(&t->items[t->count], 0, sizeof(t->items[0]));
        snprintf(t->items[t->count].name, sizeof(t->items[0].name), "%s", PB_ISSUER_DEFAULT);
        t->items[t->count++].cfg = top;
    }
    qsort(t->items, t->count, sizeof(t->items[0]), by_iss);
    for (size_t i = 1; i < t->count; i++)
        if (strcmp(t->items[i - 1].cfg->issuer, t->items[i].cfg->issuer) == 0) {
            snprintf(err, errlen, "[issuer %s] and [issuer %s] have the same issuer", t->items[i - 1].name,
                     t->items[i].name);
            return PB_CONFIG;
        }
    for (size_t k = 0; k < top->issuers.count; k++) {
        size_t i = 0;
        while (i < t->count && strcmp(t->items[i].name, top->issuers.items[k]) != 0)
            i++;
        if (i == t->count) {
            snprintf(err, errlen, "issuers: no section [issuer %.64s]", top->issuers.items[k]);
            return PB_CONFIG;
        }
    }
    t->finished = 1;
    return PB_OK;
}

const struct pb_issuer *
pb_issuer_route(const struct pb_config *top, const char *iss, size_t len)
{
    const struct pb_issuer_table *t = top->issuer_table;
    size_t lo = 0, hi;

    if (t == NULL || !t->finished)
        return NULL;
    /* strcmp order over NUL-free strings: compare the common prefix, then length. */
    for (hi = t->count; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2, have = strlen(t->items[mid].cfg->issuer);
        int c = memcmp(t->items[mid].cfg->issuer, iss, have < len ? have : len);
        if (c == 0)
            c = have < len ? -1 : have > len ? 1 : 0;
        if (c == 0)
            return memchr(iss, '\0', len) == NULL ? &t->items[mid] : NULL;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int
pb_issuer_allowed(const struct pb_config *top, const char *name)
{
    if (top->issuers.count == 0)
        return 1;
    for (size_t i = 0; i < top->issuers.count; i++)
        if (strcmp(top->issuers.items[i], name) == 0)
            return 1;
    return 0;
}

void
pb_issuers_free(struct pb_config *top)
{
    struct pb_issuer_table *t = top->issuer_table;

    if (t == NULL)
        return;
    for (size_t i = 0; i < t->count; i++)
        issuer_free(&t->items[i], top);
    free(t->items);
    free(t);
    top->issuer_table = NULL;
}

int
pb_issuers_need_account(const struct pb_config *top)
{
    const struct pb_issuer_table *t = top->issuer_table;

    if (top->required.count > 0 || top->allow_groups.count > 0)
        return 1;
    for (size_t i = 0; t != NULL && i < t->count; i++)
        if (t->items[i].cfg->allow_groups.count > 0)
            return 1;
    return 0;
}
