/* The per-user token cache: one directory (0700, the user's own), one file
 * per authority (0600), read without following links, replaced by rename so
 * that a crash at any instant leaves the old file or the new one. */
#ifndef PB_TOKENCACHE_H
#define PB_TOKENCACHE_H

#include <stddef.h>
#include <sys/types.h>

#include "jws.h"

#define PB_CACHE_ENV "BEARER_TOKEN_CACHE"
/* A cache file holds an access and a refresh token, each up to
 * PB_JWS_MAX_TOKEN (jws.h), and their JSON: names, user, scope, times, and
 * escapes for the quote and the backslash an opaque refresh token may hold. */
#define PB_CACHE_MAX_FILE (3 * PB_JWS_MAX_TOKEN)

/* What a cache file holds.  Strings are secrets (wiped by pb_tokens_clear). */
struct pb_tokens {
    char *user;
    char *access;
    char *refresh;              /* NULL: the authority issues none */
    char *scope;
    long long obtained;         /* when the access token was issued to us */
    long long expires;          /* when the access token stops working */
};

void pb_tokens_clear(struct pb_tokens *t);

enum pb_cache_result {
    PB_CACHE_OK,
    PB_CACHE_ABSENT,            /* no cache file: a login is needed */
    PB_CACHE_UNSAFE,            /* a link, another owner, loose permissions */
    PB_CACHE_CORRUPT,           /* not a cache file this program wrote */
    PB_CACHE_ERROR              /* I/O or memory */
};

/* The directory: $BEARER_TOKEN_CACHE, else $XDG_RUNTIME_DIR/bearer-token,
 * else ~/.cache/bearer-token. */
int pb_cache_dir_path(char *out, size_t cap, char *err, size_t errlen);

/* Open the directory (creating it 0700 if create and it is missing) and check
 * that it is the caller's own, private, and not a link. */
enum pb_cache_result pb_cache_open_dir(const char *path, int create, int *dirfd, char *err, size_t errlen);

enum pb_cache_result pb_cache_read(int dirfd, const char *authority, struct pb_tokens *out,
                                   char *err, size_t errlen);

/* The same checks with another owner: the module (root) reading a user's
 * session cache requires the directory and file to be that user's. */
enum pb_cache_result pb_cache_open_dir_of(const char *path, uid_t owner, int create, int *dirfd,
                                          char *err, size_t errlen);
enum pb_cache_result pb_cache_read_of(int dirfd, const char *authority, uid_t owner, struct pb_tokens *out,
                                      char *err, size_t errlen);

/* Write the authority's file: a temporary file (under the lock), fsync, rename. */
enum pb_cache_result pb_cache_write(int dirfd, const char *authority, const struct pb_tokens *t,
                                    char *err, size_t errlen);

/* Remove the authority's file; absent is fine. */
enum pb_cache_result pb_cache_remove(int dirfd, const char *authority, char *err, size_t errlen);

/* Take the authority's lock (serialises renewals and writes), waiting at most
 * timeout seconds.  Returns the lock's descriptor or -1.  bearer-token only:
 * it waits with SIGALRM, which the module must never touch. */
int pb_cache_lock(int dirfd, const char *authority, long timeout, char *err, size_t errlen);

const char *pb_cache_result_name(enum pb_cache_result r);

#endif
