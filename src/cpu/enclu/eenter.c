// SPDX-License-Identifier: MIT
/* ENCLU[EENTER]: enter an enclave through a TCS (SDM "EENTER"). */
#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"

/**
 * enclu_eenter() - ENCLU[EENTER] from host code.
 * @t: the thread's control block
 * @r: registers at the ENCLU; RBX = TCS, RCX = AEP, r->rip = next instruction
 *
 * On success @r is the enclave's entry state: RIP = BASEADDR + OENTRY,
 * RAX = CSSA, RCX = the instruction after ENCLU, all else unchanged; the
 * enclave's FS/GS bases are in @t, to be loaded on the way in.
 *
 * Context: host mode; async-signal-safe.
 * Return: 0 or ENCLS_FAULT_FLAG | #GP / #PF with t->fault set.
 */
int enclu_eenter(struct tcb *t, struct cpu_regs *r)
{
	struct platform *plat = NULL;
	struct enclu_entry e;
	struct sgx_gprsgx *gpr;
	u32 cssa;
	int ret;

	if (t->in_enclave)
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	ret = enclu_find_tcs(t, &plat, r->rbx, &e);
	if (ret)
		return ret;
	/* SDM: "IF (TCS is not available) THEN #GP(0)": one thread per TCS. */
	if (atomic_exchange(&e.tcs_page->tcs_active, true))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	cssa = e.tcs->cssa;
	ret = enclu_raise(t, X86_VEC_GP, 0, 0);
	if (cssa >= e.tcs->nssa)
		goto err_release;
	ret = enclu_check_ssa(t, &e, cssa);
	if (ret)
		goto err_release;
	gpr = enclu_gprsgx(t, e.tcs, cssa);
	if (!gpr) {
		ret = ENCLS_FAULT_FLAG | t->fault.vector;
		goto err_release;
	}
	/* The untrusted stack, for the enclave to return to. */
	gpr->ursp = r->rsp;
	gpr->urbp = r->rbp;
	t->encl_fsbase = e.secs->baseaddr + e.tcs->ofsbase;
	t->encl_gsbase = e.secs->baseaddr + e.tcs->ogsbase;
	enclu_enter_mode(t, plat, &e, r->rbx, r->rcx);
	r->rax = cssa;
	r->rcx = r->rip;
	r->rip = e.secs->baseaddr + e.tcs->oentry;
	return 0;
err_release:
	atomic_store(&e.tcs_page->tcs_active, false);
	return ret;
}
