/* SPDX-License-Identifier: MIT */
/*
 * The gate page (see gate.h).  gate(nr, a, b, c, d, e, f) in the C calling
 * convention: nr in RDI, the arguments in RSI, RDX, RCX, R8, R9 and on the
 * stack, moved to where the kernel wants them.  Position independent: the
 * shim copies the page, the helper is linked at GATE_ADDR.
 */
#include "preload/gate.h"

	.section sgxemu_gate, "ax"
	.balign 4096
	.globl gate_page, gate_page_end, gate_syscall_end
	.hidden gate_page, gate_page_end, gate_syscall_end
gate_page:
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %r10
	mov %r9, %r8
	mov 8(%rsp), %r9
	syscall
gate_syscall_end:
	ret
	.org gate_page + GATE_MAGIC_OFF
	.quad GATE_MAGIC
	.org gate_page + GATE_SIZE
gate_page_end:

	.section .note.GNU-stack, "", @progbits
