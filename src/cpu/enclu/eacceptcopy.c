// SPDX-License-Identifier: MIT
/* ENCLU[EACCEPTCOPY]: fill a pending page and accept it (SDM "EACCEPTCOPY"). */
#include <string.h>

#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"

/* The destination as EAUG left it, in this enclave. */
static bool fresh_pending(const struct epcm_entry *e, const struct tcb *t)
{
	return e->valid && e->pt == SGX_PT_REG && e->secs == t->secs &&
	       (e->flags & (EPCM_PENDING | EPCM_MODIFIED | EPCM_BLOCKED)) == EPCM_PENDING;
}

/**
 * enclu_eacceptcopy() - ENCLU[EACCEPTCOPY].
 * @t: the thread's control block, in enclave mode
 * @r: RBX = SECINFO (64-byte aligned: PT_REG and the permissions wanted),
 *     RCX = a PENDING page from EAUG, RDX = the source page, all in the
 *     enclave
 *
 * Copies the source into the pending page, gives it the SECINFO's
 * permissions (this is how an enclave gets executable pages after EINIT)
 * and clears PENDING.  No ETRACK is needed: nothing could use the page.
 *
 * Context: enclave mode; async-signal-safe.
 * Return: 0, SGX_PAGE_ATTRIBUTES_MISMATCH (the destination is not a fresh
 * pending page), or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int enclu_eacceptcopy(struct tcb *t, struct cpu_regs *r)
{
	const struct sgx_secinfo *si_p;
	struct sgx_secinfo si;
	struct epc_page *page, *si_page, *src_page;
	struct epcm_entry *e;
	unsigned int si_prot, prot, src_prot;
	const u8 *src;
	int ret;

	/* The SDM's order: alignments and ranges of all three (#GP), all three
	 * resolved (#PF), the SECINFO's page, its contents (#GP), then the
	 * source (#PF(RDX)). */
	if (!is_aligned(r->rbx, 64) || !is_aligned(r->rcx, SGX_PAGE_SIZE) ||
	    !is_aligned(r->rdx, SGX_PAGE_SIZE) || !enclu_in_elrange(t, r->rbx, sizeof(si)) ||
	    !enclu_in_elrange(t, r->rcx, SGX_PAGE_SIZE) ||
	    !enclu_in_elrange(t, r->rdx, SGX_PAGE_SIZE))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	si_page = enclu_resolve(t, r->rbx, false, &si_prot);
	if (!si_page)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	page = enclu_resolve(t, r->rcx, false, &prot);
	if (!page)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	src_page = enclu_resolve(t, r->rdx, false, &src_prot);
	if (!src_page)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	si_p = enclu_operand_check(t, r->rbx, false, si_page, si_prot);
	if (!si_p)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	memcpy(&si, si_p, sizeof(si));
	if (!secinfo_reserved_clear(&si) || secinfo_pt(si.flags) != SGX_PT_REG ||
	    ((si.flags & SGX_SECINFO_W) && !(si.flags & SGX_SECINFO_R)))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	/* The source is an ordinary readable page of the enclave. */
	src = enclu_operand_check(t, r->rdx, false, src_page, src_prot);
	if (!src)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	e = &page->epcm;
	if (!fresh_pending(e, t))
		return SGX_PAGE_ATTRIBUTES_MISMATCH;
	if (!epc_trylock_exclusive(&page->lock))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	if (!fresh_pending(e, t) || e->enclave_address != r->rcx ||
	    (e->flags & SGX_SECINFO_PERM_MASK) != (EPCM_R | EPCM_W)) {
		ret = SGX_PAGE_ATTRIBUTES_MISMATCH;
		goto out_unlock;
	}
	memcpy(page->mem, src, SGX_PAGE_SIZE);
	e->flags = (u16)(si.flags & SGX_SECINFO_PERM_MASK);
	ret = 0;
out_unlock:
	epc_unlock_exclusive(&page->lock);
	if (!ret)
		enclu_epcm_changed(t, r->rcx);
	return ret;
}
