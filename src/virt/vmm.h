/* SPDX-License-Identifier: MIT */
/*
 * The VMM's view of its guests' virtual EPCs: the slots, their states and
 * the backing store (vepc.c), and the VMM of one host that takes pages
 * back from them (vmm.c).  Internal to src/virt.
 */
#ifndef SGXEMU_VIRT_VMM_H
#define SGXEMU_VIRT_VMM_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/sys.h"
#include "virt/virt.h"

#define VMM_MAX_VMS 64

enum slot_state {
	SLOT_ABSENT,    /* no host page: never used, or freed while invalid */
	SLOT_PRESENT,   /* a host EPC page */
	SLOT_BUSY,      /* the VMM is taking it out or bringing it back */
	SLOT_EVICTED,   /* in the VMM's backing store */
};

enum slot_kind {
	KIND_CHILD,     /* a REG or TRIM page: EINCVIRTCHILD, ELDU, EDECVIRTCHILD */
	KIND_SECS,
	KIND_VA,
};

struct vepc_slot {
	_Atomic(void *) page;       /* the host EPC page while PRESENT or BUSY */
	void *mem;                  /* the guest's storage for it; NULL: the page's own */
	atomic_uint users;          /* translations the processor holds */
	_Atomic(u8) state;          /* enum slot_state */
	bool referenced;            /* used since the clock hand passed */
	/* While EVICTED: */
	u8 kind;                    /* enum slot_kind */
	bool blocked;               /* the guest had blocked it: ELDB */
	bool bad;                   /* it did not reload: altered or replayed */
	u32 va;                     /* VA page << 9 | slot */
	u64 linaddr;                /* PAGEINFO.LINADDR (a child) */
	u64 context;                /* ENCLAVECONTEXT (a SECS) */
	u64 secs;                   /* a child's SECS slot */
};

/* The VMM of one host: its VMs' virtual EPCs, and one reclaimer at a time:
 * @reclaims is signalled when one lets go, for the threads that found it
 * busy and sleep until it is done. */
struct vmm {
	struct drv *host;
	struct vmm *next;
	unsigned int refs;
	pthread_mutex_t reclaim_lock;
	struct sys_event reclaims;      /* the reclaim lock let go */
	struct vepc *vepcs[VMM_MAX_VMS];
	unsigned int nr_vepcs, start;
};

struct vepc {
	struct drv *host;
	struct vmm *vmm;
	pthread_mutex_t lock;       /* slot transitions out of ABSENT/EVICTED, the slots array */
	u64 nr_slots;
	struct vepc_slot *slots;
	/* Slots leaving SLOT_BUSY, for those that wait for one
	 * (vepc_slot_wait()). */
	struct sys_event slot_events;
	atomic_ullong nr_pages;
	bool warned;                /* the host ran out of EPC once already */
	bool vm;                    /* it backs a VM (vepc_claim()) */
	/* Oversubscription (vepc_enable_paging()). */
	bool paging;
	u64 epc_pa;                 /* guest-physical address of slot 0 */
	u8 *backing;                /* ciphertext, a page per slot */
	struct sgx_pcmd *pcmds;
	pthread_mutex_t va_lock;
	void **vas;
	u64 *va_used;               /* a bit per VA slot */
	unsigned int nr_vas;
	u64 hand;
	/* What the VMM paged, in memory shared with the processes forked
	 * from this one (each runs its own copy of the VM), so that a child
	 * that ends with _exit() (kselftest's tests) still counts. */
	struct vepc_counts *counts;
};

struct vepc_counts {
	atomic_ullong evicted, reloaded, dropped;
};

/* --- vmm.c: the VMM of one host --------------------------------------------- */

/* The VMM of @host, made on first use; vmm_put() lets go of it. */
struct vmm *vmm_get(struct drv *host);
void vmm_put(struct vmm *m);
/* A host EPC page for @v, taking one from a VM (maybe @v) when the host
 * has none.  NULL when nothing can be taken. */
void *vmm_alloc(struct vepc *v);
/* One batch of @v's pages (see vmm.c).  Return: pages that left the host
 * EPC.  Context: the VMM's reclaim_lock held. */
unsigned int vmm_evict_batch(struct vepc *v);
/* The VMM's reclaim_lock.  vmm_reclaim_unlock() wakes the allocations that
 * found it taken (they sleep until it is let go, then look for pages). */
bool vmm_reclaim_trylock(struct vmm *m);
void vmm_reclaim_lock(struct vmm *m);
void vmm_reclaim_unlock(struct vmm *m);

/* --- vepc.c: slots, for the VMM ------------------------------------------------ */

int vepc_va_get(struct vepc *v, u32 *out);
void vepc_va_put(struct vepc *v, u32 va);
u64 *vepc_va_slot(struct vepc *v, u32 va);
/* Take a PRESENT slot for the VMM (BUSY) unless a leaf holds it, and give
 * it back (PRESENT). */
bool vepc_slot_claim(struct vepc *v, struct vepc_slot *s);
void vepc_slot_unclaim(struct vepc *v, struct vepc_slot *s);
/*
 * Waiting for a slot of @v to leave SLOT_BUSY (the VMM or a reload is done
 * with it): read vepc_slot_seq(), look, and if it is still busy,
 * vepc_slot_wait() sleeps until a slot leaves BUSY, or @ms milliseconds
 * pass.
 */
u32 vepc_slot_seq(struct vepc *v);
void vepc_slot_wait(struct vepc *v, u32 seen, int ms);
/* A BUSY slot's page goes back to the host: it was invalid (drop), or it
 * is in the backing store now (evicted). */
void vepc_slot_drop(struct vepc *v, struct vepc_slot *s);
void vepc_slot_evicted(struct vepc *v, struct vepc_slot *s);

#endif
