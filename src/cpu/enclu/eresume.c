// SPDX-License-Identifier: MIT
/* ENCLU[ERESUME]: return to the enclave after an AEX (SDM "ERESUME"). */
#include <string.h>

#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"

/* RFLAGS bits ERESUME takes from GPRSGX: CF PF AF ZF SF TF DF OF NT AC ID RF
 * less TF (no single-stepping into an opt-out enclave). */
#define ERESUME_RFLAGS 0x254CD5ULL

/*
 * The AEX notification (SDM ERESUME, TMP_NOTIFY = 1): instead of resuming,
 * enter the enclave at OENTRY on the next SSA frame, as EENTER would, with
 * the interrupted state left in frame @frame for the enclave's handler.
 * CSSA is not popped, nothing is restored from the SSA (no XRSTOR), FS and
 * GS come from the TCS.
 */
static int notify(struct tcb *t, struct cpu_regs *r, struct xstate *xs, struct platform *plat,
		  struct enclu_entry *e, u64 tcs_la, u64 aep, u32 frame)
{
	u32 cssa = frame + 1;
	struct sgx_gprsgx *gpr;
	int ret;

	/* "Make sure the SSA contains at least one more frame". */
	if (cssa >= e->tcs->nssa)
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	ret = enclu_check_ssa(t, e, cssa);
	if (ret)
		return ret;
	gpr = enclu_gprsgx(t, e->tcs, cssa);
	if (!gpr)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	/* The untrusted stack, for the enclave to return to (as EENTER). */
	gpr->ursp = t->ursp = r->rsp;
	gpr->urbp = t->urbp = r->rbp;
	t->encl_fsbase = e->secs->baseaddr + e->tcs->ofsbase;
	t->encl_gsbase = e->secs->baseaddr + e->tcs->ogsbase;
	xs->len = 0;
	enclu_enter_mode(t, plat, e, tcs_la, aep);
	/* The SDM lists "RCX := RIP" after "RIP := TMP_TARGET"; we read it as
	 * EENTER's RCX, the instruction after ENCLU (doc/decisions.md). */
	r->rax = cssa;
	r->rcx = r->rip;
	r->rip = e->secs->baseaddr + e->tcs->oentry;
	return 0;
}

/**
 * enclu_eresume() - ENCLU[ERESUME] from host code.
 * @t: the thread's control block
 * @r: registers at the ENCLU; RBX = TCS, RCX = the new AEP, r->rip = the
 *     next instruction
 * @xs: receives the extended state saved at the AEX (XFRM components); its
 *      len is 0 when ERESUME delivered an AEX notification (nothing to
 *      restore)
 *
 * Resumes the state saved in SSA frame CSSA - 1, or, when TCS.FLAGS.AEXNOTIFY
 * and bit 0 of that frame's GPRSGX.AEXNOTIFY are both set, delivers an AEX
 * notification: the enclave is entered at OENTRY with RAX = CSSA, RCX = the
 * instruction after ENCLU, and the interrupted state stays in the SSA.
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
	if ((e.tcs->flags & SGX_TCS_AEXNOTIFY) && (gpr->aexnotify & SGX_SSA_AEXNOTIFY)) {
		ret = notify(t, r, xs, plat, &e, tcs_la, aep, frame);
		if (ret)
			goto err_release;
		return 0;
	}
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
