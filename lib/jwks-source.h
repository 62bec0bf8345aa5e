/* Keys from the configured source: a file, or the authority's URL through
 * the host's on-disk cache (see jwks-source.c for the layout). */
#ifndef PB_JWKS_SOURCE_H
#define PB_JWKS_SOURCE_H

#include <time.h>

#include "context.h"
#include "keyset.h"
#include "log.h"
#include "options.h"
#include "status.h"

/* Does the configuration fetch keys over HTTP (jwks=URL or discovery)? */
int pb_jwks_is_remote(const struct pb_config *cfg);

/* The current key set, shared: give it back with pb_keyset_release.
 * Fresh cached keys cost a stat and a read; stale or missing ones are
 * fetched once per host under a lock (at most once per
 * jwks_refetch_interval, conditionally when validators are cached, later
 * after failures: back-off and Retry-After, see jwks-fetch-policy.h), and
 * stale keys serve while the authority fails, up to jwks_stale_limit; then
 * PB_UNAVAILABLE.
 * Fetches go through ctx->http (NULL: none).  A pb_key_source_fn.
 * refresh: a token named a kid the keys lack.  Fetch again if the rate limit
 * allows; *out is the new set, or NULL (with PB_OK) when there is none. */
enum pb_status pb_jwks_get(const struct pb_login_ctx *ctx, int refresh, struct pb_keyset **out);

#endif
