/* SPDX-License-Identifier: MIT */
/*
 * exec_copy_user(dst, src, len): copy bytes from a pointer a program gave
 * us, stopping at the first that faults, and return how many were copied.
 * Like the kernel's exception tables: a fault on the one load below is
 * fixed up by the emulator's SIGSEGV/SIGBUS handler (exec_signal), which
 * resumes at the return with RAX = the count.  No system call, so the
 * shim's fast path can check a path cheaply.
 */
	.text
	.globl exec_copy_user, exec_copy_user_load, exec_copy_user_fixup
	.hidden exec_copy_user, exec_copy_user_load, exec_copy_user_fixup
	.type exec_copy_user, @function
exec_copy_user:
	xor %eax, %eax
1:	cmp %rdx, %rax
	je exec_copy_user_fixup
exec_copy_user_load:
	movzbl (%rsi,%rax), %ecx
	mov %cl, (%rdi,%rax)
	inc %rax
	jmp 1b
exec_copy_user_fixup:
	ret
	.size exec_copy_user, .-exec_copy_user

	.section .note.GNU-stack, "", @progbits
