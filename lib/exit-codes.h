/* bearer-token's exit codes, shared with the module, which runs it at login
 * and logout and acts on how it ended. */
#ifndef PB_EXIT_CODES_H
#define PB_EXIT_CODES_H

/* Exit codes every subcommand uses (documented in bearer-token(1)). */
enum pb_exit {
    PB_EXIT_OK = 0,             /* done: the token is accepted, printed, renewed, revoked */
    PB_EXIT_REJECTED = 1,       /* the token (verify) or the password (login) is refused */
    PB_EXIT_UNDECIDED = 2,      /* verify could not decide: no usable keys, bad configuration */
    PB_EXIT_LOGIN_REQUIRED = 3, /* no tokens, or they can no longer be renewed: log in */
    PB_EXIT_UNREACHABLE = 4,    /* the authority did not answer usefully; nothing was lost */
    PB_EXIT_CACHE = 5,          /* the cache is unsafe (link, owner, mode) or damaged */
    PB_EXIT_CONFIG = 6,         /* the configuration (or an authority section) is wrong */
    PB_EXIT_USAGE = 64          /* the command line is wrong */
};

#endif
