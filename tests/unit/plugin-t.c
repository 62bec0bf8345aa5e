/* Loading plugins (lib/plugin.c): what is refused, and why it is logged;
 * with the build directory known (PB_BUILDDIR), the real plugins load and
 * give tables of their version. */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "ldap-auth.h"
#include "log-capture.h"
#include "plugin.h"
#include "tap.h"

static const struct pb_log log_ = { capture, NULL, 0 };

static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, text, len) != (ssize_t) len)
        printf("# cannot write %s\n", path);
    if (fd >= 0)
        close(fd);
    chmod(path, mode);
}

/* Copy from to to with mode; 0 on success. */
static int
copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    ssize_t n;
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600), rc = 0;

    if (in < 0 || out < 0)
        rc = -1;
    while (rc == 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t) n) != n)
            rc = -1;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc == 0 ? chmod(to, mode) : -1;
}

/* Loading p gives NULL, says so once, and names why. */
static void
refused(struct pb_plugin *p, const char *why, const char *name)
{
    const void *t;

    capture_reset();
    t = pb_plugin_load(p, &log_);
    tap_ok(t == NULL && p->table == NULL, "%s: refused", name);
    tap_ok(log_lines == 1 && strncmp(last_line, "unavailable: ", 13) == 0 && strstr(last_line, why) != NULL,
           "... logged: %s", why);
    if (log_lines != 1 || strstr(last_line, why) == NULL)
        printf("#   %d lines, last: %s\n", log_lines, last_line);
}

static void
built_plugins(const char *dir)
{
#ifdef PB_BUILDDIR
    char http[1024], ldap[1024], copy[1100], beside[1100], bare[64];
    struct stat st;
    Dl_info self;
    const char *slash;

    snprintf(http, sizeof(http), "%s/pam/.libs/pam_bearer-http.so", PB_BUILDDIR);
    snprintf(ldap, sizeof(ldap), "%s/pam/.libs/pam_bearer-ldap.so", PB_BUILDDIR);
    if (stat(http, &st) != 0 || stat(ldap, &st) != 0) {
        printf("ok %d # SKIP the built plugins are not in %s/pam/.libs\n", ++tap_count, PB_BUILDDIR);
        return;
    }

    /* A library with no such symbol, or a table of another version: the
     * built plugin, copied (so the mode is the test's) and asked wrongly. */
    snprintf(copy, sizeof(copy), "%s/http.so", dir);
    if (copy_file(http, copy, 0755) != 0) {
        printf("not ok %d - cannot copy %s\n", ++tap_count, http);
        tap_failed++;
        return;
    }
    {
        struct pb_plugin p = { copy, "pb_no_such_table", PB_HTTP_OPS_VERSION, NULL };
        char why[64];
        snprintf(why, sizeof(why), "is not a version %u pam_bearer plugin", PB_HTTP_OPS_VERSION);
        refused(&p, why, "a library without the symbol");
    }
    {
        struct pb_plugin p = { copy, PB_HTTP_OPS_SYMBOL, PB_HTTP_OPS_VERSION + 41, NULL };
        char why[64];
        snprintf(why, sizeof(why), "is not a version %u pam_bearer plugin", PB_HTTP_OPS_VERSION + 41);
        refused(&p, why, "a plugin of another version");
    }
    {
        struct pb_plugin p = { copy, PB_LDAP_OPS_SYMBOL, PB_LDAP_OPS_VERSION, NULL };
        refused(&p, "is not a version", "the HTTP plugin asked for the LDAP table");
    }
    chmod(copy, 0775);
    {
        struct pb_plugin p = { copy, PB_HTTP_OPS_SYMBOL, PB_HTTP_OPS_VERSION, NULL };
        refused(&p, "not a file only root (or its owner) may change", "a group-writable plugin");
    }

    /* The real plugins, from the build directory (if its mode allows). */
    if (stat(http, &st) == 0 && (st.st_mode & 022) == 0) {
        struct pb_plugin p = { http, PB_HTTP_OPS_SYMBOL, PB_HTTP_OPS_VERSION, NULL };
        const struct pb_http_ops *ops;
        capture_reset();
        ops = pb_plugin_load(&p, &log_);
        tap_ok(ops != NULL && p.table == ops, "the built pam_bearer-http.so loads");
        tap_ok(ops != NULL && ops->version == PB_HTTP_OPS_VERSION, "... its table is version %u",
               PB_HTTP_OPS_VERSION);
        tap_is_int(log_lines, 0, "... nothing logged");
        if (log_lines != 0)
            printf("#   %s\n", last_line);
        tap_ok(pb_plugin_load(&p, &log_) == ops, "... a second load gives the same table");
    } else {
        printf("ok %d # SKIP %s may be changed by others\n", ++tap_count, http);
    }
    if (stat(ldap, &st) == 0 && (st.st_mode & 022) == 0) {
        struct pb_plugin p = { ldap, PB_LDAP_OPS_SYMBOL, PB_LDAP_OPS_VERSION, NULL };
        const struct pb_ldap_ops *ops;
        capture_reset();
        ops = pb_plugin_load(&p, &log_);
        tap_ok(ops != NULL && ops->version == PB_LDAP_OPS_VERSION && ops->authenticate != NULL
                   && ops->check_group != NULL && ops->change_password != NULL,
               "the built pam_bearer-ldap.so loads: version %u, every entry set", PB_LDAP_OPS_VERSION);
        tap_is_int(log_lines, 0, "... nothing logged");
    } else {
        printf("ok %d # SKIP %s may be changed by others\n", ++tap_count, ldap);
    }

    /* A bare name is looked for beside the object holding the loader (here
     * the test program, which links lib/ statically). */
    if (dladdr((void *) pb_plugin_load, &self) == 0 || self.dli_fname == NULL
        || (slash = strrchr(self.dli_fname, '/')) == NULL) {
        printf("ok %d # SKIP cannot locate the test program\n", ++tap_count);
        return;
    }
    snprintf(bare, sizeof(bare), "plugin-t-%ld.so", (long) getpid());
    snprintf(beside, sizeof(beside), "%.*s/%s", (int) (slash - self.dli_fname), self.dli_fname, bare);
    if (copy_file(http, beside, 0755) != 0) {
        printf("ok %d # SKIP cannot write %s\n", ++tap_count, beside);
        unlink(beside);
        return;
    }
    {
        struct pb_plugin p = { bare, PB_HTTP_OPS_SYMBOL, PB_HTTP_OPS_VERSION, NULL };
        const struct pb_http_ops *ops;
        capture_reset();
        ops = pb_plugin_load(&p, &log_);
        tap_ok(ops != NULL && ops->version == PB_HTTP_OPS_VERSION, "a bare name is found beside the loader");
        if (ops == NULL)
            printf("#   %s\n", last_line);
    }
    unlink(beside);
#else
    (void) dir;
    printf("ok %d # SKIP PB_BUILDDIR unknown: the built plugins are not tried\n", ++tap_count);
#endif
}

int
main(void)
{
    char dir[] = "/tmp/pb-plugin-t-XXXXXX", path[600], link_path[600], sub[600];
    static const unsigned canary = 7;

    if (mkdtemp(dir) == NULL)
        return 1;

    /* --- missing */
    snprintf(path, sizeof(path), "%s/absent.so", dir);
    {
        struct pb_plugin p = { path, "pb_table", 1, NULL };
        refused(&p, path, "a missing absolute path");
        tap_ok(strstr(last_line, "is missing") != NULL, "... said to be missing");
        capture_reset();
        tap_ok(pb_plugin_load(&p, &log_) == NULL && log_lines == 1, "... tried again (and logged) on the next load");
    }
    {
        struct pb_plugin p = { "pb-plugin-t-absent.so", "pb_table", 1, NULL };
        refused(&p, "/pb-plugin-t-absent.so is missing", "a missing bare name");
        Dl_info self;
        const char *slash;
        char want[PATH_MAX + 64];
        /* The directory of the object holding the loader: this program's
         * (as it was run: relative when argv[0] is). */
        if (dladdr((void *) pb_plugin_load, &self) != 0 && self.dli_fname != NULL
            && (slash = strrchr(self.dli_fname, '/')) != NULL) {
            snprintf(want, sizeof(want), "unavailable: %.*s/pb-plugin-t-absent.so is missing",
                     (int) (slash - self.dli_fname), self.dli_fname);
            tap_ok(strncmp(last_line, want, strlen(want)) == 0, "... looked for beside the loader");
            if (strncmp(last_line, want, strlen(want)) != 0)
                printf("#   want %s\n", want);
        } else {
            printf("ok %d # SKIP cannot locate the test program\n", ++tap_count);
        }
    }
    {
        char longname[PATH_MAX + 16];
        struct pb_plugin p = { longname, "pb_table", 1, NULL };
        memset(longname, 'a', sizeof(longname) - 1);
        longname[0] = '/';
        longname[sizeof(longname) - 1] = '\0';
        capture_reset();
        tap_ok(pb_plugin_load(&p, &log_) == NULL, "a path longer than PATH_MAX is refused");
    }

    /* --- not a regular file, or one others may change */
    snprintf(sub, sizeof(sub), "%s/dir.so", dir);
    mkdir(sub, 0755);
    {
        struct pb_plugin p = { sub, "pb_table", 1, NULL };
        refused(&p, "not a file only root", "a directory");
    }
    snprintf(path, sizeof(path), "%s/text.so", dir);
    write_file(path, "not a library\n", 14, 0644);
    snprintf(link_path, sizeof(link_path), "%s/link.so", dir);
    if (symlink(path, link_path) != 0)
        printf("# cannot make %s\n", link_path);
    {
        struct pb_plugin p = { link_path, "pb_table", 1, NULL };
        refused(&p, "not a file only root", "a symbolic link");
    }
    chmod(path, 0646);
    {
        struct pb_plugin p = { path, "pb_table", 1, NULL };
        refused(&p, "not a file only root", "a world-writable file");
    }
    chmod(path, 0664);
    {
        struct pb_plugin p = { path, "pb_table", 1, NULL };
        refused(&p, "not a file only root", "a group-writable file");
    }

    /* --- a file that is not a library */
    chmod(path, 0644);
    {
        struct pb_plugin p = { path, "pb_table", 1, NULL };
        refused(&p, "cannot load", "a text file");
    }

    /* --- a table already loaded is returned as it is */
    {
        struct pb_plugin p = { "/nonexistent/pb-plugin-t.so", "pb_table", 1, &canary };
        capture_reset();
        tap_ok(pb_plugin_load(&p, &log_) == &canary && log_lines == 0,
               "a loaded table is returned, the file not looked at again");
    }

    built_plugins(dir);

    unlink(link_path);
    unlink(path);
    rmdir(sub);
    snprintf(path, sizeof(path), "%s/http.so", dir);
    unlink(path);
    rmdir(dir);
    return tap_done();
}
