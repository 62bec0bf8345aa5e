/* Password logins: the LDAP code lives in its own object, pam_bearer-ldap.so,
 * loaded from the module's own directory the first time a password arrives,
 * so token logins never map libldap and its dependencies. */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "ldap-auth.h"

#define PLUGIN_NAME "pam_bearer-ldap.so"

static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct pb_ldap_ops *plugin_ops;   /* set once, never unloaded */

/* The plugin must be exactly as trustworthy as the module beside it. */
static int
plugin_path(char *out, size_t cap, const struct pb_log *log)
{
    Dl_info info;
    const char *slash;
    struct stat st;

    if (dladdr((void *) pb_pam_password_ops, &info) == 0 || info.dli_fname == NULL
        || (slash = strrchr(info.dli_fname, '/')) == NULL) {
        pb_log(log, LOG_ERR, "unavailable: cannot locate the module's own directory");
        return -1;
    }
    if ((size_t) snprintf(out, cap, "%.*s/%s", (int) (slash - info.dli_fname), info.dli_fname, PLUGIN_NAME)
        >= cap)
        return -1;
    if (lstat(out, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid())
        || (st.st_mode & 022) != 0) {
        pb_log(log, LOG_ERR, "unavailable: %s is missing, or not a root-owned file only root may change", out);
        return -1;
    }
    return 0;
}

const struct pb_ldap_ops *
pb_pam_password_ops(const struct pb_log *log)
{
    char path[PATH_MAX];
    const struct pb_ldap_ops *ops = NULL;
    void *handle;

    pthread_mutex_lock(&plugin_lock);
    if (plugin_ops != NULL || plugin_path(path, sizeof(path), log) < 0)
        goto done;
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        pb_log(log, LOG_ERR, "unavailable: cannot load %s: %s", path, dlerror());
        goto done;
    }
    ops = dlsym(handle, PB_LDAP_OPS_SYMBOL);
    if (ops == NULL || ops->version != PB_LDAP_OPS_VERSION) {
        pb_log(log, LOG_ERR, "unavailable: %s is not a matching pam_bearer LDAP plugin", path);
        dlclose(handle);
        goto done;
    }
    plugin_ops = ops;   /* the handle stays open for the life of the process */
done:
    ops = plugin_ops;
    pthread_mutex_unlock(&plugin_lock);
    return ops;
}
