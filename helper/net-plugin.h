/* bearer-token's network plugin (bearer-token-net.so): everything that needs
 * libcurl or libcrypto.  bearer-token itself links neither, so that printing
 * a cached token costs a process start with libc and jansson only. */
#ifndef PB_NET_PLUGIN_H
#define PB_NET_PLUGIN_H

#include "authority.h"
#include "exchange.h"
#include "log.h"
#include "tokencache.h"

#define PB_NET_PLUGIN_VERSION 3   /* 2: results are enum pb_status; 3: device_login */
#define PB_NET_PLUGIN_SYMBOL "pb_net_plugin_v1"
#define PB_NET_PLUGIN_ENV "BEARER_TOKEN_PLUGIN"

struct pb_net_plugin {
    unsigned version;           /* PB_NET_PLUGIN_VERSION */
    int (*verify_main)(int argc, char **argv);
    enum pb_status (*login)(const struct pb_authority *a, const char *user, const char *password,
                            long long now, struct pb_tokens *out, const struct pb_log *log);
    enum pb_status (*refresh)(const struct pb_authority *a, const struct pb_tokens *in, long long now,
                              struct pb_tokens *out, const struct pb_log *log);
    enum pb_status (*revoke)(const struct pb_authority *a, const struct pb_tokens *in,
                             const struct pb_log *log);
    /* The device authorization grant: show the URL and code on standard
     * output (and a QR code when it is a terminal), wait for approval at
     * most timeout seconds, tokens for user in out (cmd-device.c). */
    enum pb_status (*device_login)(const struct pb_authority *a, const char *user, long timeout,
                                   struct pb_tokens *out, const struct pb_log *log);
};

/* Load the plugin on first use (PB_NET_PLUGIN_ENV overrides where it is, for
 * running from the build tree; lib/plugin.c does the loading).  NULL, with
 * a message in log, if it is missing or not trustworthy. */
const struct pb_net_plugin *pb_net_plugin(const struct pb_log *log);

#endif
