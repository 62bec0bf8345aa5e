/* Talking to a token authority: login, renewal and revocation, driven by the
 * data in struct pb_authority.  Used by bearer-token only (through its
 * network plugin); the module never sends a password over HTTP. */
#ifndef PB_EXCHANGE_H
#define PB_EXCHANGE_H

#include "authority.h"
#include "http.h"
#include "log.h"
#include "tokencache.h"

/* Each returns PB_OK; PB_REJECTED when the authority said no (wrong
 * password, refresh token invalid); PB_UNAVAILABLE when there was no usable
 * answer (network, TLS, timeout, 5xx, nonsense); PB_CONFIG when our side is
 * wrong (client secret, configuration).  Requests go through http (the
 * caller's libcurl table). */

enum pb_status pb_exchange_login(const struct pb_http_ops *http, const struct pb_authority *a, const char *user,
                                 const char *password, long long now, struct pb_tokens *out,
                                 const struct pb_log *log);

/* in->refresh must be set; out keeps in's refresh token if the reply has none
 * (RFC 6749 section 6 lets the authority keep it). */
enum pb_status pb_exchange_refresh(const struct pb_http_ops *http, const struct pb_authority *a,
                                   const struct pb_tokens *in, long long now, struct pb_tokens *out,
                                   const struct pb_log *log);

/* PB_OK also when there is nothing to revoke or the token was already dead. */
enum pb_status pb_exchange_revoke(const struct pb_http_ops *http, const struct pb_authority *a,
                                  const struct pb_tokens *in, const struct pb_log *log);

/* A form POST to endpoint (a path below the authority's url, or a URL) with
 * the client's authentication: HTTP Basic (client_auth=basic), else
 * client_id in the form when one is set (a public client, RFC 6749 2.3).
 * fields: NAME, VALUE pairs ending with NULL; values may be secrets (wiped).
 * PB_OK with resp holding the answer whatever its HTTP status (free with
 * pb_http_response_clear); PB_UNAVAILABLE or PB_CONFIG as above. */
enum pb_status pb_exchange_form(const struct pb_http_ops *http, const struct pb_authority *a, const char *what,
                                const char *endpoint, const char *const *fields, struct pb_http_response *resp,
                                const struct pb_log *log);

/* A GET of endpoint (no credentials), the answer bounded like a token
 * reply: PB_OK with resp whatever its HTTP status, or PB_UNAVAILABLE. */
enum pb_status pb_exchange_fetch(const struct pb_http_ops *http, const struct pb_authority *a, const char *what,
                                 const char *endpoint, struct pb_http_response *resp, const struct pb_log *log);

/* A token endpoint's successful answer into out (access_field, refresh_field,
 * the expiry fields; the earliest expiry wins).  PB_OK or PB_UNAVAILABLE. */
enum pb_status pb_exchange_tokens(const struct pb_authority *a, const struct pb_http_response *resp, long long now,
                                  struct pb_tokens *out, const struct pb_log *log);

/* Non-zero when s (len bytes) is 1 to max bytes of visible ASCII, as a
 * token or a code from an authority must be before it goes into a header,
 * a form or a prompt. */
int pb_exchange_visible(const char *s, size_t len, size_t max);

/* The token's own exp claim (no signature check: the token came over TLS
 * from the authority), or -1. */
long long pb_exchange_jwt_exp(const char *token);

#endif
