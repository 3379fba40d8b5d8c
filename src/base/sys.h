/* SPDX-License-Identifier: MIT */
/*
 * The system calls the emulator makes for itself, issued directly rather
 * than through the C library: the preload shim replaces the C library's
 * mmap, close, sigaction and friends for the program, and the emulator's
 * own calls must not come back to it.  Each returns 0 (or the result) or
 * -errno.
 */
#ifndef SGXEMU_BASE_SYS_H
#define SGXEMU_BASE_SYS_H

#include <sys/syscall.h>

#include "base/types.h"

/*
 * Where the emulator's system calls go when the preload shim's seccomp
 * filter is on: a gate at a fixed address that the filter lets through.
 * NULL otherwise (programs linked with libsgxemu have no filter).
 */
extern long (*sys_gate)(long nr, long a, long b, long c, long d, long e, long f);

static inline long sys_call6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	if (sys_gate)
		return sys_gate(nr, a, b, c, d, e, f);
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* mmap: the address, or a value in [-4095, -1] for -errno. */
static inline void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	return (void *)sys_call6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}

static inline bool sys_failed(const void *p)
{
	return (unsigned long)p > -4096UL;
}

static inline int sys_munmap(void *addr, size_t len)
{
	return (int)sys_call6(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}

static inline int sys_mprotect(void *addr, size_t len, int prot)
{
	return (int)sys_call6(SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}

static inline int sys_close(int fd)
{
	return (int)sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* The kernel's struct sigaction for rt_sigaction. */
struct sys_sigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	u64 mask;
};

static inline int sys_rt_sigaction(int sig, const struct sys_sigaction *act,
				   struct sys_sigaction *old)
{
	return (int)sys_call6(SYS_rt_sigaction, sig, (long)act, (long)old, 8, 0, 0);
}

static inline int sys_sigaltstack(const void *ss, void *old)
{
	return (int)sys_call6(SYS_sigaltstack, (long)ss, (long)old, 0, 0, 0, 0);
}

#endif
