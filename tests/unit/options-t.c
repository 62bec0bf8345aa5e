/* The option table: defaults, every type, sources, and refusal of bad input. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alg.h"
#include "conf.h"
#include "options.h"
#include "log-capture.h"
#include "tap.h"

static char empty_arg[64];

static enum pb_status
load(struct pb_config *cfg, int argc, const char **argv)
{
    struct pb_log log = { capture, NULL, 1 };
    return pb_conf_load_options(cfg, argc, argv, &log);
}

int
main(void)
{
    struct pb_config cfg;
    char err[256], path[] = "/tmp/pb-options-t-XXXXXX", empty[] = "/tmp/pb-options-e-XXXXXX";
    size_t n;
    const struct pb_option *table = pb_options_table(&n);
    int fd;

    for (size_t i = 1; i < n; i++)
        tap_ok(strcmp(table[i - 1].name, table[i].name) < 0, "table sorted: %s < %s",
               table[i - 1].name, table[i].name);

    {
        const char *argv[] = { "config=/nonexistent/pam_bearer.conf" };
        tap_is_int(load(&cfg, 1, argv), PB_CONFIG, "explicit missing config file is an error");
        pb_config_free(&cfg);
    }
    fd = mkstemp(empty);
    tap_ok(fd >= 0, "empty config file");
    close(fd);
    snprintf(empty_arg, sizeof(empty_arg), "config=%s", empty);
    fd = mkstemp(path);
    tap_ok(fd >= 0, "temporary config file");
    {
        const char text[] = "# comment\n\n  jwks = /etc/keys.json \nissuer=https://id.example\n"
                            "audience = a, b ,c\nleeway=5\nrequire_claim = scope=openid\n"
                            "require_claim=groups=admins\ndebug\n";
        tap_ok(write(fd, text, sizeof(text) - 1) == (ssize_t) (sizeof(text) - 1), "config written");
        close(fd);
    }
    {
        char arg[64];
        const char *argv[] = { arg, "leeway=7", "user_claim=uid" };
        snprintf(arg, sizeof(arg), "config=%s", path);
        tap_is_int(load(&cfg, 3, argv), PB_OK, "file and module line load");
        tap_is_str(cfg.jwks, "/etc/keys.json", "jwks from file, trimmed");
        tap_is_str(cfg.issuer, "https://id.example", "issuer from file");
        tap_is_int(cfg.audiences.count, 3, "three audiences");
        tap_is_str(cfg.audiences.items[1], "b", "list items trimmed");
        tap_is_int(cfg.leeway, 7, "module line overrides the file");
        tap_is_str(cfg.user_claim, "uid", "user_claim from module line");
        tap_is_int(cfg.required.count, 2, "require_claim repeats");
        tap_is_str(cfg.required.items[1], "groups=admins", "require_claim keeps NAME=VALUE");
        tap_ok(cfg.debug, "bare word in file sets a boolean");
        tap_ok(cfg.alg_mask & pb_alg_find("RS256", 5)->bit, "RS256 allowed by default");
        tap_ok(!(cfg.alg_mask & pb_alg_find("HS256", 5)->bit), "HS256 not allowed by default");
        pb_config_free(&cfg);
    }
    {
        const char *bad[][2] = {
            { "frobnicate=1", "unknown option" }, { "leeway=abc", "not a number" },
            { "leeway=-1", "negative" }, { "leeway=99999999999", "too large" },
            { "debug=maybe", "bad boolean" }, { "jwks=relative.json", "relative path" },
            { "issuer=", "empty string" }, { "algorithms=RS256,none", "none algorithm" },
            { "algorithms=HS256", "HS256 without hmac_key_file" }, { "algorithms=", "empty list" },
            { "algorithms=RS256,,ES256", "empty list item" }, { "require_claim=scope", "claim without =" },
            { "require_claim==x", "claim without name" }, { "user_claim", "string without value" },
            { "algorithms=rs256", "algorithm names are case-sensitive" },
            { "token_only password_only", "token_only with password_only" },
            { "password_only", "password_only without ldap_uri" },
            { "ldap_uri=ldap://ldap.example.com ldap_user_dn=uid=%u,dc=x", "plaintext bind off loopback" },
            { "ldap_uri=http://127.0.0.1 ldap_user_dn=uid=%u,dc=x", "not an LDAP URI" },
            { "ldap_uri=ldaps://h", "neither DN template nor search settings" },
            { "ldap_uri=ldaps://h ldap_user_dn=uid=alice,dc=x", "DN template without %u" },
            { "ldap_uri=ldaps://h ldap_binddn=cn=r ldap_base=dc=x", "binddn without password file" },
            { "ldap_uri=ldaps://h ldap_user_dn=uid=%u,dc=x ldap_group=cn=g", "group check without binddn" },
            { "ldap_uri=ldaps://h ldap_user_dn=uid=%u,dc=x ldap_timeout=0", "zero timeout" },
            { "ldap_uri=ldaps://h ldap_user_dn=uid=%u,dc=x ldap_filter=(uid=bob)", "filter without %u" },
            { "ldap_uri=ldap://127.evil.example ldap_user_dn=uid=%u,dc=x", "a name starting with 127. is not loopback" },
            { "ldap_uri=ldaps://h ldap_user_dn=uid=%s%u,dc=x", "unknown % sequence in the DN template" },
            { "ldap_group=cn=g ldap_binddn=cn=r ldap_bindpw_file=/p", "ldap_group without ldap_uri" },
            { "jwks=http://keys.example.com/jwks.json", "plain http:// off loopback" },
            { "jwks=http://127.evil.example/jwks.json", "plain http:// to a name starting with 127." },
            { "jwks=ftp://127.0.0.1/jwks.json", "neither a path nor an http(s) URL" },
            { "jwks=https://", "https:// without a host" },
            { "jwks=http://127.0.0.1:80@keys.example.com/jwks.json", "userinfo that looks like a loopback host" },
            { "jwks=http://@127.0.0.1/jwks.json", "empty userinfo, even to loopback" },
            { "jwks=https://u:secret@keys.example.com/jwks.json", "user and password over https" },
            { "jwks=http://%31%32%37.0.0.1/jwks.json", "percent-encoded host" },
            { "jwks=http://127.0.0.1\t/jwks.json", "whitespace" },
            { "discovery issuer=http://127.0.0.1:80@idp.example.com", "discovery issuer with userinfo" },
            { "ldap_uri=ldap://127.0.0.1:80@ldap.example.com ldap_user_dn=uid=%u,dc=x", "ldap_uri userinfo that looks like loopback" },
            { "ldap_uri=ldaps://u@ldap.example.com ldap_user_dn=uid=%u,dc=x", "ldap_uri with userinfo" },
            { "ldap_uri=ldap://127.0.0.1/?\?\?bindname=cn=admin ldap_user_dn=uid=%u,dc=x", "ldap_uri with a bindname extension" },
            { "ldap_uri=ldap://127.0.0.1/dc=x ldap_user_dn=uid=%u,dc=x", "ldap_uri with a DN" },
            { "discovery", "discovery without issuer" },
            { "discovery issuer=corp", "discovery with an issuer that is not a URL" },
            { "discovery issuer=http://idp.example.com", "discovery over plain http:// off loopback" },
            { "discovery issuer=https://idp.example.com jwks=/k.json", "discovery with jwks" },
            { "jwks_min_ttl=600 jwks_max_ttl=60", "jwks_min_ttl above jwks_max_ttl" },
            { "http_timeout=0", "zero HTTP timeout" },
            { "http_connect_timeout=0", "zero HTTP connect timeout" },
            { "cache_dir=var/cache", "relative cache_dir" },
            { "helper_timeout=0", "zero helper_timeout" },
            { "token_parts=0", "zero token_parts" },
            { "bearer_token=bin/bearer-token", "relative bearer_token" },
            { "session_cache_dir=run/bearer-token", "relative session_cache_dir" },
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            const char *argv[8] = { empty_arg };
            char words[256], *save = NULL;
            int argc = 1;
            snprintf(words, sizeof(words), "%s", bad[i][0]);
            for (char *w = strtok_r(words, " ", &save); w != NULL && argc < 8; w = strtok_r(NULL, " ", &save))
                argv[argc++] = w;
            log_lines = 0;
            tap_is_int(load(&cfg, argc, argv), PB_CONFIG, "refused: %s (%s)", bad[i][0], bad[i][1]);
            tap_ok(log_lines > 0 && strncmp(last_line, "config: ", 8) == 0, "logged: %s", last_line);
            tap_ok(strstr(last_line, "secret") == NULL, "no credentials from a URL in the log line");
            pb_config_free(&cfg);
        }
    }
    {
        const char *good[] = {
            "jwks=https://auth.example.com/acs/api/v1/auth/jwks", "jwks=http://127.0.0.1:8080/jwks.json",
            "jwks=http://localhost/jwks.json", "jwks=http://[::1]:8080/jwks.json", "jwks=/etc/keys.pem",
            "jwks=HTTP://127.0.0.1/jwks.json", "jwks=http://127.0.0.1/a@b",
        };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
            const char *argv[] = { empty_arg, good[i] };
            tap_is_int(load(&cfg, 2, argv), PB_OK, "accepted: %s", good[i]);
            pb_config_free(&cfg);
        }
    }
    {
        const char *argv[] = { empty_arg, "issuer=https://idp.example.com/realms/corp", "discovery" };
        tap_is_int(load(&cfg, 3, argv), PB_OK, "discovery with an https:// issuer accepted");
        tap_is_str(cfg.cache_dir, PB_DEFAULT_CACHE_DIR, "default cache_dir");
        tap_is_int(cfg.jwks_ttl, 3600, "default jwks_ttl");
        tap_is_int(cfg.jwks_stale_limit, 86400, "default jwks_stale_limit");
        tap_is_int(cfg.jwks_refetch_interval, 60, "default jwks_refetch_interval");
        pb_config_free(&cfg);
    }
    {
        const char *argv[] = { empty_arg, "use_first_pass", "try_first_pass" };
        tap_is_int(load(&cfg, 3, argv), PB_CONFIG, "use_first_pass with try_first_pass refused");
        pb_config_free(&cfg);
    }
    {
        const char *argv[] = { empty_arg, "ldap_uri=ldap://127.0.0.1:389,ldaps://ldap.example.com",
                               "ldap_binddn=cn=reader,dc=example,dc=com", "ldap_bindpw_file=/etc/pw",
                               "ldap_base=dc=example,dc=com", "ldap_group=cn=admins,dc=example,dc=com" };
        tap_is_int(load(&cfg, 6, argv), PB_OK, "search-then-bind settings with loopback ldap:// accepted");
        tap_is_int(cfg.ldap_uris.count, 2, "two LDAP URIs");
        tap_is_str(cfg.ldap_filter, "(uid=%u)", "default filter");
        tap_is_int(cfg.ldap_timeout, 5, "default LDAP timeout");
        pb_config_free(&cfg);
    }
    {
        const char *argv[] = { empty_arg, "ldap_uri=ldap://ldap.example.com", "ldap_starttls",
                               "ldap_user_dn=uid=%u,ou=people,dc=example,dc=com" };
        tap_is_int(load(&cfg, 4, argv), PB_OK, "ldap:// off loopback with StartTLS accepted");
        pb_config_free(&cfg);
    }
    {
        const char *argv[] = { empty_arg, "algorithms=HS256,RS256", "hmac_key_file=/k" };
        tap_is_int(load(&cfg, 3, argv), PB_OK, "HS256 allowed with hmac_key_file");
        pb_config_free(&cfg);
    }
    /* Module-only keys are refused in the file. */
    pb_config_init(&cfg);
    tap_is_int(pb_config_apply(&cfg, "use_first_pass", PB_W_FILE, err, sizeof(err)), PB_CONFIG,
               "use_first_pass refused in the file");
    tap_is_int(pb_config_apply(&cfg, "config=/x", PB_W_FILE, err, sizeof(err)), PB_CONFIG,
               "config refused in the file");
    pb_config_free(&cfg);
    {
        FILE *f = fopen(path, "w");
        char arg[64];
        const char *argv[] = { arg };
        fputs("jwks=/k\nbogus_key = 1\n", f);
        fclose(f);
        snprintf(arg, sizeof(arg), "config=%s", path);
        tap_is_int(load(&cfg, 1, argv), PB_CONFIG, "unknown key in the file refused");
        tap_ok(strstr(last_line, ":2:") != NULL, "error names the line: %s", last_line);
        pb_config_free(&cfg);
        chmod(path, 0666);
        tap_is_int(load(&cfg, 1, argv), PB_CONFIG, "world-writable config file refused");
        pb_config_free(&cfg);
    }
    unlink(path);
    unlink(empty);
    return tap_done();
}
