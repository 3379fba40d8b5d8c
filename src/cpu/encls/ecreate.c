// SPDX-License-Identifier: MIT
/* ENCLS[ECREATE]: create a SECS page in the EPC (SDM "ECREATE"). */
#include <string.h>

#include "cpu/leaf.h"
#include "cpu/secs.h"
#include "cpu/track.h"

/* XFRM must be a value XCR0 could hold: AVX needs SSE, the AVX-512 and
 * AMX state components come in complete groups. */
static bool xfrm_legal(u64 xfrm)
{
	if ((xfrm & 0x4) && !(xfrm & 0x2))
		return false;
	if ((xfrm & 0xE0) && ((xfrm & 0xE0) != 0xE0 || !(xfrm & 0x4)))
		return false;
	if ((xfrm & 0x60000) && (xfrm & 0x60000) != 0x60000)
		return false;
	return true;
}

static int ecreate(struct lp *lp, struct sgx_pageinfo *pginfo_addr, void *secs_addr)
{
	struct platform *plat = lp->plat;
	struct sgx_pageinfo pginfo;
	struct sgx_secinfo secinfo;
	struct sgx_measure_ecreate rec;
	struct epc_page *page;
	struct sgx_secs *secs;
	struct secs_private *priv;
	u64 xsize, max_size;
	bool mode64;
	int ret;

	/* SDM: "IF (DS:RBX is not 32Byte Aligned) THEN #GP(0)" and RCX 4 KiB. */
	if (!ptr_aligned(pginfo_addr, 32) || !ptr_aligned(secs_addr, SGX_PAGE_SIZE))
		return lp_gp(lp);
	page = epc_page_at(plat, secs_addr);
	if (!page)
		return lp_pf(lp, secs_addr, true);
	leaf_read_nonenclave(plat, &pginfo, pginfo_addr, sizeof(pginfo));
	if (!is_aligned(pginfo.srcpge, SGX_PAGE_SIZE) || !is_aligned(pginfo.secinfo, 64))
		return lp_gp(lp);
	if (pginfo.linaddr || pginfo.secs)
		return lp_gp(lp);
	leaf_read_nonenclave(plat, &secinfo, (void *)(uintptr_t)pginfo.secinfo, sizeof(secinfo));
	if ((secinfo.flags & SGX_SECINFO_RESERVED_MASK) ||
	    !mem_is_zero(secinfo.reserved, sizeof(secinfo.reserved)) ||
	    (secinfo.flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT != SGX_PT_SECS)
		return lp_gp(lp);
	if (!epc_trylock_exclusive(&page->lock))
		return lp_gp(lp);
	if (page->epcm.valid) {
		ret = lp_pf(lp, secs_addr, true);
		goto out_unlock;
	}
	leaf_read_nonenclave(plat, page->mem, (void *)(uintptr_t)pginfo.srcpge, SGX_PAGE_SIZE);
	secs = secs_of(page->mem);
	ret = lp_gp(lp);
	if ((secs->attributes.xfrm & SGX_XFRM_LEGACY) != SGX_XFRM_LEGACY)
		goto out_unlock;
	if ((secs->attributes.xfrm & ~plat->xfrm_mask) || !xfrm_legal(secs->attributes.xfrm))
		goto out_unlock;
	/* No CET on this platform: its fields must stay zero. */
	if (secs->cet_attributes || secs->cet_leg_bitmap_offset)
		goto out_unlock;
	if (secs->miscselect & ~plat->miscselect_mask)
		goto out_unlock;
	xsize = platform_xsave_size(plat, secs->attributes.xfrm) + SGX_SSA_GPRS_SIZE +
		((secs->miscselect & SGX_MISC_EXINFO) ? SGX_SSA_MISC_EXINFO_SIZE : 0);
	if ((u64)secs->ssaframesize * SGX_PAGE_SIZE < xsize)
		goto out_unlock;
	mode64 = secs->attributes.flags & SGX_ATTR_MODE64BIT;
	if (mode64) {
		/* Canonical: bits 63:47 all equal. */
		s64 top = (s64)secs->baseaddr >> 47;

		if (top != 0 && top != -1)
			goto out_unlock;
		max_size = 1ULL << plat->cfg.max_enclave_size_log2;
	} else {
		if (secs->baseaddr & 0xFFFFFFFF00000000ULL)
			goto out_unlock;
		max_size = 1ULL << 31;
	}
	if (secs->size >= max_size)
		goto out_unlock;
	if (secs->size < 2 * SGX_PAGE_SIZE || !is_power_of_2(secs->size))
		goto out_unlock;
	if (secs->baseaddr & (secs->size - 1))
		goto out_unlock;
	if (secs->attributes.flags & ~plat->attributes_mask)
		goto out_unlock;
	if (!mem_is_zero(secs->reserved1, sizeof(secs->reserved1)) ||
	    !mem_is_zero(secs->reserved2, sizeof(secs->reserved2)) ||
	    !mem_is_zero(secs->reserved3, sizeof(secs->reserved3)) ||
	    !mem_is_zero(secs->reserved4, sizeof(secs->reserved4)))
		goto out_unlock;
	if (!(secs->attributes.flags & SGX_ATTR_KSS) &&
	    (!mem_is_zero(secs->configid, sizeof(secs->configid)) || secs->configsvn))
		goto out_unlock;

	/* Commit: the SECS starts uninitialized with MRENCLAVE = ECREATE record. */
	memset(secs->mrenclave, 0, sizeof(secs->mrenclave));
	memset(secs->mrsigner, 0, sizeof(secs->mrsigner));
	secs->isvprodid = 0;
	secs->isvsvn = 0;
	priv = secs_private(page->mem);
	priv->eid = atomic_fetch_add(&plat->root->next_eid, 1);
	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_ECREATE;
	rec.ssaframesize = secs->ssaframesize;
	rec.size = secs->size;
	crypto_sha256_init(&priv->mr);
	crypto_sha256_update(&priv->mr, &rec, sizeof(rec));
	priv->mr_updates = 1;
	/* No child evicted by a VMM yet; the SECS's name for a VMM is where
	 * this processor's paging put it. */
	priv->virtchildcnt = 0;
	priv->enclavecontext = platform_epc_pa(plat, secs_addr);
	atomic_store(&page->nr_children, 0);
	atomic_store(&page->nr_active, 0);
	atomic_store(&page->mr_lock, 0);
	track_reset(page);
	page->epcm.pt = SGX_PT_SECS;
	page->epcm.flags = 0;
	page->epcm.secs = NULL;
	page->epcm.enclave_address = 0;
	page->epcm.valid = true;
	ret = 0;
out_unlock:
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_ecreate() - ENCLS[ECREATE]: turn the EPC page @secs into a SECS.
 * @lp: logical processor executing the leaf
 * @pginfo: PAGEINFO (RBX): LINADDR and SECS zero, SRCPGE the SECS image,
 *          SECINFO of type PT_SECS
 * @secs: destination EPC page (RCX)
 *
 * Context: takes the EPCM lock of @secs; never waits.
 * Return: 0, or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int encls_ecreate(struct lp *lp, struct sgx_pageinfo *pginfo, void *secs)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	/* A guest's ECREATE exits to its VMM (architecture.md section 6). */
	if (lp->plat->exits.ecreate)
		return lp->plat->exits.ecreate(lp->plat->exits.ctx, lp, pginfo, secs);
	leaf_begin(lp->plat);
	ret = ecreate(lp, pginfo, secs);
	return leaf_end(lp->plat, ret);
}
