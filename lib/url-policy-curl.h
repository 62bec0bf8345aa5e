/* The HTTP URL policy through libcurl's own parser (lib/url-policy-curl.c,
 * in libbearer-http.la): the request then uses the very handle checked. */
#ifndef PB_URL_POLICY_CURL_H
#define PB_URL_POLICY_CURL_H

#include <stddef.h>

#include <curl/curl.h>

#include "status.h"

/* Parse url with curl_url(): http or https, no user, password or login
 * options, a host, and plain http only to loopback.  PB_OK with *out the
 * parsed handle (free with curl_url_cleanup), else PB_UNAVAILABLE with the
 * reason in why (PB_NOMEM when libcurl cannot allocate). */
enum pb_status pb_url_policy_curl(const char *url, CURLU **out, char *why, size_t whylen);

#endif
