/* SPDX-License-Identifier: MIT */
/* Whole-file reads and crash-safe writes. */
#ifndef SGXEMU_BASE_FILE_H
#define SGXEMU_BASE_FILE_H

#include "base/types.h"

/*
 * Read all of @path into a malloc'd buffer (*@buf, *@len).  Files larger than
 * @max bytes are refused with -EFBIG so bad input cannot exhaust memory; a
 * path that is not a regular file (a directory, FIFO, device or socket) is
 * refused with -EISDIR or -EINVAL without waiting for a writer.
 * Return: 0 or -errno.
 */
int file_read_all(const char *path, size_t max, u8 **buf, size_t *len);

/* file_read_all()'s error in words: "not a regular file" for -EINVAL. */
const char *file_strerror(int err);

/*
 * Create @path with @mode holding @len bytes, atomically: the data is written
 * to a temporary file, synced and linked into place, so a reader never sees a
 * partial file.  When @exclusive and @path already exists, fail with -EEXIST
 * and leave the existing file alone.
 * Return: 0 or -errno.
 */
int file_write_atomic(const char *path, const void *buf, size_t len, unsigned int mode,
		      bool exclusive);

#endif
