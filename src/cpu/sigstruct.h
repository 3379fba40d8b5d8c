/* SPDX-License-Identifier: MIT */
/*
 * SIGSTRUCT checks exactly as EINIT performs them, shared with the tools so
 * that `sgxemu sigstruct` and EINIT can never disagree.
 */
#ifndef SGXEMU_CPU_SIGSTRUCT_H
#define SGXEMU_CPU_SIGSTRUCT_H

#include "arch/sgx_arch.h"
#include "base/compiler.h"

struct sigstruct_verdict {
	bool header_ok;     /* constants, vendor, exponent, reserved space */
	bool signature_ok;  /* S^3 mod N is the PKCS#1 v1.5 SHA-256 encoding */
	bool q1_ok;
	bool q2_ok;
	u8 mrsigner[SGX_HASH_SIZE];
	u8 em[384];         /* S^3 mod N, big-endian */
};

/*
 * Check @sig.  Return: 0, or -ENOMEM when libcrypto cannot allocate (the
 * verdict is then meaningless).
 */
int sigstruct_verify(const struct sgx_sigstruct *sig, struct sigstruct_verdict *v) __must_check;

struct crypto_rsa_key;

/*
 * Sign @sig: fill HEADER, HEADER2 and EXPONENT with their constants, then
 * MODULUS, SIGNATURE, Q1 and Q2 from @key over the body fields already set
 * (VENDOR, DATE, ATTRIBUTES, ENCLAVEHASH, ISVPRODID, ...).
 * Return: 0, -EIO if signing fails, or -ENOMEM.
 */
int sigstruct_sign(struct sgx_sigstruct *sig, const struct crypto_rsa_key *key) __must_check;

#endif
