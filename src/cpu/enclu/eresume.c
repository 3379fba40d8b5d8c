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
	u64 tcs_la = r->rbx, aep = r->rcx;
	struct platform *plat;
	struct enclu_entry e;
	struct sgx_gprsgx *gpr;
	u64 xstate_bv, xsize;
	u32 frame;
	int ret;

	ret = enclu_claim_tcs(t, tcs_la, true, &plat, &e, &frame, &gpr);
	if (ret)
		return ret;
	/* The XSAVE header must describe state this enclave may have. */
	xsize = platform_xsave_size(plat, e.secs->attributes.xfrm);
	if (!enclu_copy(t, enclu_frame_la(t, e.tcs, frame) + 512, &xstate_bv, 8, false)) {
		ret = ENCLS_FAULT_FLAG | t->fault.vector;
		goto err_release;
	}
	if ((xstate_bv & ~e.secs->attributes.xfrm) || xsize > TCB_XSAVE_MAX) {
		ret = enclu_raise(t, X86_VEC_GP, 0, 0);
		goto err_release;
	}
	if (xs->area) {
		size_t n = xsize < xs->len ? xsize : xs->len;

		if (!enclu_copy(t, enclu_frame_la(t, e.tcs, frame), xs->area, n, false)) {
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
	e.tcs->cssa = frame;
	enclu_enter_mode(t, plat, &e, tcs_la, aep);
	return 0;
err_release:
	atomic_store(&e.tcs_page->tcs_active, false);
	return ret;
}
