// SPDX-License-Identifier: MIT
/* ENCLU[EACCEPT]: the enclave confirms a change the OS made (SDM "EACCEPT"). */
#include <string.h>

#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"
#include "cpu/secs.h"
#include "cpu/track.h"

/* The only requests that name a change the OS can have made. */
static bool legal_request(u64 flags)
{
	u8 pt = secinfo_pt(flags);
	bool pending = flags & SGX_SECINFO_PENDING, modified = flags & SGX_SECINFO_MODIFIED,
	     pr = flags & SGX_SECINFO_PR;

	if (pt == SGX_PT_REG)
		return (pending || pr) && !modified;
	if (pt == SGX_PT_TCS || pt == SGX_PT_TRIM)
		return modified && !pending && !pr;
	return false;
}

/* What EENTER will rely on in a TCS made from a REG page (SDM: #GP). */
static bool tcs_acceptable(const struct sgx_tcs *tcs, const struct sgx_secs *secs)
{
	if (!mem_is_zero(tcs->reserved, sizeof(tcs->reserved)) ||
	    (tcs->flags & SGX_TCS_DBGOPTIN) || tcs->cssa >= tcs->nssa || tcs->aep || tcs->state)
		return false;
	return (secs->attributes.flags & SGX_ATTR_MODE64BIT) ||
	       ((tcs->fslimit & 0xFFF) == 0xFFF && (tcs->gslimit & 0xFFF) == 0xFFF);
}

/**
 * enclu_eaccept() - ENCLU[EACCEPT].
 * @t: the thread's control block, in enclave mode
 * @r: RBX = SECINFO (64-byte aligned, in the enclave) describing the state
 *     the page must be in; RCX = the page
 *
 * Accepts an EAUG (PENDING), an EMODPR (PR) or an EMODT (MODIFIED): the
 * EPCM's type, permissions, PENDING and MODIFIED must equal the SECINFO's
 * (PR is not compared, as in the SDM), and after EMODPR or EMODT an ETRACK
 * must have completed.  Then PENDING, MODIFIED and PR are cleared and the
 * host's protection of the page follows.
 *
 * Context: enclave mode; async-signal-safe.
 * Return: 0, SGX_PAGE_ATTRIBUTES_MISMATCH, SGX_NOT_TRACKED, or
 * ENCLS_FAULT_FLAG | #GP / #PF.
 */
int enclu_eaccept(struct tcb *t, struct cpu_regs *r)
{
	const struct sgx_secinfo *si_p;
	struct sgx_secinfo si;
	struct epc_page *page;
	struct epcm_entry *e;
	u16 want;
	int ret;

	if (!is_aligned(r->rbx, 64))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	si_p = enclu_operand(t, r->rbx, sizeof(si), false);
	if (!si_p)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	memcpy(&si, si_p, sizeof(si));
	if (!secinfo_reserved_clear(&si))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	page = enclu_target(t, r->rcx);
	if (!page)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	if (!legal_request(si.flags))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	e = &page->epcm;
	if (!e->valid || (e->flags & EPCM_BLOCKED) || !pt_is_child(e->pt) || e->secs != t->secs)
		return enclu_raise(t, X86_VEC_PF, X86_PF_U | X86_PF_P | X86_PF_SGX, r->rcx);
	if (!epc_trylock_exclusive(&page->lock))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	ret = enclu_raise(t, X86_VEC_PF, X86_PF_U | X86_PF_P | X86_PF_SGX, r->rcx);
	if (!e->valid || e->secs != t->secs)
		goto out_unlock;
	want = (u16)(si.flags & (SGX_SECINFO_PERM_MASK | SGX_SECINFO_PENDING |
				 SGX_SECINFO_MODIFIED));
	if (e->enclave_address != r->rcx || e->pt != secinfo_pt(si.flags) ||
	    (e->flags & (SGX_SECINFO_PERM_MASK | EPCM_PENDING | EPCM_MODIFIED)) != want) {
		ret = SGX_PAGE_ATTRIBUTES_MISMATCH;
		goto out_unlock;
	}
	/* Threads that were inside when the OS changed the page may still
	 * use the old translation until they leave. */
	if (page->track_pending && !track_done(e->secs, page->modify_epoch)) {
		ret = SGX_NOT_TRACKED;
		goto out_unlock;
	}
	if (e->pt == SGX_PT_TCS &&
	    !tcs_acceptable((const struct sgx_tcs *)(const void *)page->mem,
			    secs_of(e->secs->mem))) {
		ret = enclu_raise(t, X86_VEC_GP, 0, 0);
		goto out_unlock;
	}
	e->flags &= (u16)~(EPCM_PENDING | EPCM_MODIFIED | EPCM_PR);
	page->track_pending = false;
	ret = 0;
out_unlock:
	epc_unlock_exclusive(&page->lock);
	if (!ret)
		enclu_epcm_changed(t, r->rcx);
	return ret;
}
