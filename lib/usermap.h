/* Who the token's bearer is on this host: the user claim, then the
 * configured transformation (strip a domain, lower-case, a regular
 * expression's capture, a template), then the checks every local user
 * name must pass.  The result is compared exactly with the PAM user. */
#ifndef PB_USERMAP_H
#define PB_USERMAP_H

#include <stddef.h>
#include <jansson.h>

#include "options.h"
#include "status.h"
#include "trace.h"

/* Longest name the mapping produces (LOGIN_NAME_MAX less its NUL), and the
 * longest claim it starts from. */
#define PB_USERMAP_NAME_MAX 255
#define PB_USERMAP_CLAIM_MAX 1024

/* Check the mapping options of cfg (template, domain, regex) and compile
 * the regex into cfg->user_re.  PB_OK, PB_CONFIG (err says why) or PB_NOMEM. */
enum pb_status pb_usermap_prepare(struct pb_config *cfg, char *err, size_t errlen);

/* Free cfg->user_re. */
void pb_usermap_release(struct pb_config *cfg);

/* Map claims to a local name in out (cap bytes, at least
 * PB_USERMAP_NAME_MAX + 1).  Each step is reported to trace.  PB_OK, or
 * PB_REJECTED with the verdict (reason user-claim). */
enum pb_status pb_usermap_apply(const struct pb_config *cfg, json_t *claims, char *out, size_t cap,
                                const struct pb_trace *trace, struct pb_verdict *verdict);

/* NULL if name (len bytes) can be a local user name, else why not:
 * empty, ".", "..", a leading '-', '/', ':', NUL or a control byte, or
 * longer than PB_USERMAP_NAME_MAX. */
const char *pb_usermap_bad_name(const char *name, size_t len);

#endif
