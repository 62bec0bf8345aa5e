/* Secret hygiene: wiping and freeing buffers that held credentials. */
#ifndef PB_SECRET_H
#define PB_SECRET_H

#include <stddef.h>
#include <sys/stat.h>

#include "status.h"

/* Wipe len bytes of p, then free it.  NULL is fine. */
void pb_secret_free(void *p, size_t len);

/* Wipe a NUL-terminated string in place, then free it.  NULL is fine. */
void pb_secret_free_str(char *s);

/* Make room for need bytes in *buf (capacity *cap, first used bytes in use),
 * doubling from first_cap.  Not realloc: the old block is wiped before it is
 * freed, so a growing buffer of secrets leaves no copies behind.  0 or -1. */
int pb_secret_reserve(void *buf, size_t *cap, size_t used, size_t need, size_t first_cap);

/* Read a whole regular file of at most max bytes into a fresh buffer, refusing
 * symlinks, non-regular files and files others may write (and, if private,
 * files others may read).  Caller frees with pb_secret_free(buf, *len + 1).
 * If st is not NULL it receives the identity of the file that was read. */
enum pb_status pb_secret_read_file(const char *path, size_t max, int private_file,
                                   unsigned char **buf, size_t *len, struct stat *st,
                                   char *err, size_t errlen);

#endif
