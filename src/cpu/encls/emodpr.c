// SPDX-License-Identifier: MIT
/* ENCLS[EMODPR]: restrict an enclave page's EPCM permissions (SDM "EMODPR"). */
#include "cpu/leaf.h"
#include "cpu/secs.h"

static int emodpr(struct lp *lp, const struct sgx_secinfo *secinfo_addr, void *epc)
{
	struct sgx_secinfo si;
	struct epc_page *page;
	struct epcm_entry *e;
	int ret;

	ret = leaf_secinfo_operands(lp, secinfo_addr, epc, &si, &page);
	if (ret)
		return ret;
	if (!secinfo_reserved_clear(&si) ||
	    ((si.flags & SGX_SECINFO_W) && !(si.flags & SGX_SECINFO_R)))
		return lp_gp(lp);
	/*
	 * The SDM's pseudocode and its concurrency table disagree on what a
	 * conflict is; every conflict here is the status, which is what the
	 * error table describes and what Linux handles.
	 */
	if (!epc_trylock_exclusive(&page->lock))
		return SGX_EPC_PAGE_CONFLICT;
	e = &page->epcm;
	if (!e->valid) {
		ret = lp_pf(lp, epc, true);
		goto out_unlock;
	}
	/* Before the type check: this is how Linux tells an accepted trim
	 * (#PF) from one that was not (SGX_PAGE_NOT_MODIFIABLE). */
	if (e->flags & (EPCM_PENDING | EPCM_MODIFIED)) {
		ret = SGX_PAGE_NOT_MODIFIABLE;
		goto out_unlock;
	}
	if (e->pt != SGX_PT_REG) {
		ret = lp_pf(lp, epc, true);
		goto out_unlock;
	}
	if (!(secs_of(e->secs->mem)->attributes.flags & SGX_ATTR_INIT)) {
		ret = lp_gp(lp);
		goto out_unlock;
	}
	/* PR even when nothing is taken away: EACCEPT confirms it. */
	e->flags = (u16)((e->flags & ~SGX_SECINFO_PERM_MASK) |
			 (e->flags & si.flags & SGX_SECINFO_PERM_MASK) | EPCM_PR);
	leaf_modified(page);
	ret = 0;
out_unlock:
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_emodpr() - ENCLS[EMODPR]: AND an enclave page's EPCM permissions
 * with those in a SECINFO.
 * @lp: logical processor executing the leaf
 * @secinfo: SECINFO (RBX), 64-byte aligned; only R, W and X are used
 * @epc: a REG page of an initialized enclave (RCX)
 *
 * The page enters the PR state; the enclave confirms with EACCEPT once the
 * OS has run ETRACK and every thread that was inside has left.  Needs SGX2.
 *
 * Context: takes the EPCM lock of @epc; never waits.
 * Return: 0; SGX_PAGE_NOT_MODIFIABLE (PENDING or MODIFIED page),
 * SGX_EPC_PAGE_CONFLICT; or ENCLS_FAULT_FLAG | #GP (alignment, reserved
 * bits, W without R, enclave not initialized) / #PF (not a valid REG page).
 */
int encls_emodpr(struct lp *lp, const struct sgx_secinfo *secinfo, void *epc)
{
	int ret;

	if (!lp_sgx2_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = emodpr(lp, secinfo, epc);
	return leaf_end(lp->plat, ret);
}
