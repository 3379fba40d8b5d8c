// SPDX-License-Identifier: MIT
/* ENCLS[EWB]: evict an EPC page to memory, encrypted and versioned (SDM "EWB"). */
#include "cpu/encls/pcmd.h"
#include "cpu/leaf.h"
#include "cpu/secs.h"
#include "cpu/track.h"

static bool same_page(const void *a, const void *b)
{
	return ((uintptr_t)a >> 12) == ((uintptr_t)b >> 12);
}

static int ewb(struct lp *lp, struct sgx_pageinfo *pginfo_addr, void *epc, u64 *slot)
{
	struct platform *plat = lp->plat;
	struct epc_page *page, *va;
	struct sgx_pageinfo pginfo;
	struct pcmd_header hdr;
	struct sgx_pcmd pcmd;
	struct epcm_entry *e;
	u64 eid, pcmd_eid, flags, ver, old;
	u64 *vslot;
	u8 iv[12];
	int ret;

	ret = pcmd_operands(lp, pginfo_addr, epc, slot, &pginfo, &page, &va, &vslot);
	if (ret)
		return ret;
	if (same_page(epc, slot) || pginfo.linaddr || pginfo.secs)
		return lp_gp(lp);
	if (!epc_trylock_exclusive(&page->lock))
		return lp_gp(lp);
	if (!epc_trylock_exclusive(&va->lock)) {
		ret = lp_gp(lp);
		goto out_unlock_page;
	}
	e = &page->epcm;
	if (!e->valid) {
		ret = lp_pf(lp, epc, true);
		goto out_unlock;
	}
	if (!va->epcm.valid || va->epcm.pt != SGX_PT_VA) {
		ret = lp_pf(lp, slot, true);
		goto out_unlock;
	}
	if (pt_is_child(e->pt)) {
		if (!(e->flags & EPCM_BLOCKED)) {
			ret = SGX_PAGE_NOT_BLOCKED;
			goto out_unlock;
		}
		if (!track_done(e->secs, page->block_epoch)) {
			ret = SGX_NOT_TRACKED;
			goto out_unlock;
		}
		eid = secs_private(e->secs->mem)->eid;
		pcmd_eid = eid;
	} else if (e->pt == SGX_PT_SECS) {
		/* In a guest whose VMM oversubscribes it, the children the VMM
		 * evicted (VIRTCHILDCNT) count as present. */
		if (atomic_load(&page->nr_children) ||
		    (lp_epc_virt_ext(lp) && secs_private(page->mem)->virtchildcnt)) {
			ret = SGX_CHILD_PRESENT;
			goto out_unlock;
		}
		eid = 0;
		pcmd_eid = secs_private(page->mem)->eid;
	} else {
		eid = 0;
		pcmd_eid = 0;
	}

	flags = ((u64)e->pt << SGX_SECINFO_PT_SHIFT) | (e->flags & (SGX_SECINFO_PERM_MASK |
								    SGX_SECINFO_STATE_MASK));
	pcmd_header(&hdr, eid, e->enclave_address, flags, NULL);
	ver = atomic_fetch_add(&plat->root->next_version, 1);
	pcmd_iv(iv, ver);
	memset(&pcmd, 0, sizeof(pcmd));
	pcmd.secinfo.flags = flags;
	pcmd.enclaveid = pcmd_eid;
	/* The page goes straight to SRCPGE: memory the OS gave the leaf. */
	if (crypto_aes128_gcm_encrypt(plat->paging_key, iv, &hdr, sizeof(hdr), page->mem,
				      (void *)(uintptr_t)pginfo.srcpge, SGX_PAGE_SIZE,
				      pcmd.mac)) {
		/* No architectural outcome fits a failing crypto library. */
		ret = lp_gp(lp);
		goto out_unlock;
	}
	memcpy((void *)(uintptr_t)pginfo.secinfo, &pcmd, sizeof(pcmd));
	pginfo_addr->linaddr = e->enclave_address;
	/* An occupied slot is reported, and overwritten all the same. */
	old = *vslot;
	ret = old ? SGX_VA_SLOT_OCCUPIED : SGX_SUCCESS;
	*vslot = ver;
	if (pt_is_child(e->pt)) {
		atomic_fetch_sub(&e->secs->nr_children, 1);
		e->secs = NULL;
	}
	e->flags = 0;
	e->valid = false;
out_unlock:
	epc_unlock_exclusive(&va->lock);
out_unlock_page:
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_ewb() - ENCLS[EWB]: write an EPC page back to memory.
 * @lp: logical processor executing the leaf
 * @pginfo: PAGEINFO (RBX): SRCPGE gets the ciphertext, SECINFO the PCMD;
 *	    LINADDR and SECS must be 0; LINADDR gets the page's address
 * @epc: the page (RCX): a blocked and tracked REG/TCS/TRIM page, a SECS
 *	 without children, or a VA page
 * @slot: the VA slot for the page's version (RDX)
 *
 * The page is encrypted with AES-128-GCM under the per-boot paging key
 * with the version as IV and the MAC header (EID, LINADDR, SECINFO) as
 * additional data, and leaves the EPC.
 *
 * Context: takes the EPCM locks of @epc and the VA page; never waits.
 * Return: 0; SGX_VA_SLOT_OCCUPIED (evicted anyway, the slot overwritten);
 * SGX_PAGE_NOT_BLOCKED, SGX_NOT_TRACKED, SGX_CHILD_PRESENT (not evicted);
 * or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int encls_ewb(struct lp *lp, struct sgx_pageinfo *pginfo, void *epc, u64 *slot)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = ewb(lp, pginfo, epc, slot);
	return leaf_end(lp->plat, ret);
}
