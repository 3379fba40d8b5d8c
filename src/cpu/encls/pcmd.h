/* SPDX-License-Identifier: MIT */
/*
 * What EWB and ELDB/ELDU bind an evicted page to: the 128-byte MAC header
 * (EID, LINADDR, SECINFO, the PCMD's reserved bytes) that is AES-GCM's
 * additional data, and the IV made of the page's version.  Internal to the
 * paging leaves.
 */
#ifndef SGXEMU_CPU_ENCLS_PCMD_H
#define SGXEMU_CPU_ENCLS_PCMD_H

#include <string.h>

#include "arch/sgx_arch.h"
#include "cpu/leaf.h"

/* The SECINFO flags an evicted page keeps: PT, RWX, PENDING, MODIFIED, PR. */
#define PCMD_SECINFO_MASK (SGX_SECINFO_PT_MASK | SGX_SECINFO_PERM_MASK | SGX_SECINFO_STATE_MASK)

/* {EID, LINADDR, SECINFO (64 bytes), RSVD}; SECINFO unaligned here. */
struct pcmd_header {
	u64 eid;
	u64 linaddr;
	u64 secinfo_flags;
	u8 secinfo_reserved[56];
	u8 reserved[48];
};
_Static_assert(sizeof(struct pcmd_header) == 128, "MAC header is 128 bytes");

static inline void pcmd_header(struct pcmd_header *h, u64 eid, u64 linaddr, u64 secinfo_flags,
			       const u8 reserved[40])
{
	memset(h, 0, sizeof(*h));
	h->eid = eid;
	h->linaddr = linaddr;
	h->secinfo_flags = secinfo_flags;
	if (reserved)
		memcpy(h->reserved, reserved, 40);
}

/* The GCM counter block "VER << 32": four zero bytes, then VER. */
static inline void pcmd_iv(u8 iv[12], u64 version)
{
	memset(iv, 0, 4);
	memcpy(iv + 4, &version, 8);
}

/*
 * The operands EWB and ELDB/ELDU share, in the SDM's order: PAGEINFO 32-
 * and RCX 4 KiB-aligned (#GP), RCX in the EPC (#PF), RDX 8-byte aligned
 * (#GP), RDX in the EPC (#PF); PAGEINFO read, its PCMD 128- and SRCPGE
 * 4 KiB-aligned (#GP).  *@vslot is the slot in the VA page's storage.
 * Return: 0 or the fault.
 */
static inline int pcmd_operands(struct lp *lp, const struct sgx_pageinfo *pginfo_addr,
				void *epc, u64 *slot, struct sgx_pageinfo *pginfo,
				struct epc_page **page, struct epc_page **va, u64 **vslot)
{
	uintptr_t off = (uintptr_t)slot & (SGX_PAGE_SIZE - 1);

	if (!ptr_aligned(pginfo_addr, 32) || !ptr_aligned(epc, SGX_PAGE_SIZE))
		return lp_gp(lp);
	*page = epc_page_at(lp->plat, epc);
	if (!*page)
		return lp_pf(lp, epc, true);
	if (!ptr_aligned(slot, 8))
		return lp_gp(lp);
	*va = epc_page_at(lp->plat, (u8 *)slot - off);
	if (!*va)
		return lp_pf(lp, slot, true);
	*vslot = (u64 *)(void *)((*va)->mem + off);
	leaf_read_nonenclave(lp->plat, pginfo, pginfo_addr, sizeof(*pginfo));
	if (!is_aligned(pginfo->secinfo, 128) || !is_aligned(pginfo->srcpge, SGX_PAGE_SIZE))
		return lp_gp(lp);
	return 0;
}

#endif
