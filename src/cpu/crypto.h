/* SPDX-License-Identifier: MIT */
/*
 * The one narrow facade over OpenSSL's libcrypto.  Nothing else below the
 * front ends includes an OpenSSL header (the attestation code, src/dcap
 * and src/api/quote.c, uses its X.509 directly: doc/decisions.md).  The
 * SHA-256 context and AES-CMAC are allocation-free, so leaves may use
 * them from signal handlers.
 */
#ifndef SGXEMU_CPU_CRYPTO_H
#define SGXEMU_CPU_CRYPTO_H

#include "base/compiler.h"
#include "base/types.h"

#define CRYPTO_RSA3072_BYTES 384

/* Opaque storage for a running SHA-256 (libcrypto's SHA256_CTX). */
struct crypto_sha256 {
	u64 opaque[16];
};

void crypto_sha256_init(struct crypto_sha256 *ctx);
void crypto_sha256_update(struct crypto_sha256 *ctx, const void *data, size_t len);
/* Finish a copy-free digest; @ctx is consumed. */
void crypto_sha256_final(struct crypto_sha256 *ctx, u8 digest[32]);
void crypto_sha256(const void *data, size_t len, u8 digest[32]);

/* AES-128-CMAC (RFC 4493). */
void crypto_aes128_cmac(const u8 key[16], const void *msg, size_t len, u8 mac[16]);

/*
 * Make what the functions below need that must not be made in a signal
 * handler (libcrypto's AES-GCM contexts), in normal context, before any
 * platform exists.  Idempotent.  Return: 0 or -ENOMEM.
 */
int crypto_init(void) __must_check;

/* The most AES-GCM processes at once: a page. */
#define CRYPTO_GCM_MAX 4096

/*
 * AES-128-GCM with a 96-bit IV and a 128-bit tag, on @len bytes (@in and
 * @out may be the same buffer; decryption at most CRYPTO_GCM_MAX).  EWB and
 * ELDU/ELDB use it, in signal handlers too: it neither allocates nor makes
 * system calls (after crypto_init()).  crypto_aes128_gcm_decrypt() writes
 * @out only when the tag verifies.
 * Return: 0; -EBADMSG (tag mismatch, decrypt only); -EINVAL (too long);
 * -EIO (no crypto_init(), or libcrypto failed).
 */
int crypto_aes128_gcm_encrypt(const u8 key[16], const u8 iv[12], const void *aad, size_t aadlen,
			      const void *in, void *out, size_t len, u8 tag[16]) __must_check;
int crypto_aes128_gcm_decrypt(const u8 key[16], const u8 iv[12], const void *aad, size_t aadlen,
			      const void *in, void *out, size_t len,
			      const u8 tag[16]) __must_check;

/* Fill @buf with random bytes from the kernel.  Return: 0 or -errno. */
int crypto_random(void *buf, size_t len);

/*
 * RSA-3072 with public exponent 3 on little-endian operands, as SIGSTRUCT
 * stores them.  Computes the encoded message EM = S^3 mod N (big-endian, as
 * PKCS#1 defines it) and the verification helpers Q1 = floor(S^2 / N) and
 * Q2 = floor(S * (S^2 mod N) / N) (little-endian).
 * Return: 0, or -ENOMEM when libcrypto cannot allocate.
 */
int crypto_rsa3072_e3_public(const u8 modulus_le[384], const u8 sig_le[384], u8 em_be[384],
			     u8 q1_le[384], u8 q2_le[384]) __must_check;

/* The 352 constant leading bytes of an EMSA-PKCS1-v1_5 SHA-256 block for a
 * 3072-bit modulus: 00 01 FF..FF 00 followed by the DigestInfo prefix. */
extern const u8 crypto_pkcs1_sha256_prefix[352];

struct crypto_rsa_key;

/*
 * Load an RSA private key from a PEM file.  Keys that are not 3072-bit with
 * e = 3 are refused with -EKEYREJECTED.  @why gets a one-line reason.
 * Return: 0 or -errno.
 */
int crypto_rsa_key_load(const char *path, struct crypto_rsa_key **out, char *why, size_t whylen);
void crypto_rsa_key_free(struct crypto_rsa_key *key);
/* Modulus of @key, little-endian. */
void crypto_rsa_key_modulus_le(const struct crypto_rsa_key *key, u8 modulus_le[384]);
/* PKCS#1 v1.5 SHA-256 signature of @digest, little-endian.  Return: 0 or -EIO. */
int crypto_rsa_sign_sha256(const struct crypto_rsa_key *key, const u8 digest[32],
			   u8 sig_le[384]) __must_check;

#endif
