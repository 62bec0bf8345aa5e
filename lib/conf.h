/* Reading pam_bearer.conf: "key = value" lines, '#' comments. */
#ifndef PB_CONF_H
#define PB_CONF_H

#include "log.h"
#include "options.h"

/* Apply every line of path to cfg.  If the file does not exist and !required,
 * nothing happens.  Errors name the file and line. */
enum pb_status pb_conf_read(struct pb_config *cfg, const char *path, int required,
                            const struct pb_log *log);

#endif
