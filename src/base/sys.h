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

/*
 * An event count, for waiting on a condition instead of sleeping for a
 * while: a waiter reads sys_event_seq(), looks for what it wants, and if it
 * is not there sleeps in sys_event_wait() until sys_event_signal(), which
 * follows the change it looks for.  The count moves on after the change and
 * the waiter reads it before looking; the waiter registers before the futex
 * compares and the signaller looks for waiters after the count moved: so
 * either the waiter sees the change, or the futex sees the new count, or
 * the signaller sees the waiter and wakes it.  The signaller makes a system
 * call only when somebody sleeps.  Atomics and shared futexes only:
 * async-signal-safe, and usable in memory other processes map.
 */
struct sys_event {
	_Atomic u32 seq;        /* the futex word */
	_Atomic u32 waiters;
};

static inline u32 sys_event_seq(struct sys_event *e)
{
	return atomic_load(&e->seq);
}

/* Sleep until the count moves on from @seen, or @ms milliseconds. */
static inline void sys_event_wait(struct sys_event *e, u32 seen, int ms)
{
	atomic_fetch_add(&e->waiters, 1);
	sys_futex_wait(&e->seq, seen, ms);
	atomic_fetch_sub(&e->waiters, 1);
}

static inline void sys_event_signal(struct sys_event *e)
{
	atomic_fetch_add(&e->seq, 1);
	if (atomic_load(&e->waiters))
		sys_futex_wake(&e->seq);
}

#endif
