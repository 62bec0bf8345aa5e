/* bearer-token's flags: the table of flags.def, and the getopt_long and
 * --help each command builds from it. */
#ifndef PB_HELPER_FLAGS_H
#define PB_HELPER_FLAGS_H

#include <getopt.h>
#include <stdio.h>

enum pb_flag {
#define PB_FLAG(id, name, letter, argument, option, commands, help) PB_FLAG_##id,
#include "flags.def"
#undef PB_FLAG
    PB_FLAG_COUNT
};

/* What pb_flags_next returns besides a flag. */
#define PB_FLAGS_END (-1)   /* no more flags: the operands start at optind */
#define PB_FLAGS_BAD (-2)   /* unknown, not this command's, or missing its argument */

struct pb_flag_info {
    const char *name;
    int letter;
    const char *argument;   /* NULL: the flag takes none */
    const char *option;     /* the options.def key it stands for, or NULL */
    const char *commands;   /* the commands that take it, space-separated */
    const char *help;
};

extern const struct pb_flag_info pb_flags[PB_FLAG_COUNT];

/* One command's getopt_long state, built from the table. */
struct pb_flag_parser {
    const char *command;
    int argc;
    char **argv;
    struct option longopts[PB_FLAG_COUNT + 1];
    char shortopts[3 * PB_FLAG_COUNT + 1];
};

/* Nonzero when COMMAND takes FLAG. */
int pb_flags_takes(const char *command, enum pb_flag flag);

/* Build P for COMMAND's flags and restart getopt on ARGV (argv[0] is the
 * command's name).  P keeps pointers to COMMAND and ARGV. */
void pb_flags_begin(struct pb_flag_parser *p, const char *command, int argc, char **argv);

/* The next flag on the command line, with its argument in *ARG (NULL when
 * it takes none); PB_FLAGS_END or PB_FLAGS_BAD (getopt has said why on
 * standard error). */
int pb_flags_next(struct pb_flag_parser *p, const char **arg);

/* COMMAND's --help: a usage line of its flags and OPERANDS (may be ""), the
 * line ABOUT, one entry per flag with its help, then NOTES (ABOUT and NOTES
 * may be NULL; NOTES ends in a newline). */
void pb_flags_usage(FILE *out, const char *command, const char *operands, const char *about,
                    const char *notes);

#endif
