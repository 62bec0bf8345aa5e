/* Loading a plugin once per process, and only one that is exactly as
 * trustworthy as the code that loads it. */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin.h"

static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;

/* A bare file name is looked for in the directory of the object this code
 * is linked into (the module's own). */
static int
plugin_path(const char *file, char *out, size_t cap, const struct pb_log *log)
{
    Dl_info info;
    const char *slash;

    if (file[0] == '/')
        return (size_t) snprintf(out, cap, "%s", file) < cap ? 0 : -1;
    if (dladdr((void *) plugin_path, &info) == 0 || info.dli_fname == NULL
        || (slash = strrchr(info.dli_fname, '/')) == NULL) {
        pb_log(log, LOG_ERR, "unavailable: cannot locate the module's own directory");
        return -1;
    }
    if ((size_t) snprintf(out, cap, "%.*s/%s", (int) (slash - info.dli_fname), info.dli_fname, file) >= cap)
        return -1;
    return 0;
}

const void *
pb_plugin_load(struct pb_plugin *p, const struct pb_log *log)
{
    char path[PATH_MAX];
    const void *table;
    struct stat st;
    void *handle;

    pthread_mutex_lock(&plugin_lock);
    if (p->table != NULL || plugin_path(p->file, path, sizeof(path), log) < 0)
        goto done;
    /* Code about to run must be no easier to change than the code running. */
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid())
        || (st.st_mode & 022) != 0) {
        pb_log(log, LOG_ERR, "unavailable: %s is missing, or not a file only root (or its owner) may change",
               path);
        goto done;
    }
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        pb_log(log, LOG_ERR, "unavailable: cannot load %s: %s", path, dlerror());
        goto done;
    }
    table = dlsym(handle, p->symbol);
    if (table == NULL || *(const unsigned *) table != p->version) {
        pb_log(log, LOG_ERR, "unavailable: %s is not a version %u pam_bearer plugin", path, p->version);
        dlclose(handle);
        goto done;
    }
    p->table = table;   /* the handle stays open for the life of the process */
done:
    table = p->table;
    pthread_mutex_unlock(&plugin_lock);
    return table;
}
