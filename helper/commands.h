/* bearer-token: the subcommands and what they share. */
#ifndef PB_HELPER_COMMANDS_H
#define PB_HELPER_COMMANDS_H

#include "exit-codes.h"

struct pb_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

int pb_cmd_verify(int argc, char **argv);
int pb_cmd_login(int argc, char **argv);
int pb_cmd_get(int argc, char **argv);
int pb_cmd_header(int argc, char **argv);
int pb_cmd_status(int argc, char **argv);
int pb_cmd_refresh(int argc, char **argv);
int pb_cmd_logout(int argc, char **argv);
int pb_cmd_askpass(int argc, char **argv);
int pb_cmd_store(int argc, char **argv);

#endif
