/* bearer-token: dispatch to a subcommand.  An ordinary, setuid-free program
 * that runs with the rights of whoever starts it. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "http.h"

/* The helper links libcurl itself: it is not on any login's warm path. */
static const struct pb_http_ops *
helper_http_ops(const struct pb_log *log)
{
    (void) log;
    return &pb_http_curl_ops;
}

static const struct pb_command commands[] = {
    { "verify", pb_cmd_verify, "check a token exactly as pam_bearer.so would, and say why" },
};

static void
usage(FILE *out)
{
    fprintf(out, "usage: bearer-token COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'bearer-token COMMAND --help' describes one command; see bearer-token(1).\n");
}

int
main(int argc, char **argv)
{
    /* Never a privileged helper: it would read files and keys for its caller. */
    if (getuid() != geteuid() || getgid() != getegid()) {
        fprintf(stderr, "bearer-token: refusing to run set-user-ID or set-group-ID\n");
        return PB_EXIT_USAGE;
    }
    pb_http_set_provider(helper_http_ops);
    if (argc < 2) {
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return PB_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("bearer-token (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
        return PB_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "bearer-token: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return PB_EXIT_USAGE;
}
