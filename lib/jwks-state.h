/* The key cache's memory between processes: back-off, Retry-After, the
 * fill's lifetime and the validators of the cached set, in one small text
 * file beside the set in cache_dir (jwks-HASH.state, see jwks-source.c). */
#ifndef PB_JWKS_STATE_H
#define PB_JWKS_STATE_H

#include "http.h"
#include "jwks-fetch-policy.h"
#include "log.h"

/* Larger state files are refused unread. */
#define PB_JWKS_STATE_MAX_BYTES 1024

struct pb_jwks_saved {
    struct pb_jwks_state st;    /* fresh_until is informative: the set's mtime rules */
    char etag[PB_HTTP_ETAG_MAX + 1];                    /* "" for none */
    char last_modified[PB_HTTP_DATE_MAX + 1];           /* "" for none */
};

/* Read path into *out.  Returns 0 when read; -1 (and *out all zero) when
 * absent, or refused and logged: not a regular file, not the caller's, open
 * to others, too large, or not exactly the format _write writes. */
int pb_jwks_state_read(const char *path, struct pb_jwks_saved *out, const struct pb_log *log);

/* Write *in to path: a new 0600 file under a temporary name in the same
 * directory, synced, renamed over the old one.  0 or -1 (logged). */
int pb_jwks_state_write(const char *path, const struct pb_jwks_saved *in, const struct pb_log *log);

#endif
