/* The OAuth 2.0 device authorization grant (RFC 8628): ask the authority
 * for a device code, show the user where to approve it, and poll the token
 * endpoint until they have.  The clock and the waiting between polls are
 * the caller's (struct pb_device_waiter), so that the module can wait on a
 * prompt, bearer-token on a sleep, and tests on nothing at all. */
#ifndef PB_DEVICE_H
#define PB_DEVICE_H

#include "authority.h"
#include "http.h"
#include "log.h"
#include "status.h"
#include "tokencache.h"

#define PB_DEVICE_GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"

/* Bounds on what the authority hands out, checked before anything is kept. */
#define PB_DEVICE_MAX_CODE 2048         /* device_code, a secret */
#define PB_DEVICE_MAX_USER_CODE 64      /* what the user types on the other device */
#define PB_DEVICE_MAX_URI 1024          /* verification_uri(_complete) */
#define PB_DEVICE_DEFAULT_INTERVAL 5    /* RFC 8628 3.2 */
#define PB_DEVICE_MAX_INTERVAL 300      /* an interval beyond it is taken as this */
#define PB_DEVICE_SLOW_DOWN 5           /* RFC 8628 3.5: added on each slow_down */
#define PB_DEVICE_MAX_EXPIRES 86400     /* a longer expires_in is taken as this */

struct pb_device_grant {
    char *device_code;                  /* secret: never logged, wiped */
    char user_code[PB_DEVICE_MAX_USER_CODE + 1];
    char verification_uri[PB_DEVICE_MAX_URI + 1];
    char verification_uri_complete[PB_DEVICE_MAX_URI + 1];  /* "" when not given */
    char token_endpoint[PB_DEVICE_MAX_URI + 1];             /* where to poll */
    long long started;                  /* when the code was obtained */
    long long expires;                  /* when the code stops working */
    long interval;                      /* seconds between polls, grows on slow_down */
};

/* Ask a's device authorization endpoint (device_path, else the
 * device_authorization_endpoint and token_endpoint of the discovery document
 * at url/.well-known/openid-configuration) for a code.  now: the caller's
 * clock, in seconds since the epoch.  Every field of the answer is bounded
 * and checked (visible ASCII, URLs by the HTTP policy).  PB_OK with g filled
 * (pb_device_clear); PB_UNAVAILABLE (no usable answer), PB_CONFIG (our
 * client or section is wrong), PB_REJECTED (the authority refused). */
enum pb_status pb_device_start(const struct pb_http_ops *http, const struct pb_authority *a, long long now,
                               struct pb_device_grant *g, const struct pb_log *log);

/* Wipe the device code. */
void pb_device_clear(struct pb_device_grant *g);

enum pb_device_outcome {
    PB_DEVICE_APPROVED,     /* tokens in out */
    PB_DEVICE_DENIED,       /* access_denied */
    PB_DEVICE_EXPIRED,      /* expired_token, or expires_in passed */
    PB_DEVICE_TIMEOUT,      /* the caller's deadline passed first */
    PB_DEVICE_CANCELLED,    /* the waiter said stop (a failed prompt) */
    PB_DEVICE_FAILED        /* no usable answer, or another error */
};

struct pb_device_waiter {
    /* Seconds since the epoch (tokens keep their expiry in that clock). */
    long long (*now)(void *arg);
    /* Wait at least seconds (0: need not wait) before poll number round
     * (from 0).  Non-zero: stop waiting (PB_DEVICE_CANCELLED).  Returning
     * early is harmless: nothing is sent before the interval has passed. */
    int (*pause)(void *arg, long seconds, int round);
    void *arg;
};

/* Poll g's token endpoint until the code is approved, refused or expired,
 * or deadline (the waiter's clock) passes, never sooner than g->interval
 * after the last poll (or the start): the clock counts whole seconds, so
 * the next poll waits for interval + 1 seconds on it.  slow_down adds PB_DEVICE_SLOW_DOWN
 * seconds to g->interval.  APPROVED with out filled (pb_tokens_clear). */
enum pb_device_outcome pb_device_wait(const struct pb_http_ops *http, const struct pb_authority *a,
                                      struct pb_device_grant *g, const struct pb_device_waiter *w,
                                      long long deadline, struct pb_tokens *out, const struct pb_log *log);

/* "approved", "denied", ... for messages. */
const char *pb_device_outcome_name(enum pb_device_outcome o);
/* APPROVED: PB_OK; DENIED, EXPIRED, TIMEOUT: PB_REJECTED; CANCELLED,
 * FAILED: PB_UNAVAILABLE. */
enum pb_status pb_device_status(enum pb_device_outcome o);

#endif
