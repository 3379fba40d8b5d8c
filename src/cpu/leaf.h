/* SPDX-License-Identifier: MIT */
/* Helpers shared by the leaf implementations.  Internal to src/cpu. */
#ifndef SGXEMU_CPU_LEAF_H
#define SGXEMU_CPU_LEAF_H

#include <stdatomic.h>

#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "base/mem.h"
#include "cpu/platform.h"

static inline int lp_raise(struct lp *lp, u8 vector, u32 error_code, u64 addr)
{
	lp->fault.vector = vector;
	lp->fault.error_code = error_code;
	lp->fault.addr = addr;
	return ENCLS_FAULT_FLAG | vector;
}

static inline int lp_gp(struct lp *lp)
{
	return lp_raise(lp, X86_VEC_GP, 0, 0);
}

/* An EPC-related #PF as the leaf sees it: present, with the SGX bit. */
static inline int lp_pf(struct lp *lp, const void *addr, bool write)
{
	return lp_raise(lp, X86_VEC_PF, X86_PF_P | X86_PF_SGX | (write ? X86_PF_W : 0),
			(u64)(uintptr_t)addr);
}

static inline bool ptr_aligned(const void *p, u64 a)
{
	return is_aligned((u64)(uintptr_t)p, a);
}

/* ENCLS and ENCLU #GP(0) unless IA32_FEATURE_CONTROL is locked with SGX enabled. */
static inline bool lp_sgx_enabled(const struct lp *lp)
{
	return (lp->feature_control & (FEAT_CTL_LOCKED | FEAT_CTL_SGX_ENABLED)) ==
	       (FEAT_CTL_LOCKED | FEAT_CTL_SGX_ENABLED);
}

/* The SGX2 leaves are #GP(0) where CPUID.(12H,0).EAX[1] is clear. */
static inline bool lp_sgx2_enabled(const struct lp *lp)
{
	return lp_sgx_enabled(lp) && lp->plat->cfg.sgx2;
}

/* ETRACKC, ERDINFO, ELDBC and ELDUC are #GP(0) where CPUID.(12H,0).EAX[6]
 * is clear: in guests, which are not offered them. */
static inline bool lp_oversub_enabled(const struct lp *lp)
{
	return lp_sgx_enabled(lp) && lp->plat->root == lp->plat;
}

/* VMX non-root operation with ENABLE_EPC_VIRTUALIZATION_EXTENSIONS set:
 * a guest whose VMM oversubscribes its EPC.  Leaves there count
 * SECS.VIRTCHILDCNT as child pages. */
static inline bool lp_epc_virt_ext(const struct lp *lp)
{
	return lp->plat->root != lp->plat && lp->plat->ept.virt_ext;
}

/* Pages that belong to an enclave (have a SECS): REG, TCS, TRIM. */
static inline bool pt_is_child(u8 pt)
{
	return pt == SGX_PT_REG || pt == SGX_PT_TCS || pt == SGX_PT_TRIM;
}

static inline u8 secinfo_pt(u64 flags)
{
	return (u8)((flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT);
}

/* SECINFO's reserved bits and bytes are zero (#GP otherwise).  The SGX2
 * leaves ignore the defined fields they do not use. */
static inline bool secinfo_reserved_clear(const struct sgx_secinfo *si)
{
	return !(si->flags & SGX_SECINFO_RESERVED_MASK) &&
	       mem_is_zero(si->reserved, sizeof(si->reserved));
}

/*
 * A new child page of the enclave whose SECS page is @secs_page enters the
 * EPCM (EADD, EAUG): type @pt, @flags, at @linaddr.
 * Context: @page locked exclusive and invalid, @secs_page locked shared.
 */
static inline void leaf_add_child(struct epc_page *page, struct epc_page *secs_page, u8 pt,
				  u16 flags, u64 linaddr)
{
	page->epcm.pt = pt;
	page->epcm.flags = flags;
	page->epcm.enclave_address = linaddr;
	page->epcm.secs = secs_page;
	page->track_pending = false;
	page->epcm.valid = true;
	atomic_fetch_add(&secs_page->nr_children, 1);
}

/* EMODPR and EMODT changed @page: EACCEPT of it waits (SGX_NOT_TRACKED)
 * until an ETRACK started after now has completed. */
static inline void leaf_modified(struct epc_page *page)
{
	page->modify_epoch = atomic_load(&page->epcm.secs->epoch);
	page->track_pending = true;
}

/* Bracket every ENCLS leaf: the EPCM checker runs after it in debug builds. */
void leaf_begin(struct platform *plat);
int leaf_end(struct platform *plat, int ret);

/*
 * A non-enclave read of @len bytes at @src.  The EPC is not readable from
 * outside an enclave: such reads see the abort page (all ones), as on
 * hardware.
 */
void leaf_read_nonenclave(const struct platform *plat, void *dst, const void *src, size_t len);
/* A non-enclave write: writes that land in the EPC are dropped, as the
 * abort page drops them. */
void leaf_write_nonenclave(const struct platform *plat, void *dst, const void *src, size_t len);

/*
 * The operands of EMODPR and EMODT: SECINFO (RBX, 64-byte aligned) read
 * once into @si, and the EPC page at @epc (RCX, page aligned) in *@page.
 * Return: 0, or #GP (alignment) / #PF (not an EPC page).
 */
static inline int leaf_secinfo_operands(struct lp *lp, const struct sgx_secinfo *secinfo_addr,
					void *epc, struct sgx_secinfo *si,
					struct epc_page **page)
{
	if (!ptr_aligned(secinfo_addr, 64) || !ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	*page = epc_page_at(lp->plat, epc);
	if (!*page)
		return lp_pf(lp, epc, true);
	leaf_read_nonenclave(lp->plat, si, secinfo_addr, sizeof(*si));
	return 0;
}

#endif
