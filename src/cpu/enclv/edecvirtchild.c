// SPDX-License-Identifier: MIT
/* ENCLV[EDECVIRTCHILD]: decrement SECS.VIRTCHILDCNT (SDM "EDECVIRTCHILD"). */
#include "cpu/enclv/enclv.h"

static int edecvirtchild(struct lp *lp, void *epc, void *secs)
{
	struct epc_page *page, *secs_page;
	u64 *cnt, old;
	int ret;

	ret = enclv_virtchild_operands(lp, epc, secs, &page, &secs_page);
	if (ret)
		return ret;
	/* Locked decrement that undoes itself on underflow: the count never
	 * goes below zero. */
	cnt = enclv_virtchildcnt(secs_page);
	old = __atomic_load_n(cnt, __ATOMIC_SEQ_CST);
	do {
		if (!old) {
			ret = SGX_INVALID_COUNTER;
			break;
		}
	} while (!__atomic_compare_exchange_n(cnt, &old, old - 1, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	epc_unlock_shared(&page->lock);
	return ret;
}

/**
 * enclv_edecvirtchild() - ENCLV[EDECVIRTCHILD]: a VMM brought back a child
 * page it had evicted: one fewer in the SECS's VIRTCHILDCNT.
 * @lp: logical processor executing the leaf (in VMX root operation)
 * @epc: a page of the enclave (RBX): REG, TCS, TRIM, or the SECS itself
 * @secs: the enclave's SECS (RCX)
 *
 * Context: takes the EPCM lock of @epc shared; never waits.
 * Return: 0; SGX_EPC_PAGE_CONFLICT (another leaf changes @epc);
 * SGX_INVALID_COUNTER (VIRTCHILDCNT is 0, and stays 0); or
 * ENCLS_FAULT_FLAG | #UD (not in VMX root operation) / #GP (SGX off,
 * @epc unaligned, @secs not @epc's SECS) / #PF (not EPC, @epc invalid or
 * a VA page).
 */
int enclv_edecvirtchild(struct lp *lp, void *epc, void *secs)
{
	int ret = enclv_check(lp);

	if (ret)
		return ret;
	leaf_begin(lp->plat);
	ret = edecvirtchild(lp, epc, secs);
	return leaf_end(lp->plat, ret);
}
