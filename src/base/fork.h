/* SPDX-License-Identifier: MIT */
/*
 * Noticing that this process is a child of fork(), however the child was
 * made.  pthread_atfork() handlers run only for the C library's fork(); a
 * program that forks with the system call itself (syscall(SYS_fork), or
 * clone() with only SIGCHLD) runs none.  So a word lives in a page the
 * kernel zeroes in every child (MADV_WIPEONFORK, Linux 4.14), and the
 * emulator looks at it wherever a child could reach what it shares with
 * its parent: one load.
 */
#ifndef SGXEMU_BASE_FORK_H
#define SGXEMU_BASE_FORK_H

#include <stdatomic.h>

#include "base/compiler.h"
#include "base/types.h"

/* 1 in the process that armed it; 0 in a child that has not looked yet. */
extern _Atomic u32 *_Atomic fork_word;

/*
 * Arm the word and name what a child runs at its first look (at most one
 * @in_child per process; later calls keep the first).  Async-signal-safe
 * once armed.  Return: 0, or -errno when the kernel cannot wipe a page on
 * fork (then only the C library's fork() is noticed).
 */
int fork_watch(void (*in_child)(void)) __must_check;

void fork_noticed(void);

/* Whether this process is a child of a fork nobody has told us of yet. */
static inline bool fork_unnoticed(void)
{
	return !atomic_load_explicit(atomic_load_explicit(&fork_word, memory_order_relaxed),
				     memory_order_relaxed);
}

/* If so, run the @in_child of fork_watch() first. */
static inline void fork_check(void)
{
	if (unlikely(fork_unnoticed()))
		fork_noticed();
}

#endif
