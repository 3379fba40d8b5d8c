/* SPDX-License-Identifier: MIT */
/*
 * The emulated machine's memory, private to the process or shared with
 * the children of its fork()s.  An SGX machine is one per host, and Linux
 * keeps one enclave object whatever forks: a machine whose children are
 * to use its enclaves keeps its EPC, EPCM, driver and enclave objects in
 * shared memory, which fork() leaves at the same address in the child, so
 * that pointers between them stay true in both processes.  A pointer from
 * such an object into private memory (which fork() copies, also to the
 * same address) names each process's own copy: that is where per-process
 * state lives (a process's userfaultfd, its reclaimer thread, its view of
 * its mappings).
 */
#ifndef SGXEMU_BASE_SHM_H
#define SGXEMU_BASE_SHM_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/compiler.h"
#include "base/types.h"

/*
 * @len zeroed bytes, page-aligned, shared with children of fork() when
 * @shared, reserved rather than committed (the kernel provides each page
 * at its first touch).  Return: the memory, or NULL.
 */
void *shm_zalloc(size_t len, bool shared);
void shm_free(void *p, size_t len);

/*
 * A mutex for memory from shm_zalloc(): process-shared when @shared, so a
 * child's thread and its parent's exclude each other.  Return: 0 or -errno.
 */
int shm_mutex_init(pthread_mutex_t *m, bool shared) __must_check;
int shm_rwlock_init(pthread_rwlock_t *l, bool shared) __must_check;

/*
 * A lock for memory from shm_zalloc() that a process may die holding: the
 * word holds the holder's kernel thread id (a futex, shared between
 * processes), and a thread that waits on a holder that is gone (killed, or
 * a process that exited from another thread) takes the lock over.  Not the
 * C library's robust mutex: that relies on each thread's robust list and
 * cached id, which a child of the bare fork system call has neither of.
 * All zero is unlocked.
 */
struct shm_lock {
	_Atomic u32 owner;          /* kernel thread id of the holder, or 0 */
	_Atomic u32 waiters;
};

/*
 * Return: 0; 1 when the holder had died and the lock was taken over: what
 * it protected may be half done, and the caller makes it whole.
 */
int shm_lock(struct shm_lock *l);
/* Return: 0, or -EBUSY when another thread holds @l. */
int shm_trylock(struct shm_lock *l);
void shm_unlock(struct shm_lock *l);

/*
 * The same, recursive.  Recursion is decided by the kernel's thread id,
 * not the C library's: a child of the bare fork system call keeps the C
 * library's cached id of the thread that forked, which a thread of the
 * parent still has.
 */
struct shm_rlock {
	struct shm_lock lock;
	unsigned int depth;         /* written by the holder only */
};

int shm_rlock_lock(struct shm_rlock *l);
/* Return: 0; 1 when the holder had died and the lock was taken over (as
 * shm_lock()); -EBUSY while a live thread holds it.  Never waits. */
int shm_rlock_trylock(struct shm_rlock *l);
void shm_rlock_unlock(struct shm_rlock *l);

/* The calling thread's kernel id (async-signal-safe; a system call only
 * the first time, and in a child of fork() until it notices). */
int shm_self_tid(void);
/* Whether thread (or process) @tid still runs: alive and not a zombie. */
bool shm_tid_alive(int tid);
/* Whether process @pid has a mapping that starts at @addr: a child of
 * fork() that executed another program no longer has what it shared
 * (true as well when /proc does not say).  Async-signal-safe. */
bool shm_maps_at(int pid, const void *addr);
/* In a child of fork(): the forking thread's id is its own now. */
void shm_fork_child(void);

#endif
