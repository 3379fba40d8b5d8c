// SPDX-License-Identifier: MIT
/* ENCLS[EREMOVE]: return an EPC page to the invalid state (SDM "EREMOVE"). */
#include "cpu/leaf.h"
#include "cpu/secs.h"

static void invalidate_child(struct epc_page *page)
{
	atomic_fetch_sub(&page->epcm.secs->nr_children, 1);
	page->epcm.valid = false;
	page->epcm.secs = NULL;
}

static int eremove(struct lp *lp, void *epc)
{
	struct epc_page *page;
	struct epcm_entry *e;
	int ret = SGX_SUCCESS;

	if (!ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	page = epc_page_at(lp->plat, epc);
	if (!page)
		return lp_pf(lp, epc, true);
	if (!epc_trylock_exclusive(&page->lock))
		return lp_gp(lp);
	e = &page->epcm;
	if (!e->valid)
		goto out_unlock;
	/*
	 * The SDM tests "PT_TRIM and MODIFIED = 0" twice, the first time
	 * jumping to DONE, which would leave such a page VALID forever.  We take
	 * the second reading: the page is removed, as an accepted trim should be.
	 */
	if (e->pt == SGX_PT_TRIM && !(e->flags & EPCM_MODIFIED)) {
		invalidate_child(page);
		goto out_unlock;
	}
	if (e->pt == SGX_PT_VA) {
		e->valid = false;
		goto out_unlock;
	}
	if (e->pt == SGX_PT_SECS) {
		/* Children a VMM evicted count in its guests (VIRTCHILDCNT). */
		if (atomic_load(&page->nr_children) ||
		    (lp_epc_virt_ext(lp) && secs_private(page->mem)->virtchildcnt))
			ret = SGX_CHILD_PRESENT;
		else
			e->valid = false;
		goto out_unlock;
	}
	if (atomic_load(&e->secs->nr_active)) {
		ret = SGX_ENCLAVE_ACT;
		goto out_unlock;
	}
	if (e->pt == SGX_PT_REG || e->pt == SGX_PT_TCS || e->pt == SGX_PT_TRIM)
		invalidate_child(page);
out_unlock:
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_eremove() - ENCLS[EREMOVE]: remove a page from the EPC.
 * @lp: logical processor executing the leaf
 * @epc: the EPC page (RCX)
 *
 * An invalid page is removed successfully.  A SECS with child pages gives
 * SGX_CHILD_PRESENT; a child page of an enclave with threads inside gives
 * SGX_ENCLAVE_ACT.
 *
 * Context: takes the EPCM lock of @epc; never waits.
 * Return: 0, SGX_CHILD_PRESENT, SGX_ENCLAVE_ACT, or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int encls_eremove(struct lp *lp, void *epc)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = eremove(lp, epc);
	return leaf_end(lp->plat, ret);
}
