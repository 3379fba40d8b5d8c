// SPDX-License-Identifier: MIT
/* Whole-file reads and crash-safe writes. */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_all(const char *path, size_t max, u8 **buf, size_t *len)
{
	struct stat st;
	size_t off = 0;
	u8 *p;
	int fd, err;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer before we
	 * can see it is one.  A regular file ignores the flag. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return errno == ENXIO ? -EINVAL : -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out_close;
	}
	if ((u64)st.st_size > max) {
		err = -EFBIG;
		goto out_close;
	}
	/* One spare byte so an empty file still gets a valid pointer. */
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		err = -ENOMEM;
		goto out_close;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, p + off, (size_t)st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* -EINVAL means "not a regular file" here. */
			err = n < 0 && errno != EINVAL ? -errno : -EIO;
			free(p);
			goto out_close;
		}
		off += (size_t)n;
	}
	*buf = p;
	*len = off;
	err = 0;
out_close:
	close(fd);
	return err;
}

const char *file_strerror(int err)
{
	switch (err) {
	case -EINVAL:
		return "not a regular file";
	case -EFBIG:
		return "file too large";
	default:
		return strerror(-err);
	}
}

static int write_all(int fd, const u8 *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int file_write_atomic(const char *path, const void *buf, size_t len, unsigned int mode,
		      bool exclusive)
{
	char tmp[4096];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	err = write_all(fd, buf, len);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		goto out_unlink;
	/* link() fails with EEXIST instead of replacing, which is what makes
	 * concurrent first-time creation safe. */
	if (exclusive) {
		if (link(tmp, path) < 0)
			err = -errno;
	} else if (rename(tmp, path) < 0) {
		err = -errno;
	}
out_unlink:
	unlink(tmp);
	return err;
}
