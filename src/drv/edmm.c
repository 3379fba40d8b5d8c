// SPDX-License-Identifier: MIT
/*
 * SGX2 page management (Intel's "EDMM"), as Linux 6.1 does it: EAUG when
 * an initialized enclave touches a page of a mapping that has no page yet,
 * and the work behind SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, _MODIFY_TYPES
 * and _REMOVE_PAGES, one page at a time.  The enclave confirms each change
 * with EACCEPT; the host's protection of a page follows its EPCM entry
 * (encl_host_prot()).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "base/log.h"
#include "drv/encl.h"

static int augment(struct encl *encl, u64 i)
{
	struct drv *drv = encl->drv;
	struct sgx_pageinfo pginfo __aligned(32) = { 0 };
	struct encl_page *p;
	void *epc;
	int err = 0;

	if (!platform_config(drv->plat)->sgx2)
		return -EFAULT;
	encl_lock(encl);
	p = encl_page_live(encl, i);
	if (atomic_load(&p->state) != PAGE_ABSENT)
		goto out_unlock;
	/* Linux: SIGBUS before EINIT, and no fault at all where the process
	 * mapped nothing (or PROT_NONE). */
	if (!encl->initialized || !ENCL_PROT(encl_page_prot(encl, i))) {
		err = -EFAULT;
		goto out_unlock;
	}
	err = -ENOMEM;
	if (encl_grow(encl))
		goto out_unlock;
	epc = paging_alloc(drv);
	if (!epc)
		goto err_shrink;
	err = -EIO;
	if (platform_epc_bind(drv->plat, epc, encl->view + i * SGX_PAGE_SIZE))
		goto err_free;
	pginfo.linaddr = encl->base + i * SGX_PAGE_SIZE;
	pginfo.secs = (u64)(uintptr_t)encl->secs;
	if (encls_eaug(drv_lp(drv), &pginfo, epc))
		goto err_free;
	p->type = SGX_PT_REG;
	/* Linux: an augmented page may be mapped with any permissions; the
	 * EPCM (RW until EMODPE or EACCEPTCOPY) decides. */
	p->max_prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	p->referenced = true;
	encl->nr_pages++;
	atomic_fetch_add(&encl->nr_augmented, 1);
	atomic_store(&p->epc, (u64)(uintptr_t)epc);
	drv_epc_commit(drv, epc);
	atomic_store(&p->state, PAGE_PRESENT);
	/* The page is PENDING: its mapping stays closed until EACCEPT. */
	err = 0;
	goto out_unlock;
err_free:
	drv_epc_free(drv, epc);
err_shrink:
	encl_shrink(encl, 1);
out_unlock:
	encl_unlock(encl);
	return err;
}

int edmm_augment(struct encl *encl, u64 i)
{
	int err;

	/* A thread of the enclave waits on the OS here: outside, as far as
	 * ETRACK is concerned, or making room in the EPC would wait for it. */
	exec_park(0);
	err = augment(encl, i);
	exec_unpark(0);
	return err;
}

/* ETRACK until it succeeds, kicking the threads that hold it up and
 * waiting for them to leave: a second of trying, then -EFAULT. */
static int etrack_until_done(struct encl *encl)
{
	struct drv *drv = encl->drv;
	struct timespec start, now;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		u32 seen = platform_exit_seq(drv->plat, encl->secs);

		ret = encls_etrack(drv_lp(drv), encl->secs);
		if (ret != SGX_PREV_TRK_INCMPL)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 1 ||
		    (now.tv_sec - start.tv_sec == 1 && now.tv_nsec >= start.tv_nsec))
			return -EFAULT;
		exec_kick(drv->plat, encl->secs);
		drv_kick_sharers(drv, encl->owner, encl->secs);
		paging_wait_exit(encl, seen);
	}
	return ret ? -EFAULT : 0;
}

/*
 * ETRACK after EMODPR or EMODT, then Linux's IPIs, which are synchronous:
 * when this returns, every thread that was inside before the change has
 * left or taken an AEX (a second ETRACK starts only then), so the
 * enclave's EACCEPT succeeds.
 */
static int track(struct encl *encl)
{
	int err = etrack_until_done(encl);

	return err ? err : etrack_until_done(encl);
}

/* Linux's sgx_encl_load_page(): the page in the EPC, or -EFAULT. */
static int load(struct encl *encl, u64 i, void **epc)
{
	struct encl_page *p = &encl->pages[i];

	if (atomic_load(&p->state) == PAGE_ABSENT || paging_reload(encl, i))
		return -EFAULT;
	*epc = (void *)(uintptr_t)atomic_load(&p->epc);
	return *epc ? 0 : -EFAULT;
}

/* Linux's answer for EMODPR or EMODT: a fault or a status is -EFAULT, the
 * status in the ioctl's result field. */
static int leaf_result(int ret, u64 *result)
{
	if (!ret)
		return 0;
	if (!encls_faulted(ret))
		*result = (u64)ret;
	return -EFAULT;
}

int edmm_restrict(struct encl *encl, u64 i, u64 perms, u64 *result)
{
	struct sgx_secinfo si __aligned(64) = { .flags = perms };
	void *epc;
	int err;

	encl_lock(encl);
	err = load(encl, i, &epc);
	if (err)
		goto out_unlock;
	if (encl->pages[i].type != SGX_PT_REG) {
		err = -EINVAL;
		goto out_unlock;
	}
	err = leaf_result(encls_emodpr(drv_lp(encl->drv), &si, epc), result);
	if (err)
		goto out_unlock;
	/* Linux keeps the mapping's limit (vm_max_prot_bits); the EPCM now
	 * allows less, and the host mappings show it. */
	encl_prot_restricted(encl, i);
	err = track(encl);
out_unlock:
	encl_unlock(encl);
	return err;
}

int edmm_modify_type(struct encl *encl, u64 i, u8 type, u64 *result)
{
	struct sgx_secinfo si __aligned(64) = { .flags = (u64)type << SGX_SECINFO_PT_SHIFT };
	struct encl_page *p = &encl->pages[i];
	u8 max_prot;
	void *epc;
	int err;

	encl_lock(encl);
	err = load(encl, i, &epc);
	if (err)
		goto out_unlock;
	/* A REG page becomes a TCS or is trimmed; a TCS can only be trimmed. */
	err = -EINVAL;
	if (p->type != SGX_PT_REG && !(p->type == SGX_PT_TCS && type == SGX_PT_TRIM))
		goto out_unlock;
	max_prot = p->max_prot;
	if (p->type == SGX_PT_REG && type == SGX_PT_TCS) {
		/* Linux maps a TCS read-write; a page never allowed that
		 * cannot become one. */
		err = -EPERM;
		if ((p->max_prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE))
			goto out_unlock;
		p->max_prot = PROT_READ | PROT_WRITE;
	}
	err = leaf_result(encls_emodt(drv_lp(encl->drv), &si, epc), result);
	if (err) {
		p->max_prot = max_prot;
		goto out_unlock;
	}
	/* No access at all until accepted, and none to a TCS or trim after. */
	encl_prot_restricted(encl, i);
	err = track(encl);
	if (err)
		goto out_unlock;
	if (type == SGX_PT_TCS) {
		p->pinned = true;
		err = encl_pin_ssa(encl,
				   (const struct sgx_tcs *)(const void *)(encl->view +
									  i * SGX_PAGE_SIZE));
	}
	p->type = type;
out_unlock:
	encl_unlock(encl);
	return err;
}

int edmm_remove(struct encl *encl, u64 i)
{
	static const struct sgx_secinfo rwx __aligned(64) = { .flags = SGX_SECINFO_PERM_MASK };
	struct drv *drv = encl->drv;
	struct encl_page *p = &encl->pages[i];
	struct lp *lp = drv_lp(drv);
	void *epc;
	int ret, err;

	encl_lock(encl);
	err = load(encl, i, &epc);
	if (err)
		goto out_unlock;
	err = -EPERM;
	if (p->type != SGX_PT_TRIM)
		goto out_unlock;
	/* EMODPR changes nothing here; it tells whether the enclave accepted
	 * the trim: SGX_PAGE_NOT_MODIFIABLE before EACCEPT (the page is still
	 * MODIFIED), #PF after (not a REG page). */
	ret = encls_emodpr(lp, &rwx, epc);
	if (!encls_faulted(ret) || encls_trapnr(ret) != X86_VEC_PF)
		goto out_unlock;
	/* A trimmed TCS a thread still runs on (it was parked while the trim
	 * was tracked, or has not taken its AEX yet): the page must not be
	 * reused under it.  Linux's answer for a page it cannot take now. */
	if (platform_epc_tcs_busy(drv->plat, epc)) {
		err = -EBUSY;
		goto out_unlock;
	}
	ret = encls_eremove(lp, epc);
	if (ret) {
		log_warn("enclave at %#llx: EREMOVE of a trimmed page returned %#x; it stays",
			 (unsigned long long)encl->base, ret);
		err = -EBUSY;
		goto out_unlock;
	}
	atomic_store(&p->epc, 0);
	atomic_store(&p->state, PAGE_ABSENT);
	p->type = 0;
	p->max_prot = 0;
	p->pinned = false;
	p->referenced = false;
	encl_prot_restricted(encl, i);
	/* The page's memory goes too; the next touch EAUGs a zeroed one. */
	fallocate(encl->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)(i * SGX_PAGE_SIZE), SGX_PAGE_SIZE);
	drv_epc_free(drv, epc);
	encl->nr_pages--;
	encl_shrink(encl, 1);
	atomic_fetch_add(&encl->nr_removed, 1);
	err = 0;
out_unlock:
	encl_unlock(encl);
	return err;
}
