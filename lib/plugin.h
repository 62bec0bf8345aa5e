/* Plugins: the code that needs libldap, libcurl or libcrypto lives in
 * objects of its own, mapped the first time it is needed, so a login served
 * from the key cache (or bearer-token printing a cached token) never loads
 * them.  One loader for the module and bearer-token alike. */
#ifndef PB_PLUGIN_H
#define PB_PLUGIN_H

#include "log.h"

struct pb_plugin {
    const char *file;       /* absolute, or a name beside the object holding this code */
    const char *symbol;     /* the one table the plugin exports */
    unsigned version;       /* every table starts with its unsigned version */
    const void *table;      /* set once, never unloaded */
};

/* p's table, loaded on first use (thread-safe).  NULL, logged, when the
 * file is missing, may be changed by someone other than root or this
 * process's owner, or is not a plugin of p's version. */
const void *pb_plugin_load(struct pb_plugin *p, const struct pb_log *log);

#endif
