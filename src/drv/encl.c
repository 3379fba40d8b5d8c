// SPDX-License-Identifier: MIT
/* Enclave objects: creation, adding pages, EINIT, mapping, teardown. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/sys.h"
#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "base/overflow.h"
#include "cpu/crypto.h"
#include "drv/encl.h"

struct lp *drv_lp(struct drv *drv)
{
	int cpu = sched_getcpu();

	return platform_lp(drv->plat, (unsigned int)(cpu < 0 ? 0 : cpu) %
					      platform_config(drv->plat)->nr_lps);
}

int encl_alloc(struct drv *drv, struct encl **out)
{
	struct encl *encl = calloc(1, sizeof(*encl));

	if (!encl)
		return -ENOMEM;
	encl->drv = drv;
	encl->memfd = -1;
	encl->attributes_mask = SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_KSS;
	{
		pthread_mutexattr_t a;

		/* Recursive: evicting to make room may pick the enclave that is
		 * being added to. */
		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&encl->lock, &a);
		pthread_mutexattr_destroy(&a);
	}
	*out = encl;
	return 0;
}

/* Unmap and close the enclave's memory: its file, the driver's view of
 * it, the backing store and the page table (not the EPC pages). */
static void release_memory(struct encl *encl)
{
	if (encl->view)
		sys_munmap(encl->view, encl->size);
	if (encl->backing)
		sys_munmap(encl->backing, encl->size);
	if (encl->pcmds)
		sys_munmap(encl->pcmds, encl->size / SGX_PAGE_SIZE * sizeof(*encl->pcmds));
	if (encl->memfd >= 0)
		sys_close(encl->memfd);
	free(encl->pages);
	encl->view = NULL;
	encl->backing = NULL;
	encl->pcmds = NULL;
	encl->memfd = -1;
	encl->pages = NULL;
}

/* Drop what a failed ECREATE left behind, keeping the (empty) enclave. */
static void encl_uncreate(struct encl *encl)
{
	if (encl->secs)
		drv_epc_free(encl->drv, encl->secs);
	encl->secs = NULL;
	release_memory(encl);
	encl->base = encl->size = 0;
}

/* The enclave's memory, sized by SIZE: its page array, its file and the
 * driver's views of it. */
static int alloc_memory(struct encl *encl, u64 size)
{
	encl->pages = calloc(size / SGX_PAGE_SIZE, sizeof(*encl->pages));
	if (!encl->pages)
		return -ENOMEM;
	encl->memfd = memfd_create("sgxemu-enclave", MFD_CLOEXEC);
	if (encl->memfd < 0 || ftruncate(encl->memfd, (off_t)size))
		return -errno;
	encl->view = sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
			      encl->memfd, 0);
	if (sys_failed(encl->view)) {
		int err = (int)(long)encl->view;

		encl->view = NULL;
		return err;
	}
	/* The backing store for evicted pages: reserved, paid for as used. */
	encl->backing = sys_mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	encl->pcmds = sys_mmap(NULL, size / SGX_PAGE_SIZE * sizeof(*encl->pcmds),
			       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);
	if (sys_failed(encl->backing) || sys_failed(encl->pcmds)) {
		if (sys_failed(encl->backing))
			encl->backing = NULL;
		if (sys_failed(encl->pcmds))
			encl->pcmds = NULL;
		return -ENOMEM;
	}
	return 0;
}

int encl_create(struct encl *encl, const struct sgx_secs *secs)
{
	static const struct sgx_secinfo secinfo_secs __aligned(64);
	struct drv *drv = encl->drv;
	struct sgx_pageinfo pginfo __aligned(32) = { 0 };
	struct sgx_secs *copy;
	int err, ret;

	/* ECREATE checks the rest; this keeps the sizes below from overflowing. */
	if (!is_power_of_2(secs->size) || secs->size < 2 * SGX_PAGE_SIZE ||
	    secs->size > (1ULL << 47))
		return -EINVAL;
	pthread_mutex_lock(&encl->lock);
	if (encl->created) {
		err = -EINVAL;
		goto out_unlock;
	}
	encl->base = secs->baseaddr;
	encl->size = secs->size;
	err = -ENOMEM;
	copy = aligned_alloc(SGX_PAGE_SIZE, sizeof(*copy));
	if (!copy)
		goto err_free;
	encl->ssaframesize = secs->ssaframesize;
	encl->secs = paging_alloc(drv);
	if (!encl->secs)
		goto err_free;
	memcpy(copy, secs, sizeof(*copy));
	pginfo.srcpge = (u64)(uintptr_t)copy;
	pginfo.secinfo = (u64)(uintptr_t)&secinfo_secs;
	ret = encls_ecreate(drv_lp(drv), &pginfo, encl->secs);
	free(copy);
	copy = NULL;
	/* Linux: "a failure gives -EIO"; the processor judged the SECS. */
	if (ret) {
		err = -EIO;
		goto err_free;
	}
	/* Only a SIZE the processor took costs memory: a refused one (2^40,
	 * say) must not first allocate a page array for all of it. */
	err = alloc_memory(encl, secs->size);
	if (err)
		goto err_free;
	err = drv_add_encl(drv, encl);
	if (err)
		goto err_free;
	paging_start(drv);
	encl->attributes = secs->attributes.flags;
	encl->created = true;
	pthread_mutex_unlock(&encl->lock);
	return 0;
err_free:
	free(copy);
	encl_uncreate(encl);
out_unlock:
	pthread_mutex_unlock(&encl->lock);
	return err;
}

/* SECINFO as Linux validates it for ADD_PAGES (sgx_validate_secinfo). */
static bool secinfo_valid(const struct sgx_secinfo *si)
{
	u64 pt = (si->flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT;
	u64 perm = si->flags & SGX_SECINFO_PERM_MASK;
	size_t i;

	if (si->flags & ~(SGX_SECINFO_PERM_MASK | SGX_SECINFO_PT_MASK))
		return false;
	for (i = 0; i < sizeof(si->reserved); i++)
		if (si->reserved[i])
			return false;
	if (pt != SGX_PT_REG && pt != SGX_PT_TCS)
		return false;
	if ((perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R))
		return false;
	/* The CPU clears a TCS's permissions; asking for any would measure a
	 * page other than the one added. */
	return !(pt == SGX_PT_TCS && perm);
}

/* The SSA frames of a TCS never leave the EPC: AEX writes them from a
 * signal handler.  (Linux evicts them; the SDM allows either.) */
int encl_pin_ssa(struct encl *encl, const struct sgx_tcs *tcs)
{
	u64 first = tcs->ossa / SGX_PAGE_SIZE, n = (u64)tcs->nssa * encl->ssaframesize, i;
	int err;

	for (i = first; i < first + n && i < encl->size / SGX_PAGE_SIZE; i++) {
		encl->pages[i].pinned = true;
		err = paging_reload(encl, i);
		if (err)
			return err;
	}
	return 0;
}

static int add_page(struct encl *encl, const u8 *src, u64 offset, const struct sgx_secinfo *si,
		    bool measure)
{
	struct drv *drv = encl->drv;
	struct encl_page *p = &encl->pages[offset / SGX_PAGE_SIZE];
	struct sgx_pageinfo pginfo __aligned(32) = { 0 };
	struct lp *lp = drv_lp(drv);
	void *epc;
	int i, ret;

	if (atomic_load(&p->state) != PAGE_ABSENT)
		return -EBUSY;
	if (paging_grow(drv))
		return -ENOMEM;
	epc = paging_alloc(drv);
	if (!epc) {
		paging_shrink(drv, 1);
		return -ENOMEM;
	}
	if (platform_epc_bind(drv->plat, epc, encl->view + offset)) {
		drv_epc_free(drv, epc);
		paging_shrink(drv, 1);
		return -EIO;
	}
	pginfo.linaddr = encl->base + offset;
	pginfo.srcpge = (u64)(uintptr_t)src;
	pginfo.secinfo = (u64)(uintptr_t)si;
	pginfo.secs = (u64)(uintptr_t)encl->secs;
	ret = encls_eadd(lp, &pginfo, epc);
	if (ret) {
		drv_epc_free(drv, epc);
		paging_shrink(drv, 1);
		return -EIO;
	}
	if (measure) {
		for (i = 0; i < SGX_PAGE_SIZE / SGX_EEXTEND_CHUNK; i++) {
			if (encls_eextend(lp, encl->secs, (u8 *)epc + i * SGX_EEXTEND_CHUNK)) {
				/* The page is in, unmeasured: remove it again. */
				if (!encls_eremove(lp, epc))
					drv_epc_free(drv, epc);
				paging_shrink(drv, 1);
				return -EIO;
			}
		}
	}
	p->type = (u8)((si->flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT);
	/* Linux lets a TCS be mapped read-write (vm_max_prot_bits). */
	p->max_prot = p->type == SGX_PT_TCS ? PROT_READ | PROT_WRITE :
		      (u8)(((si->flags & SGX_SECINFO_R) ? PROT_READ : 0) |
			   ((si->flags & SGX_SECINFO_W) ? PROT_WRITE : 0) |
			   ((si->flags & SGX_SECINFO_X) ? PROT_EXEC : 0));
	p->referenced = true;
	encl->nr_pages++;
	atomic_store(&p->epc, (u64)(uintptr_t)epc);
	atomic_store(&p->state, PAGE_PRESENT);
	if (p->type == SGX_PT_TCS)
		return encl_pin_ssa(encl, (const struct sgx_tcs *)(const void *)src);
	return 0;
}

int encl_add_pages(struct encl *encl, const void *src, u64 offset, u64 length,
		   const struct sgx_secinfo *secinfo, bool measure, u64 *count)
{
	struct sgx_secinfo si __aligned(64);
	u64 end, done = 0;
	int err = 0;

	*count = 0;
	/* EADD #GPs on an unaligned SRCPGE; the callers own aligned copies. */
	if (!is_aligned((u64)(uintptr_t)src, SGX_PAGE_SIZE) ||
	    !is_aligned(offset, SGX_PAGE_SIZE) || !length || !is_aligned(length, SGX_PAGE_SIZE) ||
	    check_add_overflow_u64(offset, length, &end) || end > encl->size)
		return -EINVAL;
	memcpy(&si, secinfo, sizeof(si));
	if (!secinfo_valid(&si))
		return -EINVAL;
	pthread_mutex_lock(&encl->lock);
	if (!encl->created || encl->initialized) {
		err = -EINVAL;
		goto out;
	}
	for (done = 0; done < length; done += SGX_PAGE_SIZE) {
		err = add_page(encl, (const u8 *)src + done, offset + done, &si, measure);
		if (err)
			break;
	}
out:
	pthread_mutex_unlock(&encl->lock);
	*count = done;
	return err;
}

int encl_init(struct encl *encl, const struct sgx_sigstruct *sigstruct, int *status)
{
	return encl_init_token(encl, sigstruct, NULL, NULL, status);
}

int encl_init_token(struct encl *encl, const struct sgx_sigstruct *sigstruct,
		    const struct sgx_einittoken *token, const u8 le_signer[SGX_HASH_SIZE],
		    int *status)
{
	struct sgx_einittoken *tok = NULL;
	struct sgx_sigstruct *sig;
	int ret, err;

	*status = 0;
	sig = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!sig)
		return -ENOMEM;
	memcpy(sig, sigstruct, sizeof(*sig));
	if (token) {
		/* EINIT wants it 512-byte aligned. */
		tok = aligned_alloc(512, 512);
		if (!tok) {
			free(sig);
			return -ENOMEM;
		}
		memcpy(tok, token, sizeof(*tok));
	}
	pthread_mutex_lock(&encl->lock);
	if (!encl->created || encl->initialized) {
		err = -EINVAL;
		goto out;
	}
	ret = launch_einit(encl->drv, sig, encl->secs, tok, le_signer);
	if (ret == -EPERM) {
		*status = SGX_INVALID_EINITTOKEN;
		err = -EPERM;
	} else if (encls_faulted(ret)) {
		err = -EIO;
	} else if (ret) {
		*status = ret;
		err = -EPERM;
	} else {
		encl->initialized = true;
		err = 0;
	}
out:
	pthread_mutex_unlock(&encl->lock);
	free(tok);
	free(sig);
	return err;
}

int encl_host_prot(const struct encl *encl, const struct encl_page *p, int prot)
{
	u8 state = atomic_load(&p->state);
	u64 epc;

	if (state == PAGE_ABSENT || p->type != SGX_PT_REG)
		return PROT_NONE;
	prot &= p->max_prot;
	epc = atomic_load(&p->epc);
	/* An evicted page keeps its mapping, so a touch finds the hole. */
	if (state != PAGE_PRESENT || !epc)
		return prot;
	return prot & (int)platform_epcm_prot(encl->drv->plat, (const void *)(uintptr_t)epc);
}

void encl_sync_prot(struct encl *encl, u64 i)
{
	const struct encl_page *p = &encl->pages[i];
	int prot = atomic_load(&p->prot);

	if (prot)
		sys_mprotect((void *)(uintptr_t)(encl->base + i * SGX_PAGE_SIZE), SGX_PAGE_SIZE,
			     encl_host_prot(encl, p, prot));
}

void encl_sync_prot_parked(struct encl *encl, u64 i)
{
	exec_park(0);
	pthread_mutex_lock(&encl->lock);
	encl_sync_prot(encl, i);
	pthread_mutex_unlock(&encl->lock);
	exec_unpark(0);
}

int encl_map(struct encl *encl, u64 addr, u64 len, int prot)
{
	u64 end, off, run;
	int err = 0;

	if (!encl->created || !is_aligned(addr, SGX_PAGE_SIZE) || !len ||
	    check_add_overflow_u64(addr, len, &end) || addr < encl->base ||
	    end > encl->base + encl->size)
		return -EINVAL;
	len = align_up(len, SGX_PAGE_SIZE);
	pthread_mutex_lock(&encl->lock);
	for (off = addr - encl->base; off < end - encl->base; off += SGX_PAGE_SIZE) {
		const struct encl_page *p = &encl->pages[off / SGX_PAGE_SIZE];

		if (atomic_load(&p->state) != PAGE_ABSENT && (prot & ~p->max_prot)) {
			err = -EACCES;
			goto out;
		}
	}
	/* One mmap per run of pages with the same effective permissions. */
	for (off = addr - encl->base; off < end - encl->base; off += run) {
		int eff = encl_host_prot(encl, &encl->pages[off / SGX_PAGE_SIZE], prot);

		for (run = SGX_PAGE_SIZE; off + run < end - encl->base &&
					  encl_host_prot(encl, &encl->pages[(off + run) / SGX_PAGE_SIZE],
							 prot) == eff;
		     run += SGX_PAGE_SIZE)
			;
		void *m = sys_mmap((void *)(uintptr_t)(encl->base + off), run, eff,
				   MAP_SHARED | MAP_FIXED, encl->memfd, (long)off);

		if (sys_failed(m)) {
			err = (int)(long)m;
			goto out;
		}
	}
	for (off = addr - encl->base; off < end - encl->base; off += SGX_PAGE_SIZE)
		atomic_store(&encl->pages[off / SGX_PAGE_SIZE].prot, (u8)prot);
	paging_register(encl, addr, align_up(len, SGX_PAGE_SIZE));
out:
	pthread_mutex_unlock(&encl->lock);
	return err;
}

int encl_walk(struct encl *encl, u64 la, void **epc, unsigned int *prot)
{
	u64 i = (la - encl->base) / SGX_PAGE_SIZE, page;
	struct encl_page *p = &encl->pages[i];
	u8 pr = atomic_load(&p->prot);
	int tries;

	/* The processor touching a page the OS must bring in first, as its
	 * #PF handler would: an evicted page (or one on its way out) is
	 * reloaded, and with SGX2 one not there yet is added.  The calling
	 * thread counts as out of the enclave meanwhile. */
	for (tries = 0; pr && tries < 8; tries++) {
		u8 state = atomic_load(&p->state);

		if (state == PAGE_EVICTED || state == PAGE_BUSY) {
			if (paging_reload_parked(encl, i))
				return -EFAULT;
		} else if (state == PAGE_ABSENT) {
			if (edmm_augment(encl, i))
				return -EFAULT;
		} else {
			break;
		}
	}
	page = atomic_load(&p->epc);
	if (!page || !pr)
		return -EFAULT;
	*epc = (void *)(uintptr_t)page;
	*prot = pr;
	return 0;
}

void encl_destroy(struct encl *encl)
{
	struct lp *lp;
	u64 i;

	if (!encl)
		return;
	if (encl->created) {
		drv_remove_encl(encl->drv, encl);
		paging_retire(encl);
		/* A reclaim pass that found it before is over after this. */
		pthread_mutex_lock(&encl->drv->reclaim_lock);
		pthread_mutex_unlock(&encl->drv->reclaim_lock);
	}
	paging_release(encl);
	lp = drv_lp(encl->drv);
	if (encl->pages) {
		for (i = 0; i < encl->size / SGX_PAGE_SIZE; i++) {
			void *epc = (void *)(uintptr_t)atomic_load(&encl->pages[i].epc);

			/* A page a thread is still inside stays allocated; leaking
			 * it is safer than reusing it. */
			if (epc && !encls_eremove(lp, epc))
				drv_epc_free(encl->drv, epc);
		}
	}
	if (encl->secs && !encls_eremove(lp, encl->secs))
		drv_epc_free(encl->drv, encl->secs);
	paging_shrink(encl->drv, encl->nr_pages);
	release_memory(encl);
	pthread_mutex_destroy(&encl->lock);
	free(encl);
}

int encl_munmap(struct encl *encl, u64 addr, u64 len)
{
	u64 a, end = addr + len;
	int err;

	pthread_mutex_lock(&encl->lock);
	if (encl->created)
		for (a = addr & PAGE_MASK; a < end; a += SGX_PAGE_SIZE)
			if (a >= encl->base && a - encl->base < encl->size)
				atomic_store(&encl->pages[(a - encl->base) / SGX_PAGE_SIZE].prot, 0);
	err = sys_munmap((void *)(uintptr_t)addr, len);
	pthread_mutex_unlock(&encl->lock);
	return err;
}

bool encl_initialized(const struct encl *encl)
{
	return encl->initialized;
}

u64 encl_base(const struct encl *encl)
{
	return encl->base;
}

u64 encl_size(const struct encl *encl)
{
	return encl->size;
}
