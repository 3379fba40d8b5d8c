// SPDX-License-Identifier: MIT
/* ENCLU[EDECCSSA]: pop the current SSA frame from inside (SDM "EDECCSSA"). */
#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"
#include "cpu/secs.h"

/**
 * enclu_edeccssa() - ENCLU[EDECCSSA].
 * @t: the thread's control block, in enclave mode
 * @r: registers at the ENCLU (only RAX, the leaf, is an operand)
 *
 * TCS.CSSA -= 1, so that the frame an AEX saved becomes the one the next
 * AEX writes: with AEX-Notify, the enclave's handler leaves the SSA as it
 * found it and resumes the interrupted code itself.  The frame that
 * becomes current must be usable, as for an AEX: every page a writable
 * REG page of this enclave.  No register or flag changes; CET is not
 * enumerated, so there is no CET state save frame to move.
 *
 * Context: enclave mode; async-signal-safe.
 * Return: 0, or ENCLS_FAULT_FLAG | #GP (CSSA is 0) or #PF (a page of the
 * frame CSSA - 1, its address in t->fault) with nothing changed.
 */
int enclu_edeccssa(struct tcb *t, struct cpu_regs *r)
{
	struct enclu_entry e = {
		.tcs_page = t->tcs,
		.tcs = (struct sgx_tcs *)(void *)t->tcs->mem,
		.secs_page = t->secs,
		.secs = secs_of(t->secs->mem),
	};
	u32 cssa = e.tcs->cssa;
	int ret;

	(void)r;
	/* "IF (CR_TCS_PA.CSSA = 0) THEN #GP(0)". */
	if (cssa == 0)
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	/* The target frame's pages (XSAVE area through GPRSGX): each valid,
	 * unblocked, REG, this enclave's, readable and writable, else #PF. */
	ret = enclu_check_ssa(t, &e, cssa - 1);
	if (ret)
		return ret;
	/* "At this point, the instruction is guaranteed to complete". */
	e.tcs->cssa = cssa - 1;
	return 0;
}
