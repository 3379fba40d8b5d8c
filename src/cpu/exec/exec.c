// SPDX-License-Identifier: MIT
/*
 * Enclave execution in the calling process: the direct (vDSO) entry, and
 * every signal that reaches the emulator's handlers: ENCLU in host or
 * enclave mode, exceptions and interrupts in enclave mode (AEX).
 */
#include <errno.h>
#include <pthread.h>
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/build.h"
#include "base/fork.h"
#include "base/log.h"
#include "base/parse.h"
#include "base/sys.h"
#include "cpu/enclu/enclu.h"
#include "cpu/exec/exec.h"
#include "cpu/leaf.h"

bool exec_have_fsgsbase;

#define MAX_PLATFORMS 64
static _Atomic(struct platform *) platforms[MAX_PLATFORMS];

void exec_register(struct platform *plat)
{
	int i;

	for (i = 0; i < MAX_PLATFORMS; i++) {
		struct platform *none = NULL;

		if (atomic_load(&platforms[i]) == plat)
			return;
		if (atomic_compare_exchange_strong(&platforms[i], &none, plat))
			return;
	}
}

void exec_unregister(struct platform *plat)
{
	int i;

	for (i = 0; i < MAX_PLATFORMS; i++) {
		struct platform *p = plat;

		atomic_compare_exchange_strong(&platforms[i], &p, NULL);
	}
}

struct platform *exec_platform_for(u64 linaddr, void **epc, unsigned int *prot)
{
	int i;

	for (i = 0; i < MAX_PLATFORMS; i++) {
		struct platform *p = atomic_load(&platforms[i]);

		if (p && p->mmu.walk && !p->mmu.walk(p->mmu.ctx, linaddr, epc, prot))
			return p;
	}
	return NULL;
}

u64 exec_sud_start, exec_sud_len;

/* The executable segment that holds the emulator's code. */
static int find_text(struct dl_phdr_info *info, size_t size, void *data)
{
	u64 me = (u64)(uintptr_t)exec_signal_entry;
	int i;

	(void)size;
	(void)data;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		u64 start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= start &&
		    me - start < ph->p_memsz) {
			exec_sud_start = start;
			exec_sud_len = ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* Syscall User Dispatch, where the kernel has it (5.11+). */
static void sud_init(void)
{
	if (!parse_env_bool("SGXEMU_SUD", true))
		return;
	/* PR_SYS_DISPATCH_OFF succeeds exactly where SUD exists. */
	if (sys_call6(SYS_prctl, 59, 0, 0, 0, 0, 0))
		return;
	dl_iterate_phdr(find_text, NULL);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_err;

static void init(void)
{
	static const int sync_sigs[] = { SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP, EXEC_KICK_SIG };
	size_t i;

	/* SGXEMU_NO_FSGSBASE=1 takes the arch_prctl path even where the kernel
	 * lets user space use WRFSBASE, so that path can be tested anywhere. */
	exec_have_fsgsbase = (getauxval(AT_HWCAP2) & 2) != 0 &&
			     !parse_env_bool("SGXEMU_NO_FSGSBASE", false);
	sud_init();
	if (exec_sud_len) {
		/* A system call in an enclave arrives as SIGSYS; so may one the
		 * C library makes inside our handlers, hence SA_NODEFER. */
		sigset_t mask;

		sigfillset(&mask);
		sigdelset(&mask, SIGSYS);
		sigdelset(&mask, SIGSEGV);
		sigdelset(&mask, SIGBUS);
		int err;

		sig_adopt(SIGSYS);
		err = exec_install(SIGSYS, (void (*)(int, siginfo_t *, void *))exec_signal_entry,
				   &mask, SA_NODEFER);
		if (err) {
			exec_sud_len = 0;
			log_warn("system calls in enclaves will run on the host: SIGSYS cannot be "
				 "taken (%s)", strerror(-err));
		}
	}
	for (i = 0; i < ARRAY_SIZE(sync_sigs); i++) {
		sig_adopt(sync_sigs[i]);
		/* A kick that finds its thread out of the enclave, blocked in
		 * a system call (it left as the kick was sent), must not make
		 * the call fail with EINTR: Linux's IPI never does. */
		init_err = exec_install(sync_sigs[i],
					(void (*)(int, siginfo_t *, void *))exec_signal_entry, NULL,
					sync_sigs[i] == EXEC_KICK_SIG ? SA_RESTART : 0);
		if (init_err)
			return;
	}
}

int exec_init_process(void)
{
	pthread_once(&init_once, init);
	return init_err;
}

exec_syscall_hook *exec_syscall_hook_fn;
static exec_host_fault_hook *_Atomic host_fault_fn;

int exec_set_host_fault_hook(exec_host_fault_hook *hook)
{
	int err = exec_init_process();

	if (!err)
		atomic_store(&host_fault_fn, hook);
	return err;
}

int exec_set_syscall_hook(exec_syscall_hook *hook)
{
	sigset_t mask;
	int err = exec_init_process();

	if (err)
		return err;
	sig_adopt(SIGSYS);
	exec_syscall_hook_fn = hook;
	/* A call trapped inside the handler (the C library's, say) nests, and
	 * exec_copy_user() inside it may fault. */
	sigfillset(&mask);
	sigdelset(&mask, SIGSYS);
	sigdelset(&mask, SIGSEGV);
	sigdelset(&mask, SIGBUS);
	return exec_install(SIGSYS, (void (*)(int, siginfo_t *, void *))exec_signal_entry, &mask,
			    SA_NODEFER);
}

int exec_init(void)
{
	int err = exec_init_process();

	if (err)
		return err;
	/* The calling thread gets its TCB and sigaltstack now, in normal
	 * context: a signal handler that already runs on another sigaltstack
	 * (a sanitizer's, say) could not install ours. */
	return tcb_current() ? 0 : -ENOMEM;
}

static void unblock_for_enclave(struct tcb *t);

/*
 * An entry that fails has nothing to let the held signals into: they
 * arrive now, in host mode, as at an ENCLU that faulted.  (Once entering
 * is clear no more are held.)
 */
static void release_held(struct tcb *t)
{
	u64 held;

	t->entering = 0;
	atomic_signal_fence(memory_order_seq_cst);
	held = t->held;
	if (!held)
		return;
	t->held = 0;
	sys_call6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&held, 0, 8, 0, 0);
}

/**
 * exec_direct() - EENTER or ERESUME for exec_enclu_direct (the vDSO path).
 * @f: the registers at the call; on return the state to IRETQ into, which is
 *     the vDSO's exception fixup if the leaf faulted
 *
 * Context: host mode, normal (non-signal) context.
 */
void exec_direct(struct exec_frame *f)
{
	struct tcb *t;
	struct xstate xs;
	struct enclu_mark keep;
	u32 leaf = (u32)f->regs.rax;
	int ret;

	/* A child of a bare fork lets go of its parent's enclaves first. */
	fork_check();
	t = tcb_current();
	f->xrstor_area = 0;
	f->load_bases = 0;
	f->tcb = (u64)(uintptr_t)t;
	if (!t) {
		/* No memory for a TCB: the entry cannot happen; report #GP. */
		f->regs.rdi = X86_VEC_GP;
		f->regs.rsi = 0;
		f->regs.rdx = 0;
		f->regs.rip = (u64)(uintptr_t)exec_vdso_handle_exception;
		return;
	}
	xs.area = t->xsave;
	xs.len = TCB_XSAVE_MAX;
	/* From the TCS claim to enclave mode, a program's signal waits
	 * (sig_hold()): on hardware it comes before ENCLU or after it. */
	t->entering = 1;
	atomic_signal_fence(memory_order_seq_cst);
	/* (A program's handler may enter an enclave in the middle of
	 * another leaf: that one keeps what it holds.) */
	keep = enclu_mark(t);
	if (leaf == SGX_ENCLU_EENTER)
		ret = enclu_eenter(t, &f->regs);
	else
		ret = enclu_eresume(t, &f->regs, &xs);
	enclu_unpin_to(t, keep);
	if (ret) {
		release_held(t);
		/* As the kernel's fixup does for a faulting ENCLU in the vDSO. */
		f->regs.rdi = t->fault.vector;
		f->regs.rsi = t->fault.error_code;
		f->regs.rdx = t->fault.addr;
		f->regs.rip = (u64)(uintptr_t)exec_vdso_handle_exception;
		return;
	}
	fsgs_enter(t);
	unblock_for_enclave(t);
	/* An AEX notification (xs.len 0) restores no extended state. */
	if (leaf == SGX_ENCLU_ERESUME && xs.len) {
		f->xrstor_area = (u64)(uintptr_t)t->xsave;
		f->xrstor_mask = t->xfrm;
	}
	f->load_bases = 1;
	f->fsbase = t->encl_fsbase;
	f->gsbase = t->encl_gsbase;
	/* entry.S turns enclave mode on inside its window, and clears
	 * entering there. */
	t->load_encl = 0;
}

static void regs_from_uc(struct cpu_regs *r, const ucontext_t *uc)
{
	const greg_t *g = uc->uc_mcontext.gregs;

	r->rax = (u64)g[REG_RAX];
	r->rcx = (u64)g[REG_RCX];
	r->rdx = (u64)g[REG_RDX];
	r->rbx = (u64)g[REG_RBX];
	r->rsp = (u64)g[REG_RSP];
	r->rbp = (u64)g[REG_RBP];
	r->rsi = (u64)g[REG_RSI];
	r->rdi = (u64)g[REG_RDI];
	r->r8 = (u64)g[REG_R8];
	r->r9 = (u64)g[REG_R9];
	r->r10 = (u64)g[REG_R10];
	r->r11 = (u64)g[REG_R11];
	r->r12 = (u64)g[REG_R12];
	r->r13 = (u64)g[REG_R13];
	r->r14 = (u64)g[REG_R14];
	r->r15 = (u64)g[REG_R15];
	r->rflags = (u64)g[REG_EFL];
	r->rip = (u64)g[REG_RIP];
}

static void regs_to_uc(ucontext_t *uc, const struct cpu_regs *r)
{
	greg_t *g = uc->uc_mcontext.gregs;

	g[REG_RAX] = (greg_t)r->rax;
	g[REG_RCX] = (greg_t)r->rcx;
	g[REG_RDX] = (greg_t)r->rdx;
	g[REG_RBX] = (greg_t)r->rbx;
	g[REG_RSP] = (greg_t)r->rsp;
	g[REG_RBP] = (greg_t)r->rbp;
	g[REG_RSI] = (greg_t)r->rsi;
	g[REG_RDI] = (greg_t)r->rdi;
	g[REG_R8] = (greg_t)r->r8;
	g[REG_R9] = (greg_t)r->r9;
	g[REG_R10] = (greg_t)r->r10;
	g[REG_R11] = (greg_t)r->r11;
	g[REG_R12] = (greg_t)r->r12;
	g[REG_R13] = (greg_t)r->r13;
	g[REG_R14] = (greg_t)r->r14;
	g[REG_R15] = (greg_t)r->r15;
	g[REG_EFL] = (greg_t)r->rflags;
	g[REG_RIP] = (greg_t)r->rip;
}

/* The XSAVE image the kernel put in the signal frame. */
static void frame_xstate(ucontext_t *uc, struct xstate *xs)
{
	u8 *fp = (u8 *)uc->uc_mcontext.fpregs;
	u32 magic, size;

	xs->area = fp;
	xs->len = 0;
	if (!fp)
		return;
	memcpy(&magic, fp + 464, 4);
	memcpy(&size, fp + 464 + 16, 4);
	/* FP_XSTATE_MAGIC1: an XSAVE header and extended state follow. */
	xs->len = magic == 0x46505853U ? size : 512;
}

/* Put ERESUME's extended state into the signal frame, keeping the kernel's
 * description of the frame (bytes 464-511) and its feature set. */
static void frame_load_xstate(ucontext_t *uc, const u8 *src, size_t len)
{
	struct xstate fx;
	u64 bv, frame_bv;

	frame_xstate(uc, &fx);
	if (!fx.area)
		return;
	memcpy(fx.area, src, 464);
	if (fx.len > 512 && len > 512) {
		size_t n = (len < fx.len ? len : fx.len) - 512;

		memcpy(&frame_bv, fx.area + 464 + 8, 8);
		memcpy(fx.area + 512, src + 512, n);
		memcpy(&bv, fx.area + 512, 8);
		bv &= frame_bv;
		memcpy(fx.area + 512, &bv, 8);
	}
}

static bool is_enclu(u64 rip)
{
	const u8 *p = (const u8 *)(uintptr_t)rip;

	return p[0] == 0x0F && p[1] == 0x01 && p[2] == 0xD7;
}

/* A synchronous fault the kernel raised (not a signal someone sent). */
static bool is_fault(int sig, const siginfo_t *info)
{
	return (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
		sig == SIGTRAP) &&
	       info->si_code > 0;
}

static void set_status_flags(struct cpu_regs *r, int status)
{
	/* CF PF AF OF SF cleared; ZF set on error (SDM ENCLU flag rules). */
	r->rflags &= ~0x8D5ULL;
	if (status)
		r->rflags |= 0x40;
}

/* ENCLU executed by host code: EENTER or ERESUME, anything else is #GP. */
static void host_enclu(int sig, siginfo_t *info, ucontext_t *uc, struct tcb *t)
{
	struct cpu_regs r;
	struct xstate xs;
	u32 leaf;
	int ret;

	regs_from_uc(&r, uc);
	leaf = (u32)r.rax;
	r.rip += 3;
	if (!t) {
		ret = ENCLS_FAULT_FLAG | X86_VEC_GP;
	} else if (leaf == SGX_ENCLU_EENTER) {
		ret = enclu_eenter(t, &r);
	} else if (leaf == SGX_ENCLU_ERESUME) {
		xs.area = t->xsave;
		xs.len = TCB_XSAVE_MAX;
		ret = enclu_eresume(t, &r, &xs);
		if (!ret && xs.len)
			frame_load_xstate(uc, t->xsave, xs.len);
	} else {
		ret = enclu_raise(t, X86_VEC_GP, 0, 0);
	}
	if (ret) {
		/* The ENCLU itself faulted, in host mode: a plain signal at it. */
		static const char msg[] = "sgxemu: a thread cannot enter an enclave: no memory "
					  "for its emulator state (256 KiB per thread)\n";
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		si.si_signo = SIGSEGV;
		if (t && t->fault.vector == X86_VEC_PF) {
			si.si_code = SEGV_ACCERR;
			si.si_addr = (void *)(uintptr_t)t->fault.addr;
		} else {
			si.si_code = SI_KERNEL;
		}
		(void)sig;
		(void)info;
		if (t) {
			sig_requeue(t, SIGSEGV, &si);
		} else {
			/* Without a TCB (no memory for one) there is no way
			 * in: say why, then take SIGSEGV's default action
			 * rather than fault forever. */
			struct sys_sigaction dfl = { .handler = SIG_DFL };

			if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
				(void)0;
			sys_rt_sigaction(SIGSEGV, &dfl, NULL);
			syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGSEGV);
		}
		return;
	}
	fsgs_enter(t);
	regs_to_uc(uc, &r);
	t->load_encl = 1;
	tcb_set_in_enclave(t, 1);
}

/* The entry's window took a signal: what exec_direct() held is blocked no
 * more when sigreturn restores @uc's mask. */
static void let_held_in(struct tcb *t, ucontext_t *uc)
{
	u64 mask;

	t->entering = 0;
	if (!t->held)
		return;
	memcpy(&mask, &uc->uc_sigmask, sizeof(mask));
	mask &= ~t->held;
	memcpy(&uc->uc_sigmask, &mask, sizeof(mask));
	t->held = 0;
}

/* A signal in enclave mode: ENCLU, or an exception or interrupt (AEX). */
static void enclave_signal(int sig, siginfo_t *info, ucontext_t *uc, struct tcb *t)
{
	u64 rip = (u64)uc->uc_mcontext.gregs[REG_RIP];
	struct aex_exception exc, *excp = NULL;
	struct cpu_regs r;
	struct xstate xs;
	siginfo_t si;

	regs_from_uc(&r, uc);
	frame_xstate(uc, &xs);
	if (rip >= (u64)(uintptr_t)exec_window_start && rip < (u64)(uintptr_t)exec_window_end) {
		/* Mid-entry on the direct path: finish the entry, then take the
		 * signal as arriving at the enclave's first instruction. */
		const struct exec_frame *f =
			(const struct exec_frame *)(uintptr_t)(r.rsp + 40);

		r = f->regs;
		/* The rest of the window never runs: what the entry held
		 * arrives at the AEP, after this AEX. */
		let_held_in(t, uc);
		if (rip == (u64)(uintptr_t)exec_window_let_in) {
			/* Our own trap, which only lets them in: an
			 * interrupt, with nothing of its own to deliver. */
			enclu_aex(t, &r, &xs, NULL);
			regs_to_uc(uc, &r);
			return;
		}
	} else if (rip >= t->base && rip - t->base < t->size) {
		/* The enclave may have moved its own bases (WRFSBASE). */
		t->encl_fsbase = t->sig_fsbase;
		t->encl_gsbase = t->sig_gsbase;
	}
	if (sig == SIGILL && info->si_code == ILL_ILLOPN && is_enclu(r.rip)) {
		u32 leaf = (u32)r.rax;
		int ret;

		r.rip += 3;
		ret = enclu_in_enclave(t, &r);
		if (!encls_faulted(ret)) {
			if (t->in_enclave) {
				if (enclu_returns_status(leaf)) {
					r.rax = (u64)ret;
					set_status_flags(&r, ret);
				}
				t->load_encl = 1;
			}
			regs_to_uc(uc, &r);
			return;
		}
		r.rip -= 3;
		exc.vector = t->fault.vector;
		exc.error_code = t->fault.error_code;
		exc.addr = t->fault.addr;
		excp = &exc;
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGSEGV;
		si.si_code = exc.vector == X86_VEC_PF ? SEGV_ACCERR : SI_KERNEL;
		si.si_addr = (void *)(uintptr_t)(exc.addr & PAGE_MASK);
		sig = SIGSEGV;
	} else if (is_fault(sig, info)) {
		const greg_t *g = uc->uc_mcontext.gregs;
		struct platform *plat = t->plat;

		/* A page the VMM took away is an EPT violation, which its VMM
		 * answers before the guest OS sees anything.  The OS's part of
		 * a #PF: a page being paged out is waited for
		 * and the access retried, with no AEX, as on hardware.  A retry
		 * that keeps faulting at one address is a fault after all. */
		if ((sig == SIGSEGV || sig == SIGBUS) && plat &&
		    (!platform_ept_fault(plat, (u64)(uintptr_t)info->si_addr) ||
		     (plat->mmu.fault &&
		      !plat->mmu.fault(plat->mmu.ctx, (u64)(uintptr_t)info->si_addr,
				       (u32)g[REG_ERR])))) {
			u64 la = (u64)(uintptr_t)info->si_addr;

			t->nr_retries = t->retry_la == la ? t->nr_retries + 1 : 0;
			t->retry_la = la;
			if (t->nr_retries < EXEC_MAX_RETRIES) {
				t->load_encl = 1;
				return;
			}
			t->nr_retries = 0;
		}
		exc.vector = (u8)g[REG_TRAPNO];
		exc.error_code = (u32)g[REG_ERR];
		exc.addr = (u64)(uintptr_t)info->si_addr;
		if (exc.vector == X86_VEC_PF)
			exc.error_code = enclu_classify_pf(t, exc.addr, exc.error_code);
		excp = &exc;
		si = *info;
		/* AEX clears the low 12 bits of CR2. */
		if (exc.vector == X86_VEC_PF)
			si.si_addr = (void *)(uintptr_t)(exc.addr & PAGE_MASK);
	} else {
		si = *info;
	}
	enclu_aex(t, &r, &xs, excp);
	if (excp && t->aep == (u64)(uintptr_t)exec_vdso_aep && excp->vector != X86_VEC_DB &&
	    excp->vector != X86_VEC_BP) {
		/* Linux reports exceptions at the vDSO's ENCLU through the
		 * fixup, not as a signal. */
		r.rdi = excp->vector;
		r.rsi = excp->error_code;
		r.rdx = excp->vector == X86_VEC_PF ? excp->addr & PAGE_MASK : excp->addr;
		r.rip = (u64)(uintptr_t)exec_vdso_handle_exception;
		regs_to_uc(uc, &r);
		return;
	}
	regs_to_uc(uc, &r);
	/* A kick is the OS's interrupt: the AEX was the point. */
	if (!exec_is_kick(sig, info))
		sig_requeue(t, sig, &si);
}

static bool is_cpuid(greg_t rip)
{
	const u8 *p = (const u8 *)(uintptr_t)rip;

	return p[0] == 0x0F && p[1] == 0xA2;
}

/*
 * Whether the instruction at @rip is one SGX makes #UD in enclave mode and
 * the host faults on with #GP: the I/O instructions, INT n, RDPMC and far
 * transfers (the SDM's "Illegal Instructions within an Enclave").  The rest
 * of that list is #UD on the host too (GETSEC, VMCALL, VMFUNC, LDS/LES,
 * INTO), reaches the emulator another way (SYSCALL, CPUID), or runs on the
 * host without a fault (RDTSC, IRET, MOV/POP to a segment register,
 * SGDT/SIDT under the kernel's UMIP emulation), where nothing short of
 * rewriting enclave code could catch it.
 */
static bool is_enclave_ud(u64 rip)
{
	u8 b[15];
	size_t n = exec_copy_user(b, (const void *)(uintptr_t)rip, sizeof(b)), i = 0;
	u8 op, reg;

	/* Legacy prefixes, then REX. */
	while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xF0 || b[i] == 0xF2 ||
			 b[i] == 0xF3 || b[i] == 0x2E || b[i] == 0x36 || b[i] == 0x3E ||
			 b[i] == 0x26 || b[i] == 0x64 || b[i] == 0x65))
		i++;
	if (i < n && (b[i] & 0xF0) == 0x40)
		i++;
	if (i >= n)
		return false;
	op = b[i++];
	switch (op) {
	case 0xE4: case 0xE5: case 0xE6: case 0xE7:     /* IN/OUT imm8 */
	case 0xEC: case 0xED: case 0xEE: case 0xEF:     /* IN/OUT DX */
	case 0x6C: case 0x6D: case 0x6E: case 0x6F:     /* INS/OUTS */
	case 0xCD:                                      /* INT n */
	case 0xCA: case 0xCB:                           /* far RET */
		return true;
	case 0xFF:                                      /* far CALL/JMP m16:64 */
		reg = i < n ? (b[i] >> 3) & 7 : 0;
		return reg == 3 || reg == 5;
	case 0x0F:
		return i < n && b[i] == 0x33;               /* RDPMC */
	default:
		return false;
	}
}

/* The instruction at RIP raised #UD in the enclave: an AEX with vector 6. */
static struct tcb *raise_ud(siginfo_t *info, ucontext_t *uc, struct tcb *t)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGILL;
	si.si_code = ILL_ILLOPN;
	si.si_addr = (void *)(uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uc->uc_mcontext.gregs[REG_TRAPNO] = X86_VEC_UD;
	uc->uc_mcontext.gregs[REG_ERR] = 0;
	(void)info;
	enclave_signal(SIGILL, &si, uc, t);
	return t;
}

/**
 * exec_signal() - every signal that reaches an emulator handler.
 * @t: the TCB entry.S found, or NULL
 *
 * Context: signal handler on the sigaltstack, every signal blocked, host
 * FS/GS already restored by entry.S.
 * Return: the thread's TCB (a first raw EENTER creates it), for entry.S to
 * load the enclave's bases from on the way out.
 */
/*
 * The signals enclave code must be able to take: its faults (an emulated
 * fault with them blocked would kill the process) and the kick (ETRACK
 * waits for it).  Host code may block them; enclave mode never does.
 */
#define KBIT(s) (1ULL << ((s) - 1))
#define ENCLAVE_SIGS                                                                     \
	(KBIT(SIGSEGV) | KBIT(SIGBUS) | KBIT(SIGILL) | KBIT(SIGFPE) | KBIT(SIGTRAP) |      \
	 KBIT(EXEC_KICK_SIG))

/* Entering enclave mode from host code that runs normally (the direct path). */
static void unblock_for_enclave(struct tcb *t)
{
	u64 need = ENCLAVE_SIGS, old = 0;

	if (!sys_call6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&need, (long)&old, 8, 0, 0) &&
	    (old & need)) {
		/* What the entry holds is blocked by us, not by the program. */
		t->app_mask = old & ~t->held;
		t->mask_forced = true;
	}
}

/* A handler that moved the thread into or out of enclave mode: the mask
 * sigreturn installs is the enclave's or the host's again. */
static void mask_transition(struct tcb *t, ucontext_t *uc, bool was_in)
{
	u64 cur;

	memcpy(&cur, &uc->uc_sigmask, sizeof(cur));
	if (!was_in && t->in_enclave && (cur & ENCLAVE_SIGS)) {
		t->app_mask = cur;
		t->mask_forced = true;
		cur &= ~ENCLAVE_SIGS;
		memcpy(&uc->uc_sigmask, &cur, sizeof(cur));
	} else if (was_in && !t->in_enclave && t->mask_forced) {
		memcpy(&uc->uc_sigmask, &t->app_mask, sizeof(t->app_mask));
		t->mask_forced = false;
	}
}

static struct tcb *signal_in(int sig, siginfo_t *info, ucontext_t *uc, struct tcb *t,
			     bool in_encl);

/*
 * @from_enclave: the signal interrupted enclave code (entry.S tells: the
 * thread is in enclave mode and not already running the emulator).  A
 * signal that interrupts the emulator's own handler code (a trapped call
 * the C library makes in it, say) interrupted host code, whatever mode the
 * thread is in, and is never taken for the enclave's.
 */
struct tcb *exec_signal(int sig, siginfo_t *info, ucontext_t *uc, struct tcb *t,
			long from_enclave)
{
	bool was_in = from_enclave != 0;
	/* A signal may have interrupted a leaf in host code (a kick that came
	 * as the thread left, the program's own signal), or enclave code a
	 * handler of such a signal entered: the leaf keeps its operands, and
	 * the handler lets go of what it pinned itself. */
	struct enclu_mark keep = enclu_mark(t);

	fork_check();
	/* (Only on the TCB's own stack: a thread found by its id may run
	 * this on a program's.) */
	if (t && (u8 *)__builtin_frame_address(0) > (u8 *)t + TCB_HDR_SIZE &&
	    (u8 *)__builtin_frame_address(0) < (u8 *)t + TCB_REGION_SIZE)
		build_unpoison_stack((u8 *)t + TCB_HDR_SIZE, __builtin_frame_address(0));
	t = signal_in(sig, info, uc, t, was_in);
	if (t && (was_in || !t->in_emu)) {
		enclu_unpin_to(t, keep);
		mask_transition(t, uc, was_in);
	}
	return t;
}

static struct tcb *signal_in(int sig, siginfo_t *info, ucontext_t *uc, struct tcb *t,
			     bool in_encl)
{
	greg_t *ip = &uc->uc_mcontext.gregs[REG_RIP];

	/* exec_copy_user() met an unreadable byte: it returns what it has. */
	if ((sig == SIGSEGV || sig == SIGBUS) && *ip == (greg_t)(uintptr_t)exec_copy_user_load) {
		*ip = (greg_t)(uintptr_t)exec_copy_user_fixup;
		return t;
	}
	/* Syscall User Dispatch: a system call by enclave code, which SGX
	 * forbids (#UD).  From host code it can only be a stale selector:
	 * open it and let the call go again. */
	if (sig == SIGSYS && info->si_code == 2 /* SYS_USER_DISPATCH */ && t) {
		*ip -= 2;
		if (!in_encl) {
			t->sud = 0;
			return t;
		}
		return raise_ud(info, uc, t);
	}
	if (sig == SIGSYS && exec_syscall_hook_fn &&
	    exec_syscall_hook_fn(info, uc, t, in_encl || (t && t->in_emu))) {
		/* The enclave carries on after its system call, with its own
		 * bases as the signal found them. */
		if (in_encl) {
			t->encl_fsbase = t->sig_fsbase;
			t->encl_gsbase = t->sig_gsbase;
			t->load_encl = 1;
		}
		return t;
	}
	if (in_encl) {
		/* CPUID in an enclave is #UD (SGX1); with faulting on it
		 * arrives here as #GP, as do the I/O instructions and the
		 * others SGX forbids. */
		if (sig == SIGSEGV && info->si_code == SI_KERNEL &&
		    ((is_cpuid(*ip) && exec_cpuid_faulting_on()) || is_enclave_ud((u64)*ip)))
			return raise_ud(info, uc, t);
		enclave_signal(sig, info, uc, t);
		return t;
	}
	/* Half-way into an enclave (the TCS claimed, the thread counted in),
	 * where no program code may run: the signal waits for enclave mode
	 * and its AEX.  A fault is the leaf's own and cannot wait. */
	if (t && t->entering && !is_fault(sig, info) && !exec_is_kick(sig, info)) {
		sig_hold(t, sig, info, uc);
		return t;
	}
	/* What an AEX queued arrives at the AEP, which is often an ENCLU:
	 * it is the program's signal, not an ENCLU executed. */
	if (t && (t->requeued & EXEC_KSIG(sig))) {
		sig_dispatch(sig, info, uc, t);
		return t;
	}
	if (sig == SIGILL && info->si_code == ILL_ILLOPN &&
	    is_enclu((u64)uc->uc_mcontext.gregs[REG_RIP])) {
		if (!t)
			t = tcb_current_in_handler(uc);
		host_enclu(sig, info, uc, t);
		return t;
	}
	/* A kick for a thread that already left: nothing to do but let the
	 * next one be sent (enclu_leave_mode() cleared the flag before this
	 * one was).  Relaxed: the flag guards nothing else. */
	if (exec_is_kick(sig, info)) {
		if (t && !exec_is_remote_kick(sig, info))
			atomic_store_explicit(&t->kicked, false, memory_order_relaxed);
		return t;
	}
	if ((sig == SIGSEGV && exec_cpuid_trap(info, uc)) ||
	    (sig == SIGILL && exec_cpuid_patched(info, uc)))
		return t;
	if ((sig == SIGSEGV || sig == SIGTRAP) && atomic_load(&host_fault_fn) &&
	    atomic_load(&host_fault_fn)(sig, info, uc))
		return t;
	if (t && t->entering) {
		/* A fault in the entering leaf's own code: the program's
		 * handler runs as at a faulting ENCLU, and an enclave it
		 * enters holds and lets in its own signals, not the
		 * interrupted entry's. */
		u64 held = t->held;

		t->entering = 0;
		t->held = 0;
		sig_dispatch(sig, info, uc, t);
		t->held = held;
		t->entering = 1;
		return t;
	}
	sig_dispatch(sig, info, uc, t);
	return t;
}
