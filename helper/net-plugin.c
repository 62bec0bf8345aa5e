/* The network plugin's one exported table. */
#include "config.h"

#include "commands.h"
#include "http.h"
#include "net-plugin.h"

static const struct pb_http_ops *
curl_provider(const struct pb_log *log)
{
    (void) log;
    return &pb_http_curl_ops;
}

static int
verify_main(int argc, char **argv)
{
    pb_http_set_provider(curl_provider);
    return pb_cmd_verify(argc, argv);
}

static enum pb_x_result
login(const struct pb_authority *a, const char *user, const char *password, long long now,
      struct pb_tokens *out, const struct pb_log *log)
{
    pb_http_set_provider(curl_provider);
    return pb_exchange_login(a, user, password, now, out, log);
}

static enum pb_x_result
refresh(const struct pb_authority *a, const struct pb_tokens *in, long long now, struct pb_tokens *out,
        const struct pb_log *log)
{
    pb_http_set_provider(curl_provider);
    return pb_exchange_refresh(a, in, now, out, log);
}

static enum pb_x_result
revoke(const struct pb_authority *a, const struct pb_tokens *in, const struct pb_log *log)
{
    pb_http_set_provider(curl_provider);
    return pb_exchange_revoke(a, in, log);
}

__attribute__((visibility("default"))) const struct pb_net_plugin pb_net_plugin_v1 = {
    PB_NET_PLUGIN_VERSION, verify_main, login, refresh, revoke,
};
