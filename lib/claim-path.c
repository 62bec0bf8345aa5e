/* Claims at a dotted path, and the group allow-lists. */
#include "config.h"

#include <string.h>

#include "claim-path.h"
#include "log.h"

int
pb_claim_path_check(const char *path)
{
    size_t depth = 0;

    if (path == NULL)
        return 0;
    for (const char *p = path;; p++) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n > PB_CLAIM_NAME_MAX || ++depth > PB_CLAIM_PATH_MAX_DEPTH)
            return -1;
        p += n;
        if (*p == '\0')
            return 0;
    }
}

json_t *
pb_claim_path_get(json_t *claims, const char *path)
{
    json_t *at = json_object_get(claims, path);
    char name[PB_CLAIM_NAME_MAX + 1];

    /* A name with dots in it (https://example.com/roles) is taken as it is. */
    if (at != NULL || strchr(path, '.') == NULL)
        return at;
    at = claims;
    for (const char *p = path; at != NULL;) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n >= sizeof(name) || !json_is_object(at))
            return NULL;
        memcpy(name, p, n);
        name[n] = '\0';
        at = json_object_get(at, name);
        p += n;
        if (*p == '\0')
            return at;
        p++;
    }
    return NULL;
}

/* Does one of list's groups appear in groups (an array of strings)? */
static const char *
first_allowed(const struct pb_strlist *list, json_t *groups)
{
    size_t i;
    json_t *item;

    json_array_foreach(groups, i, item)
        for (size_t k = 0; k < list->count; k++)
            if (json_string_length(item) == strlen(list->items[k])
                && memcmp(json_string_value(item), list->items[k], json_string_length(item)) == 0)
                return list->items[k];
    return NULL;
}

static enum pb_status
one_list(const char *label, const char *who, const struct pb_strlist *list, const char *claim, json_t *groups,
         const struct pb_trace *trace, struct pb_verdict *verdict)
{
    const char *hit;

    if (list->count == 0)
        return PB_OK;
    hit = groups != NULL ? first_allowed(list, groups) : NULL;
    if (hit == NULL) {
        pb_verdict_set(verdict, PB_R_NOT_IN_GROUP, "your token's %s names none of the groups %s allows "
                       "(%s%s)", claim, who, list->items[0], list->count > 1 ? ", ..." : "");
        pb_trace_report(trace, label, PB_CHECK_FAIL, "%s", verdict->detail);
        return PB_REJECTED;
    }
    pb_trace_report(trace, label, PB_CHECK_OK, "%s carries \"%s\"", claim, hit);
    return PB_OK;
}

enum pb_status
pb_claims_groups(const struct pb_config *issuer, const struct pb_config *service, json_t *claims,
                 const struct pb_trace *trace, struct pb_verdict *verdict)
{
    const char *claim = issuer->groups_claim;
    json_t *groups, *item;
    size_t i;
    enum pb_status status;

    if (issuer->allow_groups.count == 0 && service->allow_groups.count == 0)
        return PB_OK;
    groups = pb_claim_path_get(claims, claim);
    /* A wrong type is the issuer's mistake or a forgery: never guess. */
    if (groups != NULL && (!json_is_array(groups) || json_array_size(groups) > PB_GROUPS_MAX)) {
        pb_verdict_set(verdict, PB_R_NOT_IN_GROUP, "your token's %s is not a list of groups", claim);
        goto fail;
    }
    if (groups != NULL)
        json_array_foreach(groups, i, item)
            if (!json_is_string(item)) {
                pb_verdict_set(verdict, PB_R_NOT_IN_GROUP, "your token's %s holds something other than "
                               "a group name", claim);
                goto fail;
            }
    status = one_list(service != issuer ? "groups: issuer" : "groups", service != issuer ? "this issuer" : "this service",
                      &issuer->allow_groups, claim, groups, trace, verdict);
    if (status == PB_OK && service != issuer)
        status = one_list("groups: service", "this service", &service->allow_groups, claim, groups, trace, verdict);
    return status;
fail:
    pb_trace_report(trace, "groups", PB_CHECK_FAIL, "%s", verdict->detail);
    return PB_REJECTED;
}
