// SPDX-License-Identifier: MIT
/* The driver object: EPC page allocation and the page tables the processor walks. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fork.h"
#include "base/log.h"
#include "base/shm.h"
#include "base/sys.h"
#include "drv/encl.h"
#include "drv/machine.h"

/* A leaf inside the enclave changed the EPCM entry of the page at @la. */
static void drv_update(void *ctx, u64 la)
{
	struct encl *e;

	mm_read_enter();
	e = mm_find_drv(ctx, la);
	if (e)
		encl_sync_prot_parked(e, (la - e->base) / SGX_PAGE_SIZE);
	mm_read_exit();
}

/* A thread is about to enter one of @ctx's enclaves: this process's
 * mappings first take in what a sharer restricted. */
static void drv_entering(void *ctx)
{
	struct drv *drv = ctx;
	u32 changes = atomic_load(&drv->prot_changes);
	struct encl *e;

	if (changes == atomic_load_explicit(&drv->proc->prot_changes_seen, memory_order_relaxed))
		return;
	/* Each of this process's enclaves of the driver, whose count it is
	 * (through the ELRANGE index, which keeps them while we look). */
	mm_read_enter();
	for (e = mm_first(0, ~0ULL); e; e = mm_first(e->base + e->size, ~0ULL))
		if (e->drv == drv && atomic_load(&e->prot_seq) != atomic_load(&e->proc->prot_seen))
			encl_prot_catch_up(e);
	mm_read_exit();
	atomic_store(&drv->proc->prot_changes_seen, changes);
}

/* The driver's memory: shared with children of fork() when its platform
 * is (base/shm.h). */
static bool drv_shared(const struct platform *plat)
{
	return platform_config(plat)->fork_shared;
}

/* An evictor died holding the enclave whose SECS is @secs: whoever takes
 * its lock over makes whole what it left, the hold included. */
static void drv_evictor_died(void *ctx, void *secs)
{
	struct drv *drv = ctx;
	unsigned int i;

	for (i = 0; i < DRV_MAX_ENCLAVES; i++) {
		struct encl *e = atomic_load(&drv->proc->encls[i]);

		if (e && e->secs == secs) {
			encl_lock(e);
			encl_unlock(e);
			return;
		}
	}
	/* Not an enclave this process can reach: its threads go on. */
	platform_evict_release(drv->plat, secs);
}

int drv_create(struct platform *plat, struct drv **out)
{
	struct platform_mmu mmu;
	struct drv *drv;
	u64 i, n = platform_epc_pages(plat);
	int err;

	drv = shm_zalloc(sizeof(*drv), drv_shared(plat));
	if (!drv)
		return -ENOMEM;
	drv->plat = plat;
	/* mmap, not malloc, as the shared part it hangs off: a leak checker
	 * looks for pointers to heap blocks in the heap, not there. */
	drv->proc = shm_zalloc(sizeof(*drv->proc), false);
	drv->free = shm_zalloc(n * sizeof(*drv->free), drv_shared(plat));
	drv->alloc_tid = shm_zalloc(n * sizeof(*drv->alloc_tid), drv_shared(plat));
	drv->vas = shm_zalloc(n * sizeof(*drv->vas), drv_shared(plat));
	if (!drv->proc || !drv->free || !drv->alloc_tid || !drv->vas) {
		err = -ENOMEM;
		goto err_free;
	}
	drv->proc->uffd = -1;
	drv->proc->wake_fd = -1;
	/* Lowest index on top, so allocation order is predictable in tests. */
	for (i = 0; i < n; i++)
		drv->free[i] = n - 1 - i;
	drv->nr_free = n;
	err = launch_init(&drv->launch, platform_config(plat)->nr_lps, drv_shared(plat));
	if (err)
		goto err_free;
	/* Linux's SGX_NR_LOW_PAGES and SGX_NR_HIGH_PAGES, for small EPCs a
	 * fraction of them. */
	drv->low_pages = n / 8 < 32 ? n / 8 : 32;
	drv->high_pages = n / 4 < 64 ? n / 4 : 64;
	mmu.walk = drv_walk;
	mmu.fault = paging_fault;
	mmu.pin = paging_pin;
	mmu.unpin = paging_unpin;
	mmu.update = drv_update;
	mmu.entering = drv_entering;
	mmu.evictor_died = drv_evictor_died;
	mmu.ctx = drv;
	err = platform_set_mmu(plat, &mmu);
	if (err) {
		drv_destroy(drv);
		return err;
	}
	mm_add_drv(drv);
	*out = drv;
	return 0;

err_free:
	shm_free(drv->proc, sizeof(*drv->proc));
	shm_free(drv->free, n * sizeof(*drv->free));
	shm_free(drv->alloc_tid, n * sizeof(*drv->alloc_tid));
	shm_free(drv->vas, n * sizeof(*drv->vas));
	shm_free(drv, sizeof(*drv));
	return err;
}

/* A lock the parent's other threads may have held: none of them is here.
 * (A private driver's memory is the child's copy.) */
static void reinit_lock(pthread_mutex_t *m)
{
	(void)!shm_mutex_init(m, false);
}

/* The EPC page @epc held for the parent: a private driver's child may use
 * it (its machine is a copy); a machine's page stays the parent's. */
static void forget(struct drv *drv, void *epc)
{
	if (epc && !platform_epc_forget(drv->plat, epc) && !drv->mach) {
		drv->free[drv->nr_free++] = (u64)platform_epc_index(drv->plat, epc);
		paging_note_free(drv, drv->nr_free);
	}
}

void drv_fork_reset(struct drv *drv)
{
	unsigned int i;

	/* The parent's reclaimer thread is not ours, nor its userfaultfd
	 * (which names the parent's memory). */
	if (drv->proc->uffd >= 0)
		sys_close(drv->proc->uffd);
	if (drv->proc->wake_fd >= 0)
		sys_close(drv->proc->wake_fd);
	drv->proc->uffd = -1;
	atomic_store(&drv->proc->uffd_ready, false);
	drv->proc->wake_fd = -1;
	drv->proc->reclaimer_running = false;
	atomic_store(&drv->proc->stop, false);
	atomic_store(&drv->proc->reclaim_kicked, false);
	if (drv_shared(drv->plat)) {
		/* The machine is the parent's too, its locks held by its live
		 * threads: the child is one more user of it (and of the host
		 * machine's slot, if it is a client of one). */
		platform_fork_join(drv->plat);
		if (drv->mach)
			machine_fork_share(drv->mach);
		return;
	}
	memset(&drv->lock, 0, sizeof(drv->lock));
	memset(&drv->va_lock, 0, sizeof(drv->va_lock));
	memset(&drv->reclaim_lock, 0, sizeof(drv->reclaim_lock));
	memset(&drv->history_lock, 0, sizeof(drv->history_lock));
	for (i = 0; i < drv->launch.nr_lps; i++)
		reinit_lock(&drv->launch.lps[i].lock);
	if (drv->mach)
		machine_fork_child(drv->mach);
	paging_fork_reset(drv);
}

void drv_fork_forget(struct drv *drv, struct encl *e)
{
	u64 k, pg;

	drv_remove_encl(drv, e);
	if (drv_shared(drv->plat))
		return;
	/* A private machine is the child's copy: the parent's enclave's EPC
	 * pages are the child's to use. */
	if (e->pages) {
		for_each_live_page(e, k, pg)
			forget(drv, (void *)(uintptr_t)atomic_exchange(&e->pages[pg].epc, 0));
	}
	forget(drv, e->secs);
	e->secs = NULL;
}

void drv_destroy(struct drv *drv)
{
	bool others;

	if (!drv)
		return;
	/* A child of a bare fork has the parent's reclaimer to join and the
	 * parent's pages to give back until it lets go of them. */
	fork_check();
	/* Another process sharing the machine (fork_shared) keeps using what
	 * is shared: this one lets go of its own part and its mappings. */
	others = platform_shared_with_others(drv->plat);
	mm_remove_drv(drv);
	paging_destroy(drv, !others);
	launch_destroy(&drv->launch);
	machine_detach(drv->mach);
	shm_free(drv->proc, sizeof(*drv->proc));
	shm_free(drv->free, platform_epc_pages(drv->plat) * sizeof(*drv->free));
	shm_free(drv->alloc_tid, platform_epc_pages(drv->plat) * sizeof(*drv->alloc_tid));
	shm_free(drv->vas, platform_epc_pages(drv->plat) * sizeof(*drv->vas));
	shm_free(drv, sizeof(*drv));
}

int drv_use_machine(struct drv *drv, struct machine *m)
{
	const struct machine_config *c = machine_config(m);
	int err;

	if (c->nr_lps != platform_config(drv->plat)->nr_lps ||
	    c->epc_size != platform_epc_pages(drv->plat) * SGX_PAGE_SIZE)
		return -EINVAL;
	err = launch_share(&drv->launch, m);
	if (err)
		return err;
	drv->mach = m;
	return 0;
}

struct platform *drv_platform(const struct drv *drv)
{
	return drv->plat;
}

u64 drv_epc_free_pages(struct drv *drv)
{
	u64 n;

	if (drv->mach)
		return machine_epc_free(drv->mach);
	shm_lock(&drv->lock);
	n = drv->nr_free;
	shm_unlock(&drv->lock);
	return n;
}

/* Context: drv->lock held. */
static void free_push(struct drv *drv, u64 i)
{
	u64 n = drv->nr_free;

	drv->free[n] = i;
	/* The slot before the count: a holder that dies between leaves the
	 * page out, never on the list twice. */
	atomic_signal_fence(memory_order_seq_cst);
	drv->nr_free = n + 1;
}

/* Context: drv->lock held. */
static bool free_has(const struct drv *drv, u64 i)
{
	u64 f;

	for (f = 0; f < drv->nr_free; f++)
		if (drv->free[f] == i)
			return true;
	return false;
}

void *drv_epc_alloc(struct drv *drv)
{
	void *page = NULL;
	u64 left;

	if (drv->mach) {
		s64 i = machine_epc_take(drv->mach);

		page = i < 0 ? NULL : platform_epc_page(drv->plat, (u64)i);
		left = machine_epc_free(drv->mach);
	} else {
		shm_lock(&drv->lock);
		if (drv->nr_free) {
			u64 i = drv->free[drv->nr_free - 1];

			/* Marked before it leaves the list: a thread that dies
			 * holding it is found out (drv_reap_dead()). */
			atomic_store(&drv->alloc_tid[i], (u32)shm_self_tid());
			drv->nr_free--;
			page = platform_epc_page(drv->plat, i);
		}
		left = drv->nr_free;
		shm_unlock(&drv->lock);
	}
	paging_note_free(drv, left);
	return page;
}

void drv_epc_free(struct drv *drv, void *page)
{
	s64 i = platform_epc_index(drv->plat, page);

	if (i < 0)
		return;
	/* Back to its home storage before anyone else gets it. */
	if (platform_epc_bind(drv->plat, page, NULL))
		return;
	if (drv->mach) {
		machine_epc_give(drv->mach, (u64)i);
	} else {
		shm_lock(&drv->lock);
		free_push(drv, (u64)i);
		/* After: a thread that dies between leaves the page marked as
		 * its own, and the reaper finds it on the list.  Under the lock:
		 * after it, a thread that took the page from the list meanwhile
		 * would lose its mark, and the page with it if it died. */
		atomic_store(&drv->alloc_tid[i], 0);
		shm_unlock(&drv->lock);
	}
	paging_event(drv);
}

u32 drv_epc_free_seq(struct drv *drv)
{
	return drv->mach ? machine_freed_seq(drv->mach) : paging_event_seq(drv);
}

void drv_epc_free_wait(struct drv *drv, u32 seen, int ms)
{
	/* On a machine the pages are the machine's, and so is the news of
	 * one going free; alone, drv_epc_free() tells paging_event(). */
	if (drv->mach)
		machine_wait_freed(drv->mach, seen, ms);
	else
		paging_event_wait(drv, seen, ms);
}

static s32 drv_pid(void)
{
	return (s32)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

int drv_owner_add(struct drv *drv, void *secs)
{
	int i, ret = -ENOSPC;

	shm_lock(&drv->owners_lock);
	for (i = 0; i < DRV_MAX_ENCLAVES; i++) {
		struct drv_owner *o = &drv->owners[i];

		if (!o->secs) {
			memset(o->sharers, 0, sizeof(o->sharers));
			atomic_store(&o->nr_pages, 0);
			o->sharers[0] = drv_pid();
			o->secs = secs;
			ret = i;
			break;
		}
	}
	shm_unlock(&drv->owners_lock);
	return ret;
}

void drv_kick_sharers(struct drv *drv, int owner, void *secs)
{
	s32 pids[ENCL_MAX_SHARERS], tids[64], me = drv_pid();
	unsigned int i, k, n, nr_pids = 0;

	if (owner < 0)
		return;
	shm_lock(&drv->owners_lock);
	for (i = 0; i < ENCL_MAX_SHARERS; i++)
		if (drv->owners[owner].sharers[i] > 0 && drv->owners[owner].sharers[i] != me)
			pids[nr_pids++] = drv->owners[owner].sharers[i];
	shm_unlock(&drv->owners_lock);
	if (!nr_pids)
		return;
	/* Each thread inside is one process's: the kernel says which. */
	n = platform_inside_tids(drv->plat, secs, tids, ARRAY_SIZE(tids));
	for (k = 0; k < n; k++)
		for (i = 0; i < nr_pids && !exec_kick_thread(pids[i], tids[k]); i++)
			;
}

/*
 * Whether process @pid still shares @drv's machine: alive, and not a child
 * that executed another program since, which dropped the machine with the
 * rest of its memory (Linux's execve() drops the mm, and with it the
 * enclave's reference), though its pid lives on.
 */
static bool sharer_alive(const struct drv *drv, s32 pid)
{
	return pid == drv_pid() || (shm_tid_alive(pid) && shm_maps_at(pid, drv));
}

int drv_owner_join(struct drv *drv, int owner, void *secs)
{
	struct drv_owner *o = &drv->owners[owner];
	unsigned int i;
	int err = 0;

	shm_lock(&drv->owners_lock);
	if (o->secs != secs || o->reaper) {
		err = -ENOENT;
		goto out;
	}
	/* A free slot, else one of a process that is gone (a look at
	 * /proc each: only when every slot is taken). */
	for (i = 0; i < ENCL_MAX_SHARERS && o->sharers[i]; i++)
		;
	if (i == ENCL_MAX_SHARERS)
		for (i = 0; i < ENCL_MAX_SHARERS && sharer_alive(drv, o->sharers[i]); i++)
			;
	if (i < ENCL_MAX_SHARERS)
		o->sharers[i] = drv_pid();
	else
		err = -ENOSPC;
out:
	shm_unlock(&drv->owners_lock);
	return err;
}

/* Take @me out of @o, and processes that are gone until one alive is
 * found (looking each up in /proc is not free): whether any is left.
 * Context: owners_lock held. */
static bool owner_prune(const struct drv *drv, struct drv_owner *o, s32 me)
{
	unsigned int i;

	for (i = 0; i < ENCL_MAX_SHARERS; i++)
		if (o->sharers[i] == me)
			o->sharers[i] = 0;
	for (i = 0; i < ENCL_MAX_SHARERS; i++) {
		if (!o->sharers[i])
			continue;
		if (sharer_alive(drv, o->sharers[i]))
			return true;
		o->sharers[i] = 0;
	}
	return false;
}

bool drv_owner_leave(struct drv *drv, int owner)
{
	struct drv_owner *o = &drv->owners[owner];
	s32 me = drv_pid();
	bool last;

	shm_lock(&drv->owners_lock);
	last = !owner_prune(drv, o, me);
	/* The last stays in until the enclave is down (drv_owner_free()):
	 * if it dies tearing it down, what is left is reaped. */
	if (last)
		o->sharers[0] = me;
	shm_unlock(&drv->owners_lock);
	return last;
}

void drv_owner_free(struct drv *drv, int owner)
{
	shm_lock(&drv->owners_lock);
	drv->owners[owner].secs = NULL;
	shm_unlock(&drv->owners_lock);
}

void drv_epc_take(struct drv *drv, void *epc)
{
	s64 i = platform_epc_index(drv->plat, epc);

	if (i >= 0 && !drv->mach)
		atomic_store(&drv->alloc_tid[i], (u32)shm_self_tid());
}

/* Whether an entry of the owners' table names @epc as its SECS.  Unless
 * @wait, a busy table answers yes: ask again later, as drv_reap_dead()
 * does of entries. */
static bool drv_owner_names(struct drv *drv, void *epc, bool wait)
{
	bool named = false;
	unsigned int i;

	if (!wait && shm_trylock(&drv->owners_lock))
		return true;
	if (wait)
		shm_lock(&drv->owners_lock);
	for (i = 0; i < DRV_MAX_ENCLAVES && !named; i++)
		named = drv->owners[i].secs == epc;
	shm_unlock(&drv->owners_lock);
	return named;
}

bool drv_epc_claim(struct drv *drv, void *epc)
{
	s64 i = platform_epc_index(drv->plat, epc);
	bool mine;
	u32 tid;

	if (i < 0 || drv->mach)
		return i >= 0;
	/* Under the lock the reaper frees under: a page it gave back is on
	 * the list, or someone else's since (theirs alive, or valid).  Nor
	 * is a SECS that an entry of the owners' table names ours, marked by
	 * a reaper that died or by nobody (its maker died before ECREATE):
	 * the entry gives it back, after reaping it again, whatever the page
	 * is by then.  A dead evictor's page may be such a SECS by the time
	 * its repair looks (the pass over dead threads' pages gave it back,
	 * a child made an enclave on it and died, and so did the reaper):
	 * claimed, it went out twice.  The mark is read before the table: a
	 * maker alive has it marked before it names it. */
	shm_lock(&drv->lock);
	tid = atomic_load(&drv->alloc_tid[i]);
	mine = (!tid || !shm_tid_alive((int)tid)) && !drv_owner_names(drv, epc, true) &&
	       !free_has(drv, (u64)i) && !platform_epc_valid(drv->plat, epc) &&
	       atomic_compare_exchange_strong(&drv->alloc_tid[i], &tid, (u32)shm_self_tid());
	shm_unlock(&drv->lock);
	return mine;
}

void drv_epc_commit(struct drv *drv, void *epc)
{
	s64 i = platform_epc_index(drv->plat, epc);

	if (i >= 0 && !drv->mach)
		atomic_store(&drv->alloc_tid[i], 0);
}

int encl_grow(struct encl *encl)
{
	/* The entry first: one that dies between gives back one too many
	 * on the way (a version then has no slot: the page stays in). */
	if (encl->owner >= 0)
		atomic_fetch_add(&encl->drv->owners[encl->owner].nr_pages, 1);
	if (!paging_grow(encl->drv))
		return 0;
	if (encl->owner >= 0)
		atomic_fetch_sub(&encl->drv->owners[encl->owner].nr_pages, 1);
	return -ENOMEM;
}

void encl_shrink(struct encl *encl, u64 n)
{
	if (encl->owner >= 0)
		atomic_fetch_sub(&encl->drv->owners[encl->owner].nr_pages, n);
	paging_shrink(encl->drv, n);
}

struct reap {
	struct drv *drv;
	void *secs;
};

/*
 * A page of the dead enclave, still valid: ours before it is forgotten.
 * Unmarked, a reaper that died between the two (its drv_epc_claim() waits
 * for the free list's lock, which every allocation takes) left it invalid,
 * named by no SECS and marked by nobody: lost.  Marked, drv_reap_dead()
 * gives it back.  A thread that died may have marked it (one that took it
 * for an eviction): a dead mark is as good as none.
 */
static void reap_take(void *ctx, void *epc)
{
	struct reap *r = ctx;
	s64 i = platform_epc_index(r->drv->plat, epc);
	u32 tid;

	if (i < 0 || r->drv->mach)
		return;
	tid = atomic_load(&r->drv->alloc_tid[i]);
	if (!tid || !shm_tid_alive((int)tid))
		atomic_compare_exchange_strong(&r->drv->alloc_tid[i], &tid,
					       (u32)shm_self_tid());
}

static void reap_give(void *ctx, void *epc)
{
	struct reap *r = ctx;
	s64 i = platform_epc_index(r->drv->plat, epc);

	/* The SECS is the caller's, to give back once no entry of the
	 * owners' table names it (drv_owner_names()). */
	if (epc == r->secs)
		drv_epc_take(r->drv, epc);
	/* Ours since reap_take(); or, if a thread alive had it then, maybe
	 * given back since by another process's pass over dead threads'
	 * pages: drv_epc_claim() says. */
	else if ((i >= 0 && !r->drv->mach &&
		  atomic_load(&r->drv->alloc_tid[i]) == (u32)shm_self_tid()) ||
		 drv_epc_claim(r->drv, epc))
		drv_epc_free(r->drv, epc);
}

void drv_reap_enclave(struct drv *drv, void *secs)
{
	struct reap r = { drv, secs };

	platform_epc_reap(drv->plat, secs, reap_take, reap_give, &r);
}

void drv_reap_dead(struct drv *drv, bool now_too)
{
	struct timespec ts;
	u64 now, then, k;
	int i;

	if (!platform_config(drv->plat)->fork_shared)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
	then = atomic_load(&drv->reaped_ms);
	if ((!now_too && now - then < 50) ||
	    !atomic_compare_exchange_strong(&drv->reaped_ms, &then, now))
		return;
	for (i = 0; i < DRV_MAX_ENCLAVES; i++) {
		struct drv_owner *o = &drv->owners[i];
		void *secs = NULL;

		/* A look without the lock first: most entries are free or
		 * have a live process. */
		if (!o->secs || shm_trylock(&drv->owners_lock))
			continue;
		/* Its processes all gone, or the reaper that took it before
		 * us (it dies too: it runs in any process of the machine). */
		if (o->secs && (o->reaper ? !shm_tid_alive((int)o->reaper) : !owner_prune(drv, o, 0))) {
			secs = o->secs;
			/* Nobody gets the entry until its VA slots are back. */
			o->reaper = (u32)shm_self_tid();
		}
		shm_unlock(&drv->owners_lock);
		if (secs) {
			drv_reap_enclave(drv, secs);
			paging_forget_owner(drv, i);
			paging_shrink_owner(drv, &o->nr_pages);
			shm_lock(&drv->owners_lock);
			o->secs = NULL;
			o->reaper = 0;
			shm_unlock(&drv->owners_lock);
			/* Only now: a reaper that dies before reaps again, and
			 * must find the SECS nobody else's. */
			drv_epc_free(drv, secs);
		}
	}
	/* Pages taken by threads that died before the driver kept them. */
	for (k = 0; k < platform_epc_pages(drv->plat); k++) {
		u32 tid = atomic_load(&drv->alloc_tid[k]);
		void *epc = platform_epc_page(drv->plat, k);

		if (!tid || shm_tid_alive((int)tid))
			continue;
		/* A page in use is its enclave's (reaped with it) or the VA
		 * pool's; only a VA page the pool never got is nobody's. */
		if (platform_epc_valid(drv->plat, epc) &&
		    (!platform_epc_is_va(drv->plat, epc) || paging_has_va(drv, epc) ||
		     platform_epc_forget(drv->plat, epc) < 0))
			continue;
		/* A SECS an entry of the owners' table names goes back with the
		 * entry, not before: made (or reaped, or torn down) by a thread
		 * that died before the entry went, it is reaped through the
		 * entry, which would otherwise reap whatever the page is by
		 * then, another enclave's page. */
		if (drv_owner_names(drv, epc, false))
			continue;
		/* It may have died with the page on the list (taking it, or
		 * giving it back). */
		shm_lock(&drv->lock);
		if (atomic_compare_exchange_strong(&drv->alloc_tid[k], &tid, 0) &&
		    !free_has(drv, k) && !platform_epc_bind(drv->plat, epc, NULL))
			free_push(drv, k);
		shm_unlock(&drv->lock);
	}
}

int drv_add_encl(struct drv *drv, struct encl *encl)
{
	int i;

	for (i = 0; i < DRV_MAX_ENCLAVES; i++) {
		struct encl *none = NULL;

		if (atomic_compare_exchange_strong(&drv->proc->encls[i], &none, encl))
			return 0;
	}
	return -ENOSPC;
}

void drv_remove_encl(struct drv *drv, struct encl *encl)
{
	int i;

	for (i = 0; i < DRV_MAX_ENCLAVES; i++) {
		struct encl *e = encl;

		atomic_compare_exchange_strong(&drv->proc->encls[i], &e, NULL);
	}
}

/* The processor's page walk: which EPC page is mapped at @la, and how. */
int drv_walk(void *ctx, u64 la, void **epc, unsigned int *prot)
{
	struct encl *e;
	int err = -EFAULT;

	mm_read_enter();
	e = mm_find_drv(ctx, la);
	if (e)
		err = encl_walk(e, la, epc, prot);
	mm_read_exit();
	return err;
}

bool drv_launch_single(struct drv *drv, u8 out[SGX_HASH_SIZE])
{
	const struct platform_config *pc = platform_config(drv_platform(drv));
	const struct launch *l = drv_launch(drv);

	/* Locked MSRs decide every EINIT, whatever the policy lists. */
	if (pc->lc_locked) {
		memcpy(out, pc->lehash, SGX_HASH_SIZE);
		return true;
	}
	if (l->allow_all || l->nr_allowed != 1)
		return false;
	memcpy(out, l->allowed[0], SGX_HASH_SIZE);
	return true;
}

