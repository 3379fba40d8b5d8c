// SPDX-License-Identifier: MIT
/* ENCLU[ERESUME]: return to the enclave after an AEX (SDM "ERESUME"). */
#include <string.h>

#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"

/* RFLAGS bits ERESUME takes from GPRSGX: CF PF AF ZF SF TF DF OF NT AC ID RF
 * less TF (no single-stepping into an opt-out enclave). */
#define ERESUME_RFLAGS 0x254CD5ULL

/**
 * enclu_eresume() - ENCLU[ERESUME] from host code.
 * @t: the thread's control block
 * @r: registers at the ENCLU; RBX = TCS, RCX = the new AEP
 * @xs: receives the extended state saved at the AEX (XFRM components)
 *
 * Context: host mode; async-signal-safe.
 * Return: 0 or ENCLS_FAULT_FLAG | #GP / #PF with t->fault set.
 */
int enclu_eresume(struct tcb *t, struct cpu_regs *r, struct xstate *xs)
{
	struct platform *plat = NULL;
	u64 tcs_la = r->rbx, aep = r->rcx;
	struct enclu_entry e;
	struct sgx_gprsgx *gpr;
	u64 xstate_bv, xsize;
	u32 cssa;
	int ret;

	if (t->in_enclave)
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	ret = enclu_find_tcs(t, &plat, r->rbx, &e);
	if (ret)
		return ret;
	if (atomic_exchange(&e.tcs_page->tcs_active, true))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	cssa = e.tcs->cssa;
	ret = enclu_raise(t, X86_VEC_GP, 0, 0);
	/* SDM: "IF (TCS.CSSA = 0) THEN #GP(0)": nothing to resume. */
	if (cssa == 0 || cssa > e.tcs->nssa)
		goto err_release;
	ret = enclu_check_ssa(t, &e, cssa - 1);
	if (ret)
		goto err_release;
	gpr = enclu_gprsgx(t, e.tcs, cssa - 1);
	if (!gpr) {
		ret = ENCLS_FAULT_FLAG | t->fault.vector;
		goto err_release;
	}
	/* The XSAVE header must describe state this enclave may have. */
	xsize = platform_xsave_size(plat, e.secs->attributes.xfrm);
	if (!enclu_copy(t, enclu_frame_la(t, e.tcs, cssa - 1) + 512, &xstate_bv, 8, false)) {
		ret = ENCLS_FAULT_FLAG | t->fault.vector;
		goto err_release;
	}
	if ((xstate_bv & ~e.secs->attributes.xfrm) || xsize > TCB_XSAVE_MAX) {
		ret = enclu_raise(t, X86_VEC_GP, 0, 0);
		goto err_release;
	}
	if (xs->area) {
		size_t n = xsize < xs->len ? xsize : xs->len;

		if (!enclu_copy(t, enclu_frame_la(t, e.tcs, cssa - 1), xs->area, n, false)) {
			ret = ENCLS_FAULT_FLAG | t->fault.vector;
			goto err_release;
		}
		xs->len = n;
	}
	r->rax = gpr->rax;
	r->rcx = gpr->rcx;
	r->rdx = gpr->rdx;
	r->rbx = gpr->rbx;
	r->rsp = gpr->rsp;
	r->rbp = gpr->rbp;
	r->rsi = gpr->rsi;
	r->rdi = gpr->rdi;
	r->r8 = gpr->r8;
	r->r9 = gpr->r9;
	r->r10 = gpr->r10;
	r->r11 = gpr->r11;
	r->r12 = gpr->r12;
	r->r13 = gpr->r13;
	r->r14 = gpr->r14;
	r->r15 = gpr->r15;
	r->rflags = (r->rflags & ~ERESUME_RFLAGS) | (gpr->rflags & ERESUME_RFLAGS);
	r->rip = gpr->rip;
	t->encl_fsbase = gpr->fsbase;
	t->encl_gsbase = gpr->gsbase;
	e.tcs->cssa = cssa - 1;
	enclu_enter_mode(t, plat, &e, tcs_la, aep);
	return 0;
err_release:
	atomic_store(&e.tcs_page->tcs_active, false);
	return ret;
}
