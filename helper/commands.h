/* bearer-token: the subcommands and what they share. */
#ifndef PB_HELPER_COMMANDS_H
#define PB_HELPER_COMMANDS_H

#include "exit-codes.h"
#include "status.h"
#include "tokencache.h"

#include "context.h"

struct pb_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

/* verify runs in the network plugin, which hands it libcurl's table. */
int pb_cmd_verify(int argc, char **argv, pb_http_loader_fn http);
int pb_cmd_login(int argc, char **argv);
/* cmd-device.c, in the network plugin: login --device's exchange. */
struct pb_authority;
enum pb_status pb_cmd_device_login(const struct pb_authority *a, const char *user, long timeout,
                                   struct pb_tokens *out, const struct pb_log *log);
int pb_cmd_get(int argc, char **argv);
int pb_cmd_header(int argc, char **argv);
int pb_cmd_status(int argc, char **argv);
int pb_cmd_refresh(int argc, char **argv);
int pb_cmd_logout(int argc, char **argv);
int pb_cmd_askpass(int argc, char **argv);
int pb_cmd_store(int argc, char **argv);
int pb_cmd_metrics(int argc, char **argv);

/* exit.c: the one table from an outcome to an exit status. */
enum pb_helper_step { PB_STEP_VERIFY, PB_STEP_LOGIN, PB_STEP_RENEW, PB_STEP_REVOKE };
int pb_helper_exit(enum pb_helper_step step, enum pb_status status);
int pb_helper_cache_exit(enum pb_cache_result r);

#endif
