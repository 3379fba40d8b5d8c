// SPDX-License-Identifier: MIT
/* The libcrypto facade. */

/* SHA256_CTX and AES_KEY are the allocation-free primitives we need inside
 * leaves; libcrypto 3 marks them deprecated but keeps them. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "cpu/crypto.h"

#include "base/file.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <openssl/aes.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(struct crypto_sha256), "SHA256_CTX too large");

void crypto_sha256_init(struct crypto_sha256 *ctx)
{
	SHA256_Init((SHA256_CTX *)(void *)ctx);
}

void crypto_sha256_update(struct crypto_sha256 *ctx, const void *data, size_t len)
{
	SHA256_Update((SHA256_CTX *)(void *)ctx, data, len);
}

void crypto_sha256_final(struct crypto_sha256 *ctx, u8 digest[32])
{
	SHA256_Final(digest, (SHA256_CTX *)(void *)ctx);
}

void crypto_sha256(const void *data, size_t len, u8 digest[32])
{
	SHA256(data, len, digest);
}

/* Multiply by x in GF(2^128), the CMAC subkey step. */
static void cmac_dbl(u8 out[16], const u8 in[16])
{
	u8 carry = in[0] >> 7;
	int i;

	for (i = 0; i < 15; i++)
		out[i] = (u8)(in[i] << 1 | in[i + 1] >> 7);
	out[15] = (u8)(in[15] << 1);
	if (carry)
		out[15] ^= 0x87;
}

void crypto_aes128_cmac(const u8 key[16], const void *msg, size_t len, u8 mac[16])
{
	const u8 *p = msg;
	u8 zero[16] = { 0 }, l[16], k1[16], k2[16], x[16] = { 0 }, last[16];
	size_t nblocks = len ? (len + 15) / 16 : 1, i, j;
	AES_KEY ks;

	AES_set_encrypt_key(key, 128, &ks);
	AES_encrypt(zero, l, &ks);
	cmac_dbl(k1, l);
	cmac_dbl(k2, k1);
	for (i = 0; i + 1 < nblocks; i++) {
		for (j = 0; j < 16; j++)
			x[j] ^= p[16 * i + j];
		AES_encrypt(x, x, &ks);
	}
	if (len && len % 16 == 0) {
		for (j = 0; j < 16; j++)
			last[j] = p[16 * i + j] ^ k1[j];
	} else {
		size_t rem = len - 16 * i;

		memset(last, 0, sizeof(last));
		memcpy(last, p + 16 * i, rem);
		last[rem] = 0x80;
		for (j = 0; j < 16; j++)
			last[j] ^= k2[j];
	}
	for (j = 0; j < 16; j++)
		x[j] ^= last[j];
	AES_encrypt(x, mac, &ks);
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(l, sizeof(l));
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
}

/*
 * AES-GCM contexts, made once in normal context: EWB and ELDU run in
 * signal handlers (a reload), where allocating is not allowed (the C
 * library may be in the middle of malloc, or set up an arena for a new
 * thread with system calls).  A context keeps its cipher, and
 * re-initialising it with only a key and an IV allocates nothing.  Up to
 * 64 leaves use them at once; more wait for one.
 */
#define GCM_CONTEXTS 64

static struct {
	pthread_once_t once;
	bool ready;
	EVP_CIPHER_CTX *ctx[GCM_CONTEXTS];
	atomic_ullong busy;         /* bit i: ctx[i] is in use */
} gcm_pool = { .once = PTHREAD_ONCE_INIT };

static void gcm_pool_init(void)
{
	static const u8 zero[16];
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	unsigned int i;

	if (!cipher)
		return;
	for (i = 0; i < GCM_CONTEXTS; i++) {
		gcm_pool.ctx[i] = EVP_CIPHER_CTX_new();
		if (!gcm_pool.ctx[i] ||
		    !EVP_EncryptInit_ex(gcm_pool.ctx[i], cipher, NULL, zero, zero))
			goto out;
	}
	gcm_pool.ready = true;
out:
	EVP_CIPHER_free(cipher);
}

int crypto_init(void)
{
	pthread_once(&gcm_pool.once, gcm_pool_init);
	return gcm_pool.ready ? 0 : -ENOMEM;
}

static unsigned int gcm_get(void)
{
	for (;;) {
		unsigned long long busy = atomic_load(&gcm_pool.busy);
		unsigned int i;

		if (!~busy) {
			sched_yield();
			continue;
		}
		i = (unsigned int)__builtin_ctzll(~busy);
		if (atomic_compare_exchange_weak(&gcm_pool.busy, &busy, busy | 1ULL << i))
			return i;
	}
}

static void gcm_put(unsigned int i)
{
	atomic_fetch_and(&gcm_pool.busy, ~(1ULL << i));
}

static int gcm(bool enc, const u8 key[16], const u8 iv[12], const void *aad, size_t aadlen,
	       const void *in, void *out, size_t len, u8 tag[16])
{
	EVP_CIPHER_CTX *ctx;
	unsigned int i;
	int n, ok, err = 0;

	if (!gcm_pool.ready)
		return -EIO;
	i = gcm_get();
	ctx = gcm_pool.ctx[i];
	ok = enc ? EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) :
		   EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv);
	ok = ok && (enc ? EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) :
			  EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen));
	ok = ok && (enc ? EVP_EncryptUpdate(ctx, out, &n, in, (int)len) :
			  EVP_DecryptUpdate(ctx, out, &n, in, (int)len));
	if (ok && enc) {
		ok = EVP_EncryptFinal_ex(ctx, (u8 *)out + n, &n) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag);
	} else if (ok) {
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag);
		if (ok && EVP_DecryptFinal_ex(ctx, (u8 *)out + n, &n) <= 0)
			err = -EBADMSG;
	}
	gcm_put(i);
	return err ? err : ok ? 0 : -EIO;
}

int crypto_aes128_gcm_encrypt(const u8 key[16], const u8 iv[12], const void *aad, size_t aadlen,
			      const void *in, void *out, size_t len, u8 tag[16])
{
	return gcm(true, key, iv, aad, aadlen, in, out, len, tag);
}

/* Decrypts into a scratch page first: a forged page must not reach @out. */
int crypto_aes128_gcm_decrypt(const u8 key[16], const u8 iv[12], const void *aad, size_t aadlen,
			      const void *in, void *out, size_t len, const u8 tag[16])
{
	u8 t[16], tmp[CRYPTO_GCM_MAX];
	int err;

	if (len > sizeof(tmp))
		return -EINVAL;
	memcpy(t, tag, sizeof(t));
	err = gcm(false, key, iv, aad, aadlen, in, tmp, len, t);
	if (!err)
		memcpy(out, tmp, len);
	OPENSSL_cleanse(tmp, len);
	return err;
}

int crypto_random(void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

const u8 crypto_pkcs1_sha256_prefix[352] = {
	0x00, 0x01,
	/* 330 bytes of 0xFF */
	[2 ... 331] = 0xFF,
	[332] = 0x00,
	/* DER DigestInfo header for SHA-256 */
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	0x01, 0x05, 0x00, 0x04, 0x20,
};

static void reverse(u8 *dst, const u8 *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = src[len - 1 - i];
}

static BIGNUM *bn_from_le(const u8 *le, size_t len)
{
	return BN_lebin2bn(le, (int)len, NULL);
}

int crypto_rsa3072_e3_public(const u8 modulus_le[384], const u8 sig_le[384], u8 em_be[384],
			     u8 q1_le[384], u8 q2_le[384])
{
	BIGNUM *n = bn_from_le(modulus_le, 384), *s = bn_from_le(sig_le, 384);
	BIGNUM *s2 = BN_new(), *q1 = BN_new(), *r1 = BN_new(), *t = BN_new(), *q2 = BN_new(),
	       *em = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int err = -ENOMEM;

	if (!n || !s || !s2 || !q1 || !r1 || !t || !q2 || !em || !ctx)
		goto out;
	/* A zero modulus would make the divisions fail; report it as an all-zero
	 * (and therefore invalid) encoding rather than an error. */
	if (BN_is_zero(n)) {
		memset(em_be, 0, 384);
		memset(q1_le, 0, 384);
		memset(q2_le, 0, 384);
		err = 0;
		goto out;
	}
	if (!BN_sqr(s2, s, ctx) || !BN_div(q1, r1, s2, n, ctx) || !BN_mul(t, s, r1, ctx) ||
	    !BN_div(q2, em, t, n, ctx))
		goto out;
	/* q1 and q2 fit in 384 bytes only when S < N; larger ones cannot match
	 * a stored value, so clamp them to all-ones. */
	if (BN_bn2lebinpad(q1, q1_le, 384) < 0)
		memset(q1_le, 0xFF, 384);
	if (BN_bn2lebinpad(q2, q2_le, 384) < 0)
		memset(q2_le, 0xFF, 384);
	if (BN_bn2binpad(em, em_be, 384) < 0)
		goto out;
	err = 0;
out:
	BN_free(n);
	BN_free(s);
	BN_free(s2);
	BN_free(q1);
	BN_free(r1);
	BN_free(t);
	BN_free(q2);
	BN_free(em);
	BN_CTX_free(ctx);
	return err;
}

struct crypto_rsa_key {
	EVP_PKEY *pkey;
	u8 modulus_le[384];
};

int crypto_rsa_key_load(const char *path, struct crypto_rsa_key **out, char *why, size_t whylen)
{
	struct crypto_rsa_key *key;
	BIGNUM *n = NULL, *e = NULL;
	EVP_PKEY *pkey = NULL;
	size_t len;
	BIO *bio;
	u8 *pem;
	int err;

	/* Through file_read_all(): a FIFO or device is refused, not read. */
	err = file_read_all(path, 1 << 20, &pem, &len);
	if (err) {
		snprintf(why, whylen, "%s", file_strerror(err));
		return err;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	OPENSSL_cleanse(pem, len);
	free(pem);
	if (!pkey) {
		ERR_clear_error();
		snprintf(why, whylen, "not a PEM private key");
		return -EINVAL;
	}
	err = -EKEYREJECTED;
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		snprintf(why, whylen, "not an RSA key");
		goto err_free;
	}
	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
		snprintf(why, whylen, "cannot read the RSA parameters");
		goto err_free;
	}
	if (BN_num_bits(n) != 3072) {
		snprintf(why, whylen, "RSA modulus is %d bits; SGX needs 3072", BN_num_bits(n));
		goto err_free;
	}
	if (!BN_is_word(e, 3)) {
		snprintf(why, whylen, "RSA public exponent is not 3");
		goto err_free;
	}
	key = calloc(1, sizeof(*key));
	if (!key) {
		err = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto err_free;
	}
	key->pkey = pkey;
	BN_bn2lebinpad(n, key->modulus_le, 384);
	BN_free(n);
	BN_free(e);
	*out = key;
	return 0;
err_free:
	ERR_clear_error();
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(pkey);
	return err;
}

void crypto_rsa_key_free(struct crypto_rsa_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

void crypto_rsa_key_modulus_le(const struct crypto_rsa_key *key, u8 modulus_le[384])
{
	memcpy(modulus_le, key->modulus_le, 384);
}

int crypto_rsa_sign_sha256(const struct crypto_rsa_key *key, const u8 digest[32], u8 sig_le[384])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key->pkey, NULL);
	u8 sig_be[384];
	size_t len = sizeof(sig_be);
	int err = -EIO;

	if (!ctx)
		return -ENOMEM;
	if (EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_sign(ctx, sig_be, &len, digest, 32) <= 0 || len != 384) {
		ERR_clear_error();
		goto out;
	}
	reverse(sig_le, sig_be, 384);
	err = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return err;
}
