/* SPDX-License-Identifier: MIT */
/*
 * Test enclave runtime: four TCSs with three SSA frames each, a stack per
 * TCS and SSA level, and the entry point.  On EENTER the hardware gives
 * RAX = CSSA, RBX = TCS, RCX = the return address; FS = this TCS's block.
 */
#include "enclave.h"

#define STACK_SIZE 16384
/* Per-TCS block at FS (OFSBASE): self pointer, then per-CSSA slots. */
#define BLK_SELF 0
#define BLK_URSP 8       /* [ENCL_NSSA] */
#define BLK_URBP 32
#define BLK_RET 56
#define BLK_STACK 80     /* [ENCL_NSSA] stack tops, offsets from base */
#define BLK_SSA 104      /* SSA offset from base */
#define BLK_COUNTER 112

	.macro tcs n
	.balign 4096
	.globl encl_tcs\n
encl_tcs\n:
	.quad 0                         /* STATE */
	.quad ENCL_TCS_FLAGS            /* FLAGS */
	.quad encl_ssa\n                /* OSSA */
	.long 0                         /* CSSA */
	.long ENCL_NSSA                 /* NSSA */
	.quad encl_entry                /* OENTRY */
	.quad 0                         /* AEP */
	.quad encl_blk\n                /* OFSBASE */
	.quad encl_blk\n                /* OGSBASE */
	.long 0xFFFFFFFF                /* FSLIMIT */
	.long 0xFFFFFFFF                /* GSLIMIT */
	.fill 4024, 1, 0
	.endm

	.section .tcs, "aw"
	tcs 0
	tcs 1
	tcs 2
	tcs 3

	.macro area n
	.balign 4096
	.globl encl_ssa\n
encl_ssa\n:
	.fill 4096 * ENCL_NSSA, 1, 0
encl_stack\n:
	.fill STACK_SIZE * ENCL_NSSA, 1, 0
	.balign 4096
	.globl encl_blk\n
encl_blk\n:
	.quad 0
	.fill 3, 8, 0
	.fill 3, 8, 0
	.fill 3, 8, 0
	.quad encl_stack\n + STACK_SIZE
	.quad encl_stack\n + 2 * STACK_SIZE
	.quad encl_stack\n + 3 * STACK_SIZE
	.quad encl_ssa\n
	.quad 0
	.balign 4096
	.endm

	.data
	area 0
	area 1
	area 2
	area 3

	.text
	.globl encl_entry
	.type encl_entry, @function
encl_entry:
	/* RAX = CSSA indexes this entry's slots, so an exception handler entry
	 * (CSSA > 0) leaves the interrupted call's state alone. */
	lea __encl_base(%rip), %r10
	mov %rsp, %fs:BLK_URSP(, %rax, 8)
	mov %rbp, %fs:BLK_URBP(, %rax, 8)
	mov %rcx, %fs:BLK_RET(, %rax, 8)
	mov %fs:BLK_STACK(, %rax, 8), %rsp
	add %r10, %rsp
	xor %ebp, %ebp
	push %rax                       /* CSSA */
	push %rax
	/* encl_body(op, cssa, base, tcs) */
	mov %rax, %rsi
	mov %r10, %rdx
	mov %rbx, %rcx
	call encl_body
	pop %rax
	pop %rax
	mov %fs:BLK_URSP(, %rax, 8), %rsp
	mov %fs:BLK_URBP(, %rax, 8), %rbp
	mov %fs:BLK_RET(, %rax, 8), %rbx
	/* Leave nothing behind in the registers. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	mov $4, %eax                    /* EEXIT */
	enclu
	ud2
	.size encl_entry, .-encl_entry

/* Faulting helpers that keep r12-r15 holding known values across the AEX. */
	.globl encl_ud2
	.type encl_ud2, @function
encl_ud2:
	push %r12
	push %r13
	push %r14
	push %r15
	mov $0x1212121212121212, %r12
	mov $0x1313131313131313, %r13
	mov $0x1414141414141414, %r14
	mov $0x1515151515151515, %r15
	ud2
	xor %eax, %eax
	mov $0x1212121212121212, %rcx
	cmp %rcx, %r12
	jne 1f
	mov $0x1313131313131313, %rcx
	cmp %rcx, %r13
	jne 1f
	mov $0x1414141414141414, %rcx
	cmp %rcx, %r14
	jne 1f
	mov $0x1515151515151515, %rcx
	cmp %rcx, %r15
	jne 1f
	mov $1, %eax
1:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	ret
	.size encl_ud2, .-encl_ud2

/*
 * void encl_notify_resume(void *xsave, uint8_t *aexnotify): the end of an
 * AEX notification's handler, which runs on SSA frame CSSA.  Restore the
 * interrupted code's extended state from its frame (@xsave, x87 and SSE:
 * XFRM is 3), pop that frame with EDECCSSA, ask for notifications again
 * (*@aexnotify = 1), load the context the handler saved in this TCS's
 * block and jump to it.  A notification after the byte is set finds RIP
 * in here and resumes the same saved context.  Never returns.
 */
	.globl encl_notify_resume, encl_notify_resume_end
	.type encl_notify_resume, @function
encl_notify_resume:
	mov $3, %eax
	xor %edx, %edx
	xrstor (%rdi)
	mov $9, %eax                    /* EDECCSSA */
	enclu
	movb $1, (%rsi)
	/* RFLAGS first, on this stack; nothing after it changes a flag. */
	pushq %fs:(ENCL_BLK_CTX + 128)
	popfq
	mov %fs:(ENCL_BLK_CTX + 0), %rax
	mov %fs:(ENCL_BLK_CTX + 8), %rcx
	mov %fs:(ENCL_BLK_CTX + 16), %rdx
	mov %fs:(ENCL_BLK_CTX + 24), %rbx
	mov %fs:(ENCL_BLK_CTX + 40), %rbp
	mov %fs:(ENCL_BLK_CTX + 48), %rsi
	mov %fs:(ENCL_BLK_CTX + 56), %rdi
	mov %fs:(ENCL_BLK_CTX + 64), %r8
	mov %fs:(ENCL_BLK_CTX + 72), %r9
	mov %fs:(ENCL_BLK_CTX + 80), %r10
	mov %fs:(ENCL_BLK_CTX + 88), %r11
	mov %fs:(ENCL_BLK_CTX + 96), %r12
	mov %fs:(ENCL_BLK_CTX + 104), %r13
	mov %fs:(ENCL_BLK_CTX + 112), %r14
	mov %fs:(ENCL_BLK_CTX + 120), %r15
	mov %fs:(ENCL_BLK_CTX + 32), %rsp
	jmp *%fs:(ENCL_BLK_CTX + 136)
encl_notify_resume_end:
	.size encl_notify_resume, .-encl_notify_resume

	.section .note.GNU-stack, "", @progbits
