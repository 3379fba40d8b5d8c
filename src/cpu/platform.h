/* SPDX-License-Identifier: MIT */
/* The platform and logical-processor objects.  Internal to src/cpu. */
#ifndef SGXEMU_CPU_PLATFORM_H
#define SGXEMU_CPU_PLATFORM_H

#include <pthread.h>
#include <stdatomic.h>

#include "cpu/cpu.h"
#include "cpu/epc.h"

/* Fused secrets, persisted in the state directory. */
struct platform_secrets {
	u8 seal_root[16];       /* root of SEAL, REPORT and EINITTOKEN keys */
	u8 provision_root[16];  /* root of PROVISION and PROVISION_SEAL keys */
	u8 owner_epoch[16];     /* OWNEREPOCH, as if set by the BIOS */
};

struct lp {
	struct platform *plat;
	unsigned int id;
	u64 feature_control;    /* IA32_FEATURE_CONTROL */
	u64 lepubkeyhash[4];    /* IA32_SGXLEPUBKEYHASH0-3 */
	struct lp_fault fault;
	bool pending_event;     /* test hook for SGX_UNMASKED_EVENT */
};

struct platform {
	struct platform_config cfg;
	/* The machine whose EPC and EPCM this platform uses: itself, or for a
	 * guest its host.  A guest's EPC index goes through @ept. */
	struct platform *root;
	struct platform_ept ept;
	struct platform_vmexits exits;
	char state_dir[4096];
	struct platform_secrets secrets;
	/* CPUID.(12H,*) view. */
	u32 miscselect_mask;    /* (12H,0).EBX */
	u64 attributes_mask;    /* (12H,1).EAX:EBX */
	u64 xfrm_mask;          /* (12H,1).ECX:EDX */
	u64 epc_pa;             /* physical base reported in (12H,2) */
	/* Standard-format XSAVE layout of the host: offset and size of each
	 * state component, from CPUID.(0DH,i) at creation. */
	u32 xsave_off[64], xsave_len[64];
	/* EPC.  A guest's window is its VMM's (not owned) and @epc is NULL. */
	u8 *epc_window;
	u64 nr_epc_pages;
	struct epc_page *epc;
	atomic_ullong next_eid;
	bool epcm_check;
	/* The checker's scratch (children per SECS), made here because leaves
	 * run in signal handlers, where nothing may be allocated. */
	u64 *check_counts;
	/* Leaves hold this shared while the checker holds it exclusive, so the
	 * checker only ever sees the EPCM between leaves. */
	pthread_rwlock_t check_lock;
	bool check_lock_made;
	/* The thread holding @check_lock to check (0: none, or one that has
	 * not said yet), for leaves waiting on a checker that died. */
	_Atomic s32 check_tid;
	struct lp *lps;
	struct platform_mmu mmu;
	u8 report_keyid[SGX_KEYID_SIZE]; /* CR_REPORT_KEYID, per host boot */
	u8 paging_key[16];       /* CR_BASE_PK: EWB's AES-GCM key, random per boot */
	atomic_ullong next_version; /* EWB's versions: unique, never 0 */
	atomic_uint vmx_users;      /* platform_vmxon() calls not yet undone */
	atomic_uint nr_procs;       /* processes using it (platform_fork_join()) */
};

/*
 * EPT translations (src/cpu/ept.c).  ept_page_get() is a guest page as a
 * leaf sees it, held for the thread until the instruction is over: the
 * ENCLS leaves open a scope (leaf_begin()) whose end lets go of what they
 * took; the ENCLU and AEX paths let go when the signal or entry is done
 * (enclu_unpin_all(), ept_release_instruction()).  ept_page_peek() holds
 * nothing and is NULL for a page the VMM has taken away.
 */
struct epc_page *ept_page_get(const struct platform *plat, u64 index);
struct epc_page *ept_page_peek(const struct platform *plat, u64 index);
void ept_scope_begin(void);
void ept_scope_end(void);
/* How many translations the thread holds; ept_release_instruction() lets
 * go of those after the first @keep. */
unsigned int ept_held(void);
void ept_release_instruction(unsigned int keep);

static inline struct epc_page *epc_page_at(const struct platform *plat, const void *addr)
{
	s64 i = platform_epc_index(plat, addr);

	if (i < 0)
		return NULL;
	/* A guest: the host page behind it, as the EPT translates. */
	if (plat->ept.get)
		return ept_page_get(plat, (u64)i);
	return &plat->epc[i];
}

/* epc_page_at() for the OS's questions: nothing held, nothing reloaded. */
static inline struct epc_page *epc_page_peek(const struct platform *plat, const void *addr)
{
	s64 i = platform_epc_index(plat, addr);

	if (i < 0)
		return NULL;
	if (plat->ept.get)
		return ept_page_peek(plat, (u64)i);
	return &plat->epc[i];
}

/* Bytes an XSAVE of the components in @xfrm needs (standard format). */
u64 platform_xsave_size(const struct platform *plat, u64 xfrm);

#endif
