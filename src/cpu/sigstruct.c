// SPDX-License-Identifier: MIT
/* SIGSTRUCT verification as EINIT performs it. */
#include "cpu/sigstruct.h"

#include <string.h>

#include "cpu/crypto.h"
#include "cpu/leaf.h"

static const u8 sig_header[16] = SGX_SIGSTRUCT_HEADER;
static const u8 sig_header2[16] = SGX_SIGSTRUCT_HEADER2;

static bool well_formed(const struct sgx_sigstruct *sig)
{
	if (memcmp(sig->header, sig_header, sizeof(sig_header)) ||
	    memcmp(sig->header2, sig_header2, sizeof(sig_header2)))
		return false;
	if (sig->vendor != SGX_SIGSTRUCT_VENDOR_ISV && sig->vendor != SGX_SIGSTRUCT_VENDOR_INTEL)
		return false;
	if (sig->exponent != SGX_SIGSTRUCT_EXPONENT)
		return false;
	/* Reserved space, including the CET fields this platform lacks. */
	return mem_is_zero(sig->reserved1, sizeof(sig->reserved1)) && !sig->cet_attributes &&
	       !sig->cet_attributes_mask && mem_is_zero(sig->reserved2, sizeof(sig->reserved2)) &&
	       mem_is_zero(sig->reserved3, sizeof(sig->reserved3)) &&
	       mem_is_zero(sig->reserved4, sizeof(sig->reserved4));
}

int sigstruct_verify(const struct sgx_sigstruct *sig, struct sigstruct_verdict *v)
{
	const u8 *raw = (const u8 *)sig;
	struct crypto_sha256 ctx;
	u8 digest[32], q1[384], q2[384];
	int err;

	memset(v, 0, sizeof(*v));
	v->header_ok = well_formed(sig);
	crypto_sha256(sig->modulus, sizeof(sig->modulus), v->mrsigner);
	crypto_sha256_init(&ctx);
	crypto_sha256_update(&ctx, raw + SGX_SIGSTRUCT_SIGNED1_OFF, SGX_SIGSTRUCT_SIGNED1_LEN);
	crypto_sha256_update(&ctx, raw + SGX_SIGSTRUCT_SIGNED2_OFF, SGX_SIGSTRUCT_SIGNED2_LEN);
	crypto_sha256_final(&ctx, digest);
	err = crypto_rsa3072_e3_public(sig->modulus, sig->signature, v->em, q1, q2);
	if (err)
		return err;
	v->signature_ok = !memcmp(v->em, crypto_pkcs1_sha256_prefix, 352) &&
			  !memcmp(v->em + 352, digest, 32);
	/* Hardware verifies with Q1 and Q2 instead of dividing, so a wrong one
	 * fails the signature check even when S itself is right. */
	v->q1_ok = !memcmp(q1, sig->q1, sizeof(q1));
	v->q2_ok = !memcmp(q2, sig->q2, sizeof(q2));
	return 0;
}

int sigstruct_sign(struct sgx_sigstruct *sig, const struct crypto_rsa_key *key)
{
	struct crypto_sha256 ctx;
	u8 digest[32], em[384];
	int err;

	memcpy(sig->header, sig_header, sizeof(sig_header));
	memcpy(sig->header2, sig_header2, sizeof(sig_header2));
	sig->exponent = SGX_SIGSTRUCT_EXPONENT;
	crypto_rsa_key_modulus_le(key, sig->modulus);
	crypto_sha256_init(&ctx);
	crypto_sha256_update(&ctx, (u8 *)sig + SGX_SIGSTRUCT_SIGNED1_OFF, SGX_SIGSTRUCT_SIGNED1_LEN);
	crypto_sha256_update(&ctx, (u8 *)sig + SGX_SIGSTRUCT_SIGNED2_OFF, SGX_SIGSTRUCT_SIGNED2_LEN);
	crypto_sha256_final(&ctx, digest);
	err = crypto_rsa_sign_sha256(key, digest, sig->signature);
	if (err)
		return err;
	return crypto_rsa3072_e3_public(sig->modulus, sig->signature, em, sig->q1, sig->q2);
}
