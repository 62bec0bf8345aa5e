/* The claims policy (RFC 7519 section 4.1): time window, issuer, audience,
 * the username claim and administrator-required claims. */
#ifndef PB_CLAIMS_H
#define PB_CLAIMS_H

#include <time.h>
#include <jansson.h>

#include "jws.h"
#include "options.h"
#include "trace.h"

/* Check claims against cfg for the PAM user at time now (user NULL: the
 * user check is reported as skipped).  PB_OK or PB_REJECTED with the verdict
 * of the first failing check.  With a trace, every check runs and reports. */
enum pb_status pb_claims_check(const struct pb_config *cfg, json_t *claims, const char *user,
                               time_t now, const struct pb_trace *trace, struct pb_verdict *verdict);

/* require_claim's NAME=VALUE list (NAME may be a dotted path) against
 * claims: PB_OK or PB_REJECTED (required-claim). */
enum pb_status pb_claims_required(const struct pb_strlist *required, json_t *claims, const struct pb_trace *trace,
                                  struct pb_verdict *verdict);

/* max_token_age of cfg alone (0: PB_OK). */
enum pb_status pb_claims_fresh(const struct pb_config *cfg, json_t *claims, time_t now, const struct pb_trace *trace,
                               struct pb_verdict *verdict);

/* Read a NumericDate (integer or finite real seconds).  0 on success. */
int pb_claims_numeric_date(json_t *value, long long *out);

#endif
