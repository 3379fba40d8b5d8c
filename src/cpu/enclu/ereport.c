// SPDX-License-Identifier: MIT
/* ENCLU[EREPORT]: a report for another enclave on this platform (SDM "EREPORT"). */
#include <string.h>

#include "cpu/crypto.h"
#include "cpu/enclu/enclu.h"
#include "cpu/keys.h"
#include "cpu/leaf.h"
#include "cpu/secs.h"

void enclu_report_key(const struct platform *plat, const struct sgx_targetinfo *ti,
		      const u8 keyid[SGX_KEYID_SIZE], u8 key[16])
{
	struct key_deps deps = { 0 };

	/* SDM EREPORT: the target's REPORT key depends on its MRENCLAVE,
	 * ATTRIBUTES, MISCSELECT, CONFIGID/CONFIGSVN, and on OWNEREPOCH,
	 * CPUSVN, KEYID and the seal fuses. */
	deps.keyname = SGX_KEYNAME_REPORT;
	deps.configsvn = ti->configsvn;
	memcpy(deps.owner_epoch, plat->secrets.owner_epoch, 16);
	deps.attributes = ti->attributes;
	memcpy(deps.mrenclave, ti->measurement, SGX_HASH_SIZE);
	memcpy(deps.keyid, keyid, SGX_KEYID_SIZE);
	memcpy(deps.seal_fuses, plat->secrets.seal_root, 16);
	memcpy(deps.cpusvn, plat->cfg.cpusvn, SGX_CPUSVN_SIZE);
	memcpy(deps.padding, crypto_pkcs1_sha256_prefix, sizeof(deps.padding));
	deps.miscselect = ti->miscselect;
	memcpy(deps.configid, ti->configid, SGX_CONFIGID_SIZE);
	keys_derive(plat, &deps, key);
}

/**
 * enclu_ereport() - ENCLU[EREPORT].
 * @t: the thread's control block, in enclave mode
 * @r: RBX = TARGETINFO (512-aligned), RCX = REPORTDATA (128-aligned),
 *     RDX = the REPORT to write (512-aligned), all inside the enclave
 *
 * Context: enclave mode; async-signal-safe.
 * Return: 0 or ENCLS_FAULT_FLAG | #GP / #PF.
 */
int enclu_ereport(struct tcb *t, struct cpu_regs *r)
{
	const struct sgx_secs *secs = secs_of(t->secs->mem);
	const struct secs_private *priv = secs_private(t->secs->mem);
	struct sgx_targetinfo *ti_p, ti;
	struct sgx_report rep, *out;
	u8 *data, key[16];

	if (!is_aligned(r->rbx, 512) || !is_aligned(r->rcx, 128) || !is_aligned(r->rdx, 512))
		return enclu_raise(t, X86_VEC_GP, 0, 0);
	ti_p = enclu_operand(t, r->rbx, sizeof(ti), false);
	if (!ti_p)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	data = enclu_operand(t, r->rcx, SGX_REPORTDATA_SIZE, false);
	if (!data)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	out = enclu_operand(t, r->rdx, sizeof(*out), true);
	if (!out)
		return ENCLS_FAULT_FLAG | t->fault.vector;
	memcpy(&ti, ti_p, sizeof(ti));
	memset(&rep, 0, sizeof(rep));
	memcpy(rep.cpusvn, t->plat->cfg.cpusvn, SGX_CPUSVN_SIZE);
	rep.miscselect = secs->miscselect;
	memcpy(rep.isvextprodid, priv->isvextprodid, SGX_ISVEXT_SIZE);
	rep.attributes = secs->attributes;
	memcpy(rep.mrenclave, secs->mrenclave, SGX_HASH_SIZE);
	memcpy(rep.mrsigner, secs->mrsigner, SGX_HASH_SIZE);
	memcpy(rep.configid, secs->configid, SGX_CONFIGID_SIZE);
	rep.isvprodid = secs->isvprodid;
	rep.isvsvn = secs->isvsvn;
	rep.configsvn = secs->configsvn;
	memcpy(rep.isvfamilyid, priv->isvfamilyid, SGX_ISVEXT_SIZE);
	memcpy(rep.reportdata, data, SGX_REPORTDATA_SIZE);
	memcpy(rep.keyid, t->plat->report_keyid, SGX_KEYID_SIZE);
	enclu_report_key(t->plat, &ti, rep.keyid, key);
	crypto_aes128_cmac(key, &rep, SGX_REPORT_BODY_LEN, rep.mac);
	memset(key, 0, sizeof(key));
	memcpy(out, &rep, sizeof(rep));
	return 0;
}
