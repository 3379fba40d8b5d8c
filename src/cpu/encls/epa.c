// SPDX-License-Identifier: MIT
/* ENCLS[EPA]: make an EPC page a Version Array (SDM "EPA"). */
#include <string.h>

#include "cpu/leaf.h"

static int epa(struct lp *lp, u64 pt, void *epc)
{
	struct epc_page *page;

	if (pt != SGX_PT_VA || !ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	page = epc_page_at(lp->plat, epc);
	if (!page)
		return lp_pf(lp, epc, true);
	if (!epc_trylock_exclusive(&page->lock))
		return lp_gp(lp);
	if (page->epcm.valid) {
		epc_unlock_exclusive(&page->lock);
		return lp_pf(lp, epc, true);
	}
	/* Every slot empty. */
	memset(page->mem, 0, SGX_PAGE_SIZE);
	page->epcm.pt = SGX_PT_VA;
	page->epcm.flags = 0;
	page->epcm.secs = NULL;
	page->epcm.enclave_address = 0;
	page->epcm.valid = true;
	epc_unlock_exclusive(&page->lock);
	return 0;
}

/**
 * encls_epa() - ENCLS[EPA]: turn a free EPC page into a Version Array of
 * 512 empty slots, which EWB fills with the versions of evicted pages.
 * @lp: logical processor executing the leaf
 * @pt: RBX, which must be PT_VA
 * @epc: the free EPC page (RCX)
 *
 * Context: takes the EPCM lock of @epc; never waits.
 * Return: 0, or ENCLS_FAULT_FLAG | #GP (RBX not PT_VA, unaligned, page
 * busy) / #PF (not EPC, already valid).
 */
int encls_epa(struct lp *lp, u64 pt, void *epc)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = epa(lp, pt, epc);
	return leaf_end(lp->plat, ret);
}
