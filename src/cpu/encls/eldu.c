// SPDX-License-Identifier: MIT
/*
 * ENCLS[ELDB], ENCLS[ELDU] and the oversubscription extensions' ENCLS[ELDBC]
 * and ENCLS[ELDUC]: load an evicted page back (SDM "ELDB/ELDU/ELDBC/ELDUC").
 * The C variants report a conflict with another leaf as a status instead
 * of #GP, so a VMM racing its guests can tell the two apart.
 */
#include <errno.h>

#include "cpu/encls/pcmd.h"
#include "cpu/leaf.h"
#include "cpu/secs.h"
#include "cpu/track.h"

/* A leaf holds an EPCM lock ELD needs: #GP, or the C variants' status. */
static int conflict(struct lp *lp, bool status)
{
	return status ? SGX_EPC_PAGE_CONFLICT : lp_gp(lp);
}

static int eld(struct lp *lp, bool blocked, bool cstatus, struct sgx_pageinfo *pginfo_addr,
	       void *epc, u64 *slot)
{
	struct platform *plat = lp->plat;
	struct epc_page *page, *va, *secs_page = NULL;
	struct sgx_pageinfo pginfo;
	struct pcmd_header hdr;
	struct sgx_pcmd pcmd;
	u64 *vslot;
	void *secs_addr;
	u64 eid = 0;
	u8 iv[12], pt;
	int ret, err;

	ret = pcmd_operands(lp, pginfo_addr, epc, slot, &pginfo, &page, &va, &vslot);
	if (ret)
		return ret;
	if (!epc_trylock_exclusive(&page->lock))
		return conflict(lp, cstatus);
	if (!epc_trylock_exclusive(&va->lock)) {
		ret = conflict(lp, cstatus);
		goto out_unlock_page;
	}
	if (page->epcm.valid) {
		ret = lp_pf(lp, epc, true);
		goto out_unlock_va;
	}
	if (!va->epcm.valid || va->epcm.pt != SGX_PT_VA) {
		ret = lp_pf(lp, slot, true);
		goto out_unlock_va;
	}
	leaf_read_nonenclave(plat, &pcmd, (void *)(uintptr_t)pginfo.secinfo, sizeof(pcmd));
	pt = secinfo_pt(pcmd.secinfo.flags);
	secs_addr = (void *)(uintptr_t)pginfo.secs;
	ret = lp_gp(lp);
	if (pt_is_child(pt)) {
		if (!ptr_aligned(secs_addr, SGX_PAGE_SIZE))
			goto out_unlock_va;
		secs_page = epc_page_at(plat, secs_addr);
		if (!secs_page) {
			ret = lp_pf(lp, secs_addr, true);
			goto out_unlock_va;
		}
		if (!epc_trylock_shared(&secs_page->lock)) {
			ret = conflict(lp, cstatus);
			goto out_unlock_va;
		}
		if (!secs_page->epcm.valid || secs_page->epcm.pt != SGX_PT_SECS) {
			ret = lp_pf(lp, secs_addr, true);
			goto out_unlock_secs;
		}
		eid = secs_private(secs_page->mem)->eid;
	} else if (pt != SGX_PT_SECS && pt != SGX_PT_VA) {
		goto out_unlock_va;
	} else if (pginfo.secs) {
		goto out_unlock_va;
	}

	/* Everything the MAC covers comes from the caller; a change to any of
	 * it, to the ciphertext or to the version fails the compare. */
	pcmd_header(&hdr, eid, pginfo.linaddr, pcmd.secinfo.flags, pcmd.reserved);
	pcmd_iv(iv, *vslot);
	err = crypto_aes128_gcm_decrypt(plat->paging_key, iv, &hdr, sizeof(hdr),
					(void *)(uintptr_t)pginfo.srcpge, page->mem, SGX_PAGE_SIZE,
					pcmd.mac);
	if (err == -EBADMSG || (!err && (pcmd.secinfo.flags & ~PCMD_SECINFO_MASK))) {
		ret = SGX_MAC_COMPARE_FAIL;
		goto out_unlock_secs;
	}
	if (err)
		goto out_unlock_secs;
	page->epcm.pt = pt;
	page->epcm.flags = (u16)(pcmd.secinfo.flags & (SGX_SECINFO_PERM_MASK |
						       SGX_SECINFO_STATE_MASK));
	if (blocked && pt_is_child(pt))
		page->epcm.flags |= EPCM_BLOCKED;
	page->epcm.enclave_address = pginfo.linaddr;
	page->epcm.secs = secs_page;
	/* EWB needed a completed ETRACK after any EMODPR or EMODT. */
	page->track_pending = false;
	if (secs_page) {
		/* A page loaded blocked is blocked in the current epoch. */
		page->block_epoch = atomic_load(&secs_page->epoch);
		atomic_fetch_add(&secs_page->nr_children, 1);
	}
	if (pt == SGX_PT_SECS) {
		/* VIRTCHILDCNT came back with the page; the context is where
		 * this processor's paging put it now. */
		secs_private(page->mem)->enclavecontext = platform_epc_pa(plat, epc);
		atomic_store(&page->nr_children, 0);
		atomic_store(&page->nr_active, 0);
		atomic_store(&page->mr_lock, 0);
		track_reset(page);
	}
	page->epcm.valid = true;
	/* The version is spent: the same ciphertext cannot be loaded twice.
	 * Last: a process that dies in the leaf leaves the page either
	 * loaded or still loadable, never neither. */
	*vslot = 0;
	ret = SGX_SUCCESS;
out_unlock_secs:
	if (secs_page)
		epc_unlock_shared(&secs_page->lock);
out_unlock_va:
	epc_unlock_exclusive(&va->lock);
out_unlock_page:
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_eldu() - ENCLS[ELDU]: load an evicted page into a free EPC page,
 * unblocked.  encls_eldb() - the same, leaving a REG/TCS/TRIM page blocked.
 * @lp: logical processor executing the leaf
 * @pginfo: PAGEINFO (RBX): LINADDR, SRCPGE (ciphertext), SECINFO (the
 *	    PCMD), SECS (the enclave's, or 0 for a SECS or VA page)
 * @epc: the free EPC page (RCX)
 * @slot: the VA slot holding the page's version (RDX); cleared on success
 *
 * A SECS's ENCLAVECONTEXT becomes the page's physical address as @lp's
 * platform sees it.
 *
 * Context: takes the EPCM locks of @epc and the VA page (exclusive) and of
 * the SECS (shared); never waits.
 * Return: 0; SGX_MAC_COMPARE_FAIL when the ciphertext, PCMD, LINADDR,
 * enclave or version do not match what EWB bound; or ENCLS_FAULT_FLAG |
 * #GP (alignment, a lock another leaf holds, a bad PCMD type) / #PF.
 */
int encls_eldu(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = eld(lp, false, false, pginfo, epc, slot);
	return leaf_end(lp->plat, ret);
}

int encls_eldb(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = eld(lp, true, false, pginfo, epc, slot);
	return leaf_end(lp->plat, ret);
}

/**
 * encls_elduc() - ENCLS[ELDUC]: ELDU with improved conflict handling (the
 * oversubscription extensions).  encls_eldbc() - the same for ELDB.
 * @lp: logical processor executing the leaf
 * @pginfo: PAGEINFO (RBX), as for ELDU
 * @epc: the free EPC page (RCX)
 * @slot: the VA slot holding the page's version (RDX)
 *
 * Context: as encls_eldu().
 * Return: 0; SGX_EPC_PAGE_CONFLICT when another leaf holds the page, the
 * VA page or the SECS (ELDU's #GP); SGX_MAC_COMPARE_FAIL; or
 * ENCLS_FAULT_FLAG | #GP (alignment, a bad PCMD type, CPUID.(12H,0).EAX[6]
 * clear) / #PF.
 */
int encls_elduc(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot)
{
	int ret;

	if (!lp_oversub_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = eld(lp, false, true, pginfo, epc, slot);
	return leaf_end(lp->plat, ret);
}

int encls_eldbc(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot)
{
	int ret;

	if (!lp_oversub_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = eld(lp, true, true, pginfo, epc, slot);
	return leaf_end(lp->plat, ret);
}
