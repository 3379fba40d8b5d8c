/* SPDX-License-Identifier: MIT */
/*
 * int dcap_vdso_call(rdi, rsi, rdx, function, r8, r9, run, target)
 *
 * Call the vDSO's __vdso_sgx_enter_enclave (@target) from C.  The vDSO
 * keeps only RBX, RBP and RSP across an entry (an exception's AEX clears
 * R8-R15), so the other registers C keeps are saved here, as Linux's
 * selftests do; the first seven arguments pass through as they are.
 */
	.text
	.globl dcap_vdso_call
	.hidden dcap_vdso_call
	.type dcap_vdso_call, @function
dcap_vdso_call:
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	sub $8, %rsp
	/* The 7th argument where the vDSO expects it; call the 8th. */
	push 16(%rbp)
	call *24(%rbp)
	add $16, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size dcap_vdso_call, .-dcap_vdso_call

	.section .note.GNU-stack, "", @progbits
