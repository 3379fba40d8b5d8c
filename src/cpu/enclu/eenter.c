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
	struct platform *plat;
	struct enclu_entry e;
	struct sgx_gprsgx *gpr;
	u32 cssa;
	int ret;

	ret = enclu_claim_tcs(t, r->rbx, false, &plat, &e, &cssa, &gpr);
	if (ret)
		return ret;
	/* The untrusted stack, for the enclave to return to. */
	gpr->ursp = t->ursp = r->rsp;
	gpr->urbp = t->urbp = r->rbp;
	t->encl_fsbase = e.secs->baseaddr + e.tcs->ofsbase;
	t->encl_gsbase = e.secs->baseaddr + e.tcs->ogsbase;
	enclu_enter_mode(t, plat, &e, r->rbx, r->rcx);
	r->rax = cssa;
	r->rcx = r->rip;
	r->rip = e.secs->baseaddr + e.tcs->oentry;
	return 0;
}
