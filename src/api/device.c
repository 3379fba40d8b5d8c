// SPDX-License-Identifier: MIT
/*
 * Device files for programs linked with libsgxemu and for the preload
 * shim: the process's table of descriptors that are emulated device files
 * (/dev/sgx_enclave, /dev/sgx_provision, the seed's /dev/sgx and
 * /dev/sgx_vepc).  Each is a real descriptor (a memfd holds the number)
 * with the driver's file object behind it; the driver does everything
 * else (src/drv/file.c).  A call on a descriptor holds a reference to its
 * file for its whole duration, as the kernel's fdget() does, so a close()
 * or dup2() over the descriptor meanwhile only drops the table's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/sys.h"
#include "api/api.h"
#include "drv/drv.h"
#include "sgxemu/sgxemu.h"
#include "virt/virt.h"

#define MAX_FDS 4096
static _Atomic(struct drv_file *) files[MAX_FDS];
/* sgxemu_set_fd_floor(): where device file numbers start. */
static atomic_int fd_floor;

static const char *const node_paths[DRV_NR_NODES] = {
	[DRV_NODE_ENCLAVE] = "/dev/sgx_enclave",
	[DRV_NODE_PROVISION] = "/dev/sgx_provision",
	[DRV_NODE_SGX] = "/dev/sgx",
	[DRV_NODE_VEPC] = "/dev/sgx_vepc",
};

void sgxemu_set_fd_floor(int first)
{
	atomic_store(&fd_floor, first > 0 ? first : 0);
}

int api_fd_floor(void)
{
	return atomic_load(&fd_floor);
}

/* Renumber a new descriptor to the floor, if one is set and it can be. */
static int to_floor(int fd)
{
	int floor = atomic_load(&fd_floor), moved;

	if (fd < 0 || !floor || fd >= floor)
		return fd;
	moved = (int)sys_call6(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor, 0, 0, 0);
	if (moved < 0)
		return fd;
	sys_close(fd);
	return moved;
}

/*
 * The file behind @fd with a reference, or NULL.  The table's slot may be
 * emptied and the file released between our load and our reference: the
 * reference then fails (files are type-stable), or the slot no longer
 * holds the file and we try again.
 */
static struct drv_file *fdget(int fd)
{
	struct drv_file *f;

	if (fd < 0 || fd >= MAX_FDS)
		return NULL;
	for (;;) {
		f = atomic_load(&files[fd]);
		if (!f)
			return NULL;
		if (!drv_file_tryget(f))
			continue;
		if (atomic_load(&files[fd]) == f)
			return f;
		drv_file_put(f);
	}
}

/* A descriptor for @f, which it takes over: the descriptor, or -errno. */
static int fd_install(struct drv_file *f)
{
	enum drv_node node = drv_file_node(f);
	int fd = to_floor(memfd_create(node_paths[node] + 5, MFD_CLOEXEC)), err;
	struct drv_file *prev;

	if (fd < 0 || fd >= MAX_FDS) {
		err = fd < 0 ? -errno : -EMFILE;
		if (fd >= 0)
			sys_close(fd);
		return err;
	}
	prev = atomic_exchange(&files[fd], f);
	drv_file_put(prev);
	return fd;
}

static const struct drv_fdtable fdtable = { .get = fdget, .install = fd_install };

void api_fdtable_init(void)
{
	drv_fdtable_set(&fdtable);
}

const char *sgxemu_fd_path(int fd)
{
	struct drv_file *f = fdget(fd);
	const char *path;

	if (!f)
		return NULL;
	path = node_paths[drv_file_node(f)];
	drv_file_put(f);
	return path;
}

int sgxemu_open(struct sgxemu_platform *p, const char *path, int flags)
{
	struct drv_file *f;
	int node, fd, err;

	(void)flags;
	for (node = 0; node < DRV_NR_NODES; node++)
		if (!strcmp(path, node_paths[node]))
			break;
	if (node == DRV_NR_NODES)
		return -ENOENT;
	err = drv_open(api_drv(p), (enum drv_node)node, &f);
	if (err)
		return err;
	fd = fd_install(f);
	if (fd < 0)
		drv_file_put(f);
	return fd;
}

struct drv_file *api_file_get(int fd)
{
	return fdget(fd);
}

int sgxemu_close(int fd)
{
	struct drv_file *f = fd >= 0 && fd < MAX_FDS ? atomic_exchange(&files[fd], NULL) : NULL;

	if (!f)
		return -EBADF;
	drv_file_put(f);
	return sys_close(fd);
}

void sgxemu_forget_fd(int fd)
{
	struct drv_file *f = fd >= 0 && fd < MAX_FDS ? atomic_exchange(&files[fd], NULL) : NULL;

	drv_file_put(f);
}

int sgxemu_dup(int oldfd, int newfd, int flags)
{
	struct drv_file *f = fdget(oldfd), *prev;
	int fd;

	if (!f)
		return -EBADF;
	/* The kernel picks or replaces the number; the device follows it. */
	if (newfd < 0) {
		int floor = atomic_load(&fd_floor);

		fd = (int)sys_call6(SYS_fcntl, oldfd,
				    (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD,
				    -newfd - 1 > floor ? -newfd - 1 : floor, 0, 0, 0);
		if ((fd == -EINVAL || fd == -EMFILE) && floor)
			fd = (int)sys_call6(SYS_fcntl, oldfd,
					    (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD,
					    -newfd - 1, 0, 0, 0);
	} else if (newfd == oldfd) {
		drv_file_put(f);
		return newfd;
	} else {
		fd = (int)sys_call6(SYS_dup3, oldfd, newfd, flags & O_CLOEXEC, 0, 0, 0);
	}
	if (fd >= 0 && fd >= MAX_FDS) {
		sys_close(fd);
		fd = -EMFILE;
	}
	if (fd < 0) {
		drv_file_put(f);
		return fd;
	}
	/* Our reference is the new descriptor's. */
	prev = atomic_exchange(&files[fd], f);
	drv_file_put(prev);
	return fd;
}

int sgxemu_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct drv_file *f = fdget(fd);
	long r;

	if (!f)
		return -EBADF;
	r = drv_ioctl(f, (unsigned int)cmd, arg);
	drv_file_put(f);
	return (int)r;
}

int sgxemu_mmap(void *addr, size_t len, int prot, int flags, int fd, long off, void **out)
{
	struct drv_file *f = fdget(fd);
	u64 a;
	int err;

	if (!f)
		return -EBADF;
	err = off < 0 ? -EINVAL :
			drv_mmap(f, (u64)(uintptr_t)addr, len, prot, flags, (u64)off, &a);
	drv_file_put(f);
	if (!err)
		*out = (void *)(uintptr_t)a;
	return err;
}

int sgxemu_mprotect(void *addr, size_t len, int prot)
{
	return drv_mprotect((u64)(uintptr_t)addr, len, prot);
}

int sgxemu_munmap(void *addr, size_t len)
{
	int err = drv_munmap((u64)(uintptr_t)addr, len);

	if (!err)
		vepc_forget_range((u64)(uintptr_t)addr, len);
	return err;
}

void sgxemu_forget_range(void *addr, size_t len)
{
	drv_forget_range((u64)(uintptr_t)addr, len);
	vepc_forget_range((u64)(uintptr_t)addr, len);
}
