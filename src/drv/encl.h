/* SPDX-License-Identifier: MIT */
/* Enclave objects and the driver's internals.  Internal to src/drv. */
#ifndef SGXEMU_DRV_ENCL_H
#define SGXEMU_DRV_ENCL_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/shm.h"
#include "base/sys.h"
#include "drv/drv.h"
#include "drv/launch.h"

#define DRV_MAX_ENCLAVES 256
/* Pages evicted at a time. */
#define PAGING_BATCH 16
/* Processes that may share one enclave after fork(). */
#define ENCL_MAX_SHARERS 256
/* Restrictions remembered for the processes that share an enclave; one
 * further behind makes its whole mapping again. */
#define ENCL_PROT_LOG 64

struct drv {
	struct platform *plat;
	/* The host machine whose EPC pages this driver holds (machine.h), or
	 * NULL: the EPC is this driver's alone, its free pages on @free.  The
	 * connection is each process's (private memory, base/shm.h). */
	struct machine *mach;
	struct shm_lock lock;       /* protects free, nr_free */
	u64 *free;                  /* free EPC page indices, a stack */
	u64 nr_free;
	struct launch launch;
	/* Paging (paging.c).  Version Array pages, never evicted themselves:
	 * room for as many as the EPC holds, reserved when the driver is
	 * made, touched as needed (a reload in a signal handler may need one,
	 * and must not allocate; and memory a child of fork() mapped later
	 * would not be its parent's). */
	struct shm_lock va_lock;    /* the pool; held across each EWB and ELDU */
	struct va_page *vas;
	unsigned int nr_vas;
	u64 nr_added;               /* enclave pages ever added: VA slots needed */
	/* One reclaimer at a time, in any process. */
	struct shm_lock reclaim_lock;
	atomic_ullong nr_evicted, nr_reloaded;
	/* Something a waiting reclaimer or reloader looks for happened: a page
	 * left PAGE_BUSY, went free, or lost its last pin (paging_event()). */
	struct sys_event page_events;
	/* Restrictions of any of its enclaves' pages (encl.prot_seq), so that
	 * an entry finds there is nothing to catch up with in two loads. */
	_Atomic u32 prot_changes;
	/* The reclaimer's marks: woken below low_pages free, it evicts until
	 * high_pages are. */
	u64 low_pages, high_pages;
	/* Statistics of the last enclaves torn down (a ring). */
	struct shm_lock history_lock;
	struct drv_encl_stats history[64];
	unsigned int nr_history;
	/* The processes that use each enclave of a machine children of fork()
	 * share (fork_shared), so that the last to let go tears it down and
	 * one that finds them all dead takes its pages back: the enclave's
	 * SECS (NULL: a free entry) and their pids (0: a free slot).
	 * Protected by @owners_lock, which drv_epc_claim() takes inside
	 * @lock (so nothing takes @lock inside it). */
	struct shm_lock owners_lock;
	struct drv_owner {
		void *secs;
		s32 sharers[ENCL_MAX_SHARERS];
		_Atomic u64 nr_pages;       /* VA slots it holds (encl_grow()) */
		u32 reaper;                 /* the thread giving its pages back */
	} owners[DRV_MAX_ENCLAVES];
	/* Each EPC page's allocating thread until the page is the driver's
	 * (drv_epc_commit()): one a thread that died had taken goes back. */
	_Atomic u32 *alloc_tid;
	_Atomic u64 reaped_ms;      /* when they were last looked for */
	/* What is this process's: private memory, which fork() copies. */
	struct drv_proc *proc;
	/* /dev/sgx_vepc, when the virtualization layer registered it. */
	int (*vepc_open)(struct drv *drv, void **priv);
	const struct drv_file_ops *vepc_fops;
};

/*
 * The driver's per-process part (Linux keeps these per mm or per host, and
 * a child of fork() has its own): a pointer from the driver, which may be
 * shared with children of fork(), into private memory (base/shm.h).
 */
struct drv_proc {
	/* The enclaves this process can reach (made here, or shared with it
	 * by the parent of its fork()), which its reclaimer sweeps; read
	 * lock-free.  Another process's own enclaves are not mapped here. */
	_Atomic(struct encl *) encls[DRV_MAX_ENCLAVES];
	/* The reclaimer's clock hand over them and their pages (the driver's
	 * reclaim_lock held). */
	unsigned int hand_encl;
	u64 hand_page;
	/* userfaultfd that turns a touch of an evicted page into SIGBUS for
	 * the toucher; -1 without it (the EPC is then a hard limit).  It
	 * names this process's memory.  Opened once (uffd_ready). */
	int uffd;
	atomic_bool uffd_ready;
	/* The background reclaimer (Linux's ksgxd): woken through an eventfd
	 * (a signal handler may allocate) when fewer than low_pages are free,
	 * it evicts until high_pages are. */
	int wake_fd;
	atomic_bool reclaim_kicked;     /* woken, and not yet run since */
	atomic_bool stop;
	bool reclaimer_running;
	pthread_t reclaimer;
	/* The driver's prot_changes this process caught up with (any of its
	 * entering threads writes it). */
	_Atomic u32 prot_changes_seen;
};

struct va_page {
	void *epc;
	u64 used[SGX_VA_SLOT_COUNT / 64];
	unsigned int nr_used;
	/* Each used slot's enclave, as its entry in drv->owners plus one (0:
	 * none): the slots of an enclave whose processes all died go back. */
	u16 owner[SGX_VA_SLOT_COUNT];
};

static inline struct launch *drv_launch(struct drv *drv)
{
	return &drv->launch;
}

enum encl_page_state {
	PAGE_ABSENT,        /* never added */
	PAGE_PRESENT,       /* in the EPC */
	PAGE_BUSY,          /* on its way out: blocked, host mapping closed */
	PAGE_EVICTED,       /* in the backing store, version in a VA slot */
};

/* In a process's record of its mapping (encl_proc): the process maps the
 * page (maybe with PROT_NONE); and, in a chunk's byte, that its pages
 * are mapped differently, each recorded in its own. */
#define ENCL_MAPPED 0x80
#define ENCL_PROT_SPLIT 0x40
#define ENCL_PROT(p) ((p) & (PROT_READ | PROT_WRITE | PROT_EXEC))

/*
 * The page table is sparse: ELRANGE may be 2^47 bytes.  Entries lie in one
 * reserved region the kernel commits as it is written, and are written only
 * in live chunks of 512 pages (2 MiB of ELRANGE): those that hold an
 * enclave page.  Until then a chunk's pages are absent.
 */
#define ENCL_CHUNK_SHIFT 9
#define ENCL_CHUNK_PAGES (1ULL << ENCL_CHUNK_SHIFT)

struct encl_chunk {
	atomic_bool live;   /* its entries in the page table are in use */
};

/* One entry per page of ELRANGE: the driver's page table. */
struct encl_page {
	_Atomic(u64) epc;   /* EPC page address, 0 if none */
	u8 max_prot;        /* PROT_* the page's SECINFO allows (vm_max_prot_bits) */
	u8 type;            /* SGX page type */
	_Atomic(u8) state;  /* enum encl_page_state */
	bool pinned;        /* a TCS or SSA page: never evicted */
	bool referenced;    /* used since the clock hand last passed */
	u32 va;             /* EVICTED: VA page << 9 | slot */
	atomic_uint pins;   /* leaves using it as an operand: not evictable */
};

struct encl {
	struct drv *drv;
	struct shm_rlock lock;      /* serialises the operations below */
	u64 base, size;
	bool created;               /* ECREATE done */
	bool initialized;           /* EINIT done */
	u64 attributes;             /* SECS.ATTRIBUTES.FLAGS */
	u64 attributes_mask;        /* the attributes this enclave may have */
	atomic_bool in_ioctl;       /* Linux's SGX_ENCL_IOCTL */
	void *secs;                 /* SECS EPC page */
	int memfd;                  /* enclave pages, at their ELRANGE offsets */
	u8 *view;                   /* the driver's own mapping of memfd */
	/* The page table (size / 4096 entries, sparse: see encl_page_live()),
	 * its chunks, and the chunks that are live, in the order they came
	 * to life.  Written under @lock; read without it. */
	struct encl_page *pages;
	struct encl_chunk *chunks;
	u32 *live;
	atomic_ullong nr_live;
	u32 ssaframesize;           /* SECS.SSAFRAMESIZE, for pinning SSA pages */
	u64 nr_pages;               /* pages added (paging_grow() counted them) */
	/* The backing store: ciphertext at each page's offset, and PCMDs. */
	u8 *backing;
	struct sgx_pcmd *pcmds;
	atomic_ullong nr_evicted, nr_reloaded;
	atomic_ullong nr_augmented, nr_removed;  /* EAUG, REMOVE_PAGES */
	/* Its entry in the driver's table of who uses it (drv->owners), or
	 * -1: the enclave is this process's alone. */
	int owner;
	/* The pages an eviction has marked PAGE_BUSY, in the order it took
	 * them (paging.c), so that whoever takes @lock over from an evictor
	 * that died finishes its work (paging_repair()).  Under @lock. */
	u64 evicting[PAGING_BATCH];
	_Atomic u32 nr_evicting;
	/* The reload in progress: the page (index + 1, 0: none), its EPC page
	 * and where ELDU put it before it goes into the memory file, in
	 * memory any process that takes the lock over can read.  Under @lock. */
	_Atomic u64 reloading;
	void *reload_epc;
	u8 *stage;
	/* Pages whose EPCM permissions a process restricted (EMODPR, EMODT,
	 * a trim's removal), so that the other processes sharing the enclave
	 * narrow their mappings before they next enter it
	 * (encl_prot_catch_up()), as Linux zaps the page's PTEs in every mm:
	 * how many ever, and the last ENCL_PROT_LOG.  Under @lock. */
	_Atomic u32 prot_seq;
	u64 prot_log[ENCL_PROT_LOG];
	/* What is this process's: private memory, which fork() copies. */
	struct encl_proc *proc;
};

/*
 * An enclave's per-process part (Linux's VMAs and file references are per
 * mm): a pointer from the enclave, which may be shared with children of
 * fork(), into private memory (base/shm.h).
 */
struct encl_proc {
	/* The parent's, inherited through fork(): unusable here. */
	bool forked;
	/*
	 * The file this enclave is (NULL for the library's loader).  While
	 * the process maps any page of it (@nr_mapped > 0), the enclave holds
	 * a reference on it, as a VMA holds its file.  Protected by the
	 * enclave's lock.
	 */
	struct drv_file *file;
	u64 nr_mapped;
	/*
	 * How the process maps each page of ELRANGE (ENCL_MAPPED | PROT_*,
	 * 0: unmapped), as Linux's VMAs are each mm's: a child's munmap or
	 * mprotect changes its own record only, and a child of fork() starts
	 * with a copy, as its mm starts with copies of the VMAs.  One byte
	 * per chunk (@chunk_prot), so that mapping all of a large ELRANGE
	 * writes one byte per 2 MiB; once part of a chunk is mapped
	 * differently, the chunk's byte is ENCL_PROT_SPLIT and each page has
	 * its own (@prot).  Written under the enclave's lock; read without.
	 */
	_Atomic(u8) *chunk_prot;
	_Atomic(u8) *prot;
	/* The enclave's prot_seq this process's mapping has caught up with
	 * (written under the enclave's lock, read without). */
	_Atomic u32 prot_seen;
	/* What the process mapped before ECREATE: enclave memory from ECREATE
	 * on, with the protection it asked for.  Protected by the enclave's
	 * lock. */
	struct encl_early {
		u64 addr, len;
		int prot;
	} early[16];
	unsigned int nr_early;
};

int drv_add_encl(struct drv *drv, struct encl *encl);
void drv_remove_encl(struct drv *drv, struct encl *encl);
int drv_walk(void *ctx, u64 la, void **epc, unsigned int *prot);

/*
 * The process's ELRANGE index (mm.c), which every lookup of an enclave by
 * address uses.  Lookups run between mm_read_enter() and mm_read_exit()
 * and take no lock; mm_remove() waits for the lookups that may have seen
 * the enclave, so it is never freed under them.  mm_find() is the enclave
 * holding @la, mm_find_drv() the same if it is @drv's, mm_first() the one
 * with the lowest base that meets [@start, @end).
 */
void mm_read_enter(void);
void mm_read_exit(void);
int mm_add(struct encl *encl) __must_check;
void mm_remove(struct encl *encl);
struct encl *mm_find(u64 la);
struct encl *mm_find_drv(struct drv *drv, u64 la);
struct encl *mm_first(u64 start, u64 end);
/* The process's drivers (for fork). */
void mm_add_drv(struct drv *drv);
void mm_remove_drv(struct drv *drv);
/* -EIO for any use of an enclave the parent of fork() made, said once. */
long encl_forked_error(const struct encl *encl);
/* In a child of fork(): @encl is the parent's (see drv_fork_child()). */
void encl_fork_detach(struct encl *encl);
/*
 * In a child of fork(): use the parent's enclave @encl as one of its
 * sharers, if its machine is shared (fork_shared) and it still stands.
 * Return: whether the child joined it (else it lets go: encl_fork_detach()).
 * Context: before the child runs anything else; no allocation.
 */
bool encl_fork_join(struct encl *encl);
/* In a child of fork(): @drv's per-process parts are made anew (and a
 * private driver's locks). */
void drv_fork_reset(struct drv *drv);
/* In a child of fork(): @drv lets go of the parent's enclave @e, which the
 * child did not join (a private driver takes its EPC pages back). */
void drv_fork_forget(struct drv *drv, struct encl *e);

/*
 * The table of who uses each shared enclave (drv.c).  drv_owner_add()
 * enters the enclave whose SECS is @secs with this process as its user:
 * the entry, or -ENOSPC.  drv_owner_join() adds this process to entry
 * @owner if it still holds @secs: 0, -ENOENT if it does not, -ENOSPC when
 * ENCL_MAX_SHARERS processes alive share it already.  drv_owner_leave()
 * takes this process out: whether it was the last alive, which then
 * tears the enclave down and frees the entry (drv_owner_free()).
 * drv_reap_dead() gives back the EPC pages of enclaves whose
 * processes are all gone, and those threads that died had taken (at most
 * every 50 ms unless @now_too; async-signal-safe).
 */
int drv_owner_add(struct drv *drv, void *secs);
int drv_owner_join(struct drv *drv, int owner, void *secs);
bool drv_owner_leave(struct drv *drv, int owner);
void drv_owner_free(struct drv *drv, int owner);
/* exec_kick() for the threads inside the enclave whose SECS is @secs that
 * belong to the other processes in entry @owner (none for -1): Linux's
 * IPIs reach every CPU the enclave's mms run on. */
void drv_kick_sharers(struct drv *drv, int owner, void *secs);
void drv_reap_dead(struct drv *drv, bool now_too);
/* The pages of the enclave whose SECS is @secs, which nobody alive uses,
 * go back (platform_epc_reap()); the SECS becomes the caller's
 * (drv_epc_take()), to give back once no entry of the owners' table names
 * it: drv_reap_dead() would reap it again through a stale entry. */
void drv_reap_enclave(struct drv *drv, void *secs);
/* The EPC page @epc, from drv_epc_alloc() or paging_alloc(), is where the
 * driver keeps it (a page table, the VA pool): no longer the allocating
 * thread's alone. */
void drv_epc_commit(struct drv *drv, void *epc);
/* The EPC page @epc leaves where the driver kept it, to go back to the
 * free list: the calling thread's until drv_epc_free(). */
void drv_epc_take(struct drv *drv, void *epc);
/* drv_epc_take() of a page no longer valid that a thread that died may
 * have held: false when it is back on the free list (the reaper got it
 * first, drv_reap_dead()), someone else's since, or the SECS of an entry
 * of the owners' table (which gives it back). */
bool drv_epc_claim(struct drv *drv, void *epc);
/*
 * paging_grow() and paging_shrink() for a page of @encl: its entry in
 * drv->owners counts what it holds of the VA pool, which goes back if its
 * processes all die.  encl_grow(): 0 or -ENOMEM.
 */
int encl_grow(struct encl *encl);
void encl_shrink(struct encl *encl, u64 n);
/* The VA slots of the enclave at entry @owner of drv->owners go back. */
void paging_forget_owner(struct drv *drv, int owner);
/* Whether the VA pool holds the EPC page @epc. */
bool paging_has_va(struct drv *drv, void *epc);

/*
 * The enclave's lock.  A holder that died (a process of a shared machine
 * killed, or exiting while another of its threads worked) leaves it to
 * the next, which first makes whole what it left half done.
 * encl_trylock(): 0, or -EBUSY while a live thread holds it.
 */
void encl_lock(struct encl *encl);
int encl_trylock(struct encl *encl);
void encl_unlock(struct encl *encl);
/* After a takeover of @encl's lock: the eviction its holder left. */
void paging_repair(struct encl *encl);

void encl_set_file(struct encl *encl, struct drv_file *f);
/* Keep a mapping the process made before ECREATE.  Return: 0, -ENOMEM. */
int encl_map_early(struct encl *encl, u64 addr, u64 len, int prot) __must_check;
/*
 * mmap() of the enclave file over [@addr, @addr + @len), which meets
 * ELRANGE: the part inside becomes the enclave's mapping (never above
 * what its pages allow: -EACCES), the rest is reserved and inaccessible.
 * MAP_FIXED_NOREPLACE fails with -EEXIST where anything is mapped.
 */
int encl_mmap(struct encl *encl, u64 addr, u64 len, int prot, int flags) __must_check;
int encl_walk(struct encl *encl, u64 la, void **epc, unsigned int *prot);

/* This process's mapping of page @i (ENCL_MAPPED | PROT_*, or 0). */
static inline u8 encl_page_prot(const struct encl *encl, u64 i)
{
	u8 c = atomic_load(&encl->proc->chunk_prot[i >> ENCL_CHUNK_SHIFT]);

	return c & ENCL_PROT_SPLIT ? atomic_load(&encl->proc->prot[i]) : c;
}

/* Page @i's entry, for writing: its chunk comes to life.  Context:
 * @encl's lock held. */
struct encl_page *encl_page_live(struct encl *encl, u64 i);
/* Page index of the @k-th page of the live chunks. */
static inline u64 encl_live_page(const struct encl *encl, u64 k)
{
	return (u64)encl->live[k >> ENCL_CHUNK_SHIFT] << ENCL_CHUNK_SHIFT |
	       (k & (ENCL_CHUNK_PAGES - 1));
}

/* Each page @i of @encl's live chunks (@k counts them), leaving out those
 * of a chunk that ELRANGE, smaller than a chunk, ends inside. */
#define for_each_live_page(encl, k, i)                                              	for ((k) = 0; (k) < atomic_load(&(encl)->nr_live) * ENCL_CHUNK_PAGES; (k)++)   		if (((i) = encl_live_page(encl, k)) >= (encl)->size / SGX_PAGE_SIZE) 			;                                                          		else

/*
 * What the host mapping of page @p may allow when the process mapped it
 * with @prot: nothing for a page not there, a TCS or a trimmed page;
 * otherwise @prot within what its SECINFO allows (Linux's
 * vm_max_prot_bits) and, while it is in the EPC, what its EPCM entry allows.
 */
int encl_host_prot(const struct encl *encl, const struct encl_page *p, int prot);
/* Apply encl_host_prot() to page @i's mapping.  Context: @encl's lock held. */
void encl_sync_prot(struct encl *encl, u64 i);
/* The same from a thread that may be inside the enclave (a signal
 * handler): it is parked while it waits for the lock, or a reclaimer
 * holding the lock would wait for it to leave.  Takes the lock. */
void encl_sync_prot_parked(struct encl *encl, u64 i);
/* encl_sync_prot() after a restriction of page @i's EPCM permissions, which
 * the other processes sharing the enclave catch up with.  Context: @encl's
 * lock held. */
void encl_prot_restricted(struct encl *encl, u64 i);
/* This process's mappings of @encl narrowed as its sharers restricted its
 * pages, before a thread enters it (takes the lock, parked). */
void encl_prot_catch_up(struct encl *encl);
/* Keep the SSA frames of @tcs in the EPC (AEX writes them from a signal
 * handler).  Context: @encl's lock held. */
int encl_pin_ssa(struct encl *encl, const struct sgx_tcs *tcs) __must_check;

/*
 * SGX2 (edmm.c).  edmm_augment() EAUGs page @i of an initialized enclave
 * where the process mapped it and there is no page yet (0 also when there
 * is one now; -EFAULT when it cannot be).  The others are one page's worth
 * of Linux's SGX2 ioctls, with its errno: -EFAULT for a page not there or a
 * leaf that failed (*@result gets an SGX status), -EINVAL or -EPERM for a
 * change the page's type does not allow.
 */
int edmm_augment(struct encl *encl, u64 i);
int edmm_restrict(struct encl *encl, u64 i, u64 perms, u64 *result) __must_check;
int edmm_modify_type(struct encl *encl, u64 i, u8 type, u64 *result) __must_check;
int edmm_remove(struct encl *encl, u64 i) __must_check;

/*
 * Paging (paging.c).  paging_alloc() is drv_epc_alloc() that evicts pages
 * (of any enclave, in batches of 16, second chance for referenced ones)
 * when the EPC is full; the caller must hold no enclave lock but may hold
 * @encl's (the locks are recursive).  paging_reload() brings page @i of
 * @encl back; paging_fault() is the MMU's fault hook; paging_register()
 * arms the userfaultfd on a new mapping of ELRANGE; paging_release() frees
 * what @encl's evicted pages hold; paging_destroy() the VA pages.
 */
void *paging_alloc(struct drv *drv);
/* Before a page is added: make sure every page can get a VA slot. */
int paging_grow(struct drv *drv) __must_check;
/* The other way: @n pages went (or a paging_grow()'s add failed). */
void paging_shrink(struct drv *drv, u64 n);
/* paging_shrink() of the pages an owners' entry counts (drv_owner), which
 * it takes (*@count becomes 0). */
void paging_shrink_owner(struct drv *drv, _Atomic u64 *count);
int paging_reload(struct encl *encl, u64 i) __must_check;
/* paging_reload() for the calling thread's own access: while it waits it
 * is parked (outside the enclave as far as ETRACK is concerned). */
int paging_reload_parked(struct encl *encl, u64 i) __must_check;
int paging_fault(void *ctx, u64 la, u32 error_code);
int paging_pin(void *ctx, u64 la);
void paging_unpin(void *ctx, u64 la);
void paging_register(struct encl *encl, u64 addr, u64 len);
void paging_release(struct encl *encl);
/* Keep @encl's statistics after it is gone (drv_encl_stats). */
void paging_retire(struct encl *encl);
/* @last: no other process shares the machine: its VA pages go too. */
void paging_destroy(struct drv *drv, bool last);
void paging_fork_reset(struct drv *drv);
/* One batch: 1 if pages were evicted, -EBUSY if every candidate enclave
 * was locked by someone else, 0 if nothing can be evicted. */
int paging_evict_one(struct drv *drv);
/* Start the background reclaimer (from normal context, once enclaves exist). */
void paging_start(struct drv *drv);
/* In a child of fork(), before anything else of paging. */
void paging_fork_child(void);
/* The free count dropped: wake the reclaimer if it is below the low mark. */
void paging_note_free(struct drv *drv, u64 nr_free);
/*
 * Waiting for this driver's pages to change instead of sleeping for a
 * while: read paging_event_seq(), look at the pages, and if what is wanted
 * is not there, paging_event_wait() sleeps until paging_event() (a page
 * left PAGE_BUSY, went free, or lost its last pin), or @ms milliseconds.
 * All three are async-signal-safe.
 */
u32 paging_event_seq(struct drv *drv);
void paging_event_wait(struct drv *drv, u32 seen, int ms);
void paging_event(struct drv *drv);
/* Sleep until a thread leaves @encl, whose platform_exit_seq() the caller
 * read as @seen before it looked at (and kicked) the threads inside. */
void paging_wait_exit(struct encl *encl, u32 seen);

#endif
