// SPDX-License-Identifier: MIT
/* ENCLU[EGETKEY]: derive one of the enclave's keys (SDM "EGETKEY"). */
#include <string.h>

#include "cpu/crypto.h"
#include "cpu/enclu/enclu.h"
#include "cpu/keys.h"
#include "cpu/leaf.h"
#include "cpu/secs.h"

/* Policy-selected identities, shared by SEAL and PROVISION_SEAL. */
static void policy_ids(struct key_deps *d, const struct sgx_keyrequest *kr,
		       const struct sgx_secs *secs, const struct secs_private *priv)
{
	if (kr->keypolicy & SGX_KEYPOLICY_MRENCLAVE)
		memcpy(d->mrenclave, secs->mrenclave, SGX_HASH_SIZE);
	if (kr->keypolicy & SGX_KEYPOLICY_MRSIGNER)
		memcpy(d->mrsigner, secs->mrsigner, SGX_HASH_SIZE);
	if (kr->keypolicy & SGX_KEYPOLICY_CONFIGID) {
		memcpy(d->configid, secs->configid, SGX_CONFIGID_SIZE);
		d->configsvn = kr->configsvn;
	}
	if (kr->keypolicy & SGX_KEYPOLICY_ISVFAMILYID)
		memcpy(d->isvfamilyid, priv->isvfamilyid, SGX_ISVEXT_SIZE);
	if (kr->keypolicy & SGX_KEYPOLICY_ISVEXTPRODID)
		memcpy(d->isvextprodid, priv->isvextprodid, SGX_ISVEXT_SIZE);
}

/* The SVN gates: a key for a CPUSVN or ISVSVN above the current ones does
 * not exist yet. */
static int svn_gate(const struct platform *plat, const struct sgx_keyrequest *kr,
		    const struct sgx_secs *secs, bool configsvn)
{
	if (!cpusvn_le(kr->cpusvn, plat->cfg.cpusvn))
		return SGX_INVALID_CPUSVN;
	if (kr->isvsvn > secs->isvsvn)
		return SGX_INVALID_ISVSVN;
	if (configsvn && kr->configsvn > secs->configsvn)
		return SGX_INVALID_ISVSVN;
	return 0;
}

/* Fill @d for KEYREQUEST @kr from the current enclave; 0 or an SGX status. */
static int key_deps_for(struct tcb *t, const struct sgx_keyrequest *kr, struct key_deps *d)
{
	const struct platform *plat = t->plat;
	const struct sgx_secs *secs = secs_of(t->secs->mem);
	const struct secs_private *priv = secs_private(t->secs->mem);
	/* SDM: TMP_ATTRIBUTES = (ATTRIBUTEMASK | 0x3) & SECS.ATTRIBUTES. */
	struct sgx_attributes attr = {
		.flags = (kr->attributemask.flags | SGX_ATTR_INIT | SGX_ATTR_DEBUG) &
			 secs->attributes.flags,
		.xfrm = kr->attributemask.xfrm & secs->attributes.xfrm,
	};
	u32 misc = kr->miscmask & secs->miscselect;
	int ret;

	memset(d, 0, sizeof(*d));
	d->keyname = kr->keyname;
	switch (kr->keyname) {
	case SGX_KEYNAME_SEAL:
		ret = svn_gate(plat, kr, secs, true);
		if (ret)
			return ret;
		d->keypolicy = kr->keypolicy;
		policy_ids(d, kr, secs, priv);
		if (!(kr->keypolicy & SGX_KEYPOLICY_NOISVPRODID))
			d->isvprodid = secs->isvprodid;
		d->isvsvn = kr->isvsvn;
		memcpy(d->owner_epoch, plat->secrets.owner_epoch, 16);
		d->attributes = attr;
		d->attributemask = kr->attributemask;
		memcpy(d->keyid, kr->keyid, SGX_KEYID_SIZE);
		memcpy(d->seal_fuses, plat->secrets.seal_root, 16);
		memcpy(d->cpusvn, kr->cpusvn, SGX_CPUSVN_SIZE);
		memcpy(d->padding, priv->padding, sizeof(d->padding));
		d->miscselect = misc;
		d->miscmask = ~kr->miscmask;
		return 0;
	case SGX_KEYNAME_REPORT:
		d->configsvn = secs->configsvn;
		memcpy(d->owner_epoch, plat->secrets.owner_epoch, 16);
		d->attributes = secs->attributes;
		memcpy(d->mrenclave, secs->mrenclave, SGX_HASH_SIZE);
		memcpy(d->keyid, kr->keyid, SGX_KEYID_SIZE);
		memcpy(d->seal_fuses, plat->secrets.seal_root, 16);
		memcpy(d->cpusvn, plat->cfg.cpusvn, SGX_CPUSVN_SIZE);
		memcpy(d->padding, crypto_pkcs1_sha256_prefix, sizeof(d->padding));
		d->miscselect = secs->miscselect;
		memcpy(d->configid, secs->configid, SGX_CONFIGID_SIZE);
		return 0;
	case SGX_KEYNAME_EINITTOKEN:
		if (!(secs->attributes.flags & SGX_ATTR_EINITTOKENKEY))
			return SGX_INVALID_ATTRIBUTE;
		ret = svn_gate(plat, kr, secs, false);
		if (ret)
			return ret;
		d->isvprodid = secs->isvprodid;
		d->isvsvn = kr->isvsvn;
		memcpy(d->owner_epoch, plat->secrets.owner_epoch, 16);
		d->attributes = attr;
		memcpy(d->mrsigner, secs->mrsigner, SGX_HASH_SIZE);
		memcpy(d->keyid, kr->keyid, SGX_KEYID_SIZE);
		memcpy(d->seal_fuses, plat->secrets.seal_root, 16);
		memcpy(d->cpusvn, kr->cpusvn, SGX_CPUSVN_SIZE);
		memcpy(d->padding, priv->padding, sizeof(d->padding));
		d->miscselect = misc;
		return 0;
	case SGX_KEYNAME_PROVISION:
	case SGX_KEYNAME_PROVISION_SEAL:
		if (!(secs->attributes.flags & SGX_ATTR_PROVISIONKEY))
			return SGX_INVALID_ATTRIBUTE;
		ret = svn_gate(plat, kr, secs, kr->keyname == SGX_KEYNAME_PROVISION_SEAL);
		if (ret)
			return ret;
		d->isvprodid = secs->isvprodid;
		d->isvsvn = kr->isvsvn;
		d->attributes = attr;
		d->attributemask = kr->attributemask;
		memcpy(d->mrsigner, secs->mrsigner, SGX_HASH_SIZE);
		memcpy(d->cpusvn, kr->cpusvn, SGX_CPUSVN_SIZE);
		memcpy(d->padding, priv->padding, sizeof(d->padding));
		d->miscselect = misc;
		d->miscmask = ~kr->miscmask;
		/* The provisioning key is the same for every owner of the
		 * platform; PROVISION_SEAL adds the seal fuses and the policy. */
		if (kr->keyname == SGX_KEYNAME_PROVISION_SEAL) {
			u8 mrsigner[SGX_HASH_SIZE];

			memcpy(mrsigner, d->mrsigner, sizeof(mrsigner));
			d->keypolicy = kr->keypolicy;
			policy_ids(d, kr, secs, priv);
			memcpy(d->mrsigner, mrsigner, sizeof(mrsigner));
			memcpy(d->seal_fuses, plat->secrets.seal_root, 16);
		}
		return 0;
	default:
		return SGX_INVALID_KEYNAME;
	}
}

/**
 * enclu_egetkey() - ENCLU[EGETKEY].
 * @t: the thread's control block, in enclave mode
 * @r: RBX = KEYREQUEST (512-aligned), RCX = the 16-byte key (16-aligned),
 *     both inside the enclave
 *
 * Context: enclave mode; async-signal-safe.
 * Return: 0, SGX_INVALID_ATTRIBUTE, SGX_INVALID_CPUSVN, SGX_INVALID_ISVSVN,
 * SGX_INVALID_KEYNAME, or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int enclu_egetkey(struct tcb *t, struct cpu_regs *r)
{
	const struct sgx_secs *secs = secs_of(t->secs->mem);
	struct sgx_keyrequest *kr_p, kr;
	struct key_deps deps;
	u8 *out, key[16];
	int ret;

	if (!is_aligned(r->rbx, 512) || !is_aligned(r->rcx, 16))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	kr_p = enclu_operand(t, r->rbx, sizeof(kr), false);
	if (!kr_p)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	out = enclu_operand(t, r->rcx, 16, true);
	if (!out)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	memcpy(&kr, kr_p, sizeof(kr));
	/* Reserved fields and policy bits must be zero; the KSS policies and
	 * CONFIGSVN need KSS. */
	if (kr.reserved1 || !mem_is_zero(kr.reserved2, sizeof(kr.reserved2)) ||
	    (kr.keypolicy & SGX_KEYPOLICY_RESERVED_MASK))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	if (!(secs->attributes.flags & SGX_ATTR_KSS) &&
	    ((kr.keypolicy & SGX_KEYPOLICY_KSS_MASK) || kr.configsvn))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	ret = key_deps_for(t, &kr, &deps);
	if (ret)
		return ret;
	keys_derive(t->plat, &deps, key);
	memcpy(out, key, sizeof(key));
	memset(key, 0, sizeof(key));
	memset(&deps, 0, sizeof(deps));
	return 0;
}
