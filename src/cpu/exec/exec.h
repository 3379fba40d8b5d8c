/* SPDX-License-Identifier: MIT */
/*
 * Running enclave code natively: the per-thread control block, the register
 * frame the entry paths share, and the process-wide pieces (signal handlers,
 * the registry of platforms that ENCLU can reach).  Internal to src/cpu.
 *
 * A host thread is "in enclave mode" between EENTER/ERESUME and EEXIT/AEX.
 * In enclave mode FS and GS hold the enclave's bases, so code reachable from
 * a signal never touches TLS before entry.S has restored the host's.
 */
#ifndef SGXEMU_CPU_EXEC_EXEC_H
#define SGXEMU_CPU_EXEC_EXEC_H

#define TCB_MAGIC 0x3142435445584753 /* "SGXETCB1" */
/*
 * A TCB region: the TCB in its first TCB_HDR_SIZE bytes, then the thread's
 * sigaltstack, where every emulator handler runs.  Only the stack is
 * installed as the sigaltstack, because a program may unmap whatever
 * sigaltstack its exiting thread has (AddressSanitizer's runtime does) and
 * the TCB must outlive its thread: other threads read it.  The stack's
 * base holds a struct tcb_tag that leads back to the TCB.
 */
#define TCB_REGION_SIZE (256UL << 10)
#define TCB_HDR_SIZE (32UL << 10)
#define TCB_STACK_SIZE (TCB_REGION_SIZE - TCB_HDR_SIZE)
#define TCB_TAG_OFF_TCB 8
#define TCB_XSAVE_MAX 16384
#define TCB_TID_FREE (-1)
#define TCB_TID_CLAIMED (-2)

/* Offsets entry.S relies on; asserted in tcb.c. */
#define TCB_OFF_MAGIC 0
#define TCB_OFF_IN_ENCLAVE 8
#define TCB_OFF_SUD 9
#define TCB_OFF_IN_EMU 10
#define TCB_OFF_HOST_FS 16
#define TCB_OFF_HOST_GS 24
#define TCB_OFF_ENCL_FS 32
#define TCB_OFF_ENCL_GS 40
#define TCB_OFF_LOAD_ENCL 48
#define TCB_OFF_SIG_FS 56
#define TCB_OFF_SIG_GS 64
#define TCB_OFF_TID 72
#define TCB_OFF_HOST_GS_LIVE 11
#define TCB_OFF_CUR_FS 80
#define TCB_OFF_CUR_GS 88
#define TCB_OFF_ENTERING 13
#define TCB_OFF_HELD 96

/*
 * The third argument of the emulator's own arch_prctl() calls: the shim's
 * seccomp filter lets arch_prctl() through with it and traps the
 * program's base changes, so that the TCB's record of the bases stays
 * true (fsgs.c).  The kernel ignores the argument.
 */
#define FSGS_MAGIC 0x53475346554d4553 /* "SEMUFSGS" */
#define TCB_MAX 4096
/*
 * The operand pages a thread's leaves may hold at once.  A leaf holds each
 * page it uses until it is over, once however often it names it: at most
 * two SSA frames (an ERESUME that delivers an AEX notification), or three
 * pages (EREPORT, EACCEPTCOPY).  A leaf that a signal interrupts keeps its
 * pages while the handler's leaves, and those of enclaves a program's
 * handler enters, hold theirs on top.  With frames of up to 4 pages (the
 * largest XSAVE areas to date need 3 with GPRSGX) a leaf holds at most 8,
 * so 64 is eight such leaves nested; larger frames leave fewer levels.  A
 * leaf that finds no room faults (access.c).
 */
#define TCB_MAX_PINNED 64

#define FRAME_OFF_XRSTOR 144
#define FRAME_OFF_XMASK 152
#define FRAME_OFF_LOADB 160
#define FRAME_OFF_FS 168
#define FRAME_OFF_GS 176
#define FRAME_OFF_TCB 184
#define FRAME_SIZE 192

/* ENCLU leaf numbers, for entry.S (src/arch/sgx_leaf.h is C). */
#define SGX_ENCLU_EENTER_NR 2
#define SGX_ENCLU_ERESUME_NR 3
#define SGX_ENCLU_EEXIT_NR 4

#ifndef __ASSEMBLER__

#include <signal.h>
#include <stdatomic.h>
#include <ucontext.h>
#include <unistd.h>

#include "cpu/cpu.h"

struct epc_page;

/* Consecutive retries of one faulting access before it is delivered. */
#define EXEC_MAX_RETRIES 100000

/* At the base of a TCB's sigaltstack. */
struct tcb_tag {
	u64 magic;              /* TCB_MAGIC */
	struct tcb *tcb;
};

struct tcb {
	u64 magic;
	u8 in_enclave;          /* CR_ENCLAVE_MODE */
	/* Syscall User Dispatch selector: 1 (block) while enclave code runs,
	 * so its system calls become #UD; 0 whenever host code does. */
	u8 sud;
	/* The emulator is running host code for a signal that interrupted
	 * enclave code (in_enclave stays set meanwhile): a signal now
	 * interrupts the emulator, not the enclave.  Set and cleared by
	 * entry.S around such a handler. */
	u8 in_emu;
	/* Host code uses GS: exits restore host_gsbase.  Otherwise GS keeps
	 * the enclave's base in host mode and the next entry need not load
	 * it again (fsgs.c says how we know). */
	u8 host_gs_live;
	u8 fsgs_known;          /* cur_* are valid */
	/*
	 * exec_direct() is running EENTER or ERESUME for the thread: the TCS
	 * may be claimed and the thread counted into the enclave before
	 * enclave mode begins in entry.S's window, so a program's signal now
	 * is held (@held: requeued, blocked in the frame it interrupted)
	 * and let in inside the window, where it takes the AEX that it
	 * would take on hardware, ENCLU being one instruction.
	 */
	u8 entering;
	u8 pad[2];
	u64 host_fsbase;        /* the host's bases, restored at exit */
	u64 host_gsbase;
	u64 encl_fsbase;        /* the enclave's bases while in enclave mode */
	u64 encl_gsbase;
	u64 load_encl;          /* entry.S loads encl_* on the way out of a handler */
	u64 sig_fsbase;         /* FS/GS as a signal found them */
	u64 sig_gsbase;
	/* The owner's thread id (exec_park(), entry.S's lookup), the claim
	 * on the region: TCB_TID_FREE when any new thread may take it,
	 * TCB_TID_CLAIMED while a new thread readies it, 0 when retired for
	 * good (tcb.c). */
	_Atomic int tid;
	u32 pad2;
	/* The bases the thread has loaded now.  Written before the switch
	 * that makes them true, so a signal in between at worst repeats it. */
	u64 cur_fsbase;
	u64 cur_gsbase;
	u64 held;               /* signals held while entering, by bit */
	/* Enclave-mode state, valid while in_enclave (the SDM's CR_* registers). */
	struct platform *plat;
	struct epc_page *secs;
	struct epc_page *tcs;
	u64 tcs_linaddr;        /* CR_TCS_LA */
	u64 aep;                /* the AEP of the last EENTER/ERESUME */
	u64 ursp, urbp;         /* the untrusted stack of the last EENTER */
	stack_t app_ss;         /* the sigaltstack the application believes it has */
	u64 base, size;         /* ELRANGE */
	u32 ssaframesize;
	u64 xfrm;
	u32 miscselect;
	struct lp_fault fault;  /* the last ENCLU fault */
	u64 requeued;           /* signals we queued to ourselves, by bit */
	/* The host's signal mask while enclave code runs with the signals
	 * the emulator needs unblocked (mask_forced), restored at the exit. */
	u64 app_mask;
	bool mask_forced;
	/*
	 * The signals the emulator takes (EXEC_VIRTUAL_SIGS) are never
	 * blocked for real on a thread with a TCB: @vmask holds those the
	 * program has blocked, and what arrives for them meanwhile waits in
	 * @vpending (with its siginfo) until the program unblocks it.
	 */
	u64 vmask;
	u64 vpending;
	siginfo_t vpinfo[32];
	/* The OS's fault hook let the last access at @retry_la be retried
	 * @nr_retries times in a row (EXEC_MAX_RETRIES: it is a fault). */
	u64 retry_la;
	unsigned int nr_retries;
	/* Operand pages the thread's leaves hold in the EPC, a stack
	 * (enclu_operand(); TCB_MAX_PINNED says how deep). */
	u64 pinned[TCB_MAX_PINNED];
	unsigned int nr_pinned;
	atomic_bool parked;     /* counted out of its enclave's epoch (exec_park) */
	atomic_bool kicked;     /* a kick is on its way (exec_kick sends one at a time) */
	/* Scratch for ERESUME on the direct path: XRSTOR needs contiguous,
	 * 64-byte aligned memory. */
	u8 xsave[TCB_XSAVE_MAX] __aligned(64);
};

/* Other threads (the ticker, a kick, the reaper) read in_enclave while its
 * own thread sets and clears it. */
static inline bool tcb_in_enclave(const struct tcb *t)
{
	return __atomic_load_n(&t->in_enclave, __ATOMIC_ACQUIRE);
}

static inline void tcb_set_in_enclave(struct tcb *t, u8 on)
{
	__atomic_store_n(&t->in_enclave, on, __ATOMIC_RELEASE);
}

/*
 * General-purpose registers in GPRSGX order, plus RFLAGS and RIP, so that
 * AEX and ERESUME copy them as one block.
 */
struct cpu_regs {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rflags, rip;
};

/*
 * The frame entry.S builds for the direct (vDSO) path.  C fills in the
 * target state; entry.S loads the bases, XRSTORs, and IRETQs into it.
 */
struct exec_frame {
	struct cpu_regs regs;
	u64 xrstor_area;        /* 0: no XRSTOR */
	u64 xrstor_mask;
	u64 load_bases;         /* load fsbase/gsbase below */
	u64 fsbase, gsbase;
	u64 tcb;
};

/* The thread's TCB in normal (host-mode) context; created on first use. */
struct tcb *tcb_current(void);
/* The same from a signal handler, whose sigreturn will install it. */
struct tcb *tcb_current_in_handler(ucontext_t *uc);
/*
 * sigaltstack() for applications, on @t: once a thread has a TCB, its real
 * sigaltstack is the emulator's; the application's is recorded and
 * reported, never installed.  Return: 0 or -errno.
 */
int tcb_sigaltstack(struct tcb *t, const stack_t *ss, stack_t *old);
/* Every TCB, by slot (entry.S looks a thread up in it by id). */
extern struct tcb *_Atomic exec_tcbs[TCB_MAX];
extern _Atomic unsigned int exec_nr_tcbs;
/* The TCB a signal handler runs for, found from the ucontext's sigaltstack
 * without TLS; NULL when the thread has none. */
struct tcb *tcb_from_ucontext(const ucontext_t *uc);

/*
 * The emulator's interrupt: a queued EXEC_KICK_SIG carrying EXEC_KICK_MAGIC
 * makes a thread in enclave mode take an AEX and nothing else (Linux uses
 * an IPI), so that ETRACK can complete.  The same signal number sent by
 * anyone else is the application's.
 */
#define EXEC_KICK_SIG 63 /* SIGRTMAX - 1 */
#define EXEC_KICK_MAGIC ((void *)0x4b49434b53474558ULL) /* "XEGSKICK" */
/* The same interrupt sent by another process of a machine that children of
 * fork() share (exec_kick_thread()): it carries its own value, as its
 * sender is not this process. */
#define EXEC_KICK_REMOTE_MAGIC ((void *)0x4b49434b52474558ULL) /* "XEGRKICK" */

static inline bool exec_is_remote_kick(int sig, const siginfo_t *info)
{
	return sig == EXEC_KICK_SIG && info->si_code == SI_QUEUE &&
	       info->si_value.sival_ptr == EXEC_KICK_REMOTE_MAGIC;
}

static inline bool exec_is_kick(int sig, const siginfo_t *info)
{
	return (sig == EXEC_KICK_SIG && info->si_code == SI_QUEUE &&
		info->si_value.sival_ptr == EXEC_KICK_MAGIC && info->si_pid == getpid()) ||
	       exec_is_remote_kick(sig, info);
}

/* Process-wide setup: our handlers for the synchronous signals.  Idempotent. */
int exec_init_process(void);
/* exec_init_process(), and a TCB for the calling thread. */
int exec_init(void);

/*
 * The preload shim's seccomp path: @hook gets every SIGSYS first (host FS
 * and GS already restored, @t the thread's TCB or NULL, @own when the call
 * came from the emulator's or from enclave code, which go to the kernel
 * as they are) and returns true
 * when the signal was its own; the application's SIGSYS disposition gets
 * the others.  Installs the SIGSYS handler; SIGSYS is never blocked while
 * an emulator handler or an application handler called by one runs.
 * Return: 0 or -errno.
 */
typedef bool exec_syscall_hook(siginfo_t *info, ucontext_t *uc, struct tcb *t, bool own);
int exec_set_syscall_hook(exec_syscall_hook *hook);
extern exec_syscall_hook *exec_syscall_hook_fn;

/*
 * Host memory that is not what it seems (a /dev/sgx_vepc mapping, whose
 * pages are EPC): @hook gets host code's SIGSEGV and SIGTRAP first and
 * returns true when it handled the fault and the instruction may run
 * again; the application's disposition gets the others.  One hook; a
 * later call replaces it.  Return: 0 or -errno (exec_init_process()).
 */
typedef bool exec_host_fault_hook(int sig, siginfo_t *info, ucontext_t *uc);
int exec_set_host_fault_hook(exec_host_fault_hook *hook);

/*
 * Copy up to @len bytes from @src, a program's pointer, stopping at the
 * first unreadable byte: the number copied (uaccess.S).  Needs the
 * emulator's SIGSEGV handler (exec_init_process()) and SIGSEGV unblocked.
 */
size_t exec_copy_user(void *dst, const void *src, size_t len);
extern const char exec_copy_user_load[], exec_copy_user_fixup[];

/*
 * CPUID for host code (cpuid.c).  exec_cpuid_enable() turns CPUID faulting
 * on for the calling thread and those it creates, answering for @plat
 * (-ENODEV where the CPU or kernel lacks it).  exec_cpuid_answer() is the
 * answer: the real CPU's, with leaf 7's SGX bits, leaf 0x12 of @plat and a
 * maximum basic leaf of at least 0x12.  exec_cpuid_emulate() performs the
 * CPUID at @uc's RIP, if there is one; exec_cpuid_trap() does so for a
 * CPUID fault once enabled.
 */
int exec_cpuid_enable(struct platform *plat);
void exec_cpuid_answer(struct platform *plat, u32 leaf, u32 subleaf, u32 r[4]);
bool exec_cpuid_emulate(struct platform *plat, ucontext_t *uc);
bool exec_cpuid_trap(const siginfo_t *info, ucontext_t *uc);
/*
 * Hosts without CPUID faulting: a CPUID in host code that was patched into
 * UD2 at @addr (exec_cpuid_add_site: 0, or -ENOSPC past 12288 sites) is
 * answered for the platform exec_cpuid_use() names, from its SIGILL.
 * exec_cpuid_remove_sites() forgets those in [@start, @end), for a library
 * that was unloaded: a UD2 mapped there later is a UD2 again.  Adding and
 * removing need one caller at a time; answering does not.
 */
int exec_cpuid_add_site(u64 addr);
void exec_cpuid_remove_sites(u64 start, u64 end);
/* Whether CPUID faults for the calling thread right now. */
bool exec_cpuid_faulting_on(void);
void exec_cpuid_use(struct platform *plat);
bool exec_cpuid_patched(const siginfo_t *info, ucontext_t *uc);
/* Platforms whose MMU ENCLU can walk; a TCS address is looked up in each. */
void exec_register(struct platform *plat);
void exec_unregister(struct platform *plat);
struct platform *exec_platform_for(u64 linaddr, void **epc, unsigned int *prot);

extern bool exec_have_fsgsbase;

/*
 * FS and GS bases (fsgs.c).  fsgs_enter() records the host's bases for an
 * EENTER or ERESUME that just succeeded on @t (t->encl_* set), without a
 * system call once the thread's bases are known.  fsgs_arch_prctl() is the
 * program's own arch_prctl(@code, @arg) for ARCH_SET_FS, ARCH_SET_GS and
 * ARCH_GET_GS, which the shim's filter traps: it makes the call (or, in
 * enclave mode, changes the enclave's bases) and keeps @t's record true;
 * for ARCH_GET_GS *@val is what to report.  Return: 0 or -errno.
 */
void fsgs_enter(struct tcb *t);
long fsgs_arch_prctl(struct tcb *t, int code, u64 arg, u64 *val);
/*
 * Set by the preload shim when no seccomp filter sees the program's own
 * arch_prctl() calls (SGXEMU_SECCOMP=off): an unmodified program cannot be
 * told when to set its GS, so GS is restored exactly at every exit and
 * read again at every entry, whatever it costs.
 */
extern bool fsgs_exact;
/* The text that Syscall User Dispatch lets through (ours), or len 0 when
 * SUD is off (unavailable, or SGXEMU_SUD=off). */
extern u64 exec_sud_start, exec_sud_len;

/* The C side of the direct path and of signals (called from entry.S). */
void exec_direct(struct exec_frame *f);
struct tcb *exec_signal(int sig, siginfo_t *info, ucontext_t *uc, struct tcb *t,
			long from_enclave);

/* entry.S symbols. */
void exec_signal_entry(int sig, siginfo_t *info, void *uc);
void exec_sigreturn(void);
void exec_enclu_direct(void);
extern const char exec_window_start[], exec_window_end[], exec_window_let_in[];
extern const char exec_vdso_aep[], exec_vdso_handle_exception[];
int exec_vdso_enter(unsigned long rdi, unsigned long rsi, unsigned long rdx, unsigned int function,
		    unsigned long r8, unsigned long r9, void *run);

/* Signals a thread with a TCB never blocks for real (see tcb.vmask). */
#define EXEC_KSIG(s) (1ULL << ((s) - 1))
#define EXEC_VIRTUAL_SIGS                                                              \
	(EXEC_KSIG(SIGILL) | EXEC_KSIG(SIGTRAP) | EXEC_KSIG(SIGBUS) | EXEC_KSIG(SIGFPE) | \
	 EXEC_KSIG(SIGSEGV) | EXEC_KSIG(SIGSYS))

/*
 * rt_sigprocmask() of a thread with TCB @t, answered in the signal frame
 * @uc (sigreturn installs it): *@old gets the mask the program has, @set
 * (may be NULL) changes it as @how says; the emulator's signals stay open
 * for real.  Return: 0, or -EINVAL for a bad @how.
 */
int exec_sigprocmask(struct tcb *t, ucontext_t *uc, int how, const u64 *set, u64 *old);
/* A new TCB's thread: the emulator's signals it had blocked become
 * virtual (@frame_mask: a signal frame's mask, or NULL for the real one). */
void exec_adopt_mask(struct tcb *t, u64 *frame_mask);

/* Install @handler for @sig (raw rt_sigaction, our restorer, SA_ONSTACK). */
int exec_install(int sig, void (*handler)(int, siginfo_t *, void *), const sigset_t *mask,
		 int flags);

/* Applications' own signal dispositions, which sgxemu wraps (sig.c). */
int sig_action(int sig, const struct sigaction *act, struct sigaction *old);
/* Deliver a signal that arrived in host mode to the application. */
void sig_dispatch(int sig, siginfo_t *info, ucontext_t *uc, struct tcb *t);
/* Queue @sig with @info to this thread, blocked until the handler returns. */
void sig_requeue(struct tcb *t, int sig, const siginfo_t *info);
/*
 * A signal that came while exec_direct() enters an enclave: queued again
 * to this thread with @info, blocked in @uc (the frame it interrupted) and
 * recorded in t->held, for the entry to let in once in enclave mode.
 */
void sig_hold(struct tcb *t, int sig, const siginfo_t *info, ucontext_t *uc);
/* Record the disposition @sig had before the emulator took it over. */
void sig_adopt(int sig);
bool sig_is_ours(int sig);
/* In a child of fork(): what a thread that is gone left half written. */
void sig_fork_child(void);

#endif /* __ASSEMBLER__ */
#endif
