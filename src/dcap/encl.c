// SPDX-License-Identifier: MIT
/*
 * Loading the PCE and the QE the way Linux's selftests load an enclave:
 * reserve a naturally aligned ELRANGE, SGX_IOC_ENCLAVE_CREATE with a SECS
 * from the SIGSTRUCT, ADD_PAGES for every page of the SGXS image, PROVISION
 * when the enclave asks for PROVISIONKEY, INIT, then map each page with
 * its permissions.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "api/sgxs.h"
#include "base/file.h"
#include "dcap/dcap.h"

static int prot_of(u64 flags)
{
	if ((flags >> 8) == SGX_PT_TCS)
		return PROT_READ | PROT_WRITE;
	return ((flags & SGX_SECINFO_R) ? PROT_READ : 0) | ((flags & SGX_SECINFO_W) ? PROT_WRITE : 0) |
	       ((flags & SGX_SECINFO_X) ? PROT_EXEC : 0);
}

static int read_sig(const char *path, struct sgx_sigstruct *sig, char *why, size_t whylen)
{
	size_t len;
	u8 *buf;
	int err;

	err = file_read_all(path, 1 << 20, &buf, &len);
	if (err) {
		snprintf(why, whylen, "%s: %s", path, strerror(-err));
		return err;
	}
	if (len != sizeof(*sig)) {
		free(buf);
		snprintf(why, whylen, "%s: %zu bytes; a SIGSTRUCT is exactly 1808 bytes", path, len);
		return -EINVAL;
	}
	memcpy(sig, buf, len);
	free(buf);
	return 0;
}

/* CREATE, ADD_PAGES, PROVISION, INIT on @e->fd. */
static int build(struct dcap_dev *dev, struct dcap_encl *e, const struct sgxs *s,
		 const struct sgx_sigstruct *sig, const char *path, char *why, size_t whylen)
{
	static struct sgx_secs secs __aligned(4096);
	struct sgx_enclave_create create = { .src = (u64)(uintptr_t)&secs };
	struct sgx_enclave_init init = { .sigstruct = (u64)(uintptr_t)sig };
	u64 i;
	int err;

	memset(&secs, 0, sizeof(secs));
	secs.size = e->size;
	secs.baseaddr = e->base;
	secs.ssaframesize = s->ssaframesize;
	secs.miscselect = sig->miscselect;
	secs.attributes = sig->attributes;
	err = dev->ioctl(dev, e->fd, SGX_IOC_ENCLAVE_CREATE, &create);
	if (err) {
		snprintf(why, whylen, "%s: SGX_IOC_ENCLAVE_CREATE: %s", path, strerror(-err));
		return err;
	}
	for (i = 0; i < s->nr_pages; i++) {
		struct sgx_secinfo si __aligned(64);
		struct sgx_enclave_add_pages a = {
			.src = (u64)(uintptr_t)s->pages[i].data,
			.offset = s->pages[i].offset,
			.length = SGX_PAGE_SIZE,
			.secinfo = (u64)(uintptr_t)&si,
			.flags = SGX_PAGE_MEASURE,
		};

		memset(&si, 0, sizeof(si));
		si.flags = s->pages[i].secinfo_flags;
		err = dev->ioctl(dev, e->fd, SGX_IOC_ENCLAVE_ADD_PAGES, &a);
		if (err) {
			snprintf(why, whylen, "%s: SGX_IOC_ENCLAVE_ADD_PAGES: %s", path,
				 strerror(-err));
			return err;
		}
		if ((s->pages[i].secinfo_flags >> 8) == SGX_PT_TCS && !e->tcs)
			e->tcs = e->base + s->pages[i].offset;
	}
	if (sig->attributes.flags & SGX_ATTR_PROVISIONKEY) {
		struct sgx_enclave_provision pv;
		int pfd = dev->open(dev, "/dev/sgx_provision");

		if (pfd < 0) {
			snprintf(why, whylen, "/dev/sgx_provision: %s", strerror(-pfd));
			return pfd;
		}
		pv.fd = (u64)pfd;
		err = dev->ioctl(dev, e->fd, SGX_IOC_ENCLAVE_PROVISION, &pv);
		dev->close(dev, pfd);
		if (err) {
			snprintf(why, whylen, "%s: SGX_IOC_ENCLAVE_PROVISION: %s", path, strerror(-err));
			return err;
		}
	}
	err = dev->ioctl(dev, e->fd, SGX_IOC_ENCLAVE_INIT, &init);
	if (err) {
		snprintf(why, whylen, "%s: SGX_IOC_ENCLAVE_INIT: %s%s", path,
			 err > 0 ? "EINIT status" : strerror(-err),
			 err == -EPERM ? " (is its signer allowed by the launch policy?)" : "");
		return err > 0 ? -EPERM : err;
	}
	for (i = 0; i < s->nr_pages; i++) {
		u64 off = s->pages[i].offset;

		err = dev->mmap(dev, (void *)(uintptr_t)(e->base + off), SGX_PAGE_SIZE,
				prot_of(s->pages[i].secinfo_flags), e->fd);
		if (err) {
			snprintf(why, whylen, "%s: mmap of page %#llx: %s", path,
				 (unsigned long long)off, strerror(-err));
			return err;
		}
	}
	return 0;
}

int dcap_encl_load(struct dcap_dev *dev, const char *path, struct dcap_encl *out, char *why,
		   size_t whylen)
{
	static struct sgx_sigstruct sig __aligned(4096);
	char file[4200];
	struct sgxs s;
	u8 *p;
	int err;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	snprintf(file, sizeof(file), "%s.sig", path);
	err = read_sig(file, &sig, why, whylen);
	if (err)
		return err;
	snprintf(file, sizeof(file), "%s.sgxs", path);
	err = sgxs_load_file(file, &s, why, whylen);
	if (err)
		return err;
	out->size = s.size;
	/* A naturally aligned ELRANGE inside a reservation twice its size. */
	out->reserve_len = 2 * s.size;
	p = mmap(NULL, out->reserve_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		snprintf(why, whylen, "%s: cannot reserve ELRANGE: %s", path, strerror(-err));
		goto out;
	}
	out->reserve = p;
	out->base = ((u64)(uintptr_t)p + s.size - 1) & ~(s.size - 1);
	out->fd = dev->open(dev, "/dev/sgx_enclave");
	if (out->fd < 0) {
		err = out->fd;
		snprintf(why, whylen, "/dev/sgx_enclave: %s%s", strerror(-err),
			 err == -ENOENT ? " (run the program under 'sgxemu run')" : "");
		goto out;
	}
	err = build(dev, out, &s, &sig, file, why, whylen);
out:
	sgxs_free(&s);
	if (err)
		dcap_encl_unload(dev, out);
	return err;
}

void dcap_encl_unload(struct dcap_dev *dev, struct dcap_encl *e)
{
	if (e->fd >= 0) {
		dev->munmap(dev, (void *)(uintptr_t)e->base, e->size);
		dev->close(dev, e->fd);
	}
	if (e->reserve)
		munmap(e->reserve, e->reserve_len);
	memset(e, 0, sizeof(*e));
	e->fd = -1;
}

int dcap_encl_call(struct dcap_dev *dev, const struct dcap_encl *e, struct sgxemu_qe_call *c)
{
	return dev->enter(dev, e->tcs, c);
}
