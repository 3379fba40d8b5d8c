// SPDX-License-Identifier: MIT
/* ENCLS[EMODT]: change an enclave page's type to TCS or TRIM (SDM "EMODT"). */
#include "cpu/leaf.h"
#include "cpu/secs.h"

static int emodt(struct lp *lp, const struct sgx_secinfo *secinfo_addr, void *epc)
{
	struct sgx_secinfo si;
	struct epc_page *page;
	struct epcm_entry *e;
	u8 pt;
	int ret;

	ret = leaf_secinfo_operands(lp, secinfo_addr, epc, &si, &page);
	if (ret)
		return ret;
	pt = secinfo_pt(si.flags);
	if (!secinfo_reserved_clear(&si) || (pt != SGX_PT_TCS && pt != SGX_PT_TRIM))
		return lp_gp(lp);
	/* Every conflict is a status for EMODT, never #GP. */
	if (!epc_trylock_exclusive(&page->lock))
		return SGX_EPC_PAGE_CONFLICT;
	e = &page->epcm;
	if (!e->valid) {
		ret = lp_pf(lp, epc, true);
		goto out_unlock;
	}
	/* REG becomes TCS or TRIM; a TCS can only be trimmed.  The type comes
	 * before the state here, the other way round from EMODPR. */
	if (e->pt != SGX_PT_REG && !(e->pt == SGX_PT_TCS && pt == SGX_PT_TRIM)) {
		ret = lp_pf(lp, epc, true);
		goto out_unlock;
	}
	if (e->flags & (EPCM_PENDING | EPCM_MODIFIED)) {
		ret = SGX_PAGE_NOT_MODIFIABLE;
		goto out_unlock;
	}
	if (!(secs_of(e->secs->mem)->attributes.flags & SGX_ATTR_INIT)) {
		ret = lp_gp(lp);
		goto out_unlock;
	}
	/*
	 * No check that a thread is using a TCS: the SDM has none.  The
	 * change takes effect at once (a new EENTER through it faults), and
	 * EACCEPT waits for the threads inside to leave (SGX_NOT_TRACKED).
	 */
	e->pt = pt;
	e->flags = (u16)((e->flags & EPCM_BLOCKED) | EPCM_MODIFIED);
	leaf_modified(page);
	ret = 0;
out_unlock:
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_emodt() - ENCLS[EMODT]: change the type of an enclave page.
 * @lp: logical processor executing the leaf
 * @secinfo: SECINFO (RBX), 64-byte aligned; only PT is used (TCS or TRIM)
 * @epc: a REG page, or a TCS page to trim, of an initialized enclave (RCX)
 *
 * The page loses all permissions and enters the MODIFIED state until the
 * enclave accepts the change (EACCEPT).  Needs SGX2.
 *
 * Context: takes the EPCM lock of @epc; never waits.
 * Return: 0; SGX_PAGE_NOT_MODIFIABLE (PENDING or MODIFIED page),
 * SGX_EPC_PAGE_CONFLICT; or ENCLS_FAULT_FLAG | #GP (alignment, reserved
 * bits, a type other than TCS or TRIM, enclave not initialized) / #PF (not
 * a valid page, or a change of type the SDM does not allow).
 */
int encls_emodt(struct lp *lp, const struct sgx_secinfo *secinfo, void *epc)
{
	int ret;

	if (!lp_sgx2_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = emodt(lp, secinfo, epc);
	return leaf_end(lp->plat, ret);
}
