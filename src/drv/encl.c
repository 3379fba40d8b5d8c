// SPDX-License-Identifier: MIT
/* Enclave objects: creation, adding pages, EINIT, mapping, teardown. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/fork.h"
#include "base/shm.h"
#include "base/sys.h"
#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "base/log.h"
#include "base/overflow.h"
#include "cpu/crypto.h"
#include "drv/encl.h"

struct lp *drv_lp(struct drv *drv)
{
	int cpu = sched_getcpu();

	return platform_lp(drv->plat, (unsigned int)(cpu < 0 ? 0 : cpu) %
					      platform_config(drv->plat)->nr_lps);
}

/* The enclave's memory: shared with children of fork() when its
 * platform's is (base/shm.h). */
static bool encl_shared(const struct encl *encl)
{
	return platform_config(encl->drv->plat)->fork_shared;
}

int encl_alloc(struct drv *drv, struct encl **out)
{
	bool shared = platform_config(drv->plat)->fork_shared;
	struct encl *encl = shm_zalloc(sizeof(*encl), shared);

	if (!encl)
		return -ENOMEM;
	encl->drv = drv;
	encl->memfd = -1;
	/* Linux 6.2's SGX_ATTR_UNPRIV_MASK: what needs no permission. */
	encl->attributes_mask = SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_KSS |
				SGX_ATTR_AEXNOTIFY;
	encl->owner = -1;
	/* mmap, not malloc: see drv_create(). */
	encl->proc = shm_zalloc(sizeof(*encl->proc), false);
	/* (Its lock, zero, is unlocked; recursive, as evicting to make room
	 * may pick the enclave that is being added to.) */
	if (!encl->proc) {
		shm_free(encl, sizeof(*encl));
		return -ENOMEM;
	}
	*out = encl;
	return 0;
}

/* Bytes of the page table (@part 0), its chunks (1), the live list (2),
 * and a process's record of its mapping by page (3) and chunk (4), for an
 * ELRANGE of @size. */
static size_t encl_table_size(u64 size, int part)
{
	u64 pages = size / SGX_PAGE_SIZE, chunks = (pages + ENCL_CHUNK_PAGES - 1) / ENCL_CHUNK_PAGES;
	static const size_t entry[] = { sizeof(struct encl_page), sizeof(struct encl_chunk),
					sizeof(u32), sizeof(u8), sizeof(u8) };

	return align_up((part == 0 || part == 3 ? pages : chunks) * entry[part], SGX_PAGE_SIZE);
}

/* This process's record of its mapping (encl_proc.prot) goes. */
static void proc_release_prot(struct encl *encl, struct encl_proc *proc)
{
	shm_free(proc->prot, encl_table_size(encl->size, 3));
	shm_free(proc->chunk_prot, encl_table_size(encl->size, 4));
	proc->prot = NULL;
	proc->chunk_prot = NULL;
}

/* This process's part of the enclave goes. */
static void proc_free(struct encl *encl, struct encl_proc *proc)
{
	proc_release_prot(encl, proc);
	shm_free(proc, sizeof(*proc));
}

struct encl_page *encl_page_live(struct encl *encl, u64 i)
{
	struct encl_chunk *c = &encl->chunks[i >> ENCL_CHUNK_SHIFT];

	if (!atomic_load(&c->live)) {
		u64 n = atomic_load(&encl->nr_live);

		encl->live[n] = (u32)(i >> ENCL_CHUNK_SHIFT);
		atomic_store(&encl->nr_live, n + 1);
		atomic_store(&c->live, true);
	}
	return &encl->pages[i];
}

/* This process's mappings of the enclave's memory go, and its descriptor
 * of the memory file: the driver's view, the backing store and the page
 * table (not the EPC pages).  Of a shared enclave, what the others map
 * stays theirs. */
static void unmap_memory(struct encl *encl)
{
	if (encl->view)
		sys_munmap(encl->view, encl->size);
	shm_free(encl->backing, encl->size);
	shm_free(encl->stage, SGX_PAGE_SIZE);
	shm_free(encl->pcmds, encl->size / SGX_PAGE_SIZE * sizeof(*encl->pcmds));
	if (encl->memfd >= 0)
		sys_close(encl->memfd);
	shm_free(encl->pages, encl_table_size(encl->size, 0));
	shm_free(encl->chunks, encl_table_size(encl->size, 1));
	shm_free(encl->live, encl_table_size(encl->size, 2));
}

/* Unmap and close the enclave's memory (unmap_memory()), for good. */
static void release_memory(struct encl *encl)
{
	unmap_memory(encl);
	encl->view = NULL;
	encl->backing = NULL;
	encl->pcmds = NULL;
	encl->stage = NULL;
	encl->memfd = -1;
	encl->pages = NULL;
	encl->chunks = NULL;
	encl->live = NULL;
}

/* Drop what a failed ECREATE left behind, keeping the (empty) enclave. */
static void encl_uncreate(struct encl *encl)
{
	/* The SECS ours before its entry goes: a thread that dies after left
	 * it unmarked (drv_epc_commit() in encl_create()), named by no entry,
	 * lost; marked, drv_reap_dead() gives it back (before, the entry). */
	if (encl->secs)
		drv_epc_take(encl->drv, encl->secs);
	if (encl->owner >= 0 && drv_owner_leave(encl->drv, encl->owner))
		drv_owner_free(encl->drv, encl->owner);
	encl->owner = -1;
	if (encl->secs)
		drv_epc_free(encl->drv, encl->secs);
	encl->secs = NULL;
	proc_release_prot(encl, encl->proc);
	release_memory(encl);
	encl->base = encl->size = 0;
}

static void map_early_locked(struct encl *encl);

/*
 * A child of fork() gets no copy of a mapping of the enclave's memory file
 * (the driver's view and the process's ELRANGE): the pages are the parent's,
 * and a child made by the bare system call, which no handler tells us of
 * until it next calls the emulator (base/fork.h), must not write them even
 * from host code.  Its touch of ELRANGE then faults, as after fork().
 */
static void no_fork_copy(void *p, u64 len)
{
	sys_call6(SYS_madvise, (long)p, (long)len, MADV_DONTFORK, 0, 0, 0);
}

/* The enclave's memory, sized by SIZE: its page array, its file and the
 * driver's views of it. */
static int alloc_memory(struct encl *encl, u64 size)
{
	bool shared = encl_shared(encl);

	encl->pages = shm_zalloc(encl_table_size(size, 0), shared);
	encl->chunks = shm_zalloc(encl_table_size(size, 1), shared);
	encl->live = shm_zalloc(encl_table_size(size, 2), shared);
	/* Private: fork() gives a child a copy (struct encl_proc). */
	encl->proc->prot = shm_zalloc(encl_table_size(size, 3), false);
	encl->proc->chunk_prot = shm_zalloc(encl_table_size(size, 4), false);
	atomic_store(&encl->nr_live, 0);
	if (!encl->pages || !encl->chunks || !encl->live || !encl->proc->prot ||
	    !encl->proc->chunk_prot)
		return -ENOMEM;
	encl->memfd = memfd_create("sgxemu-enclave", MFD_CLOEXEC);
	if (encl->memfd < 0 || ftruncate(encl->memfd, (off_t)size))
		return -errno;
	encl->view = sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
			      encl->memfd, 0);
	if (sys_failed(encl->view)) {
		int err = (int)(long)encl->view;

		encl->view = NULL;
		return err;
	}
	if (!shared)
		no_fork_copy(encl->view, size);
	/* The backing store for evicted pages: reserved, paid for as used. */
	encl->backing = shm_zalloc(size, shared);
	encl->pcmds = shm_zalloc(size / SGX_PAGE_SIZE * sizeof(*encl->pcmds), shared);
	encl->stage = shm_zalloc(SGX_PAGE_SIZE, shared);
	return encl->backing && encl->pcmds && encl->stage ? 0 : -ENOMEM;
}

int encl_create(struct encl *encl, const struct sgx_secs *secs)
{
	static const struct sgx_secinfo secinfo_secs __aligned(64);
	struct drv *drv = encl->drv;
	struct sgx_pageinfo pginfo __aligned(32) = { 0 };
	struct sgx_secs *copy;
	int err, ret;

	fork_check();
	/* ECREATE checks the rest; this keeps the sizes below from overflowing. */
	if (!is_power_of_2(secs->size) || secs->size < 2 * SGX_PAGE_SIZE ||
	    secs->size > (1ULL << 47))
		return -EINVAL;
	encl_lock(encl);
	if (encl->created) {
		err = -EINVAL;
		goto out_unlock;
	}
	encl->base = secs->baseaddr;
	encl->size = secs->size;
	err = -ENOMEM;
	copy = aligned_alloc(SGX_PAGE_SIZE, sizeof(*copy));
	if (!copy)
		goto err_free;
	encl->ssaframesize = secs->ssaframesize;
	encl->secs = paging_alloc(drv);
	if (!encl->secs)
		goto err_free;
	/* Children of fork() may share it: who uses it is the machine's to
	 * know, from the start, so that its pages go back if this process
	 * dies making it (else it stays this process's alone). */
	if (encl_shared(encl)) {
		encl->owner = drv_owner_add(drv, encl->secs);
		if (encl->owner < 0)
			encl->owner = -1;
	}
	drv_epc_commit(drv, encl->secs);
	memcpy(copy, secs, sizeof(*copy));
	pginfo.srcpge = (u64)(uintptr_t)copy;
	pginfo.secinfo = (u64)(uintptr_t)&secinfo_secs;
	ret = encls_ecreate(drv_lp(drv), &pginfo, encl->secs);
	free(copy);
	copy = NULL;
	/* Linux: "a failure gives -EIO"; the processor judged the SECS. */
	if (ret) {
		err = -EIO;
		goto err_free;
	}
	/* Only a SIZE the processor took costs memory: a refused one (2^40,
	 * say) must not first allocate a page array for all of it. */
	err = alloc_memory(encl, secs->size);
	if (err)
		goto err_free;
	err = drv_add_encl(drv, encl);
	if (err)
		goto err_free;
	err = mm_add(encl);
	if (err) {
		drv_remove_encl(drv, encl);
		goto err_free;
	}
	paging_start(drv);
	encl->attributes = secs->attributes.flags;
	encl->created = true;
	map_early_locked(encl);
	if (encl->proc->file && encl->proc->nr_mapped)
		drv_file_get(encl->proc->file);
	encl_unlock(encl);
	return 0;
err_free:
	free(copy);
	encl_uncreate(encl);
out_unlock:
	encl_unlock(encl);
	return err;
}

/* SECINFO as Linux validates it for ADD_PAGES (sgx_validate_secinfo). */
static bool secinfo_valid(const struct sgx_secinfo *si)
{
	u64 pt = (si->flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT;
	u64 perm = si->flags & SGX_SECINFO_PERM_MASK;
	size_t i;

	if (si->flags & ~(SGX_SECINFO_PERM_MASK | SGX_SECINFO_PT_MASK))
		return false;
	for (i = 0; i < sizeof(si->reserved); i++)
		if (si->reserved[i])
			return false;
	if (pt != SGX_PT_REG && pt != SGX_PT_TCS)
		return false;
	if ((perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R))
		return false;
	/* The CPU clears a TCS's permissions; asking for any would measure a
	 * page other than the one added. */
	return !(pt == SGX_PT_TCS && perm);
}

/* The SSA frames of a TCS never leave the EPC: AEX writes them from a
 * signal handler.  (Linux evicts them; the SDM allows either.) */
int encl_pin_ssa(struct encl *encl, const struct sgx_tcs *tcs)
{
	u64 first = tcs->ossa / SGX_PAGE_SIZE, n = (u64)tcs->nssa * encl->ssaframesize, i;
	int err;

	for (i = first; i < first + n && i < encl->size / SGX_PAGE_SIZE; i++) {
		encl_page_live(encl, i)->pinned = true;
		err = paging_reload(encl, i);
		if (err)
			return err;
	}
	return 0;
}

static int add_page(struct encl *encl, const u8 *src, u64 offset, const struct sgx_secinfo *si,
		    bool measure)
{
	struct drv *drv = encl->drv;
	struct encl_page *p = encl_page_live(encl, offset / SGX_PAGE_SIZE);
	struct sgx_pageinfo pginfo __aligned(32) = { 0 };
	struct lp *lp = drv_lp(drv);
	void *epc;
	int i, ret;

	if (atomic_load(&p->state) != PAGE_ABSENT)
		return -EBUSY;
	if (encl_grow(encl))
		return -ENOMEM;
	epc = paging_alloc(drv);
	if (!epc) {
		encl_shrink(encl, 1);
		return -ENOMEM;
	}
	if (platform_epc_bind(drv->plat, epc, encl->view + offset)) {
		drv_epc_free(drv, epc);
		encl_shrink(encl, 1);
		return -EIO;
	}
	pginfo.linaddr = encl->base + offset;
	pginfo.srcpge = (u64)(uintptr_t)src;
	pginfo.secinfo = (u64)(uintptr_t)si;
	pginfo.secs = (u64)(uintptr_t)encl->secs;
	ret = encls_eadd(lp, &pginfo, epc);
	if (ret) {
		drv_epc_free(drv, epc);
		encl_shrink(encl, 1);
		return -EIO;
	}
	if (measure) {
		for (i = 0; i < SGX_PAGE_SIZE / SGX_EEXTEND_CHUNK; i++) {
			if (encls_eextend(lp, encl->secs, (u8 *)epc + i * SGX_EEXTEND_CHUNK)) {
				/* The page is in, unmeasured: remove it again. */
				if (!encls_eremove(lp, epc))
					drv_epc_free(drv, epc);
				encl_shrink(encl, 1);
				return -EIO;
			}
		}
	}
	p->type = (u8)((si->flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT);
	/* Linux lets a TCS be mapped read-write (vm_max_prot_bits). */
	p->max_prot = p->type == SGX_PT_TCS ? PROT_READ | PROT_WRITE :
		      (u8)(((si->flags & SGX_SECINFO_R) ? PROT_READ : 0) |
			   ((si->flags & SGX_SECINFO_W) ? PROT_WRITE : 0) |
			   ((si->flags & SGX_SECINFO_X) ? PROT_EXEC : 0));
	p->referenced = true;
	encl->nr_pages++;
	atomic_store(&p->epc, (u64)(uintptr_t)epc);
	drv_epc_commit(drv, epc);
	atomic_store(&p->state, PAGE_PRESENT);
	if (p->type == SGX_PT_TCS)
		return encl_pin_ssa(encl, (const struct sgx_tcs *)(const void *)src);
	return 0;
}

int encl_add_pages(struct encl *encl, const void *src, u64 offset, u64 length,
		   const struct sgx_secinfo *secinfo, bool measure, u64 *count)
{
	struct sgx_secinfo si __aligned(64);
	u64 end, done = 0;
	int err = 0;

	fork_check();
	*count = 0;
	/* EADD #GPs on an unaligned SRCPGE; the callers own aligned copies. */
	if (!is_aligned((u64)(uintptr_t)src, SGX_PAGE_SIZE) ||
	    !is_aligned(offset, SGX_PAGE_SIZE) || !length || !is_aligned(length, SGX_PAGE_SIZE) ||
	    check_add_overflow_u64(offset, length, &end) || end > encl->size)
		return -EINVAL;
	memcpy(&si, secinfo, sizeof(si));
	if (!secinfo_valid(&si))
		return -EINVAL;
	encl_lock(encl);
	if (!encl->created || encl->initialized) {
		err = -EINVAL;
		goto out;
	}
	for (done = 0; done < length; done += SGX_PAGE_SIZE) {
		err = add_page(encl, (const u8 *)src + done, offset + done, &si, measure);
		if (err)
			break;
	}
out:
	encl_unlock(encl);
	*count = done;
	return err;
}

int encl_init(struct encl *encl, const struct sgx_sigstruct *sigstruct, int *status)
{
	return encl_init_token(encl, sigstruct, NULL, NULL, status);
}

int encl_init_token(struct encl *encl, const struct sgx_sigstruct *sigstruct,
		    const struct sgx_einittoken *token, const u8 le_signer[SGX_HASH_SIZE],
		    int *status)
{
	struct sgx_einittoken *tok = NULL;
	struct sgx_sigstruct *sig;
	int err;

	fork_check();
	*status = 0;
	sig = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!sig)
		return -ENOMEM;
	memcpy(sig, sigstruct, sizeof(*sig));
	if (token) {
		/* EINIT wants it 512-byte aligned. */
		tok = aligned_alloc(512, 512);
		if (!tok) {
			free(sig);
			return -ENOMEM;
		}
		memcpy(tok, token, sizeof(*tok));
	}
	encl_lock(encl);
	if (!encl->created || encl->initialized) {
		err = -EINVAL;
		goto out;
	}
	err = launch_einit(encl->drv, sig, encl->secs, tok, le_signer, status);
	if (!err)
		encl->initialized = true;
out:
	encl_unlock(encl);
	free(tok);
	free(sig);
	return err;
}

int drv_page_state(struct drv *drv, u64 addr)
{
	static const int states[] = {
		[PAGE_ABSENT] = DRV_PAGE_NONE,
		[PAGE_PRESENT] = DRV_PAGE_PRESENT,
		[PAGE_BUSY] = DRV_PAGE_BUSY,
		[PAGE_EVICTED] = DRV_PAGE_EVICTED,
	};
	struct encl *encl;
	int ret = -ENOENT;

	mm_read_enter();
	encl = mm_find_drv(drv, addr);
	if (encl && encl->pages) {
		u64 i = (addr - encl->base) / SGX_PAGE_SIZE;

		/* A chunk that is not live has no page. */
		ret = DRV_PAGE_NONE;
		if (atomic_load(&encl->chunks[i >> ENCL_CHUNK_SHIFT].live))
			ret = states[atomic_load(&encl->pages[i].state)];
	}
	mm_read_exit();
	return ret;
}

int encl_host_prot(const struct encl *encl, const struct encl_page *p, int prot)
{
	u8 state = atomic_load(&p->state);
	u64 epc;

	if (state == PAGE_ABSENT || p->type != SGX_PT_REG)
		return PROT_NONE;
	prot &= p->max_prot;
	epc = atomic_load(&p->epc);
	/* An evicted page keeps its mapping, so a touch finds the hole. */
	if (state != PAGE_PRESENT || !epc)
		return prot;
	return prot & (int)platform_epcm_prot(encl->drv->plat, (const void *)(uintptr_t)epc);
}

void encl_sync_prot(struct encl *encl, u64 i)
{
	const struct encl_page *p = &encl->pages[i];
	int prot = encl_page_prot(encl, i);

	if (prot)
		sys_mprotect((void *)(uintptr_t)(encl->base + i * SGX_PAGE_SIZE), SGX_PAGE_SIZE,
			     encl_host_prot(encl, p, prot));
}

void encl_sync_prot_parked(struct encl *encl, u64 i)
{
	exec_park(0);
	encl_lock(encl);
	encl_sync_prot(encl, i);
	encl_unlock(encl);
	exec_unpark(0);
}

void encl_prot_restricted(struct encl *encl, u64 i)
{
	u32 seq = atomic_load(&encl->prot_seq);

	encl_sync_prot(encl, i);
	if (!encl_shared(encl))
		return;
	encl->prot_log[seq % ENCL_PROT_LOG] = i;
	atomic_store(&encl->prot_seq, seq + 1);
	/* Ours is narrowed already, unless we were behind. */
	if (atomic_load(&encl->proc->prot_seen) == seq)
		atomic_store(&encl->proc->prot_seen, seq + 1);
	atomic_fetch_add(&encl->drv->prot_changes, 1);
}

void encl_prot_catch_up(struct encl *encl)
{
	u32 seq, s;
	u64 k, i;

	exec_park(0);
	encl_lock(encl);
	seq = atomic_load(&encl->prot_seq);
	s = atomic_load(&encl->proc->prot_seen);
	if (seq - s > ENCL_PROT_LOG) {
		/* Too far behind to know which: every page there is. */
		for_each_live_page(encl, k, i)
			encl_sync_prot(encl, i);
	} else {
		for (; s != seq; s++)
			encl_sync_prot(encl, encl->prot_log[s % ENCL_PROT_LOG]);
	}
	atomic_store(&encl->proc->prot_seen, seq);
	encl_unlock(encl);
	exec_unpark(0);
}

long encl_forked_error(const struct encl *encl)
{
	static atomic_bool said;

	if (!atomic_exchange(&said, true))
		log_err("the enclave at %#llx belongs to the process that forked this one; a "
			"forked child cannot use its parent's enclaves (make new ones in the child)",
			(unsigned long long)encl->base);
	return -EIO;
}

/*
 * Reserve, inaccessible, every hole in [@addr, @addr + @len) and nothing
 * else: halve where something is mapped (the reservation's remains, or
 * what a child of a bare fork mapped before it called us), down to a page.
 * A few calls per mapping there.
 */
static void reserve_holes(u64 addr, u64 len)
{
	void *p = sys_mmap((void *)(uintptr_t)addr, len, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	u64 half;

	if (!sys_failed(p)) {
		/* (A kernel before 4.17 took the address as a hint.) */
		if (p != (void *)(uintptr_t)addr)
			sys_munmap(p, len);
		return;
	}
	if ((long)p != -EEXIST || len <= SGX_PAGE_SIZE)
		return;
	half = len / SGX_PAGE_SIZE / 2 * SGX_PAGE_SIZE;
	reserve_holes(addr, half);
	reserve_holes(addr + half, len - half);
}

void encl_fork_detach(struct encl *encl)
{
	encl->proc->forked = true;
	/* A private enclave is the child's copy, whose lock the parent's other
	 * threads may have held, and whose view the child has no mapping of
	 * (what is there now may be the child's own).  A shared one is the
	 * parent's to change. */
	if (!encl_shared(encl)) {
		memset(&encl->lock, 0, sizeof(encl->lock));
		encl->view = NULL;
	}
	/* The child has no mapping of the parent's memory file (no_fork_copy()):
	 * those holes in ELRANGE are reserved and inaccessible again, so the
	 * child's next mmap() cannot land there and a touch faults. */
	if (encl->size)
		reserve_holes(encl->base, encl->size);
}

/* The enclave's lock was taken over from a thread that died. */
static void encl_taken_over(struct encl *encl)
{
	static atomic_bool said;

	if (!atomic_exchange(&said, true))
		log_warn("a thread died holding the enclave at %#llx (its process was killed?): "
			 "what it left is made whole (said once)",
			 (unsigned long long)encl->base);
	paging_repair(encl);
}

void encl_lock(struct encl *encl)
{
	if (shm_rlock_lock(&encl->lock))
		encl_taken_over(encl);
}

int encl_trylock(struct encl *encl)
{
	/* Never waits, a takeover included: the caller may hold what a live
	 * holder waits for (the reclaimer's lock). */
	int ret = shm_rlock_trylock(&encl->lock);

	if (ret == 1)
		encl_taken_over(encl);
	return ret < 0 ? ret : 0;
}

void encl_unlock(struct encl *encl)
{
	shm_rlock_unlock(&encl->lock);
}

bool encl_fork_join(struct encl *encl)
{
	int err;

	if (!encl_shared(encl) || encl->owner < 0)
		return false;
	err = drv_owner_join(encl->drv, encl->owner, encl->secs);
	if (err == -ENOSPC)
		log_warn("a forked child cannot share the enclave at %#llx: %d processes share it "
			 "already; this one lets go of it",
			 (unsigned long long)encl->base, ENCL_MAX_SHARERS);
	if (err)
		return false;
	/* This process's userfaultfd, for what it inherited mapped
	 * (userfaultfd registrations do not survive fork()). */
	paging_register(encl, encl->base, encl->size);
	return true;
}

void encl_set_file(struct encl *encl, struct drv_file *f)
{
	encl->proc->file = f;
}

int encl_map_early(struct encl *encl, u64 addr, u64 len, int prot)
{
	int err = 0;

	encl_lock(encl);
	if (encl->proc->nr_early < ARRAY_SIZE(encl->proc->early))
		encl->proc->early[encl->proc->nr_early++] = (struct encl_early){ addr, len, prot };
	else
		err = -ENOMEM;
	encl_unlock(encl);
	return err;
}

/* Whether @prot is within what every added page of [@addr, @end) allows.
 * A chunk that is not live has no page, and its entries are not read:
 * the page table is shared memory, which a read of a hole commits. */
static bool may_map_locked(const struct encl *encl, u64 addr, u64 end, int prot)
{
	u64 i = (addr - encl->base) / SGX_PAGE_SIZE, last = (end - encl->base) / SGX_PAGE_SIZE;

	while (i < last) {
		const struct encl_page *p = &encl->pages[i];

		if (!atomic_load(&encl->chunks[i >> ENCL_CHUNK_SHIFT].live)) {
			i = (i | (ENCL_CHUNK_PAGES - 1)) + 1;
			continue;
		}
		if (atomic_load(&p->state) != PAGE_ABSENT && (prot & ~p->max_prot))
			return false;
		i++;
	}
	return true;
}

/*
 * Record the process's mapping @prot (ENCL_MAPPED | PROT_*, or 0) of the
 * pages of [@addr, @end), counting pages mapped: whole chunks that are not
 * live at their level, the rest page by page.  Context: @encl's lock held.
 */
static void set_prot_locked(struct encl *encl, u64 addr, u64 end, u8 prot)
{
	struct encl_proc *proc = encl->proc;
	u64 i = (addr - encl->base) / SGX_PAGE_SIZE, last = (end - encl->base) / SGX_PAGE_SIZE;

	while (i < last) {
		_Atomic(u8) *c = &proc->chunk_prot[i >> ENCL_CHUNK_SHIFT];
		u8 whole = atomic_load(c), old;
		u64 n = ENCL_CHUNK_PAGES, k, first = i & ~(n - 1);

		if (i == first && i + n <= last && !(whole & ENCL_PROT_SPLIT)) {
			atomic_store(c, prot);
			proc->nr_mapped += prot && !whole ? n : 0;
			proc->nr_mapped -= !prot && whole ? n : 0;
			i += n;
			continue;
		}
		/* Each page its own byte, before readers are told to look
		 * there. */
		if (!(whole & ENCL_PROT_SPLIT)) {
			for (k = first; k < first + n && k < encl->size / SGX_PAGE_SIZE; k++)
				atomic_store(&proc->prot[k], whole);
			atomic_store(c, ENCL_PROT_SPLIT);
		}
		old = atomic_exchange(&proc->prot[i], prot);
		proc->nr_mapped += prot && !old;
		proc->nr_mapped -= !prot && old;
		i++;
	}
}

/*
 * Map [@addr, @end) of ELRANGE (page aligned, checked) with @prot: one
 * mmap of the memory file per run of pages with the same effective
 * permissions.  Context: @encl's lock held.
 */
static int map_locked(struct encl *encl, u64 addr, u64 end, int prot)
{
	u64 off, run;

	for (off = addr - encl->base; off < end - encl->base; off += run) {
		u64 i = off / SGX_PAGE_SIZE;
		int eff = encl_host_prot(encl, &encl->pages[i], prot);
		void *m;

		for (run = SGX_PAGE_SIZE; off + run < end - encl->base; run += SGX_PAGE_SIZE) {
			u64 k = (off + run) / SGX_PAGE_SIZE;

			/* A chunk that is not live has no page: all of it is
			 * inaccessible, as an absent page is. */
			if (!(k & (ENCL_CHUNK_PAGES - 1)) && eff == PROT_NONE &&
			    !atomic_load(&encl->chunks[k >> ENCL_CHUNK_SHIFT].live)) {
				run += (ENCL_CHUNK_PAGES - 1) * SGX_PAGE_SIZE;
				continue;
			}
			if (encl_host_prot(encl, &encl->pages[k], prot) != eff)
				break;
		}
		if (off + run > end - encl->base)
			run = end - encl->base - off;
		m = sys_mmap((void *)(uintptr_t)(encl->base + off), run, eff, MAP_SHARED | MAP_FIXED,
			     encl->memfd, (long)off);
		if (sys_failed(m))
			return (int)(long)m;
		if (!encl_shared(encl))
			no_fork_copy(m, run);
	}
	set_prot_locked(encl, addr, end, (u8)(ENCL_MAPPED | ENCL_PROT(prot)));
	paging_register(encl, addr, end - addr);
	return 0;
}

/* Pages of [@addr, @end) are no longer mapped.  Context: @encl's lock held. */
static void unmapped_locked(struct encl *encl, u64 addr, u64 end)
{
	set_prot_locked(encl, addr, end, 0);
}

/*
 * A mapping holds its file, as a VMA does: the enclave keeps a reference
 * on its file while any page is mapped.  @had: pages were mapped before
 * the change.  Called after @encl's lock is dropped, since the last
 * reference tears the enclave down.
 */
static void settle_file_ref(struct encl *encl, bool had, bool has)
{
	if (!encl->proc->file || had == has)
		return;
	if (has)
		drv_file_get(encl->proc->file);
	else
		drv_file_put(encl->proc->file);
}

/* Clamp [@addr, @end) to ELRANGE: false if they do not meet. */
static bool clamp(const struct encl *encl, u64 *addr, u64 *end)
{
	if (*end <= encl->base || *addr >= encl->base + encl->size)
		return false;
	if (*addr < encl->base)
		*addr = encl->base;
	if (*end > encl->base + encl->size)
		*end = encl->base + encl->size;
	return true;
}

int encl_map(struct encl *encl, u64 addr, u64 len, int prot)
{
	u64 end;
	bool had;
	int err = 0;

	fork_check();
	if (!encl->created || !is_aligned(addr, SGX_PAGE_SIZE) || !len ||
	    check_add_overflow_u64(addr, len, &end) || addr < encl->base ||
	    end > encl->base + encl->size)
		return -EINVAL;
	end = align_up(end, SGX_PAGE_SIZE);
	encl_lock(encl);
	had = encl->proc->nr_mapped;
	if (!may_map_locked(encl, addr, end, prot))
		err = -EACCES;
	else
		err = map_locked(encl, addr, end, prot);
	if (encl->proc->file && !had && encl->proc->nr_mapped)
		drv_file_get(encl->proc->file);
	encl_unlock(encl);
	return err;
}

int encl_mmap(struct encl *encl, u64 addr, u64 len, int prot, int flags)
{
	u64 end = addr + len, in = addr, in_end = end, dummy;
	bool had;
	int err;

	if (!clamp(encl, &in, &in_end))
		return -EINVAL;
	encl_lock(encl);
	had = encl->proc->nr_mapped;
	if (!may_map_locked(encl, in, in_end, prot)) {
		err = -EACCES;
		goto out;
	}
	/* The whole range first, reserved: with MAP_FIXED_NOREPLACE this is
	 * what refuses a range where anything is mapped. */
	dummy = (u64)(uintptr_t)sys_mmap((void *)(uintptr_t)addr, len, PROT_NONE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
						 ((flags & MAP_FIXED_NOREPLACE) ? MAP_FIXED_NOREPLACE :
										  MAP_FIXED),
					 -1, 0);
	if (sys_failed((void *)(uintptr_t)dummy)) {
		err = (int)(long)dummy;
		goto out;
	}
	/* What was there is gone, as the kernel's MAP_FIXED replaces it. */
	unmapped_locked(encl, in, in_end);
	err = map_locked(encl, in, in_end, prot);
out:
	if (encl->proc->file && !had && encl->proc->nr_mapped)
		drv_file_get(encl->proc->file);
	encl_unlock(encl);
	return err;
}

/* Apply what the process mapped before ECREATE.  Context: @encl's lock held. */
static void map_early_locked(struct encl *encl)
{
	unsigned int k;

	for (k = 0; k < encl->proc->nr_early; k++) {
		u64 a = encl->proc->early[k].addr, e = a + encl->proc->early[k].len;

		if (clamp(encl, &a, &e) && map_locked(encl, a, e, encl->proc->early[k].prot))
			log_warn("enclave at %#llx: cannot map %#llx-%#llx",
				 (unsigned long long)encl->base, (unsigned long long)a,
				 (unsigned long long)e);
	}
	encl->proc->nr_early = 0;
}

int encl_walk(struct encl *encl, u64 la, void **epc, unsigned int *prot)
{
	u64 i = (la - encl->base) / SGX_PAGE_SIZE, page;
	struct encl_page *p = &encl->pages[i];
	u8 pr = encl_page_prot(encl, i);
	int tries;

	/* The processor touching a page the OS must bring in first, as its
	 * #PF handler would: an evicted page (or one on its way out) is
	 * reloaded, and with SGX2 one not there yet is added.  The calling
	 * thread counts as out of the enclave meanwhile. */
	for (tries = 0; pr && tries < 8; tries++) {
		u8 state = atomic_load(&p->state);

		if (state == PAGE_EVICTED || state == PAGE_BUSY) {
			if (paging_reload_parked(encl, i))
				return -EFAULT;
		} else if (state == PAGE_ABSENT) {
			if (edmm_augment(encl, i))
				return -EFAULT;
		} else {
			break;
		}
	}
	page = atomic_load(&p->epc);
	if (!page || !pr)
		return -EFAULT;
	*epc = (void *)(uintptr_t)page;
	*prot = pr;
	return 0;
}

/* EREMOVE of @epc and back to the free list, this thread's in between
 * (drv_epc_take()): if it dies there, the page is not lost. */
static void teardown_page(struct encl *encl, struct lp *lp, void *epc)
{
	drv_epc_take(encl->drv, epc);
	/* A page a thread is still inside stays allocated; leaking it is
	 * safer than reusing it. */
	if (!encls_eremove(lp, epc))
		drv_epc_free(encl->drv, epc);
	else
		drv_epc_commit(encl->drv, epc);
}

void encl_destroy(struct encl *encl)
{
	bool secs_gone = false;
	struct lp *lp;
	u64 k, i;

	if (!encl)
		return;
	fork_check();
	if (encl->proc->forked) {
		/* The parent's: only this process's view of it goes (of a shared
		 * one, its part; the mappings go when it exits). */
		struct encl_proc *proc = encl->proc;

		proc_release_prot(encl, proc);
		if (!encl_shared(encl)) {
			release_memory(encl);
			shm_free(encl, sizeof(*encl));
		}
		shm_free(proc, sizeof(*proc));
		return;
	}
	if (encl->owner >= 0 && !drv_owner_leave(encl->drv, encl->owner)) {
		/* Others use it: this process's part only, as an mm that drops
		 * its last VMA of a file; its mappings of the enclave's memory
		 * go once nothing here can be using them. */
		if (encl->created) {
			mm_remove(encl);
			drv_remove_encl(encl->drv, encl);
			/* A reclaim pass that found it here is over after this. */
			shm_lock(&encl->drv->reclaim_lock);
			shm_unlock(&encl->drv->reclaim_lock);
			unmap_memory(encl);
		}
		proc_free(encl, encl->proc);
		return;
	}
	if (encl->created) {
		mm_remove(encl);
		drv_remove_encl(encl->drv, encl);
		paging_retire(encl);
		/* A reclaim pass that found it before is over after this. */
		shm_lock(&encl->drv->reclaim_lock);
		shm_unlock(&encl->drv->reclaim_lock);
	}
	paging_release(encl);
	/* Threads of processes that died inside stay counted, and EREMOVE
	 * refuses the pages of an enclave with threads inside. */
	if (encl->secs && encl_shared(encl))
		platform_reap_inside(encl->drv->plat, encl->secs);
	lp = drv_lp(encl->drv);
	if (encl->pages) {
		for_each_live_page(encl, k, i) {
			void *epc = (void *)(uintptr_t)atomic_load(&encl->pages[i].epc);

			if (epc)
				teardown_page(encl, lp, epc);
		}
	}
	/* The SECS stays this thread's until its entry in the owners' table
	 * is free (drv_reap_dead() reaps a SECS that one names, whatever the
	 * page is by then). */
	if (encl->secs) {
		drv_epc_take(encl->drv, encl->secs);
		if (!encls_eremove(lp, encl->secs))
			secs_gone = true;
		else
			drv_epc_commit(encl->drv, encl->secs);
	}
	/* On a shared machine with no thread inside, what still refuses
	 * EREMOVE is what a thread that died left (a hold of an EPCM entry, a
	 * count of threads): the pages go as a dead process's enclave's go. */
	if (!secs_gone && encl->secs && encl_shared(encl) &&
	    platform_epc_valid(encl->drv->plat, encl->secs) &&
	    !platform_inside(encl->drv->plat, encl->secs, false)) {
		drv_reap_enclave(encl->drv, encl->secs);
		secs_gone = true;
	}
	/* VA slots an evictor that died took for it and never used. */
	if (encl->owner >= 0)
		paging_forget_owner(encl->drv, encl->owner);
	/* What its entry counts: the pages of sharers that died adding one
	 * too (encl_grow() before the page was the enclave's); and taken from
	 * the entry, so that a reaper of the entry, if we die, gives none of
	 * it back twice. */
	if (encl->owner >= 0)
		paging_shrink_owner(encl->drv, &encl->drv->owners[encl->owner].nr_pages);
	else
		paging_shrink(encl->drv, encl->nr_pages);
	if (encl->owner >= 0)
		drv_owner_free(encl->drv, encl->owner);
	if (secs_gone)
		drv_epc_free(encl->drv, encl->secs);
	/* What this enclave's dead sharers took and never gave back. */
	drv_reap_dead(encl->drv, true);
	proc_free(encl, encl->proc);
	release_memory(encl);
	shm_free(encl, sizeof(*encl));
}

/* mprotect() of the part of [@addr, @end) inside ELRANGE.  @check only
 * checks, so that nothing changes unless every part may. */
static int mprotect_part(struct encl *encl, u64 addr, u64 end, int prot, bool check)
{
	u64 a;
	int err = 0;

	if (!clamp(encl, &addr, &end))
		return 0;
	encl_lock(encl);
	/* Page by page, as the kernel meets the VMAs: the first hole is
	 * -ENOMEM, the first page that does not allow @prot -EACCES. */
	for (a = addr; a < end && !err; a += SGX_PAGE_SIZE) {
		if (!encl_page_prot(encl, (a - encl->base) / SGX_PAGE_SIZE))
			err = -ENOMEM;
		else if (!may_map_locked(encl, a, a + SGX_PAGE_SIZE, prot))
			err = -EACCES;
	}
	if (!err && !check)
		err = map_locked(encl, addr, end, prot);
	encl_unlock(encl);
	return err;
}

/* munmap() of the part of [@addr, @end) inside ELRANGE; @kernel: the kernel
 * already replaced it (mmap MAP_FIXED over it). */
static int unmap_part(struct encl *encl, u64 addr, u64 end, bool kernel)
{
	bool had, has;
	int err = 0;

	if (!clamp(encl, &addr, &end))
		return 0;
	encl_lock(encl);
	had = encl->proc->nr_mapped;
	/* Unmapped first: the reclaimer then leaves the range alone. */
	unmapped_locked(encl, addr, end);
	if (!kernel)
		err = sys_munmap((void *)(uintptr_t)addr, end - addr);
	has = encl->proc->nr_mapped;
	encl_unlock(encl);
	settle_file_ref(encl, had, has);
	return err;
}

/*
 * Split [@addr, @addr + @len) at ELRANGE boundaries and call @op on each
 * part: @in for parts inside an enclave, the kernel's @nr for the rest.
 */
static int for_each_part(u64 addr, u64 len, int prot, long nr,
			 int (*in)(struct encl *e, u64 a, u64 end, int prot, bool flag), bool flag)
{
	u64 end, a, next;
	int err = 0;

	if (!is_aligned(addr, SGX_PAGE_SIZE))
		return -EINVAL;
	if (check_add_overflow_u64(addr, align_up(len, SGX_PAGE_SIZE), &end))
		return -ENOMEM;
	end = align_up(end, SGX_PAGE_SIZE);
	for (a = addr; a < end && !err; a = next) {
		struct drv_file *hold = NULL;
		struct encl *e;

		mm_read_enter();
		e = mm_first(a, end);
		next = !e ? end : e->base <= a ? (e->base + e->size < end ? e->base + e->size : end) :
						  e->base;
		/* Outside the index, the enclave lives on through its file (the
		 * last reference may go inside @in). */
		if (e && e->base <= a && e->proc->file && !drv_file_tryget(hold = e->proc->file))
			e = NULL, hold = NULL;
		mm_read_exit();
		if (e && e->base <= a)
			err = in(e, a, next, prot, flag);
		else if (nr >= 0)
			err = (int)sys_call6(nr, (long)a, (long)(next - a), prot, 0, 0, 0);
		drv_file_put(hold);
	}
	return err;
}

static int mprotect_check(struct encl *e, u64 a, u64 end, int prot, bool flag)
{
	(void)flag;
	return mprotect_part(e, a, end, prot, true);
}

static int mprotect_apply(struct encl *e, u64 a, u64 end, int prot, bool flag)
{
	(void)flag;
	return mprotect_part(e, a, end, prot, false);
}

static int unmap_apply(struct encl *e, u64 a, u64 end, int prot, bool kernel)
{
	(void)prot;
	return unmap_part(e, a, end, kernel);
}

int drv_mprotect(u64 addr, u64 len, int prot)
{
	int err;

	fork_check();
	if (!len)
		return is_aligned(addr, SGX_PAGE_SIZE) ? 0 : -EINVAL;
	err = for_each_part(addr, len, prot, -1, mprotect_check, false);
	return err ? err : for_each_part(addr, len, prot, SYS_mprotect, mprotect_apply, false);
}

int drv_munmap(u64 addr, u64 len)
{
	fork_check();
	if (!len)
		return -EINVAL;
	return for_each_part(addr, len, 0, SYS_munmap, unmap_apply, false);
}

void drv_forget_range(u64 addr, u64 len)
{
	fork_check();
	if (len)
		(void)for_each_part(addr & PAGE_MASK, len + (addr & ~PAGE_MASK), 0, -1, unmap_apply,
				    true);
}

bool encl_initialized(const struct encl *encl)
{
	return encl->initialized;
}

u64 encl_base(const struct encl *encl)
{
	return encl->base;
}

u64 encl_size(const struct encl *encl)
{
	return encl->size;
}
