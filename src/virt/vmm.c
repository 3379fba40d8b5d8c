// SPDX-License-Identifier: MIT
/*
 * The VMM of one host: it takes EPC pages back from its guests when the
 * host has none to give (the seed's footnote: oversubscription).
 *
 * Which pages go (the policy, doc/architecture.md): the VM that holds the
 * most host pages gives them (ties in turn); in it a clock with a second
 * chance for pages a leaf used since the hand passed; invalid pages (the
 * guest freed them or evicted them itself) go first and cost nothing; TCS
 * pages, executable pages and SECS pages with children stay.
 *
 * How (the SDM's oversubscription extensions): ERDINFO says what a guest
 * page is; the children of one enclave go in a batch, with the enclave's
 * threads held out (platform_vmm_hold(), as INVEPT and its IPIs would):
 * EBLOCK, ETRACKC, EINCVIRTCHILD and EWB each, then the page is punched
 * out of the guest's memory file, so that enclave code's next touch is
 * SIGBUS and the EPT violation brings it back (vepc.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "base/log.h"
#include "base/sys.h"
#include "virt/vmm.h"

#define BATCH 16

/* The VMMs of this process's hosts, found by their driver: a virtual EPC
 * is created on a host's driver (/dev/sgx_vepc) and joins that host's
 * VMM, whose policy spans every VM on the host. */
static pthread_mutex_t vmms_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vmm *vmms;

struct vmm *vmm_get(struct drv *host)
{
	struct vmm *m;

	pthread_mutex_lock(&vmms_lock);
	for (m = vmms; m && m->host != host; m = m->next)
		;
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (m) {
			m->host = host;
			pthread_mutex_init(&m->reclaim_lock, NULL);
			m->next = vmms;
			vmms = m;
		}
	}
	if (m)
		m->refs++;
	pthread_mutex_unlock(&vmms_lock);
	return m;
}

void vmm_put(struct vmm *m)
{
	struct vmm **p;

	pthread_mutex_lock(&vmms_lock);
	if (--m->refs) {
		pthread_mutex_unlock(&vmms_lock);
		return;
	}
	for (p = &vmms; *p != m; p = &(*p)->next)
		;
	*p = m->next;
	pthread_mutex_unlock(&vmms_lock);
	pthread_mutex_destroy(&m->reclaim_lock);
	free(m);
}

bool vmm_reclaim_trylock(struct vmm *m)
{
	return !pthread_mutex_trylock(&m->reclaim_lock);
}

void vmm_reclaim_lock(struct vmm *m)
{
	pthread_mutex_lock(&m->reclaim_lock);
}

void vmm_reclaim_unlock(struct vmm *m)
{
	pthread_mutex_unlock(&m->reclaim_lock);
	/* The count moves on after the lock is free, and the waiter reads it
	 * before it tries the lock: either it gets the lock, or the futex
	 * sees the new count, or we see the waiter and wake it. */
	sys_event_signal(&m->reclaims);
}

/* Sleep until the reclaimer that had the lock when the count was @seen
 * lets go of it. */
static void vmm_reclaim_wait(struct vmm *m, u32 seen)
{
	/* The unlock wakes us; the second is only a backstop. */
	sys_event_wait(&m->reclaims, seen, 1000);
}

static int vmm_reclaim(struct vmm *m);

void *vmm_alloc(struct vepc *v)
{
	unsigned int i, empty = 0;

	for (i = 0; i < 100000; i++) {
		u32 reclaims = sys_event_seq(&v->vmm->reclaims);
		u32 freed = drv_epc_free_seq(v->host);
		void *page = drv_epc_alloc(v->host);
		int r;

		if (page)
			return page;
		r = vmm_reclaim(v->vmm);
		/* No VM of this host pages: nothing will free up. */
		if (r == -ENOENT)
			return NULL;
		/* Another thread reclaims: what it frees is there when it is
		 * done. */
		if (r == -EBUSY) {
			vmm_reclaim_wait(v->vmm, reclaims);
			continue;
		}
		if (r > 0)
			continue;
		if (++empty >= 10)
			return drv_epc_alloc(v->host);
		/* Nothing to take now: until a page goes free, for a
		 * millisecond at most, as the pages a leaf holds for a moment
		 * (a slot's users) become candidates again without a word. */
		drv_epc_free_wait(v->host, freed, 1);
	}
	return NULL;
}

struct victim {
	u64 index;
	void *page;
	u8 kind;
	bool blocked;
	bool keep;
	u64 secs;          /* a child's SECS slot */
	u64 context;       /* a SECS's ENCLAVECONTEXT */
};

/* EWB one claimed page into slot @c->index's backing store; a child of
 * the enclave whose SECS is host page @hsecs (NULL for a VA or SECS page),
 * whose threads the caller holds out. */
static int ewb(struct vepc *v, struct lp *lp, struct victim *c, void *hsecs)
{
	struct platform *host = drv_platform(v->host);
	struct vepc_slot *s = &v->slots[c->index];
	struct sgx_pageinfo pginfo __aligned(32) = { 0 };
	unsigned int tries = 0;
	int ret;

	if (vepc_va_get(v, &s->va))
		return -ENOMEM;
	pginfo.srcpge = (u64)(uintptr_t)(v->backing + c->index * SGX_PAGE_SIZE);
	pginfo.secinfo = (u64)(uintptr_t)&v->pcmds[c->index];
	for (;;) {
		u32 exits = hsecs ? platform_exit_seq(host, hsecs) : 0;
		u32 slots = vepc_slot_seq(v);

		ret = encls_ewb(lp, &pginfo, c->page, vepc_va_slot(v, s->va));
		if (++tries > 10000)
			break;
		if (ret == SGX_NOT_TRACKED && hsecs) {
			/* A tracking cycle the guest started may be in the way. */
			if (encls_etrackc(lp, c->page) == SGX_SUCCESS)
				continue;
			/* Threads of the last cycle must leave first
			 * (SGX_PREV_TRK_INCMPL): kick them and sleep until one
			 * does.  A millisecond at most: the guest's own leaf
			 * on its SECS (SGX_EPC_PAGE_CONFLICT) lets go of it
			 * without a word. */
			platform_vmm_quiet(host, hsecs);
			platform_exit_wait(host, hsecs, exits, 1);
			continue;
		}
		/* #GP: another leaf holds the VA page for a moment, a reload
		 * from it, which ends with its slot leaving BUSY; nothing else
		 * can (the page is ours).  A millisecond at most: a reload
		 * whose leaf met ours waits for us in turn, its slot busy. */
		if (!encls_faulted(ret) || encls_trapnr(ret) != X86_VEC_GP)
			break;
		vepc_slot_wait(v, slots, 1);
	}
	if (ret && ret != SGX_VA_SLOT_OCCUPIED) {
		vepc_va_put(v, s->va);
		return -EIO;
	}
	s->kind = c->kind;
	s->blocked = c->blocked;
	s->bad = false;
	s->linaddr = pginfo.linaddr;
	s->context = c->context;
	s->secs = c->secs;
	return 0;
}

/*
 * The children in @c of one enclave, whose SECS is host page @hsecs: with
 * its threads held out, EBLOCK (SGX_BLKSTATE: the guest blocked it, and it
 * comes back blocked), ETRACKC, EINCVIRTCHILD and EWB each.
 */
static unsigned int evict_children(struct vepc *v, struct victim *c, unsigned int n, void *hsecs)
{
	struct platform *host = drv_platform(v->host);
	struct lp *lp = drv_lp(v->host);
	time_t start = time(NULL);
	unsigned int k, done = 0;
	bool said = false, tracked = false;
	int ret;

	platform_vmm_hold(host, hsecs);
	for (;;) {
		u32 seen = platform_exit_seq(host, hsecs);

		/* Kicks the threads inside, if any. */
		if (platform_vmm_quiet(host, hsecs))
			break;
		if (!said && time(NULL) - start > 2) {
			log_warn("VM: the VMM waits for threads to leave a guest enclave");
			said = true;
		}
		/* Until one leaves (its AEX wakes us), as paging_wait_exit():
		 * a kick that lands as a thread enters finds nothing to
		 * interrupt, so after 10 ms we kick again. */
		platform_exit_wait(host, hsecs, seen, 10);
	}
	for (k = 0; k < n; k++) {
		ret = encls_eblock(lp, c[k].page);
		if (ret == SGX_BLKSTATE)
			c[k].blocked = true;
		else if (ret)
			c[k].keep = true;
		else if (!tracked)
			tracked = true;
	}
	for (k = 0; k < n && tracked; k++) {
		if (c[k].keep)
			continue;
		ret = encls_etrackc(lp, c[k].page);
		if (ret == SGX_SUCCESS || ret == SGX_PREV_TRK_INCMPL)
			break;
	}
	for (k = 0; k < n; k++) {
		struct vepc_slot *s = &v->slots[c[k].index];

		if (c[k].keep) {
			vepc_slot_unclaim(v, s);
			continue;
		}
		if (enclv_eincvirtchild(lp, c[k].page, hsecs)) {
			/* Blocked by us and back in use: the guest finds it
			 * blocked, as after its own failed eviction. */
			log_warn("VM: EINCVIRTCHILD of guest EPC page %llu failed",
				 (unsigned long long)c[k].index);
			vepc_slot_unclaim(v, s);
			continue;
		}
		if (ewb(v, lp, &c[k], hsecs)) {
			if (enclv_edecvirtchild(lp, c[k].page, hsecs))
				log_warn("VM: EDECVIRTCHILD of guest EPC page %llu failed",
					 (unsigned long long)c[k].index);
			log_warn("VM: EWB of guest EPC page %llu failed; it stays blocked",
				 (unsigned long long)c[k].index);
			vepc_slot_unclaim(v, s);
			continue;
		}
		vepc_slot_evicted(v, s);
		done++;
	}
	platform_vmm_release(host, hsecs);
	return done;
}

/* Claim a page the clock hand found, and decide what to do with it:
 * 1 evict it, 0 it went (invalid), -1 leave it. */
static int classify(struct vepc *v, struct lp *lp, struct victim *c)
{
	struct sgx_rdinfo info;
	struct vepc_slot *s = &v->slots[c->index];
	s64 secs;
	int ret;

	ret = encls_erdinfo(lp, &info, c->page);
	if (ret == SGX_PG_INVLD) {
		vepc_slot_drop(v, s);
		return 0;
	}
	if (ret)
		return -1;
	c->blocked = (info.flags & SGX_RDINFO_BLOCKED) != 0;
	c->keep = false;
	switch ((info.flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT) {
	case SGX_PT_VA:
		c->kind = KIND_VA;
		return 1;
	case SGX_PT_SECS:
		/* Its children first; VIRTCHILDCNT does not stop the VMM. */
		if (info.status & SGX_RDINFO_CHILDPRESENT)
			return -1;
		c->kind = KIND_SECS;
		c->context = info.enclavecontext;
		return 1;
	case SGX_PT_REG:
	case SGX_PT_TRIM:
		/* The emulator reads code at RIP from signal handlers. */
		if (info.flags & SGX_SECINFO_X)
			return -1;
		secs = (s64)((info.enclavecontext - v->epc_pa) / SGX_PAGE_SIZE);
		if (info.enclavecontext < v->epc_pa || (u64)secs >= v->nr_slots)
			return -1;
		c->kind = KIND_CHILD;
		c->secs = (u64)secs;
		return 1;
	default:
		/* TCS pages stay: a thread may be parked inside through one. */
		return -1;
	}
}

/*
 * One batch of @v's pages: up to BATCH found by the clock, of which the
 * children of one enclave at most.  Return: pages that left the host EPC.
 */
unsigned int vmm_evict_batch(struct vepc *v)
{
	struct victim c[BATCH], kids[BATCH];
	struct lp *lp = drv_lp(v->host);
	unsigned int n = 0, nk = 0, done = 0, k;
	u64 steps, secs = 0;
	void *hsecs = NULL;

	for (steps = 0; steps < 2 * v->nr_slots && n + nk < BATCH; steps++) {
		u64 i = v->hand++ % v->nr_slots;
		struct vepc_slot *s = &v->slots[i];
		struct victim vic;
		int r;

		if (atomic_load(&s->state) != SLOT_PRESENT || atomic_load(&s->users))
			continue;
		if (s->referenced) {
			s->referenced = false;
			continue;
		}
		if (!vepc_slot_claim(v, s))
			continue;
		vic.index = i;
		vic.page = atomic_load(&s->page);
		r = classify(v, lp, &vic);
		if (r == 0) {
			done++;
			continue;
		}
		if (r < 0 || (vic.kind == KIND_CHILD && nk && vic.secs != secs)) {
			vepc_slot_unclaim(v, s);
			continue;
		}
		if (vic.kind == KIND_CHILD) {
			secs = vic.secs;
			kids[nk++] = vic;
		} else {
			c[n++] = vic;
		}
	}
	for (k = 0; k < n; k++) {
		if (ewb(v, lp, &c[k], NULL)) {
			vepc_slot_unclaim(v, &v->slots[c[k].index]);
			continue;
		}
		vepc_slot_evicted(v, &v->slots[c[k].index]);
		done++;
	}
	if (!nk)
		return done;
	/* The SECS stays while it has children; hold it for the batch. */
	atomic_fetch_add(&v->slots[secs].users, 1);
	if (atomic_load(&v->slots[secs].state) == SLOT_PRESENT)
		hsecs = atomic_load(&v->slots[secs].page);
	if (hsecs) {
		done += evict_children(v, kids, nk, hsecs);
	} else {
		for (k = 0; k < nk; k++)
			vepc_slot_unclaim(v, &v->slots[kids[k].index]);
	}
	atomic_fetch_sub(&v->slots[secs].users, 1);
	return done;
}

/*
 * Take pages back for the host: from the VM that holds the most host
 * pages, then the others.  Return: pages freed, 0 when none could be,
 * -EBUSY when another thread is reclaiming (it frees pages soon), -ENOENT
 * when no VM of the host pages.
 */
static int vmm_reclaim(struct vmm *m)
{
	struct vepc *order[VMM_MAX_VMS];
	unsigned int n, k, j;
	bool pagers = false;
	int done = 0;

	if (!vmm_reclaim_trylock(m))
		return -EBUSY;
	n = m->nr_vepcs;
	if (!n) {
		vmm_reclaim_unlock(m);
		return -ENOENT;
	}
	/* Largest first; ties in turn, so two equal guests share the cost. */
	for (k = 0; k < n; k++)
		order[k] = m->vepcs[(m->start + k) % n];
	m->start++;
	for (k = 1; k < n; k++) {
		struct vepc *x = order[k];

		for (j = k; j && atomic_load(&order[j - 1]->nr_pages) < atomic_load(&x->nr_pages); j--)
			order[j] = order[j - 1];
		order[j] = x;
	}
	for (k = 0; k < n && !done; k++)
		if (order[k]->paging) {
			pagers = true;
			done = (int)vmm_evict_batch(order[k]);
		}
	vmm_reclaim_unlock(m);
	return done || pagers ? done : -ENOENT;
}
