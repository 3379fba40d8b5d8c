// SPDX-License-Identifier: MIT
/* ENCLS[ETRACK]: start a tracking cycle for an enclave (SDM "ETRACK"). */
#include "cpu/leaf.h"
#include "cpu/track.h"

static int etrack(struct lp *lp, void *secs)
{
	struct epc_page *page;
	int ret = SGX_SUCCESS;

	if (!ptr_aligned(secs, SGX_PAGE_SIZE))
		return lp_gp(lp);
	page = epc_page_at(lp->plat, secs);
	if (!page)
		return lp_pf(lp, secs, true);
	if (!epc_trylock_shared(&page->lock))
		return lp_gp(lp);
	if (!page->epcm.valid || page->epcm.pt != SGX_PT_SECS)
		ret = lp_pf(lp, secs, true);
	else if (!track_advance(page))
		ret = SGX_PREV_TRK_INCMPL;
	epc_unlock_shared(&page->lock);
	return ret;
}

/**
 * encls_etrack() - ENCLS[ETRACK]: begin tracking the threads inside an
 * enclave; EWB of pages blocked before this succeeds once all of them have
 * left (EEXIT or AEX).
 * @lp: logical processor executing the leaf
 * @secs: the enclave's SECS (RCX)
 *
 * Context: takes the SECS's EPCM lock shared; never waits.
 * Return: 0; SGX_PREV_TRK_INCMPL while threads of the previous cycle are
 * still inside; or ENCLS_FAULT_FLAG | #GP / #PF (not a valid SECS).
 */
int encls_etrack(struct lp *lp, void *secs)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = etrack(lp, secs);
	return leaf_end(lp->plat, ret);
}
