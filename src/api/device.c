// SPDX-License-Identifier: MIT
/*
 * Emulated SGX device files for programs linked with libsgxemu:
 * /dev/sgx_enclave, /dev/sgx_provision and /dev/sgx_vepc as Linux 6.1 has
 * them, and the seed design's /dev/sgx.  Each open file is a real file
 * descriptor (a memfd holds the number) with the device object behind it.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/sys.h"
#include "api/api.h"
#include "drv/drv.h"
#include "drv/uaccess.h"
#include "virt/virt.h"
#include "sgxemu/sgx_seed.h"
#include "sgxemu/sgxemu.h"

enum dev_type { DEV_ENCLAVE = 1, DEV_PROVISION, DEV_SEED, DEV_SEED_ENCLAVE, DEV_VEPC };

/* An open file description: every descriptor dup'ed from one shares it. */
struct dev_file {
	enum dev_type type;
	struct sgxemu_platform *p;
	struct encl *encl;
	struct vepc *vepc;
	atomic_int refs;
};

#define MAX_FDS 4096
static _Atomic(struct dev_file *) files[MAX_FDS];
/* Open enclave files: with none, mprotect and munmap are plain calls. */
static atomic_int nr_enclaves;
/* sgxemu_set_fd_floor(): where device file numbers start. */
static atomic_int fd_floor;

void sgxemu_set_fd_floor(int first)
{
	atomic_store(&fd_floor, first > 0 ? first : 0);
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

static int install(struct sgxemu_platform *p, enum dev_type type)
{
	struct dev_file *f = calloc(1, sizeof(*f));
	int fd, err;

	if (!f)
		return -ENOMEM;
	f->type = type;
	f->p = p;
	atomic_init(&f->refs, 1);
	if (type == DEV_ENCLAVE || type == DEV_SEED_ENCLAVE) {
		err = encl_alloc(api_drv(p), &f->encl);
		if (err) {
			free(f);
			return err;
		}
		atomic_fetch_add(&nr_enclaves, 1);
	}
	if (type == DEV_VEPC) {
		err = vepc_create(api_drv(p), &f->vepc);
		if (err) {
			free(f);
			return err;
		}
	}
	fd = to_floor(memfd_create(type == DEV_PROVISION ? "sgx_provision" :
				   type == DEV_VEPC	 ? "sgx_vepc" :
							   "sgx_enclave",
				   MFD_CLOEXEC));
	if (fd < 0 || fd >= MAX_FDS) {
		err = fd < 0 ? -errno : -EMFILE;
		if (fd >= 0)
			sys_close(fd);
		if (f->encl)
			atomic_fetch_sub(&nr_enclaves, 1);
		encl_destroy(f->encl);
		vepc_destroy(f->vepc);
		free(f);
		return err;
	}
	atomic_store(&files[fd], f);
	return fd;
}

static struct dev_file *file_of(int fd)
{
	return fd >= 0 && fd < MAX_FDS ? atomic_load(&files[fd]) : NULL;
}

const char *sgxemu_fd_path(int fd)
{
	struct dev_file *f = file_of(fd);

	if (!f)
		return NULL;
	switch (f->type) {
	case DEV_PROVISION:
		return "/dev/sgx_provision";
	case DEV_SEED:
		return "/dev/sgx";
	case DEV_VEPC:
		return "/dev/sgx_vepc";
	default:
		return "/dev/sgx_enclave";
	}
}

int sgxemu_open(struct sgxemu_platform *p, const char *path, int flags)
{
	(void)flags;
	if (!strcmp(path, "/dev/sgx_enclave"))
		return install(p, DEV_ENCLAVE);
	if (!strcmp(path, "/dev/sgx_provision"))
		return install(p, DEV_PROVISION);
	if (!strcmp(path, "/dev/sgx"))
		return install(p, DEV_SEED);
	if (!strcmp(path, "/dev/sgx_vepc"))
		return install(p, DEV_VEPC);
	return -ENOENT;
}

/* Drop one descriptor's hold; the last one tears the enclave down. */
static void put_file(struct dev_file *f)
{
	if (atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	if (f->encl)
		atomic_fetch_sub(&nr_enclaves, 1);
	encl_destroy(f->encl);
	vepc_destroy(f->vepc);
	free(f);
}

struct dev_file *api_vepc_hold(int fd)
{
	struct dev_file *f = file_of(fd);

	if (!f || f->type != DEV_VEPC)
		return NULL;
	atomic_fetch_add(&f->refs, 1);
	return f;
}

struct vepc *api_vepc(struct dev_file *f)
{
	return f->vepc;
}

void api_vepc_put(struct dev_file *f, int fd)
{
	/* Close @fd only if it still is this file: the program may have
	 * closed it and the number gone to another file since. */
	if (file_of(fd) == f)
		sgxemu_close(fd);
	put_file(f);
}

int sgxemu_close(int fd)
{
	struct dev_file *f = fd >= 0 && fd < MAX_FDS ? atomic_exchange(&files[fd], NULL) : NULL;

	if (!f)
		return -EBADF;
	put_file(f);
	return sys_close(fd);
}

void sgxemu_forget_fd(int fd)
{
	struct dev_file *f = fd >= 0 && fd < MAX_FDS ? atomic_exchange(&files[fd], NULL) : NULL;

	if (f)
		put_file(f);
}

int sgxemu_dup(int oldfd, int newfd, int flags)
{
	struct dev_file *f = file_of(oldfd), *prev;
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
	}
	else if (newfd == oldfd)
		return newfd;
	else
		fd = (int)sys_call6(SYS_dup3, oldfd, newfd, flags & O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return fd;
	if (fd >= MAX_FDS) {
		sys_close(fd);
		return -EMFILE;
	}
	atomic_fetch_add(&f->refs, 1);
	prev = atomic_exchange(&files[fd], f);
	if (prev)
		put_file(prev);
	return fd;
}

int sgxemu_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct dev_file *f = file_of(fd), *prov;
	struct sgx_enclave_provision pv;

	if (!f)
		return -EBADF;
	switch (f->type) {
	case DEV_SEED:
		/* One /dev/sgx file makes any number of enclaves. */
		if (cmd == SGX_IOC_CREATE_ENCLAVE)
			return install(f->p, DEV_SEED_ENCLAVE);
		if (cmd == SGX_IOC_CREATE_VIRTUAL_EPC)
			return install(f->p, DEV_VEPC);
		return -ENOTTY;
	case DEV_PROVISION:
		return -ENOTTY;
	case DEV_VEPC:
		/* Linux returns the count of SECS pages left, or -EBUSY. */
		if (cmd == SGX_IOC_VEPC_REMOVE_ALL)
			return (int)vepc_remove_all(f->vepc);
		return -ENOTTY;
	default:
		break;
	}
	if (cmd == SGX_IOC_ENCLAVE_PROVISION) {
		if (uaccess_copy_from(&pv, arg, sizeof(pv)))
			return -EFAULT;
		prov = pv.fd <= (u64)INT32_MAX ? file_of((int)pv.fd) : NULL;
		if (!prov || prov->type != DEV_PROVISION)
			return -EINVAL;
		encl_allow_provision(f->encl);
		return 0;
	}
	return encl_ioctl(f->encl, (unsigned int)cmd, arg);
}

/* Keep a range reserved but inaccessible (an enclave mapping without
 * pages). */
static void *placeholder(void *addr, size_t len, int flags)
{
	return sys_mmap(addr, len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (flags & MAP_FIXED), -1, 0);
}

int sgxemu_mmap(void *addr, size_t len, int prot, int flags, int fd, long off, void **out)
{
	struct dev_file *f = file_of(fd);
	u64 a = (u64)(uintptr_t)addr, base, size;
	void *m;
	int err;

	if (!f)
		return -EBADF;
	/* The seed: "/dev/sgx: mmap() { return -EINVAL; }"; /dev/sgx_provision
	 * has no mmap at all. */
	if (f->type == DEV_SEED)
		return -EINVAL;
	if (f->type == DEV_PROVISION)
		return -ENODEV;
	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (!len)
		return -EINVAL;
	len = align_up(len, SGX_PAGE_SIZE);
	if (f->type == DEV_VEPC) {
		/* Slots from the page offset on; each takes a host EPC page
		 * when the guest first uses it.  The host itself never reads
		 * EPC, so the range stays inaccessible to it. */
		if (off < 0 || off % SGX_PAGE_SIZE)
			return -EINVAL;
		err = vepc_reserve(f->vepc, ((u64)off + len) / SGX_PAGE_SIZE);
		if (err)
			return err;
		m = placeholder(addr, len, flags);
		if (sys_failed(m))
			return (int)(long)m;
		*out = m;
		return 0;
	}
	base = encl_base(f->encl);
	size = encl_size(f->encl);
	if (!size) {
		/* Before ECREATE.  The seed's get_unmapped_area: a power-of-two
		 * length, and an address aligned to it, for ECREATE to use. */
		if (f->type == DEV_SEED_ENCLAVE && !(flags & MAP_FIXED)) {
			u8 *r;
			u64 start;

			if (!is_power_of_2(len))
				return -EINVAL;
			r = placeholder(NULL, 2 * len, 0);
			if (sys_failed(r))
				return (int)(long)r;
			start = align_up((u64)(uintptr_t)r, len);
			if (start > (u64)(uintptr_t)r)
				sys_munmap(r, start - (u64)(uintptr_t)r);
			sys_munmap((void *)(uintptr_t)(start + len), (u64)(uintptr_t)r + len - start);
			*out = (void *)(uintptr_t)start;
			return 0;
		}
		m = placeholder(addr, len, flags);
		if (sys_failed(m))
			return (int)(long)m;
		*out = m;
		return 0;
	}
	/* The seed: without an address, the enclave's base. */
	if (!(flags & MAP_FIXED) && f->type == DEV_SEED_ENCLAVE) {
		if (a && (a < base || a + len > base + size))
			return -EINVAL;
		if (!a)
			a = base;
		if (a + len > base + size)
			return -EINVAL;
	}
	if (a < base || a - base >= size || len > base + size - a) {
		/* Outside ELRANGE: Linux refuses it once the enclave runs. */
		if (encl_initialized(f->encl))
			return -EACCES;
		m = placeholder(addr, len, flags);
		if (sys_failed(m))
			return (int)(long)m;
		*out = m;
		return 0;
	}
	err = encl_map(f->encl, a, len, prot);
	if (err)
		return err;
	*out = (void *)(uintptr_t)a;
	return 0;
}

/* The enclave whose ELRANGE holds @a, if any. */
static struct encl *encl_at(u64 a)
{
	int fd;

	if (!atomic_load(&nr_enclaves))
		return NULL;
	for (fd = 0; fd < MAX_FDS; fd++) {
		struct dev_file *f = atomic_load(&files[fd]);

		if (f && f->encl && encl_size(f->encl) && a >= encl_base(f->encl) &&
		    a - encl_base(f->encl) < encl_size(f->encl))
			return f->encl;
	}
	return NULL;
}

int sgxemu_mprotect(void *addr, size_t len, int prot)
{
	struct encl *e = encl_at((u64)(uintptr_t)addr);

	if (!e)
		return sys_mprotect(addr, len, prot);
	return encl_map(e, (u64)(uintptr_t)addr, len, prot);
}

int sgxemu_munmap(void *addr, size_t len)
{
	struct encl *e = encl_at((u64)(uintptr_t)addr);

	if (e)
		return encl_munmap(e, (u64)(uintptr_t)addr, len);
	return sys_munmap(addr, len);
}
