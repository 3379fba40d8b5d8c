/* SPDX-License-Identifier: MIT */
/*
 * The driver: what Linux's arch/x86/kernel/cpu/sgx/ does for its users, on
 * top of the emulated processor, which it reaches only through leaves.  It
 * owns EPC allocation, enclave objects and their memory, and the page
 * tables the processor walks.  Functions return 0 or -errno (Linux's values).
 */
#ifndef SGXEMU_DRV_DRV_H
#define SGXEMU_DRV_DRV_H

#include "arch/sgx_arch.h"
#include "base/compiler.h"
#include "cpu/cpu.h"

struct drv;
struct encl;

/* A driver instance for @plat (one per platform).  Return: 0 or -errno. */
int drv_create(struct platform *plat, struct drv **out) __must_check;
void drv_destroy(struct drv *drv);
struct platform *drv_platform(const struct drv *drv);
u64 drv_epc_free_pages(struct drv *drv);

/*
 * The host's launch policy (the seed's): every signer (@allow_all), or only
 * enclaves whose MRSIGNER is one of @hashes.  Return: 0 or -ENOMEM.
 */
int drv_set_launch_policy(struct drv *drv, bool allow_all, const u8 (*hashes)[SGX_HASH_SIZE],
			  unsigned int n) __must_check;

/* What the launch-control cache did on one logical processor. */
struct drv_lp_stats {
	u64 einits;       /* EINITs run */
	u64 msr_writes;   /* IA32_SGXLEPUBKEYHASHn writes */
	u64 cache_hits;   /* EINITs that needed no write */
	u64 refused;      /* EINITs the host policy refused */
};

/* Return: 0, or -EINVAL for an LP the platform does not have. */
int drv_lp_stats(struct drv *drv, unsigned int lp, struct drv_lp_stats *out) __must_check;

/*
 * Make @drv a client of the host machine @m (drv/machine.h), which it then
 * owns: EPC pages come from the machine, the LPs' hash caches and counters
 * are the machine's.  Before any enclave exists.
 * Return: 0, or -EINVAL if the platform is not configured as the machine.
 */
struct machine;
int drv_use_machine(struct drv *drv, struct machine *m) __must_check;

/* Where an enclave page is, as the driver sees it (drv_page_state()). */
enum drv_page_state {
	DRV_PAGE_NONE,          /* no page: never added, or removed */
	DRV_PAGE_PRESENT,       /* in the EPC */
	DRV_PAGE_BUSY,          /* on its way out (blocked, being written back) */
	DRV_PAGE_EVICTED,       /* in the backing store, its version in a VA slot */
};

/**
 * drv_page_state() - where the enclave page at an address is
 * @drv: the driver whose enclave holds @addr
 * @addr: a linear address inside the enclave's ELRANGE
 *
 * A snapshot: the reclaimer and the enclave's own faults move pages on.
 * Return: an enum drv_page_state, or -ENOENT when no enclave of @drv (none
 * created yet) covers @addr.
 */
int drv_page_state(struct drv *drv, u64 addr);

/* Pages evicted (EWB) and reloaded (ELDU) by this driver so far. */
void drv_paging_stats(struct drv *drv, u64 *evicted, u64 *reloaded);

/* Whether this host lets the driver page (an unprivileged userfaultfd that
 * turns a touch of an evicted page into SIGBUS); if not, the EPC is a hard
 * limit.  @why gets the reason when it does not. */
bool drv_paging_available(char *why, size_t whylen);

/* Paging and SGX2 per enclave: the live ones, then the last ones torn down. */
struct drv_encl_stats {
	u64 base, size;
	u64 evicted, reloaded;
	u64 augmented, removed;  /* pages EAUGed, pages SGX_IOC_ENCLAVE_REMOVE_PAGES removed */
	bool live;
};

/* The @i-th enclave's statistics.  Return: 0, or -ENOENT past the last. */
int drv_encl_stats(struct drv *drv, unsigned int i, struct drv_encl_stats *out) __must_check;

/*
 * For the virtualization layer (src/virt), which gives host EPC to guests.
 * drv_epc_alloc() takes a free page without reclaiming, as Linux's virtual
 * EPC does: its address in the EPC, or NULL.  drv_epc_free() returns one
 * (EREMOVEd) to the free list.  drv_lp() is the LP the caller runs on.
 */
void *drv_epc_alloc(struct drv *drv);
void drv_epc_free(struct drv *drv, void *page);
/*
 * Waiting for a page to go free: read drv_epc_free_seq(), try
 * drv_epc_alloc(), and if it found none, drv_epc_free_wait() sleeps until
 * a page goes back (drv_epc_free(); on a machine, by any of its clients),
 * or @ms milliseconds pass.
 */
u32 drv_epc_free_seq(struct drv *drv);
void drv_epc_free_wait(struct drv *drv, u32 seen, int ms);
struct lp *drv_lp(struct drv *drv);
/* Whether the host's launch policy allows every signer. */
bool drv_launch_allows_all(struct drv *drv);
/*
 * Whether the host launches a single launch enclave's signer (the seed's
 * "host only allows one single LE"): its hash MSRs are locked, or its
 * policy lists one hash.  That hash in @out.
 */
bool drv_launch_single(struct drv *drv, u8 out[SGX_HASH_SIZE]);
/*
 * A guest's trapped EINIT: on the host LP the caller runs on, with that
 * LP's hash MSRs holding the guest's virtual @lehash (written through the
 * per-LP cache only when they differ; no policy check, the VM's creation
 * rules made it).  *@ran_on is the LP, whose fault record a fault leaves.
 * Return: EINIT's result.
 */
int drv_einit_guest(struct drv *drv, const struct sgx_sigstruct *sig, void *secs,
		    const struct sgx_einittoken *token, const u64 lehash[4],
		    const struct lp **ran_on) __must_check;

/* --- The uAPI's files (file.c), as Linux's driver.c ---------------------- */

/* The device nodes, with Linux's misc minors. */
enum drv_node {
	DRV_NODE_ENCLAVE,       /* /dev/sgx_enclave: one open, one enclave */
	DRV_NODE_PROVISION,     /* /dev/sgx_provision */
	DRV_NODE_SGX,           /* the seed's /dev/sgx: makes enclave and vEPC files */
	DRV_NODE_VEPC,          /* /dev/sgx_vepc */
	DRV_NR_NODES
};

struct drv_file;

/* What a kind of file does; virt registers the virtual EPC's. */
struct drv_file_ops {
	long (*ioctl)(struct drv_file *f, unsigned int cmd, u64 arg);
	/* *@out gets the address.  @len is page aligned and not 0. */
	int (*mmap)(struct drv_file *f, u64 addr, u64 len, int prot, int flags, u64 pgoff,
		    u64 *out);
	void (*release)(struct drv_file *f);
};

/*
 * The caller's descriptor table: get() resolves a descriptor to its file
 * with a reference (NULL if it is none), install() gives a new file a
 * descriptor, taking over the reference (the descriptor, or -errno).
 */
struct drv_fdtable {
	struct drv_file *(*get)(int fd);
	int (*install)(struct drv_file *f);
};

/* The process's descriptor table, for SGX_IOC_ENCLAVE_PROVISION's
 * descriptor and the seed's SGX_IOC_CREATE_ENCLAVE/_VIRTUAL_EPC. */
void drv_fdtable_set(const struct drv_fdtable *fdt);
/* /dev/sgx_vepc on @drv: @open makes the file's private part. */
void drv_register_vepc(struct drv *drv, int (*open)(struct drv *drv, void **priv),
		       const struct drv_file_ops *ops);

/* open() of @node.  Return: 0, -ENODEV (no such device here), -ENOMEM. */
int drv_open(struct drv *drv, enum drv_node node, struct drv_file **out) __must_check;
/* References: drv_file_tryget() fails on a file being released. */
struct drv_file *drv_file_get(struct drv_file *f);
bool drv_file_tryget(struct drv_file *f);
void drv_file_put(struct drv_file *f);
enum drv_node drv_file_node(const struct drv_file *f);
struct drv *drv_file_drv(const struct drv_file *f);
void *drv_file_private(const struct drv_file *f);
/* The enclave of an enclave file, else NULL. */
struct encl *drv_file_encl(const struct drv_file *f);
/* Every ioctl of every file.  Return: its result, or -errno (Linux's). */
long drv_ioctl(struct drv_file *f, unsigned int cmd, u64 arg);
/*
 * mmap() of @f: the kernel's checks (MAP_SHARED, a page-aligned offset,
 * the range), then the file's rules.  *@out gets the address.
 */
int drv_mmap(struct drv_file *f, u64 addr, u64 len, int prot, int flags, u64 pgoff,
	     u64 *out) __must_check;
/*
 * mprotect(), munmap() and the replacement of a range by another mapping
 * (mmap MAP_FIXED), for any range of the process: each part that meets an
 * ELRANGE is checked and done as the enclave's mapping (every page it
 * covers, as Linux checks each VMA), the rest by the kernel.
 * Return: 0 or -errno (mprotect: -EACCES above what a page allows,
 * -ENOMEM for a page not mapped).
 */
int drv_mprotect(u64 addr, u64 len, int prot) __must_check;
int drv_munmap(u64 addr, u64 len) __must_check;
void drv_forget_range(u64 addr, u64 len);

/* In a child of fork(), before it does anything else: let go of what the
 * parent's drivers hold (mm.c).  No allocation; idempotent. */
void drv_fork_child(void);
/*
 * In a child of fork(), once the C library is whole again (its atfork
 * handlers run): what drv_fork_child() could not do there, the child's
 * timer tick and reclaimer for the enclaves it joined.
 */
void drv_fork_settled(void);

/* An enclave that does not exist yet: what open() of /dev/sgx_enclave gives. */
int encl_alloc(struct drv *drv, struct encl **out) __must_check;

/*
 * SGX_IOC_ENCLAVE_CREATE: ECREATE a copy of @secs.  The enclave's memory is
 * a file as large as ELRANGE; pages are stored in it at their offsets, so
 * mapping it at ELRANGE shows each page at its linear address.
 * Return: 0, -EINVAL (created already, or SIZE not a power of two),
 * -ENOMEM, -EIO (ECREATE faulted: the processor rejected the SECS).
 */
int encl_create(struct encl *encl, const struct sgx_secs *secs) __must_check;
void encl_destroy(struct encl *encl);

/*
 * SGX_IOC_ENCLAVE_ADD_PAGES: EADD @length bytes at ELRANGE offset @offset
 * from @src with @secinfo, EEXTENDing them when @measure.  @src is page
 * aligned and owned by the caller (EADD reads it in place: the ioctl has
 * already copied it from user memory).  *@count is the number of bytes
 * added, also on error.
 * Return: 0, -EINVAL, -ENOMEM, -EBUSY (page already added), -EIO.
 */
int encl_add_pages(struct encl *encl, const void *src, u64 offset, u64 length,
		   const struct sgx_secinfo *secinfo, bool measure, u64 *count) __must_check;

/*
 * SGX_IOC_ENCLAVE_INIT: EINIT with @sigstruct, after writing its MRSIGNER to
 * the LP's IA32_SGXLEPUBKEYHASH (flexible launch control), retrying while
 * EINIT reports an unmasked event.  *@status gets EINIT's SGX status.
 * Return: 0, -EPERM (EINIT refused: see *@status), -EIO (EINIT faulted),
 * -EINVAL (already initialized).
 */
int encl_init(struct encl *encl, const struct sgx_sigstruct *sigstruct, int *status) __must_check;
/*
 * encl_init() for a signer the host policy may not list, with an
 * EINITTOKEN @token from the launch enclave signed by @le_signer (see
 * launch_einit()).  Linux's uAPI has no token; libsgxemu's loader uses this.
 */
int encl_init_token(struct encl *encl, const struct sgx_sigstruct *sigstruct,
		    const struct sgx_einittoken *token, const u8 le_signer[SGX_HASH_SIZE],
		    int *status) __must_check;
/* Whether the host's launch policy lets enclaves signed by @mrsigner launch
 * without a token. */
bool drv_launch_allowed(struct drv *drv, const u8 mrsigner[SGX_HASH_SIZE]);

/*
 * Map [@addr, @addr + @len) of ELRANGE into this process with @prot, as
 * mmap(MAP_SHARED | MAP_FIXED) of the enclave would.  Pages the EPCM denies
 * stay inaccessible to host and enclave alike, as on hardware.
 * Return: 0, -EINVAL (outside ELRANGE or unaligned), -EACCES (@prot above
 * what an added page allows), or -errno from mmap.
 */
int encl_map(struct encl *encl, u64 addr, u64 len, int prot) __must_check;

/* The uAPI ioctls of /dev/sgx_enclave (src/drv/ioctl.c). */
int encl_ioctl(struct encl *encl, unsigned int cmd, u64 arg) __must_check;
/* SGX_IOC_ENCLAVE_PROVISION with a /dev/sgx_provision file: PROVISIONKEY. */
void encl_allow_provision(struct encl *encl);

bool encl_initialized(const struct encl *encl);

u64 encl_base(const struct encl *encl);
u64 encl_size(const struct encl *encl);

#endif
