/* bearer-token: dispatch to a subcommand.  An ordinary, setuid-free program
 * that runs with the rights of whoever starts it.  It links neither libcurl
 * nor libcrypto: what needs them is in bearer-token-net.so, loaded on use. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "commands.h"
#include "net-plugin.h"
#include "plugin.h"

const struct pb_net_plugin *
pb_net_plugin(const struct pb_log *log)
{
    static struct pb_plugin net = { PB_NET_PLUGIN_PATH, PB_NET_PLUGIN_SYMBOL, PB_NET_PLUGIN_VERSION, NULL };
    const char *path = getenv(PB_NET_PLUGIN_ENV);

    if (net.table == NULL && path != NULL && path[0] == '/')
        net.file = path;
    return pb_plugin_load(&net, log);
}

static int
verify(int argc, char **argv)
{
    const struct pb_log log = { pb_log_helper_sink, NULL, 0 };
    const struct pb_net_plugin *net = pb_net_plugin(&log);

    return net != NULL ? net->verify_main(argc, argv) : pb_helper_exit(PB_STEP_VERIFY, PB_CONFIG);
}

static const struct pb_command commands[] = {
    { "login", pb_cmd_login, "obtain tokens from the authority with your user name and password" },
    { "get", pb_cmd_get, "print the current access token, renewing it first if it is due" },
    { "header", pb_cmd_header, "print the whole Authorization header in the authority's scheme" },
    { "status", pb_cmd_status, "show who is logged in where, and when the tokens expire" },
    { "refresh", pb_cmd_refresh, "renew the access token now" },
    { "logout", pb_cmd_logout, "revoke the tokens at the authority and remove them" },
    { "askpass", pb_cmd_askpass, "print the current token, or the part a \"Token part N\" prompt asks for (SSH_ASKPASS)" },
    { "store", pb_cmd_store, "cache a token read from standard input (the one you logged in with), and its refresh token" },
    { "metrics", pb_cmd_metrics, "print the module's host-wide counters for Prometheus (or a --summary)" },
    { "verify", verify, "check a token exactly as pam_bearer.so would, and say why" },
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
    /* It may hold a password or a refresh token: no core file, and no
     * ptrace or /proc/PID/mem for the user's other processes. */
    {
        const struct rlimit no_core = { 0, 0 };
        if (prctl(PR_SET_DUMPABLE, 0) != 0 || setrlimit(RLIMIT_CORE, &no_core) != 0) {
            perror("bearer-token: cannot protect its memory");
            return PB_EXIT_USAGE;
        }
    }
    /* Installed as bearer-token-askpass, it is SSH_ASKPASS: the one argument is ssh's prompt. */
    {
        const char *base = strrchr(argv[0], '/');
        if (strcmp(base ? base + 1 : argv[0], "bearer-token-askpass") == 0)
            return pb_cmd_askpass(argc, argv);
    }
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
