// SPDX-License-Identifier: MIT
/* ENCLU in enclave mode: the leaf in EAX. */
#include "cpu/enclu/enclu.h"
#include "cpu/leaf.h"

/**
 * enclu_in_enclave() - execute ENCLU for code running inside an enclave.
 * @t: the thread's control block, in enclave mode
 * @r: registers at the ENCLU, r->rip already past it
 *
 * EENTER and ERESUME inside an enclave, leaves this platform does not
 * enumerate (the SGX2 ones without SGX2, EDECCSSA without AEX-Notify) and
 * unknown leaves are #GP(0), as on hardware (SDM "ENCLU").
 *
 * Return: 0, an SGX status (then RAX holds it), or ENCLS_FAULT_FLAG | vector.
 */
int enclu_in_enclave(struct tcb *t, struct cpu_regs *r)
{
	u32 leaf = (u32)r->rax;

	if ((leaf == SGX_ENCLU_EACCEPT || leaf == SGX_ENCLU_EMODPE ||
	     leaf == SGX_ENCLU_EACCEPTCOPY) && !t->plat->cfg.sgx2)
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	if (leaf == SGX_ENCLU_EDECCSSA && !t->plat->cfg.aexnotify)
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	switch (leaf) {
	case SGX_ENCLU_EREPORT:
		return enclu_ereport(t, r);
	case SGX_ENCLU_EGETKEY:
		return enclu_egetkey(t, r);
	case SGX_ENCLU_EEXIT:
		return enclu_eexit(t, r);
	case SGX_ENCLU_EACCEPT:
		return enclu_eaccept(t, r);
	case SGX_ENCLU_EMODPE:
		return enclu_emodpe(t, r);
	case SGX_ENCLU_EACCEPTCOPY:
		return enclu_eacceptcopy(t, r);
	case SGX_ENCLU_EDECCSSA:
		return enclu_edeccssa(t, r);
	default:
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	}
}

bool enclu_returns_status(u32 leaf)
{
	return leaf == SGX_ENCLU_EGETKEY || leaf == SGX_ENCLU_EACCEPT ||
	       leaf == SGX_ENCLU_EACCEPTCOPY;
}
