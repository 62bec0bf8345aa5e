/* The user mapping: each step alone and together, the options refused when
 * read, and every name a local user cannot have. */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "usermap.h"

static struct pb_config cfg;

static void
reset(void)
{
    pb_config_free(&cfg);
    pb_config_init(&cfg);
}

/* Set word; returns the status of finishing the configuration. */
static enum pb_status
set(const char *word)
{
    char err[256];
    enum pb_status status = pb_config_apply(&cfg, word, PB_W_FILE, err, sizeof(err));

    if (status == PB_OK)
        status = pb_usermap_prepare(&cfg, err, sizeof(err));
    return status;
}

/* Map claims_json; "" when refused (the verdict in *reason). */
static const char *
map(const char *claims_json, enum pb_reason *reason)
{
    static char out[PB_USERMAP_NAME_MAX + 1];
    json_error_t jerr;
    json_t *claims = json_loads(claims_json, JSON_ALLOW_NUL, &jerr);
    struct pb_verdict verdict = { PB_R_NONE, "" };
    enum pb_status status;

    out[0] = '\0';
    if (claims == NULL)
        return "(bad json)";
    status = pb_usermap_apply(&cfg, claims, out, sizeof(out), NULL, &verdict);
    json_decref(claims);
    if (reason != NULL)
        *reason = verdict.reason;
    if (status != PB_OK)
        out[0] = '\0';
    return out;
}

/* One sub claim (JSON string contents) and the name it must map to ("":
 * refused). */
struct map_case {
    const char *sub, *want, *what;
};

static const struct map_case names[] = {
    { "", "", "empty refused" },
    { ".", "", "\".\" refused" },
    { "..", "", "\"..\" refused" },
    { "...", "...", "\"...\" is a name" },
    { "../root", "", "'/' refused" },
    { "a:b", "", "':' refused" },
    { "-rf", "", "leading '-' refused" },
    { "a-b", "a-b", "an inner '-' is fine" },
    { "al\\u0000ice", "", "NUL refused" },
    { "al\\nice", "", "newline refused" },
    { "al\\u007fice", "", "DEL refused" },
};

static const struct map_case domains[] = {
    { "alice@example.com", "alice", "domain stripped" },
    { "alice@EXAMPLE.com", "alice", "domain in another case stripped" },
    { "Alice@example.com", "Alice", "the name keeps its case" },
    { "alice@sub.example.com", "", "a subdomain refused" },
    { "alice@example.com.evil", "", "a longer domain refused" },
    { "alice", "", "no domain refused" },
    { "a@b@example.com", "", "the rest holding '@' refused" },
    { "@example.com", "", "empty after stripping refused" },
    { "..@example.com", "", "\"..\" after stripping refused" },
};

static void
run_cases(const struct map_case *c, size_t n)
{
    char json[256];

    for (size_t i = 0; i < n; i++) {
        snprintf(json, sizeof(json), "{\"sub\":\"%s\"}", c[i].sub);
        tap_is_str(map(json, NULL), c[i].want, "%s", c[i].what);
    }
}

/* A sequence: set an option (status as given), or map a sub claim. */
struct step {
    const char *option;         /* NULL: map sub */
    enum pb_status status;
    const char *sub, *want, *what;
};

static const struct step templates[] = {
    { "user_template=deploy", PB_OK, NULL, NULL, "a template without %s: one name for every token" },
    { NULL, PB_OK, "org/app", "deploy", "constant template" },
    { "user_template=100%%-%s", PB_OK, NULL, NULL, "%% in a template" },
    { NULL, PB_OK, "x", "100%-x", "%% is a percent sign" },
    { "user_template=%s-%s", PB_CONFIG, NULL, NULL, "two %s refused" },
    { "user_template=%d", PB_CONFIG, NULL, NULL, "%d refused" },
    { "user_template=abc%", PB_CONFIG, NULL, NULL, "a trailing % refused" },
    { "user_template=-%s", PB_OK, NULL, NULL, "a template with a leading '-' ..." },
    { NULL, PB_OK, "x", "", "... makes names that are refused" },
};

static const struct step regexes[] = {
    { "user_regex=([a-z]+)@corp\\.example", PB_OK, NULL, NULL, "user_regex set" },
    { NULL, PB_OK, "carol@corp.example", "carol", "the capture is the name" },
    { NULL, PB_OK, "carol@corp.example.evil", "", "a match that is not the whole name refused" },
    { NULL, PB_OK, "x-carol@corp.example", "", "a match not at the start refused" },
    { NULL, PB_OK, "Carol@corp.example", "", "no match refused" },
    { "user_regex=([a-z]*)@corp\\.example", PB_OK, NULL, NULL, "a capture that may be empty" },
    { NULL, PB_OK, "@corp.example", "", "... an empty capture refused" },
    { "user_regex=(a)|(b)", PB_CONFIG, NULL, NULL, "two captures refused" },
    { "user_regex=[a-z]+", PB_CONFIG, NULL, NULL, "no capture refused" },
    { "user_regex=([", PB_CONFIG, NULL, NULL, "a bad expression refused" },
    { "user_regex=x|(y)", PB_OK, NULL, NULL, "a capture that may not take part ..." },
    { NULL, PB_OK, "x", "", "... refused when it does not" },
    { NULL, PB_OK, "y", "y", "... the name when it does" },
};

static void
run_steps(const struct step *st, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (st[i].option != NULL) {
            tap_is_int(set(st[i].option), st[i].status, "%s", st[i].what);
        } else {
            char json[256];
            snprintf(json, sizeof(json), "{\"sub\":\"%s\"}", st[i].sub);
            tap_is_str(map(json, NULL), st[i].want, "%s", st[i].what);
        }
    }
}

int
main(void)
{
    enum pb_reason reason;
    char big[2048];

    pb_config_init(&cfg);
    tap_is_str(map("{\"sub\":\"alice\"}", NULL), "alice", "no mapping: the claim as it is");
    tap_is_str(map("{\"sub\":\"Alice\"}", NULL), "Alice", "no mapping: no case folding");
    tap_is_str(map("{\"uid\":\"alice\"}", &reason), "", "missing claim refused");
    tap_is_int(reason, PB_R_USER_CLAIM, "... as user-claim");
    tap_is_str(map("{\"sub\":7}", NULL), "", "a number refused");
    tap_is_str(map("{\"sub\":[\"alice\"]}", NULL), "", "an array refused");

    /* Names no local user can have. */
    run_cases(names, sizeof(names) / sizeof(names[0]));
    memset(big, 'a', PB_USERMAP_NAME_MAX);
    big[PB_USERMAP_NAME_MAX] = '\0';
    {
        char json[2100];
        snprintf(json, sizeof(json), "{\"sub\":\"%s\"}", big);
        tap_is_int((int) strlen(map(json, NULL)), PB_USERMAP_NAME_MAX, "%d bytes accepted", PB_USERMAP_NAME_MAX);
        big[PB_USERMAP_NAME_MAX] = 'a';
        big[PB_USERMAP_NAME_MAX + 1] = '\0';
        snprintf(json, sizeof(json), "{\"sub\":\"%s\"}", big);
        tap_is_str(map(json, NULL), "", "%d bytes refused", PB_USERMAP_NAME_MAX + 1);
        memset(big, 'a', sizeof(big) - 1);
        big[PB_USERMAP_CLAIM_MAX + 1] = '\0';
        snprintf(json, sizeof(json), "{\"sub\":\"%s\"}", big);
        tap_is_str(map(json, NULL), "", "a claim over %d bytes refused unread", PB_USERMAP_CLAIM_MAX);
    }

    /* strip a domain: only the configured one, any case. */
    tap_is_int(set("user_strip_domain=example.com"), PB_OK, "user_strip_domain set");
    run_cases(domains, sizeof(domains) / sizeof(domains[0]));
    tap_is_str(map("{\"sub\":\"alice@evil.com\"}", &reason), "", "another domain refused");
    tap_is_int(reason, PB_R_USER_CLAIM, "... as user-claim");
    tap_is_int(set("user_lowercase=true"), PB_OK, "user_lowercase set");
    tap_is_str(map("{\"sub\":\"AlIcE@Example.COM\"}", NULL), "alice", "stripped, then lower case");
    tap_is_str(map("{\"sub\":\"ÉLISE@example.com\"}", NULL), "Élise", "only ASCII letters fold");
    tap_is_int(set("user_template=corp-%s"), PB_OK, "user_template set");
    tap_is_str(map("{\"sub\":\"Bob@example.com\"}", NULL), "corp-bob", "stripped, lower case, template");
    reset();

    /* The template, then the regular expression (one capture, the whole name). */
    run_steps(templates, sizeof(templates) / sizeof(templates[0]));
    reset();
    run_steps(regexes, sizeof(regexes) / sizeof(regexes[0]));
    reset();

    /* The claim may sit at a path; the domain option is checked. */
    tap_is_int(set("user_claim=ext.login"), PB_OK, "user_claim at a path");
    tap_is_str(map("{\"ext\":{\"login\":\"dan\"}}", NULL), "dan", "the name read at the path");
    tap_is_int(set("user_claim=a..b"), PB_CONFIG, "an empty step in the path refused");
    reset();
    tap_is_int(set("user_strip_domain=@example.com"), PB_CONFIG, "a domain with '@' refused");
    reset();
    tap_ok(pb_usermap_bad_name("alice", 5) == NULL, "pb_usermap_bad_name: alice");
    tap_ok(pb_usermap_bad_name("al\0ce", 5) != NULL, "pb_usermap_bad_name: an inner NUL");
    pb_config_free(&cfg);
    return tap_done();
}
