/* Reading pam_bearer.conf: "key = value" lines, '#' comments, and named
 * sections ("[authority NAME]") that only bearer-token reads. */
#ifndef PB_CONF_H
#define PB_CONF_H

#include <stddef.h>

#include "log.h"
#include "options.h"

/* Longest section name: letters, digits, '.', '_' and '-'. */
#define PB_SECTION_NAME_MAX 63

/* One "key = value" line (value NULL for a bare word), with the section it is
 * in (NULL before the first one); a section header itself comes with key NULL.  Return PB_OK to go on; anything else stops
 * the walk, after the callback has written why into err. */
typedef enum pb_status (*pb_conf_line_fn)(void *ctx, const char *section, const char *key,
                                          const char *value, char *err, size_t errlen);

/* Walk every line of path.  If the file does not exist and !required, nothing
 * happens.  Errors are logged with the file and line. */
enum pb_status pb_conf_walk(const char *path, int required, pb_conf_line_fn on_line, void *ctx,
                            const struct pb_log *log);

/* Non-zero if key is one of the module's options (options.def). */
int pb_conf_is_module_option(const char *key);

/* Apply the lines before the first section to cfg: the module's options. */
enum pb_status pb_conf_read(struct pb_config *cfg, const char *path, int required,
                            const struct pb_log *log);

#endif
