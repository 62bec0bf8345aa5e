/* bearer-token: the subcommands and what they share. */
#ifndef PB_HELPER_COMMANDS_H
#define PB_HELPER_COMMANDS_H

/* Exit codes every subcommand uses (documented in bearer-token(1)). */
enum pb_exit {
    PB_EXIT_OK = 0,          /* done: the token is accepted */
    PB_EXIT_REJECTED = 1,    /* the token is refused */
    PB_EXIT_UNDECIDED = 2,   /* could not decide: no usable keys, bad configuration */
    PB_EXIT_USAGE = 64       /* the command line is wrong */
};

struct pb_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

int pb_cmd_verify(int argc, char **argv);

#endif
