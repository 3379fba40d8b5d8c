// SPDX-License-Identifier: MIT
/*
 * The process's enclave mappings: one index of every ELRANGE this process
 * has, whichever driver (host or VM) the enclave belongs to.  Linux finds
 * an enclave from an address through the mm's VMAs; here the page walk,
 * the fault hooks, mprotect(), munmap() and mmap() over an ELRANGE all go
 * through this index.  It is the process's, as an mm is.
 *
 * Readers (page walks and faults, often in signal handlers) take no lock:
 * they announce themselves in @readers for the duration, and mm_remove()
 * returns only once every reader that may have seen the enclave has left,
 * so an enclave's memory is never freed under a reader.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "base/shm.h"
#include "base/sys.h"
#include "drv/encl.h"

#define MM_MAX 4096
#define MM_MAX_DRVS 64

static struct {
	/* Writers (mm_add, mm_remove) serialise on @lock; readers do not. */
	pthread_mutex_t lock;
	_Atomic(struct encl *) encls[MM_MAX];
	atomic_uint used;           /* slots [0, used) may be occupied */
	atomic_uint readers;        /* lookups in progress */
	atomic_uint waiting;        /* a remover sleeps on @readers */
	/* Every driver of the process, for fork (protected by @lock). */
	struct drv *drvs[MM_MAX_DRVS];
} mm = { .lock = PTHREAD_MUTEX_INITIALIZER };

void mm_add_drv(struct drv *drv)
{
	unsigned int i;

	pthread_mutex_lock(&mm.lock);
	for (i = 0; i < MM_MAX_DRVS && mm.drvs[i]; i++)
		;
	if (i < MM_MAX_DRVS)
		mm.drvs[i] = drv;
	pthread_mutex_unlock(&mm.lock);
}

void mm_remove_drv(struct drv *drv)
{
	unsigned int i;

	pthread_mutex_lock(&mm.lock);
	for (i = 0; i < MM_MAX_DRVS; i++)
		if (mm.drvs[i] == drv)
			mm.drvs[i] = NULL;
	pthread_mutex_unlock(&mm.lock);
}

/**
 * drv_fork_child() - what a child of fork() inherits, made safe for both.
 *
 * On a machine whose memory children of fork() share (fork_shared), the
 * child joins each enclave it inherited, as Linux shares the enclave
 * object: both processes use it, page it, and the last to let go tears
 * it down.  Otherwise the child has copies of the drivers, sharing the
 * enclaves' memory files with the parent; used from the child, they would
 * evict, punch and write the parent's pages and wait for threads the child
 * does not have.  So the child lets go of every enclave it inherited: its
 * mappings of them become inaccessible (a touch is the fault Linux gives
 * where a page cannot be used), the page walk and the reclaimer no longer
 * see them, and their files refuse further work.  Enclaves the child
 * makes itself are its own.  Locks other threads of the parent held in
 * private memory are made anew: those threads do not exist here.
 *
 * Context: the child, right after fork(), before it runs anything else
 * (the shim calls it from the trapped fork; libsgxemu from pthread_atfork).
 * No allocation.
 */
void drv_fork_child(void)
{
	unsigned int i, n = atomic_load(&mm.used), used = 0;

	shm_fork_child();
	paging_fork_child();
	pthread_mutex_init(&mm.lock, NULL);
	atomic_store(&mm.readers, 0);
	atomic_store(&mm.waiting, 0);
	/* The drivers' own parts first: a joined enclave registers with the
	 * child's userfaultfd. */
	for (i = 0; i < MM_MAX_DRVS; i++)
		if (mm.drvs[i])
			drv_fork_reset(mm.drvs[i]);
	for (i = 0; i < n; i++) {
		struct encl *e = atomic_load(&mm.encls[i]);

		if (!e)
			continue;
		if (encl_fork_join(e)) {
			used = i + 1;
			continue;
		}
		atomic_store(&mm.encls[i], NULL);
		encl_fork_detach(e);
		drv_fork_forget(e->drv, e);
	}
	atomic_store(&mm.used, used);
}

void drv_fork_settled(void)
{
	unsigned int i, k;

	for (i = 0; i < MM_MAX_DRVS; i++) {
		struct drv *drv = mm.drvs[i];

		for (k = 0; drv && k < DRV_MAX_ENCLAVES; k++) {
			if (atomic_load(&drv->proc->encls[k])) {
				paging_start(drv);
				break;
			}
		}
	}
}

void mm_read_enter(void)
{
	atomic_fetch_add(&mm.readers, 1);
}

void mm_read_exit(void)
{
	if (atomic_fetch_sub(&mm.readers, 1) == 1 && atomic_load(&mm.waiting))
		sys_call6(SYS_futex, (long)&mm.readers, FUTEX_WAKE_PRIVATE, 1 << 30, 0, 0, 0);
}

int mm_add(struct encl *encl)
{
	unsigned int i, used;
	int err = -ENOSPC;

	pthread_mutex_lock(&mm.lock);
	used = atomic_load(&mm.used);
	for (i = 0; i < MM_MAX; i++) {
		struct encl *none = NULL;

		if (atomic_compare_exchange_strong(&mm.encls[i], &none, encl)) {
			if (i >= used)
				atomic_store(&mm.used, i + 1);
			err = 0;
			break;
		}
	}
	pthread_mutex_unlock(&mm.lock);
	return err;
}

void mm_remove(struct encl *encl)
{
	unsigned int i, n;

	pthread_mutex_lock(&mm.lock);
	n = atomic_load(&mm.used);
	for (i = 0; i < n; i++) {
		struct encl *e = encl;

		atomic_compare_exchange_strong(&mm.encls[i], &e, NULL);
	}
	/* Wait until no lookup that could have found @encl is running. */
	atomic_fetch_add(&mm.waiting, 1);
	for (;;) {
		unsigned int r = atomic_load(&mm.readers);

		if (!r)
			break;
		sys_call6(SYS_futex, (long)&mm.readers, FUTEX_WAIT_PRIVATE, r, 0, 0, 0);
	}
	atomic_fetch_sub(&mm.waiting, 1);
	pthread_mutex_unlock(&mm.lock);
}

struct encl *mm_find(u64 la)
{
	unsigned int i, n = atomic_load(&mm.used);

	for (i = 0; i < n; i++) {
		struct encl *e = atomic_load(&mm.encls[i]);

		if (e && la >= e->base && la - e->base < e->size)
			return e;
	}
	return NULL;
}

struct encl *mm_first(u64 start, u64 end)
{
	struct encl *best = NULL;
	unsigned int i, n = atomic_load(&mm.used);

	for (i = 0; i < n; i++) {
		struct encl *e = atomic_load(&mm.encls[i]);

		if (e && e->base < end && e->base + e->size > start &&
		    (!best || e->base < best->base))
			best = e;
	}
	return best;
}

struct encl *mm_find_drv(struct drv *drv, u64 la)
{
	struct encl *e = mm_find(la);

	return e && e->drv == drv ? e : NULL;
}
