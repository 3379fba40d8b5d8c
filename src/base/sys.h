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

#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

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

/*
 * Sleep while *@word is @seen, for @ms milliseconds at most, or until
 * sys_futex_wake() on it.  Shared futexes (no FUTEX_PRIVATE_FLAG): the word
 * may be in memory that other processes map.  Async-signal-safe.
 */
static inline void sys_futex_wait(_Atomic u32 *word, u32 seen, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	sys_call6(SYS_futex, (long)word, FUTEX_WAIT, seen, (long)&ts, 0, 0);
}

/* Wake every thread sleeping in sys_futex_wait() on @word. */
static inline void sys_futex_wake(_Atomic u32 *word)
{
	sys_call6(SYS_futex, (long)word, FUTEX_WAKE, INT_MAX, 0, 0, 0);
}

#endif
