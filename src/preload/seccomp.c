// SPDX-License-Identifier: MIT
/*
 * The seccomp path: system calls that bypass the C library.  A filter
 * traps (SIGSYS) exactly the calls that can concern an emulated device or
 * the emulator's signal handling, unless they come from the gate (see
 * gate.h), and answers them with the same code as the C library entry
 * points.  Everything else never reaches the filter's argument checks:
 * its decision for those depends only on the system call number, so the
 * kernel caches it and they run at full speed.
 *
 * Trapped always (no argument can tell): the open and stat families and
 * access() (a path may name a device node), munmap, mprotect and
 * pkey_mprotect (an address may be an enclave's), rt_sigaction and
 * sigaltstack, execve and execveat (the filter outlives the handler), and
 * close_range.  Trapped by argument: calls on descriptors in the device
 * range (ioctl, mmap, close, fstat, dup*, fcntl), ioctls of the SGX type,
 * rt_sigprocmask calls that can block signals (SIGSYS must stay open), and
 * arch_prctl calls that set FS or GS or read GS, unless they are the
 * emulator's (FSGS_MAGIC).
 */
#include <asm/prctl.h>
#include <dlfcn.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "base/build.h"
#include "base/compiler.h"
#include "base/parse.h"
#include "base/sys.h"
#include "cpu/exec/exec.h"
#include "drv/machine.h"
#include "preload/gate.h"
#include "preload/shim.h"
#include "sgxemu/sgxemu.h"

char shim_helper_path[4096], shim_self_path[4096], shim_preload[8192];

/* --- the filter -------------------------------------------------------- */

#define MAX_INSNS 128
#define MAX_FIXUPS 96

enum label {
	L_ALLOW,
	L_TRAP,
	L_CHECK_IP,
	L_FD0,
	L_FD01,
	L_MMAP,
	L_MREMAP,
	L_IOCTL,
	L_SIGMASK,
	L_CLONE,
	L_ENOSYS,
	L_PRCTL,
	L_PRCTL_BASE,
	NR_LABELS
};

struct fixup {
	unsigned int ins;
	enum label to;
	bool jt;
};

/* A small assembler for classic BPF: jumps go forward to labels. */
struct bpf {
	struct sock_filter ins[MAX_INSNS];
	unsigned int n;
	int at[NR_LABELS];
	struct fixup fix[MAX_FIXUPS];
	unsigned int nfix;
};

static void emit(struct bpf *b, u16 code, u32 k)
{
	if (b->n < MAX_INSNS)
		b->ins[b->n++] = (struct sock_filter)BPF_STMT(code, k);
}

static void label(struct bpf *b, enum label l)
{
	b->at[l] = (int)b->n;
}

/* if (A <op> k) goto @t else goto @f; a label of NR_LABELS falls through. */
static void jump(struct bpf *b, u16 op, u32 k, enum label t, enum label f)
{
	if (b->n >= MAX_INSNS || b->nfix + 2 > MAX_FIXUPS)
		return;
	if (t != NR_LABELS)
		b->fix[b->nfix++] = (struct fixup){ b->n, t, true };
	if (f != NR_LABELS)
		b->fix[b->nfix++] = (struct fixup){ b->n, f, false };
	b->ins[b->n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0);
}

static bool link_bpf(struct bpf *b)
{
	unsigned int i;

	if (b->n >= MAX_INSNS)
		return false;
	for (i = 0; i < b->nfix; i++) {
		int off = b->at[b->fix[i].to] - (int)b->fix[i].ins - 1;

		if (b->at[b->fix[i].to] < 0 || off < 0 || off > 255)
			return false;
		if (b->fix[i].jt)
			b->ins[b->fix[i].ins].jt = (u8)off;
		else
			b->ins[b->fix[i].ins].jf = (u8)off;
	}
	return true;
}

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)
#define IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define IP_HI (IP_LO + 4)

/* goto @in if argument @i is a device descriptor, else fall through.
 * (fd - FIRST) as unsigned is below the range's size only inside it. */
static void fd_test(struct bpf *b, int i, enum label in)
{
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(i));
	emit(b, BPF_ALU | BPF_SUB | BPF_K, GATE_FD_FIRST);
	jump(b, BPF_JGE, GATE_FD_END - GATE_FD_FIRST, NR_LABELS, in);
}

static bool build_filter(struct bpf *b, u64 gate_ip)
{
	static const u32 always[] = {
		SYS_open,	    SYS_openat,	      SYS_openat2,  SYS_stat,	  SYS_lstat,
		SYS_newfstatat,	    SYS_statx,	      SYS_access,   SYS_faccessat, SYS_faccessat2,
		SYS_execve,	    SYS_execveat,     SYS_rt_sigaction, SYS_sigaltstack,
		SYS_munmap,	    SYS_mprotect,     SYS_pkey_mprotect, SYS_close_range,
		SYS_fork,	    SYS_readlink,     SYS_readlinkat,
	};
	static const struct {
		u32 nr;
		enum label to;
	} by_arg[] = {
		{ SYS_fstat, L_FD0 },	{ SYS_close, L_FD0 },	  { SYS_dup, L_FD0 },
		{ SYS_fcntl, L_FD0 },	{ SYS_dup2, L_FD01 },	  { SYS_dup3, L_FD01 },
		{ SYS_mmap, L_MMAP },	{ SYS_ioctl, L_IOCTL },	  { SYS_rt_sigprocmask, L_SIGMASK },
		{ SYS_mremap, L_MREMAP }, { SYS_clone, L_CLONE }, { SYS_clone3, L_ENOSYS },
		{ SYS_arch_prctl, L_PRCTL },
	};
	size_t i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < NR_LABELS; i++)
		b->at[i] = -1;
	emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	jump(b, BPF_JEQ, AUDIT_ARCH_X86_64, NR_LABELS, L_ALLOW);
	emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (i = 0; i < ARRAY_SIZE(always); i++)
		jump(b, BPF_JEQ, always[i], L_CHECK_IP, NR_LABELS);
	for (i = 0; i < ARRAY_SIZE(by_arg); i++)
		jump(b, BPF_JEQ, by_arg[i].nr, by_arg[i].to, NR_LABELS);
	emit(b, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	label(b, L_FD0);
	fd_test(b, 0, L_CHECK_IP);
	emit(b, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	label(b, L_FD01);
	fd_test(b, 0, L_CHECK_IP);
	fd_test(b, 1, L_CHECK_IP);
	emit(b, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	/* A device's, and any MAP_FIXED one: it may replace enclave pages. */
	label(b, L_MMAP);
	fd_test(b, 4, L_CHECK_IP);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(3));
	emit(b, BPF_ALU | BPF_AND | BPF_K, MAP_FIXED);
	jump(b, BPF_JEQ, 0, L_ALLOW, L_CHECK_IP);

	/* mremap() to a place of the caller's choosing, for the same reason. */
	label(b, L_MREMAP);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(3));
	emit(b, BPF_ALU | BPF_AND | BPF_K, MREMAP_FIXED);
	jump(b, BPF_JEQ, 0, L_ALLOW, L_CHECK_IP);

	/*
	 * fork(), and a clone() that copies the memory on the same stack (the
	 * C library's fork), so the child's first act is to let go of its
	 * parent's enclaves; threads and vfork() share the memory and pass.
	 * clone3() hides its flags in memory, so it answers ENOSYS, as on a
	 * kernel before 5.3, and the C library falls back to clone().
	 */
	label(b, L_CLONE);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(0));
	emit(b, BPF_ALU | BPF_AND | BPF_K, CLONE_VM);
	jump(b, BPF_JEQ, 0, NR_LABELS, L_ALLOW);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(1));
	jump(b, BPF_JEQ, 0, NR_LABELS, L_ALLOW);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_HI(1));
	jump(b, BPF_JEQ, 0, L_CHECK_IP, L_ALLOW);

	label(b, L_ENOSYS);
	emit(b, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);

	/* Descriptors in the range, and every ioctl of type 0xA4 (SGX). */
	label(b, L_IOCTL);
	fd_test(b, 0, L_CHECK_IP);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(1));
	emit(b, BPF_ALU | BPF_AND | BPF_K, 0xFF00);
	jump(b, BPF_JEQ, 0xA400, L_CHECK_IP, L_ALLOW);

	/* Any change and any query: the program's mask is virtual where it
	 * blocks the emulator's signals. */
	label(b, L_SIGMASK);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(1));
	jump(b, BPF_JEQ, 0, NR_LABELS, L_CHECK_IP);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_HI(1));
	jump(b, BPF_JEQ, 0, NR_LABELS, L_CHECK_IP);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(2));
	jump(b, BPF_JEQ, 0, NR_LABELS, L_CHECK_IP);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_HI(2));
	jump(b, BPF_JEQ, 0, L_ALLOW, L_CHECK_IP);

	/* FS and GS base changes (and GS reads) keep the TCB's record of the
	 * bases true (cpu/exec/fsgs.c): the program's trap, the emulator's
	 * carry FSGS_MAGIC in the third argument. */
	label(b, L_PRCTL);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(0));
	jump(b, BPF_JEQ, ARCH_SET_FS, L_PRCTL_BASE, NR_LABELS);
	jump(b, BPF_JEQ, ARCH_SET_GS, L_PRCTL_BASE, NR_LABELS);
	jump(b, BPF_JEQ, ARCH_GET_GS, L_PRCTL_BASE, L_ALLOW);
	label(b, L_PRCTL_BASE);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_LO(2));
	jump(b, BPF_JEQ, (u32)FSGS_MAGIC, NR_LABELS, L_CHECK_IP);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)ARG_HI(2));
	jump(b, BPF_JEQ, (u32)(FSGS_MAGIC >> 32), L_ALLOW, L_CHECK_IP);

	/* The gate's own instruction passes; anything else traps. */
	label(b, L_CHECK_IP);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)IP_LO);
	jump(b, BPF_JEQ, (u32)gate_ip, NR_LABELS, L_TRAP);
	emit(b, BPF_LD | BPF_W | BPF_ABS, (u32)IP_HI);
	jump(b, BPF_JEQ, (u32)(gate_ip >> 32), L_ALLOW, L_TRAP);
	label(b, L_TRAP);
	emit(b, BPF_RET | BPF_K, SECCOMP_RET_TRAP | GATE_TRAP_TAG);
	/* Last, so that every jump to it is forward, as BPF requires. */
	label(b, L_ALLOW);
	emit(b, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return link_bpf(b);
}

/* --- trapped calls ------------------------------------------------------- */

/* The kernel's struct sigaction, as rt_sigaction() takes it. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	u64 mask;
};

/* This process's id, to tell a vfork()ed child (posix_spawn(), system())
 * that shares our memory from us. */
static pid_t shim_pid;

static void refresh_pid(void)
{
	shim_pid = (pid_t)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

static long do_rt_sigaction(int sig, const struct ksigaction *ukact, struct ksigaction *ukold,
			    unsigned long size)
{
	struct ksigaction kact_, kold_, *kact = NULL, *kold = ukold ? &kold_ : NULL;
	struct sigaction act, old;
	int s, err;

	if (size != sizeof(u64))
		return -EINVAL;
	if ((pid_t)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0) != shim_pid) {
		/* A child about to execve() resets its handlers: leave our
		 * records (its parent's) alone, and SIGSYS ours. */
		if (sig != SIGSYS)
			return sys_call6(SYS_rt_sigaction, sig, (long)ukact, (long)ukold, (long)size,
					 0, 0);
		memset(&kold_, 0, sizeof(kold_));
		return ukold ? rl_copy_to(ukold, &kold_, sizeof(kold_)) : 0;
	}
	if (ukact) {
		if (rl_copy_from(&kact_, ukact, sizeof(kact_)) != sizeof(kact_))
			return -EFAULT;
		kact = &kact_;
	}
	if (kact) {
		memset(&act, 0, sizeof(act));
		act.sa_sigaction = (void (*)(int, siginfo_t *, void *))kact->handler;
		act.sa_flags = (int)kact->flags;
		sigemptyset(&act.sa_mask);
		for (s = 1; s <= 64; s++)
			if (kact->mask & (1ULL << (s - 1)))
				sigaddset(&act.sa_mask, s);
	}
	err = sgxemu_sigaction(sig, kact ? &act : NULL, kold ? &old : NULL);
	if (err)
		return err;
	if (kold) {
		memset(kold, 0, sizeof(*kold));
		kold->handler = (void *)old.sa_sigaction;
		kold->flags = (unsigned long)old.sa_flags;
		for (s = 1; s <= 64; s++)
			if (sigismember(&old.sa_mask, s))
				kold->mask |= 1ULL << (s - 1);
		return rl_copy_to(ukold, kold, sizeof(*kold));
	}
	return 0;
}

/* sigaltstack() of a thread with a TCB: the program's stack is virtual. */
static long do_sigaltstack(struct tcb *t, const stack_t *uss, stack_t *uold)
{
	stack_t ss, old;
	long err;

	if (uss && rl_copy_from(&ss, uss, sizeof(ss)) != sizeof(ss))
		return -EFAULT;
	err = tcb_sigaltstack(t, uss ? &ss : NULL, uold ? &old : NULL);
	if (!err && uold)
		err = rl_copy_to(uold, &old, sizeof(old));
	return err;
}

/* rt_sigprocmask() of a thread with a TCB: the emulator's signals are
 * blocked only as far as the program sees. */
static long do_sigprocmask(struct tcb *t, ucontext_t *uc, int how, const u64 *uset, u64 *uold,
			   unsigned long size)
{
	u64 set, old;
	long err;

	if (size != sizeof(u64))
		return -EINVAL;
	if (uset && rl_copy_from(&set, uset, sizeof(set)) != sizeof(set))
		return -EFAULT;
	err = exec_sigprocmask(t, uc, how, uset ? &set : NULL, &old);
	if (!err && uold)
		err = rl_copy_to(uold, &old, sizeof(old));
	return err;
}

static long do_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
	unsigned int fd;
	long r;

	/* Around the machine's connection (see shim_close()). */
	for (fd = first; fd <= last && fd < 4096; fd++) {
		if (!machine_owns_fd((int)fd))
			continue;
		r = fd > first ? do_close_range(first, fd - 1, flags) : 0;
		return r || fd == last ? r : do_close_range(fd + 1, last, flags);
	}
	r = sys_call6(SYS_close_range, first, last, flags, 0, 0, 0);

	if (r || (flags & CLOSE_RANGE_CLOEXEC))
		return r;
	/* (libsgxemu keeps device files below 4096.) */
	for (fd = first; fd <= last && fd < 4096; fd++)
		sgxemu_forget_fd((int)fd);
	return 0;
}

static long do_pkey_mprotect(void *addr, size_t len, int prot, int pkey)
{
	long r = shim_mprotect(addr, len, prot);

	/* Outside enclaves, the kernel's call with the key. */
	if (!r && pkey != -1)
		r = sys_call6(SYS_pkey_mprotect, (long)addr, (long)len, prot, pkey, 0, 0);
	return r;
}

static long do_arch_prctl(struct tcb *t, int code, u64 arg)
{
	u64 v;
	long err = fsgs_arch_prctl(t, code, arg, &v);

	if (!err && code == ARCH_GET_GS)
		err = rl_copy_to((void *)(uintptr_t)arg, &v, sizeof(v));
	return err;
}

/* A trapped call, answered as the kernel would with the emulated devices. */
static long answer(long nr, greg_t *g, ucontext_t *uc, struct tcb *t)
{
	long a = g[REG_RDI], b = g[REG_RSI], c = g[REG_RDX], d = g[REG_R10], e = g[REG_R8],
	     f = g[REG_R9];

	switch (nr) {
	case SYS_open:
		return shim_openat(AT_FDCWD, (const char *)a, (int)b, (mode_t)c);
	case SYS_openat:
		return shim_openat((int)a, (const char *)b, (int)c, (mode_t)d);
	case SYS_openat2: {
		struct open_how how;

		if ((size_t)d < sizeof(how))
			return -EINVAL;
		if (rl_copy_from(&how, (const void *)c, sizeof(how)) != sizeof(how))
			return -EFAULT;
		if (how.resolve || how.flags >> 32)
			return sys_call6(nr, a, b, c, d, 0, 0);
		return shim_openat((int)a, (const char *)b, (int)how.flags, (mode_t)how.mode);
	}
	case SYS_stat:
		return shim_fstatat(AT_FDCWD, (const char *)a, (struct stat *)b, 0);
	case SYS_lstat:
		return shim_fstatat(AT_FDCWD, (const char *)a, (struct stat *)b, AT_SYMLINK_NOFOLLOW);
	case SYS_newfstatat:
		return shim_fstatat((int)a, (const char *)b, (struct stat *)c, (int)d);
	case SYS_fstat:
		return shim_fstat((int)a, (struct stat *)b);
	case SYS_statx:
		return shim_statx((int)a, (const char *)b, (int)c, (unsigned int)d, (struct statx *)e);
	case SYS_readlink:
		return shim_readlinkat(AT_FDCWD, (const char *)a, (char *)b, (size_t)c);
	case SYS_readlinkat:
		return shim_readlinkat((int)a, (const char *)b, (char *)c, (size_t)d);
	case SYS_access:
		return shim_faccessat(AT_FDCWD, (const char *)a, (int)b, 0, SYS_faccessat);
	case SYS_faccessat:
	case SYS_faccessat2:
		return shim_faccessat((int)a, (const char *)b, (int)c, (int)d, nr);
	case SYS_ioctl:
		return shim_ioctl((int)a, (unsigned long)b, (unsigned long)c);
	case SYS_mmap:
		return shim_mmap((void *)a, (size_t)b, (int)c, (int)d, (int)e, f);
	case SYS_mremap: {
		long r = sys_call6(nr, a, b, c, d, e, f);

		if (!sys_failed((void *)r))
			sgxemu_forget_range((void *)r, (size_t)c);
		return r;
	}
	case SYS_fork:
	case SYS_clone: {
		/* The child is a copy of this handler: it goes on from here. */
		long r = sys_call6(nr, a, b, c, d, e, f);

		if (!r) {
			refresh_pid();
			sgxemu_after_fork();
		}
		return r;
	}
	case SYS_munmap:
		return shim_munmap((void *)a, (size_t)b);
	case SYS_mprotect:
		return shim_mprotect((void *)a, (size_t)b, (int)c);
	case SYS_pkey_mprotect:
		return do_pkey_mprotect((void *)a, (size_t)b, (int)c, (int)d);
	case SYS_close:
		return shim_close((int)a);
	case SYS_close_range:
		return do_close_range((unsigned int)a, (unsigned int)b, (unsigned int)c);
	case SYS_dup:
		return shim_dup((int)a);
	case SYS_dup2:
		if (a == b)
			return sys_call6(SYS_fcntl, a, F_GETFD, 0, 0, 0, 0) < 0 ? -EBADF : b;
		return shim_dup3((int)a, (int)b, 0);
	case SYS_dup3:
		return shim_dup3((int)a, (int)b, (int)c);
	case SYS_fcntl:
		return shim_fcntl((int)a, (int)b, c);
	case SYS_rt_sigaction:
		return do_rt_sigaction((int)a, (const struct ksigaction *)b, (struct ksigaction *)c,
				       (unsigned long)d);
	case SYS_sigaltstack:
		/* The thread gets its TCB at its first sigaltstack (unless
		 * this handler runs on a sigaltstack already): from then on
		 * its real one is the emulator's, which sigreturn installs,
		 * and the program's is recorded.  A raw ENCLU next finds it. */
		if (!t && !(uc->uc_stack.ss_flags & SS_ONSTACK))
			t = tcb_current_in_handler(uc);
		if (t)
			return do_sigaltstack(t, (const stack_t *)a, (stack_t *)b);
		return relaunch_sigaltstack(uc, (const stack_t *)a, (stack_t *)b);
	case SYS_rt_sigprocmask:
		return t ? do_sigprocmask(t, uc, (int)a, (const u64 *)b, (u64 *)c, (unsigned long)d) :
			   relaunch_sigprocmask(uc, (int)a, (const uint64_t *)b, (uint64_t *)c,
						(unsigned long)d);
	case SYS_execve:
		/* A runtime that re-executes itself through /proc/self/exe. */
		if (shim_exe_alias((const char *)a))
			a = (long)shim_exe_path;
		return relaunch_execveat(uc, shim_helper_path, shim_preload, AT_FDCWD,
					 (const char *)a, (char *const *)b, (char *const *)c, 0);
	case SYS_execveat:
		if (shim_exe_alias((const char *)b))
			b = (long)shim_exe_path;
		return relaunch_execveat(uc, shim_helper_path, shim_preload, (int)a, (const char *)b,
					 (char *const *)c, (char *const *)d, (int)e);
	default:
		return sys_call6(nr, a, b, c, d, e, f);
	}
}

static bool on_sigsys(siginfo_t *info, ucontext_t *uc, struct tcb *t, bool own)
{
	greg_t *g = uc->uc_mcontext.gregs;
	long nr = info->si_syscall;

	if (info->si_code != 1 /* SYS_SECCOMP */ || info->si_errno != GATE_TRAP_TAG)
		return false;
	/* The bases are the emulator's to track, in enclave mode too (its
	 * own calls carry FSGS_MAGIC and never trap). */
	if (nr == SYS_arch_prctl) {
		g[REG_RAX] = do_arch_prctl(t, (int)g[REG_RDI], (u64)g[REG_RSI]);
		return true;
	}
	/* What the frame holds must be answered from the frame, always. */
	if (nr == SYS_rt_sigprocmask || (nr == SYS_sigaltstack && !t) || nr == SYS_execve ||
	    nr == SYS_execveat) {
		g[REG_RAX] = answer(nr, g, uc, t);
		return true;
	}
	/* Our own calls, and an enclave's (SGX forbids them; Syscall User
	 * Dispatch makes them #UD where the kernel has it), go to the kernel
	 * as they are. */
	if (shim_depth || own) {
		g[REG_RAX] = sys_call6(nr, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8],
				       g[REG_R9]);
		return true;
	}
	shim_depth++;
	g[REG_RAX] = answer(nr, g, uc, t);
	shim_depth--;
	return true;
}

/* --- setup --------------------------------------------------------------- */

static void paths(void)
{
	Dl_info dl;
	char *slash;

	if (!dladdr((void *)paths, &dl) || !dl.dli_fname ||
	    !realpath(dl.dli_fname, shim_self_path))
		return;
	snprintf(shim_helper_path, sizeof(shim_helper_path), "%s", shim_self_path);
	/* What LD_PRELOAD needs for a program this one executes. */
	snprintf(shim_preload, sizeof(shim_preload), "%s%s%s", SGXEMU_SANITIZER_RUNTIME,
		 *SGXEMU_SANITIZER_RUNTIME ? ":" : "", shim_self_path);
	slash = strrchr(shim_helper_path, '/');
	if (slash && (size_t)(slash + 1 - shim_helper_path) + sizeof(GATE_HELPER) <=
			     sizeof(shim_helper_path))
		memcpy(slash + 1, GATE_HELPER, sizeof(GATE_HELPER));
}

static void off(const char *why)
{
	fprintf(stderr,
		"sgxemu: raw system calls will not be seen (%s); only C library calls reach "
		"the emulated devices\n",
		why);
}

static bool gate_ok, gate_inherited;

/* A gate an earlier program of this process left, with its filter. */
static bool gate_left(void)
{
	void *page = sys_mmap((void *)GATE_ADDR, GATE_SIZE, PROT_READ,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (!sys_failed(page)) {
		sys_munmap(page, GATE_SIZE);
		return false;
	}
	/* The helper maps it before the filter's traps can reach us. */
	return (long)page == -EEXIST &&
	       *(const volatile u64 *)(GATE_ADDR + GATE_MAGIC_OFF) == GATE_MAGIC;
}

static void use_gate(bool inherited)
{
	gate_inherited = inherited;
	sys_gate = gate();
	gate_ok = true;
}

static void gate_init(void)
{
	void *page;

	/* Until the filter is on, the program's own FS and GS changes are
	 * not seen: the emulator switches GS exactly. */
	fsgs_exact = true;
	/* Its filter traps our calls whatever SGXEMU_SECCOMP says now. */
	if (sys_gate || gate_left()) {
		use_gate(true);
		paths();
		return;
	}
	if (!parse_env_bool("SGXEMU_SECCOMP", true))
		return;
	paths();
	if (sys_call6(SYS_faccessat, AT_FDCWD, (long)shim_helper_path, X_OK, 0, 0, 0)) {
		off("no " GATE_HELPER " next to the shim, so programs could not execute others");
		return;
	}
	page = sys_mmap((void *)GATE_ADDR, GATE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (sys_failed(page)) {
		off("the gate's address is taken");
		return;
	}
	memcpy(page, gate_page, GATE_SIZE);
	sys_mprotect(page, GATE_SIZE, PROT_READ | PROT_EXEC);
	use_gate(false);
}

/**
 * shim_gate_init() - route the emulator's own system calls through the gate.
 *
 * Maps the gate, or finds the one an earlier program of this process left
 * with its filter.  In that case the filter already traps this program's
 * calls (the exec helper's pass-through handler answers them until ours is
 * in place), so this comes before anything else the shim does: every call
 * the emulator makes from here on passes.  SGXEMU_SECCOMP=off skips it.
 * Once per process, from the shim's constructor or from the first of its
 * entry points that a library loaded before it calls.  A sanitizer's
 * runtime does so before the C library has even set up the environment:
 * then only an inherited gate is taken, and the rest waits.
 */
void shim_gate_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (!environ) {
		if (!sys_gate && gate_left())
			use_gate(true);
		return;
	}
	pthread_once(&once, gate_init);
}

/**
 * shim_seccomp_init() - see raw system calls from now on.
 *
 * After shim_gate_init() and the emulator's handlers: takes SIGSYS, and
 * installs the filter if there was none.
 */
void shim_seccomp_init(void)
{
	u64 gate_ip = GATE_ADDR + (u64)(gate_syscall_end - gate_page);
	struct sock_fprog prog;
	static struct bpf b;
	int err;

	if (!gate_ok)
		return;
	refresh_pid();
	pthread_atfork(NULL, NULL, refresh_pid);
	sgxemu_set_fd_floor(GATE_FD_FIRST);
	err = exec_set_syscall_hook(on_sigsys);
	if (err) {
		off(strerror(-err));
		return;
	}
	if (gate_inherited) {
		fsgs_exact = false;
		return;
	}
	if (!build_filter(&b, gate_ip)) {
		off("the filter does not assemble");
		return;
	}
	prog.len = (unsigned short)b.n;
	prog.filter = b.ins;
	err = (int)sys_call6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
	if (!err)
		err = (int)sys_call6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
				     (long)&prog, 0, 0, 0);
	if (err)
		off(strerror(err < 0 ? -err : EINVAL));
	else
		fsgs_exact = false;
}
