/* pam_bearer-http.so: the symbols the module looks up. */
#include "config.h"

#include "http.h"
#include "qr.h"

__attribute__((visibility("default"))) const struct pb_http_ops pb_http_ops_v2 = {
    PB_HTTP_OPS_VERSION,
    pb_http_curl_get,
};

/* Device logins draw the verification URL as a QR code in the prompt. */
__attribute__((visibility("default"))) const struct pb_qr_ops pb_qr_ops_v1 = {
    PB_QR_OPS_VERSION,
    pb_qr_text,
};
