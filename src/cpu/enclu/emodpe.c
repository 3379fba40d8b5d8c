// SPDX-License-Identifier: MIT
/* ENCLU[EMODPE]: the enclave extends a page's EPCM permissions (SDM "EMODPE"). */
#include <string.h>

#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"

/**
 * enclu_emodpe() - ENCLU[EMODPE].
 * @t: the thread's control block, in enclave mode
 * @r: RBX = SECINFO (64-byte aligned, in the enclave), RCX = the page
 *
 * ORs the SECINFO's R, W and X into the EPCM entry of an accepted REG page
 * of this enclave.  PR is neither checked nor changed.  The OS is not
 * involved: the page's host protection widens at once, within what the
 * process mapped.
 *
 * Context: enclave mode; async-signal-safe.
 * Return: 0 (RAX and RFLAGS are not written) or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int enclu_emodpe(struct tcb *t, struct cpu_regs *r)
{
	const struct sgx_secinfo *si_p;
	struct sgx_secinfo si;
	struct epc_page *page, *si_page;
	struct epcm_entry *e;
	unsigned int si_prot, prot;
	int ret;

	/* The SDM's order: both alignments, both ranges (#GP), both pages
	 * resolved (#PF), then the SECINFO's page checked. */
	if (!is_aligned(r->rbx, 64) || !is_aligned(r->rcx, SGX_PAGE_SIZE) ||
	    !enclu_in_elrange(t, r->rbx, sizeof(si)) ||
	    !enclu_in_elrange(t, r->rcx, SGX_PAGE_SIZE))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	si_page = enclu_resolve(t, r->rbx, false, &si_prot);
	if (!si_page)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	page = enclu_resolve(t, r->rcx, false, &prot);
	if (!page)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	si_p = enclu_operand_check(t, r->rbx, false, si_page, si_prot);
	if (!si_p)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	memcpy(&si, si_p, sizeof(si));
	if (!secinfo_reserved_clear(&si))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	e = &page->epcm;
	if (!e->valid || (e->flags & (EPCM_PENDING | EPCM_MODIFIED | EPCM_BLOCKED)) ||
	    e->pt != SGX_PT_REG || e->secs != t->secs)
		return enclu_raise(t, X86_VEC_PF, X86_PF_U | X86_PF_P | X86_PF_SGX, r->rcx);
	if (!epc_trylock_exclusive(&page->lock))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	ret = enclu_raise(t, X86_VEC_PF, X86_PF_U | X86_PF_P | X86_PF_SGX, r->rcx);
	if (!e->valid || (e->flags & (EPCM_PENDING | EPCM_MODIFIED)) || e->pt != SGX_PT_REG ||
	    e->secs != t->secs || e->enclave_address != r->rcx)
		goto out_unlock;
	/* The SDM leaves this case without a consequence; the result would be
	 * writable and not readable, which nothing else allows either. */
	if (!(e->flags & EPCM_R) && !(si.flags & SGX_SECINFO_R) && (si.flags & SGX_SECINFO_W)) {
		ret = enclu_raise(t, X86_VEC_GP, 0, 0);
		goto out_unlock;
	}
	e->flags |= (u16)(si.flags & SGX_SECINFO_PERM_MASK);
	ret = 0;
out_unlock:
	epc_unlock_exclusive(&page->lock);
	if (!ret)
		enclu_epcm_changed(t, r->rcx);
	return ret;
}
