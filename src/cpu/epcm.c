// SPDX-License-Identifier: MIT
/* The EPCM invariant checker and the bracket around every ENCLS leaf. */
#include "cpu/epcm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bug.h"
#include "base/shm.h"
#include "cpu/leaf.h"
#include "cpu/secs.h"

/* Check one valid page; return NULL or what is wrong with it. */
static const char *check_page(const struct platform *plat, const struct epc_page *page)
{
	const struct epcm_entry *e = &page->epcm;
	const struct epc_page *secs = e->secs;
	const struct sgx_secs *s;

	if (e->pt == SGX_PT_SECS || e->pt == SGX_PT_VA) {
		if (secs)
			return "SECS or VA page belongs to an enclave";
		if (e->flags & EPCM_BLOCKED)
			return "SECS or VA page is blocked";
		if (e->flags & SGX_SECINFO_PERM_MASK)
			return "SECS or VA page has permissions";
		return NULL;
	}
	if (!pt_is_child(e->pt))
		return "page has an unknown type";
	if (!secs || secs < plat->epc || secs >= plat->epc + plat->nr_epc_pages)
		return "child page has no SECS";
	if (!secs->epcm.valid || secs->epcm.pt != SGX_PT_SECS)
		return "child page's SECS is not a valid SECS";
	s = secs_of(secs->mem);
	if (!is_aligned(e->enclave_address, SGX_PAGE_SIZE) || e->enclave_address < s->baseaddr ||
	    e->enclave_address - s->baseaddr >= s->size)
		return "child page is outside its enclave's ELRANGE";
	if ((e->pt == SGX_PT_TCS || e->pt == SGX_PT_TRIM) && (e->flags & SGX_SECINFO_PERM_MASK))
		return "TCS or TRIM page has permissions";
	/* EAUG makes PENDING REG pages, EMODPR PR ones, EMODT MODIFIED TCS
	 * and TRIM ones; each clears the others' state or refuses. */
	if ((e->flags & (EPCM_PENDING | EPCM_PR)) && e->pt != SGX_PT_REG)
		return "PENDING or PR page is not a REG page";
	if ((e->flags & EPCM_MODIFIED) && e->pt == SGX_PT_REG)
		return "MODIFIED page is a REG page";
	if (__builtin_popcount(e->flags & (EPCM_PENDING | EPCM_MODIFIED | EPCM_PR)) > 1)
		return "page is in more than one of PENDING, MODIFIED and PR";
	if ((e->flags & SGX_SECINFO_W) && !(e->flags & SGX_SECINFO_R))
		return "page is writable but not readable";
	return NULL;
}

const char *epcm_check(const struct platform *plat, u64 *index)
{
	const char *bad = NULL;
	u64 i, *counts;

	plat = plat->root; /* one EPCM per machine, guests included */
	counts = plat->check_counts;
	if (!counts)
		return NULL;
	memset(counts, 0, plat->nr_epc_pages * sizeof(*counts));
	for (i = 0; i < plat->nr_epc_pages && !bad; i++) {
		const struct epc_page *page = &plat->epc[i];

		*index = i;
		if (!page->epcm.valid) {
			if (atomic_load(&page->nr_children))
				bad = "invalid page has children";
			continue;
		}
		bad = check_page(plat, page);
		if (!bad && pt_is_child(page->epcm.pt))
			counts[page->epcm.secs - plat->epc]++;
	}
	for (i = 0; i < plat->nr_epc_pages && !bad; i++) {
		const struct epc_page *page = &plat->epc[i];

		if (page->epcm.valid && page->epcm.pt == SGX_PT_SECS &&
		    atomic_load(&page->nr_children) != counts[i]) {
			*index = i;
			bad = "SECS child count does not match its children";
		}
	}
	return bad;
}

void leaf_begin(struct platform *plat)
{
	ept_scope_begin();
	plat = plat->root;
	if (plat->epcm_check && !plat->cfg.fork_shared) {
		pthread_rwlock_rdlock(&plat->check_lock);
	} else if (plat->epcm_check) {
		struct timespec ts;
		unsigned int waits;

		/* Shared with other processes, the lock may be held by a checker
		 * that died: then the checker stops for good (and the holds of
		 * leaves in flight with it).  One that said who it is is looked
		 * at every 50 ms: waiting the whole 2 s for a dead one stalled
		 * the kill test's paging for 2 s in about one run in ten (found
		 * by stack dumps of rounds that took that long: the reclaimer
		 * in EBLOCK's leaf_begin(), holding the enclave's lock, and the
		 * enclave's thread waiting for that lock). */
		for (waits = 0;; waits++) {
			s32 tid;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (!pthread_rwlock_timedrdlock(&plat->check_lock, &ts))
				break;
			tid = atomic_load(&plat->check_tid);
			if ((tid && !shm_tid_alive(tid)) || waits >= 40) {
				plat->epcm_check = false;
				break;
			}
		}
	}
}

int leaf_end(struct platform *plat, int ret)
{
	const char *bad;
	u64 index;

	ept_scope_end();
	plat = plat->root;
	if (!plat->epcm_check)
		return ret;
	pthread_rwlock_unlock(&plat->check_lock);
	/* Another leaf in flight means the EPCM is mid-update; skip this one. */
	if (pthread_rwlock_trywrlock(&plat->check_lock))
		return ret;
	atomic_store(&plat->check_tid, shm_self_tid());
	bad = epcm_check(plat, &index);
	atomic_store(&plat->check_tid, 0);
	pthread_rwlock_unlock(&plat->check_lock);
	if (bad) {
		char msg[160];

		snprintf(msg, sizeof(msg), "EPCM invariant broken at page %llu: %s",
			 (unsigned long long)index, bad);
		bug_fail(__FILE__, __LINE__, msg);
	}
	return ret;
}

static bool in_window(const struct platform *plat, uintptr_t s, size_t len)
{
	uintptr_t base = (uintptr_t)plat->epc_window;

	return s + len > base && s < base + plat->cfg.epc_size;
}

void leaf_read_nonenclave(const struct platform *plat, void *dst, const void *src, size_t len)
{
	uintptr_t s = (uintptr_t)src;

	/* A guest's window and its host's are both EPC. */
	if (in_window(plat, s, len) || in_window(plat->root, s, len))
		memset(dst, 0xFF, len);
	else
		memcpy(dst, src, len);
}

void leaf_write_nonenclave(const struct platform *plat, void *dst, const void *src, size_t len)
{
	uintptr_t d = (uintptr_t)dst;

	if (!in_window(plat, d, len) && !in_window(plat->root, d, len))
		memcpy(dst, src, len);
}
