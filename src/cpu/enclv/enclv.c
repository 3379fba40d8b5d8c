// SPDX-License-Identifier: MIT
/* ENCLV: the VMM's SGX instruction, dispatching on EAX (SDM "ENCLV"). */
#include "arch/sgx_leaf.h"
#include "cpu/enclv/enclv.h"

/**
 * enclv() - ENCLV with the leaf in EAX and operands in RBX, RCX and RDX.
 * @lp: logical processor executing it
 * @leaf: EAX
 * @rbx: EDECVIRTCHILD and EINCVIRTCHILD: the enclave page
 * @rcx: the SECS
 * @rdx: ESETCONTEXT: the address of the context value
 *
 * Return: what the leaf returns, or ENCLS_FAULT_FLAG | #UD (not in VMX
 * root operation, checked first) / #GP (SGX off, or a leaf ENCLV does not
 * have).
 */
int enclv(struct lp *lp, u32 leaf, u64 rbx, u64 rcx, u64 rdx)
{
	int ret = enclv_check(lp);

	if (ret)
		return ret;
	switch (leaf) {
	case SGX_ENCLV_EDECVIRTCHILD:
		return enclv_edecvirtchild(lp, (void *)(uintptr_t)rbx, (void *)(uintptr_t)rcx);
	case SGX_ENCLV_EINCVIRTCHILD:
		return enclv_eincvirtchild(lp, (void *)(uintptr_t)rbx, (void *)(uintptr_t)rcx);
	case SGX_ENCLV_ESETCONTEXT:
		return enclv_esetcontext(lp, (void *)(uintptr_t)rcx,
					 (const u64 *)(uintptr_t)rdx);
	default:
		return lp_gp(lp);
	}
}
