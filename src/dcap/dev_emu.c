// SPDX-License-Identifier: MIT
/*
 * The SGX device through libsgxemu's calls: the same uAPI on a platform of
 * this process's own, for programs that are not run under `sgxemu run`
 * (`sgxemu aesm`, the tests, the benchmarks).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <asm/sgx.h>

#include "dcap/dcap.h"
#include "dcap/dev_emu.h"

struct emu_dev {
	struct dcap_dev dev;
	struct sgxemu_platform *plat;
	bool owned;
};

static struct sgxemu_platform *plat_of(struct dcap_dev *dev)
{
	return container_of(dev, struct emu_dev, dev)->plat;
}

static int emu_open(struct dcap_dev *dev, const char *path)
{
	return sgxemu_open(plat_of(dev), path, 0);
}

static int emu_ioctl(struct dcap_dev *dev, int fd, unsigned long cmd, void *arg)
{
	(void)dev;
	return sgxemu_ioctl(fd, cmd, (unsigned long)arg);
}

static int emu_mmap(struct dcap_dev *dev, void *addr, size_t len, int prot, int fd)
{
	void *m;
	int err;

	(void)dev;
	err = sgxemu_mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, fd, 0, &m);
	if (err)
		return err;
	return m == addr ? 0 : -EINVAL;
}

static int emu_munmap(struct dcap_dev *dev, void *addr, size_t len)
{
	(void)dev;
	return sgxemu_munmap(addr, len);
}

static int emu_close(struct dcap_dev *dev, int fd)
{
	(void)dev;
	return sgxemu_close(fd);
}

static int emu_enter(struct dcap_dev *dev, u64 tcs, void *arg)
{
	struct sgx_enclave_run run;
	int ret;

	(void)dev;
	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	ret = sgxemu_enter_enclave((unsigned long)arg, 0, 0, 2 /* EENTER */, 0, 0, &run);
	if (ret)
		return ret;
	return run.function == 4 /* EEXIT */ ? 0 : -EFAULT;
}

static void emu_destroy(struct dcap_dev *dev)
{
	struct emu_dev *e = container_of(dev, struct emu_dev, dev);

	if (e->owned)
		sgxemu_platform_destroy(e->plat);
	free(e);
}

int dcap_dev_emu(struct sgxemu_platform *plat, const struct sgxemu_platform_options *opts,
		 struct dcap_dev **out, char *why, size_t whylen)
{
	struct emu_dev *e = calloc(1, sizeof(*e));
	int err;

	if (!e) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	e->plat = plat;
	if (!plat) {
		err = sgxemu_platform_create(opts, &e->plat);
		if (err) {
			snprintf(why, whylen, "%s", sgxemu_last_error());
			free(e);
			return err;
		}
		e->owned = true;
	}
	e->dev.open = emu_open;
	e->dev.ioctl = emu_ioctl;
	e->dev.mmap = emu_mmap;
	e->dev.munmap = emu_munmap;
	e->dev.close = emu_close;
	e->dev.enter = emu_enter;
	e->dev.destroy = emu_destroy;
	*out = &e->dev;
	return 0;
}
