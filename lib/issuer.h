/* Trusted issuers: the [issuer NAME] sections of pam_bearer.conf, and the
 * top-level trust options as one more, implicit, issuer.  A token is routed
 * by its exact iss to one of them (a binary search, whatever their number)
 * and checked against that issuer's keys and policy only. */
#ifndef PB_ISSUER_H
#define PB_ISSUER_H

#include <stddef.h>

#include "authority.h"
#include "options.h"
#include "status.h"

/* The name the top-level trust options answer to in issuers= and logs. */
#define PB_ISSUER_DEFAULT "default"

struct pb_issuer {
    char name[PB_SECTION_NAME_MAX + 1];
    struct pb_config *cfg;      /* owned, except the implicit one (the top level) */
};

struct pb_issuer_table {
    struct pb_issuer *items;    /* file order while reading; by iss once finished */
    size_t count;
    int finished;
};

/* Non-zero if key may be given in an [issuer NAME] section. */
int pb_issuer_is_key(const char *key);

/* Non-zero for the keys that at the top level and on the module line are
 * the service's, holding for every issuer besides the section's own:
 * require_claim, allow_groups, max_token_age.  The other issuer keys on a
 * module line beside sections would change the issuer "default" only, so
 * the configuration layer refuses them there. */
int pb_issuer_is_service_key(const char *key);

/* A new section [issuer name] of top: defaults now, the rest of top's
 * options (cache, HTTP, LDAP...) when the configuration is finished.
 * PB_CONFIG (err says why: a name given twice, "default") or PB_NOMEM. */
enum pb_status pb_issuer_begin(struct pb_config *top, const char *name, char *err, size_t errlen);

/* "key = value" (value NULL: a bare boolean) of the last section begun. */
enum pb_status pb_issuer_set(struct pb_config *top, const char *key, const char *value, char *err,
                             size_t errlen);

/* Once top is finished: give each section top's host-wide options, check
 * and finish it (each needs issuer and a key source), add the top level as
 * the issuer "default" when it has a key source, and sort by iss.  Two
 * issuers with one iss, a top-level key source without issuer beside
 * sections, and an issuers= name without its section are PB_CONFIG. */
enum pb_status pb_issuers_finish(struct pb_config *top, char *err, size_t errlen);

/* The issuer whose iss is exactly the len bytes at iss, or NULL. */
const struct pb_issuer *pb_issuer_route(const struct pb_config *top, const char *iss, size_t len);

/* Does top's issuers= (none: every issuer) let this service accept name? */
int pb_issuer_allowed(const struct pb_config *top, const char *name);

/* Does the account phase check a token: require_claim or allow_groups at
 * the top level (the service), or allow_groups in some section? */
int pb_issuers_need_account(const struct pb_config *top);

void pb_issuers_free(struct pb_config *top);

#endif
