/* Token authorities: the "[authority NAME]" sections of pam_bearer.conf, each
 * one data-driven description of a token endpoint (authority.def), starting
 * from a built-in preset that follows one vendor's documentation. */
#ifndef PB_AUTHORITY_H
#define PB_AUTHORITY_H

#include <stddef.h>

#include "log.h"
#include "status.h"

/* Longest section name: letters, digits, '.', '_' and '-'. */
#define PB_SECTION_NAME_MAX 63

enum pb_client_auth { PB_CLIENT_NONE, PB_CLIENT_BASIC };
enum pb_body { PB_BODY_JSON, PB_BODY_FORM };
enum pb_reply { PB_REPLY_JSON, PB_REPLY_TEXT };
enum pb_revoke { PB_REVOKE_NONE, PB_REVOKE_RFC7009, PB_REVOKE_DELETE_QUERY, PB_REVOKE_LOGOUT_HEADER };
enum pb_scheme { PB_SCHEME_BEARER, PB_SCHEME_AR_JWT, PB_SCHEME_TOKEN, PB_SCHEME_BARE };

struct pb_authority {
    char name[PB_SECTION_NAME_MAX + 1];
    char *access_field;
    char *ca_file;
    int client_auth;            /* enum pb_client_auth */
    char *client_id;
    char *client_secret_file;
    char *device_path;          /* RFC 8628; NULL: discovery */
    char *expires_at_field;
    char *expires_in_field;
    long connect_timeout;
    long timeout;
    char *login_fields;
    char *login_path;
    char *password_field;
    int preset;                 /* index into the preset table, -1 for none */
    char *refresh_field;
    char *refresh_fields;
    char *refresh_param;
    char *refresh_path;
    long renew_before;
    int request_body;           /* enum pb_body */
    int response_body;          /* enum pb_reply */
    int revoke;                 /* enum pb_revoke */
    char *revoke_path;
    int scheme;                 /* enum pb_scheme */
    char *scope;
    char *scope_field;
    char *tenant;
    char *tenant_field;
    char *url;
    char *username_field;
    int lines;                  /* lines read from its section so far */
};

/* Defaults, for the section called name (NULL: none yet). */
void pb_authority_init(struct pb_authority *a, const char *name);
/* One line of the section: "key = value".  PB_CONFIG with err set if the key
 * is unknown, the value wrong, or a preset comes after other lines. */
enum pb_status pb_authority_set(struct pb_authority *a, const char *key, const char *value, char *err,
                                size_t errlen);
/* Once every line is set: can the description work?  PB_CONFIG with err. */
enum pb_status pb_authority_check(const struct pb_authority *a, char *err, size_t errlen);
/* Free what a holds and set the defaults again. */
void pb_authority_clear(struct pb_authority *a);

/* Non-zero if name is a key of authority sections (authority.def). */
int pb_authority_is_key(const char *name);

/* The absolute URL of an endpoint (a path below url, or already a URL). */
int pb_authority_url(const struct pb_authority *a, const char *endpoint, char *out, size_t cap);

/* "Bearer ", "AR-JWT ", "token=" or "": what precedes the token in an
 * Authorization header. */
const char *pb_authority_scheme_prefix(const struct pb_authority *a);

/* The preset's name, or "custom". */
const char *pb_authority_preset_name(const struct pb_authority *a);

#endif
