// SPDX-License-Identifier: MIT
/*
 * ENCLS[EINIT]: verify SIGSTRUCT and EINITTOKEN and initialize the enclave
 * (SDM "EINIT").  The checks run in the SDM's order; the comments number
 * them as doc/sdm-map.md does.
 */
#include <string.h>

#include "cpu/keys.h"
#include "cpu/leaf.h"
#include "cpu/secs.h"
#include "cpu/sigstruct.h"

static bool token_reserved_zero(const struct sgx_einittoken *t)
{
	return !(t->valid & ~1U) && mem_is_zero(t->reserved1, sizeof(t->reserved1)) &&
	       mem_is_zero(t->reserved2, sizeof(t->reserved2)) &&
	       mem_is_zero(t->reserved3, sizeof(t->reserved3)) &&
	       mem_is_zero(t->reserved4, sizeof(t->reserved4));
}

static int einit(struct lp *lp, struct sgx_sigstruct *sig_addr, void *secs_addr,
		 struct sgx_einittoken *token_addr)
{
	struct platform *plat = lp->plat;
	struct sgx_sigstruct sig;
	struct sgx_einittoken token;
	struct epc_page *page;
	struct sgx_secs *secs;
	struct secs_private *priv;
	struct sigstruct_verdict v;
	struct crypto_sha256 mr;
	u8 mrenclave[32], lehash[32], key[16], mac[16];
	int ret;

	/* 1: operand alignment and the SECS in the EPC. */
	if (!ptr_aligned(sig_addr, SGX_PAGE_SIZE) || !ptr_aligned(secs_addr, SGX_PAGE_SIZE) ||
	    !ptr_aligned(token_addr, 512))
		return lp_gp(lp);
	page = epc_page_at(plat, secs_addr);
	if (!page)
		return lp_pf(lp, secs_addr, true);
	leaf_read_nonenclave(plat, &sig, sig_addr, sizeof(sig));
	leaf_read_nonenclave(plat, &token, token_addr, sizeof(token));

	/* 2: SIGSTRUCT header constants, vendor, exponent, reserved space.
	 * The RSA work is done here too, but only judged at step 4. */
	if (sigstruct_verify(&sig, &v))
		return lp_raise(lp, X86_VEC_MC, 0, 0);
	if (!v.header_ok)
		return SGX_INVALID_SIG_STRUCT;
	/* 3: EINIT is interruptible; a pending event ends it early. */
	if (lp->pending_event) {
		lp->pending_event = false;
		return SGX_UNMASKED_EVENT;
	}
	/* 4: the signature, with Q1 and Q2. */
	if (!v.signature_ok || !v.q1_ok || !v.q2_ok)
		return SGX_INVALID_SIGNATURE;

	/* 5: the SECS: exclusive, valid, not yet initialized. */
	if (!epc_trylock_exclusive(&page->lock))
		return lp_gp(lp);
	if (!page->epcm.valid || page->epcm.pt != SGX_PT_SECS) {
		ret = lp_pf(lp, secs_addr, true);
		goto out_unlock;
	}
	if (!epc_trylock_exclusive(&page->mr_lock)) {
		ret = lp_gp(lp);
		goto out_unlock;
	}
	secs = secs_of(page->mem);
	priv = secs_private(page->mem);
	if (secs->attributes.flags & SGX_ATTR_INIT) {
		ret = lp_gp(lp);
		goto out_unlock_mr;
	}
	/* 6: KSS identities need the KSS attribute. */
	if (!(secs->attributes.flags & SGX_ATTR_KSS) &&
	    (!mem_is_zero(sig.isvfamilyid, sizeof(sig.isvfamilyid)) ||
	     !mem_is_zero(sig.isvextprodid, sizeof(sig.isvextprodid)))) {
		ret = SGX_INVALID_SIG_STRUCT;
		goto out_unlock_mr;
	}
	/* 7: finish MRENCLAVE on a copy, so a failed EINIT can be retried. */
	mr = priv->mr;
	crypto_sha256_final(&mr, mrenclave);
	if (memcmp(mrenclave, sig.enclavehash, sizeof(mrenclave))) {
		ret = SGX_INVALID_MEASUREMENT;
		goto out_unlock_mr;
	}
	/* 8: MRSIGNER is the hash of the modulus as stored (little-endian). */
	memcpy(lehash, lp->lepubkeyhash, sizeof(lehash));
	/* 9: EINITTOKENKEY is a controlled attribute: only the LE's signer. */
	ret = SGX_INVALID_ATTRIBUTE;
	if ((secs->attributes.flags & SGX_ATTR_EINITTOKENKEY) &&
	    memcmp(v.mrsigner, lehash, sizeof(lehash)))
		goto out_unlock_mr;
	/* 10, 11: attributes and MISCSELECT under SIGSTRUCT's masks. */
	if ((secs->attributes.flags & sig.attributemask.flags) !=
		    (sig.attributes.flags & sig.attributemask.flags) ||
	    (secs->attributes.xfrm & sig.attributemask.xfrm) !=
		    (sig.attributes.xfrm & sig.attributemask.xfrm))
		goto out_unlock_mr;
	if ((secs->miscselect & sig.miscmask) != (sig.miscselect & sig.miscmask))
		goto out_unlock_mr;

	/* 13: without a token, only the signer the LP's hash names may launch. */
	if (!(token.valid & 1)) {
		if (memcmp(v.mrsigner, lehash, sizeof(lehash))) {
			ret = SGX_INVALID_EINITTOKEN;
			goto out_unlock_mr;
		}
		goto commit;
	}
	/* 14: the token path. */
	ret = SGX_INVALID_EINITTOKEN;
	if ((token.maskedattributesle.flags & SGX_ATTR_DEBUG) &&
	    !(secs->attributes.flags & SGX_ATTR_DEBUG))
		goto out_unlock_mr;
	if (!token_reserved_zero(&token))
		goto out_unlock_mr;
	if (!cpusvn_le(token.cpusvnle, plat->cfg.cpusvn)) {
		ret = SGX_INVALID_CPUSVN;
		goto out_unlock_mr;
	}
	platform_einittoken_key(plat, &token, lehash, key);
	crypto_aes128_cmac(key, &token, SGX_EINITTOKEN_MACED_LEN, mac);
	memset(key, 0, sizeof(key));
	if (memcmp(mac, token.mac, sizeof(mac)))
		goto out_unlock_mr;
	if (memcmp(token.mrenclave, mrenclave, 32) || memcmp(token.mrsigner, v.mrsigner, 32)) {
		ret = SGX_INVALID_MEASUREMENT;
		goto out_unlock_mr;
	}
	/* The SDM calls this SGX_INVALID_EINIT_ATTRIBUTE without a number in
	 * its code table; we report SGX_INVALID_ATTRIBUTE (doc/sdm-map.md). */
	if (token.attributes.flags != secs->attributes.flags ||
	    token.attributes.xfrm != secs->attributes.xfrm) {
		ret = SGX_INVALID_ATTRIBUTE;
		goto out_unlock_mr;
	}
commit:
	memcpy(secs->mrenclave, mrenclave, sizeof(mrenclave));
	memcpy(secs->mrsigner, v.mrsigner, sizeof(v.mrsigner));
	secs->isvprodid = sig.isvprodid;
	secs->isvsvn = sig.isvsvn;
	memcpy(priv->isvfamilyid, sig.isvfamilyid, sizeof(priv->isvfamilyid));
	memcpy(priv->isvextprodid, sig.isvextprodid, sizeof(priv->isvextprodid));
	memcpy(priv->padding, v.em, sizeof(priv->padding));
	secs->attributes.flags |= SGX_ATTR_INIT;
	ret = SGX_SUCCESS;
out_unlock_mr:
	epc_unlock_exclusive(&page->mr_lock);
out_unlock:
	epc_unlock_exclusive(&page->lock);
	return ret;
}

/**
 * encls_einit() - ENCLS[EINIT]: make an enclave ready to run.
 * @lp: logical processor executing the leaf; its IA32_SGXLEPUBKEYHASH decides
 *      which signer may launch without a token
 * @sigstruct: 4 KiB-aligned SIGSTRUCT (RBX)
 * @secs: the enclave's SECS (RCX)
 * @token: 512-byte aligned EINITTOKEN (RDX); VALID = 0 means none
 *
 * Context: takes the SECS exclusively; never waits.
 * Return: 0, an SGX status (SGX_INVALID_SIG_STRUCT, SGX_UNMASKED_EVENT,
 * SGX_INVALID_SIGNATURE, SGX_INVALID_MEASUREMENT, SGX_INVALID_ATTRIBUTE,
 * SGX_INVALID_EINITTOKEN, SGX_INVALID_CPUSVN), or ENCLS_FAULT_FLAG | #GP / #PF
 * (or #MC if libcrypto fails).
 */
int encls_einit(struct lp *lp, struct sgx_sigstruct *sigstruct, void *secs,
		struct sgx_einittoken *token)
{
	int ret;

	if (!lp_sgx_enabled(lp))
		return lp_gp(lp);
	/* A guest's EINIT exits to its VMM, which runs it with the guest's
	 * virtual hash MSRs. */
	if (lp->plat->exits.einit)
		return lp->plat->exits.einit(lp->plat->exits.ctx, lp, sigstruct, secs, token);
	leaf_begin(lp->plat);
	ret = einit(lp, sigstruct, secs, token);
	return leaf_end(lp->plat, ret);
}
