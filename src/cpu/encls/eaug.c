// SPDX-License-Identifier: MIT
/* ENCLS[EAUG]: add a zeroed, pending page to an initialized enclave (SDM "EAUG"). */
#include <string.h>

#include "cpu/leaf.h"
#include "cpu/secs.h"

static int eaug(struct lp *lp, struct sgx_pageinfo *pginfo_addr, void *epc)
{
	struct platform *plat = lp->plat;
	struct sgx_pageinfo pginfo;
	struct epc_page *page, *secs_page;
	const struct sgx_secs *secs;
	void *secs_addr;
	int ret;

	if (!ptr_aligned(pginfo_addr, 32) || !ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	page = epc_page_at(plat, epc);
	if (!page)
		return lp_pf(lp, epc, true);
	leaf_read_nonenclave(plat, &pginfo, pginfo_addr, sizeof(pginfo));
	if (!is_aligned(pginfo.secs, SGX_PAGE_SIZE) || !is_aligned(pginfo.linaddr, SGX_PAGE_SIZE))
		return lp_gp(lp);
	/* No source page; a SECINFO only describes CET shadow-stack pages,
	 * which this processor does not enumerate. */
	if (pginfo.srcpge || pginfo.secinfo)
		return lp_gp(lp);
	secs_addr = (void *)(uintptr_t)pginfo.secs;
	secs_page = epc_page_at(plat, secs_addr);
	if (!secs_page)
		return lp_pf(lp, secs_addr, true);
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
	/* Only an initialized enclave grows this way; before EINIT pages are
	 * EADDed and measured. */
	ret = lp_gp(lp);
	if (!(secs->attributes.flags & SGX_ATTR_INIT))
		goto out_unlock_secs;
	if (pginfo.linaddr < secs->baseaddr || pginfo.linaddr - secs->baseaddr >= secs->size)
		goto out_unlock_secs;
	memset(page->mem, 0, SGX_PAGE_SIZE);
	leaf_add_child(page, secs_page, SGX_PT_REG, EPCM_R | EPCM_W | EPCM_PENDING,
		       pginfo.linaddr);
	ret = 0;
out_unlock_secs:
	epc_unlock_shared(&secs_page->lock);
out_unlock_page:
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_eaug() - ENCLS[EAUG]: give an initialized enclave a new page.
 * @lp: logical processor executing the leaf
 * @pginfo: PAGEINFO (RBX): LINADDR and the enclave's SECS; SRCPGE and
 *          SECINFO must be 0
 * @epc: a free EPC page (RCX)
 *
 * The page is zeroed and becomes a read-write REG page in the PENDING
 * state: the enclave cannot use it until it accepts it (EACCEPT or
 * EACCEPTCOPY).  Nothing is measured.  Needs SGX2.
 *
 * Context: takes the EPCM locks of @epc (exclusive) and the SECS (shared);
 * never waits.
 * Return: 0, or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int encls_eaug(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc)
{
	int ret;

	if (!lp_sgx2_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = eaug(lp, pginfo, epc);
	return leaf_end(lp->plat, ret);
}
