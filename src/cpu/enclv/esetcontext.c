// SPDX-License-Identifier: MIT
/* ENCLV[ESETCONTEXT]: set SECS.ENCLAVECONTEXT (SDM "ESETCONTEXT"). */
#include "cpu/enclv/enclv.h"

static int esetcontext(struct lp *lp, void *secs, const u64 *context)
{
	struct epc_page *page;
	u64 value;
	int ret = SGX_SUCCESS;

	if (!ptr_aligned(secs, SGX_PAGE_SIZE))
		return lp_gp(lp);
	page = epc_page_at(lp->plat, secs);
	if (!page)
		return lp_pf(lp, secs, true);
	if (!ptr_aligned(context, 8))
		return lp_gp(lp);
	leaf_read_nonenclave(lp->plat, &value, context, sizeof(value));
	if (!epc_trylock_shared(&page->lock))
		return SGX_EPC_PAGE_CONFLICT;
	if (!page->epcm.valid || page->epcm.pt != SGX_PT_SECS)
		ret = lp_pf(lp, secs, true);
	else
		secs_private(page->mem)->enclavecontext = value;
	epc_unlock_shared(&page->lock);
	return ret;
}

/**
 * enclv_esetcontext() - ENCLV[ESETCONTEXT]: overwrite SECS.ENCLAVECONTEXT,
 * which ECREATE and ELD set to the SECS's physical address and ERDINFO
 * reports, so that a VMM that ran ECREATE or ELD for its guest can store
 * its own name for the enclave (the guest-physical address).
 * @lp: logical processor executing the leaf (in VMX root operation)
 * @secs: the SECS (RCX)
 * @context: the value (RDX, 8-byte aligned)
 *
 * Context: takes the EPCM lock of @secs shared; never waits.
 * Return: 0; SGX_EPC_PAGE_CONFLICT (another leaf changes @secs); or
 * ENCLS_FAULT_FLAG | #UD (not in VMX root operation) / #GP (SGX off,
 * unaligned) / #PF (not EPC, not a valid SECS).
 */
int enclv_esetcontext(struct lp *lp, void *secs, const u64 *context)
{
	int ret = enclv_check(lp);

	if (ret)
		return ret;
	leaf_begin(lp->plat);
	ret = esetcontext(lp, secs, context);
	return leaf_end(lp->plat, ret);
}
