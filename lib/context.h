/* What one decision may use besides its input: the configuration, the log,
 * the clock, and the collaborators the program hands in.  Nothing in lib/
 * finds these through a global: the module (pam/) and bearer-token
 * (helper/) each fill one in, and tests fill in their own. */
#ifndef PB_CONTEXT_H
#define PB_CONTEXT_H

#include <time.h>

#include "log.h"
#include "options.h"
#include "status.h"

struct pb_keyset;
struct pb_http_ops;
struct pb_ldap_ops;
struct pb_login_ctx;
struct pb_metrics;
struct pb_journal;

/* The keys for a token, shared (pb_keyset_release).  refresh: the token
 * names a kid the keys lack; *out is a newer set or NULL (with PB_OK). */
typedef enum pb_status (*pb_key_source_fn)(const struct pb_login_ctx *ctx, int refresh,
                                           struct pb_keyset **out);
/* A plugin's table, loaded on first use; NULL (logged) when it cannot be. */
typedef const struct pb_http_ops *(*pb_http_loader_fn)(const struct pb_log *log);
typedef const struct pb_ldap_ops *(*pb_ldap_loader_fn)(const struct pb_log *log);

struct pb_login_ctx {
    const struct pb_config *cfg;
    const struct pb_log *log;
    time_t now;                 /* the clock, read once by the caller */
    pb_key_source_fn keys;      /* pb_jwks_get (jwks-source.h) */
    pb_http_loader_fn http;     /* NULL: this program fetches nothing over HTTP */
    pb_ldap_loader_fn ldap;     /* NULL: no password backend */
    struct pb_metrics *metrics; /* host-wide counters (metrics.h); NULL: not counted */
    const struct pb_journal *journal;   /* decisions with fields (journal.h); NULL: the log only */
};

#endif
