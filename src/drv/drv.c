// SPDX-License-Identifier: MIT
/* The driver object: EPC page allocation and the page tables the processor walks. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/fork.h"
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

int drv_create(struct platform *plat, struct drv **out)
{
	struct platform_mmu mmu;
	struct drv *drv;
	u64 i, n = platform_epc_pages(plat);
	int err;

	drv = calloc(1, sizeof(*drv));
	if (!drv)
		return -ENOMEM;
	drv->plat = plat;
	drv->free = malloc(n * sizeof(*drv->free));
	if (!drv->free) {
		free(drv);
		return -ENOMEM;
	}
	/* Lowest index on top, so allocation order is predictable in tests. */
	for (i = 0; i < n; i++)
		drv->free[i] = n - 1 - i;
	drv->nr_free = n;
	pthread_mutex_init(&drv->lock, NULL);
	err = launch_init(&drv->launch, platform_config(plat)->nr_lps);
	if (err) {
		free(drv->free);
		free(drv);
		return err;
	}
	pthread_mutex_init(&drv->va_lock, NULL);
	pthread_mutex_init(&drv->history_lock, NULL);
	pthread_mutex_init(&drv->reclaim_lock, NULL);
	drv->uffd = -1;
	drv->wake_fd = -1;
	/* Linux's SGX_NR_LOW_PAGES and SGX_NR_HIGH_PAGES, for small EPCs a
	 * fraction of them. */
	drv->low_pages = n / 8 < 32 ? n / 8 : 32;
	drv->high_pages = n / 4 < 64 ? n / 4 : 64;
	drv->uffd_once = (pthread_once_t)PTHREAD_ONCE_INIT;
	mmu.walk = drv_walk;
	mmu.fault = paging_fault;
	mmu.pin = paging_pin;
	mmu.unpin = paging_unpin;
	mmu.update = drv_update;
	mmu.ctx = drv;
	err = platform_set_mmu(plat, &mmu);
	if (err) {
		drv_destroy(drv);
		return err;
	}
	mm_add_drv(drv);
	*out = drv;
	return 0;
}

static void reinit_lock(pthread_mutex_t *m)
{
	pthread_mutex_init(m, NULL);
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
	u64 k;

	reinit_lock(&drv->lock);
	reinit_lock(&drv->va_lock);
	reinit_lock(&drv->reclaim_lock);
	reinit_lock(&drv->history_lock);
	for (i = 0; i < drv->launch.nr_lps; i++)
		reinit_lock(&drv->launch.lps[i].lock);
	/* The parent's reclaimer thread is not ours, nor its userfaultfd
	 * (which names the parent's memory). */
	if (drv->uffd >= 0)
		sys_close(drv->uffd);
	drv->uffd = -1;
	drv->uffd_once = (pthread_once_t)PTHREAD_ONCE_INIT;
	if (drv->wake_fd >= 0)
		sys_close(drv->wake_fd);
	drv->wake_fd = -1;
	drv->reclaimer_running = false;
	if (drv->mach)
		machine_fork_child(drv->mach);
	/* Every enclave here is the parent's; their EPC pages, and the VA
	 * pages that hold versions of their evicted ones, are the child's to
	 * use (its machine is a copy). */
	for (i = 0; i < DRV_MAX_ENCLAVES; i++) {
		struct encl *e = atomic_exchange(&drv->encls[i], NULL);

		if (!e || !e->forked)
			continue;
		for (k = 0; e->pages && k < atomic_load(&e->nr_live) * ENCL_CHUNK_PAGES; k++) {
			u64 pg = encl_live_page(e, k);

			if (pg < e->size / SGX_PAGE_SIZE)
				forget(drv, (void *)(uintptr_t)atomic_exchange(&e->pages[pg].epc, 0));
		}
		forget(drv, e->secs);
		e->secs = NULL;
	}
	paging_fork_reset(drv);
}

void drv_destroy(struct drv *drv)
{
	if (!drv)
		return;
	/* A child of a bare fork has the parent's reclaimer to join and the
	 * parent's pages to give back until it lets go of them. */
	fork_check();
	mm_remove_drv(drv);
	paging_destroy(drv);
	pthread_mutex_destroy(&drv->lock);
	launch_destroy(&drv->launch);
	machine_detach(drv->mach);
	free(drv->free);
	free(drv);
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
	pthread_mutex_lock(&drv->lock);
	n = drv->nr_free;
	pthread_mutex_unlock(&drv->lock);
	return n;
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
		pthread_mutex_lock(&drv->lock);
		if (drv->nr_free)
			page = platform_epc_page(drv->plat, drv->free[--drv->nr_free]);
		left = drv->nr_free;
		pthread_mutex_unlock(&drv->lock);
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
		pthread_mutex_lock(&drv->lock);
		drv->free[drv->nr_free++] = (u64)i;
		pthread_mutex_unlock(&drv->lock);
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

int drv_add_encl(struct drv *drv, struct encl *encl)
{
	int i;

	for (i = 0; i < DRV_MAX_ENCLAVES; i++) {
		struct encl *none = NULL;

		if (atomic_compare_exchange_strong(&drv->encls[i], &none, encl))
			return 0;
	}
	return -ENOSPC;
}

void drv_remove_encl(struct drv *drv, struct encl *encl)
{
	int i;

	for (i = 0; i < DRV_MAX_ENCLAVES; i++) {
		struct encl *e = encl;

		atomic_compare_exchange_strong(&drv->encls[i], &e, NULL);
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
