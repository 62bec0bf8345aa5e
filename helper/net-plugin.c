/* The network plugin's one exported table: what needs libcurl or libcrypto,
 * each call handing the core libcurl's table explicitly. */
#include "config.h"

#include "commands.h"
#include "http.h"
#include "net-plugin.h"

/* libcurl is linked into this plugin: nothing to load. */
static const struct pb_http_ops *
curl_ops(const struct pb_log *log)
{
    (void) log;
    return &pb_http_curl_ops;
}

static int
verify_main(int argc, char **argv)
{
    return pb_cmd_verify(argc, argv, curl_ops);
}

static enum pb_status
login(const struct pb_authority *a, const char *user, const char *password, long long now,
      struct pb_tokens *out, const struct pb_log *log)
{
    return pb_exchange_login(&pb_http_curl_ops, a, user, password, now, out, log);
}

static enum pb_status
refresh(const struct pb_authority *a, const struct pb_tokens *in, long long now, struct pb_tokens *out,
        const struct pb_log *log)
{
    return pb_exchange_refresh(&pb_http_curl_ops, a, in, now, out, log);
}

static enum pb_status
revoke(const struct pb_authority *a, const struct pb_tokens *in, const struct pb_log *log)
{
    return pb_exchange_revoke(&pb_http_curl_ops, a, in, log);
}

__attribute__((visibility("default"))) const struct pb_net_plugin pb_net_plugin_v1 = {
    PB_NET_PLUGIN_VERSION, verify_main, login, refresh, revoke, pb_cmd_device_login,
};
