/* The configuration layer: files and module lines into the option table,
 * [authority] sections into theirs, and the files it refuses to read. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "log-capture.h"
#include "tap.h"

static char dir[] = "/tmp/conf-t.XXXXXX";
static char path[256];
static struct pb_log capture_log = { capture, NULL, 0 };

/* The configuration file, afresh; len 0: strlen(text). */
static void
write_conf(const char *text, size_t len, mode_t mode)
{
    int fd;

    if (len == 0)
        len = strlen(text);
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0 || write(fd, text, len) != (ssize_t) len || fchmod(fd, mode) != 0 || close(fd) != 0) {
        perror(path);
        exit(99);
    }
    capture_reset();
}

/* The file's top-level lines over a fresh table; the status. */
static enum pb_status
read_text(const char *text, struct pb_config *cfg)
{
    enum pb_status status;

    write_conf(text, 0, 0644);
    if (pb_config_init(cfg) != PB_OK)
        exit(99);
    status = pb_conf_read(cfg, path, 1, &capture_log);
    return status;
}

/* The whole load: defaults, the file (config=path), then the module line. */
static enum pb_status
load(struct pb_config *cfg, const char *arg)
{
    char config_arg[300];
    const char *argv[] = { config_arg, arg };

    snprintf(config_arg, sizeof(config_arg), "config=%s", path);
    return pb_conf_load_options(cfg, arg != NULL ? 2 : 1, argv, &capture_log);
}

static int
logged(const char *needle)
{
    return strstr(last_line, needle) != NULL;
}

static void
test_options(void)
{
    struct pb_config cfg;

    tap_is_int(read_text("# a comment\n\n   \n\t# an indented comment\r\n  leeway = 7 \r\n"
                         "issuer=https://id.example\ndebug\n", &cfg), PB_OK,
               "comments, blank lines, CRLF and spaces are read");
    tap_is_int(cfg.leeway, 7, "... leeway = 7 (spaces trimmed)");
    tap_is_str(cfg.issuer, "https://id.example", "... issuer");
    tap_is_int(cfg.debug, 1, "... a bare word switches a boolean on");
    tap_is_int(log_lines, 0, "... nothing logged");
    pb_config_free(&cfg);

    tap_is_int(read_text("leeway = 7\n# fine\nno_such_option = 1\n", &cfg), PB_CONFIG, "an unknown option is refused");
    tap_ok(logged(":3: ") && logged("no_such_option"), "... logged with file, line and name: %s", last_line);
    pb_config_free(&cfg);

    tap_is_int(read_text("leeway = soon\n", &cfg), PB_CONFIG, "a bad value is refused");
    pb_config_free(&cfg);

    tap_is_int(read_text("url = https://auth.example\n", &cfg), PB_CONFIG,
               "an [authority] key before any section is refused");
    pb_config_free(&cfg);

    tap_is_int(read_text("leeway = 7\n[authority a]\nurl = https://a.example\nleeway = 9\n", &cfg), PB_CONFIG,
               "a module option inside an [authority] section is refused");
    tap_ok(logged(":4: ") && logged("module option inside [authority a]"), "... saying where it belongs: %s",
           last_line);
    pb_config_free(&cfg);

    tap_is_int(read_text("leeway = 7\n[authority a]\nurl = https://a.example\n", &cfg), PB_OK,
               "the module's reading passes over [authority] keys");
    tap_is_int(cfg.leeway, 7, "... and keeps the top-level lines");
    pb_config_free(&cfg);

    tap_is_int(read_text("[nonsense x]\n", &cfg), PB_CONFIG, "an unknown kind of section is refused");
    tap_ok(logged("expected a section header"), "... logged: %s", last_line);
    pb_config_free(&cfg);
    tap_is_int(read_text("[authority]\n", &cfg), PB_CONFIG, "a section without a name is refused");
    pb_config_free(&cfg);
    tap_is_int(read_text("[authority a/b]\n", &cfg), PB_CONFIG, "a section name with a slash is refused");
    pb_config_free(&cfg);

    write_conf("leeway = 7\n\0leeway = 8\n", 23, 0644);
    pb_config_init(&cfg);
    tap_is_int(pb_conf_read(&cfg, path, 1, &capture_log), PB_CONFIG, "a file with a NUL byte is refused");
    pb_config_free(&cfg);

    /* Defaults < file < module line. */
    write_conf("leeway = 7\njwks = /etc/keys.json\n", 0, 0644);
    tap_is_int(load(&cfg, NULL), PB_OK, "config= loads the file");
    tap_is_int(cfg.leeway, 7, "... the file over the default");
    pb_config_free(&cfg);
    tap_is_int(load(&cfg, "leeway=9"), PB_OK, "config= and a module argument");
    tap_is_int(cfg.leeway, 9, "... the module line over the file");
    pb_config_free(&cfg);
    tap_is_int(load(&cfg, "no_such_option"), PB_CONFIG, "an unknown module argument is refused");
    tap_ok(logged("module argument") && logged("no_such_option"), "... logged: %s", last_line);
    pb_config_free(&cfg);
}

static void
test_files(void)
{
    struct pb_config cfg;
    char missing[300];
    const char *argv[] = { missing };

    snprintf(missing, sizeof(missing), "config=%s/missing.conf", dir);
    tap_is_int(pb_conf_load_options(&cfg, 1, argv, &capture_log), PB_CONFIG,
               "a missing file named by config= is an error");
    tap_ok(logged("missing.conf"), "... naming it: %s", last_line);
    pb_config_free(&cfg);

    pb_config_init(&cfg);
    tap_is_int(pb_conf_read(&cfg, missing + strlen("config="), 0, &capture_log), PB_OK,
               "a missing default file is no configuration");
    tap_is_int(pb_conf_read(&cfg, missing + strlen("config="), 1, &capture_log), PB_CONFIG,
               "... but an error when required");
    pb_config_free(&cfg);

    write_conf("leeway = 7\n", 0, 0666);
    pb_config_init(&cfg);
    tap_is_int(pb_conf_read(&cfg, path, 1, &capture_log), PB_CONFIG, "a world-writable file is refused");
    tap_ok(logged("writable"), "... logged: %s", last_line);
    tap_is_int(cfg.leeway, 60, "... and nothing of it applied");
    pb_config_free(&cfg);

    write_conf("leeway = 7\n", 0, 0664);
    pb_config_init(&cfg);
    tap_is_int(pb_conf_read(&cfg, path, 1, &capture_log), PB_CONFIG, "a group-writable file is refused");
    pb_config_free(&cfg);

    write_conf("leeway = 7\n", 0, 0644);
    if (geteuid() == 0) {
        if (chown(path, 65534, 65534) != 0) {
            perror("chown");
            exit(99);
        }
        pb_config_init(&cfg);
        tap_is_int(pb_conf_read(&cfg, path, 1, &capture_log), PB_CONFIG,
                   "a file owned by another user is refused");
        tap_ok(logged("owned by uid 65534"), "... logged: %s", last_line);
        pb_config_free(&cfg);
    } else {
        /* Only root can give a file away. */
        printf("ok %d # SKIP a file owned by another user (not root)\n", ++tap_count);
        printf("ok %d # SKIP ... logged (not root)\n", ++tap_count);
    }
}

static void
test_authorities(void)
{
    struct pb_authority a;
    char names[256];
    const char text[] = "# the module's lines first\nleeway = 7\n\n"
                        "[authority first]\npreset = dcos\n# a comment in a section\nurl = https://first.example\n\n"
                        "[ authority   second ]\npreset = dcos\nurl = https://second.example\nlogin_path = /in\n";

    write_conf(text, 0, 0644);
    tap_is_int(pb_conf_list_authorities(path, names, sizeof(names), &capture_log), PB_OK, "sections listed");
    tap_is_str(names, "first\nsecond\n", "... in file order");
    tap_is_int(pb_conf_list_authorities(path, names, 8, &capture_log), PB_CONFIG, "... refused when they do not fit");

    tap_is_int(pb_conf_load_authority(path, NULL, &a, &capture_log), PB_OK, "no name: the first section");
    tap_is_str(a.name, "first", "... named first");
    tap_is_str(a.url, "https://first.example", "... its url");
    pb_authority_clear(&a);
    tap_is_int(pb_conf_load_authority(path, "second", &a, &capture_log), PB_OK, "a section by name");
    tap_is_str(a.url, "https://second.example", "... its own url, not the first's");
    tap_is_str(a.login_path, "/in", "... and its own keys");
    pb_authority_clear(&a);
    tap_is_int(pb_conf_load_authority(path, "third", &a, &capture_log), PB_UNAVAILABLE, "no such section");
    tap_ok(logged("no section [authority third]"), "... logged: %s", last_line);

    write_conf("leeway = 7\n", 0, 0644);
    tap_is_int(pb_conf_load_authority(path, NULL, &a, &capture_log), PB_UNAVAILABLE, "a file without sections");

    write_conf("[authority a]\nurl = https://a.example\nno_such_key = 1\n", 0, 0644);
    tap_is_int(pb_conf_load_authority(path, "a", &a, &capture_log), PB_CONFIG, "an unknown [authority] key");
    tap_ok(logged(":3: "), "... logged with its line: %s", last_line);

    write_conf("[authority a]\nurl = https://a.example\ndebug\n", 0, 0644);
    tap_is_int(pb_conf_load_authority(path, "a", &a, &capture_log), PB_CONFIG,
               "a module option inside the section is refused");
    tap_ok(logged("module option inside [authority a]"), "... logged: %s", last_line);

    write_conf("[authority a]\nurl = https://a.example\n[authority b]\nurl = https://b.example\n"
               "[authority a]\nurl = https://c.example\n", 0, 0644);
    tap_is_int(pb_conf_load_authority(path, "a", &a, &capture_log), PB_CONFIG, "a section given twice");
    tap_ok(logged("given twice"), "... logged: %s", last_line);

    tap_is_int(pb_conf_load_authority(dir, "a", &a, &capture_log), PB_CONFIG, "a directory is not a file");
}

int
main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 99;
    }
    snprintf(path, sizeof(path), "%s/pam_bearer.conf", dir);
    test_options();
    test_files();
    test_authorities();
    unlink(path);
    rmdir(dir);
    return tap_done();
}
