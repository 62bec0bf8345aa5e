/* Small I/O helpers the core's file writers share. */
#ifndef PB_IO_H
#define PB_IO_H

#include <stddef.h>

/* Write all len bytes of buf to fd, retrying after EINTR and short writes.
 * 0, or -1 with errno set (a write that returned 0 sets EIO). */
int pb_write_all(int fd, const void *buf, size_t len);

#endif
