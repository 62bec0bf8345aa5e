/* The HTTP URL policy through libcurl's URL API: what is checked is what
 * libcurl will connect to, because the request uses the same parsed handle. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "url-policy.h"
#include "url-policy-curl.h"

enum pb_status
pb_url_policy_curl(const char *url, CURLU **out, char *why, size_t whylen)
{
    /* Each of these is present when libcurl answers anything but its "no ..." code. */
    static const struct {
        CURLUPart part;
        CURLUcode absent;
    } credentials[] = {
        { CURLUPART_USER, CURLUE_NO_USER },
        { CURLUPART_PASSWORD, CURLUE_NO_PASSWORD },
        { CURLUPART_OPTIONS, CURLUE_NO_OPTIONS },
    };
    CURLU *h = curl_url();
    char *scheme = NULL, *host = NULL;
    enum pb_status status = PB_UNAVAILABLE;
    CURLUcode rc;

    *out = NULL;
    if (h == NULL) {
        snprintf(why, whylen, "out of memory");
        status = PB_NOMEM;
        goto done;
    }
    if ((rc = curl_url_set(h, CURLUPART_URL, url, 0)) != CURLUE_OK) {
        snprintf(why, whylen, "not a URL libcurl accepts (%s)", curl_url_strerror(rc));
        goto done;
    }
    for (size_t i = 0; i < sizeof(credentials) / sizeof(credentials[0]); i++) {
        char *v = NULL;
        rc = curl_url_get(h, credentials[i].part, &v, 0);
        curl_free(v);
        if (rc != credentials[i].absent) {
            snprintf(why, whylen, "user information (user@) is not allowed in a URL");
            goto done;
        }
    }
    if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK
        || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)) {
        snprintf(why, whylen, "expected an https:// or http:// URL");
        goto done;
    }
    if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
        snprintf(why, whylen, "no host");
        goto done;
    }
    if (strcmp(scheme, "http") == 0 && !pb_url_host_is_loopback(host)) {
        snprintf(why, whylen, "plain http:// is allowed to loopback addresses only");
        goto done;
    }
    *out = h;
    h = NULL;
    status = PB_OK;
done:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(h);
    return status;
}
