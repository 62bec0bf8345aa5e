/* A set of verification keys loaded from a JWKS or PEM file, converted once
 * and shared (read-only, reference-counted) by every login in the process. */
#ifndef PB_KEYSET_H
#define PB_KEYSET_H

#include <stddef.h>

#include "jwk.h"
#include "log.h"
#include "status.h"

/* Bounds on what a key file may hold. */
#define PB_KEYSET_MAX_BYTES (1024 * 1024)
#define PB_KEYSET_MAX_KEYS 64

#include <pthread.h>

/* Keys are described when the file is read and converted to OpenSSL keys
 * only when a token first needs them: a fresh process (sshd forks one per
 * connection) pays for one key, not for the whole set. */
struct pb_keyset {
    struct pb_key *keys;
    size_t count;
    unsigned refs;              /* holders, the cache included (under its lock) */
    pthread_mutex_t lock;       /* guards lazy conversion of keys */
};

/* Parse a JWKS document or PEM public keys from memory (no cache).
 * PB_UNAVAILABLE when nothing usable is in it.  Free with pb_keyset_free,
 * or pb_keyset_release (it holds one reference). */
enum pb_status pb_keyset_parse(const unsigned char *data, size_t len, struct pb_keyset **out,
                               const struct pb_log *log, const char *origin);

/* The keys in path, from the process cache when the file is unchanged
 * (same device, inode, size, modification and change times).  The result is
 * shared and read-only: give it back with pb_keyset_release. */
enum pb_status pb_keyset_get(const char *path, struct pb_keyset **out, const struct pb_log *log);

/* The same, with known what lstat(path) just returned (one call fewer). */
struct stat;
enum pb_status pb_keyset_get_stat(const char *path, const struct stat *known, struct pb_keyset **out,
                                  const struct pb_log *log);

void pb_keyset_release(struct pb_keyset *set);

/* Key i of set, converted and prepared for alg, or NULL if it is unusable
 * (logged once, when first found out). */
const struct pb_key *pb_keyset_key(struct pb_keyset *set, size_t i, const struct pb_alg *alg,
                                   const struct pb_log *log);

void pb_keyset_free(struct pb_keyset *set);

#endif
