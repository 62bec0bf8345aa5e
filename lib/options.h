/* The module's options: the one table in options.def and its parser.  It
 * reads no file: conf.c hands it the lines that are its own. */
#ifndef PB_OPTIONS_H
#define PB_OPTIONS_H

#include <stddef.h>

#include "log.h"
#include "status.h"

struct pb_strlist {
    char **items;
    size_t count;
};

/* Longest claim name require_claim accepts. */
#define PB_CLAIM_NAME_MAX 127

enum pb_opt_type { PB_T_BOOL, PB_T_INT, PB_T_STRING, PB_T_PATH, PB_T_SOURCE, PB_T_LIST, PB_T_CLAIM };

/* Where an option may be given. */
enum pb_opt_where { PB_W_MODULE = 1, PB_W_FILE = 2 };

struct pb_issuer_table;

struct pb_config {
    struct pb_strlist algorithms;
    struct pb_strlist allow_groups;
    struct pb_strlist audiences;
    char *authority;
    char *bearer_token;
    char *ca_file;
    char *cache_dir;
    char *config;
    int debug;
    int device_login;
    long device_timeout;
    int discovery;
    long helper_timeout;
    char *groups_claim;
    char *hmac_key_file;
    long http_connect_timeout;
    long http_timeout;
    char *issuer;
    char *journal_socket;
    struct pb_strlist issuers;
    char *jwks;
    long jwks_backoff_max;
    long jwks_max_ttl;
    long jwks_min_ttl;
    long jwks_refetch_interval;
    long jwks_stale_limit;
    long jwks_ttl;
    char *ldap_base;
    char *ldap_binddn;
    char *ldap_bindpw_file;
    char *ldap_ca_file;
    char *ldap_filter;
    char *ldap_group;
    int ldap_insecure_plaintext;
    int ldap_starttls;
    long ldap_timeout;
    struct pb_strlist ldap_uris;
    char *ldap_user_dn;
    long leeway;
    long max_token_age;
    char *metrics_file;
    int password_only;
    int obtain_tokens;
    char *prompt;
    struct pb_strlist required;
    int require_tokens;
    int revoke_on_logout;
    char *session_cache_dir;
    int session_token_only;
    int token_only;
    long token_parts;
    int try_first_pass;
    int use_authtok;           /* read by libpam's pam_get_authtok too */
    int use_first_pass;
    int use_session_token;
    char *user_claim;
    int user_lowercase;
    char *user_regex;
    char *user_strip_domain;
    char *user_template;
    char *userinfo_endpoint;

    unsigned alg_mask;       /* derived from algorithms by pb_config_finish */
    void *user_re;           /* user_regex compiled (regex_t) by pb_config_finish */
    /* [issuer NAME] sections (issuer.h); NULL when there are none.  In an
     * issuer's own configuration: NULL, and section names it. */
    struct pb_issuer_table *issuer_table;
    const char *section;
    int shares_host;         /* a section: the fields no section sets point into the top level's */
};

struct pb_option {
    const char *name;
    enum pb_opt_type type;
    size_t offset;
    const char *default_value;
    enum pb_opt_where where;
    const char *help;
};

/* The table, sorted by name; count in *n. */
const struct pb_option *pb_options_table(size_t *n);

/* Non-zero if name is a module option. */
int pb_options_is_key(const char *name);

/* Set every option to its default.  Returns PB_OK or PB_NOMEM. */
enum pb_status pb_config_init(struct pb_config *cfg);

/* Apply one "key=value" (or a bare boolean "key") from the given source.
 * Unknown keys, bad values and keys not allowed there give PB_CONFIG and a
 * message in err. */
enum pb_status pb_config_apply(struct pb_config *cfg, const char *word,
                               enum pb_opt_where source, char *err, size_t errlen);

/* Check the combination once every source is applied (e.g. HS256 needs
 * hmac_key_file), derive alg_mask and the user mapping, and finish the
 * [issuer] sections (issuer.h) with the options of cfg. */
enum pb_status pb_config_finish(struct pb_config *cfg, char *err, size_t errlen);

/* Non-zero when cfg gives the module something to do: a key source (jwks,
 * discovery, hmac_key_file), an LDAP server (ldap_uri), or session tokens
 * (obtain_tokens, revoke_on_logout, use_session_token: a session line that
 * only revokes needs no key).  A module without any has no configuration at
 * all, which is not an error. */
int pb_config_has_source(const struct pb_config *cfg);

void pb_config_free(struct pb_config *cfg);

/* Set opt from the file's value (NULL: a bare boolean switched on), as
 * pb_config_apply does for "key=value". */
enum pb_status pb_config_set(struct pb_config *cfg, const struct pb_option *opt, const char *value, char *err,
                             size_t errlen);

/* Set opt to its default (a no-op without one).  PB_OK or PB_NOMEM. */
enum pb_status pb_config_default(struct pb_config *cfg, const struct pb_option *opt);

/* Point dst's value of opt at src's (no copy): for a section, whose
 * shares_host makes pb_config_free leave such fields alone; src must
 * outlive dst. */
void pb_config_share_option(struct pb_config *dst, const struct pb_config *src, const struct pb_option *opt);

/* The option called name (or the len bytes at name), or NULL. */
const struct pb_option *pb_options_find(const char *name);
const struct pb_option *pb_options_find_n(const char *name, size_t len);

void pb_strlist_clear(struct pb_strlist *list);

#endif
