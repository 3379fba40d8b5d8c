// SPDX-License-Identifier: MIT
/*
 * The Linux SGX uAPI as an ordinary program uses it: open(), ioctl() and
 * mmap() on /dev/sgx_enclave and /dev/sgx_provision, and the vDSO's
 * __vdso_sgx_enter_enclave found through AT_SYSINFO_EHDR.  Under
 * `sgxemu run` the shim answers all of it; on SGX hardware Linux would.
 */
#include <asm/sgx.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dcap/dcap.h"

typedef int (*vdso_enter_fn)(unsigned long rdi, unsigned long rsi, unsigned long rdx,
			     unsigned int function, unsigned long r8, unsigned long r9,
			     struct sgx_enclave_run *run);

int dcap_vdso_call(unsigned long rdi, unsigned long rsi, unsigned long rdx, unsigned int function,
		   unsigned long r8, unsigned long r9, struct sgx_enclave_run *run,
		   vdso_enter_fn target);

struct uapi_dev {
	struct dcap_dev dev;
	vdso_enter_fn enter;
};

/* __vdso_sgx_enter_enclave in the vDSO's dynamic symbol table (DT_HASH). */
static vdso_enter_fn vdso_lookup(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const u32 *hash = NULL;
	uintptr_t base = (uintptr_t)eh, load = 0;
	u32 i;

	if (!eh)
		return NULL;
	ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !load)
			load = base + ph[i].p_offset - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const Elf64_Sym *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = (const char *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const u32 *)(load + dyn->d_un.d_ptr);
	}
	if (!sym || !str || !hash)
		return NULL;
	for (i = 0; i < hash[1]; i++)
		if (!strcmp(str + sym[i].st_name, "__vdso_sgx_enter_enclave"))
			return (vdso_enter_fn)(load + sym[i].st_value);
	return NULL;
}

static int uapi_open(struct dcap_dev *dev, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	(void)dev;
	return fd < 0 ? -errno : fd;
}

static int uapi_ioctl(struct dcap_dev *dev, int fd, unsigned long cmd, void *arg)
{
	(void)dev;
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int uapi_mmap(struct dcap_dev *dev, void *addr, size_t len, int prot, int fd)
{
	void *m = mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, fd, 0);

	(void)dev;
	if (m == MAP_FAILED)
		return -errno;
	return m == addr ? 0 : -EINVAL;
}

static int uapi_munmap(struct dcap_dev *dev, void *addr, size_t len)
{
	(void)dev;
	return munmap(addr, len) < 0 ? -errno : 0;
}

static int uapi_close(struct dcap_dev *dev, int fd)
{
	(void)dev;
	return close(fd) < 0 ? -errno : 0;
}

static int uapi_enter(struct dcap_dev *dev, u64 tcs, void *arg)
{
	struct uapi_dev *u = container_of(dev, struct uapi_dev, dev);
	struct sgx_enclave_run run;
	int ret;

	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	ret = dcap_vdso_call((unsigned long)arg, 0, 0, 2 /* EENTER */, 0, 0, &run, u->enter);
	if (ret)
		return ret;
	return run.function == 4 /* EEXIT */ ? 0 : -EFAULT;
}

static void uapi_destroy(struct dcap_dev *dev)
{
	free(container_of(dev, struct uapi_dev, dev));
}

int dcap_dev_uapi(struct dcap_dev **out, char *why, size_t whylen)
{
	struct uapi_dev *u;
	vdso_enter_fn enter = vdso_lookup();

	if (!enter) {
		snprintf(why, whylen,
			 "no __vdso_sgx_enter_enclave in this process's vDSO: run the program "
			 "under 'sgxemu run' (or on a kernel with SGX)");
		return -ENODEV;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	u->enter = enter;
	u->dev.open = uapi_open;
	u->dev.ioctl = uapi_ioctl;
	u->dev.mmap = uapi_mmap;
	u->dev.munmap = uapi_munmap;
	u->dev.close = uapi_close;
	u->dev.enter = uapi_enter;
	u->dev.destroy = uapi_destroy;
	*out = &u->dev;
	return 0;
}
