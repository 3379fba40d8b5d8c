/* SPDX-License-Identifier: MIT */
/*
 * What the ENCLV leaves share (SDM "ENCLV" and its leaves, the
 * oversubscription extensions).  Internal to src/cpu.
 */
#ifndef SGXEMU_CPU_ENCLV_ENCLV_H
#define SGXEMU_CPU_ENCLV_ENCLV_H

#include "cpu/leaf.h"
#include "cpu/secs.h"

/*
 * ENCLV's own checks, before the leaf's: #UD outside VMX operation (the
 * VMM's VMXON; a guest's LPs run in VMX non-root operation without the
 * ENCLV execution control, which is #UD too), then #GP(0) unless
 * IA32_FEATURE_CONTROL is locked with SGX enabled.
 */
static inline int enclv_check(struct lp *lp)
{
	if (!lp_vmx_root(lp))
		return lp_raise(lp, X86_VEC_UD, 0, 0);
	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	return 0;
}

/*
 * The operands of EINCVIRTCHILD and EDECVIRTCHILD, in the SDM's order:
 * RBX 4 KiB-aligned (#GP), RBX and RCX in the EPC (#PF), RBX's EPCM entry
 * not being changed (SGX_EPC_PAGE_CONFLICT), RBX valid (#PF), RBX a REG,
 * TCS or TRIM page (its SECS) or a SECS (itself), anything else #PF, and
 * that SECS RCX's page (#GP).  On success *@page is locked shared and
 * *@secs_page is the SECS whose VIRTCHILDCNT the leaf changes.
 */
static inline int enclv_virtchild_operands(struct lp *lp, void *epc, void *secs,
					   struct epc_page **page, struct epc_page **secs_page)
{
	struct epc_page *rcx;

	if (!ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	*page = epc_page_at(lp->plat, epc);
	if (!*page)
		return lp_pf(lp, epc, true);
	rcx = epc_page_at(lp->plat, secs);
	if (!rcx)
		return lp_pf(lp, secs, true);
	/* Target shared, the SECS concurrent: only a leaf changing the
	 * target conflicts. */
	if (!epc_trylock_shared(&(*page)->lock))
		return SGX_EPC_PAGE_CONFLICT;
	if (!(*page)->epcm.valid)
		goto pf;
	if (pt_is_child((*page)->epcm.pt))
		*secs_page = (*page)->epcm.secs;
	else if ((*page)->epcm.pt == SGX_PT_SECS)
		*secs_page = *page;
	else
		goto pf;
	/* "TMP_SECS ≠ Physical_Address(DS:RCX)": another page, or an
	 * address inside the SECS page rather than the page itself. */
	if (*secs_page != rcx || !ptr_aligned(secs, SGX_PAGE_SIZE)) {
		epc_unlock_shared(&(*page)->lock);
		return lp_gp(lp);
	}
	return 0;
pf:
	epc_unlock_shared(&(*page)->lock);
	return lp_pf(lp, epc, true);
}

/* SECS.VIRTCHILDCNT, in the SECS page's hardware-private area. */
static inline u64 *enclv_virtchildcnt(struct epc_page *secs_page)
{
	return &secs_private(secs_page->mem)->virtchildcnt;
}

#endif
