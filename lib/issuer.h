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

/* Most bytes of the sections' lines kept until they are built. */
#define PB_ISSUER_LINES_MAX (64 * 1024)

/* A section as read: what routing needs, and its lines for pb_issuer_build.
 * Only the routed section is built, at the login that needs it, so that
 * the number of sections costs a login next to nothing. */
struct pb_issuer {
    char name[PB_SECTION_NAME_MAX + 1];
    const char *iss;            /* in the table's lines, or the top level's issuer (set when finished) */
    size_t iss_at;              /* offset of the iss value in the lines + 1; 0: none */
    size_t lines_from, lines_to;  /* this section's part of the table's lines */
    int has_keys, has_groups;
    struct pb_config *cfg;      /* the top level for the issuer "default"; NULL for a section */
};

struct pb_issuer_table {
    struct pb_issuer *items;    /* file order while reading; by iss once finished */
    size_t count, cap;
    char *lines;                /* every section's "key\0=value\0" or "key\0!\0" (a bare
                                 * word), one after the other, in file order */
    size_t lines_len, lines_cap;
    int finished;
};

/* Non-zero if key may be given in an [issuer NAME] section. */
int pb_issuer_is_key(const char *key);

/* The same for the field at offset in struct pb_config. */
int pb_issuer_is_field(size_t offset);

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

/* "key = value" (value NULL: a bare boolean) of the last section begun.
 * _n: the lengths are known (klen, vlen; vlen 0 when value is NULL). */
enum pb_status pb_issuer_set(struct pb_config *top, const char *key, const char *value, char *err,
                             size_t errlen);
enum pb_status pb_issuer_set_n(struct pb_config *top, const char *key, size_t klen, const char *value, size_t vlen,
                               char *err, size_t errlen);

/* Once top is finished: check each section has issuer and a key source,
 * add the top level as the issuer "default" when it has a key source, and
 * sort by iss.  Two issuers with one iss, a top-level key source without
 * issuer beside sections, and an issuers= name without its section are
 * PB_CONFIG.  The sections' values are checked when they are built. */
enum pb_status pb_issuers_finish(struct pb_config *top, char *err, size_t errlen);

/* The configuration of section is (not the issuer "default"): its own
 * values over the defaults, top's host-wide options shared, checked with
 * pb_config_finish.  PB_OK (free out with pb_config_free before top),
 * PB_CONFIG (err names the section and why; out holds nothing) or
 * PB_NOMEM. */
enum pb_status pb_issuer_build(const struct pb_config *top, const struct pb_issuer *is, struct pb_config *out,
                               char *err, size_t errlen);

/* Build and check every section once (bearer-token verify, tests): the
 * first error, as pb_issuer_build gives it. */
enum pb_status pb_issuers_check_all(const struct pb_config *top, char *err, size_t errlen);

/* The issuer whose iss is exactly the len bytes at iss, or NULL. */
const struct pb_issuer *pb_issuer_route(const struct pb_config *top, const char *iss, size_t len);

/* Does top's issuers= (none: every issuer) let this service accept name? */
int pb_issuer_allowed(const struct pb_config *top, const char *name);

/* Does the account phase check a token: require_claim or allow_groups at
 * the top level (the service), or allow_groups in some section? */
int pb_issuers_need_account(const struct pb_config *top);

void pb_issuers_free(struct pb_config *top);

#endif
