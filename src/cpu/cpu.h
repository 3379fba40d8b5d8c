/* SPDX-License-Identifier: MIT */
/*
 * The emulated SGX processor: what the layers above (drv, virt, api, tools)
 * may use.  A struct platform is a whole machine: EPC and EPCM, logical
 * processors with their MSRs, the CPUID 0x12 view and the fused secrets.
 * There is no global state, so one process can hold several platforms.
 *
 * Leaves return what hardware returns, in Linux's encoding: 0, a positive
 * SGX status (enum sgx_status), or ENCLS_FAULT_FLAG | vector with the fault
 * record in lp->fault.  They never return -errno.
 */
#ifndef SGXEMU_CPU_CPU_H
#define SGXEMU_CPU_CPU_H

#include "arch/sgx_arch.h"
#include "base/compiler.h"
#include "base/types.h"

struct platform;
struct lp;

/* Same encoding as Linux's SGX_ENCLS_FAULT_FLAG. */
#define ENCLS_FAULT_FLAG 0x40000000

static inline bool encls_faulted(int ret)
{
	return (ret & ENCLS_FAULT_FLAG) != 0;
}

static inline int encls_trapnr(int ret)
{
	return ret & ~ENCLS_FAULT_FLAG;
}

/* The fault a leaf raised, valid when it returned ENCLS_FAULT_FLAG | vector. */
struct lp_fault {
	u8 vector;
	u32 error_code;
	u64 addr;
};

#define PLATFORM_DEFAULT_EPC_SIZE (128ULL << 20)
#define PLATFORM_MIN_EPC_SIZE (64ULL << 10)
#define PLATFORM_MAX_EPC_SIZE (64ULL << 30)
#define PLATFORM_MAX_LPS 256
/*
 * CPUID.(12H,0).EDX[15:8]: 64-bit enclaves are smaller than 2^this.  The
 * default, and the most a platform may be configured with (the lower half
 * of the canonical address space).  Anything that reads an enclave's size
 * from a file bounds it by these.
 */
/* What a current server CPU reports in CPUID.(12H,0).EDX[15:8] (Ice Lake
 * and later: 47); SGX1-era CPUs reported 36. */
#define PLATFORM_DEFAULT_MAX_ENCLAVE_SIZE_LOG2 47
#define PLATFORM_MIN_ENCLAVE_SIZE_LOG2 13
#define PLATFORM_MAX_ENCLAVE_SIZE_LOG2 47

struct platform_config {
	u64 epc_size;          /* bytes; a multiple of 4096 */
	unsigned int nr_lps;   /* logical processors */
	bool sgx2;             /* CPUID.(12H,0).EAX[1] */
	/* AEX-Notify: ATTRIBUTES.AEXNOTIFY in CPUID.(12H,1).EAX[10] (then
	 * TCS.FLAGS.AEXNOTIFY is defined) and ENCLU[EDECCSSA] in (12H,0).EAX[11]. */
	bool aexnotify;
	bool lc_locked;        /* IA32_FEATURE_CONTROL.SGX_LC clear: hash MSRs read-only */
	u64 lehash[4];         /* IA32_SGXLEPUBKEYHASH0-3 at reset (or as the BIOS locked them) */
	u8 cpusvn[SGX_CPUSVN_SIZE];
	u32 max_enclave_size_log2; /* CPUID.(12H,0).EDX[15:8] */
	/* CPUID.(12H,0).EBX and (12H,1): at most what this processor supports;
	 * 0 means all of it. */
	u32 miscselect;
	u64 attributes;
	u64 xfrm;
	/* Where the fused secrets persist; NULL means $SGXEMU_STATE_DIR, then
	 * $XDG_STATE_HOME/sgxemu, then ~/.local/state/sgxemu. */
	const char *state_dir;
	/* The EPC, EPCM and LPs live in memory the children of fork() share
	 * (base/shm.h), so that they may share its enclaves. */
	bool fork_shared;
};

/* Intel's reset value of IA32_SGXLEPUBKEYHASH0-3 (the hash of Intel's LE key). */
extern const u64 platform_intel_lehash[4];

void platform_config_default(struct platform_config *cfg);

/*
 * Create a platform.  Loads (or on first use creates, mode 0700/0600) the
 * fused secrets in the state directory.  @why receives a one-line reason on
 * failure.
 * Return: 0, -EINVAL for a bad configuration, or -errno from the state dir.
 */
int platform_create(const struct platform_config *cfg, struct platform **out, char *why,
		    size_t whylen) __must_check;
void platform_destroy(struct platform *plat);

/*
 * A VM's view of EPC (architecture.md section 6): the EPT, as far as EPC
 * goes.  Guest EPC page @index is a host EPC page (its address in the
 * host's EPC) that the VMM supplies.  Guest leaves run on those pages
 * directly, so host and guests share one EPCM, as on hardware.
 *
 * The VMM may take a guest page away (evict it with the paging leaves) and
 * give it back when the guest touches it: on hardware the guest's access
 * is an EPT violation that exits to the VMM, which reloads the page and
 * resumes the guest, which never sees it.  Here:
 *  - get() is a translation by the processor for a leaf: the host page,
 *    taken or brought back first if need be, and held (the VMM neither
 *    evicts nor moves it) until put(), which the processor calls when the
 *    instruction is over.  NULL when the VMM has no page to give.
 *  - peek() is the host page if the guest page is there now, or NULL;
 *    it neither waits nor reloads.  May be NULL (then get() is used).
 *  - bind() records the guest OS's storage for the page's contents
 *    (platform_epc_bind()), which belongs to the guest page wherever the
 *    VMM puts it.  May be NULL.
 *  - violation() is a native access (enclave code) to guest page @index
 *    that faulted: 0 when the VMM held or had evicted the page and the
 *    access can be retried, -EFAULT when it is not the VMM's business.
 *    May be NULL.
 * @virt_ext is the ENABLE_EPC_VIRTUALIZATION_EXTENSIONS execution control:
 * guest leaves then count SECS.VIRTCHILDCNT as children.
 * get() and violation() may wait and may be called from signal handlers.
 */
struct platform_ept {
	void *(*get)(void *ctx, u64 index);
	void (*put)(void *ctx, u64 index);
	void *(*peek)(void *ctx, u64 index);
	int (*bind)(void *ctx, u64 index, void *mem);
	int (*violation)(void *ctx, u64 index);
	void *ctx;
	bool virt_ext;
};

/*
 * The VMM's ENCLS exits: guest ECREATE and EINIT run these instead of the
 * leaf (the guest's operands, EPC addresses in the guest's window), and
 * their result is the guest's.  platform_reflect() and lp_gp_into() make
 * one.
 */
struct platform_vmexits {
	int (*ecreate)(void *ctx, struct lp *lp, struct sgx_pageinfo *pginfo, void *secs);
	int (*einit)(void *ctx, struct lp *lp, struct sgx_sigstruct *sigstruct, void *secs,
		     struct sgx_einittoken *token);
	void *ctx;
};

/*
 * Create a guest platform on @host with configuration @cfg (its EPC size,
 * LPs, SGX2, CPUID limits and virtual hash MSRs; state_dir and cpusvn are
 * the host's).  Its EPC is addressed through @window (cfg->epc_size bytes
 * the caller reserves and keeps, never dereferenced) and translated by
 * @ept.  The guest shares the host's fused keys.  Destroy guests before
 * their host.
 * Return: 0, or -EINVAL with @why.
 */
int platform_create_guest(struct platform *host, const struct platform_config *cfg,
			  void *window, const struct platform_ept *ept,
			  const struct platform_vmexits *exits, struct platform **out, char *why,
			  size_t whylen) __must_check;
/* The host EPC address behind @addr in @plat's EPC (itself on a host), or
 * NULL; for a guest, only while the page is there (the EPT's peek()). */
void *platform_epc_host(const struct platform *plat, const void *addr);
/*
 * The physical address of EPC page @addr as @plat's processor sees it (a
 * guest's is guest-physical), which ECREATE and ELD store in
 * SECS.ENCLAVECONTEXT; and back from one to the page's index in @plat's
 * EPC (-1 when @pa is not in it).
 */
u64 platform_epc_pa(const struct platform *plat, const void *addr);
s64 platform_epc_pa_index(const struct platform *plat, u64 pa);

/*
 * VMX: a VMM turns VMX operation on for the host's logical processors
 * (VMXON on every LP it runs vCPUs from); ENCLV is #UD outside it.  Calls
 * nest: VMX stays on until the last platform_vmxoff().  A guest's LPs are
 * in VMX non-root operation, where ENCLV is #UD too.
 * Return: 0, or -EINVAL for a guest platform (no nested VMX).
 */
int platform_vmxon(struct platform *plat) __must_check;
void platform_vmxoff(struct platform *plat);
/* Whether @lp is in VMX root operation. */
bool lp_vmx_root(const struct lp *lp);

/*
 * The VMM stops the enclave whose SECS is the host EPC page @secs from
 * running while it takes pages of it out of the EPT, as the IPIs that go
 * with INVEPT would: after platform_vmm_hold(), threads entering (EENTER,
 * ERESUME) or coming back from waiting on the OS wait until
 * platform_vmm_release(), and platform_vmm_quiet() interrupts the threads
 * still inside (they take an AEX) and says whether none is left.  Native
 * code then cannot touch the enclave's pages while they go.  Holds nest.
 */
void platform_vmm_hold(struct platform *plat, void *secs);
bool platform_vmm_quiet(struct platform *plat, void *secs);
void platform_vmm_release(struct platform *plat, void *secs);
/*
 * The driver's hold while it evicts pages of the enclave (one evictor at a
 * time, under the enclave's lock): a flag beside the VMM's nested holds,
 * so that whoever takes over from an evictor that died can let go of it
 * (a release of a hold not held does nothing).
 */
void platform_evict_hold(struct platform *plat, void *secs);
void platform_evict_release(struct platform *plat, void *secs);
/*
 * Whether the EPC page @epc holds an enclave page (a valid EPCM entry);
 * an exclusive hold of its EPCM entry lock by a thread that is gone (a
 * process that died in a leaf) is let go of first.
 */
bool platform_epc_valid(struct platform *plat, void *epc);
/* platform_epc_valid(), and the page is the one at @linaddr of the enclave
 * whose SECS is @secs (not another's that got the EPC page since). */
bool platform_epc_holds(struct platform *plat, void *epc, void *secs, u64 linaddr);
/* Whether @epc is a Version Array page. */
bool platform_epc_is_va(struct platform *plat, void *epc);
/*
 * Threads inside the enclave whose SECS is @secs that are gone (their
 * process killed, or exited from another thread): each leaves as with an
 * EEXIT (its TCS free again, the thread counted out of tracking), as the
 * AEX on the way out would have.  Hardware's AEX would also have saved the
 * thread's state (CSSA + 1); nobody can resume that thread.
 * Return: how many.
 */
unsigned int platform_reap_inside(struct platform *plat, void *secs);
/* platform_reap_inside(), or (@reap false) how many threads are inside,
 * alive or not, by their TCSs rather than the tracking counts. */
unsigned int platform_inside(struct platform *plat, void *secs, bool reap);
/* The kernel thread ids of up to @max threads inside the enclave whose
 * SECS is @secs, by their TCSs.  Return: how many. */
unsigned int platform_inside_tids(struct platform *plat, void *secs, s32 *tids, unsigned int max);
/*
 * Threads leaving the enclave whose SECS is the EPC page @secs (EEXIT or
 * AEX), for whoever waits for them to (a VMM's hold, ETRACK, EWB's
 * SGX_NOT_TRACKED): platform_exit_seq() counts them; read it before
 * looking at what the threads hold up, then platform_exit_wait() sleeps
 * until the count moves on from @seen, or @ms milliseconds pass.
 */
u32 platform_exit_seq(struct platform *plat, void *secs);
void platform_exit_wait(struct platform *plat, void *secs, u32 seen, int ms);
/*
 * A native access at @linaddr in enclave mode faulted on guest platform
 * @plat: if the page is one its VMM took away, the EPT violation exits to
 * the VMM (the EPT's violation()), which gives it back.
 * Return: 0 when the access can be retried, -EFAULT otherwise.
 */
int platform_ept_fault(struct platform *plat, u64 linaddr);
/* A trapped leaf's answer to the guest: #GP(0) on @lp, or the #PF of an
 * operand @addr that is not in the guest's EPC. */
int lp_gp_into(struct lp *lp) __must_check;
int lp_pf_into(struct lp *lp, const void *addr, bool write) __must_check;
/* A trapped leaf's answer to the guest: @ret, the result of the leaf the VMM
 * ran on host LP @host; a fault is raised on @lp with @host's record. */
int platform_reflect(struct lp *lp, const struct lp *host, int ret) __must_check;

const struct platform_config *platform_config(const struct platform *plat);
const char *platform_state_dir(const struct platform *plat);
struct lp *platform_lp(struct platform *plat, unsigned int id);
unsigned int lp_id(const struct lp *lp);
const struct lp_fault *lp_last_fault(const struct lp *lp);
/* Make the next EINIT on @lp see a pending interrupt (SGX_UNMASKED_EVENT). */
void lp_inject_event(struct lp *lp);

/* EPC: pages are addressed like the kernel's direct map of EPC. */
u64 platform_epc_pages(const struct platform *plat);
void *platform_epc_page(const struct platform *plat, u64 index);
/* Index of the EPC page at @addr, or -1 when @addr is not an EPC page address. */
s64 platform_epc_index(const struct platform *plat, const void *addr);
/*
 * Store the contents of the (invalid) EPC page @addr in @mem instead of its
 * home storage, so that the OS can back enclave pages with memory it maps
 * at their linear addresses.  @mem NULL restores the home storage.
 * Return: 0, or -EBUSY when the page is valid.
 */
int platform_epc_bind(struct platform *plat, void *addr, void *mem) __must_check;
/*
 * In a child of fork(), whose machine is a private copy of its parent's:
 * forget the page @addr held for the parent (its EPCM entry, locks,
 * counters and tracking state cleared, its storage home again), so the
 * child's driver can use it.  Not an architectural operation: no leaf can
 * undo a copy of a machine.  Return: 0, or -EINVAL for a non-EPC address.
 */
int platform_epc_forget(struct platform *plat, void *addr);
/*
 * A machine whose memory children of fork() share (fork_shared): the child
 * calls platform_fork_join() and is one more process using it.  Only the
 * last to destroy it destroys what is shared (platform_destroy() of the
 * others lets go of their mappings only); platform_shared_with_others()
 * tells whether another process may still use it.  A process that dies
 * without destroying it counts on: its memory goes anyway.
 */
void platform_fork_join(struct platform *plat);
/*
 * The pages of an enclave every process of which is gone: its SECS @secs
 * and every page whose EPCM entry names it are forgotten (as
 * platform_epc_forget()), and @give gets each one's address for the free
 * list.  @take gets each page but the SECS first, while its entry still
 * names the enclave: a reaper that dies between would otherwise leave a
 * page nobody's entry names and nobody marked.  Not an architectural
 * operation: the OS of a dead machine's process would have run EREMOVE,
 * which such a process never did.
 */
void platform_epc_reap(struct platform *plat, void *secs, void (*take)(void *ctx, void *epc),
		       void (*give)(void *ctx, void *epc), void *ctx);
bool platform_shared_with_others(const struct platform *plat);
/*
 * platform_epc_bind() for a page that may be valid: its contents move to
 * @mem, where the caller has copied them (the OS installed the page at its
 * linear address in one step, rather than let ELDU write it where a thread
 * could see it half written).  Not for a guest, whose storage its VMM keeps
 * (platform_epc_can_rehome() says which).  Return: 0, -EINVAL for no such
 * page, -EOPNOTSUPP on a guest, or -EBUSY while a leaf holds the page.
 */
int platform_epc_rehome(struct platform *plat, void *addr, void *mem) __must_check;
bool platform_epc_can_rehome(const struct platform *plat);
/*
 * What the EPCM lets enclave code do with the EPC page @addr, as PROT_*
 * bits: its R/W/X for a valid REG page that is neither PENDING nor
 * MODIFIED, nothing for any other page.  (BLOCKED is left to the OS, which
 * closes a page's mapping before it blocks it.)  The OS combines this with
 * its own page tables to protect the host mapping, which is how sgxemu
 * enforces the EPCM for code that runs natively.
 */
unsigned int platform_epcm_prot(const struct platform *plat, const void *addr);
/*
 * Whether a thread is inside an enclave through the EPC page @addr (a TCS,
 * or a page that was one when the thread entered: EMODT does not stop it).
 * The OS must not hand such a page to anyone else yet.
 */
bool platform_epc_tcs_busy(const struct platform *plat, const void *addr);
/*
 * Whether a thread runs inside the enclave of SECS page @secs now (threads
 * the OS parked while it serves their faults do not count): evicting its
 * pages means interrupting them for ETRACK to complete.
 */
bool platform_secs_busy(const struct platform *plat, const void *secs);
/* Run the EPCM invariant checker after every leaf (default: on in debug builds). */
void platform_set_epcm_check(struct platform *plat, bool on);

/*
 * The OS's page tables, as the processor walks them: translate @linaddr to
 * the EPC page mapped there and the PTE's permissions (PROT_READ, PROT_WRITE,
 * PROT_EXEC).  Return 0, or -EFAULT when nothing is mapped.  The processor
 * calls it from signal handlers, so it must be async-signal-safe.
 */
struct platform_mmu {
	int (*walk)(void *ctx, u64 linaddr, void **epc, unsigned int *prot);
	/*
	 * A host fault at @linaddr in enclave mode that the OS may resolve (a
	 * page on its way out of the EPC, one not there yet, a mapping another
	 * thread is changing): 0 when the access can be retried, -EFAULT when
	 * it is a fault for the enclave.  @error_code is the #PF error code
	 * (X86_PF_W, X86_PF_I say what the access was).  May be NULL.
	 */
	int (*fault)(void *ctx, u64 linaddr, u32 error_code);
	/*
	 * Hold the page at @linaddr in the EPC while a leaf uses it as an
	 * operand (bringing it back first if it was evicted): 0, or -EFAULT.
	 * unpin lets it go.  Both may be NULL.
	 */
	int (*pin)(void *ctx, u64 linaddr);
	void (*unpin)(void *ctx, u64 linaddr);
	/*
	 * Enclave code runs natively, so the EPCM's checks are the host's
	 * page protection: after a leaf inside the enclave changed the EPCM
	 * entry of the page at @linaddr (EACCEPT, EACCEPTCOPY, EMODPE), the
	 * OS re-derives it (platform_epcm_prot()).  May be NULL.
	 */
	void (*update)(void *ctx, u64 linaddr);
	/*
	 * A thread of this process is about to enter an enclave (EENTER,
	 * ERESUME), not yet inside: the OS brings this process's page
	 * protections up to date with what another process sharing its
	 * enclaves restricted (the PTEs Linux zaps in every mm).  May be NULL.
	 */
	void (*entering)(void *ctx);
	/*
	 * The OS's eviction of pages of the enclave whose SECS is the EPC page
	 * @secs died holding the enclave's threads out (platform_evict_hold();
	 * a process of a shared machine killed): make whole what it left and
	 * let go of the hold.  May be NULL: the hold is let go of.
	 */
	void (*evictor_died)(void *ctx, void *secs);
	void *ctx;
};

/*
 * Install the MMU and let threads of this process run the platform's
 * enclaves (EENTER/ERESUME through a raw ENCLU or exec_vdso_enter()).
 * Return: 0 or -errno if the process-wide signal handlers cannot be set up.
 */
int platform_set_mmu(struct platform *plat, const struct platform_mmu *mmu) __must_check;

/*
 * A thread in enclave mode that waits on the OS (for a page to come back)
 * is, for ETRACK's purposes, outside the enclave, as after an AEX: park
 * counts it out of its enclave's epoch and unpark back into the current
 * one, as an ERESUME would.  @tid 0 is the calling thread.  Threads not in
 * enclave mode are left alone.  exec_park() says whether it parked the
 * thread (false: not in enclave mode, or parked already), so that a nested
 * waiter unparks only what it parked.
 */
bool exec_park(int tid);
void exec_unpark(int tid);
/*
 * Interrupt every thread that runs inside the enclave of SECS page @secs
 * (and is not parked): each takes an AEX and resumes, as after Linux's
 * IPI.  Return: how many were kicked.
 */
unsigned int exec_kick(struct platform *plat, void *secs);
/* exec_kick() for thread @tid of process @pid, another process of a machine
 * children of fork() share (platform_inside_tids() names the threads):
 * if it runs enclave code, it takes an AEX.  Thread-directed, as an IPI
 * is: a process-directed signal could interrupt any thread's system call.
 * Return: whether @tid is a thread of @pid. */
bool exec_kick_thread(int pid, int tid);
/* Start the timer interrupt (idempotent; SGXEMU_TICK_HZ, 0 to
 * EXEC_MAX_TICK_HZ, tcb.c) once the process has enclaves.  Context: normal
 * context. */
#define EXEC_MAX_TICK_HZ 10000
void exec_ticker_start(void);
/* In a child of fork(): forget the threads the parent had.  No allocation. */
void exec_fork_child(void);

/* RDMSR/WRMSR for the SGX MSRs.  Return: 0 or ENCLS_FAULT_FLAG | #GP. */
int lp_rdmsr(struct lp *lp, u32 msr, u64 *value) __must_check;
int lp_wrmsr(struct lp *lp, u32 msr, u64 value) __must_check;

/* CPUID leaves 7 (SGX bits only) and 0x12 as this platform reports them. */
void platform_cpuid(const struct platform *plat, u32 leaf, u32 subleaf, u32 regs[4]);

/* ENCLS, one entry point per leaf, operands as the kernel passes them. */
int encls_ecreate(struct lp *lp, struct sgx_pageinfo *pginfo, void *secs) __must_check;
int encls_eadd(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc) __must_check;
int encls_eextend(struct lp *lp, void *secs, void *addr) __must_check;
int encls_einit(struct lp *lp, struct sgx_sigstruct *sigstruct, void *secs,
		struct sgx_einittoken *token) __must_check;
int encls_eremove(struct lp *lp, void *epc) __must_check;
int encls_edbgrd(struct lp *lp, void *addr, u64 *data) __must_check;
int encls_edbgwr(struct lp *lp, void *addr, u64 data) __must_check;
/* SGX2: EAUG, EMODPR, EMODT (sgx-isa.md section 5.9); #GP without SGX2. */
int encls_eaug(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc) __must_check;
int encls_emodpr(struct lp *lp, const struct sgx_secinfo *secinfo, void *epc) __must_check;
int encls_emodt(struct lp *lp, const struct sgx_secinfo *secinfo, void *epc) __must_check;
/* Paging: EPA, EBLOCK, ETRACK, EWB, ELDB/ELDU (sgx-isa.md section 6). */
int encls_epa(struct lp *lp, u64 pt, void *epc) __must_check;
int encls_eblock(struct lp *lp, void *epc) __must_check;
int encls_etrack(struct lp *lp, void *secs) __must_check;
int encls_ewb(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot) __must_check;
int encls_eldb(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot) __must_check;
int encls_eldu(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot) __must_check;
/*
 * The oversubscription extensions (CPUID.(12H,0).EAX[6], a host's only):
 * ERDINFO, ETRACKC, ELDBC/ELDUC; #GP where not enumerated.
 */
int encls_erdinfo(struct lp *lp, struct sgx_rdinfo *rdinfo, void *epc) __must_check;
int encls_etrackc(struct lp *lp, void *epc) __must_check;
int encls_eldbc(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot) __must_check;
int encls_elduc(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot) __must_check;

/*
 * ENCLV (CPUID.(12H,0).EAX[5]), the VMM's leaves: #UD outside VMX root
 * operation.  enclv() is the instruction (leaf in EAX, an unknown one is
 * #GP); the others are its leaves with their operands.
 */
int enclv(struct lp *lp, u32 leaf, u64 rbx, u64 rcx, u64 rdx) __must_check;
int enclv_edecvirtchild(struct lp *lp, void *epc, void *secs) __must_check;
int enclv_eincvirtchild(struct lp *lp, void *epc, void *secs) __must_check;
int enclv_esetcontext(struct lp *lp, void *secs, const u64 *context) __must_check;

/*
 * The EINITTOKEN key a launch enclave with these identities would get from
 * EGETKEY(EINITTOKEN), as EINIT derives it from the token's fields and the
 * LP's LEPUBKEYHASH.
 */
void platform_einittoken_key(const struct platform *plat, const struct sgx_einittoken *token,
			     const u8 le_mrsigner[SGX_HASH_SIZE], u8 key[16]);

#endif
