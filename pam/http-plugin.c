/* pam_bearer-http.so: the one symbol the module looks up. */
#include "config.h"

#include "http.h"

__attribute__((visibility("default"))) const struct pb_http_ops pb_http_ops_v2 = {
    PB_HTTP_OPS_VERSION,
    pb_http_curl_get,
};
