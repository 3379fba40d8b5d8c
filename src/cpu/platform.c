// SPDX-License-Identifier: MIT
/* The platform object: configuration, EPC, logical processors, CPUID, MSRs. */
#include "base/shm.h"
#include "base/sys.h"
#include "cpu/platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/x86.h"
#include "cpu/leaf.h"
#include "cpu/crypto.h"
#include "cpu/exec/exec.h"
#include "cpu/state.h"
#include "cpu/track.h"

/* 0xa6053e051270b7ac, ...: SHA-256 of Intel's launch enclave signing key. */
const u64 platform_intel_lehash[4] = {
	0xa6053e051270b7acULL,
	0x6cfbe8ba8b3b413dULL,
	0xc4916d99f2b3735dULL,
	0xd4f8c05909f9bb3bULL,
};

/* Where CPUID.(12H,2) says the EPC section starts; never dereferenced. */
#define PLATFORM_EPC_PA 0x0000000080000000ULL

void platform_config_default(struct platform_config *cfg)
{
	static const u8 cpusvn[SGX_CPUSVN_SIZE] = { 0x0e, 0x0e, 0x02, 0x04, 0x01, 0x80, 0x00, 0x00,
						    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

	memset(cfg, 0, sizeof(*cfg));
	cfg->epc_size = PLATFORM_DEFAULT_EPC_SIZE;
	cfg->nr_lps = 2;
	/* SGX2 leaves come with EDMM support; until then the platform reports
	 * SGX1 only, as hardware without SGX2 does. */
	cfg->sgx2 = true;
	cfg->aexnotify = true;
	cfg->max_enclave_size_log2 = PLATFORM_DEFAULT_MAX_ENCLAVE_SIZE_LOG2;
	memcpy(cfg->cpusvn, cpusvn, sizeof(cpusvn));
	memcpy(cfg->lehash, platform_intel_lehash, sizeof(cfg->lehash));
}

static u64 host_xcr0(void)
{
	u32 lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (u64)hi << 32 | lo;
}

static void read_xsave_layout(struct platform *plat)
{
	unsigned int i, a, b, c, d;

	for (i = 2; i < 64; i++) {
		if (!(plat->xfrm_mask & BIT_ULL(i)))
			continue;
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xD), "c"(i));
		plat->xsave_off[i] = b;
		plat->xsave_len[i] = a;
	}
}

u64 platform_xsave_size(const struct platform *plat, u64 xfrm)
{
	u64 size = 512 + 64; /* legacy region and XSAVE header */
	unsigned int i;

	for (i = 2; i < 64; i++) {
		if ((xfrm & BIT_ULL(i)) && plat->xsave_off[i] + plat->xsave_len[i] > size)
			size = plat->xsave_off[i] + plat->xsave_len[i];
	}
	return size;
}

static int check_config(const struct platform_config *cfg, char *why, size_t whylen)
{
	if (cfg->epc_size < PLATFORM_MIN_EPC_SIZE || cfg->epc_size % SGX_PAGE_SIZE ||
	    cfg->epc_size > PLATFORM_MAX_EPC_SIZE) {
		snprintf(why, whylen,
			 "EPC size %llu is not a multiple of 4096 between 64 KiB and 64 GiB",
			 (unsigned long long)cfg->epc_size);
		return -EINVAL;
	}
	if (cfg->nr_lps < 1 || cfg->nr_lps > PLATFORM_MAX_LPS) {
		snprintf(why, whylen, "%u logical processors: need 1 to %d", cfg->nr_lps,
			 PLATFORM_MAX_LPS);
		return -EINVAL;
	}
	if (cfg->max_enclave_size_log2 < PLATFORM_MIN_ENCLAVE_SIZE_LOG2 ||
	    cfg->max_enclave_size_log2 > PLATFORM_MAX_ENCLAVE_SIZE_LOG2) {
		snprintf(why, whylen, "maximum enclave size 2^%u: need 2^13 to 2^%u",
			 cfg->max_enclave_size_log2, PLATFORM_MAX_ENCLAVE_SIZE_LOG2);
		return -EINVAL;
	}
	return 0;
}

/* CPUID.(12H,*): what @cfg asks for, within @miscselect, @attributes and
 * @xfrm (what the processor, or a guest's host, supports). */
static void set_cpuid(struct platform *plat, const struct platform_config *cfg,
		      u32 miscselect, u64 attributes, u64 xfrm)
{
	plat->miscselect_mask = miscselect & (cfg->miscselect ? cfg->miscselect : ~0U);
	plat->attributes_mask = attributes & (cfg->attributes ? cfg->attributes : ~0ULL);
	if (!cfg->aexnotify)
		plat->attributes_mask &= ~SGX_ATTR_AEXNOTIFY;
	/* x87 and SSE state are always there. */
	plat->xfrm_mask = xfrm & (cfg->xfrm ? cfg->xfrm | SGX_XFRM_LEGACY : ~0ULL);
}

/* The LPs, with the MSRs as the BIOS leaves them: SGX on and locked, the
 * hash at cfg->lehash, writable unless cfg->lc_locked. */
static int init_lps(struct platform *plat)
{
	const struct platform_config *cfg = &plat->cfg;
	unsigned int i;

	plat->lps = shm_zalloc(cfg->nr_lps * sizeof(*plat->lps), cfg->fork_shared);
	if (!plat->lps)
		return -ENOMEM;
	for (i = 0; i < cfg->nr_lps; i++) {
		struct lp *lp = &plat->lps[i];

		lp->plat = plat;
		lp->id = i;
		lp->feature_control = FEAT_CTL_LOCKED | FEAT_CTL_SGX_ENABLED;
		if (!cfg->lc_locked)
			lp->feature_control |= FEAT_CTL_SGX_LC_ENABLED;
		memcpy(lp->lepubkeyhash, cfg->lehash, sizeof(lp->lepubkeyhash));
	}
	return 0;
}

int platform_create(const struct platform_config *cfg, struct platform **out, char *why,
		    size_t whylen)
{
	struct platform *plat;
	u64 p;
	int err;

	err = check_config(cfg, why, whylen);
	if (err)
		return err;
	err = crypto_init();
	if (err) {
		snprintf(why, whylen, "libcrypto cannot make its AES-GCM contexts");
		return err;
	}
	plat = shm_zalloc(sizeof(*plat), cfg->fork_shared);
	if (!plat)
		goto err_nomem;
	plat->cfg = *cfg;
	plat->root = plat;
	err = state_dir_open(cfg->state_dir, plat->state_dir, sizeof(plat->state_dir), why,
			     whylen);
	if (err)
		goto err_free;
	plat->cfg.state_dir = plat->state_dir;
	err = state_load_secrets(plat->state_dir, &plat->secrets, why, whylen);
	if (err)
		goto err_free;

	set_cpuid(plat, cfg, SGX_MISC_EXINFO,
		  SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_PROVISIONKEY |
			  SGX_ATTR_EINITTOKENKEY | SGX_ATTR_KSS | SGX_ATTR_AEXNOTIFY,
		  host_xcr0());
	read_xsave_layout(plat);
	plat->epc_pa = PLATFORM_EPC_PA;
	plat->nr_epc_pages = cfg->epc_size / SGX_PAGE_SIZE;
	/* The window is the EPC's home storage; NORESERVE so untouched pages
	 * cost nothing. */
	plat->epc_window = shm_zalloc(cfg->epc_size, cfg->fork_shared);
	if (!plat->epc_window)
		goto err_nomem;
	plat->epc = shm_zalloc(plat->nr_epc_pages * sizeof(*plat->epc), cfg->fork_shared);
	if (!plat->epc || init_lps(plat))
		goto err_nomem;
	for (p = 0; p < plat->nr_epc_pages; p++)
		plat->epc[p].mem = plat->epc_window + p * SGX_PAGE_SIZE;
	atomic_init(&plat->next_eid, 1);
	atomic_init(&plat->nr_procs, 1);
	/* CR_REPORT_KEYID is the host boot's (doc/decisions.md); the paging
	 * key is this instance's, as its EPC is. */
	err = state_report_keyid(plat->state_dir, plat->report_keyid, why, whylen);
	if (err)
		goto err_free;
	err = crypto_random(plat->paging_key, sizeof(plat->paging_key));
	atomic_init(&plat->next_version, 1);
	if (err) {
		snprintf(why, whylen, "cannot get random bytes: %s", strerror(-err));
		goto err_free;
	}
	err = shm_rwlock_init(&plat->check_lock, cfg->fork_shared);
	if (err) {
		snprintf(why, whylen, "cannot make the EPCM checker's lock: %s", strerror(-err));
		goto err_free;
	}
	plat->check_lock_made = true;
#ifdef SGXEMU_DEBUG
	plat->check_counts = shm_zalloc(plat->nr_epc_pages * sizeof(*plat->check_counts),
					cfg->fork_shared);
	plat->epcm_check = plat->check_counts != NULL;
#endif
	*out = plat;
	return 0;

err_nomem:
	err = -ENOMEM;
	snprintf(why, whylen, "out of memory for a %llu-byte EPC",
		 (unsigned long long)cfg->epc_size);
err_free:
	platform_destroy(plat);
	return err;
}

int platform_create_guest(struct platform *host, const struct platform_config *cfg,
			  void *window, const struct platform_ept *ept,
			  const struct platform_vmexits *exits, struct platform **out, char *why,
			  size_t whylen)
{
	struct platform *plat;
	int err;

	err = check_config(cfg, why, whylen);
	if (err)
		return err;
	if (host->root != host || !window || !ept || !ept->get) {
		snprintf(why, whylen, "a guest needs a host platform, an EPC window and an EPT");
		return -EINVAL;
	}
	if (cfg->sgx2 && !host->cfg.sgx2) {
		snprintf(why, whylen, "a guest cannot have SGX2 on a host without it");
		return -EINVAL;
	}
	if (cfg->aexnotify && !host->cfg.aexnotify) {
		snprintf(why, whylen, "a guest cannot have AEX-Notify on a host without it");
		return -EINVAL;
	}
	if (cfg->max_enclave_size_log2 > host->cfg.max_enclave_size_log2) {
		snprintf(why, whylen, "maximum enclave size 2^%u is above the host's 2^%u",
			 cfg->max_enclave_size_log2, host->cfg.max_enclave_size_log2);
		return -EINVAL;
	}
	/* A guest's platform is its VMM's, which no child of fork() shares. */
	plat = shm_zalloc(sizeof(*plat), false);
	if (!plat) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	plat->cfg = *cfg;
	plat->cfg.fork_shared = false;
	/* One physical machine: the host's state, CPUSVN and keys. */
	memcpy(plat->state_dir, host->state_dir, sizeof(plat->state_dir));
	plat->cfg.state_dir = plat->state_dir;
	memcpy(plat->cfg.cpusvn, host->cfg.cpusvn, sizeof(plat->cfg.cpusvn));
	plat->secrets = host->secrets;
	memcpy(plat->report_keyid, host->report_keyid, sizeof(plat->report_keyid));
	memcpy(plat->paging_key, host->paging_key, sizeof(plat->paging_key));
	plat->root = host;
	plat->ept = *ept;
	if (exits)
		plat->exits = *exits;
	set_cpuid(plat, cfg, host->miscselect_mask, host->attributes_mask, host->xfrm_mask);
	memcpy(plat->xsave_off, host->xsave_off, sizeof(plat->xsave_off));
	memcpy(plat->xsave_len, host->xsave_len, sizeof(plat->xsave_len));
	plat->epc_pa = PLATFORM_EPC_PA;
	plat->epc_window = window;
	plat->nr_epc_pages = cfg->epc_size / SGX_PAGE_SIZE;
	if (init_lps(plat)) {
		platform_destroy(plat);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	*out = plat;
	return 0;
}

void *platform_epc_host(const struct platform *plat, const void *addr)
{
	s64 i = platform_epc_index(plat, addr);
	struct epc_page *page;

	if (i < 0)
		return NULL;
	if (!plat->ept.get)
		return (void *)addr;
	page = ept_page_peek(plat, (u64)i);
	return page ? platform_epc_page(plat->root, (u64)(page - plat->root->epc)) : NULL;
}

u64 platform_epc_pa(const struct platform *plat, const void *addr)
{
	s64 i = platform_epc_index(plat, addr);

	return i < 0 ? 0 : plat->epc_pa + (u64)i * SGX_PAGE_SIZE;
}

s64 platform_epc_pa_index(const struct platform *plat, u64 pa)
{
	if (pa < plat->epc_pa || pa - plat->epc_pa >= plat->cfg.epc_size ||
	    (pa - plat->epc_pa) % SGX_PAGE_SIZE)
		return -1;
	return (s64)((pa - plat->epc_pa) / SGX_PAGE_SIZE);
}

int platform_vmxon(struct platform *plat)
{
	if (plat->root != plat)
		return -EINVAL;
	atomic_fetch_add(&plat->vmx_users, 1);
	return 0;
}

void platform_vmxoff(struct platform *plat)
{
	unsigned int n = atomic_load(&plat->vmx_users);

	while (n && !atomic_compare_exchange_weak(&plat->vmx_users, &n, n - 1))
		;
}

bool lp_vmx_root(const struct lp *lp)
{
	return lp->plat->root == lp->plat && atomic_load(&lp->plat->vmx_users) > 0;
}

void platform_vmm_hold(struct platform *plat, void *secs)
{
	struct epc_page *page = epc_page_peek(plat, secs);

	/* The hold first, the count after: see track_enter_unheld(). */
	if (page)
		atomic_fetch_add(&page->vmm_hold, 1);
}

void platform_evict_hold(struct platform *plat, void *secs)
{
	struct epc_page *page = epc_page_peek(plat, secs);

	if (page) {
		atomic_store(&page->evict_tid, shm_self_tid());
		atomic_fetch_or(&page->vmm_hold, EPC_EVICT_HOLD);
	}
}

void platform_evict_release(struct platform *plat, void *secs)
{
	struct epc_page *page = epc_page_peek(plat, secs);

	if (page && (atomic_fetch_and(&page->vmm_hold, ~EPC_EVICT_HOLD) == EPC_EVICT_HOLD) &&
	    atomic_load(&page->hold_waiters))
		sys_futex_wake(&page->vmm_hold);
}

void platform_evictor_died(struct platform *plat, struct epc_page *secs)
{
	struct platform *root = plat ? plat->root : NULL;
	void *addr;

	if (!root || !root->epc || secs < root->epc || secs >= root->epc + root->nr_epc_pages) {
		atomic_fetch_and(&secs->vmm_hold, ~EPC_EVICT_HOLD);
		return;
	}
	addr = platform_epc_page(root, (u64)(secs - root->epc));
	if (root->mmu.evictor_died)
		root->mmu.evictor_died(root->mmu.ctx, addr);
	else
		platform_evict_release(root, addr);
}

bool platform_epc_valid(struct platform *plat, void *epc)
{
	struct epc_page *page = epc_page_peek(plat, epc);

	if (!page)
		return false;
	epc_unlock_dead(&page->lock);
	return page->epcm.valid;
}

bool platform_epc_holds(struct platform *plat, void *epc, void *secs, u64 linaddr)
{
	struct epc_page *sp = epc_page_peek(plat, secs);

	return sp && platform_epc_valid(plat, epc) &&
	       epc_page_peek(plat, epc)->epcm.secs == sp &&
	       epc_page_peek(plat, epc)->epcm.enclave_address == linaddr;
}

bool platform_epc_is_va(struct platform *plat, void *epc)
{
	struct epc_page *page = epc_page_peek(plat, epc);

	return page && page->epcm.valid && page->epcm.pt == SGX_PT_VA;
}

unsigned int platform_reap_inside(struct platform *plat, void *secs)
{
	return platform_inside(plat, secs, true);
}

/* The TCS pages of the enclave whose SECS is @sp that record a thread. */
#define for_each_recorded_tcs(plat, sp, tcs, i)                                       \
	for ((i) = 0; (i) < (plat)->root->nr_epc_pages; (i)++)                          \
		if (((tcs) = &(plat)->root->epc[(i)]), !atomic_load(&(tcs)->tcs_tid) || \
			 !(tcs)->epcm.valid || (tcs)->epcm.pt != SGX_PT_TCS ||            \
			 (tcs)->epcm.secs != (sp))                                        \
			;                                                                 \
		else

/* Lower @count to @c if it is above it and has not moved since it read @v. */
static void recount_one(atomic_uint *count, unsigned int v, unsigned int c)
{
	if (v > c)
		atomic_compare_exchange_strong(count, &v, c);
}

/*
 * Make @sp's counts of threads inside (nr_active, and inside[] by epoch)
 * again from the TCSs of the threads that live.  A thread records itself
 * on its TCS before it counts itself in and counts itself out before it
 * clears the record (track_enter(), enclu_enter_mode()), so a count read
 * before the records are can only be above what the live records add up
 * to by the counts of threads that died: it is lowered, never raised.  A
 * thread that has recorded itself and not yet counted makes the sum too
 * high for a moment, and the count stays above the truth until the next
 * recount, which the waits that call this make.
 */
static void platform_recount(struct platform *plat, struct epc_page *sp)
{
	unsigned int v0 = atomic_load(&sp->inside[0]), v1 = atomic_load(&sp->inside[1]);
	unsigned int va = atomic_load(&sp->nr_active), c0 = 0, c1 = 0, ca = 0;
	struct epc_page *tcs;
	u64 i;

	for_each_recorded_tcs(plat, sp, tcs, i) {
		u64 e;

		if (!shm_tid_alive(atomic_load(&tcs->tcs_tid)))
			continue;
		ca++;
		e = atomic_load(&tcs->counted);
		if (e)
			*((e - 1) & 1 ? &c1 : &c0) += 1;
	}
	recount_one(&sp->inside[0], v0, c0);
	recount_one(&sp->inside[1], v1, c1);
	recount_one(&sp->nr_active, va, ca);
	sys_event_signal(&sp->exits);
}

unsigned int platform_inside(struct platform *plat, void *secs, bool reap)
{
	struct epc_page *sp = epc_page_peek(plat, secs), *tcs;
	unsigned int n = 0;
	u64 i;

	if (!sp || !plat->root->epc)
		return 0;
	for_each_recorded_tcs(plat, sp, tcs, i) {
		s32 tid = atomic_load(&tcs->tcs_tid);

		if (!reap) {
			n++;
			continue;
		}
		/* -1: another reaper has it.  Its record of the epoch goes
		 * before the TCS is free for another thread to record its own. */
		if (tid <= 0 || shm_tid_alive(tid) ||
		    !atomic_compare_exchange_strong(&tcs->tcs_tid, &tid, -1))
			continue;
		atomic_store(&tcs->counted, 0);
		atomic_store(&tcs->tcs_tid, 0);
		atomic_store(&tcs->tcs_active, false);
		n++;
	}
	if (reap)
		platform_recount(plat, sp);
	return n;
}

unsigned int platform_inside_tids(struct platform *plat, void *secs, s32 *tids, unsigned int max)
{
	struct epc_page *sp = epc_page_peek(plat, secs), *tcs;
	unsigned int n = 0;
	u64 i;

	if (!sp || !plat->root->epc)
		return 0;
	for_each_recorded_tcs(plat, sp, tcs, i) {
		s32 tid = atomic_load(&tcs->tcs_tid);

		if (tid > 0 && n < max)
			tids[n++] = tid;
	}
	return n;
}

bool platform_vmm_quiet(struct platform *plat, void *secs)
{
	struct epc_page *page = epc_page_peek(plat, secs);

	if (!page || (!atomic_load(&page->inside[0]) && !atomic_load(&page->inside[1])))
		return true;
	/* Threads that run natively take an AEX and stay out. */
	exec_kick(plat, secs);
	return false;
}

void platform_vmm_release(struct platform *plat, void *secs)
{
	struct epc_page *page = epc_page_peek(plat, secs);

	/* The hold first, the sleepers after: see track_enter_unheld().  A
	 * system call only when the last hold goes and somebody sleeps. */
	if (page && atomic_fetch_sub(&page->vmm_hold, 1) == 1 &&
	    atomic_load(&page->hold_waiters))
		sys_futex_wake(&page->vmm_hold);
}

u32 platform_exit_seq(struct platform *plat, void *secs)
{
	struct epc_page *page = epc_page_peek(plat, secs);

	return page ? sys_event_seq(&page->exits) : 0;
}

void platform_exit_wait(struct platform *plat, void *secs, u32 seen, int ms)
{
	struct epc_page *page = epc_page_peek(plat, secs);

	if (page)
		sys_event_wait(&page->exits, seen, ms);
}

int platform_ept_fault(struct platform *plat, u64 linaddr)
{
	unsigned int prot;
	void *epc;
	s64 i;

	if (!plat->ept.violation || !plat->mmu.walk ||
	    plat->mmu.walk(plat->mmu.ctx, linaddr & ~(u64)(SGX_PAGE_SIZE - 1), &epc, &prot))
		return -EFAULT;
	i = platform_epc_index(plat, epc);
	if (i < 0)
		return -EFAULT;
	return plat->ept.violation(plat->ept.ctx, (u64)i);
}

int lp_gp_into(struct lp *lp)
{
	return lp_gp(lp);
}

int lp_pf_into(struct lp *lp, const void *addr, bool write)
{
	return lp_pf(lp, addr, write);
}

int platform_reflect(struct lp *lp, const struct lp *host, int ret)
{
	if (!encls_faulted(ret))
		return ret;
	return lp_raise(lp, host->fault.vector, host->fault.error_code, host->fault.addr);
}

void platform_fork_join(struct platform *plat)
{
	atomic_fetch_add(&plat->nr_procs, 1);
}

bool platform_shared_with_others(const struct platform *plat)
{
	return plat->cfg.fork_shared && atomic_load(&plat->nr_procs) > 1;
}

/* Let go of this process's mappings of a shared machine, which others
 * still use: nothing in them is written. */
static void platform_unmap(struct platform *plat)
{
	u64 pages = plat->nr_epc_pages;

	shm_free(plat->epc_window, plat->cfg.epc_size);
	shm_free(plat->epc, pages * sizeof(*plat->epc));
	shm_free(plat->lps, plat->cfg.nr_lps * sizeof(*plat->lps));
	shm_free(plat->check_counts, pages * sizeof(*plat->check_counts));
	shm_free(plat, sizeof(*plat));
}

void platform_destroy(struct platform *plat)
{
	if (!plat)
		return;
	if (plat->mmu.walk)
		exec_unregister(plat);
	if (plat->cfg.fork_shared && atomic_fetch_sub(&plat->nr_procs, 1) > 1) {
		platform_unmap(plat);
		return;
	}
	if (plat->check_lock_made)
		pthread_rwlock_destroy(&plat->check_lock);
	memset(&plat->secrets, 0, sizeof(plat->secrets));
	/* A guest's window is its VMM's. */
	if (plat->root != plat)
		plat->epc_window = NULL;
	platform_unmap(plat);
}

const struct platform_config *platform_config(const struct platform *plat)
{
	return &plat->cfg;
}

const char *platform_state_dir(const struct platform *plat)
{
	return plat->state_dir;
}

struct lp *platform_lp(struct platform *plat, unsigned int id)
{
	return id < plat->cfg.nr_lps ? &plat->lps[id] : NULL;
}

unsigned int lp_id(const struct lp *lp)
{
	return lp->id;
}

const struct lp_fault *lp_last_fault(const struct lp *lp)
{
	return &lp->fault;
}

void lp_inject_event(struct lp *lp)
{
	lp->pending_event = true;
}

u64 platform_epc_pages(const struct platform *plat)
{
	return plat->nr_epc_pages;
}

void *platform_epc_page(const struct platform *plat, u64 index)
{
	return index < plat->nr_epc_pages ? plat->epc_window + index * SGX_PAGE_SIZE : NULL;
}

s64 platform_epc_index(const struct platform *plat, const void *addr)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)plat->epc_window;

	if (a < base || a - base >= plat->cfg.epc_size)
		return -1;
	return (s64)((a - base) / SGX_PAGE_SIZE);
}

int platform_epc_forget(struct platform *plat, void *addr)
{
	void *home = platform_epc_host(plat, addr);
	struct epc_page *page = home ? epc_page_at(plat->root, home) : NULL;

	if (!page)
		return -EINVAL;
	memset(&page->epcm, 0, sizeof(page->epcm));
	atomic_store(&page->lock, 0);
	atomic_store(&page->nr_children, 0);
	atomic_store(&page->nr_active, 0);
	atomic_store(&page->mr_lock, 0);
	atomic_store(&page->tcs_active, false);
	atomic_store(&page->tcs_tid, 0);
	atomic_store(&page->counted, 0);
	atomic_store(&page->inside[0], 0);
	atomic_store(&page->inside[1], 0);
	page->track_pending = false;
	page->mem = home;
	return 0;
}

void platform_epc_reap(struct platform *plat, void *secs, void (*take)(void *ctx, void *epc),
		       void (*give)(void *ctx, void *epc), void *ctx)
{
	struct epc_page *sp = epc_page_peek(plat, secs);
	u64 i;

	if (!sp || plat->root != plat)
		return;
	/* As a leaf: the EPCM checker sees it done or not begun. */
	leaf_begin(plat);
	for (i = 0; i < plat->nr_epc_pages; i++) {
		struct epc_page *page = &plat->epc[i];
		void *addr = platform_epc_page(plat, i);

		if (page == sp || !page->epcm.valid || page->epcm.secs != sp)
			continue;
		take(ctx, addr);
		platform_epc_forget(plat, addr);
		atomic_fetch_sub(&sp->nr_children, 1);
		give(ctx, addr);
	}
	platform_epc_forget(plat, secs);
	(void)leaf_end(plat, 0);
	give(ctx, secs);
}

int platform_epc_bind(struct platform *plat, void *addr, void *mem)
{
	s64 i = platform_epc_index(plat, addr);
	struct epc_page *page;
	void *home;
	int err = 0;

	if (i < 0 || !ptr_aligned(addr, SGX_PAGE_SIZE))
		return -EINVAL;
	/* A guest's storage belongs to the guest page, wherever its VMM
	 * puts it: the VMM keeps it and applies it to the host page. */
	if (plat->ept.bind)
		return plat->ept.bind(plat->ept.ctx, (u64)i, mem);
	home = platform_epc_host(plat, addr);
	page = home ? &plat->root->epc[platform_epc_index(plat->root, home)] : NULL;
	if (!page)
		return -EINVAL;
	if (!epc_trylock_exclusive(&page->lock))
		return -EBUSY;
	if (page->epcm.valid)
		err = -EBUSY;
	else
		page->mem = mem ? mem : home;
	epc_unlock_exclusive(&page->lock);
	return err;
}

bool platform_epc_can_rehome(const struct platform *plat)
{
	return !plat->ept.bind;
}

int platform_epc_rehome(struct platform *plat, void *addr, void *mem)
{
	struct epc_page *page;
	void *home;

	if (!platform_epc_can_rehome(plat))
		return -EOPNOTSUPP;
	home = platform_epc_host(plat, addr);
	page = home ? epc_page_at(plat->root, home) : NULL;
	if (!page || !mem || !ptr_aligned(addr, SGX_PAGE_SIZE))
		return -EINVAL;
	if (!epc_trylock_exclusive(&page->lock))
		return -EBUSY;
	page->mem = mem;
	epc_unlock_exclusive(&page->lock);
	return 0;
}

unsigned int platform_epcm_prot(const struct platform *plat, const void *addr)
{
	const struct epc_page *page = epc_page_peek(plat, addr);
	u16 f;

	/* A guest page its VMM took away: nothing; a touch brings it back. */
	if (!page || !page->epcm.valid || page->epcm.pt != SGX_PT_REG)
		return 0;
	f = page->epcm.flags;
	if (f & (EPCM_PENDING | EPCM_MODIFIED))
		return 0;
	return ((f & EPCM_R) ? PROT_READ : 0) | ((f & EPCM_W) ? PROT_WRITE : 0) |
	       ((f & EPCM_X) ? PROT_EXEC : 0);
}

bool platform_epc_tcs_busy(const struct platform *plat, const void *addr)
{
	const struct epc_page *page = epc_page_peek(plat, addr);

	return page && atomic_load(&page->tcs_active);
}

bool platform_secs_busy(const struct platform *plat, const void *secs)
{
	const struct epc_page *page = epc_page_at(plat, secs);

	return page && (atomic_load(&page->inside[0]) || atomic_load(&page->inside[1]));
}

int platform_set_mmu(struct platform *plat, const struct platform_mmu *mmu)
{
	int err = exec_init();

	if (err)
		return err;
	plat->mmu = *mmu;
	exec_register(plat);
	return 0;
}

void platform_set_epcm_check(struct platform *plat, bool on)
{
	plat->root->epcm_check = on;
}

void platform_cpuid(const struct platform *plat, u32 leaf, u32 subleaf, u32 regs[4])
{
	memset(regs, 0, 4 * sizeof(u32));
	if (leaf == 7 && subleaf == 0) {
		regs[1] = X86_CPUID7_EBX_SGX;
		regs[2] = X86_CPUID7_ECX_SGX_LC;
		return;
	}
	if (leaf != SGX_CPUID)
		return;
	switch (subleaf) {
	case 0:
		regs[0] = SGX_CPUID_EAX_SGX1 | (plat->cfg.sgx2 ? SGX_CPUID_EAX_SGX2 : 0) |
			  (plat->cfg.aexnotify ? SGX_CPUID_EAX_EDECCSSA : 0);
		/* The oversubscription extensions are the VMM's: a host has
		 * them, its guests are not offered them (no nested VMMs). */
		if (plat->root == plat)
			regs[0] |= SGX_CPUID_EAX_ENCLV | SGX_CPUID_EAX_OVERSUB;
		regs[1] = plat->miscselect_mask;
		regs[3] = plat->cfg.max_enclave_size_log2 << 8 | 31;
		break;
	case 1:
		regs[0] = (u32)plat->attributes_mask;
		regs[1] = (u32)(plat->attributes_mask >> 32);
		regs[2] = (u32)plat->xfrm_mask;
		regs[3] = (u32)(plat->xfrm_mask >> 32);
		break;
	case SGX_CPUID_EPC_FIRST:
		/* One section; ECX[3:0] = 1: confidentiality and integrity protected. */
		regs[0] = (u32)(plat->epc_pa & 0xFFFFF000) | SGX_CPUID_EPC_SECTION;
		regs[1] = (u32)(plat->epc_pa >> 32) & 0xFFFFF;
		regs[2] = (u32)(plat->cfg.epc_size & 0xFFFFF000) | 1;
		regs[3] = (u32)(plat->cfg.epc_size >> 32) & 0xFFFFF;
		break;
	default:
		break;
	}
}

/* The hash MSRs are writable while FEATURE_CONTROL is unlocked, or when it
 * is locked with SGX_LC_ENABLED (SDM "Launch Control"). */
static bool lehash_writable(const struct lp *lp)
{
	return !(lp->feature_control & FEAT_CTL_LOCKED) ||
	       (lp->feature_control & FEAT_CTL_SGX_LC_ENABLED);
}

int lp_rdmsr(struct lp *lp, u32 msr, u64 *value)
{
	if (msr == MSR_IA32_FEATURE_CONTROL) {
		*value = lp->feature_control;
		return 0;
	}
	if (msr >= MSR_IA32_SGXLEPUBKEYHASH0 && msr <= MSR_IA32_SGXLEPUBKEYHASH3) {
		*value = lp->lepubkeyhash[msr - MSR_IA32_SGXLEPUBKEYHASH0];
		return 0;
	}
	return lp_gp(lp);
}

int lp_wrmsr(struct lp *lp, u32 msr, u64 value)
{
	if (msr == MSR_IA32_FEATURE_CONTROL) {
		if (lp->feature_control & FEAT_CTL_LOCKED)
			return lp_gp(lp);
		lp->feature_control = value;
		return 0;
	}
	if (msr >= MSR_IA32_SGXLEPUBKEYHASH0 && msr <= MSR_IA32_SGXLEPUBKEYHASH3) {
		if (!lehash_writable(lp))
			return lp_gp(lp);
		lp->lepubkeyhash[msr - MSR_IA32_SGXLEPUBKEYHASH0] = value;
		return 0;
	}
	return lp_gp(lp);
}
