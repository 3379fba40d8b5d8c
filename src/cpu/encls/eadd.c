// SPDX-License-Identifier: MIT
/* ENCLS[EADD]: add a page to an uninitialized enclave (SDM "EADD"). */
#include <string.h>

#include "cpu/leaf.h"
#include "cpu/secs.h"

static int eadd(struct lp *lp, struct sgx_pageinfo *pginfo_addr, void *epc)
{
	struct platform *plat = lp->plat;
	struct sgx_pageinfo pginfo;
	struct sgx_secinfo secinfo;
	struct sgx_measure_eadd rec;
	struct epc_page *page, *secs_page;
	struct sgx_secs *secs;
	void *secs_addr;
	u8 pt;
	int ret;

	if (!ptr_aligned(pginfo_addr, 32) || !ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	page = epc_page_at(plat, epc);
	if (!page)
		return lp_pf(lp, epc, true);
	leaf_read_nonenclave(plat, &pginfo, pginfo_addr, sizeof(pginfo));
	if (!is_aligned(pginfo.srcpge, SGX_PAGE_SIZE) || !is_aligned(pginfo.secs, SGX_PAGE_SIZE) ||
	    !is_aligned(pginfo.secinfo, 64) || !is_aligned(pginfo.linaddr, SGX_PAGE_SIZE))
		return lp_gp(lp);
	secs_addr = (void *)(uintptr_t)pginfo.secs;
	secs_page = epc_page_at(plat, secs_addr);
	if (!secs_page)
		return lp_pf(lp, secs_addr, true);
	leaf_read_nonenclave(plat, &secinfo, (void *)(uintptr_t)pginfo.secinfo, sizeof(secinfo));
	pt = secinfo_pt(secinfo.flags);
	if (!secinfo_reserved_clear(&secinfo) || (pt != SGX_PT_REG && pt != SGX_PT_TCS))
		return lp_gp(lp);
	/* SDM: "IF (EPC page is not available for EADD) THEN #GP(0)". */
	if (!epc_trylock_exclusive(&page->lock))
		return lp_gp(lp);
	if (page->epcm.valid) {
		ret = lp_pf(lp, epc, true);
		goto out_unlock_page;
	}
	if (!epc_trylock_shared(&secs_page->lock)) {
		ret = lp_gp(lp);
		goto out_unlock_page;
	}
	if (!secs_page->epcm.valid || secs_page->epcm.pt != SGX_PT_SECS) {
		ret = lp_pf(lp, secs_addr, true);
		goto out_unlock_secs;
	}
	secs = secs_of(secs_page->mem);
	leaf_read_nonenclave(plat, page->mem, (void *)(uintptr_t)pginfo.srcpge, SGX_PAGE_SIZE);
	ret = lp_gp(lp);
	if (pt == SGX_PT_TCS) {
		struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)page->mem;

		if (!mem_is_zero(tcs->reserved, sizeof(tcs->reserved)))
			goto out_unlock_secs;
		if (!(secs->attributes.flags & SGX_ATTR_MODE64BIT) &&
		    ((tcs->fslimit & 0xFFF) != 0xFFF || (tcs->gslimit & 0xFFF) != 0xFFF))
			goto out_unlock_secs;
	} else if ((secinfo.flags & SGX_SECINFO_W) && !(secinfo.flags & SGX_SECINFO_R)) {
		goto out_unlock_secs;
	}
	if (pginfo.linaddr < secs->baseaddr || pginfo.linaddr - secs->baseaddr >= secs->size)
		goto out_unlock_secs;
	/* SDM: "IF (Other instruction is accessing MRENCLAVE) THEN #GP(0)". */
	if (!epc_trylock_exclusive(&secs_page->mr_lock))
		goto out_unlock_secs;
	if (secs->attributes.flags & SGX_ATTR_INIT)
		goto out_unlock_mr;

	if (pt == SGX_PT_TCS) {
		struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)page->mem;

		/* The CPU clears a TCS's permissions before measuring, and the
		 * fields it owns in the page. */
		secinfo.flags &= ~SGX_SECINFO_PERM_MASK;
		tcs->flags &= ~SGX_TCS_DBGOPTIN;
		tcs->cssa = 0;
		tcs->aep = 0;
		tcs->state = 0;
	}
	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_EADD;
	rec.offset = pginfo.linaddr - secs->baseaddr;
	rec.secinfo_flags = secinfo.flags;
	memcpy(rec.secinfo_reserved, secinfo.reserved, sizeof(rec.secinfo_reserved));
	crypto_sha256_update(&secs_private(secs_page->mem)->mr, &rec, sizeof(rec));
	secs_private(secs_page->mem)->mr_updates++;

	leaf_add_child(page, secs_page, pt, (u16)(secinfo.flags & SGX_SECINFO_PERM_MASK),
		       pginfo.linaddr);
	ret = 0;
out_unlock_mr:
	epc_unlock_exclusive(&secs_page->mr_lock);
out_unlock_secs:
	epc_unlock_shared(&secs_page->lock);
out_unlock_page:
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_eadd() - ENCLS[EADD]: copy a page into the EPC and measure its
 * address and SECINFO.
 * @lp: logical processor executing the leaf
 * @pginfo: PAGEINFO (RBX): LINADDR, SRCPGE, SECINFO and the enclave's SECS
 * @epc: destination EPC page (RCX)
 *
 * Context: takes the EPCM locks of @epc (exclusive), the SECS (shared) and
 * the enclave's MRENCLAVE; never waits.
 * Return: 0, or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int encls_eadd(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = eadd(lp, pginfo, epc);
	return leaf_end(lp->plat, ret);
}
