// SPDX-License-Identifier: MIT
/*
 * ENCLS[ERDINFO]: read an EPC page's type and status (SDM "ERDINFO"), the
 * oversubscription extensions' way for a VMM to learn what a guest page is
 * without being able to read the EPCM.
 */
#include "cpu/leaf.h"
#include "cpu/secs.h"

static int erdinfo(struct lp *lp, struct sgx_rdinfo *rdinfo_addr, void *epc)
{
	struct sgx_rdinfo info = { 0 };
	struct epc_page *page, *secs;
	struct epcm_entry *e;
	int ret = SGX_SUCCESS;

	if (!ptr_aligned(rdinfo_addr, 32) || !ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	/* Not a fault: an information code (CF set) for the VMM. */
	page = epc_page_at(lp->plat, epc);
	if (!page)
		return SGX_PG_NONEPC;
	if (!epc_trylock_shared(&page->lock))
		return SGX_EPC_PAGE_CONFLICT;
	e = &page->epcm;
	if (!e->valid) {
		ret = SGX_PG_INVLD;
		goto out_unlock;
	}
	info.flags = ((u64)e->pt << SGX_SECINFO_PT_SHIFT) |
		     (e->flags & (SGX_SECINFO_PERM_MASK | SGX_SECINFO_STATE_MASK)) |
		     ((e->flags & EPCM_BLOCKED) ? SGX_RDINFO_BLOCKED : 0);
	if (pt_is_child(e->pt)) {
		info.enclavecontext = secs_private(e->secs->mem)->enclavecontext;
	} else if (e->pt == SGX_PT_SECS) {
		secs = page;
		/* A guest whose VMM oversubscribes it sees the VMM's evicted
		 * children as present and learns nothing else. */
		if (lp_epc_virt_ext(lp)) {
			if (atomic_load(&secs->nr_children) ||
			    secs_private(secs->mem)->virtchildcnt)
				info.status |= SGX_RDINFO_CHILDPRESENT;
		} else {
			if (atomic_load(&secs->nr_children))
				info.status |= SGX_RDINFO_CHILDPRESENT;
			if (secs_private(secs->mem)->virtchildcnt)
				info.status |= SGX_RDINFO_VIRTCHILDPRESENT;
			info.enclavecontext = secs_private(secs->mem)->enclavecontext;
		}
	}
	leaf_write_nonenclave(lp->plat, rdinfo_addr, &info, sizeof(info));
out_unlock:
	epc_unlock_shared(&page->lock);
	return ret;
}

/**
 * encls_erdinfo() - ENCLS[ERDINFO]: report an EPC page's EPCM state.
 * @lp: logical processor executing the leaf
 * @rdinfo: RDINFO (RBX, 32-byte aligned): STATUS (CHILDPRESENT,
 *	    VIRTCHILDPRESENT for a SECS), FLAGS (R/W/X, PENDING, MODIFIED,
 *	    PR, page type, BLOCKED), ENCLAVECONTEXT (the SECS's, for a
 *	    child page or a SECS)
 * @epc: the EPC page (RCX)
 *
 * Context: takes the EPCM lock of @epc shared; never waits.
 * Return: 0; SGX_PG_NONEPC (not an EPC page) and SGX_PG_INVLD (not
 * valid), which set CF on hardware; SGX_EPC_PAGE_CONFLICT (another leaf is
 * changing the page); or ENCLS_FAULT_FLAG | #GP (unaligned, or
 * CPUID.(12H,0).EAX[6] clear).
 */
int encls_erdinfo(struct lp *lp, struct sgx_rdinfo *rdinfo, void *epc)
{
	int ret;

	if (!lp_oversub_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = erdinfo(lp, rdinfo, epc);
	return leaf_end(lp->plat, ret);
}
