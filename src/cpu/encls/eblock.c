// SPDX-License-Identifier: MIT
/* ENCLS[EBLOCK]: mark a page blocked, the first step of eviction (SDM "EBLOCK"). */
#include "cpu/leaf.h"

static int eblock(struct lp *lp, void *epc)
{
	struct epc_page *page;
	struct epcm_entry *e;
	int ret = SGX_SUCCESS;

	if (!ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	page = epc_page_at(lp->plat, epc);
	if (!page)
		return lp_pf(lp, epc, true);
	/* Another leaf on the page: a status, not a fault, for EBLOCK. */
	if (!epc_trylock_exclusive(&page->lock))
		return SGX_EPC_PAGE_CONFLICT;
	e = &page->epcm;
	if (!e->valid)
		ret = SGX_PG_INVLD;
	else if (e->pt == SGX_PT_SECS)
		ret = SGX_PG_IS_SECS;
	else if (!pt_is_child(e->pt))
		ret = SGX_NOTBLOCKABLE;
	else if (e->flags & EPCM_BLOCKED)
		ret = SGX_BLKSTATE;
	if (ret == SGX_SUCCESS) {
		/* Threads that entered before now may still hold translations:
		 * EWB waits for an ETRACK after this epoch to complete. */
		page->block_epoch = atomic_load(&e->secs->epoch);
		e->flags |= EPCM_BLOCKED;
	}
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_eblock() - ENCLS[EBLOCK]: block new translations to an enclave
 * page, so that it can be evicted once tracking completes.
 * @lp: logical processor executing the leaf
 * @epc: the EPC page (RCX)
 *
 * Context: takes the EPCM lock of @epc; never waits.
 * Return: 0; SGX_PG_INVLD, SGX_PG_IS_SECS, SGX_NOTBLOCKABLE (VA),
 * SGX_BLKSTATE (already blocked), SGX_EPC_PAGE_CONFLICT; or
 * ENCLS_FAULT_FLAG | #GP (unaligned) / #PF (not EPC).
 */
int encls_eblock(struct lp *lp, void *epc)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = eblock(lp, epc);
	return leaf_end(lp->plat, ret);
}
