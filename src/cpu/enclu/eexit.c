// SPDX-License-Identifier: MIT
/* ENCLU[EEXIT]: leave the enclave synchronously (SDM "EEXIT"). */
#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"

/**
 * enclu_eexit() - ENCLU[EEXIT].
 * @t: the thread's control block, in enclave mode
 * @r: registers at the ENCLU; RBX = the target outside
 *
 * RIP = RBX, RCX = the AEP of the entry, and nothing else changes: the
 * enclave is responsible for clearing its registers.
 *
 * Context: enclave mode; async-signal-safe.
 * Return: 0 or ENCLS_FAULT_FLAG | #GP (RBX not canonical).
 */
int enclu_eexit(struct tcb *t, struct cpu_regs *r)
{
	s64 top = (s64)r->rbx >> 47;

	if (top != 0 && top != -1)
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	r->rip = r->rbx;
	r->rcx = t->aep;
	enclu_leave_mode(t);
	return 0;
}
