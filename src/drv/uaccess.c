// SPDX-License-Identifier: MIT
/* User-pointer copies through process_vm_readv/writev on ourselves: the
 * kernel checks the addresses and reports EFAULT instead of faulting us. */
#include "drv/uaccess.h"

#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

int uaccess_copy_from(void *dst, u64 src, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)(uintptr_t)src, len };

	if (!len)
		return 0;
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)len)
		return -EFAULT;
	return 0;
}

int uaccess_copy_to(u64 dst, const void *src, size_t len)
{
	struct iovec local = { (void *)src, len }, remote = { (void *)(uintptr_t)dst, len };

	if (!len)
		return 0;
	if (process_vm_writev(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)len)
		return -EFAULT;
	return 0;
}
