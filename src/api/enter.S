/* SPDX-License-Identifier: MIT */
/*
 * int sgxemu_enter_enclave(rdi, rsi, rdx, function, r8, r9, run)
 *
 * The __vdso_sgx_enter_enclave ABI, made safe to call from C.  Like the
 * vDSO, the entry preserves only RBX, RBP and RSP: after an exception the
 * AEX's synthetic state has cleared R8-R15.  A C caller keeps values in
 * RBX and R12-R15 across calls, so they are saved here around the vDSO
 * function; the enclave still receives every register as the caller set it.
 */
	.text
	.globl sgxemu_enter_enclave
	.type sgxemu_enter_enclave, @function
sgxemu_enter_enclave:
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	/* The 7th argument, where the vDSO function expects it. */
	push 16(%rbp)
	call exec_vdso_enter
	add $8, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size sgxemu_enter_enclave, .-sgxemu_enter_enclave

	.section .note.GNU-stack, "", @progbits
