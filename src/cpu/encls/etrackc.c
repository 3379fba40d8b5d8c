// SPDX-License-Identifier: MIT
/*
 * ENCLS[ETRACKC]: ETRACK that names any page of the enclave and reports
 * conflicts as statuses (SDM "ETRACKC"), for a VMM that does not know
 * where its guest keeps the SECS.
 */
#include "cpu/leaf.h"
#include "cpu/track.h"

static int etrackc(struct lp *lp, void *epc)
{
	struct epc_page *page, *secs;
	int ret = SGX_SUCCESS;
	unsigned long long e;	/* atomic_compare_exchange wants the atomic's own type */

	if (!ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	page = epc_page_at(lp->plat, epc);
	if (!page)
		return lp_pf(lp, epc, true);
	if (!epc_trylock_shared(&page->lock))
		return SGX_EPC_PAGE_CONFLICT;
	if (!page->epcm.valid) {
		ret = SGX_PG_INVLD;
		goto out_unlock;
	}
	if (pt_is_child(page->epcm.pt)) {
		secs = page->epcm.secs;
	} else if (page->epcm.pt == SGX_PT_SECS) {
		secs = page;
	} else {
		ret = SGX_TRACK_NOT_REQUIRED;
		goto out_unlock;
	}
	/* As ETRACK (src/cpu/track.h), but another tracking leaf on the SECS
	 * at the same moment is a conflict, not SGX_PREV_TRK_INCMPL. */
	e = atomic_load(&secs->epoch);
	if (e && atomic_load(&secs->inside[(e - 1) & 1]))
		ret = SGX_PREV_TRK_INCMPL;
	else if (!atomic_compare_exchange_strong(&secs->epoch, &e, e + 1))
		ret = SGX_EPC_PAGE_CONFLICT;
out_unlock:
	epc_unlock_shared(&page->lock);
	return ret;
}

/**
 * encls_etrackc() - ENCLS[ETRACKC]: begin a tracking cycle for the enclave
 * that @epc belongs to (or is the SECS of).
 * @lp: logical processor executing the leaf
 * @epc: a REG, TCS or TRIM page of the enclave, or its SECS (RCX)
 *
 * Context: takes the EPCM lock of @epc shared; never waits.
 * Return: 0; SGX_PG_INVLD; SGX_TRACK_NOT_REQUIRED (a VA page, CF set on
 * hardware); SGX_PREV_TRK_INCMPL; SGX_EPC_PAGE_CONFLICT (another leaf
 * changes the page, or tracks the enclave); or ENCLS_FAULT_FLAG | #GP
 * (unaligned, CPUID.(12H,0).EAX[6] clear) / #PF (not EPC).
 */
int encls_etrackc(struct lp *lp, void *epc)
{
	int ret;

	if (!lp_oversub_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = etrackc(lp, epc);
	return leaf_end(lp->plat, ret);
}
