/* SPDX-License-Identifier: MIT */
/*
 * libsgxemu: Intel SGX in software, for programs that link it directly.
 *
 * A platform is an emulated SGX machine (EPC, logical processors, fused
 * keys).  Enclaves built for hardware load onto it from an SGXS stream and
 * a SIGSTRUCT, are mapped into this process at their ELRANGE, and run here
 * natively: enter them with sgxemu_enter_enclave(), which has the ABI of
 * Linux's __vdso_sgx_enter_enclave, or with a raw ENCLU instruction.
 *
 * Every function returns 0 or a negative errno value unless it says
 * otherwise; sgxemu_last_error() then has a one-line explanation.
 */
#ifndef SGXEMU_SGXEMU_H
#define SGXEMU_SGXEMU_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sgxemu/quote.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SGXEMU_API __attribute__((visibility("default")))

struct sgxemu_platform;
struct sgxemu_enclave;
/* Linux's struct sgx_enclave_run, from <asm/sgx.h>. */
struct sgx_enclave_run;

struct sgxemu_platform_options {
	uint64_t epc_size;       /* bytes; 0: 128 MiB */
	unsigned int nr_lps;     /* logical processors; 0: 2 */
	const char *state_dir;   /* NULL: $SGXEMU_STATE_DIR, $XDG_STATE_HOME/sgxemu, ... */
	int sgx2;                /* 0 or 1: SGX1 and SGX2 (the default); -1: SGX1 only */
	/*
	 * The host's launch policy: NULL or "allow-all" lets every signer
	 * launch (the LP's hash MSRs are pointed at each enclave's MRSIGNER);
	 * "allow=HASH[,HASH...]" (64 hex digits each) only those signers;
	 * "locked[=HASH]" the hash MSRs read-only, holding HASH (Intel's by
	 * default), as lc_locked, and only that signer.
	 * Any other EINIT fails with -EPERM and one line naming the signer.
	 */
	const char *launch_policy;
	int lc_locked;           /* 1: the hash MSRs are read-only (FEATURE_CONTROL.SGX_LC clear) */
	/*
	 * A launch enclave, as a path without its extension (PATH.sgxs and
	 * PATH.sig; the one sgxemu ships is build/enclaves/launch_enclave,
	 * installed as `pkg-config --variable=launch_enclave sgxemu`), or NULL.  When the launch policy does not list an enclave's signer,
	 * sgxemu_enclave_load() asks this LE for an EINITTOKEN and launches
	 * with it, if the LE's own signer is listed (sgxemu_launch_token()).
	 */
	const char *launch_enclave;
	/*
	 * CPUID.(12H,*) limits, at most what the processor (for a VM, its
	 * host) supports; 0 means all of it.  A VM's ECREATE of a SECS
	 * beyond them is #GP in the guest.
	 */
	uint32_t miscselect;
	uint64_t attributes;
	uint64_t xfrm;
	unsigned int max_enclave_size_log2; /* 64-bit ELRANGE below 2^n; 0: 2^36 */
	/*
	 * 0 or 1: AEX-Notify (ATTRIBUTES.AEXNOTIFY, TCS.FLAGS.AEXNOTIFY and
	 * ENCLU[EDECCSSA]), the default; -1: a processor without it, whose
	 * ECREATE refuses the attribute.  A VM has it only if its host does.
	 */
	int aexnotify;
	/*
	 * The host machine to run on (`sgxemu machine`): NULL for
	 * $SGXEMU_MACHINE, else the one running at the default place, else a
	 * private machine; "none" for a private machine; or a machine's
	 * socket.  On a machine, the EPC size, LPs, features, launch policy
	 * and state directory are the machine's: setting one that differs
	 * (any launch policy) fails with -EPERM.
	 */
	const char *machine;
	int vm_host;             /* 1: this platform hosts a VM (the machine lists it so) */
};

/* Check a launch policy string; -EINVAL with sgxemu_last_error() if bad. */
SGXEMU_API int sgxemu_launch_policy_check(const char *policy);

/* What the launch-control cache did on logical processor @lp. */
struct sgxemu_lp_stats {
	uint64_t einits;
	uint64_t msr_writes;     /* IA32_SGXLEPUBKEYHASHn writes */
	uint64_t cache_hits;     /* EINITs that needed no write */
	uint64_t refused;        /* EINITs the host policy refused */
};

SGXEMU_API int sgxemu_lp_stats(struct sgxemu_platform *plat, unsigned int lp,
			       struct sgxemu_lp_stats *out);
SGXEMU_API unsigned int sgxemu_nr_lps(const struct sgxemu_platform *plat);
/* EPC pages in all, and free now. */
SGXEMU_API void sgxemu_epc_stats(struct sgxemu_platform *plat, uint64_t *total, uint64_t *free);
/* Enclave pages written back to memory (EWB) and loaded again (ELDU) so far. */
SGXEMU_API void sgxemu_paging_stats(struct sgxemu_platform *plat, uint64_t *evicted,
				    uint64_t *reloaded);

/* Paging and SGX2 per enclave: the live ones first, then the last 64 torn down. */
struct sgxemu_enclave_stats {
	uint64_t base, size;
	uint64_t evicted, reloaded;
	int live;
	uint64_t augmented;      /* pages added by EAUG */
	uint64_t removed;        /* pages removed by SGX_IOC_ENCLAVE_REMOVE_PAGES */
};

/* The @index-th enclave's statistics; -ENOENT past the last. */
SGXEMU_API int sgxemu_enclave_stats(struct sgxemu_platform *plat, unsigned int index,
				    struct sgxemu_enclave_stats *out);

/*
 * Ask the platform's launch enclave for an EINITTOKEN for the enclave that
 * @sigstruct (1808 bytes) signs, with SECS.ATTRIBUTES @attributes (without
 * INIT) and @xfrm.  The LE is loaded on first use.  @token gets 304 bytes.
 * Return: 0, -ENOENT (no launch enclave configured), -EPERM (the LE's
 * signer is not allowed, or the LE refused), or -errno from loading it.
 */
SGXEMU_API int sgxemu_launch_token(struct sgxemu_platform *plat, const void *sigstruct,
				   uint64_t attributes, uint64_t xfrm, void *token);

SGXEMU_API int sgxemu_platform_create(const struct sgxemu_platform_options *opts,
				      struct sgxemu_platform **out);
/* A VM (below) is destroyed with this too; destroy a host's VMs before it. */
SGXEMU_API void sgxemu_platform_destroy(struct sgxemu_platform *plat);

/*
 * A VM on @host: a guest platform whose EPC is a virtual EPC of the host's
 * (/dev/sgx_vepc; each page is the host's from the guest's first use of
 * it), configured as QEMU's proposal did by @sgx, "epc=SIZE[,lehash=HEX]
 * [,lewr]": the guest's EPC size, its IA32_SGXLEPUBKEYHASH (64 hex digits;
 * by default the host's hash where the host launches a single LE's signer,
 * its MSRs locked or its policy one hash, else Intel's), and whether the
 * guest may write it.  The EPC may be
 * larger than what the host gives it (and the guests' sum larger than the
 * host's): where the host can page, the VMM evicts guest pages and brings
 * them back when the guest touches them.  The guest is
 * a platform like any other (load enclaves on it, open its devices); its
 * ECREATE is checked against its CPUID (@opts' limits) and its EINIT runs
 * with its hash through the host's per-LP cache.  @opts (may be NULL)
 * gives the guest's LPs, SGX2, its own launch policy and launch enclave;
 * its epc_size, state_dir and lc_locked are not used.
 * The seed's creation rules hold: a host that allows every signer accepts
 * any VM; a host with an allow list only a listed lehash without lewr; a
 * host whose hash MSRs are locked only its own hash without lewr.  @opts'
 * launch policy may not be "locked" (the guest's lock is !lewr).
 * Return: 0, -EINVAL (bad @sgx), -EPERM (refused by a rule; the error
 * names it), -ENOMEM.
 */
SGXEMU_API int sgxemu_vm_create(struct sgxemu_platform *host, const char *sgx,
				const struct sgxemu_platform_options *opts,
				struct sgxemu_platform **out);
/*
 * As sgxemu_vm_create(), but the guest's EPC is the virtual EPC @vepc_fd
 * the VMM made itself on @host: sgxemu_open() of "/dev/sgx_vepc", or
 * ioctl SGX_IOC_CREATE_VIRTUAL_EPC on the host's "/dev/sgx" (the seed's).
 * The library maps it for the guest (slots from offset 0); the VMM may map
 * it too (sgxemu_mmap(), MAP_SHARED), and its touches of that mapping
 * behave as on Linux: a page's first touch takes it from the host's EPC
 * (the guest's page at that offset), reads see the abort page (all ones),
 * writes are dropped.  The descriptor stays the VMM's to close;
 * the VM holds the file until it is destroyed.  A virtual EPC backs one VM.
 * A host that launches a single LE's signer gives a guest without lehash=
 * that signer's hash (for either call).
 * Return: 0, -EBADF or -EINVAL (@vepc_fd is not a virtual EPC of @host),
 * -EBUSY (it backs a VM already), or what sgxemu_vm_create() returns.
 */
SGXEMU_API int sgxemu_vm_create_vepc(struct sgxemu_platform *host, int vepc_fd, const char *sgx,
				     const struct sgxemu_platform_options *opts,
				     struct sgxemu_platform **out);
/* Check a VM configuration string; -EINVAL with sgxemu_last_error() if bad. */
SGXEMU_API int sgxemu_vm_config_check(const char *sgx);
/* The VM's virtual EPC file (its VMM's; SGX_IOC_VEPC_REMOVE_ALL), or -EINVAL
 * for a platform that is not a VM. */
SGXEMU_API int sgxemu_vm_vepc_fd(struct sgxemu_platform *guest);

/* What a VM's ENCLS exits did, and what its VMM paged. */
struct sgxemu_vm_stats {
	uint64_t ecreate_exits, einit_exits;
	uint64_t gp_injected;    /* ECREATEs refused with #GP in the guest */
	uint64_t host_pages;     /* host EPC pages the VM holds */
	/* Guest pages the VMM evicted and brought back (the guest's own
	 * paging is sgxemu_paging_stats() of the guest). */
	uint64_t vmm_evicted, vmm_reloaded;
};

SGXEMU_API int sgxemu_vm_stats(struct sgxemu_platform *guest, struct sgxemu_vm_stats *out);

/* What sgxemu_quote_verify() requires beyond the signatures; NULL/0: nothing. */
struct sgxemu_quote_policy {
	const char *root;           /* PEM file of the trusted root CA; NULL: this machine's */
	const char *state_dir;      /* this machine's state directory; NULL: the default */
	const uint8_t *mrenclave;   /* 32 bytes the enclave's MRENCLAVE must be */
	const uint8_t *mrsigner;    /* 32 bytes its MRSIGNER must be */
	int no_debug;               /* refuse an enclave with ATTRIBUTES.DEBUG */
};

/* What a verified quote says. */
struct sgxemu_quote_info {
	struct sgxemu_quote_header header;
	struct sgxemu_report_body body;       /* the application enclave's */
	struct sgxemu_report_body qe_report;  /* the QE's */
	/* From the PCK certificate's SGX extensions. */
	uint8_t ppid[16];
	uint8_t cpusvn[16];
	uint16_t pcesvn;
	uint8_t pceid[2];
	uint8_t fmspc[6];
	int sgx_type;
	char root[256];                       /* the root CA's subject */
};

/*
 * Verify a DCAP version 3 quote (<sgxemu/quote.h>) of @len bytes: its
 * format, the chain from its PCK certificate to the trusted root, the
 * PCK's signature over the QE's REPORT body, that REPORT's binding of the
 * attestation key, the attestation key's signature over the quote, and
 * @policy (may be NULL).  @info (may be NULL) gets what it says.
 * Return: 0; -EBADMSG when a check fails, and sgxemu_last_error() is one
 * line, "CHECK: what is wrong", CHECK one of "format", "certificate chain",
 * "PCK certificate", "QE report signature", "attestation key binding",
 * "quote signature", "policy"; -ENOENT without a root; or -errno.
 */
SGXEMU_API int sgxemu_quote_verify(const void *quote, size_t len,
				   const struct sgxemu_quote_policy *policy,
				   struct sgxemu_quote_info *info);

/*
 * Load an enclave: replay @sgxs_path (ECREATE, EADD, EEXTEND), EINIT with
 * the SIGSTRUCT in @sig_path, and map it at a naturally aligned ELRANGE in
 * this process.  EINIT refusing the enclave is -EPERM.
 */
SGXEMU_API int sgxemu_enclave_load(struct sgxemu_platform *plat, const char *sgxs_path,
				   const char *sig_path, struct sgxemu_enclave **out);
SGXEMU_API void sgxemu_enclave_destroy(struct sgxemu_enclave *encl);

SGXEMU_API uint64_t sgxemu_enclave_base(const struct sgxemu_enclave *encl);
SGXEMU_API uint64_t sgxemu_enclave_size(const struct sgxemu_enclave *encl);
SGXEMU_API unsigned int sgxemu_enclave_nr_tcs(const struct sgxemu_enclave *encl);
/* Linear address of the @index'th TCS, in address order; 0 if none. */
SGXEMU_API uint64_t sgxemu_enclave_tcs(const struct sgxemu_enclave *encl, unsigned int index);

/*
 * Change the process's mapping of part of ELRANGE, as mprotect() of an
 * enclave mapping would: never above what the pages' SECINFO allows.
 */
SGXEMU_API int sgxemu_enclave_mprotect(struct sgxemu_enclave *encl, uint64_t addr, uint64_t len,
				       int prot);

/*
 * The __vdso_sgx_enter_enclave ABI (see <asm/sgx.h>): @function is EENTER
 * (2) or ERESUME (3); exceptions are reported in @run and return 0.  RDI,
 * RSI, RDX, R8, R9 and the other registers reach the enclave as the caller
 * set them.  Unlike the raw vDSO function, which keeps only RBX, RBP and
 * RSP (an AEX clears R8-R15), this one also preserves R12-R15, so it is
 * safe to call from C.
 *
 * FS and GS: the enclave runs with its own; the caller finds its FS after
 * every exit, and its GS if it uses one.  A thread whose GS base is 0 at
 * its first entry (or an enclave's, inherited from its creator) does not,
 * so where the kernel lacks FSGSBASE its exits leave GS as the enclave had
 * it rather than pay a system call.  A thread that sets a GS of its own
 * with arch_prctl() does so before its first entry; only under `sgxemu
 * run`, which sees the call, may it do so later (doc/decisions.md).
 */
SGXEMU_API int sgxemu_enter_enclave(unsigned long rdi, unsigned long rsi, unsigned long rdx,
				    unsigned int function, unsigned long r8, unsigned long r9,
				    struct sgx_enclave_run *run);

/*
 * sigaction() for programs that run enclaves.  A signal can arrive while a
 * thread is inside an enclave; the handler then runs after the AEX, in host
 * mode, as if the signal had arrived at the AEP.  Use this instead of
 * sigaction() (the preload shim does so for unmodified programs).
 */
SGXEMU_API int sgxemu_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/*
 * Emulated device files, for programs that drive the Linux uAPI themselves
 * (<asm/sgx.h>): "/dev/sgx_enclave", "/dev/sgx_provision", and the seed
 * design's "/dev/sgx" (<sgxemu/sgx_seed.h>).  sgxemu_open() returns a file
 * descriptor; the others take it.  ioctl results and errno values are Linux
 * 6.1's, negated.
 */
SGXEMU_API int sgxemu_open(struct sgxemu_platform *plat, const char *path, int flags);
SGXEMU_API int sgxemu_ioctl(int fd, unsigned long cmd, unsigned long arg);
/* mmap() of a device file: MAP_SHARED only; *@out gets the address. */
SGXEMU_API int sgxemu_mmap(void *addr, size_t len, int prot, int flags, int fd, long off,
			   void **out);
SGXEMU_API int sgxemu_mprotect(void *addr, size_t len, int prot);
SGXEMU_API int sgxemu_munmap(void *addr, size_t len);
/*
 * The kernel replaced [@addr, @addr + @len) with another mapping (an mmap()
 * with MAP_FIXED of something else): enclave pages there are no longer
 * mapped in this process.
 */
SGXEMU_API void sgxemu_forget_range(void *addr, size_t len);
SGXEMU_API int sgxemu_close(int fd);
/*
 * Duplicate a device file descriptor; both refer to the same device (one
 * enclave, torn down when the last is closed).  @newfd >= 0 is dup3()'s
 * target; @newfd < 0 asks for the lowest number >= -@newfd - 1, as
 * fcntl(F_DUPFD) does.  @flags: O_CLOEXEC or 0.  -EBADF if @oldfd is not a
 * device file.
 */
SGXEMU_API int sgxemu_dup(int oldfd, int newfd, int flags);
/* The kernel closed @fd behind sgxemu's back (dup2() over it): forget it. */
SGXEMU_API void sgxemu_forget_fd(int fd);
/* The device node @fd was opened from ("/dev/sgx_enclave" also for the
 * seed's enclave files), or NULL if it is not a device file. */
SGXEMU_API const char *sgxemu_fd_path(int fd);
/*
 * From now on device files get descriptor numbers >= @first (as
 * fcntl(F_DUPFD) gives them, so dup() of one does too), falling back to the
 * lowest free number when that fails; an interposer that must recognise
 * them by number alone (a seccomp filter) reserves a range this way.
 */
SGXEMU_API void sgxemu_set_fd_floor(int first);

/*
 * What CPUID reports on the emulated platform: the host CPU's answer with
 * leaf 7's SGX and SGX_LC bits, leaf 0x12 of @plat, and a maximum basic
 * leaf of at least 0x12.  @regs: EAX, EBX, ECX, EDX.
 */
SGXEMU_API void sgxemu_cpuid(struct sgxemu_platform *plat, uint32_t leaf, uint32_t subleaf,
			     uint32_t regs[4]);
/*
 * Make every CPUID the calling thread (and threads it creates later)
 * executes outside an enclave answer as sgxemu_cpuid() does, through CPUID
 * faulting.  -ENODEV where the CPU or the kernel does not offer CPUID
 * faulting (/proc/cpuinfo flag cpuid_fault); CPUID then shows the host.
 */
SGXEMU_API int sgxemu_cpuid_faulting(struct sgxemu_platform *plat);
/*
 * Where CPUID faulting is missing: answer, for @plat, the CPUIDs an
 * interposer patched into UD2 (the shim does this for the program's main
 * executable).
 */
SGXEMU_API void sgxemu_cpuid_answer_patched(struct sgxemu_platform *plat);

/*
 * sigaltstack() for programs that run enclaves.  A thread that has run
 * enclave code keeps the emulator's own sigaltstack (its handlers need it);
 * the program's is recorded and reported back, not installed, so a later
 * SS_DISABLE cannot take the emulator's away.
 */
SGXEMU_API int sgxemu_sigaltstack(const stack_t *ss, stack_t *old);

/*
 * Call in the child of a fork() made without the C library's fork()
 * (libsgxemu registers itself with pthread_atfork for that one), before
 * the child does anything else.  The child cannot use its parent's
 * enclaves: their memory becomes inaccessible in it and their files
 * answer -EIO, so nothing the child does reaches the parent's.
 */
SGXEMU_API void sgxemu_after_fork(void);

/* The reason for the calling thread's last failure, or "". */
SGXEMU_API const char *sgxemu_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
