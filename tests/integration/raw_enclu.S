/* SPDX-License-Identifier: MIT */
/*
 * Entering an enclave the way SDK-style runtimes do: a raw ENCLU in host
 * code, with the AEP another ENCLU that resumes after an AEX.
 *
 * void raw_eenter(struct encl_op *op, uint64_t tcs)
 */
	.text
	.globl raw_eenter
	.type raw_eenter, @function
raw_eenter:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsi, %rbx
	lea raw_aep(%rip), %rcx
	mov $2, %eax
	enclu
	/* EEXIT comes back here. */
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
	.size raw_eenter, .-raw_eenter

	/* After an AEX: RAX = ERESUME, RBX = TCS, RCX = this address. */
	.globl raw_aep
	.type raw_aep, @function
raw_aep:
	enclu
	ud2
	.size raw_aep, .-raw_aep

	.section .note.GNU-stack, "", @progbits
