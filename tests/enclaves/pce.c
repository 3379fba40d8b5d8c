// SPDX-License-Identifier: MIT
/*
 * sgxemu's provisioning certification enclave (PCE).  Its SIGSTRUCT asks
 * for PROVISIONKEY, so EGETKEY gives it the platform's provisioning key,
 * which depends on the platform's provisioning secret, this enclave's
 * signer and SVNs and the CPUSVN, and on nothing an owner can change.
 * From it the PCE derives the platform's PCK (provisioning certification
 * key, ECDSA P-256) and its PPID, and with the PCK it signs the REPORT
 * bodies of quoting enclaves.  The PCK certificate for its public key is
 * issued outside, by the machine's CA (src/dcap/pck.c).
 *
 * Only enclaves with ATTRIBUTES.PROVISIONKEY are certified, as Intel's PCE
 * does: that attribute is what the platform's owner grants through
 * /dev/sgx_provision.  Freestanding; the calls are in <sgxemu/qe.h>.
 */
#include <stddef.h>

#include "arch/sgx_arch.h"
#include "enclave.h"
#include "sgxemu/qe.h"

#pragma GCC visibility push(hidden)

void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);

#include "aes_cmac.h"
#include "p256.h"
#include "sha256.h"
#include "qe_common.h"

#define PCE_ID 0

void encl_body(struct sgxemu_qe_call *req, u64 cssa, u64 base, u64 tcs);

/* The provisioning key for @cpusvn and @isvsvn. */
static int provision_key(const u8 cpusvn[16], u16 isvsvn, u8 key[16])
{
	struct sgx_keyrequest kr;

	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEYNAME_PROVISION;
	kr.isvsvn = isvsvn;
	memcpy(kr.cpusvn, cpusvn, 16);
	kr.attributemask.flags = ~0ULL;
	kr.miscmask = ~0U;
	return qe_egetkey(&kr, key) ? -1 : 0;
}

/*
 * The PCK of this TCB (@self's CPUSVN and ISVSVN): the first SHA-256 of
 * the provisioning key, a label and a counter that is a valid scalar.
 */
static int pck_derive(const struct sgx_report *self, u8 d[32], u8 pub[64])
{
	static const char label[] = "sgxemu PCK";
	struct sha256 s;
	u8 key[16];
	u32 ctr;
	int ret = -1;

	if (provision_key(self->cpusvn, self->isvsvn, key))
		return -1;
	for (ctr = 0; ctr < 16 && ret; ctr++) {
		sha256_init(&s);
		sha256_update(&s, key, sizeof(key));
		sha256_update(&s, label, sizeof(label));
		sha256_update(&s, &ctr, sizeof(ctr));
		sha256_final(&s, d);
		ret = p256_public_key(d, pub);
	}
	memset(key, 0, sizeof(key));
	memset(&s, 0, sizeof(s));
	return ret;
}

/* The PPID: from the provisioning key at SVNs zero, so a TCB update keeps it. */
static int ppid_derive(u8 ppid[16])
{
	static const char label[] = "sgxemu PPID";
	static const u8 zero[16];
	u8 key[16], h[32];
	struct sha256 s;

	if (provision_key(zero, 0, key))
		return -1;
	sha256_init(&s);
	sha256_update(&s, key, sizeof(key));
	sha256_update(&s, label, sizeof(label));
	sha256_final(&s, h);
	memcpy(ppid, h, 16);
	memset(key, 0, sizeof(key));
	return 0;
}

static u64 pce_info(struct sgxemu_qe_call *c, const struct sgx_report *self)
{
	u8 d[32];

	if (pck_derive(self, d, c->pck_pub) || ppid_derive(c->ppid))
		return SGXEMU_QE_KEY_FAILED;
	memset(d, 0, sizeof(d));
	memcpy(c->cpusvn, self->cpusvn, 16);
	c->pce_svn = self->isvsvn;
	c->pce_id = PCE_ID;
	return SGXEMU_QE_OK;
}

static u64 pce_certify(struct sgxemu_qe_call *c, const struct sgx_report *self)
{
	struct sgx_report rep;
	u8 d[32], h[32];
	u64 ret = SGXEMU_QE_OK;

	memcpy(&rep, c->report, sizeof(rep));
	if (!qe_report_valid(&rep))
		return SGXEMU_QE_INVALID_REPORT;
	if (!(rep.attributes.flags & SGX_ATTR_PROVISIONKEY))
		return SGXEMU_QE_NOT_PRIVILEGED;
	if (pck_derive(self, d, c->pck_pub))
		return SGXEMU_QE_KEY_FAILED;
	sha256(&rep, SGX_REPORT_BODY_LEN, h);
	if (qe_sign(d, h, c->signature))
		ret = SGXEMU_QE_CRYPTO_FAILED;
	memset(d, 0, sizeof(d));
	memcpy(c->cpusvn, self->cpusvn, 16);
	c->pce_svn = self->isvsvn;
	c->pce_id = PCE_ID;
	return ret;
}

void encl_body(struct sgxemu_qe_call *req, u64 cssa, u64 base, u64 tcs)
{
	static struct sgxemu_qe_call c;
	static struct sgx_report self;
	static bool have_self;
	u64 status;

	(void)base;
	(void)tcs;
	if (cssa)
		return;
	/* Read the call once: the host may change it under us. */
	memcpy(&c, req, sizeof(c));
	/* Its own identity and the CPUSVN do not change while it lives. */
	if (!have_self) {
		qe_ereport(NULL, NULL, &self);
		have_self = true;
	}
	switch (c.op) {
	case SGXEMU_QE_OP_REPORT:
		memcpy(c.out_report, &self, sizeof(self));
		status = SGXEMU_QE_OK;
		break;
	case SGXEMU_PCE_OP_INFO:
		status = pce_info(&c, &self);
		break;
	case SGXEMU_PCE_OP_CERTIFY:
		status = pce_certify(&c, &self);
		break;
	default:
		status = SGXEMU_QE_BAD_OP;
		break;
	}
	memcpy(req->out_report, c.out_report, sizeof(c.out_report));
	memcpy(req->ppid, c.ppid, sizeof(c.ppid));
	memcpy(req->pck_pub, c.pck_pub, sizeof(c.pck_pub));
	memcpy(req->cpusvn, c.cpusvn, sizeof(c.cpusvn));
	memcpy(req->signature, c.signature, sizeof(c.signature));
	req->pce_svn = c.pce_svn;
	req->pce_id = c.pce_id;
	req->status = status;
	memset(&c, 0, sizeof(c));
}
