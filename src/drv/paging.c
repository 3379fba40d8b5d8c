// SPDX-License-Identifier: MIT
/*
 * EPC paging: the reclaimer and demand reload, what Linux's
 * arch/x86/kernel/cpu/sgx/main.c and encl.c do for their users.
 *
 * An enclave's pages live in its memory file, mapped at ELRANGE.  Evicting
 * a batch of pages holds the enclave's threads out (no thread can touch a
 * page while it is written back: hardware's TLB shootdown), runs EBLOCK,
 * ETRACK and EWB into the enclave's backing store and punches the pages
 * out of the file; the mappings stay as they are, so a process keeps one
 * mapping per run of permissions however much it pages.  A touch of the
 * hole is caught by a userfaultfd in SIGBUS mode: the toucher's own signal
 * handler reloads the page (ELDU into a buffer, then UFFDIO_COPY fills the
 * hole and maps it in one step) and retries, as Linux's fault handler
 * would.  A thread waiting so is, for ETRACK, outside the enclave, as
 * after an AEX on hardware.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "base/fork.h"
#include "base/log.h"
#include "base/shm.h"
#include "base/sys.h"
#include "drv/encl.h"
#include "drv/machine.h"

#define BATCH PAGING_BATCH

/* --- the userfaultfd ------------------------------------------------------ */

/* Serialise the openings of userfaultfds and the starts of reclaimers.  A
 * child of fork() makes them anew: the parent's threads may have held them. */
static pthread_mutex_t uffd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_MISSING_SHMEM };
	long fd;

	/* User-mode faults only: allowed without privilege. */
	fd = sys_call6(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY, 0, 0, 0, 0,
		       0);
	if (fd >= 0 && ioctl((int)fd, UFFDIO_API, &api)) {
		sys_close((int)fd);
		fd = -1;
	}
	return fd >= 0 ? (int)fd : -1;
}

static void uffd_ensure(struct drv *drv)
{
	if (atomic_load(&drv->proc->uffd_ready))
		return;
	pthread_mutex_lock(&uffd_lock);
	if (!atomic_load(&drv->proc->uffd_ready)) {
		drv->proc->uffd = uffd_open();
		atomic_store(&drv->proc->uffd_ready, true);
	}
	pthread_mutex_unlock(&uffd_lock);
}

void paging_fork_child(void)
{
	(void)!shm_mutex_init(&uffd_lock, false);
	(void)!shm_mutex_init(&start_lock, false);
}

void paging_register(struct encl *encl, u64 addr, u64 len)
{
	struct drv *drv = encl->drv;
	struct uffdio_register reg = { .range = { addr, len },
				       .mode = UFFDIO_REGISTER_MODE_MISSING };

	uffd_ensure(drv);
	if (drv->proc->uffd >= 0 && ioctl(drv->proc->uffd, UFFDIO_REGISTER, &reg))
		log_warn("cannot watch enclave memory at %#llx for paging: %s",
			 (unsigned long long)addr, strerror(errno));
}

bool drv_paging_available(char *why, size_t whylen)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_MISSING_SHMEM };
	long fd = sys_call6(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY, 0, 0, 0, 0, 0);

	if (fd < 0) {
		snprintf(why, whylen, "userfaultfd: %s (Linux 5.11 or later needed)",
			 strerror((int)-fd));
		return false;
	}
	if (ioctl((int)fd, UFFDIO_API, &api)) {
		snprintf(why, whylen, "userfaultfd without SIGBUS mode for shared memory: %s",
			 strerror(errno));
		sys_close((int)fd);
		return false;
	}
	sys_close((int)fd);
	return true;
}

/* --- Version Array slots ------------------------------------------------- */

/*
 * Like Linux's sgx_encl_grow(): a VA page for every 512 pages added, taken
 * when the pages are added, so that eviction never needs EPC to evict.
 */

/* VA page @i.  Context: drv->va_lock held, @i below drv->nr_vas. */
static struct va_page *va_at(struct drv *drv, unsigned int i)
{
	return &drv->vas[i];
}

/* The VA pool's lock.  A holder that died may have left a page's count
 * and its bitmap apart: the counts are made again from the bitmaps. */
static void va_lock(struct drv *drv)
{
	unsigned int i, w;

	if (!shm_lock(&drv->va_lock))
		return;
	for (i = 0; i < drv->nr_vas; i++) {
		struct va_page *v = va_at(drv, i);

		v->nr_used = 0;
		for (w = 0; w < SGX_VA_SLOT_COUNT / 64; w++)
			v->nr_used += (unsigned int)__builtin_popcountll(v->used[w]);
	}
}

int paging_grow(struct drv *drv)
{
	struct va_page *v;
	void *epc = NULL;
	bool need;

	va_lock(drv);
	need = drv->nr_added + 1 > (u64)drv->nr_vas * SGX_VA_SLOT_COUNT;
	shm_unlock(&drv->va_lock);
	if (need) {
		epc = paging_alloc(drv);
		if (!epc || encls_epa(drv_lp(drv), SGX_PT_VA, epc)) {
			if (epc)
				drv_epc_free(drv, epc);
			return -ENOMEM;
		}
	}
	va_lock(drv);
	if (epc) {
		if (drv->nr_vas >= platform_epc_pages(drv->plat))
			goto nomem;
		v = va_at(drv, drv->nr_vas++);
		memset(v, 0, sizeof(*v));
		v->epc = epc;
		drv_epc_commit(drv, epc);
	}
	drv->nr_added++;
	shm_unlock(&drv->va_lock);
	return 0;
nomem:
	shm_unlock(&drv->va_lock);
	if (!encls_eremove(drv_lp(drv), epc))
		drv_epc_free(drv, epc);
	return -ENOMEM;
}

/* @n pages went away (or were never added): give back VA pages that are
 * no longer needed, from the end of the pool (slots name pages by index).
 * Context: drv->va_lock held. */
static void shrink_locked(struct drv *drv, u64 n)
{
	drv->nr_added = drv->nr_added > n ? drv->nr_added - n : 0;
	while (drv->nr_vas &&
	       (u64)(drv->nr_vas - 1) * SGX_VA_SLOT_COUNT >= drv->nr_added &&
	       !va_at(drv, drv->nr_vas - 1)->nr_used) {
		void *epc = va_at(drv, drv->nr_vas - 1)->epc;

		/* Ours before it leaves the pool: a thread that dies after
		 * leaves a VA page the pool no longer has, or after EREMOVE an
		 * invalid one, marked with a dead thread, and drv_reap_dead()
		 * gives either back.  Unmarked, it was lost. */
		drv_epc_take(drv, epc);
		drv->nr_vas--;
		if (!encls_eremove(drv_lp(drv), epc))
			drv_epc_free(drv, epc);
		else
			drv_epc_commit(drv, epc);
	}
}

void paging_shrink(struct drv *drv, u64 n)
{
	va_lock(drv);
	shrink_locked(drv, n);
	shm_unlock(&drv->va_lock);
}

void paging_shrink_owner(struct drv *drv, _Atomic u64 *count)
{
	va_lock(drv);
	/* Taken from the entry only here, under the pool's lock: a reaper
	 * that took it before reaping the enclave, and died doing so, left
	 * the count nowhere, and the pool a VA page it never gave back. */
	shrink_locked(drv, atomic_exchange(count, 0));
	shm_unlock(&drv->va_lock);
}

/* In a child of fork(): the VA pages hold the parent's versions; give
 * them to the child's EPC (drv_fork_reset()).  Context: no other thread. */
void paging_fork_reset(struct drv *drv)
{
	unsigned int i;

	for (i = 0; i < drv->nr_vas; i++) {
		void *epc = va_at(drv, i)->epc;

		/* (A machine's pages stay the parent's.) */
		if (!platform_epc_forget(drv->plat, epc) && !drv->mach)
			drv->free[drv->nr_free++] = (u64)platform_epc_index(drv->plat, epc);
	}
	drv->nr_vas = 0;
	drv->nr_added = 0;
}

/* A free VA slot for a page of the enclave at entry @owner of drv->owners
 * (-1: none) in *@out.  Return: 0 or -ENOMEM. */
static int va_get(struct drv *drv, int owner, u32 *out)
{
	struct va_page *v;
	unsigned int i, w, b;

	va_lock(drv);
	for (i = 0; i < drv->nr_vas; i++)
		if (va_at(drv, i)->nr_used < SGX_VA_SLOT_COUNT)
			break;
	if (i == drv->nr_vas)
		goto nomem;
	v = va_at(drv, i);
	for (w = 0; w < SGX_VA_SLOT_COUNT / 64 && v->used[w] == ~0ULL; w++)
		;
	if (w == SGX_VA_SLOT_COUNT / 64)
		goto nomem;
	b = (unsigned int)__builtin_ctzll(~v->used[w]);
	v->used[w] |= 1ULL << b;
	v->owner[w * 64 + b] = (u16)(owner + 1);
	v->nr_used++;
	*out = i << 9 | (w * 64 + b);
	shm_unlock(&drv->va_lock);
	return 0;
nomem:
	shm_unlock(&drv->va_lock);
	return -ENOMEM;
}

/*
 * The VA slot @va, the pool's lock held until va_slot_unlock().  The leaf
 * that uses the slot (EWB, ELDU) holds its VA page's EPCM entry lock, and
 * another leaf on that VA page meanwhile would conflict (#GP): Linux's VA
 * pages are each enclave's, used under its lock, but this pool is the
 * driver's, shared by its enclaves (and by the processes of a fork_shared
 * machine), whose locks do not exclude each other.  An ELDU that met
 * another enclave's EWB so failed its reload for good.
 */
static u64 *va_slot_lock(struct drv *drv, u32 va)
{
	va_lock(drv);
	return (u64 *)va_at(drv, va >> 9)->epc + (va & 511);
}

static void va_slot_unlock(struct drv *drv)
{
	shm_unlock(&drv->va_lock);
}

static void va_put(struct drv *drv, u32 va)
{
	struct va_page *v;
	unsigned int s = va & 511;

	va_lock(drv);
	v = va_at(drv, va >> 9);
	v->used[s / 64] &= ~(1ULL << (s % 64));
	v->owner[s] = 0;
	v->nr_used--;
	shm_unlock(&drv->va_lock);
}

bool paging_has_va(struct drv *drv, void *epc)
{
	unsigned int i;
	bool has = false;

	va_lock(drv);
	for (i = 0; i < drv->nr_vas && !has; i++)
		has = va_at(drv, i)->epc == epc;
	shm_unlock(&drv->va_lock);
	return has;
}

void paging_forget_owner(struct drv *drv, int owner)
{
	unsigned int i, s;

	va_lock(drv);
	for (i = 0; i < drv->nr_vas; i++) {
		struct va_page *v = va_at(drv, i);

		for (s = 0; s < SGX_VA_SLOT_COUNT; s++) {
			if (v->owner[s] != owner + 1 || !(v->used[s / 64] & (1ULL << (s % 64))))
				continue;
			v->used[s / 64] &= ~(1ULL << (s % 64));
			v->owner[s] = 0;
			v->nr_used--;
		}
	}
	shm_unlock(&drv->va_lock);
}

void paging_destroy(struct drv *drv, bool last)
{
	unsigned int i;
	u64 one = 1;

	if (drv->proc->reclaimer_running) {
		atomic_store(&drv->proc->stop, true);
		if (sys_call6(SYS_write, drv->proc->wake_fd, (long)&one, sizeof(one), 0, 0, 0) < 0)
			(void)0;
		pthread_join(drv->proc->reclaimer, NULL);
	}
	if (drv->proc->wake_fd >= 0)
		sys_close(drv->proc->wake_fd);

	for (i = 0; last && i < drv->nr_vas; i++)
		if (!encls_eremove(drv_lp(drv), va_at(drv, i)->epc))
			drv_epc_free(drv, va_at(drv, i)->epc);
	if (drv->proc->uffd >= 0)
		sys_close(drv->proc->uffd);
}

/* --- eviction ------------------------------------------------------------- */

/*
 * Write back @n pages of @encl (indices in @idx, ascending but for one
 * wrap of the clock), which the caller chose and marked PAGE_BUSY.  The
 * holes are punched a run of consecutive pages at a time.
 * Context: @encl's lock held; the calling thread is not inside @encl (it
 * is parked if it is one of its threads).
 */
static void evict_batch(struct encl *encl, const u64 *idx, unsigned int n)
{
	struct drv *drv = encl->drv;
	struct lp *lp = drv_lp(drv);
	bool said = false, out[BATCH];
	time_t start = time(NULL);
	unsigned int k, run, waits;
	int ret;

	/* Nothing may write a page while EWB reads it: the enclave's threads
	 * are held out (they wait at EENTER, ERESUME or coming back from the
	 * OS, and those inside are interrupted), as the TLB shootdown after
	 * EBLOCK and ETRACK keeps them off blocked pages on hardware.  Closing
	 * each page's mapping instead cost two mprotects per run, each
	 * rewriting page tables and flushing every TLB. */
	platform_evict_hold(drv->plat, encl->secs);
	for (waits = 0;; waits++) {
		u32 seen = platform_exit_seq(drv->plat, encl->secs);

		/* Kicks the threads inside, if any. */
		if (platform_vmm_quiet(drv->plat, encl->secs))
			break;
		drv_kick_sharers(drv, encl->owner, encl->secs);
		/* Threads of a process that died inside never leave. */
		if (waits % 8 == 7)
			platform_reap_inside(drv->plat, encl->secs);
		if (!said && time(NULL) - start > 2) {
			log_warn("paging waits for threads to leave the enclave at %#llx",
				 (unsigned long long)encl->base);
			said = true;
		}
		paging_wait_exit(encl, seen);
	}
	for (k = 0; k < n; k++) {
		struct encl_page *p = &encl->pages[idx[k]];

		ret = encls_eblock(lp, (void *)(uintptr_t)atomic_load(&p->epc));
		if (ret && ret != SGX_BLKSTATE)
			log_warn("EBLOCK of %#llx: %#x",
				 (unsigned long long)(encl->base + idx[k] * SGX_PAGE_SIZE), ret);
	}
	/* One tracking cycle for the batch.  If the last one is still
	 * running (SGX_PREV_TRK_INCMPL), EWB says SGX_NOT_TRACKED below, and
	 * the loop there waits for it. */
	if (encls_etrack(lp, encl->secs) == SGX_PREV_TRK_INCMPL)
		(void)0;
	for (k = 0; k < n; k++) {
		struct encl_page *p = &encl->pages[idx[k]];
		void *epc = (void *)(uintptr_t)atomic_load(&p->epc);
		u64 off = idx[k] * SGX_PAGE_SIZE;
		struct sgx_pageinfo pginfo __aligned(32) = { 0 };

		out[k] = false;
		pginfo.srcpge = (u64)(uintptr_t)(encl->backing + off);
		pginfo.secinfo = (u64)(uintptr_t)&encl->pcmds[idx[k]];
		/* No room for a version: the page stays. */
		if (va_get(drv, encl->owner, &p->va))
			continue;
		/* Ours from before EWB until it is on the free list: dying
		 * between, we leave it to the reaper (drv_reap_dead()), not lost,
		 * nor freed twice (paging_repair()).  The enclave may be one
		 * nobody takes the lock of over: its processes all died. */
		drv_epc_take(drv, epc);
		for (;;) {
			u32 seen = platform_exit_seq(drv->plat, encl->secs);

			ret = encls_ewb(lp, &pginfo, epc, va_slot_lock(drv, p->va));
			va_slot_unlock(drv);
			if (ret != SGX_NOT_TRACKED)
				break;
			/* A new cycle, in case the last started before the block
			 * or could not complete. */
			if (encls_etrack(lp, encl->secs) != SGX_PREV_TRK_INCMPL)
				continue;
			/* Threads that were inside must leave first: interrupt
			 * them, as Linux's IPIs do; they AEX and resume. */
			exec_kick(drv->plat, encl->secs);
			drv_kick_sharers(drv, encl->owner, encl->secs);
			if (++waits % 8 == 0)
				platform_reap_inside(drv->plat, encl->secs);
			if (!said && time(NULL) - start > 2) {
				log_warn("paging waits for threads to leave the enclave at %#llx",
					 (unsigned long long)encl->base);
				said = true;
			}
			paging_wait_exit(encl, seen);
		}
		if (ret && ret != SGX_VA_SLOT_OCCUPIED) {
			log_warn("EWB of %#llx: %#x", (unsigned long long)(encl->base + off), ret);
			va_put(drv, p->va);
			continue;
		}
		out[k] = true;
	}
	/* The pages leave the memory file, a run at a time. */
	for (k = 0; k < n; k += run) {
		for (run = 1; k + run < n && out[k + run] == out[k] && idx[k + run] == idx[k] + run;
		     run++)
			;
		if (out[k])
			fallocate(encl->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  (off_t)(idx[k] * SGX_PAGE_SIZE), (off_t)(run * SGX_PAGE_SIZE));
	}
	for (k = 0; k < n; k++) {
		struct encl_page *p = &encl->pages[idx[k]];
		void *epc = (void *)(uintptr_t)atomic_load(&p->epc);

		if (!out[k]) {
			/* The page stays, still EPCM-blocked (EBLOCK cannot be
			 * undone): the enclave keeps using it natively, ENCLU
			 * operands on it fault until a later pass evicts it. */
			drv_epc_commit(drv, epc);
			atomic_store(&p->state, PAGE_PRESENT);
			continue;
		}
		atomic_store(&p->epc, 0);
		atomic_store(&p->state, PAGE_EVICTED);
		drv_epc_free(drv, epc);
		atomic_fetch_add(&encl->nr_evicted, 1);
		atomic_fetch_add(&drv->nr_evicted, 1);
		if (drv->mach)
			machine_count_paging(drv->mach, 1, 0);
	}
	/* The pages are out of PAGE_BUSY (drv_epc_free() told of those that
	 * went; this is for those that stayed). */
	paging_event(drv);
	/* A touch of an evicted page now finds the hole (SIGBUS). */
	platform_evict_release(drv->plat, encl->secs);
	atomic_store(&encl->nr_evicting, 0);
}

/* Code pages stay too: the emulator decodes ENCLU at RIP from a signal
 * handler, which must not fault.  (A page EAUG gave is RW; it becomes code
 * only through EACCEPTCOPY or EMODPE, which find it in the EPC.)  Trimmed
 * pages go like any other: a runtime may trim more than the EPC holds. */
static bool evictable(const struct encl *encl, const struct encl_page *p)
{
	return atomic_load(&p->state) == PAGE_PRESENT &&
	       (p->type == SGX_PT_REG || p->type == SGX_PT_TRIM) && !p->pinned &&
	       !(encl_host_prot(encl, p, PROT_READ | PROT_WRITE | PROT_EXEC) & PROT_EXEC);
}

/*
 * One sweep of the clock: up to BATCH pages of one enclave, skipping (and
 * clearing) referenced ones once.  The background reclaimer leaves alone
 * enclaves that a thread runs inside: their pages would go only after an
 * interrupt (exec_kick) and a wait, with the enclave's lock held, for each
 * batch, while the thread, when it needs a page, evicts one cheaply
 * itself (parked, it is out of the way of ETRACK).
 * Return: whether anything was evicted.
 */
static int evict_one(struct drv *drv, bool background)
{
	unsigned int tries, n = 0;
	int done = 0;
	bool skipped = false;

	uffd_ensure(drv);
	if (drv->proc->uffd < 0) {
		static atomic_bool said;

		if (!atomic_exchange(&said, true))
			log_warn("the EPC is full and paging is off on this host (see sgxemu info)");
		return 0;
	}
	/* Enclaves whose processes all died, pages dead threads took. */
	drv_reap_dead(drv, false);
	shm_lock(&drv->reclaim_lock);
	for (tries = 0; tries < 2 * DRV_MAX_ENCLAVES && !done; tries++) {
		struct encl *encl = atomic_load(&drv->proc->encls[drv->proc->hand_encl % DRV_MAX_ENCLAVES]);
		u64 nr, seen;

		/* Try-lock: the thread adding pages holds its enclave's lock
		 * while it waits for us (it gets the enclave itself, the lock
		 * being recursive, when it reclaims). */
		if (!encl || !encl->backing ||
		    (background && platform_secs_busy(drv->plat, encl->secs)) ||
		    encl_trylock(encl)) {
			skipped |= encl && encl->backing;
			drv->proc->hand_encl++;
			drv->proc->hand_page = 0;
			continue;
		}
		/* Over the live chunks only: the rest hold no page. */
		nr = atomic_load(&encl->nr_live) * ENCL_CHUNK_PAGES;
		/* Two turns: the first may only clear referenced bits. */
		for (seen = 0; nr && seen < 2 * nr && n < BATCH; seen++) {
			u64 i = encl_live_page(encl, drv->proc->hand_page % nr);
			struct encl_page *p = &encl->pages[i];

			if (i < encl->size / SGX_PAGE_SIZE && evictable(encl, p)) {
				if (p->referenced) {
					p->referenced = false;
				} else {
					/* Recorded before it is marked: an evictor
					 * that dies leaves each page it marked in the
					 * record (paging_repair()). */
					encl->evicting[n] = i;
					atomic_store(&encl->nr_evicting, n + 1);
					/* Against paging_pin(): whoever looks second
					 * sees the other's mark. */
					atomic_store(&p->state, PAGE_BUSY);
					if (atomic_load(&p->pins)) {
						atomic_store(&p->state, PAGE_PRESENT);
						atomic_store(&encl->nr_evicting, n);
						paging_event(drv);
					} else {
						n++;
					}
				}
			}
			drv->proc->hand_page++;
		}
		if (n) {
			evict_batch(encl, encl->evicting, n);
			done = 1;
		} else {
			drv->proc->hand_encl++;
			drv->proc->hand_page = 0;
		}
		encl_unlock(encl);
	}
	shm_unlock(&drv->reclaim_lock);
	return done ? 1 : skipped ? -EBUSY : 0;
}

int paging_evict_one(struct drv *drv)
{
	return evict_one(drv, false);
}

void paging_note_free(struct drv *drv, u64 nr_free)
{
	u64 one = 1;

	/* write() on an eventfd and a futex wake are safe in a signal
	 * handler, unlike a condition variable.  Once, as the count crosses
	 * the mark: the reclaimer then evicts up to the high mark, and a
	 * system call per allocation below it would only repeat the news. */
	if (nr_free >= drv->low_pages || !drv->proc->reclaimer_running)
		return;
	if (!drv->mach) {
		if (nr_free == drv->low_pages - 1 &&
		    sys_call6(SYS_write, drv->proc->wake_fd, (long)&one, sizeof(one), 0, 0, 0) < 0)
			(void)0;
		return;
	}
	/* On a machine other clients move the count too, past the mark
	 * maybe: once until the reclaimer's next turn. */
	if (!atomic_exchange(&drv->proc->reclaim_kicked, true))
		machine_wake(drv->mach);
}

/* Sleep until paging_note_free(), or, on a machine, another client's
 * request; at most a second. */
static void reclaimer_wait(struct drv *drv, u32 seen)
{
	struct pollfd pfd = { .fd = drv->proc->wake_fd, .events = POLLIN };
	u64 v;

	if (drv->mach) {
		machine_wait_work(drv->mach, seen, 1000);
		return;
	}
	if (poll(&pfd, 1, 1000) > 0 &&
	    sys_call6(SYS_read, drv->proc->wake_fd, (long)&v, sizeof(v), 0, 0, 0) < 0)
		(void)0;
}

/* Whether to evict now: the EPC (the machine's, if any) runs low, or
 * other clients of the machine asked for pages. */
static bool reclaim_wanted(struct drv *drv)
{
	if (!drv->mach)
		return drv_epc_free_pages(drv) < drv->high_pages;
	/* On a machine, the clients above their share give pages back. */
	return (drv_epc_free_pages(drv) < drv->high_pages && machine_over_share(drv->mach)) ||
	       machine_wanted(drv->mach);
}

static void *reclaimer(void *arg)
{
	struct drv *drv = arg;

	while (!atomic_load(&drv->proc->stop)) {
		u32 seen = drv->mach ? machine_work_seq(drv->mach) : 0;
		int r = 1;

		atomic_store(&drv->proc->reclaim_kicked, false);
		while (!atomic_load(&drv->proc->stop) && reclaim_wanted(drv) &&
		       (r = evict_one(drv, true)) > 0)
			;
		/* Nothing of ours to give: the asker must look elsewhere. */
		if (!r && drv->mach)
			machine_wanted_none(drv->mach);
		reclaimer_wait(drv, seen);
	}
	return NULL;
}

void paging_start(struct drv *drv)
{
	sigset_t all, old;

	exec_ticker_start();
	pthread_mutex_lock(&start_lock);
	if (!drv->proc->reclaimer_running && drv->low_pages) {
		drv->proc->wake_fd = (int)sys_call6(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK, 0, 0, 0, 0);
		/* Signals are the program's business, not the reclaimer's. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		if (drv->proc->wake_fd >= 0 && !pthread_create(&drv->proc->reclaimer, NULL, reclaimer, drv))
			drv->proc->reclaimer_running = true;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	pthread_mutex_unlock(&start_lock);
}

u32 paging_event_seq(struct drv *drv)
{
	return sys_event_seq(&drv->page_events);
}

void paging_event_wait(struct drv *drv, u32 seen, int ms)
{
	sys_event_wait(&drv->page_events, seen, ms);
}

void paging_event(struct drv *drv)
{
	sys_event_signal(&drv->page_events);
}

void paging_wait_exit(struct encl *encl, u32 seen)
{
	/* The threads inside were kicked (exec_kick()) and leave with an
	 * AEX, which wakes us.  A kick that lands as a thread enters finds
	 * nothing to interrupt, and that thread stays inside until it leaves
	 * on its own: after 10 ms the caller kicks again. */
	platform_exit_wait(encl->drv->plat, encl->secs, seen, 10);
}

void *paging_alloc(struct drv *drv)
{
	void *epc;
	int i, r, empty = 0, asked = 0;

	fork_check();
	/* Give up only when nothing can be evicted for a while: an enclave
	 * some other reclaimer is working on frees pages soon, and pages other
	 * threads hold for a moment (an operand pinned for a leaf, a page
	 * being reloaded) become candidates again. */
	for (i = 0; i < 100000; i++) {
		u32 seen = drv->mach ? machine_freed_seq(drv->mach) : 0;
		u32 events = paging_event_seq(drv);

		epc = drv_epc_alloc(drv);
		if (epc)
			return epc;
		/* Enclaves whose processes all died hold pages nobody will
		 * give back but us. */
		drv_reap_dead(drv, false);
		/* Linux's reclaimer takes pages from any process's enclaves:
		 * on a machine, a client below its share asks one above it,
		 * whose own driver evicts them (for a second at most, then it
		 * evicts its own). */
		if (drv->mach && asked < 20 &&
		    !machine_over_share(drv->mach) && machine_ask_others(drv->mach, BATCH)) {
			asked++;
			machine_wait_freed(drv->mach, seen, 50);
			continue;
		}
		r = paging_evict_one(drv);
		if (!r && drv->mach && ++empty < 200 &&
		    machine_ask_others(drv->mach, BATCH)) {
			machine_wait_freed(drv->mach, seen, 50);
		} else if (r < 0 || (!r && ++empty < 100)) {
			/* Until a page goes free, leaves PAGE_BUSY or loses its
			 * last pin.  At most a millisecond: another thread that
			 * held an enclave's lock (r < 0) lets go of it without a
			 * word, and on a machine another client's freed page is
			 * told on the machine's futex, not this driver's. */
			paging_event_wait(drv, events, 1);
		} else if (!r) {
			return drv_epc_alloc(drv);
		}
	}
	return NULL;
}

/* --- reload --------------------------------------------------------------- */

/* ELDU of page @i of @encl into @epc, its contents stored at @mem.
 * Return: 0, or -EIO after one line saying why. */
static int eldu(struct encl *encl, u64 i, void *epc, void *mem)
{
	struct drv *drv = encl->drv;
	struct sgx_pageinfo pginfo __aligned(32) = { 0 };
	u64 off = i * SGX_PAGE_SIZE;
	int ret;

	if (platform_epc_bind(drv->plat, epc, mem))
		return -EIO;
	pginfo.linaddr = encl->base + off;
	pginfo.srcpge = (u64)(uintptr_t)(encl->backing + off);
	pginfo.secinfo = (u64)(uintptr_t)&encl->pcmds[i];
	pginfo.secs = (u64)(uintptr_t)encl->secs;
	ret = encls_eldu(drv_lp(drv), &pginfo, epc, va_slot_lock(drv, encl->pages[i].va));
	va_slot_unlock(drv);
	if (ret) {
		/* Never accepted: the page stays out and the access fails. */
		log_err("enclave at %#llx: page %#llx does not reload (%s): its backing store "
			"was altered or replayed",
			(unsigned long long)encl->base, (unsigned long long)pginfo.linaddr,
			encls_faulted(ret) ? "fault" : sgx_status_name(ret));
		return -EIO;
	}
	return 0;
}

/* The EPC page @epc now lives at @mem (a copy is there); no leaf can hold
 * a page being reloaded for long. */
static void rehome(struct drv *drv, void *epc, void *mem)
{
	while (platform_epc_rehome(drv->plat, epc, mem) == -EBUSY)
		sched_yield();
}

/*
 * Reload page @i of @encl into @epc, in one step for other threads: ELDU
 * writes a private buffer, then UFFDIO_COPY puts the page into the memory
 * file and the process's mapping at once (a thread that touches it
 * meanwhile finds the hole and waits for us), and the EPC page moves
 * there.  No mprotect, unless the EPCM allows less than the mapping did
 * (a page may be pending, restricted or trimmed), which is applied before
 * the page appears.  Without the userfaultfd, for a page the process does
 * not map, or in a guest (whose VMM keeps where its pages live), ELDU
 * writes the memory file with the mapping closed.
 * Return: 0; 1 if the caller must set the mapping's protection
 * (encl_sync_prot()) once the page is present; -EIO if ELDU refused it.
 * Context: @encl's lock held.
 */
static int reload_into(struct encl *encl, u64 i, void *epc)
{
	struct drv *drv = encl->drv;
	struct encl_page *p = &encl->pages[i];
	/* Not the stack: a process that dies after ELDU leaves the page
	 * there for whoever takes the lock over (paging_repair()). */
	u8 *stage = encl->stage;
	u64 off = i * SGX_PAGE_SIZE, la = encl->base + off;
	int mapped = encl_page_prot(encl, i), was, now, err;
	struct uffdio_copy copy;

	if (!mapped || drv->proc->uffd < 0 || !platform_epc_can_rehome(drv->plat)) {
		/* Nobody sees the page until it is all there. */
		if (mapped)
			sys_mprotect((void *)(uintptr_t)la, SGX_PAGE_SIZE, PROT_NONE);
		err = eldu(encl, i, epc, encl->view + off);
		if (err)
			encl_sync_prot(encl, i);
		return err ? err : 1;
	}
	err = eldu(encl, i, epc, stage);
	if (err)
		return err;
	/* For an evicted page encl_host_prot() leaves the EPCM out. */
	was = encl_host_prot(encl, p, mapped);
	now = was & (int)platform_epcm_prot(drv->plat, epc);
	if (now != was)
		sys_mprotect((void *)(uintptr_t)la, SGX_PAGE_SIZE, now);
	do {
		copy = (struct uffdio_copy){ .dst = la, .src = (u64)(uintptr_t)stage,
					     .len = SGX_PAGE_SIZE };
		err = ioctl(drv->proc->uffd, UFFDIO_COPY, &copy) ? -errno : 0;
	} while (err == -EAGAIN);
	if (!err) {
		rehome(drv, epc, encl->view + off);
		return 0;
	}
	/* Not our mapping after all, or the file has the page: copy it in
	 * with the mapping closed. */
	sys_mprotect((void *)(uintptr_t)la, SGX_PAGE_SIZE, PROT_NONE);
	memcpy(encl->view + off, stage, SGX_PAGE_SIZE);
	rehome(drv, epc, encl->view + off);
	return 1;
}

/* Page @i is in @epc: the driver's again.  @sync: its mapping's
 * protection is to be set.  Context: @encl's lock held. */
static void reload_done(struct encl *encl, u64 i, void *epc, int sync)
{
	struct drv *drv = encl->drv;
	struct encl_page *p = &encl->pages[i];

	p->referenced = true;
	atomic_store(&p->epc, (u64)(uintptr_t)epc);
	drv_epc_commit(drv, epc);
	atomic_store(&p->state, PAGE_PRESENT);
	/* The spent version's slot last: one that dies before leaves the
	 * slot taken (it goes with the enclave), never given back twice. */
	va_put(drv, p->va);
	atomic_store(&encl->reloading, 0);
	if (sync)
		encl_sync_prot(encl, i);
}

/* A reload whose thread died: if ELDU took the page in, it goes on from
 * where it was (the file has it, or the stage does); if not, the page is
 * still out, its version unspent, and the EPC page goes back with its
 * allocating thread (drv_reap_dead()).  Context: @encl's lock taken over. */
static void reload_repair(struct encl *encl)
{
	u64 r = atomic_load(&encl->reloading), off;
	void *epc = encl->reload_epc;
	struct encl_page *p;

	if (!r || !encl->pages || r - 1 >= encl->size / SGX_PAGE_SIZE)
		return;
	off = (r - 1) * SGX_PAGE_SIZE;
	p = &encl->pages[r - 1];
	/* Not just valid: ours, this page.  One ELDU never filled went back
	 * to the free list (drv_reap_dead(), any process, no lock of ours)
	 * and may be another enclave's page by now. */
	if (atomic_load(&p->state) != PAGE_EVICTED || !epc ||
	    !platform_epc_holds(encl->drv->plat, epc, encl->secs, encl->base + off)) {
		atomic_store(&encl->reloading, 0);
		return;
	}
	/* Not in the file yet: the stage has it (UFFDIO_COPY puts it there
	 * in one step; after, the file is what other processes use). */
	if (lseek(encl->memfd, (off_t)off, SEEK_DATA) != (off_t)off)
		memcpy(encl->view + off, encl->stage, SGX_PAGE_SIZE);
	rehome(encl->drv, epc, encl->view + off);
	reload_done(encl, r - 1, epc, 1);
}

int paging_reload(struct encl *encl, u64 i)
{
	struct drv *drv = encl->drv;
	struct encl_page *p = &encl->pages[i];
	void *epc;
	int ret;

	/* Until the reclaimer that chose the page is done with it. */
	for (;;) {
		u32 seen = paging_event_seq(drv);

		if (atomic_load(&p->state) != PAGE_BUSY)
			break;
		/* Every way out of PAGE_BUSY is a paging_event(); the bound is
		 * a safety net, for one this file may someday miss, and for an
		 * evictor that died: taking its lock repairs what it left. */
		paging_event_wait(drv, seen, 100);
		if (atomic_load(&p->state) == PAGE_BUSY) {
			encl_lock(encl);
			encl_unlock(encl);
		}
	}
	if (atomic_load(&p->state) != PAGE_EVICTED)
		return 0;
	/* The EPC page first, with no lock held: getting it may evict. */
	epc = paging_alloc(drv);
	if (!epc)
		return -ENOMEM;
	encl_lock(encl);
	ret = 0;
	if (atomic_load(&p->state) != PAGE_EVICTED)
		goto out_free;
	encl->reload_epc = epc;
	atomic_store(&encl->reloading, i + 1);
	ret = reload_into(encl, i, epc);
	if (ret < 0) {
		atomic_store(&encl->reloading, 0);
		goto out_free;
	}
	reload_done(encl, i, epc, ret);
	atomic_fetch_add(&encl->nr_reloaded, 1);
	atomic_fetch_add(&drv->nr_reloaded, 1);
	if (encl->drv->mach)
		machine_count_paging(encl->drv->mach, 0, 1);
	encl_unlock(encl);
	return 0;
out_free:
	encl_unlock(encl);
	drv_epc_free(drv, epc);
	return ret;
}

int paging_reload_parked(struct encl *encl, u64 i)
{
	int err;

	/* Waiting on the OS is an AEX as far as ETRACK is concerned. */
	exec_park(0);
	err = paging_reload(encl, i);
	exec_unpark(0);
	return err;
}

void paging_repair(struct encl *encl)
{
	struct drv *drv = encl->drv;
	unsigned int k, n = atomic_load(&encl->nr_evicting);

	/* A leaf that died holds its VA page's entry lock. */
	va_lock(drv);
	for (k = 0; k < drv->nr_vas; k++)
		(void)platform_epc_valid(drv->plat, va_at(drv, k)->epc);
	shm_unlock(&drv->va_lock);
	reload_repair(encl);

	for (k = 0; k < n && k < BATCH; k++) {
		u64 i = encl->evicting[k];
		struct encl_page *p;
		void *epc;

		if (!encl->pages || i >= encl->size / SGX_PAGE_SIZE)
			continue;
		p = &encl->pages[i];
		if (atomic_load(&p->state) != PAGE_BUSY)
			continue;
		epc = (void *)(uintptr_t)atomic_load(&p->epc);
		if (epc && platform_epc_holds(drv->plat, epc, encl->secs,
					      encl->base + i * SGX_PAGE_SIZE)) {
			/* Not written back: it stays (blocked, maybe; a later
			 * pass evicts it), the driver's again. */
			drv_epc_commit(drv, epc);
			atomic_store(&p->state, PAGE_PRESENT);
			continue;
		}
		/* Written back: its version is in its VA slot, its data in the
		 * backing store.  The EPC page may have gone back already (a
		 * reaper found it taken by the dead evictor) and even be
		 * another enclave's since: drv_epc_claim() says. */
		fallocate(encl->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  (off_t)(i * SGX_PAGE_SIZE), SGX_PAGE_SIZE);
		if (epc && !drv_epc_claim(drv, epc))
			epc = NULL;
		atomic_store(&p->epc, 0);
		atomic_store(&p->state, PAGE_EVICTED);
		if (epc) {
			drv_epc_free(drv, epc);
			atomic_fetch_add(&encl->nr_evicted, 1);
			atomic_fetch_add(&drv->nr_evicted, 1);
		}
	}
	atomic_store(&encl->nr_evicting, 0);
	platform_evict_release(drv->plat, encl->secs);
	paging_event(drv);
}

static int fault(struct encl *encl, u64 la, u32 error_code)
{
	struct encl_page *p;
	int want;
	u8 state;
	u64 i;

	i = (la - encl->base) / SGX_PAGE_SIZE;
	p = &encl->pages[i];
	state = atomic_load(&p->state);
	/* What the access needs of the mapping (on x86 anything mapped reads). */
	want = (error_code & X86_PF_W) ? PROT_WRITE :
	       (error_code & X86_PF_I) ? PROT_EXEC : PROT_READ | PROT_WRITE | PROT_EXEC;
	/* A page the enclave does not have yet: SGX2 adds it (Linux's
	 * sgx_encl_eaug_page()), and the retried access finds it pending.
	 * An access the mapping refuses never gets that far on Linux. */
	if (state == PAGE_ABSENT)
		return (encl_page_prot(encl, i) & want) && !edmm_augment(encl, i) ? 0 : -EFAULT;
	if (state == PAGE_PRESENT) {
		/* Another thread made the page accessible (a reload, EACCEPT,
		 * EMODPE) after this access faulted and before we got here;
		 * its mprotect may still be on the way.  Make sure of it and
		 * retry, rather than report a fault that is no longer there
		 * (if the page went out meanwhile, its mapping is as eviction
		 * left it and the retry brings it back). */
		if (!(encl_host_prot(encl, p, encl_page_prot(encl, i)) & want))
			return -EFAULT;
		encl_sync_prot_parked(encl, i);
		return 0;
	}
	return paging_reload_parked(encl, i) ? -EFAULT : 0;
}

int paging_fault(void *ctx, u64 la, u32 error_code)
{
	struct encl *encl;
	int err = -EFAULT;

	mm_read_enter();
	encl = mm_find_drv(ctx, la);
	if (encl)
		err = fault(encl, la, error_code);
	mm_read_exit();
	return err;
}

static int pin(struct encl *encl, u64 la)
{
	struct encl_page *p;
	u64 i;

	i = (la - encl->base) / SGX_PAGE_SIZE;
	p = &encl->pages[i];
	for (;;) {
		u8 state;

		atomic_fetch_add(&p->pins, 1);
		state = atomic_load(&p->state);
		if (state == PAGE_PRESENT)
			return 0;
		atomic_fetch_sub(&p->pins, 1);
		if (state == PAGE_ABSENT) {
			if (edmm_augment(encl, i))
				return -EFAULT;
			continue;
		}
		/* Out, or on its way: bring it back, as the OS's fault
		 * handler would, and try again. */
		if (paging_reload_parked(encl, i))
			return -EFAULT;
	}
}

int paging_pin(void *ctx, u64 la)
{
	struct encl *encl;
	int err = -EFAULT;

	mm_read_enter();
	encl = mm_find_drv(ctx, la);
	if (encl)
		err = pin(encl, la);
	mm_read_exit();
	return err;
}

void paging_unpin(void *ctx, u64 la)
{
	struct encl *encl;

	mm_read_enter();
	encl = mm_find_drv(ctx, la);
	/* The last pin makes the page a candidate for a waiting reclaimer. */
	if (encl && atomic_fetch_sub(&encl->pages[(la - encl->base) / SGX_PAGE_SIZE].pins, 1) == 1)
		paging_event(encl->drv);
	mm_read_exit();
}

void paging_release(struct encl *encl)
{
	u64 k, i;

	if (!encl->pages)
		return;
	for_each_live_page(encl, k, i)
		if (atomic_load(&encl->pages[i].state) == PAGE_EVICTED)
			va_put(encl->drv, encl->pages[i].va);
}

void drv_paging_stats(struct drv *drv, u64 *evicted, u64 *reloaded)
{
	*evicted = atomic_load(&drv->nr_evicted);
	*reloaded = atomic_load(&drv->nr_reloaded);
}

static struct drv_encl_stats encl_stats(struct encl *e, bool live)
{
	return (struct drv_encl_stats){ .base = e->base, .size = e->size,
					.evicted = atomic_load(&e->nr_evicted),
					.reloaded = atomic_load(&e->nr_reloaded),
					.augmented = atomic_load(&e->nr_augmented),
					.removed = atomic_load(&e->nr_removed),
					.live = live };
}

int drv_encl_stats(struct drv *drv, unsigned int i, struct drv_encl_stats *out)
{
	unsigned int k, n = 0, past;
	int err = -ENOENT;

	for (k = 0; k < DRV_MAX_ENCLAVES; k++) {
		struct encl *e = atomic_load(&drv->proc->encls[k]);

		if (!e)
			continue;
		if (n++ == i) {
			*out = encl_stats(e, true);
			return 0;
		}
	}
	shm_lock(&drv->history_lock);
	past = drv->nr_history < 64 ? drv->nr_history : 64;
	if (i - n < past) {
		*out = drv->history[(drv->nr_history - 1 - (i - n)) % 64];
		err = 0;
	}
	shm_unlock(&drv->history_lock);
	return err;
}

void paging_retire(struct encl *encl)
{
	struct drv *drv = encl->drv;

	shm_lock(&drv->history_lock);
	drv->history[drv->nr_history++ % 64] = encl_stats(encl, false);
	shm_unlock(&drv->history_lock);
}
