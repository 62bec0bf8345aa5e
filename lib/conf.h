/* The configuration layer: the one reader of pam_bearer.conf and of the
 * module line.  Each line goes to the table that owns it: top-level lines to
 * the module's options (options.def), "[authority NAME]" sections to
 * authority.def; a new kind of section is one more row in conf.c. */
#ifndef PB_CONF_H
#define PB_CONF_H

#include <stddef.h>

#include "authority.h"
#include "log.h"
#include "options.h"

/* The module's options: defaults, then the configuration file (config= on
 * the module line, else the default path, which may be absent), then the
 * module arguments, then the checks of the whole.  A missing file named
 * explicitly is an error.  Problems are logged. */
enum pb_status pb_conf_load_options(struct pb_config *cfg, int argc, const char **argv, struct pb_log *log);

/* Only the file's top-level lines, applied to cfg (no defaults, no checks). */
enum pb_status pb_conf_read(struct pb_config *cfg, const char *path, int required, const struct pb_log *log);

/* The section [authority name] (NULL: the first) of path, checked.
 * PB_UNAVAILABLE if there is no such section, PB_CONFIG (logged, with file
 * and line) if it is wrong. */
enum pb_status pb_conf_load_authority(const char *path, const char *name, struct pb_authority *out,
                                      const struct pb_log *log);

/* The names of every authority section, in file order, as "name\n" lines. */
enum pb_status pb_conf_list_authorities(const char *path, char *out, size_t cap, const struct pb_log *log);

#endif
