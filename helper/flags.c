/* bearer-token's flags: each command's getopt_long array, option string and
 * --help, built from the one table in flags.def. */
#include "config.h"

#include <string.h>

#include "flags.h"

/* getopt_long's value for a long flag: past every letter. */
#define LONG_BASE 256

const struct pb_flag_info pb_flags[PB_FLAG_COUNT] = {
#define PB_FLAG(id, name, letter, argument, option, commands, help) \
    { name, letter, argument, option, commands, help },
#include "flags.def"
#undef PB_FLAG
};

int
pb_flags_takes(const char *command, enum pb_flag flag)
{
    size_t len = strlen(command);
    const char *p = pb_flags[flag].commands;

    while (*p != '\0') {
        size_t word = strcspn(p, " ");
        if (word == len && strncmp(p, command, len) == 0)
            return 1;
        p += word;
        p += strspn(p, " ");
    }
    return 0;
}

void
pb_flags_begin(struct pb_flag_parser *p, const char *command, int argc, char **argv)
{
    size_t nlong = 0, nshort = 0;

    memset(p, 0, sizeof(*p));
    p->command = command;
    p->argc = argc;
    p->argv = argv;
    for (int i = 0; i < PB_FLAG_COUNT; i++) {
        if (!pb_flags_takes(command, (enum pb_flag) i))
            continue;
        p->longopts[nlong].name = pb_flags[i].name;
        p->longopts[nlong].has_arg = pb_flags[i].argument != NULL ? required_argument : no_argument;
        p->longopts[nlong].flag = NULL;
        p->longopts[nlong].val = LONG_BASE + i;
        nlong++;
        if (pb_flags[i].letter != 0) {
            p->shortopts[nshort++] = (char) pb_flags[i].letter;
            if (pb_flags[i].argument != NULL)
                p->shortopts[nshort++] = ':';
        }
    }
    p->shortopts[nshort] = '\0';
    optind = 1;
}

int
pb_flags_next(struct pb_flag_parser *p, const char **arg)
{
    int c = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);

    *arg = optarg;
    if (c == -1)
        return PB_FLAGS_END;
    if (c >= LONG_BASE && c < LONG_BASE + PB_FLAG_COUNT)
        return c - LONG_BASE;
    /* A letter getopt accepted is one of this command's flags. */
    for (int i = 0; c != '?' && c != ':' && i < PB_FLAG_COUNT; i++)
        if (pb_flags[i].letter == c && pb_flags_takes(p->command, (enum pb_flag) i))
            return i;
    return PB_FLAGS_BAD;
}

/* "-c, --config FILE" or "    --json": the flag column of --help. */
static int
flag_column(char *out, size_t cap, const struct pb_flag_info *f)
{
    char letter[8] = "    ";

    if (f->letter != 0)
        snprintf(letter, sizeof(letter), "-%c, ", f->letter);
    return snprintf(out, cap, "%s--%s%s%s", letter, f->name, f->argument ? " " : "",
                    f->argument ? f->argument : "");
}

/* The words of TEXT (separated by SEP) from column AT on, each after a
 * space, wrapped before column 80 onto lines that start with INDENT spaces. */
static void
wrap(FILE *out, const char *text, char sep, int at, int indent)
{
    const char seps[2] = { sep, '\0' };

    for (int first = 1; *text != '\0'; first = 0) {
        int word = (int) strcspn(text, seps);

        if (!first && at + 1 + word > 79) {
            at = fprintf(out, "\n%*s", indent, "") - 1;
        } else {
            fputc(' ', out);
            at++;
        }
        at += fprintf(out, "%.*s", word, text);
        text += word;
        text += strspn(text, seps);
    }
    fputc('\n', out);
}

void
pb_flags_usage(FILE *out, const char *command, const char *operands, const char *about, const char *notes)
{
    char column[64], synopsis[1024] = "";
    size_t used = 0;
    int width = 0, at;

    /* The synopsis: "[--name ARG]" for each flag but --help, then the
     * operands; it wraps between those, never inside one. */
    for (int i = 0; i < PB_FLAG_COUNT; i++) {
        const struct pb_flag_info *f = &pb_flags[i];
        int len;

        if (!pb_flags_takes(command, (enum pb_flag) i))
            continue;
        len = flag_column(column, sizeof(column), f);
        if (len > width)
            width = len;
        if (i != PB_FLAG_HELP && used < sizeof(synopsis))
            used += (size_t) snprintf(synopsis + used, sizeof(synopsis) - used, "[--%s%s%s]\t", f->name,
                                      f->argument ? " " : "", f->argument ? f->argument : "");
    }
    if (used < sizeof(synopsis))
        snprintf(synopsis + used, sizeof(synopsis) - used, "%s", operands);
    at = fprintf(out, "usage: bearer-token %s", command);
    wrap(out, synopsis, '\t', at, at + 1);
    if (about != NULL)
        fprintf(out, "%s\n", about);
    fputc('\n', out);
    for (int i = 0; i < PB_FLAG_COUNT; i++) {
        if (!pb_flags_takes(command, (enum pb_flag) i))
            continue;
        flag_column(column, sizeof(column), &pb_flags[i]);
        at = fprintf(out, "  %-*s ", width, column);
        wrap(out, pb_flags[i].help, ' ', at, at + 1);
    }
    if (notes != NULL)
        fprintf(out, "\n%s", notes);
}
