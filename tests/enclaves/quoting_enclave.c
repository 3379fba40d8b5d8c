// SPDX-License-Identifier: MIT
/*
 * sgxemu's quoting enclave (QE).  It owns an ECDSA P-256 attestation key:
 * NEW_KEY generates one, seals it to this enclave (EGETKEY(SEAL) with the
 * MRENCLAVE policy) and makes a REPORT for the PCE whose REPORTDATA is
 * SHA-256(public key || authentication data), which the PCE signs with the
 * PCK.  QUOTE checks an application enclave's REPORT with EGETKEY(REPORT),
 * unseals the key and signs a DCAP version 3 quote (<sgxemu/quote.h>).
 * Its SIGSTRUCT asks for PROVISIONKEY, which the PCE requires.
 * Freestanding; the calls are in <sgxemu/qe.h>.
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

/* The sealed key; the MAC covers everything before it. */
struct qe_blob {
	u8 magic[8];
	u16 isvsvn;             /* the seal key's KEYREQUEST */
	u8 reserved[6];
	u8 cpusvn[16];
	u8 keyid[32];
	u8 iv[16];
	u8 pub[64];
	u8 qe_id[16];
	u8 auth[SGXEMU_QUOTE_AUTH_DATA_SIZE];
	u8 priv[32];            /* AES-128-CTR */
	u8 mac[16];
};
_Static_assert(sizeof(struct qe_blob) == sizeof(struct sgxemu_qe_blob), "blob size");

static const u8 blob_magic[8] = { 'S', 'G', 'X', 'E', 'M', 'U', 'Q', '1' };

void encl_body(struct sgxemu_qe_call *req, u64 cssa, u64 base, u64 tcs);

/* The seal key of @b's KEYREQUEST, split into an encryption and a MAC key. */
static int seal_keys(const struct qe_blob *b, u8 kenc[16], u8 kmac[16])
{
	static const char enc[] = "sgxemu QE seal: encrypt", mac[] = "sgxemu QE seal: MAC";
	struct sgx_keyrequest kr;
	u8 key[16];

	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEYNAME_SEAL;
	kr.keypolicy = SGX_KEYPOLICY_MRENCLAVE;
	kr.isvsvn = b->isvsvn;
	memcpy(kr.cpusvn, b->cpusvn, 16);
	kr.attributemask.flags = ~0ULL;
	memcpy(kr.keyid, b->keyid, sizeof(kr.keyid));
	kr.miscmask = ~0U;
	if (qe_egetkey(&kr, key))
		return -1;
	cmac(key, (const u8 *)enc, sizeof(enc), kenc);
	cmac(key, (const u8 *)mac, sizeof(mac), kmac);
	memset(key, 0, sizeof(key));
	return 0;
}

/* AES-128-CTR over the 32-byte private key (encrypts and decrypts). */
static void ctr32(const u8 key[16], const u8 iv[16], const u8 in[32], u8 out[32])
{
	struct aes a;
	u8 block[16], ks[16];
	unsigned int i, j;

	aes_init(&a, key);
	for (i = 0; i < 2; i++) {
		memcpy(block, iv, 16);
		block[15] ^= (u8)i;
		aes_block(&a, block, ks);
		for (j = 0; j < 16; j++)
			out[16 * i + j] = in[16 * i + j] ^ ks[j];
	}
	memset(&a, 0, sizeof(a));
	memset(ks, 0, sizeof(ks));
}

/* The QE ID: from the MRSIGNER seal key at SVNs zero, stable per platform. */
static int qe_id_derive(u8 id[16])
{
	static const char label[] = "sgxemu QE ID";
	struct sgx_keyrequest kr;
	u8 key[16], h[32];
	struct sha256 s;

	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEYNAME_SEAL;
	kr.keypolicy = SGX_KEYPOLICY_MRSIGNER;
	kr.attributemask.flags = ~0ULL;
	kr.miscmask = ~0U;
	if (qe_egetkey(&kr, key))
		return -1;
	sha256_init(&s);
	sha256_update(&s, key, sizeof(key));
	sha256_update(&s, label, sizeof(label));
	sha256_final(&s, h);
	memcpy(id, h, 16);
	memset(key, 0, sizeof(key));
	return 0;
}

/* REPORTDATA of the QE's REPORT: SHA-256(public key || auth data) || zeros. */
static void binding(const struct qe_blob *b, u8 data[64])
{
	struct sha256 s;

	memset(data, 0, 64);
	sha256_init(&s);
	sha256_update(&s, b->pub, sizeof(b->pub));
	sha256_update(&s, b->auth, sizeof(b->auth));
	sha256_final(&s, data);
}

static u64 qe_new_key(struct sgxemu_qe_call *c, const struct sgx_report *self)
{
	static struct qe_blob b;
	struct sgx_targetinfo ti;
	struct sgx_report rep;
	u8 d[32], kenc[16], kmac[16], data[64];
	unsigned int i;

	memset(&b, 0, sizeof(b));
	do
		qe_random(d, sizeof(d));
	while (p256_public_key(d, b.pub));
	memcpy(b.magic, blob_magic, sizeof(b.magic));
	b.isvsvn = self->isvsvn;
	memcpy(b.cpusvn, self->cpusvn, 16);
	qe_random(b.keyid, sizeof(b.keyid));
	qe_random(b.iv, sizeof(b.iv));
	/* Intel's reference QE uses the bytes 0..31; so do we. */
	for (i = 0; i < sizeof(b.auth); i++)
		b.auth[i] = (u8)i;
	if (qe_id_derive(b.qe_id) || seal_keys(&b, kenc, kmac)) {
		memset(d, 0, sizeof(d));
		return SGXEMU_QE_KEY_FAILED;
	}
	ctr32(kenc, b.iv, d, b.priv);
	cmac(kmac, (const u8 *)&b, offsetof(struct qe_blob, mac), b.mac);
	memset(d, 0, sizeof(d));
	memset(kenc, 0, sizeof(kenc));
	memset(kmac, 0, sizeof(kmac));
	memcpy(&c->blob, &b, sizeof(b));
	memcpy(&ti, c->targetinfo, sizeof(ti));
	binding(&b, data);
	qe_ereport(&ti, data, &rep);
	memcpy(c->out_report, &rep, sizeof(rep));
	return SGXEMU_QE_OK;
}

/* Check and unseal @c's blob into @b and the private key @d. */
static u64 unseal(const struct sgxemu_qe_call *c, struct qe_blob *b, u8 d[32])
{
	u8 kenc[16], kmac[16], mac[16];

	memcpy(b, &c->blob, sizeof(*b));
	if (!qe_equal(b->magic, blob_magic, sizeof(b->magic)) || seal_keys(b, kenc, kmac))
		return SGXEMU_QE_BAD_BLOB;
	cmac(kmac, (const u8 *)b, offsetof(struct qe_blob, mac), mac);
	if (!qe_equal(mac, b->mac, 16))
		return SGXEMU_QE_BAD_BLOB;
	/* The MAC covers the public key and the encrypted private key, so
	 * the pair is the one NEW_KEY made. */
	ctr32(kenc, b->iv, b->priv, d);
	memset(kenc, 0, sizeof(kenc));
	return SGXEMU_QE_OK;
}

static u64 qe_quote(struct sgxemu_qe_call *c, const struct sgx_report *self)
{
	static const u8 vendor[16] = SGXEMU_QUOTE_VENDOR_ID;
	static struct qe_blob b;
	static u8 q[SGXEMU_QE_MAX_QUOTE];
	struct sgxemu_quote_header h;
	struct sgxemu_quote_ecdsa_sig sig;
	struct sgx_report rep;
	u8 d[32], hash[32], data[64];
	u16 auth_size = SGXEMU_QUOTE_AUTH_DATA_SIZE, cert_type = SGXEMU_QUOTE_CERT_PCK_CHAIN;
	u32 len, sig_len;
	u64 ret;

	memcpy(&rep, c->report, sizeof(rep));
	if (!qe_report_valid(&rep))
		return SGXEMU_QE_INVALID_REPORT;
	if (c->certs_len > SGXEMU_QE_MAX_CERTS)
		return SGXEMU_QE_BAD_OP;
	ret = unseal(c, &b, d);
	if (ret)
		goto out;
	/* The certification must be of this key: else the host recertifies. */
	binding(&b, data);
	if (!qe_equal(data, c->qe_report_body.reportdata, 64)) {
		ret = SGXEMU_QE_BAD_BLOB;
		goto out;
	}
	memset(&h, 0, sizeof(h));
	h.version = SGXEMU_QUOTE_VERSION;
	h.att_key_type = SGXEMU_QUOTE_ATT_KEY_ECDSA_P256;
	h.qe_svn = self->isvsvn;
	h.pce_svn = c->pce_svn;
	memcpy(h.vendor_id, vendor, sizeof(vendor));
	memcpy(h.user_data, b.qe_id, sizeof(b.qe_id));
	memset(q, 0, sizeof(q));
	memcpy(q, &h, sizeof(h));
	memcpy(q + SGXEMU_QUOTE_BODY_OFFSET, &rep, SGX_REPORT_BODY_LEN);
	sha256(q, SGXEMU_QUOTE_SIG_LEN_OFFSET, hash);
	memset(&sig, 0, sizeof(sig));
	if (qe_sign(d, hash, sig.sig)) {
		ret = SGXEMU_QE_CRYPTO_FAILED;
		goto out;
	}
	memcpy(sig.attest_pub_key, b.pub, sizeof(b.pub));
	sig.qe_report = c->qe_report_body;
	memcpy(sig.qe_report_sig, c->qe_report_sig, sizeof(sig.qe_report_sig));
	memcpy(q + SGXEMU_QUOTE_SIG_OFFSET, &sig, sizeof(sig));
	memcpy(q + SGXEMU_QUOTE_AUTH_OFFSET, &auth_size, 2);
	memcpy(q + SGXEMU_QUOTE_AUTH_OFFSET + 2, b.auth, sizeof(b.auth));
	/* The certification data: not signed, so the host could have added
	 * it, but a REPORT for the application covers the whole quote. */
	memcpy(q + SGXEMU_QUOTE_SIGNED_PART, &cert_type, 2);
	memcpy(q + SGXEMU_QUOTE_SIGNED_PART + 2, &c->certs_len, 4);
	memcpy(q + SGXEMU_QUOTE_SIGNED_PART + 6, c->certs, c->certs_len);
	len = SGXEMU_QUOTE_SIGNED_PART + 6 + c->certs_len;
	sig_len = len - SGXEMU_QUOTE_SIG_OFFSET;
	memcpy(q + SGXEMU_QUOTE_SIG_LEN_OFFSET, &sig_len, 4);
	memcpy(c->quote, q, len);
	c->quote_len = len;
	if (c->want_report) {
		struct sgx_targetinfo ti;
		struct sha256 s;

		memset(data, 0, sizeof(data));
		sha256_init(&s);
		sha256_update(&s, c->nonce, sizeof(c->nonce));
		sha256_update(&s, q, len);
		sha256_final(&s, data);
		memcpy(&ti, c->targetinfo, sizeof(ti));
		qe_ereport(&ti, data, &rep);
		memcpy(c->out_report, &rep, sizeof(rep));
	}
out:
	memset(d, 0, sizeof(d));
	memset(&b, 0, sizeof(b));
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
	c.quote_len = 0;
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
	case SGXEMU_QE_OP_NEW_KEY:
		status = qe_new_key(&c, &self);
		break;
	case SGXEMU_QE_OP_QUOTE:
		status = qe_quote(&c, &self);
		break;
	default:
		status = SGXEMU_QE_BAD_OP;
		break;
	}
	memcpy(req->out_report, c.out_report, sizeof(c.out_report));
	memcpy(&req->blob, &c.blob, sizeof(c.blob));
	if (c.quote_len <= sizeof(c.quote))
		memcpy(req->quote, c.quote, c.quote_len);
	req->quote_len = c.quote_len;
	req->status = status;
	memset(&c, 0, sizeof(c));
}
