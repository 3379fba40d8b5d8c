// SPDX-License-Identifier: MIT
/*
 * Asynchronous Enclave Exit (SDM "Asynchronous Enclave Exit (AEX)"): an
 * exception or interrupt in enclave mode saves the enclave's state in the
 * current SSA frame and leaves a synthetic state that reveals nothing.
 */
#include <string.h>

#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"

/* RFLAGS bits AEX clears in the synthetic state: CF PF AF ZF SF OF RF. */
#define AEX_RFLAGS_CLEAR 0x108D5ULL

/* Vectors whose EXITINFO is always reported, and those that need
 * MISCSELECT.EXINFO (SDM "EXITINFO"). */
static bool exitinfo_valid(u8 vector, u32 miscselect)
{
	switch (vector) {
	case X86_VEC_DE:
	case X86_VEC_DB:
	case X86_VEC_BP:
	case X86_VEC_BR:
	case X86_VEC_UD:
	case X86_VEC_MF:
	case X86_VEC_AC:
	case X86_VEC_XM:
		return true;
	case X86_VEC_GP:
	case X86_VEC_PF:
		return miscselect & SGX_MISC_EXINFO;
	default:
		return false;
	}
}

/* The INIT state of x87 and SSE, and every other XFRM component off. */
static void xstate_init(struct xstate *xs)
{
	u16 fcw = 0x037F;
	u32 mxcsr = 0x1F80;
	u64 zero = 0;

	if (!xs->area || xs->len < 576)
		return;
	/* Bytes 464-511 are not XSAVE state (the kernel keeps its signal
	 * frame's format description there); leave them alone. */
	memset(xs->area, 0, 464);
	memcpy(xs->area + 0, &fcw, sizeof(fcw));
	memcpy(xs->area + 24, &mxcsr, sizeof(mxcsr));
	/* XSTATE_BV = 0: every component in its initial configuration. */
	memcpy(xs->area + 512, &zero, sizeof(zero));
}

/**
 * enclu_aex() - AEX from enclave mode.
 * @t: the thread's control block, in enclave mode
 * @r: the interrupted registers; on return, the synthetic state
 * @xs: the interrupted extended state; on return, the INIT state
 * @exc: the exception, or NULL for an interrupt (a signal)
 *
 * If the SSA frame is no longer reachable (the OS unmapped it), the state is
 * lost, as it would be on hardware where such an AEX triple-faults the
 * enclave; the thread still leaves enclave mode.
 *
 * Context: enclave mode, signal handler; async-signal-safe.
 */
void enclu_aex(struct tcb *t, struct cpu_regs *r, struct xstate *xs,
	       const struct aex_exception *exc)
{
	struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)t->tcs->mem;
	u32 cssa = tcs->cssa;
	struct sgx_gprsgx *gpr = enclu_gprsgx(t, tcs, cssa);
	u64 frame = enclu_frame_la(t, tcs, cssa);
	/* From the frame when it is still there; the OS may have unmapped it. */
	u64 ursp = t->ursp, urbp = t->urbp;

	if (gpr) {
		ursp = gpr->ursp;
		urbp = gpr->urbp;
		gpr->rax = r->rax;
		gpr->rcx = r->rcx;
		gpr->rdx = r->rdx;
		gpr->rbx = r->rbx;
		gpr->rsp = r->rsp;
		gpr->rbp = r->rbp;
		gpr->rsi = r->rsi;
		gpr->rdi = r->rdi;
		gpr->r8 = r->r8;
		gpr->r9 = r->r9;
		gpr->r10 = r->r10;
		gpr->r11 = r->r11;
		gpr->r12 = r->r12;
		gpr->r13 = r->r13;
		gpr->r14 = r->r14;
		gpr->r15 = r->r15;
		gpr->rflags = r->rflags;
		gpr->rip = r->rip;
		gpr->fsbase = t->encl_fsbase;
		gpr->gsbase = t->encl_gsbase;
		gpr->exitinfo = 0;
		if (exc && exitinfo_valid(exc->vector, t->miscselect)) {
			u32 type = exc->vector == X86_VEC_BP ? SGX_EXITINFO_TYPE_SW : SGX_EXITINFO_TYPE_HW;

			gpr->exitinfo = SGX_EXITINFO_VALID | type << SGX_EXITINFO_TYPE_SHIFT |
					exc->vector;
		}
		if (exc && (t->miscselect & SGX_MISC_EXINFO) &&
		    (exc->vector == X86_VEC_PF || exc->vector == X86_VEC_GP)) {
			struct sgx_exinfo *ex = (struct sgx_exinfo *)(void *)((u8 *)gpr -
									 sizeof(*ex));

			ex->maddr = exc->vector == X86_VEC_PF ? exc->addr : 0;
			ex->errcd = exc->error_code;
			ex->reserved = 0;
		}
		if (xs->area) {
			size_t n = platform_xsave_size(t->plat, t->xfrm);
			u64 hdr[2] = { 0, 0 };

			if (n > xs->len)
				n = xs->len;
			enclu_copy(t, frame, xs->area, n, true);
			/* XSAVE of the XFRM components only: the host's other
			 * state is not the enclave's (standard format, so
			 * XCOMP_BV = 0). */
			if (n >= 576) {
				memcpy(hdr, xs->area + 512, 8);
				hdr[0] &= t->xfrm;
				enclu_copy(t, frame + 512, hdr, sizeof(hdr), true);
			}
		}
		tcs->cssa = cssa + 1;
	}
	/* The synthetic state. */
	r->rax = SGX_ENCLU_ERESUME;
	r->rbx = t->tcs_linaddr;
	r->rcx = t->aep;
	r->rip = t->aep;
	r->rdx = r->rsi = r->rdi = 0;
	r->r8 = r->r9 = r->r10 = r->r11 = r->r12 = r->r13 = r->r14 = r->r15 = 0;
	r->rsp = ursp;
	r->rbp = urbp;
	r->rflags &= ~AEX_RFLAGS_CLEAR;
	xstate_init(xs);
	enclu_leave_mode(t);
}
