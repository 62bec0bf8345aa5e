/* Plugins: the LDAP code (pam_bearer-ldap.so) and the HTTP code
 * (pam_bearer-http.so) live in their own objects, loaded from the module's
 * own directory the first time they are needed, so a token login served
 * from the key cache never maps libldap, libcurl or their dependencies. */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "internal.h"
#include "ldap-auth.h"

struct plugin {
    const char *file;
    const char *symbol;
    int version;                /* every table starts with its int version */
    const void *ops;            /* set once, never unloaded */
};

static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plugin ldap_plugin = { "pam_bearer-ldap.so", PB_LDAP_OPS_SYMBOL, PB_LDAP_OPS_VERSION, NULL };
static struct plugin http_plugin = { "pam_bearer-http.so", PB_HTTP_OPS_SYMBOL, PB_HTTP_OPS_VERSION, NULL };

/* The plugin must be exactly as trustworthy as the module beside it. */
static int
plugin_path(const char *file, char *out, size_t cap, const struct pb_log *log)
{
    Dl_info info;
    const char *slash;
    struct stat st;

    if (dladdr((void *) plugin_path, &info) == 0 || info.dli_fname == NULL
        || (slash = strrchr(info.dli_fname, '/')) == NULL) {
        pb_log(log, LOG_ERR, "unavailable: cannot locate the module's own directory");
        return -1;
    }
    if ((size_t) snprintf(out, cap, "%.*s/%s", (int) (slash - info.dli_fname), info.dli_fname, file) >= cap)
        return -1;
    if (lstat(out, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid())
        || (st.st_mode & 022) != 0) {
        pb_log(log, LOG_ERR, "unavailable: %s is missing, or not a root-owned file only root may change", out);
        return -1;
    }
    return 0;
}

static const void *
plugin_load(struct plugin *p, const struct pb_log *log)
{
    char path[PATH_MAX];
    const void *ops;
    void *handle;

    pthread_mutex_lock(&plugin_lock);
    if (p->ops != NULL || plugin_path(p->file, path, sizeof(path), log) < 0)
        goto done;
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        pb_log(log, LOG_ERR, "unavailable: cannot load %s: %s", path, dlerror());
        goto done;
    }
    ops = dlsym(handle, p->symbol);
    if (ops == NULL || *(const int *) ops != p->version) {
        pb_log(log, LOG_ERR, "unavailable: %s is not a matching pam_bearer plugin", path);
        dlclose(handle);
        goto done;
    }
    p->ops = ops;   /* the handle stays open for the life of the process */
done:
    ops = p->ops;
    pthread_mutex_unlock(&plugin_lock);
    return ops;
}

const struct pb_ldap_ops *
pb_pam_password_ops(const struct pb_log *log)
{
    return plugin_load(&ldap_plugin, log);
}

const struct pb_http_ops *
pb_pam_http_ops(const struct pb_log *log)
{
    return plugin_load(&http_plugin, log);
}
