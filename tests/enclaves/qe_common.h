/* SPDX-License-Identifier: MIT */
/*
 * What sgxemu's PCE and QE share: the ENCLU leaves they use, randomness,
 * checking a REPORT addressed to the calling enclave, and drawing ECDSA
 * scalars.  Freestanding; include once, after the crypto headers.
 */
#ifndef SGXEMU_TESTS_ENCLAVES_QE_COMMON_H
#define SGXEMU_TESTS_ENCLAVES_QE_COMMON_H

#define ENCLU_EREPORT 0
#define ENCLU_EGETKEY 1

static u64 qe_enclu(u64 leaf, u64 rbx, u64 rcx, u64 rdx)
{
	__asm__ volatile("enclu" : "+a"(leaf), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory", "cc");
	return leaf;
}

static u64 qe_rdrand(void)
{
	unsigned long long v;

	while (!__builtin_ia32_rdrand64_step(&v))
		;
	return v;
}

static void qe_random(u8 *buf, unsigned int len)
{
	while (len) {
		u64 r = qe_rdrand();
		unsigned int n = len < 8 ? len : 8;

		memcpy(buf, &r, n);
		buf += n, len -= n;
	}
}

/* EREPORT of this enclave for @ti (NULL: for nobody, to read its own body). */
static void qe_ereport(const struct sgx_targetinfo *ti, const u8 data[64], struct sgx_report *out)
{
	static struct sgx_targetinfo t __attribute__((aligned(512)));
	static u8 d[64] __attribute__((aligned(128)));
	static struct sgx_report r __attribute__((aligned(512)));

	if (ti)
		memcpy(&t, ti, sizeof(t));
	else
		memset(&t, 0, sizeof(t));
	if (data)
		memcpy(d, data, sizeof(d));
	else
		memset(d, 0, sizeof(d));
	qe_enclu(ENCLU_EREPORT, (u64)(uintptr_t)&t, (u64)(uintptr_t)d, (u64)(uintptr_t)&r);
	memcpy(out, &r, sizeof(r));
}

/* EGETKEY; 0 or the SGX status. */
static u64 qe_egetkey(const struct sgx_keyrequest *kr, u8 key[16])
{
	static struct sgx_keyrequest k __attribute__((aligned(512)));
	static u8 out[16] __attribute__((aligned(16)));
	u64 ret;

	memcpy(&k, kr, sizeof(k));
	ret = qe_enclu(ENCLU_EGETKEY, (u64)(uintptr_t)&k, (u64)(uintptr_t)out, 0);
	memcpy(key, out, 16);
	memset(out, 0, sizeof(out));
	return ret;
}

/* Equal in constant time. */
static int qe_equal(const u8 *a, const u8 *b, unsigned int len)
{
	u8 diff = 0;

	while (len--)
		diff |= *a++ ^ *b++;
	return diff == 0;
}

/*
 * Does @rep, a REPORT for this enclave, carry a valid MAC?  The REPORT key
 * is the one EREPORT derived for us with the KEYID the REPORT names.
 */
static int qe_report_valid(const struct sgx_report *rep)
{
	struct sgx_keyrequest kr;
	u8 key[16], mac[16];
	int ok;

	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEYNAME_REPORT;
	memcpy(kr.keyid, rep->keyid, sizeof(kr.keyid));
	if (qe_egetkey(&kr, key))
		return 0;
	cmac(key, (const u8 *)rep, SGX_REPORT_BODY_LEN, mac);
	memset(key, 0, sizeof(key));
	ok = qe_equal(mac, rep->mac, 16);
	return ok;
}

/*
 * Sign @hash with private key @d: the per-signature scalar hashes fresh
 * RDRAND output with the key and the digest, so a weak RDRAND alone does
 * not expose the key.
 */
static int qe_sign(const u8 d[32], const u8 hash[32], u8 sig[64])
{
	u8 seed[32], k[32];
	struct sha256 s;
	u32 ctr;
	int ret = -1;

	for (ctr = 0; ctr < 16 && ret; ctr++) {
		qe_random(seed, sizeof(seed));
		sha256_init(&s);
		sha256_update(&s, seed, sizeof(seed));
		sha256_update(&s, d, 32);
		sha256_update(&s, hash, 32);
		sha256_update(&s, &ctr, sizeof(ctr));
		sha256_final(&s, k);
		ret = p256_ecdsa_sign(d, hash, k, sig);
	}
	memset(k, 0, sizeof(k));
	memset(seed, 0, sizeof(seed));
	return ret;
}

#endif
