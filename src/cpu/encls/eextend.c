// SPDX-License-Identifier: MIT
/* ENCLS[EEXTEND]: measure 256 bytes of an EPC page (SDM "EEXTEND"). */
#include <string.h>

#include "cpu/leaf.h"
#include "cpu/secs.h"

static int eextend(struct lp *lp, void *secs_addr, void *addr)
{
	struct platform *plat = lp->plat;
	struct epc_page *secs_page, *page;
	struct sgx_secs *secs;
	struct secs_private *priv;
	u8 block[sizeof(struct sgx_measure_eextend) + SGX_EEXTEND_CHUNK];
	struct sgx_measure_eextend rec;
	u64 off;
	int ret;

	if (!ptr_aligned(secs_addr, SGX_PAGE_SIZE))
		return lp_gp(lp);
	secs_page = epc_page_at(plat, secs_addr);
	if (!secs_page)
		return lp_pf(lp, secs_addr, false);
	if (!ptr_aligned(addr, SGX_EEXTEND_CHUNK))
		return lp_gp(lp);
	page = epc_page_at(plat, addr);
	if (!page)
		return lp_pf(lp, addr, false);
	if (!epc_trylock_shared(&page->lock))
		return lp_gp(lp);
	if (!page->epcm.valid ||
	    (page->epcm.pt != SGX_PT_REG && page->epcm.pt != SGX_PT_TCS)) {
		ret = lp_pf(lp, addr, false);
		goto out_unlock;
	}
	/* SDM: "IF (DS:RBX does not resolve to TMP_SECS) THEN #GP(0)". */
	ret = lp_gp(lp);
	if (page->epcm.secs != secs_page)
		goto out_unlock;
	if (!epc_trylock_exclusive(&secs_page->mr_lock))
		goto out_unlock;
	secs = secs_of(secs_page->mem);
	if (secs->attributes.flags & SGX_ATTR_INIT)
		goto out_unlock_mr;

	off = (uintptr_t)addr & (SGX_PAGE_SIZE - 1);
	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_EEXTEND;
	rec.offset = page->epcm.enclave_address - secs->baseaddr + off;
	/* One update of header plus data: 5 SHA-256 blocks in one call. */
	memcpy(block, &rec, sizeof(rec));
	memcpy(block + sizeof(rec), page->mem + off, SGX_EEXTEND_CHUNK);
	priv = secs_private(secs_page->mem);
	crypto_sha256_update(&priv->mr, block, sizeof(block));
	priv->mr_updates += 5;
	ret = 0;
out_unlock_mr:
	epc_unlock_exclusive(&secs_page->mr_lock);
out_unlock:
	epc_unlock_shared(&page->lock);
	return ret;
}

/**
 * encls_eextend() - ENCLS[EEXTEND]: extend MRENCLAVE with a 256-byte chunk.
 * @lp: logical processor executing the leaf
 * @secs: the enclave's SECS (RBX)
 * @addr: 256-byte aligned chunk of a REG or TCS page of that enclave (RCX)
 *
 * Context: takes the EPCM lock of the page (shared) and the enclave's
 * MRENCLAVE; never waits.
 * Return: 0, or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int encls_eextend(struct lp *lp, void *secs, void *addr)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	leaf_begin(lp->plat);
	ret = eextend(lp, secs, addr);
	return leaf_end(lp->plat, ret);
}
