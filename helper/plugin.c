/* Finding and loading bearer-token-net.so, only when a command must talk to
 * the authority or check a signature. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net-plugin.h"

const struct pb_net_plugin *
pb_net_plugin(void)
{
    static const struct pb_net_plugin *loaded;
    const struct pb_net_plugin *table;
    const char *path = getenv(PB_NET_PLUGIN_ENV);
    struct stat st;
    void *handle;

    if (loaded != NULL)
        return loaded;
    if (path == NULL || path[0] != '/')
        path = PB_NET_PLUGIN_PATH;
    /* Code we are about to run must be no easier to change than we are. */
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid())
        || (st.st_mode & 022) != 0) {
        fprintf(stderr, "bearer-token: error: %s is missing, or not a file only root (or you) may change\n", path);
        return NULL;
    }
    if ((handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
        fprintf(stderr, "bearer-token: error: cannot load %s: %s\n", path, dlerror());
        return NULL;
    }
    table = dlsym(handle, PB_NET_PLUGIN_SYMBOL);
    if (table == NULL || table->version != PB_NET_PLUGIN_VERSION) {
        fprintf(stderr, "bearer-token: error: %s is not a version %d bearer-token plugin\n", path,
                PB_NET_PLUGIN_VERSION);
        dlclose(handle);
        return NULL;
    }
    return loaded = table;
}
