/* The issuer table: [issuer NAME] sections read through the one
 * configuration reader, finished with the top level's host-wide options,
 * routed by exact iss, restricted by issuers=. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "issuer.h"
#include "tap.h"
#include "log-capture.h"

static struct pb_log capture_log = { capture, NULL, 0 };
static char path[] = "/tmp/pb-issuer-t-XXXXXX";

/* Load text as pam_bearer.conf with one module argument (or none). */
static enum pb_status
load(struct pb_config *cfg, const char *text, const char *arg)
{
    char config_arg[300];
    const char *argv[] = { config_arg, arg };
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text) || close(fd) != 0) {
        perror(path);
        exit(99);
    }
    capture_reset();
    snprintf(config_arg, sizeof(config_arg), "config=%s", path);
    return pb_conf_load_options(cfg, arg != NULL ? 2 : 1, argv, &capture_log);
}

static const char *
route(const struct pb_config *cfg, const char *iss, size_t len)
{
    const struct pb_issuer *is = pb_issuer_route(cfg, iss, len);
    return is != NULL ? is->name : "(none)";
}

#define TWO "cache_dir = /var/cache/x\nleeway = 7\n" \
    "[issuer people]\nissuer = https://a.test\njwks = /k/a.json\nuser_claim = email\nleeway = 30\n" \
    "[issuer ci]\nissuer = https://b.test\njwks = https://b.test/jwks\nallow_groups = deployers\n"

/* Refused at load, the log saying expect. */
static void
refused(const char *text, const char *arg, const char *expect, const char *what)
{
    struct pb_config cfg;

    tap_is_int(load(&cfg, text, arg), PB_CONFIG, "refused: %s", what);
    tap_ok(strstr(last_line, expect) != NULL, "... logged \"%s\": %s", expect, last_line);
    pb_config_free(&cfg);
}

/* Read, but refused when the section is built (at the first token of that
 * issuer, or by pb_issuers_check_all), the error naming it. */
static void
unbuilt(const char *text, const char *expect, const char *what)
{
    struct pb_config cfg;
    char err[320] = "";

    tap_is_int(load(&cfg, text, NULL), PB_OK, "read: %s", what);
    tap_is_int(pb_issuers_check_all(&cfg, err, sizeof(err)), PB_CONFIG, "... refused when built");
    tap_ok(strstr(err, expect) != NULL, "... saying \"%s\": %s", expect, err);
    pb_config_free(&cfg);
}

int
main(void)
{
    struct pb_config cfg, built;
    const struct pb_issuer *is;
    char err[320];
    int fd = mkstemp(path);

    if (fd < 0)
        return 99;
    close(fd);

    tap_is_int(load(&cfg, TWO, NULL), PB_OK, "two sections load");
    tap_ok(pb_config_has_source(&cfg), "sections alone are a configuration");
    tap_is_str(route(&cfg, "https://a.test", 14), "people", "iss https://a.test routes to people");
    tap_is_str(route(&cfg, "https://b.test", 14), "ci", "iss https://b.test routes to ci");
    tap_is_str(route(&cfg, "https://a.tes", 13), "(none)", "a prefix routes nowhere");
    tap_is_str(route(&cfg, "https://a.test/", 15), "(none)", "a longer iss routes nowhere");
    tap_is_str(route(&cfg, "HTTPS://A.TEST", 14), "(none)", "another case routes nowhere");
    tap_is_str(route(&cfg, "https://a.test\0x", 16), "(none)", "an iss with a NUL routes nowhere");
    tap_is_str(route(&cfg, "", 0), "(none)", "an empty iss routes nowhere");
    is = pb_issuer_route(&cfg, "https://a.test", 14);
    tap_ok(is != NULL && is->cfg == NULL, "a section is not built when the configuration is read");
    if (is != NULL && pb_issuer_build(&cfg, is, &built, err, sizeof(err)) == PB_OK) {
        tap_is_str(built.cache_dir, "/var/cache/x", "a section takes the host's cache_dir");
        tap_ok(built.cache_dir == cfg.cache_dir, "... shared, not copied");
        tap_is_int(built.leeway, 30, "a section's own leeway");
        tap_is_str(built.user_claim, "email", "a section's own user_claim");
        tap_is_str(built.section, "people", "a section knows its name (cache files per issuer)");
        tap_ok(built.issuer_table == NULL, "a section has no sections");
        pb_config_free(&built);
    } else {
        tap_ok(0, "people builds: %s", err);
    }
    tap_is_str(cfg.cache_dir, "/var/cache/x", "the top level keeps its cache_dir after a section is freed");
    is = pb_issuer_route(&cfg, "https://b.test", 14);
    if (is != NULL && pb_issuer_build(&cfg, is, &built, err, sizeof(err)) == PB_OK) {
        tap_is_int(built.leeway, 60, "a section's leeway defaults to the table's, not the top level's");
        tap_is_int((int) built.allow_groups.count, 1, "a section's allow_groups");
        pb_config_free(&built);
    } else {
        tap_ok(0, "ci builds: %s", err);
    }
    tap_is_int(pb_issuers_check_all(&cfg, err, sizeof(err)), PB_OK, "every section builds");
    tap_ok(pb_issuer_allowed(&cfg, "ci") && pb_issuer_allowed(&cfg, "people"), "no issuers=: all allowed");
    tap_ok(pb_issuers_need_account(&cfg), "a section's allow_groups needs the account phase");
    pb_config_free(&cfg);

    tap_is_int(load(&cfg, TWO, "issuers=people"), PB_OK, "issuers=people on the module line");
    tap_ok(pb_issuer_allowed(&cfg, "people") && !pb_issuer_allowed(&cfg, "ci"), "... allows people only");
    pb_config_free(&cfg);

    /* The top level beside sections is the issuer "default", with its iss. */
    tap_is_int(load(&cfg, "issuer = https://top.test\njwks = /k/top.json\n" TWO, "issuers=default,ci"), PB_OK,
               "top-level keys with issuer beside sections");
    tap_is_str(route(&cfg, "https://top.test", 16), "default", "the top level answers to default");
    tap_ok(pb_issuer_route(&cfg, "https://top.test", 16)->cfg == &cfg, "... with the top level's own options");
    tap_ok(pb_issuer_allowed(&cfg, "default") && !pb_issuer_allowed(&cfg, "people"), "issuers=default,ci");
    pb_config_free(&cfg);

    /* Without sections nothing changes: no table, no routing. */
    tap_is_int(load(&cfg, "issuer = https://top.test\njwks = /k/top.json\n", NULL), PB_OK, "top level only");
    tap_ok(cfg.issuer_table == NULL, "... no issuer table");
    tap_is_str(route(&cfg, "https://top.test", 16), "(none)", "... and no routing");
    pb_config_free(&cfg);

    refused("jwks = /k/top.json\n" TWO, NULL, "need issuer=", "top-level keys without issuer beside sections");
    refused(TWO "[issuer people]\nissuer = https://c.test\njwks = /k/c\n", NULL, "[issuer people] given twice",
            "a section name given twice");
    refused(TWO "[issuer other]\nissuer = https://a.test\njwks = /k/c\n", NULL, "have the same issuer",
            "two sections with one iss");
    refused("issuer = https://a.test\njwks = /k/top.json\n" TWO, NULL, "have the same issuer",
            "a section with the top level's iss");
    refused("[issuer default]\nissuer = https://c.test\njwks = /k/c\n", NULL, "taken by the top-level",
            "a section named default");
    refused("[issuer x]\njwks = /k/c\n", NULL, "needs issuer and a key source", "a section without issuer");
    refused("[issuer x]\nissuer = https://c.test\n", NULL, "needs issuer and a key source",
            "a section without keys");
    refused("[issuer x]\nissuer = https://c.test\njwks = /k/c\ncache_dir = /tmp\n", NULL, "module option inside",
            "a host-wide option inside a section");
    refused("[issuer x]\nissuer = https://c.test\njwks = /k/c\nbogus = 1\n", NULL, "cannot be given",
            "an unknown key in a section");
    unbuilt("[issuer x]\nissuer = https://c.test\njwks = /k/c\nalgorithms = HS256\n", "[issuer x]: algorithms",
            "a section's own checks (HS256 without its key)");
    unbuilt("[issuer x]\nissuer = https://c.test\njwks = /k/c\nuser_regex = [a-z]+\n", "one capture group",
            "a section's user_regex without a capture");
    unbuilt("[issuer x]\nissuer = https://c.test\njwks = /k/c\nleeway = soon\n", "leeway: expected a whole number",
            "a section's value of the wrong type");
    unbuilt("[issuer x]\nissuer = https://c.test\njwks = relative.json\n", "jwks: expected an absolute path",
            "a section's relative jwks");
    unbuilt("[issuer x]\nissuer = https://c.test\ndiscovery = maybe\n", "discovery: expected true or false",
            "a section's bad boolean");
    refused(TWO, "issuers=people,nobody", "no section [issuer nobody]", "issuers= naming no section");
    refused("issuer = https://top.test\njwks = /k/top.json\n", "issuers=people", "no [issuer NAME] section",
            "issuers= without sections");
    refused("[issuer a b]\n", NULL, "expected a section header", "a section name with a blank");
    refused(TWO, "audience=sudo", "trust options go in the sections", "audience= on the module line beside sections");
    refused(TWO, "jwks=/k/x.json", "trust options go in the sections", "jwks= on the module line beside sections");
    refused(TWO, "user_claim=uid", "trust options go in the sections", "user_claim= on the module line beside sections");
    tap_is_int(load(&cfg, TWO, "max_token_age=300"), PB_OK, "max_token_age= on the module line beside sections");
    pb_config_free(&cfg);
    tap_is_int(load(&cfg, TWO, "require_claim=scope=sudo"), PB_OK, "require_claim= on the module line beside sections");
    pb_config_free(&cfg);
    tap_is_int(load(&cfg, TWO, "allow_groups=wheel"), PB_OK, "allow_groups= on the module line beside sections");
    pb_config_free(&cfg);
    tap_is_int(load(&cfg, "jwks = /k/top.json\n", "audience=sudo"), PB_OK, "audience= on the module line without sections");
    pb_config_free(&cfg);
    {
        /* More sections than the bound. */
        char text[64 * 1024];
        size_t n = 0;
        for (int i = 0; i < 65; i++)
            n += (size_t) snprintf(text + n, sizeof(text) - n, "[issuer i%d]\nissuer = https://%d.test\n"
                                   "jwks = /k/%d\n", i, i, i);
        refused(text, NULL, "more than 64 issuer sections", "65 sections");
    }
    unlink(path);
    return tap_done();
}
