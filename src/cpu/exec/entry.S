/* SPDX-License-Identifier: MIT */
/*
 * The host-side edges of enclave execution:
 *  - exec_signal_entry: every handler the emulator installs starts here.  It
 *    finds the thread's TCB from the sigaltstack in the ucontext (no TLS:
 *    FS may point into an enclave), restores the host's FS base (and GS,
 *    where host code uses it) before any C runs, and loads the enclave's
 *    again on the way out when the handler entered enclave mode.  A base
 *    that already holds the wanted value is not switched: without FSGSBASE
 *    each switch is an arch_prctl(), several times a system call's cost.
 *  - exec_enclu_direct: EENTER/ERESUME without a trap, called where an ENCLU
 *    would be.  C computes the target state; we load the bases and IRETQ,
 *    which sets RIP, RFLAGS and RSP at once, so no register is needed for
 *    the jump and nothing is written to the enclave's stack.
 *  - exec_vdso_enter: the __vdso_sgx_enter_enclave ABI of Linux.
 */
#include "cpu/exec/exec.h"

#define SYS_arch_prctl 158
#define SYS_gettid 186
#define SYS_rt_sigreturn 15
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002

	.text

/*
 * The bases a signal found in enclave mode, into sig_* of the TCB at %rdi.
 * Without FSGSBASE the enclave cannot have moved them (WRFSBASE is #UD and
 * its system calls are the shim's to see), so the TCB's record is the
 * truth and no system call is needed.  Clobbers rax.
 */
	.type note_bases, @function
note_bases:
	cmpb $0, exec_have_fsgsbase(%rip)
	je 1f
	rdfsbase %rax
	mov %rax, TCB_OFF_CUR_FS(%rdi)
	rdgsbase %rax
	mov %rax, TCB_OFF_CUR_GS(%rdi)
1:	mov TCB_OFF_CUR_FS(%rdi), %rax
	mov %rax, TCB_OFF_SIG_FS(%rdi)
	mov TCB_OFF_CUR_GS(%rdi), %rax
	mov %rax, TCB_OFF_SIG_GS(%rdi)
	ret
	.size note_bases, .-note_bases

/*
 * FS (set_fs) or GS (set_gs) base := %rsi for the thread whose TCB is at
 * %rdi, unless it holds that already.  The record is written first: a
 * signal between it and the switch finds a base that differs from the one
 * it wants and switches again, which is harmless.  Clobbers rax, rcx, rdx,
 * rdi, rsi, r11.
 */
	.type set_fs, @function
set_fs:
	cmp %rsi, TCB_OFF_CUR_FS(%rdi)
	je 1f
	mov %rsi, TCB_OFF_CUR_FS(%rdi)
	cmpb $0, exec_have_fsgsbase(%rip)
	je 2f
	wrfsbase %rsi
1:	ret
2:	mov $ARCH_SET_FS, %edi
	movabs $FSGS_MAGIC, %rdx
	mov $SYS_arch_prctl, %eax
	syscall
	ret
	.size set_fs, .-set_fs

	.type set_gs, @function
set_gs:
	cmp %rsi, TCB_OFF_CUR_GS(%rdi)
	je 1f
	mov %rsi, TCB_OFF_CUR_GS(%rdi)
	cmpb $0, exec_have_fsgsbase(%rip)
	je 2f
	wrgsbase %rsi
1:	ret
2:	mov $ARCH_SET_GS, %edi
	movabs $FSGS_MAGIC, %rdx
	mov $SYS_arch_prctl, %eax
	syscall
	ret
	.size set_gs, .-set_gs

/*
 * The calling thread's TCB found by its thread id, or 0 in %rax, for a
 * signal that did not arrive on the TCB's sigaltstack (a program's own
 * was in place when the thread first entered an enclave).  No TLS, no C.
 * Clobbers rax, rcx, rsi, rdi, r11.
 */
	.type tcb_by_tid, @function
tcb_by_tid:
	mov $SYS_gettid, %eax
	syscall
	mov %eax, %esi
	lea exec_tcbs(%rip), %rdi
	mov exec_nr_tcbs(%rip), %ecx
	test %ecx, %ecx
	jz 2f
1:	mov (%rdi), %rax
	test %rax, %rax
	jz 3f
	cmp %esi, TCB_OFF_TID(%rax)
	je 4f
3:	add $8, %rdi
	dec %ecx
	jnz 1b
2:	xor %eax, %eax
4:	ret
	.size tcb_by_tid, .-tcb_by_tid

	.globl exec_signal_entry
	.hidden exec_signal_entry
	.type exec_signal_entry, @function
exec_signal_entry:
	push %rbx
	push %r12
	push %r13
	push %r14
	sub $8, %rsp
	mov %edi, %r12d
	mov %rsi, %r13
	mov %rdx, %r14
	xor %ebx, %ebx
	/* (%rsp): whether the signal interrupted enclave code. */
	movq $0, (%rsp)
	/* uc->uc_stack.ss_sp: the TCB's tag, if this thread has one. */
	mov 16(%rdx), %rax
	test %rax, %rax
	jz 6f
	movabs $TCB_MAGIC, %rcx
	cmp %rcx, (%rax)
	jne 6f
	mov TCB_TAG_OFF_TCB(%rax), %rax
	jmp 7f
6:	call tcb_by_tid
	test %rax, %rax
	jz 2f
7:	mov %rax, %rbx
	/* Host code runs from here: its system calls pass SUD. */
	movb $0, TCB_OFF_SUD(%rbx)
	cmpb $0, TCB_OFF_IN_ENCLAVE(%rbx)
	je 2f
	/* In enclave mode, but running the emulator: a signal in its own
	 * code (a trapped call, a fault exec_copy_user() expects), which
	 * interrupted host code. */
	cmpb $0, TCB_OFF_IN_EMU(%rbx)
	jne 2f
	movq $1, (%rsp)
	movb $1, TCB_OFF_IN_EMU(%rbx)
	mov %rbx, %rdi
	call note_bases
	mov %rbx, %rdi
	mov TCB_OFF_HOST_FS(%rbx), %rsi
	call set_fs
	/* GS only if host code uses it. */
	cmpb $0, TCB_OFF_HOST_GS_LIVE(%rbx)
	je 2f
	mov %rbx, %rdi
	mov TCB_OFF_HOST_GS(%rbx), %rsi
	call set_gs
2:	mov %r12d, %edi
	mov %r13, %rsi
	mov %r14, %rdx
	mov %rbx, %rcx
	mov (%rsp), %r8
	call exec_signal
	mov %rax, %rbx
	test %rbx, %rbx
	jz 3f
	/* Leaving the emulator for what the enclave-mode signal led to. */
	cmpq $0, (%rsp)
	je 4f
	movb $0, TCB_OFF_IN_EMU(%rbx)
4:	cmpq $0, TCB_OFF_LOAD_ENCL(%rbx)
	je 3f
	movq $0, TCB_OFF_LOAD_ENCL(%rbx)
	movb $0, TCB_OFF_IN_EMU(%rbx)
	mov %rbx, %rdi
	mov TCB_OFF_ENCL_FS(%rbx), %rsi
	call set_fs
	mov %rbx, %rdi
	mov TCB_OFF_ENCL_GS(%rbx), %rsi
	call set_gs
	/* Back to enclave code: its system calls become #UD again.  (The
	 * rt_sigreturn that takes us there is in our text, which SUD lets
	 * through.) */
	movb $1, TCB_OFF_SUD(%rbx)
3:	add $8, %rsp
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	ret
	.size exec_signal_entry, .-exec_signal_entry

	.globl exec_sigreturn
	.hidden exec_sigreturn
	.type exec_sigreturn, @function
exec_sigreturn:
	mov $SYS_rt_sigreturn, %eax
	syscall
	ud2
	.size exec_sigreturn, .-exec_sigreturn

/*
 * Called in place of ENCLU: EAX = EENTER or ERESUME, RBX = TCS, RCX = AEP,
 * (%rsp) = the address after the call, which is "the instruction after
 * ENCLU".  All other registers pass to the enclave as ENCLU would pass them.
 */
	.globl exec_enclu_direct
	.hidden exec_enclu_direct
	.type exec_enclu_direct, @function
exec_enclu_direct:
	sub $FRAME_SIZE, %rsp
	mov %rax, 0(%rsp)
	mov %rcx, 8(%rsp)
	mov %rdx, 16(%rsp)
	mov %rbx, 24(%rsp)
	mov %rbp, 40(%rsp)
	mov %rsi, 48(%rsp)
	mov %rdi, 56(%rsp)
	mov %r8, 64(%rsp)
	mov %r9, 72(%rsp)
	mov %r10, 80(%rsp)
	mov %r11, 88(%rsp)
	mov %r12, 96(%rsp)
	mov %r13, 104(%rsp)
	mov %r14, 112(%rsp)
	mov %r15, 120(%rsp)
	lea FRAME_SIZE+8(%rsp), %rax
	mov %rax, 32(%rsp)
	pushfq
	pop %rax
	mov %rax, 128(%rsp)
	mov FRAME_SIZE(%rsp), %rax
	mov %rax, 136(%rsp)
	mov %rsp, %rbx
	and $-16, %rsp
	mov %rbx, %rdi
	call exec_direct
	mov %rbx, %rsp
	/* ERESUME's extended state, before enclave mode begins. */
	mov FRAME_OFF_XRSTOR(%rsp), %rcx
	test %rcx, %rcx
	jz 1f
	mov FRAME_OFF_XMASK(%rsp), %eax
	mov FRAME_OFF_XMASK+4(%rsp), %edx
	xrstor64 (%rcx)
1:	/* The IRETQ frame: RIP, CS, RFLAGS, RSP, SS. */
	sub $40, %rsp
	mov 40+136(%rsp), %rax
	mov %rax, 0(%rsp)
	xor %eax, %eax
	mov %cs, %ax
	mov %rax, 8(%rsp)
	mov 40+128(%rsp), %rax
	mov %rax, 16(%rsp)
	mov 40+32(%rsp), %rax
	mov %rax, 24(%rsp)
	xor %eax, %eax
	mov %ss, %ax
	mov %rax, 32(%rsp)
	mov 40+FRAME_OFF_TCB(%rsp), %rax
	/* A leaf that faulted returns to the vDSO's fixup, in host mode. */
	cmpq $0, 40+FRAME_OFF_LOADB(%rsp)
	je 3f
	/*
	 * From here to exec_window_end the thread is in enclave mode with RSP
	 * fixed at the IRETQ frame; a signal arriving here is treated as
	 * arriving at the target (exec_signal rolls the entry forward).
	 */
	.globl exec_window_start
	.hidden exec_window_start
exec_window_start:
	movb $1, TCB_OFF_IN_ENCLAVE(%rax)
	/* A signal now takes the AEX: nothing more to hold. */
	movb $0, TCB_OFF_ENTERING(%rax)
	cmpq $0, TCB_OFF_HELD(%rax)
	jne exec_window_let_in
	/* set_fs and set_gs, inline: a signal must find RIP in the window. */
	mov 40+FRAME_OFF_FS(%rsp), %rsi
	cmp %rsi, TCB_OFF_CUR_FS(%rax)
	je 5f
	mov %rsi, TCB_OFF_CUR_FS(%rax)
	cmpb $0, exec_have_fsgsbase(%rip)
	je 2f
	wrfsbase %rsi
	jmp 5f
2:	mov $ARCH_SET_FS, %edi
	movabs $FSGS_MAGIC, %rdx
	mov $SYS_arch_prctl, %eax
	syscall
	mov 40+FRAME_OFF_TCB(%rsp), %rax
5:	mov 40+FRAME_OFF_GS(%rsp), %rsi
	cmp %rsi, TCB_OFF_CUR_GS(%rax)
	je 4f
	mov %rsi, TCB_OFF_CUR_GS(%rax)
	cmpb $0, exec_have_fsgsbase(%rip)
	je 6f
	wrgsbase %rsi
	jmp 4f
6:	mov $ARCH_SET_GS, %edi
	movabs $FSGS_MAGIC, %rdx
	mov $SYS_arch_prctl, %eax
	syscall
	mov 40+FRAME_OFF_TCB(%rsp), %rax
	/* Enclave code next: its system calls become #UD (SUD). */
4:	movb $1, TCB_OFF_SUD(%rax)
3:	mov 40+8(%rsp), %rcx
	mov 40+16(%rsp), %rdx
	mov 40+24(%rsp), %rbx
	mov 40+40(%rsp), %rbp
	mov 40+48(%rsp), %rsi
	mov 40+56(%rsp), %rdi
	mov 40+64(%rsp), %r8
	mov 40+72(%rsp), %r9
	mov 40+80(%rsp), %r10
	mov 40+88(%rsp), %r11
	mov 40+96(%rsp), %r12
	mov 40+104(%rsp), %r13
	mov 40+112(%rsp), %r14
	mov 40+120(%rsp), %r15
	mov 40+0(%rsp), %rax
	iretq
	/*
	 * Signals came while exec_direct() entered and wait, blocked: trap
	 * here, in enclave mode, and exec_signal takes the trap as an
	 * interrupt (AEX) whose sigreturn unblocks them at the AEP.  Not an
	 * rt_sigprocmask(): the preload shim's filter traps those outside
	 * its gate, and a call through the gate would leave the window.
	 */
	.globl exec_window_let_in
	.hidden exec_window_let_in
exec_window_let_in:
	ud2
	.globl exec_window_end
	.hidden exec_window_end
exec_window_end:
	.size exec_enclu_direct, .-exec_enclu_direct

/*
 * int exec_vdso_enter(rdi, rsi, rdx, unsigned int function, r8, r9,
 *                     struct sgx_enclave_run *run)
 *
 * Linux's __vdso_sgx_enter_enclave contract (arch/x86/include/uapi/asm/sgx.h):
 * -EINVAL for a leaf other than EENTER/ERESUME or non-zero reserved bytes;
 * exceptions in the enclave, or of EENTER/ERESUME themselves, are reported
 * in @run and return 0; an optional user handler decides whether to return
 * (its value, when <= 0) or to enter again with its value as the leaf.
 */
#define RUN_TCS 0
#define RUN_FUNCTION 8
#define RUN_VECTOR 12
#define RUN_ERROR 14
#define RUN_ADDR 16
#define RUN_HANDLER 24
#define RUN_RESERVED 40
#define RUN_SIZE 256
#define RUN_ARG 16

	.globl exec_vdso_enter
	.hidden exec_vdso_enter
	.type exec_vdso_enter, @function
exec_vdso_enter:
	push %rbp
	mov %rsp, %rbp
	push %rbx
	mov %ecx, %eax
.Lenter:
	cmp $SGX_ENCLU_EENTER_NR, %eax
	jb .Linvalid
	cmp $SGX_ENCLU_ERESUME_NR, %eax
	ja .Linvalid
	mov RUN_ARG(%rbp), %rcx
	mov $RUN_RESERVED, %ebx
.Lreserved:
	cmpq $0, (%rcx, %rbx)
	jne .Linvalid
	add $8, %ebx
	cmp $RUN_SIZE, %ebx
	jne .Lreserved
	mov RUN_TCS(%rcx), %rbx
	lea exec_vdso_aep(%rip), %rcx
	.globl exec_vdso_aep
	.hidden exec_vdso_aep
exec_vdso_aep:
	call exec_enclu_direct
	/* EEXIT returns here (the enclave jumps to what RCX held at EENTER). */
	mov RUN_ARG(%rbp), %rbx
	movl $SGX_ENCLU_EEXIT_NR, RUN_FUNCTION(%rbx)
.Lexit:
	cmpq $0, RUN_HANDLER(%rbx)
	jne .Lhandler
	xor %eax, %eax
.Lout:
	pop %rbx
	leave
	ret
.Linvalid:
	mov $-22, %eax
	jmp .Lout

	/* Faults land here with RDI = vector, RSI = error code, RDX = address
	 * and EAX = the leaf that was running (ERESUME after an AEX). */
	.globl exec_vdso_handle_exception
	.hidden exec_vdso_handle_exception
exec_vdso_handle_exception:
	mov RUN_ARG(%rbp), %rbx
	mov %eax, RUN_FUNCTION(%rbx)
	mov %di, RUN_VECTOR(%rbx)
	mov %si, RUN_ERROR(%rbx)
	mov %rdx, RUN_ADDR(%rbx)
	jmp .Lexit

.Lhandler:
	/* handler(rdi, rsi, rdx, rsp at exit, r8, r9, run) on an aligned stack */
	mov %rsp, %rcx
	mov %rbx, %rax
	mov %rsp, %rbx
	and $15, %rbx
	and $-16, %rsp
	push %rax
	push %rax
	cld
	call *RUN_HANDLER(%rax)
	lea 16(%rsp, %rbx), %rsp
	cmp $0, %eax
	jle .Lout
	jmp .Lenter
	.size exec_vdso_enter, .-exec_vdso_enter

	.section .note.GNU-stack, "", @progbits
