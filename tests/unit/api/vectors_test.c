// SPDX-License-Identifier: MIT
/*
 * Known answers from a third party (../shared/vectors, Fortanix rust-sgx):
 * the MRENCLAVE of a real enclave, its SIGSTRUCT's MRSIGNER, and RSA-3072
 * e=3 signatures with Q1/Q2.  Expected values are the ones the vectors'
 * README lists, never computed by our code.
 */
#include <stdlib.h>

#include "api/sgxs.h"
#include "base/file.h"
#include "base/hex.h"
#include "cpu/crypto.h"
#include "cpu/sigstruct.h"
#include "harness.h"

static u8 *slurp(const char *rel, size_t *len)
{
	char path[1024];
	u8 *buf;

	snprintf(path, sizeof(path), "%s/%s", harness_vectors(), rel);
	if (file_read_all(path, 1 << 24, &buf, len))
		harness_fail(__FILE__, __LINE__, "cannot read %s", path);
	return buf;
}

static void assert_hex(const u8 *p, size_t len, const char *want)
{
	char hex[129];

	hex_encode(hex, p, len);
	ASSERT_STREQ(hex, want);
}

TEST(vectors, test_enclave_mrenclave)
{
	char why[256];
	struct sgxs s;
	size_t len;
	u8 *buf = slurp("fortanix-sgx-detect-test-enclave/test_enclave.sgxs", &len);
	u64 i, eadd = 0, eextend = 0, tcs = 0;

	ASSERT_EQ(len, 46720);
	ASSERT_EQ(sgxs_parse(buf, len, &s, why, sizeof(why)), 0);
	assert_hex(s.mrenclave, 32,
		   "784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc");
	/* The stream the README describes: SSAFRAMESIZE 1, SIZE 0x40000,
	 * 9 EADD (one TCS) and 144 EEXTEND. */
	ASSERT_EQ(s.ssaframesize, 1);
	ASSERT_EQ(s.size, 0x40000);
	for (i = 0; i < s.nr_ops; i++) {
		if (s.ops[i].type == SGXS_OP_EADD)
			eadd++;
		else
			eextend++;
	}
	for (i = 0; i < s.nr_pages; i++)
		if ((s.pages[i].secinfo_flags >> 8) == SGX_PT_TCS)
			tcs++;
	ASSERT_EQ(eadd, 9);
	ASSERT_EQ(eextend, 144);
	ASSERT_EQ(tcs, 1);
	sgxs_free(&s);
	free(buf);
}

TEST(vectors, test_enclave_sigstruct)
{
	struct sigstruct_verdict v;
	struct sgx_sigstruct sig;
	size_t len;
	u8 *buf = slurp("fortanix-sgx-detect-test-enclave/test_enclave.sig", &len);

	ASSERT_EQ(len, sizeof(sig));
	memcpy(&sig, buf, sizeof(sig));
	ASSERT_EQ(sigstruct_verify(&sig, &v), 0);
	ASSERT_TRUE(v.header_ok);
	ASSERT_TRUE(v.signature_ok);
	ASSERT_TRUE(v.q1_ok);
	ASSERT_TRUE(v.q2_ok);
	assert_hex(v.mrsigner, 32,
		   "fb4bab3d6036ac1d730fa83d7366df1dd2dfeac194ef335d6854d8a6c6475542");
	assert_hex(sig.enclavehash, 32,
		   "784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc");
	ASSERT_EQ(sig.attributes.flags, 0x4);
	ASSERT_EQ(sig.attributes.xfrm, 0x3);
	ASSERT_EQ(sig.attributemask.flags, 0xfffffffffffffffdULL);
	ASSERT_EQ(sig.attributemask.xfrm, 0xffffffffffffff1bULL);
	ASSERT_EQ(sig.isvprodid, 65535);
	free(buf);
}

/* SHA-256 of the two signed ranges, as the README gives it. */
TEST(vectors, test_enclave_signed_digest)
{
	struct crypto_sha256 ctx;
	size_t len;
	u8 *buf = slurp("fortanix-sgx-detect-test-enclave/test_enclave.sig", &len), d[32];

	crypto_sha256_init(&ctx);
	crypto_sha256_update(&ctx, buf, 128);
	crypto_sha256_update(&ctx, buf + 900, 128);
	crypto_sha256_final(&ctx, d);
	assert_hex(d, 32, "4a106038882a9de40d1d1bcbaadc7973ce0fe41185f340a989ce3bf1afb65b6f");
	free(buf);
}

TEST(vectors, sgxs_tools_sig1)
{
	struct sigstruct_verdict v;
	struct sgx_sigstruct sig;
	size_t len, dlen, slen;
	u8 *buf = slurp("fortanix-sgxs-tools-sig1/sig1.sigstruct.bin", &len);
	u8 *digest = slurp("fortanix-sgxs-tools-sig1/sig1.sigstruct.sha256.bin", &dlen);
	u8 *sig_be = slurp("fortanix-sgxs-tools-sig1/sig1.sigstruct.sha256.sig", &slen);
	struct crypto_sha256 ctx;
	u8 d[32];
	size_t i;

	ASSERT_EQ(len, sizeof(sig));
	memcpy(&sig, buf, sizeof(sig));
	ASSERT_EQ(sigstruct_verify(&sig, &v), 0);
	ASSERT_TRUE(v.header_ok && v.signature_ok && v.q1_ok && v.q2_ok);
	assert_hex(v.mrsigner, 32,
		   "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e");
	assert_hex(sig.enclavehash, 32,
		   "c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d");
	/* The digest over header and body, and the big-endian signature that,
	 * byte-reversed, is SIGSTRUCT.SIGNATURE. */
	crypto_sha256_init(&ctx);
	crypto_sha256_update(&ctx, buf, 128);
	crypto_sha256_update(&ctx, buf + 900, 128);
	crypto_sha256_final(&ctx, d);
	ASSERT_EQ(dlen, 32);
	ASSERT_MEMEQ(d, digest, 32);
	ASSERT_EQ(slen, 384);
	for (i = 0; i < 384; i++)
		ASSERT_EQ(sig_be[i], sig.signature[383 - i]);
	free(buf);
	free(digest);
	free(sig_be);
}

/* The raw RSA vectors: S^3 mod N is the PKCS#1 encoding of data.bin, and
 * Q1/Q2 match. */
TEST(vectors, sgxs_crypto_sig1)
{
	size_t nl, sl, q1l, q2l, dl;
	u8 *n = slurp("fortanix-sgxs-crypto-sig1/sig1.key_n.bin", &nl);
	u8 *s = slurp("fortanix-sgxs-crypto-sig1/sig1.sig.bin", &sl);
	u8 *q1 = slurp("fortanix-sgxs-crypto-sig1/sig1.q1.bin", &q1l);
	u8 *q2 = slurp("fortanix-sgxs-crypto-sig1/sig1.q2.bin", &q2l);
	u8 *data = slurp("fortanix-sgxs-crypto-sig1/sig1.data.bin", &dl);
	u8 em[384], cq1[384], cq2[384], mrsigner[32];

	ASSERT_EQ(nl, 384);
	ASSERT_EQ(sl, 384);
	ASSERT_EQ(dl, 32);
	ASSERT_EQ(crypto_rsa3072_e3_public(n, s, em, cq1, cq2), 0);
	ASSERT_MEMEQ(em, crypto_pkcs1_sha256_prefix, 352);
	ASSERT_MEMEQ(em + 352, data, 32);
	ASSERT_EQ(q1l, 384);
	ASSERT_EQ(q2l, 384);
	ASSERT_MEMEQ(cq1, q1, 384);
	ASSERT_MEMEQ(cq2, q2, 384);
	/* The same key as the sgxs-tools vector. */
	crypto_sha256(n, 384, mrsigner);
	assert_hex(mrsigner, 32, "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e");
	free(n);
	free(s);
	free(q1);
	free(q2);
	free(data);
}

/* The sig1 PEM key is the one behind those vectors: our signer loads it and
 * produces the same modulus. */
TEST(vectors, sig1_key_loads)
{
	struct crypto_rsa_key *key;
	char path[1024], why[256];
	size_t nl;
	u8 *n = slurp("fortanix-sgxs-crypto-sig1/sig1.key_n.bin", &nl), m[384];

	snprintf(path, sizeof(path), "%s/fortanix-sgxs-crypto-sig1/sig1.key.pem", harness_vectors());
	ASSERT_EQ(crypto_rsa_key_load(path, &key, why, sizeof(why)), 0);
	crypto_rsa_key_modulus_le(key, m);
	ASSERT_MEMEQ(m, n, 384);
	crypto_rsa_key_free(key);
	free(n);
}
