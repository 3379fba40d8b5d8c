// SPDX-License-Identifier: MIT
/* ENCLS[EDBGWR]: write 8 bytes of a debug enclave's page (SDM "EDBGWR"). */
#include <string.h>

#include "cpu/leaf.h"
#include "cpu/secs.h"

static int edbgwr(struct lp *lp, void *addr, u64 data)
{
	struct epc_page *page;
	struct epcm_entry *e;
	u64 off;
	int ret;

	if (!ptr_aligned(addr, 8))
		return lp_gp(lp);
	page = epc_page_at(lp->plat, addr);
	if (!page)
		return lp_pf(lp, addr, true);
	if (!epc_trylock_shared(&page->lock))
		return lp_gp(lp);
	e = &page->epcm;
	if (!e->valid || (e->pt != SGX_PT_REG && e->pt != SGX_PT_TCS)) {
		ret = lp_pf(lp, addr, true);
		goto out_unlock;
	}
	if (e->flags & (EPCM_PENDING | EPCM_MODIFIED)) {
		ret = SGX_PAGE_NOT_DEBUGGABLE;
		goto out_unlock;
	}
	off = (uintptr_t)addr & (SGX_PAGE_SIZE - 1);
	/* Of a TCS, a debugger may write only FLAGS (to set DBGOPTIN). */
	if (e->pt == SGX_PT_TCS && (off & 0xFF8) != offsetof(struct sgx_tcs, flags)) {
		ret = lp_gp(lp);
		goto out_unlock;
	}
	if (!(secs_of(e->secs->mem)->attributes.flags & SGX_ATTR_DEBUG)) {
		ret = lp_gp(lp);
		goto out_unlock;
	}
	memcpy(page->mem + off, &data, sizeof(data));
	ret = SGX_SUCCESS;
out_unlock:
	epc_unlock_shared(&page->lock);
	return ret;
}

/**
 * encls_edbgwr() - ENCLS[EDBGWR]: write a quadword of a debug enclave.
 * @lp: logical processor executing the leaf
 * @addr: 8-byte aligned address in a REG page, or a TCS's FLAGS (RCX)
 * @data: the value (RBX)
 *
 * Return: 0, SGX_PAGE_NOT_DEBUGGABLE, or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int encls_edbgwr(struct lp *lp, void *addr, u64 data)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = edbgwr(lp, addr, data);
	return leaf_end(lp->plat, ret);
}
