// SPDX-License-Identifier: MIT
/* ENCLS[EDBGRD]: read 8 bytes of a debug enclave's page (SDM "EDBGRD"). */
#include <string.h>

#include "cpu/leaf.h"
#include "cpu/secs.h"

static int edbgrd(struct lp *lp, void *addr, u64 *data)
{
	struct epc_page *page;
	struct epcm_entry *e;
	u64 off, v;
	int ret;

	/* The emulated kernel runs in 64-bit mode: 8-byte accesses. */
	if (!ptr_aligned(addr, 8))
		return lp_gp(lp);
	page = epc_page_at(lp->plat, addr);
	if (!page)
		return lp_pf(lp, addr, false);
	if (!epc_trylock_shared(&page->lock))
		return lp_gp(lp);
	e = &page->epcm;
	if (!e->valid || (e->pt != SGX_PT_REG && e->pt != SGX_PT_TCS && e->pt != SGX_PT_VA)) {
		ret = lp_pf(lp, addr, false);
		goto out_unlock;
	}
	/* The status beats the TCS and DEBUG checks below, as in the SDM. */
	if (e->flags & (EPCM_PENDING | EPCM_MODIFIED)) {
		ret = SGX_PAGE_NOT_DEBUGGABLE;
		goto out_unlock;
	}
	off = (uintptr_t)addr & (SGX_PAGE_SIZE - 1);
	if (e->pt == SGX_PT_TCS && off >= offsetof(struct sgx_tcs, reserved)) {
		ret = lp_gp(lp);
		goto out_unlock;
	}
	memcpy(&v, page->mem + off, sizeof(v));
	if (e->pt == SGX_PT_VA) {
		/* A VA slot only tells whether it is in use. */
		*data = (v & ~7ULL) ? ~0ULL : 0;
	} else {
		if (!(secs_of(e->secs->mem)->attributes.flags & SGX_ATTR_DEBUG)) {
			ret = lp_gp(lp);
			goto out_unlock;
		}
		*data = v;
	}
	ret = SGX_SUCCESS;
out_unlock:
	epc_unlock_shared(&page->lock);
	return ret;
}

/**
 * encls_edbgrd() - ENCLS[EDBGRD]: read a quadword of a debug enclave.
 * @lp: logical processor executing the leaf
 * @addr: 8-byte aligned address in a REG, TCS or VA page (RCX)
 * @data: receives the value (RBX)
 *
 * Return: 0, SGX_PAGE_NOT_DEBUGGABLE, or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int encls_edbgrd(struct lp *lp, void *addr, u64 *data)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = edbgrd(lp, addr, data);
	return leaf_end(lp->plat, ret);
}
