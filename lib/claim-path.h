/* Claims at a dotted path (realm_access.roles, resource_access.CLIENT.roles)
 * and the group allow-lists read from them. */
#ifndef PB_CLAIM_PATH_H
#define PB_CLAIM_PATH_H

#include <jansson.h>

#include "options.h"
#include "status.h"
#include "trace.h"

/* Deepest path accepted (names between dots). */
#define PB_CLAIM_PATH_MAX_DEPTH 8
/* Most groups a claim may hold before it is refused unread. */
#define PB_GROUPS_MAX 4096

/* The value at path in claims (borrowed), or NULL when some step is absent
 * or not an object.  A top-level claim named path exactly wins; otherwise
 * every '.' separates two names. */
json_t *pb_claim_path_get(json_t *claims, const char *path);

/* 0 if path is a usable claim path (no empty name, not too deep). */
int pb_claim_path_check(const char *path);

/* The group allow-lists: the token's groups (at issuer->groups_claim) must
 * include one of issuer->allow_groups when it has any, and one of
 * service->allow_groups when that has any (service may be issuer itself).
 * PB_OK, or PB_REJECTED (not-in-group; the verdict's detail can be shown
 * to the user). */
enum pb_status pb_claims_groups(const struct pb_config *issuer, const struct pb_config *service, json_t *claims,
                                const struct pb_trace *trace, struct pb_verdict *verdict);

#endif
