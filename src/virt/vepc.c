// SPDX-License-Identifier: MIT
/*
 * Virtual EPC: host EPC pages handed to a guest, one per slot, taken the
 * first time the slot is used.  The guest owns their EPCM entries.
 *
 * A VM's virtual EPC may be larger than what the host can give it (the
 * seed's footnote: oversubscription).  Then the VMM takes pages back: it
 * evicts them with the paging leaves into its own backing store, as the
 * SDM's oversubscription extensions intend (ERDINFO to learn what a guest
 * page is, EINCVIRTCHILD/EDECVIRTCHILD for a SECS whose children it holds,
 * ETRACKC and ELDBC-style loads), and brings each back when the guest
 * touches it, transparently: a guest leaf's translation of the page
 * (get()) reloads it before the leaf runs, and enclave code's native touch
 * of it is an EPT violation (violation()) that reloads it and retries.
 *
 * Pages of a guest enclave are the contents of the guest OS's memory file
 * (platform_epc_bind()), which the guest maps at ELRANGE and has armed with
 * a userfaultfd in SIGBUS mode.  The VMM (vmm.c) punches the pages it
 * evicts out of that file, so that the next native touch raises SIGBUS,
 * which the processor turns into the EPT violation before the guest OS
 * sees it; the storage stays the guest page's, wherever the VMM puts it.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "base/log.h"
#include "base/sys.h"
#include "cpu/exec/exec.h"
#include "virt/vmm.h"

/* The VMM's slow paths this thread is in, and whether the outermost
 * parked it (the guest OS may have parked it already). */
static __thread unsigned int slow_depth;
static __thread bool slow_parked;

/* --- VA slots ----------------------------------------------------------------- */

int vepc_va_get(struct vepc *v, u32 *out)
{
	unsigned int w, b;
	int err = -ENOMEM;

	pthread_mutex_lock(&v->va_lock);
	for (w = 0; w < v->nr_vas * (SGX_VA_SLOT_COUNT / 64); w++) {
		if (v->va_used[w] == ~0ULL)
			continue;
		b = (unsigned int)__builtin_ctzll(~v->va_used[w]);
		v->va_used[w] |= 1ULL << b;
		*out = w * 64 + b;
		err = 0;
		break;
	}
	pthread_mutex_unlock(&v->va_lock);
	return err;
}

void vepc_va_put(struct vepc *v, u32 va)
{
	pthread_mutex_lock(&v->va_lock);
	v->va_used[va / 64] &= ~(1ULL << (va % 64));
	pthread_mutex_unlock(&v->va_lock);
}

u64 *vepc_va_slot(struct vepc *v, u32 va)
{
	return (u64 *)v->vas[va / SGX_VA_SLOT_COUNT] + va % SGX_VA_SLOT_COUNT;
}

/* --- slots ------------------------------------------------------------------ */

u32 vepc_slot_seq(struct vepc *v)
{
	return sys_event_seq(&v->slot_events);
}

void vepc_slot_wait(struct vepc *v, u32 seen, int ms)
{
	sys_event_wait(&v->slot_events, seen, ms);
}

/* A BUSY slot becomes @state.  The count moves on after the state, and the
 * waiter reads the count before the state: either it sees the new state,
 * or the futex sees the new count, or we see the waiter and wake it. */
static void slot_unbusy(struct vepc *v, struct vepc_slot *s, u8 state)
{
	atomic_store(&s->state, state);
	sys_event_signal(&v->slot_events);
}

/* The claim first and the count after, the reverse of slot_get(). */
bool vepc_slot_claim(struct vepc *v, struct vepc_slot *s)
{
	u8 present = SLOT_PRESENT;

	if (atomic_load(&s->users) || !atomic_compare_exchange_strong(&s->state, &present, SLOT_BUSY))
		return false;
	if (atomic_load(&s->users)) {
		slot_unbusy(v, s, SLOT_PRESENT);
		return false;
	}
	return true;
}

void vepc_slot_unclaim(struct vepc *v, struct vepc_slot *s)
{
	slot_unbusy(v, s, SLOT_PRESENT);
}

/* Storage the page's contents no longer need: give the memory back and
 * make the guest's mapping of it a hole (a touch is SIGBUS). */
static void punch(const struct vepc_slot *s)
{
	if (s->mem)
		sys_call6(SYS_madvise, (long)s->mem, SGX_PAGE_SIZE, MADV_REMOVE, 0, 0, 0);
}

/* A BUSY slot's page leaves the guest for good: it was invalid. */
void vepc_slot_drop(struct vepc *v, struct vepc_slot *s)
{
	void *page = atomic_load(&s->page);

	atomic_store(&s->page, NULL);
	slot_unbusy(v, s, SLOT_ABSENT);
	atomic_fetch_sub(&v->nr_pages, 1);
	atomic_fetch_add(&v->counts->dropped, 1);
	drv_epc_free(v->host, page);
}

/* A BUSY slot went to the backing store: its page goes back to the host. */
void vepc_slot_evicted(struct vepc *v, struct vepc_slot *s)
{
	void *page = atomic_load(&s->page);

	punch(s);
	atomic_store(&s->page, NULL);
	slot_unbusy(v, s, SLOT_EVICTED);
	atomic_fetch_sub(&v->nr_pages, 1);
	atomic_fetch_add(&v->counts->evicted, 1);
	drv_epc_free(v->host, page);
}

static void *slot_get(struct vepc *v, u64 i);

/*
 * Bring back the EVICTED slot @i, which the caller made BUSY: ELDU (ELDB
 * for a page the guest had blocked) into a fresh host page bound to the
 * guest's storage, then tell the SECS it has the child back, or give a
 * SECS back the guest's name for it.  Return: 0, or -EIO when the copy does
 * not verify (altered or replayed), -ENOMEM.
 */
static int slot_reload(struct vepc *v, u64 i)
{
	struct vepc_slot *s = &v->slots[i];
	struct sgx_pageinfo pginfo __aligned(32) = { 0 };
	struct lp *lp = drv_lp(v->host);
	void *page, *hsecs = NULL;
	unsigned int tries;
	int ret, err = -ENOMEM;

	if (s->kind == KIND_CHILD) {
		hsecs = slot_get(v, s->secs);
		if (!hsecs)
			return -ENOMEM;
	}
	page = vmm_alloc(v);
	if (!page)
		goto out;
	if (s->mem && platform_epc_bind(drv_platform(v->host), page, s->mem)) {
		drv_epc_free(v->host, page);
		goto out;
	}
	pginfo.linaddr = s->kind == KIND_CHILD ? s->linaddr : 0;
	pginfo.srcpge = (u64)(uintptr_t)(v->backing + i * SGX_PAGE_SIZE);
	pginfo.secinfo = (u64)(uintptr_t)&v->pcmds[i];
	pginfo.secs = (u64)(uintptr_t)hsecs;
	for (tries = 0;; tries++) {
		u32 seen = vepc_slot_seq(v);

		ret = s->blocked ? encls_eldbc(lp, &pginfo, page, vepc_va_slot(v, s->va)) :
				   encls_elduc(lp, &pginfo, page, vepc_va_slot(v, s->va));
		if (ret != SGX_EPC_PAGE_CONFLICT || tries > 10000)
			break;
		/* Another leaf holds the VA page or the SECS for a moment: the
		 * VMM's EWB or another reload, which end with their slot leaving
		 * BUSY, or the guest's own leaf on its SECS, which ends without
		 * a word; hence a millisecond at most. */
		vepc_slot_wait(v, seen, 1);
	}
	if (ret) {
		/* Never accepted: the guest's access faults instead. */
		if (!s->bad)
			log_err("VM: guest EPC page %llu does not reload (%s): the VMM's copy of it "
				"was altered or replayed; the guest's access to it faults",
				(unsigned long long)i,
				encls_faulted(ret) ? "fault" : sgx_status_name(ret));
		s->bad = true;
		drv_epc_free(v->host, page);
		err = -EIO;
		goto out;
	}
	vepc_va_put(v, s->va);
	if (s->kind == KIND_CHILD && enclv_edecvirtchild(lp, page, hsecs))
		log_warn("VM: EDECVIRTCHILD of guest EPC page %llu failed", (unsigned long long)i);
	if (s->kind == KIND_SECS && enclv_esetcontext(lp, page, &s->context))
		log_warn("VM: ESETCONTEXT of guest EPC page %llu failed", (unsigned long long)i);
	atomic_store(&s->page, page);
	atomic_fetch_add(&v->nr_pages, 1);
	atomic_fetch_add(&v->counts->reloaded, 1);
	err = 0;
out:
	if (hsecs)
		atomic_fetch_sub(&v->slots[s->secs].users, 1);
	return err;
}

/* A slot with no page: take a host page for it, with the guest's storage. */
static void *slot_take(struct vepc *v, u64 i)
{
	struct vepc_slot *s = &v->slots[i];
	void *page = vmm_alloc(v);

	if (page && s->mem && platform_epc_bind(drv_platform(v->host), page, s->mem)) {
		drv_epc_free(v->host, page);
		page = NULL;
	}
	if (!page && !v->warned) {
		/* Linux sends the VMM SIGBUS here; the guest's leaf faults
		 * instead. */
		v->warned = true;
		log_err("virtual EPC: the host has no free EPC page for guest page %llu; give "
			"the host a larger EPC or the guests smaller ones",
			(unsigned long long)i);
	}
	return page;
}

/* The slow part of slot_get(): the page is not there, or on its way. */
static void *slot_get_slow(struct vepc *v, u64 i)
{
	struct vepc_slot *s = &v->slots[i];
	void *page = NULL;

	/* Waiting on the VMM is, for the enclave the caller may be running,
	 * an exit: the VMM may need it out (platform_vmm_hold()). */
	if (!slow_depth++)
		slow_parked = exec_park(0);
	for (;;) {
		u8 state = atomic_load(&s->state);

		if (state == SLOT_PRESENT) {
			atomic_fetch_add(&s->users, 1);
			if (atomic_load(&s->state) == SLOT_PRESENT) {
				page = atomic_load(&s->page);
				break;
			}
			atomic_fetch_sub(&s->users, 1);
			continue;
		}
		if (state == SLOT_BUSY) {
			u32 seen = vepc_slot_seq(v);

			/* Until the VMM or another reload is done with it;
			 * the second is only a backstop. */
			if (atomic_load(&s->state) == SLOT_BUSY)
				vepc_slot_wait(v, seen, 1000);
			continue;
		}
		if (state == SLOT_EVICTED && s->bad)
			break;
		pthread_mutex_lock(&v->lock);
		if (atomic_load(&s->state) != state) {
			pthread_mutex_unlock(&v->lock);
			continue;
		}
		atomic_store(&s->state, SLOT_BUSY);
		pthread_mutex_unlock(&v->lock);
		if (state == SLOT_ABSENT) {
			page = slot_take(v, i);
			if (page) {
				atomic_store(&s->page, page);
				atomic_fetch_add(&v->nr_pages, 1);
			}
		} else if (!slot_reload(v, i)) {
			page = atomic_load(&s->page);
		}
		if (page)
			atomic_fetch_add(&s->users, 1);
		s->referenced = true;
		slot_unbusy(v, s, page ? SLOT_PRESENT : state);
		break;
	}
	if (!--slow_depth && slow_parked)
		exec_unpark(0);
	return page;
}

/* The host page of slot @i, held (users) until slot_put(). */
static void *slot_get(struct vepc *v, u64 i)
{
	struct vepc_slot *s;

	if (i >= v->nr_slots)
		return NULL;
	s = &v->slots[i];
	atomic_fetch_add(&s->users, 1);
	if (atomic_load(&s->state) == SLOT_PRESENT) {
		s->referenced = true;
		return atomic_load(&s->page);
	}
	atomic_fetch_sub(&s->users, 1);
	return slot_get_slow(v, i);
}

static void slot_put(struct vepc *v, u64 i)
{
	if (i < v->nr_slots)
		atomic_fetch_sub(&v->slots[i].users, 1);
}

/* --- the EPT hooks ------------------------------------------------------------ */

static void *ept_get(void *ctx, u64 index)
{
	return slot_get(ctx, index);
}

static void ept_put(void *ctx, u64 index)
{
	slot_put(ctx, index);
}

static void *ept_peek(void *ctx, u64 index)
{
	struct vepc *v = ctx;

	if (index >= v->nr_slots || atomic_load(&v->slots[index].state) != SLOT_PRESENT)
		return NULL;
	return atomic_load(&v->slots[index].page);
}

static int ept_bind(void *ctx, u64 index, void *mem)
{
	struct vepc *v = ctx;
	void *page;
	int err;

	if (index >= v->nr_slots)
		return -EINVAL;
	/* No page now: the storage is for whichever one it gets. */
	pthread_mutex_lock(&v->lock);
	if (atomic_load(&v->slots[index].state) == SLOT_ABSENT) {
		v->slots[index].mem = mem;
		pthread_mutex_unlock(&v->lock);
		return 0;
	}
	pthread_mutex_unlock(&v->lock);
	page = slot_get(v, index);
	if (!page)
		return -ENOMEM;
	/* The page must be invalid, as for any binding; the storage is the
	 * guest page's from now on, wherever the VMM puts it. */
	err = platform_epc_bind(drv_platform(v->host), page, mem);
	if (!err)
		v->slots[index].mem = mem;
	slot_put(v, index);
	return err;
}

static int ept_violation(void *ctx, u64 index)
{
	struct vepc *v = ctx;
	u8 state;

	if (index >= v->nr_slots)
		return -EFAULT;
	state = atomic_load(&v->slots[index].state);
	/* A page that is there (or never was) is the guest OS's fault. */
	if (state == SLOT_PRESENT || state == SLOT_ABSENT)
		return -EFAULT;
	if (!slot_get(v, index))
		return -EFAULT;
	slot_put(v, index);
	return 0;
}

void vepc_ept(struct vepc *v, struct platform_ept *ept)
{
	memset(ept, 0, sizeof(*ept));
	ept->get = ept_get;
	ept->put = ept_put;
	ept->peek = ept_peek;
	ept->bind = ept_bind;
	ept->violation = ept_violation;
	ept->ctx = v;
	ept->virt_ext = v->paging;
}

void *vepc_get(struct vepc *v, u64 index)
{
	return slot_get(v, index);
}

void vepc_put(struct vepc *v, u64 index)
{
	slot_put(v, index);
}

unsigned int vepc_reclaim(struct vepc *v, unsigned int n)
{
	unsigned int done = 0, got;

	if (!v->paging)
		return 0;
	vmm_reclaim_lock(v->vmm);
	do {
		got = vmm_evict_batch(v);
		done += got;
	} while (got && done < n);
	vmm_reclaim_unlock(v->vmm);
	return done;
}

/* --- the object ----------------------------------------------------------------- */

int vepc_create(struct drv *host, struct vepc **out)
{
	struct vepc *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->host = host;
	v->counts = sys_mmap(NULL, sizeof(*v->counts), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sys_failed(v->counts)) {
		free(v);
		return -ENOMEM;
	}
	v->vmm = vmm_get(host);
	if (!v->vmm) {
		sys_munmap(v->counts, sizeof(*v->counts));
		free(v);
		return -ENOMEM;
	}
	pthread_mutex_init(&v->lock, NULL);
	pthread_mutex_init(&v->va_lock, NULL);
	vmm_reclaim_lock(v->vmm);
	if (v->vmm->nr_vepcs == VMM_MAX_VMS) {
		vmm_reclaim_unlock(v->vmm);
		vmm_put(v->vmm);
		sys_munmap(v->counts, sizeof(*v->counts));
		free(v);
		return -ENOSPC;
	}
	v->vmm->vepcs[v->vmm->nr_vepcs++] = v;
	vmm_reclaim_unlock(v->vmm);
	*out = v;
	return 0;
}

int vepc_claim(struct vepc *v)
{
	int err = 0;

	pthread_mutex_lock(&v->lock);
	if (v->vm)
		err = -EBUSY;
	v->vm = true;
	pthread_mutex_unlock(&v->lock);
	return err;
}

void vepc_unclaim(struct vepc *v)
{
	pthread_mutex_lock(&v->lock);
	v->vm = false;
	pthread_mutex_unlock(&v->lock);
}

int vepc_reserve(struct vepc *v, u64 nr_pages)
{
	struct vepc_slot *slots;
	int err = 0;

	pthread_mutex_lock(&v->lock);
	if (nr_pages > v->nr_slots) {
		if (v->paging) {
			/* The backing store is sized when paging starts. */
			err = -EBUSY;
		} else {
			slots = realloc(v->slots, nr_pages * sizeof(*slots));
			if (slots) {
				memset(slots + v->nr_slots, 0,
				       (nr_pages - v->nr_slots) * sizeof(*slots));
				v->slots = slots;
				v->nr_slots = nr_pages;
			} else {
				err = -ENOMEM;
			}
		}
	}
	pthread_mutex_unlock(&v->lock);
	return err;
}

int vepc_enable_paging(struct vepc *v, u64 epc_pa)
{
	unsigned int i, nr_vas = (unsigned int)((v->nr_slots + SGX_VA_SLOT_COUNT - 1) /
						SGX_VA_SLOT_COUNT);
	u8 *backing;
	struct sgx_pcmd *pcmds;

	if (v->paging || !v->nr_slots)
		return v->paging ? 0 : -EINVAL;
	backing = sys_mmap(NULL, v->nr_slots * SGX_PAGE_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	pcmds = sys_mmap(NULL, v->nr_slots * sizeof(*pcmds), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	v->vas = calloc(nr_vas, sizeof(*v->vas));
	v->va_used = calloc(nr_vas, SGX_VA_SLOT_COUNT / 8);
	if (sys_failed(backing) || sys_failed(pcmds) || !v->vas || !v->va_used)
		goto err;
	/* Every slot's version has a place before anything is evicted, as
	 * Linux's sgx_encl_grow() makes sure: eviction never needs EPC. */
	for (i = 0; i < nr_vas; i++) {
		void *page = vmm_alloc(v);

		if (!page)
			goto err;
		if (encls_epa(drv_lp(v->host), SGX_PT_VA, page)) {
			drv_epc_free(v->host, page);
			goto err;
		}
		v->vas[v->nr_vas++] = page;
	}
	v->backing = backing;
	v->pcmds = pcmds;
	v->epc_pa = epc_pa;
	v->paging = true;
	return 0;
err:
	for (i = 0; i < v->nr_vas; i++)
		if (!encls_eremove(drv_lp(v->host), v->vas[i]))
			drv_epc_free(v->host, v->vas[i]);
	v->nr_vas = 0;
	free(v->vas);
	free(v->va_used);
	v->vas = NULL;
	v->va_used = NULL;
	if (!sys_failed(backing))
		sys_munmap(backing, v->nr_slots * SGX_PAGE_SIZE);
	if (!sys_failed(pcmds))
		sys_munmap(pcmds, v->nr_slots * sizeof(*pcmds));
	return -ENOMEM;
}

u64 vepc_nr_pages(struct vepc *v)
{
	return atomic_load(&v->nr_pages);
}

void vepc_stats(struct vepc *v, struct vepc_stats *out)
{
	out->host_pages = atomic_load(&v->nr_pages);
	out->evicted = atomic_load(&v->counts->evicted);
	out->reloaded = atomic_load(&v->counts->reloaded);
	out->dropped = atomic_load(&v->counts->dropped);
}

int vepc_evicted_copy(struct vepc *v, u64 index, void **data, struct sgx_pcmd **pcmd)
{
	if (index >= v->nr_slots || atomic_load(&v->slots[index].state) != SLOT_EVICTED)
		return -ENOENT;
	*data = v->backing + index * SGX_PAGE_SIZE;
	*pcmd = &v->pcmds[index];
	return 0;
}

/* An EVICTED slot's page is gone with the guest's EPC: its VA slot too. */
static void forget_evicted(struct vepc *v, struct vepc_slot *s)
{
	vepc_va_put(v, s->va);
	atomic_store(&s->state, SLOT_ABSENT);
}

long vepc_remove_all(struct vepc *v)
{
	struct lp *lp = drv_lp(v->host);
	long failures = 0;
	u64 i;

	vmm_reclaim_lock(v->vmm);
	pthread_mutex_lock(&v->lock);
	for (i = 0; i < v->nr_slots; i++) {
		struct vepc_slot *s = &v->slots[i];
		void *page = atomic_load(&s->page);
		int ret;

		if (atomic_load(&s->state) == SLOT_EVICTED) {
			forget_evicted(v, s);
			continue;
		}
		if (atomic_load(&s->state) != SLOT_PRESENT)
			continue;
		ret = encls_eremove(lp, page);
		if (ret == SGX_CHILD_PRESENT) {
			failures++;     /* a SECS: the caller retries after its children */
		} else if (ret) {
			/* SGX_ENCLAVE_ACT or a fault: the guest is still running
			 * on it, as Linux reports. */
			failures = -EBUSY;
			break;
		}
	}
	pthread_mutex_unlock(&v->lock);
	vmm_reclaim_unlock(v->vmm);
	return failures;
}

static void maps_forget(struct vepc *v, u64 start, u64 len);

void vepc_destroy(struct vepc *v)
{
	struct vmm *m;
	struct lp *lp;
	unsigned int pass, k;
	u64 i, left = 0;

	if (!v)
		return;
	m = v->vmm;
	maps_forget(v, 0, 0);
	/* Out of the VMM's sight first: no reclaimer works on it after. */
	vmm_reclaim_lock(m);
	for (k = 0; k < m->nr_vepcs && m->vepcs[k] != v; k++)
		;
	if (k < m->nr_vepcs)
		m->vepcs[k] = m->vepcs[--m->nr_vepcs];
	vmm_reclaim_unlock(m);
	lp = drv_lp(v->host);
	for (i = 0; i < v->nr_slots; i++)
		if (atomic_load(&v->slots[i].state) == SLOT_EVICTED)
			forget_evicted(v, &v->slots[i]);
	/* Children go in the first pass, so their SECS in the second. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < v->nr_slots; i++) {
			void *page = atomic_load(&v->slots[i].page);

			if (atomic_load(&v->slots[i].state) != SLOT_PRESENT || encls_eremove(lp, page))
				continue;
			drv_epc_free(v->host, page);
			atomic_store(&v->slots[i].page, NULL);
			atomic_store(&v->slots[i].state, SLOT_ABSENT);
		}
	}
	for (i = 0; i < v->nr_slots; i++)
		left += atomic_load(&v->slots[i].state) == SLOT_PRESENT;
	if (left)
		/* A thread is still inside a guest enclave: the pages cannot
		 * be reused, as Linux's zombie SECS pages. */
		log_err("virtual EPC: %llu EPC pages still in use at teardown are lost to the host",
			(unsigned long long)left);
	for (k = 0; k < v->nr_vas; k++)
		if (!encls_eremove(lp, v->vas[k]))
			drv_epc_free(v->host, v->vas[k]);
	if (v->backing) {
		sys_munmap(v->backing, v->nr_slots * SGX_PAGE_SIZE);
		sys_munmap(v->pcmds, v->nr_slots * sizeof(*v->pcmds));
	}
	free(v->vas);
	free(v->va_used);
	pthread_mutex_destroy(&v->lock);
	pthread_mutex_destroy(&v->va_lock);
	free(v->slots);
	sys_munmap(v->counts, sizeof(*v->counts));
	vmm_put(m);
	free(v);
}

/* --- the VMM's own touches of its mappings ------------------------------------
 *
 * Linux maps the EPC page itself into a /dev/sgx_vepc mapping: the VMM's
 * first touch of a page takes it from the host's EPC (sgx_vepc_fault(),
 * the page at that offset, for good), and what the VMM reads of it is
 * the abort page, all ones, whatever the guest keeps there; its writes are
 * dropped.  Here a mapping is reserved and inaccessible until a touch:
 * the fault takes the slot's page and puts a read-only page of ones at
 * the address.  A write to it is let through once to a writable page of
 * ones, with the trap flag set; the trap after the instruction writes the
 * ones back and makes the page read-only again.  (Another thread may read
 * the written value during that one instruction.)
 */

#define VEPC_MAX_MAPS 256
#define X86_EFLAGS_TF 0x100
#define PF_PRESENT 1
#define PF_WRITE 2

struct vepc_map {
	_Atomic(struct vepc *) v;  /* NULL: a free entry */
	u64 start, len, pgoff;      /* the mapping, and its first slot */
};

static struct vepc_map maps[VEPC_MAX_MAPS];
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
/* The pages a write is let through to until the trap (an access may
 * straddle two). */
static __thread u64 dropping[2];

static bool host_fault(int sig, siginfo_t *info, ucontext_t *uc);

static void maps_add(struct vepc *v, u64 start, u64 len, u64 pgoff)
{
	static atomic_bool hooked;
	unsigned int i;

	/* The emulator's signal handlers, in a process that maps a vEPC. */
	if (!atomic_exchange(&hooked, true) && exec_set_host_fault_hook(host_fault))
		log_warn("virtual EPC: the VMM's touches of its mappings will fault: the emulator's "
			 "signal handlers are not installed");
	pthread_mutex_lock(&maps_lock);
	for (i = 0; i < VEPC_MAX_MAPS && atomic_load(&maps[i].v); i++)
		;
	if (i < VEPC_MAX_MAPS) {
		maps[i].start = start;
		maps[i].len = len;
		maps[i].pgoff = pgoff;
		atomic_store(&maps[i].v, v);
	}
	pthread_mutex_unlock(&maps_lock);
	if (i == VEPC_MAX_MAPS)
		log_warn("virtual EPC: more than %d mappings; touching the newest faults",
			 VEPC_MAX_MAPS);
}

/* Forget the mappings of @v (NULL: any) that overlap [@start, @start+@len)
 * (@len 0: all of @v's).  A mapping partly unmapped is forgotten whole:
 * its rest faults on a touch, rather than a stale entry answering for an
 * address that is something else's now. */
static void maps_forget(struct vepc *v, u64 start, u64 len)
{
	unsigned int i;

	pthread_mutex_lock(&maps_lock);
	for (i = 0; i < VEPC_MAX_MAPS; i++) {
		struct vepc *m = atomic_load(&maps[i].v);

		if (!m || (v && m != v))
			continue;
		if (!len || (start < maps[i].start + maps[i].len && maps[i].start < start + len))
			atomic_store(&maps[i].v, NULL);
	}
	pthread_mutex_unlock(&maps_lock);
}

void vepc_forget_range(u64 start, u64 len)
{
	if (len)
		maps_forget(NULL, start, len);
}

/* Make the page at @addr a page of ones, readable only. */
static int abort_page(u64 addr, bool fresh)
{
	void *p = (void *)(uintptr_t)addr;

	if (fresh) {
		void *m = sys_mmap(p, SGX_PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		if (sys_failed(m))
			return (int)(long)m;
	}
	memset(p, 0xFF, SGX_PAGE_SIZE);
	return sys_mprotect(p, SGX_PAGE_SIZE, PROT_READ);
}

static bool host_fault(int sig, siginfo_t *info, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	u64 addr = (u64)(uintptr_t)info->si_addr & PAGE_MASK;
	unsigned int i;

	if (sig == SIGTRAP) {
		if (!dropping[0] || !(g[REG_EFL] & X86_EFLAGS_TF))
			return false;
		for (i = 0; i < ARRAY_SIZE(dropping); i++) {
			if (dropping[i] && abort_page(dropping[i], false))
				log_err("virtual EPC: cannot restore the abort page at %#llx",
					(unsigned long long)dropping[i]);
			dropping[i] = 0;
		}
		g[REG_EFL] &= ~X86_EFLAGS_TF;
		return true;
	}
	if (info->si_code != SEGV_ACCERR)
		return false;
	for (i = 0; i < VEPC_MAX_MAPS; i++) {
		struct vepc *v = atomic_load(&maps[i].v);
		u64 index;

		if (!v || addr - maps[i].start >= maps[i].len)
			continue;
		if ((g[REG_ERR] & (PF_PRESENT | PF_WRITE)) == (PF_PRESENT | PF_WRITE)) {
			/* A write to the abort page: it goes nowhere. */
			unsigned int k = dropping[0] ? 1 : 0;

			if (dropping[k] ||
			    sys_mprotect((void *)(uintptr_t)addr, SGX_PAGE_SIZE,
					 PROT_READ | PROT_WRITE))
				return false;
			dropping[k] = addr;
			g[REG_EFL] |= X86_EFLAGS_TF;
			return true;
		}
		/* The first touch: the slot's page, as sgx_vepc_fault() takes
		 * it (no page: Linux's SIGBUS, here the fault stands). */
		index = maps[i].pgoff + (addr - maps[i].start) / SGX_PAGE_SIZE;
		if (!vepc_get(v, index))
			return false;
		vepc_put(v, index);
		return !abort_page(addr, true);
	}
	return false;
}

/* --- the file: /dev/sgx_vepc --------------------------------------------- */

static int vepc_open(struct drv *host, void **priv)
{
	return vepc_create(host, (struct vepc **)priv);
}

static long vepc_ioctl(struct drv_file *f, unsigned int cmd, u64 arg)
{
	(void)arg;
	/* Linux returns the count of SECS pages left, or -EBUSY. */
	if (cmd == SGX_IOC_VEPC_REMOVE_ALL)
		return vepc_remove_all(drv_file_private(f));
	return -ENOTTY;
}

/*
 * Slots from the page offset on; each takes a host EPC page when the
 * guest, or the VMM through a mapping, first uses it.  The range stays
 * inaccessible until the VMM touches a page (host_fault()).
 */
static int vepc_mmap(struct drv_file *f, u64 addr, u64 len, int prot, int flags, u64 pgoff,
		     u64 *out)
{
	void *m;
	int err;

	(void)prot;
	if (len / SGX_PAGE_SIZE > (1ULL << 40) - pgoff / SGX_PAGE_SIZE)
		return -EINVAL;
	err = vepc_reserve(drv_file_private(f), (pgoff + len) / SGX_PAGE_SIZE);
	if (err)
		return err;
	m = sys_mmap((void *)(uintptr_t)addr, len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			     (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)),
		     -1, 0);
	if (sys_failed(m))
		return (int)(long)m;
	maps_add(drv_file_private(f), (u64)(uintptr_t)m, len, pgoff / SGX_PAGE_SIZE);
	*out = (u64)(uintptr_t)m;
	return 0;
}

static void vepc_release(struct drv_file *f)
{
	vepc_destroy(drv_file_private(f));
}

static const struct drv_file_ops vepc_fops = {
	.ioctl = vepc_ioctl,
	.mmap = vepc_mmap,
	.release = vepc_release,
};

void vepc_register(struct drv *host)
{
	drv_register_vepc(host, vepc_open, &vepc_fops);
}
