// SPDX-License-Identifier: MIT
/* ENCLV[EINCVIRTCHILD]: increment SECS.VIRTCHILDCNT (SDM "EINCVIRTCHILD"). */
#include "cpu/enclv/enclv.h"

static int eincvirtchild(struct lp *lp, void *epc, void *secs)
{
	struct epc_page *page, *secs_page;
	int ret;

	ret = enclv_virtchild_operands(lp, epc, secs, &page, &secs_page);
	if (ret)
		return ret;
	__atomic_fetch_add(enclv_virtchildcnt(secs_page), 1, __ATOMIC_SEQ_CST);
	epc_unlock_shared(&page->lock);
	return SGX_SUCCESS;
}

/**
 * enclv_eincvirtchild() - ENCLV[EINCVIRTCHILD]: a VMM is about to evict a
 * child page of a guest's enclave: one more in the SECS's VIRTCHILDCNT,
 * so the guest cannot evict or remove the SECS while the VMM holds it.
 * @lp: logical processor executing the leaf (in VMX root operation)
 * @epc: a page of the enclave (RBX): REG, TCS, TRIM, or the SECS itself
 * @secs: the enclave's SECS (RCX)
 *
 * Context: takes the EPCM lock of @epc shared; never waits.
 * Return: 0; SGX_EPC_PAGE_CONFLICT (another leaf changes @epc); or
 * ENCLS_FAULT_FLAG | #UD (not in VMX root operation) / #GP (SGX off,
 * @epc unaligned, @secs not @epc's SECS) / #PF (not EPC, @epc invalid or
 * a VA page).
 */
int enclv_eincvirtchild(struct lp *lp, void *epc, void *secs)
{
	int ret = enclv_check(lp);

	if (ret)
		return ret;
	leaf_begin(lp->plat);
	ret = eincvirtchild(lp, epc, secs);
	return leaf_end(lp->plat, ret);
}
