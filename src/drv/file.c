// SPDX-License-Identifier: MIT
/*
 * The device files, as Linux's driver.c has them: /dev/sgx_enclave (one
 * open, one enclave), /dev/sgx_provision, the seed's /dev/sgx, which makes
 * any number of enclave and virtual-EPC files, and /dev/sgx_vepc, whose
 * operations the virtualization layer registers.  One ioctl dispatcher
 * serves them all, and one set of mmap rules (the seed's
 * get_unmapped_area) serves the enclave files.
 *
 * A file has a reference count, as a struct file does: each descriptor,
 * each call in progress on it and each mapping of its enclave hold one,
 * and the last one releases the file.  Descriptors are the caller's (the
 * library's fd table): the driver reaches them only through the table the
 * caller registered (drv_fdtable_set()), to resolve SGX_IOC_ENCLAVE_PROVISION's
 * descriptor and to install the files the seed's ioctls create.
 *
 * File objects are type-stable: a released one goes back to a pool, never
 * to the allocator, so a lookup that races with the last drv_file_put()
 * may still try to take a reference on it (drv_file_tryget()) and fail.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/bits.h"
#include "base/overflow.h"
#include "base/fork.h"
#include "base/sys.h"
#include "drv/encl.h"
#include "drv/machine.h"
#include "drv/uaccess.h"
#include "sgxemu/sgx_seed.h"

struct drv_file {
	const struct drv_file_ops *ops;
	struct drv *drv;
	enum drv_node node;
	bool seed;              /* an enclave file the seed's /dev/sgx made */
	atomic_int refs;
	struct encl *encl;      /* enclave files */
	void *priv;             /* the registered type's (a vEPC) */
	struct drv_file *next;  /* in the pool */
};

static struct {
	pthread_mutex_t lock;       /* protects @free */
	struct drv_file *free;
	const struct drv_fdtable *fdt;
} files = { .lock = PTHREAD_MUTEX_INITIALIZER };

void drv_fdtable_set(const struct drv_fdtable *fdt)
{
	files.fdt = fdt;
}

static struct drv_file *file_alloc(void)
{
	struct drv_file *f;

	pthread_mutex_lock(&files.lock);
	f = files.free;
	if (f)
		files.free = f->next;
	pthread_mutex_unlock(&files.lock);
	if (!f)
		f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->ops = NULL;
	f->encl = NULL;
	f->priv = NULL;
	f->seed = false;
	f->next = NULL;
	atomic_store(&f->refs, 1);
	return f;
}

bool drv_file_tryget(struct drv_file *f)
{
	int r = atomic_load(&f->refs);

	do {
		if (r <= 0)
			return false;
	} while (!atomic_compare_exchange_weak(&f->refs, &r, r + 1));
	return true;
}

struct drv_file *drv_file_get(struct drv_file *f)
{
	atomic_fetch_add(&f->refs, 1);
	return f;
}

void drv_file_put(struct drv_file *f)
{
	fork_check();
	if (!f || atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	if (f->ops && f->ops->release)
		f->ops->release(f);
	pthread_mutex_lock(&files.lock);
	f->next = files.free;
	files.free = f;
	pthread_mutex_unlock(&files.lock);
}

enum drv_node drv_file_node(const struct drv_file *f)
{
	return f->node;
}

struct drv *drv_file_drv(const struct drv_file *f)
{
	return f->drv;
}

void *drv_file_private(const struct drv_file *f)
{
	return f->priv;
}

struct encl *drv_file_encl(const struct drv_file *f)
{
	return f->encl;
}

/* A reserved, inaccessible range: a mapping with no enclave page in it. */
static int placeholder(u64 addr, u64 len, int flags, u64 *out)
{
	void *m = sys_mmap((void *)(uintptr_t)addr, len, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				   (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)),
			   -1, 0);

	if (sys_failed(m))
		return (int)(long)m;
	*out = (u64)(uintptr_t)m;
	return 0;
}

/* The seed's get_unmapped_area before ECREATE: a power-of-two length at an
 * address aligned to it, for ECREATE to use. */
static int seed_area(u64 len, u64 *out)
{
	u64 r, start;
	int err;

	if (!is_power_of_2(len) || len > (1ULL << 46))
		return -EINVAL;
	err = placeholder(0, 2 * len, 0, &r);
	if (err)
		return err;
	start = align_up(r, len);
	if (start > r)
		sys_munmap((void *)(uintptr_t)r, start - r);
	sys_munmap((void *)(uintptr_t)(start + len), r + len - start);
	*out = start;
	return 0;
}

/* mmap() of an enclave file. */
static int encl_file_mmap(struct drv_file *f, u64 addr, u64 len, int prot, int flags, u64 pgoff,
			  u64 *out)
{
	struct encl *encl = f->encl;
	u64 base = encl_base(encl), size = encl_size(encl), end;
	int err;

	if (encl->proc->forked)
		return (int)encl_forked_error(encl);
	if (!size) {
		/* Before ECREATE nothing is mapped yet; what the process maps
		 * is kept, and becomes enclave memory at ECREATE. */
		if (f->seed && !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			err = seed_area(len, &addr);
		else
			err = placeholder(addr, len, flags, &addr);
		if (err)
			return err;
		err = encl_map_early(encl, addr, len, prot);
		if (err) {
			sys_munmap((void *)(uintptr_t)addr, len);
			return err;
		}
		*out = addr;
		return 0;
	}
	/* The seed: without an address, the enclave's base; and "if (addr +
	 * len + pgoff > enclave->base + enclave->size) return -EINVAL". */
	if (f->seed && !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
		if (!addr)
			addr = base;
		if (addr < base || check_add_overflow_u64(addr, len, &end) ||
		    check_add_overflow_u64(end, pgoff, &end) || end > base + size)
			return -EINVAL;
	}
	if (check_add_overflow_u64(addr, len, &end))
		return -EINVAL;
	if (end <= base || addr >= base + size) {
		/* Wholly outside ELRANGE: Linux refuses it once the enclave runs. */
		if (encl_initialized(encl))
			return -EACCES;
		return placeholder(addr, len, flags, out);
	}
	if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (addr < base || end > base + size))
		return -EINVAL;
	err = encl_mmap(encl, addr, len, prot, flags);
	if (!err)
		*out = addr;
	return err;
}

static long encl_file_ioctl(struct drv_file *f, unsigned int cmd, u64 arg)
{
	struct sgx_enclave_provision pv;
	struct drv_file *prov;

	if (cmd != SGX_IOC_ENCLAVE_PROVISION)
		return encl_ioctl(f->encl, cmd, arg);
	if (f->encl->proc->forked)
		return encl_forked_error(f->encl);
	if (uaccess_copy_from(&pv, arg, sizeof(pv)))
		return -EFAULT;
	prov = pv.fd <= (u64)INT32_MAX && files.fdt ? files.fdt->get((int)pv.fd) : NULL;
	if (!prov || prov->node != DRV_NODE_PROVISION) {
		drv_file_put(prov);
		return -EINVAL;
	}
	drv_file_put(prov);
	encl_allow_provision(f->encl);
	return 0;
}

static void encl_file_release(struct drv_file *f)
{
	encl_destroy(f->encl);
}

static const struct drv_file_ops encl_fops = {
	.ioctl = encl_file_ioctl,
	.mmap = encl_file_mmap,
	.release = encl_file_release,
};

/* A new file of @node for @f's ioctl, with a descriptor of its own. */
static long create_fd(struct drv_file *f, enum drv_node node)
{
	struct drv_file *n;
	int fd, err;

	if (!files.fdt)
		return -ENOTTY;
	err = drv_open(f->drv, node, &n);
	if (err)
		return err;
	if (node == DRV_NODE_ENCLAVE)
		n->seed = true;
	fd = files.fdt->install(n);
	if (fd < 0)
		drv_file_put(n);
	return fd;
}

static long sgx_file_ioctl(struct drv_file *f, unsigned int cmd, u64 arg)
{
	(void)arg;
	/* One /dev/sgx file makes any number of enclaves. */
	if (cmd == SGX_IOC_CREATE_ENCLAVE)
		return create_fd(f, DRV_NODE_ENCLAVE);
	if (cmd == SGX_IOC_CREATE_VIRTUAL_EPC)
		return create_fd(f, DRV_NODE_VEPC);
	return -ENOTTY;
}

static int sgx_file_mmap(struct drv_file *f, u64 addr, u64 len, int prot, int flags, u64 pgoff,
			 u64 *out)
{
	(void)f, (void)addr, (void)len, (void)prot, (void)flags, (void)pgoff, (void)out;
	/* The seed: "/dev/sgx: mmap() { return -EINVAL; }". */
	return -EINVAL;
}

static const struct drv_file_ops sgx_fops = {
	.ioctl = sgx_file_ioctl,
	.mmap = sgx_file_mmap,
};

static long provision_ioctl(struct drv_file *f, unsigned int cmd, u64 arg)
{
	(void)f, (void)cmd, (void)arg;
	return -ENOTTY;
}

static int provision_mmap(struct drv_file *f, u64 addr, u64 len, int prot, int flags, u64 pgoff,
			  u64 *out)
{
	(void)f, (void)addr, (void)len, (void)prot, (void)flags, (void)pgoff, (void)out;
	return -ENODEV;
}

static const struct drv_file_ops provision_fops = {
	.ioctl = provision_ioctl,
	.mmap = provision_mmap,
};

void drv_register_vepc(struct drv *drv, int (*open)(struct drv *drv, void **priv),
		       const struct drv_file_ops *ops)
{
	drv->vepc_open = open;
	drv->vepc_fops = ops;
}

int drv_open(struct drv *drv, enum drv_node node, struct drv_file **out)
{
	struct drv_file *f;
	int err = 0;

	fork_check();
	if (node == DRV_NODE_VEPC && !drv->vepc_fops)
		return -ENODEV;
	/* The node's permissions, as the machine's configuration sets them. */
	if (node == DRV_NODE_PROVISION && drv->mach && !machine_may_provision(drv->mach))
		return -EACCES;
	f = file_alloc();
	if (!f)
		return -ENOMEM;
	f->drv = drv;
	f->node = node;
	switch (node) {
	case DRV_NODE_ENCLAVE:
		f->ops = &encl_fops;
		err = encl_alloc(drv, &f->encl);
		if (!err)
			encl_set_file(f->encl, f);
		break;
	case DRV_NODE_PROVISION:
		f->ops = &provision_fops;
		break;
	case DRV_NODE_SGX:
		f->ops = &sgx_fops;
		break;
	case DRV_NODE_VEPC:
		f->ops = drv->vepc_fops;
		err = drv->vepc_open(drv, &f->priv);
		break;
	default:
		err = -ENODEV;
		break;
	}
	if (err) {
		f->ops = NULL;
		drv_file_put(f);
		return err;
	}
	*out = f;
	return 0;
}

long drv_ioctl(struct drv_file *f, unsigned int cmd, u64 arg)
{
	fork_check();
	return f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
}

int drv_mmap(struct drv_file *f, u64 addr, u64 len, int prot, int flags, u64 pgoff, u64 *out)
{
	u64 end;

	fork_check();
	if (!f->ops->mmap)
		return -ENODEV;
	if (f->node == DRV_NODE_ENCLAVE || f->node == DRV_NODE_VEPC) {
		/* The kernel's own checks, before any driver's. */
		if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
			return -EINVAL;
		if (!len || !is_aligned(pgoff, SGX_PAGE_SIZE) ||
		    ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && !is_aligned(addr, SGX_PAGE_SIZE)))
			return -EINVAL;
		len = align_up(len, SGX_PAGE_SIZE);
		if (!len || check_add_overflow_u64(addr, len, &end) || end > (1ULL << 47))
			return -ENOMEM;
	}
	return f->ops->mmap(f, addr, len, prot, flags, pgoff, out);
}
