/* The issuer table: sections read from the file, finished once, routed by
 * a binary search on the exact iss. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "issuer.h"

/* What an issuer decides for itself, by field (a switch: asked for every
 * option of every section at every login); everything else (cache, HTTP,
 * LDAP, session options) is the host's and comes from the top level. */
int
pb_issuer_is_field(size_t offset)
{
    switch (offset) {
    case offsetof(struct pb_config, algorithms):
    case offsetof(struct pb_config, allow_groups):
    case offsetof(struct pb_config, audiences):
    case offsetof(struct pb_config, discovery):
    case offsetof(struct pb_config, groups_claim):
    case offsetof(struct pb_config, hmac_key_file):
    case offsetof(struct pb_config, issuer):
    case offsetof(struct pb_config, jwks):
    case offsetof(struct pb_config, leeway):
    case offsetof(struct pb_config, max_token_age):
    case offsetof(struct pb_config, required):
    case offsetof(struct pb_config, user_claim):
    case offsetof(struct pb_config, user_lowercase):
    case offsetof(struct pb_config, user_regex):
    case offsetof(struct pb_config, user_strip_domain):
    case offsetof(struct pb_config, user_template):
    case offsetof(struct pb_config, userinfo_endpoint):
        return 1;
    default:
        return 0;
    }
}

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
    const struct pb_option *opt = pb_options_find(key);

    return opt != NULL && pb_issuer_is_field(opt->offset);
}

enum pb_status
pb_issuer_begin(struct pb_config *top, const char *name, char *err, size_t errlen)
{
    struct pb_issuer_table *t = top->issuer_table;
    struct pb_issuer *grown, *is;

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
    /* Room for this one, and the issuer "default" that may follow. */
    if (t->count + 2 > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        if ((grown = realloc(t->items, cap * sizeof(*grown))) == NULL)
            return PB_NOMEM;
        t->items = grown;
        t->cap = cap;
    }
    is = &t->items[t->count++];
    memset(is, 0, sizeof(*is));
    if (strlen(name) >= sizeof(is->name))
        return PB_CONFIG;   /* conf.c allows PB_SECTION_NAME_MAX bytes */
    strcpy(is->name, name);
    is->lines_from = is->lines_to = t->lines_len;
    return PB_OK;
}

/* Keep "key\0=value\0" (or "key\0!\0" for a bare word) in the table's
 * one buffer for when the section is built; the offset of the value. */
static enum pb_status
keep_line(struct pb_issuer_table *t, const char *key, size_t klen, const char *value, size_t vlen, size_t *value_at)
{
    size_t need = klen + vlen + 3;
    char *grown;

    if (need > PB_ISSUER_LINES_MAX - t->lines_len)
        return PB_CONFIG;
    if (t->lines_len + need > t->lines_cap) {
        size_t cap = t->lines_cap ? t->lines_cap : 4096;   /* a usual file's sections at once */
        while (cap < t->lines_len + need)
            cap *= 2;
        if ((grown = malloc(cap)) == NULL)
            return PB_NOMEM;
        if (t->lines_len > 0)
            memcpy(grown, t->lines, t->lines_len);
        if (t->lines != NULL)
            explicit_bzero(t->lines, t->lines_len);
        free(t->lines);
        t->lines = grown;
        t->lines_cap = cap;
    }
    memcpy(t->lines + t->lines_len, key, klen);
    t->lines_len += klen;
    t->lines[t->lines_len++] = '\0';
    t->lines[t->lines_len++] = value != NULL ? '=' : '!';
    *value_at = t->lines_len;
    if (value != NULL)
        memcpy(t->lines + t->lines_len, value, vlen);
    t->lines_len += vlen;
    t->lines[t->lines_len++] = '\0';
    return PB_OK;
}

enum pb_status
pb_issuer_set(struct pb_config *top, const char *key, const char *value, char *err, size_t errlen)
{
    return pb_issuer_set_n(top, key, strlen(key), value, value != NULL ? strlen(value) : 0, err, errlen);
}

enum pb_status
pb_issuer_set_n(struct pb_config *top, const char *key, size_t klen, const char *value, size_t vlen, char *err,
                size_t errlen)
{
    struct pb_issuer_table *t = top->issuer_table;
    const struct pb_option *opt = pb_options_find_n(key, klen);
    struct pb_issuer *is;
    enum pb_status status;
    size_t at = 0;

    if (t == NULL || t->count == 0 || t->finished)
        return PB_CONFIG;
    if (opt == NULL || !pb_issuer_is_field(opt->offset)) {
        snprintf(err, errlen, "\"%.64s\" cannot be given in an [issuer] section", key);
        return PB_CONFIG;
    }
    is = &t->items[t->count - 1];
    if (opt->offset == offsetof(struct pb_config, issuer) && (value == NULL || value[0] == '\0')) {
        snprintf(err, errlen, "issuer: empty value");
        return PB_CONFIG;
    }
    status = keep_line(t, key, klen, value, vlen, &at);
    if (status == PB_CONFIG)
        snprintf(err, errlen, "the [issuer] sections are longer than %d bytes", PB_ISSUER_LINES_MAX);
    if (status != PB_OK)
        return status;
    is->lines_to = t->lines_len;
    /* What routing and the account phase need now; the rest waits until a
     * token of this issuer comes (pb_issuer_build). */
    if (opt->offset == offsetof(struct pb_config, issuer))
        is->iss_at = at + 1;
    if (opt->offset == offsetof(struct pb_config, jwks) || opt->offset == offsetof(struct pb_config, discovery)
        || opt->offset == offsetof(struct pb_config, hmac_key_file))
        is->has_keys = 1;
    if (opt->offset == offsetof(struct pb_config, allow_groups))
        is->has_groups = 1;
    return PB_OK;
}

enum pb_status
pb_issuer_build(const struct pb_config *top, const struct pb_issuer *is, struct pb_config *out, char *err,
                size_t errlen)
{
    size_t n;
    const struct pb_option *table = pb_options_table(&n);
    enum pb_status status = PB_OK;
    char why[256];

    memset(out, 0, sizeof(*out));
    /* Only the issuer's own fields get defaults and the section's values;
     * the host's are the top level's own (pb_config_free leaves them to it:
     * shares_host), and the service's issuers= stays on top. */
    out->shares_host = 1;
    for (size_t i = 0; i < n && status == PB_OK; i++) {
        if (pb_issuer_is_field(table[i].offset))
            status = pb_config_default(out, &table[i]);
        else
            pb_config_share_option(out, top, &table[i]);
    }
    memset(&out->issuers, 0, sizeof(out->issuers));
    out->section = is->name;
    for (size_t at = is->lines_from; status == PB_OK && at < is->lines_to;) {
        const char *lines = top->issuer_table->lines, *key = lines + at, *mark = key + strlen(key) + 1;
        at = (size_t) (mark + 1 + strlen(mark + 1) + 1 - lines);
        status = pb_config_set(out, pb_options_find(key), *mark == '=' ? mark + 1 : NULL, why, sizeof(why));
    }
    if (status == PB_OK && (out->issuer == NULL || (out->jwks == NULL && !out->discovery
                                                    && out->hmac_key_file == NULL))) {
        snprintf(why, sizeof(why), "needs issuer and a key source (jwks, discovery or hmac_key_file)");
        status = PB_CONFIG;
    }
    if (status == PB_OK)
        status = pb_config_finish(out, why, sizeof(why));
    if (status == PB_CONFIG)
        snprintf(err, errlen, "[issuer %s]: %s", is->name, why);
    if (status != PB_OK)
        pb_config_free(out);
    return status;
}

static int
by_iss(const void *a, const void *b)
{
    return strcmp(((const struct pb_issuer *) a)->iss, ((const struct pb_issuer *) b)->iss);
}

enum pb_status
pb_issuers_finish(struct pb_config *top, char *err, size_t errlen)
{
    struct pb_issuer_table *t = top->issuer_table;
    struct pb_issuer *grown;

    if (t == NULL || t->finished) {
        if (t == NULL && top->issuers.count > 0) {
            snprintf(err, errlen, "issuers: the configuration has no [issuer NAME] section");
            return PB_CONFIG;
        }
        return PB_OK;
    }
    /* The values of a section are checked when it is built (see issuer.h);
     * what routing needs is checked now. */
    for (size_t i = 0; i < t->count; i++) {
        /* The last issuer= of a section counts, as elsewhere. */
        if (t->items[i].iss_at != 0)
            t->items[i].iss = t->lines + t->items[i].iss_at - 1;
        if (t->items[i].iss == NULL || !t->items[i].has_keys) {
            snprintf(err, errlen, "[issuer %s] needs issuer and a key source (jwks, discovery or hmac_key_file)",
                     t->items[i].name);
            return PB_CONFIG;
        }
    }
    if (top->jwks != NULL || top->discovery || top->hmac_key_file != NULL) {
        /* Beside sections, a catch-all would undo the routing. */
        if (top->issuer == NULL) {
            snprintf(err, errlen, "top-level keys beside [issuer] sections need issuer= (they are the "
                     "issuer \"%s\")", PB_ISSUER_DEFAULT);
            return PB_CONFIG;
        }
        if (t->count + 1 > t->cap) {
            if ((grown = realloc(t->items, (t->count + 1) * sizeof(*grown))) == NULL)
                return PB_NOMEM;
            t->items = grown;
            t->cap = t->count + 1;
        }
        memset(&t->items[t->count], 0, sizeof(t->items[0]));
        snprintf(t->items[t->count].name, sizeof(t->items[0].name), "%s", PB_ISSUER_DEFAULT);
        t->items[t->count].iss = top->issuer;
        t->items[t->count].has_groups = top->allow_groups.count > 0;
        t->items[t->count++].cfg = top;
    }
    qsort(t->items, t->count, sizeof(t->items[0]), by_iss);
    for (size_t i = 1; i < t->count; i++)
        if (strcmp(t->items[i - 1].iss, t->items[i].iss) == 0) {
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

enum pb_status
pb_issuers_check_all(const struct pb_config *top, char *err, size_t errlen)
{
    const struct pb_issuer_table *t = top->issuer_table;
    struct pb_config built;
    enum pb_status status = PB_OK;

    for (size_t i = 0; t != NULL && i < t->count && status == PB_OK; i++)
        if (t->items[i].cfg == NULL && (status = pb_issuer_build(top, &t->items[i], &built, err, errlen)) == PB_OK)
            pb_config_free(&built);
    return status;
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
        size_t mid = lo + (hi - lo) / 2, have = strlen(t->items[mid].iss);
        int c = memcmp(t->items[mid].iss, iss, have < len ? have : len);
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
    if (t->lines != NULL)
        explicit_bzero(t->lines, t->lines_len);
    free(t->lines);
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
        if (t->items[i].has_groups)
            return 1;
    return 0;
}
