/* SPDX-License-Identifier: MIT */
/*
 * A test enclave built through libsgxemu's device files, ioctl by ioctl,
 * as Linux's selftests build theirs.  Shared by the uAPI tests.
 */
#ifndef SGXEMU_TESTS_INTEGRATION_DEV_FIXTURE_H
#define SGXEMU_TESTS_INTEGRATION_DEV_FIXTURE_H

#include <asm/sgx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "api/sgxs.h"
#include "base/file.h"
#include "enclave.h"
#include "harness.h"
#include "sgxemu/sgxemu.h"

struct dev {
	struct sgxemu_platform *plat;
	int fd;
	struct sgxs s;
	struct sgx_sigstruct sig __aligned(4096);
	struct sgx_secs secs __aligned(4096);
	u64 base;
	/* Set by dev_map_image(). */
	u64 tcs[ENCL_NR_TCS];   /* linear addresses of the image's TCSs */
	u64 end;                /* offset of the first page past the image */
	u64 scratch;            /* offset of the enclave's scratch pages, if a test asks */
};

/* A platform with @o, /dev/sgx_enclave open, and test enclave @variant
 * ("a", "b", "c") read. */
static inline void dev_open_variant(struct dev *d, const struct sgxemu_platform_options *o,
				    const char *variant)
{
	char path[512], why[256];
	size_t len;
	u8 *buf;

	memset(d, 0, sizeof(*d));
	ASSERT_EQ(sgxemu_platform_create(o, &d->plat), 0);
	d->fd = sgxemu_open(d->plat, "/dev/sgx_enclave", 0);
	ASSERT_GE(d->fd, 0);
	snprintf(path, sizeof(path), "%s/test_enclave_%s.sgxs", TEST_ENCLAVES, variant);
	if (sgxs_load_file(path, &d->s, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "%s", why);
	snprintf(path, sizeof(path), "%s/test_enclave_%s.sig", TEST_ENCLAVES, variant);
	ASSERT_EQ(file_read_all(path, 4096, &buf, &len), 0);
	ASSERT_EQ(len, sizeof(d->sig));
	memcpy(&d->sig, buf, len);
	free(buf);
}

static inline void dev_open_with(struct dev *d, const struct sgxemu_platform_options *o)
{
	dev_open_variant(d, o, "a");
}

static inline void dev_open(struct dev *d)
{
	dev_open_with(d, NULL);
}

/* A naturally aligned ELRANGE, reserved the way the selftests do it. */
static inline void dev_secs(struct dev *d)
{
	u64 size = d->s.size;
	u8 *p = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(p != MAP_FAILED);
	d->base = align_up((u64)(uintptr_t)p, size);
	memset(&d->secs, 0, sizeof(d->secs));
	d->secs.size = size;
	d->secs.baseaddr = d->base;
	d->secs.ssaframesize = d->s.ssaframesize;
	d->secs.miscselect = d->sig.miscselect;
	d->secs.attributes.flags = d->sig.attributes.flags;
	d->secs.attributes.xfrm = d->sig.attributes.xfrm;
}

static inline int dev_create(struct dev *d)
{
	struct sgx_enclave_create c = { .src = (u64)(uintptr_t)&d->secs };

	return sgxemu_ioctl(d->fd, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&c);
}

static inline int dev_add_page(struct dev *d, u64 i, u64 *count)
{
	struct sgx_secinfo si __aligned(64);
	struct sgx_enclave_add_pages a = { 0 };
	int ret;

	memset(&si, 0, sizeof(si));
	si.flags = d->s.pages[i].secinfo_flags;
	a.src = (u64)(uintptr_t)d->s.pages[i].data;
	a.offset = d->s.pages[i].offset;
	a.length = 4096;
	a.secinfo = (u64)(uintptr_t)&si;
	a.flags = SGX_PAGE_MEASURE;
	ret = sgxemu_ioctl(d->fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a);
	if (count)
		*count = a.count;
	return ret;
}

static inline int dev_init(struct dev *d)
{
	struct sgx_enclave_init in = { .sigstruct = (u64)(uintptr_t)&d->sig };

	return sgxemu_ioctl(d->fd, SGX_IOC_ENCLAVE_INIT, (unsigned long)&in);
}

/* Everything before EINIT: ELRANGE, CREATE and every page added. */
static inline void dev_add_all(struct dev *d)
{
	u64 i;

	dev_secs(d);
	ASSERT_EQ(dev_create(d), 0);
	for (i = 0; i < d->s.nr_pages; i++)
		ASSERT_EQ(dev_add_page(d, i, NULL), 0);
}

static inline void dev_build(struct dev *d)
{
	dev_add_all(d);
	ASSERT_EQ(dev_init(d), 0);
}

static inline int dev_prot_of(u64 flags)
{
	if ((flags >> 8) == SGX_PT_TCS)
		return PROT_READ | PROT_WRITE;
	return ((flags & 1) ? PROT_READ : 0) | ((flags & 2) ? PROT_WRITE : 0) |
	       ((flags & 4) ? PROT_EXEC : 0);
}

/* Map [@off, @off + @len) of ELRANGE with @prot, as the selftests do. */
static inline void dev_map(struct dev *d, u64 off, u64 len, int prot)
{
	void *m;

	ASSERT_EQ(sgxemu_mmap((void *)(uintptr_t)(d->base + off), len, prot,
			      MAP_SHARED | MAP_FIXED, d->fd, 0, &m),
		  0);
	ASSERT_EQ((u64)(uintptr_t)m, d->base + off);
}

/* Map each page of the image with its SECINFO's permissions; note where the
 * TCSs are and where the image ends. */
static inline void dev_map_image(struct dev *d)
{
	unsigned int n = 0;
	u64 i;

	for (i = 0; i < d->s.nr_pages; i++) {
		u64 flags = d->s.pages[i].secinfo_flags, off = d->s.pages[i].offset;

		dev_map(d, off, 4096, dev_prot_of(flags));
		if ((flags >> 8) == SGX_PT_TCS && n < ENCL_NR_TCS)
			d->tcs[n++] = d->base + off;
		if (off + 4096 > d->end)
			d->end = off + 4096;
	}
	ASSERT_EQ(n, ENCL_NR_TCS);
}

#endif
