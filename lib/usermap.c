/* The user mapping: claim, transformation in a fixed order, name checks. */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "claim-path.h"
#include "log.h"
#include "usermap.h"

/* "%s" at most once, "%%", nothing else after a '%'.  Returns the number
 * of "%s", or -1. */
static int
template_uses(const char *t)
{
    int uses = 0;

    for (const char *p = t; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == 's')
            uses++;
        else if (*p != '%')
            return -1;
    }
    return uses > 1 ? -1 : uses;
}

enum pb_status
pb_usermap_prepare(struct pb_config *cfg, char *err, size_t errlen)
{
    regex_t *re;
    int rc;

    if (pb_claim_path_check(cfg->user_claim) != 0 || pb_claim_path_check(cfg->groups_claim) != 0) {
        snprintf(err, errlen, "user_claim and groups_claim: expected a claim name or a dotted path "
                 "(no empty name, at most %d deep)", PB_CLAIM_PATH_MAX_DEPTH);
        return PB_CONFIG;
    }
    if (cfg->user_template != NULL && template_uses(cfg->user_template) < 0) {
        snprintf(err, errlen, "user_template: only one %%s (the mapped claim) and %%%% are allowed");
        return PB_CONFIG;
    }
    if (cfg->user_strip_domain != NULL
        && (strchr(cfg->user_strip_domain, '@') != NULL || pb_usermap_bad_name(cfg->user_strip_domain,
                                                                                strlen(cfg->user_strip_domain)))) {
        snprintf(err, errlen, "user_strip_domain: expected a domain such as example.com, without '@'");
        return PB_CONFIG;
    }
    pb_usermap_release(cfg);
    if (cfg->user_regex == NULL)
        return PB_OK;
    re = malloc(sizeof(*re));
    if (re == NULL)
        return PB_NOMEM;
    rc = regcomp(re, cfg->user_regex, REG_EXTENDED);
    if (rc != 0) {
        char why[128];
        regerror(rc, re, why, sizeof(why));
        free(re);
        snprintf(err, errlen, "user_regex: %s", why);
        return PB_CONFIG;
    }
    if (re->re_nsub != 1) {
        snprintf(err, errlen, "user_regex: expected exactly one capture group, got %zu", re->re_nsub);
        regfree(re);
        free(re);
        return PB_CONFIG;
    }
    cfg->user_re = re;
    return PB_OK;
}

void
pb_usermap_release(struct pb_config *cfg)
{
    if (cfg->user_re != NULL) {
        regfree(cfg->user_re);
        free(cfg->user_re);
        cfg->user_re = NULL;
    }
}

const char *
pb_usermap_bad_name(const char *name, size_t len)
{
    if (len == 0)
        return "is empty";
    if (len > PB_USERMAP_NAME_MAX)
        return "is too long";
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return "is \".\" or \"..\"";
    if (name[0] == '-')
        return "starts with '-'";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) name[i];
        if (c == '\0' || c < 0x20 || c == 0x7f)
            return "holds a NUL or control byte";
        if (c == '/' || c == ':')
            return "holds '/' or ':'";
    }
    return NULL;
}

/* One step's result replaces the name; each is reported as "map: STEP". */
struct name {
    char buf[PB_USERMAP_CLAIM_MAX + 1];
    size_t len;
};

static enum pb_status
strip_domain(const struct pb_config *cfg, struct name *n, struct pb_verdict *verdict)
{
    size_t dlen = strlen(cfg->user_strip_domain);
    char *at = memrchr(n->buf, '@', n->len);

    /* Another domain's alice is not this host's alice. */
    if (at == NULL || (size_t) (n->buf + n->len - at - 1) != dlen
        || strncasecmp(at + 1, cfg->user_strip_domain, dlen) != 0) {
        pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s does not end in @%s", cfg->user_claim,
                       cfg->user_strip_domain);
        return PB_REJECTED;
    }
    n->len = (size_t) (at - n->buf);
    n->buf[n->len] = '\0';
    if (memchr(n->buf, '@', n->len) != NULL) {
        pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s holds '@' before @%s", cfg->user_claim,
                       cfg->user_strip_domain);
        return PB_REJECTED;
    }
    return PB_OK;
}

static enum pb_status
lowercase(const struct pb_config *cfg, struct name *n, struct pb_verdict *verdict)
{
    (void) cfg, (void) verdict;
    for (size_t i = 0; i < n->len; i++)
        if (n->buf[i] >= 'A' && n->buf[i] <= 'Z')
            n->buf[i] = (char) (n->buf[i] - 'A' + 'a');
    return PB_OK;
}

static enum pb_status
capture(const struct pb_config *cfg, struct name *n, struct pb_verdict *verdict)
{
    regmatch_t m[2];

    /* Anchored: the whole name must match, not some part of it. */
    if (regexec(cfg->user_re, n->buf, 2, m, 0) != 0 || m[0].rm_so != 0 || (size_t) m[0].rm_eo != n->len
        || m[1].rm_so < 0) {
        pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s does not match user_regex", cfg->user_claim);
        return PB_REJECTED;
    }
    n->len = (size_t) (m[1].rm_eo - m[1].rm_so);
    memmove(n->buf, n->buf + m[1].rm_so, n->len);
    n->buf[n->len] = '\0';
    return PB_OK;
}

static enum pb_status
template(const struct pb_config *cfg, struct name *n, struct pb_verdict *verdict)
{
    char out[sizeof(n->buf)];
    size_t o = 0;

    for (const char *p = cfg->user_template; *p != '\0'; p++) {
        const char *add = p;
        size_t len = 1;
        if (*p == '%') {
            p++;
            if (*p == 's') {
                add = n->buf;
                len = n->len;
            } else {
                add = p;        /* "%%" (checked when the option was read) */
            }
        }
        if (len > sizeof(out) - 1 - o) {
            pb_verdict_set(verdict, PB_R_USER_CLAIM, "user_template makes a name that is too long");
            return PB_REJECTED;
        }
        memcpy(out + o, add, len);
        o += len;
    }
    memcpy(n->buf, out, o);
    n->buf[o] = '\0';
    n->len = o;
    return PB_OK;
}

/* The steps in their one order; a step runs when its option is set. */
static const struct {
    const char *name;
    size_t offset;              /* the option that switches it on */
    int is_bool;
    enum pb_status (*run)(const struct pb_config *, struct name *, struct pb_verdict *);
} steps[] = {
    { "map: user_strip_domain", offsetof(struct pb_config, user_strip_domain), 0, strip_domain },
    { "map: user_lowercase", offsetof(struct pb_config, user_lowercase), 1, lowercase },
    { "map: user_regex", offsetof(struct pb_config, user_re), 0, capture },
    { "map: user_template", offsetof(struct pb_config, user_template), 0, template },
};

enum pb_status
pb_usermap_apply(const struct pb_config *cfg, json_t *claims, char *out, size_t cap,
                 const struct pb_trace *trace, struct pb_verdict *verdict)
{
    json_t *value = pb_claim_path_get(claims, cfg->user_claim);
    struct name n;
    const char *why;
    char shown[96];

    if (!json_is_string(value)) {
        pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s is %s", cfg->user_claim,
                       value == NULL ? "missing" : "not a string");
        goto fail;
    }
    n.len = json_string_length(value);
    if (n.len > PB_USERMAP_CLAIM_MAX) {
        pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s is longer than %d bytes", cfg->user_claim,
                       PB_USERMAP_CLAIM_MAX);
        goto fail;
    }
    memcpy(n.buf, json_string_value(value), n.len);
    n.buf[n.len] = '\0';
    /* A NUL would cut the name short for every step below and for libc. */
    if (memchr(n.buf, '\0', n.len) != NULL) {
        pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s holds a NUL byte", cfg->user_claim);
        goto fail;
    }
    for (size_t i = 0; i < n.len; i++)
        if ((unsigned char) n.buf[i] < 0x20 || n.buf[i] == 0x7f) {
            pb_verdict_set(verdict, PB_R_USER_CLAIM, "claim %s holds a control character", cfg->user_claim);
            goto fail;
        }
    pb_log_sanitize(shown, sizeof(shown), n.buf, n.len);
    pb_trace_report(trace, "map: user_claim", PB_CHECK_OK, "%s is \"%s\"", cfg->user_claim, shown);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        const void *field = (const char *) cfg + steps[i].offset;
        if (steps[i].is_bool ? *(const int *) field == 0 : *(void *const *) field == NULL)
            continue;
        if (steps[i].run(cfg, &n, verdict) != PB_OK) {
            pb_trace_report(trace, steps[i].name, PB_CHECK_FAIL, "%s", verdict->detail);
            return PB_REJECTED;
        }
        pb_log_sanitize(shown, sizeof(shown), n.buf, n.len);
        pb_trace_report(trace, steps[i].name, PB_CHECK_OK, "\"%s\"", shown);
    }
    why = pb_usermap_bad_name(n.buf, n.len);
    if (why != NULL || n.len >= cap) {
        pb_verdict_set(verdict, PB_R_USER_CLAIM, "the name mapped from claim %s %s", cfg->user_claim,
                       why != NULL ? why : "is too long");
        goto fail;
    }
    memcpy(out, n.buf, n.len + 1);
    return PB_OK;
fail:
    pb_trace_report(trace, "map", PB_CHECK_FAIL, "%s", verdict->detail);
    return PB_REJECTED;
}
