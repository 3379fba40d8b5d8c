// SPDX-License-Identifier: MIT
/*
 * The quoting enclaves' hand-written SHA-256 and P-256 ECDSA
 * (tests/enclaves/sha256.h, p256.h), compiled for the host and checked
 * against OpenSSL: digests, public keys and signatures that OpenSSL
 * verifies, including the edge scalars.
 */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#include "base/types.h"
#include "harness.h"

#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include "p256.h"
#include "sha256.h"

static const u8 order_be[32] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
				 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
				 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51 };

/* A random scalar in [1, n - 1]. */
static void random_scalar(u8 d[32])
{
	do {
		ASSERT_EQ(RAND_bytes(d, 32), 1);
	} while (memcmp(d, order_be, 32) >= 0 || !memcmp(d, (u8[32]){ 0 }, 32));
}

/* OpenSSL's public key for @d, as x || y. */
static void openssl_pub(const u8 d[32], u8 pub[65])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *q = EC_POINT_new(g);
	BIGNUM *bd = BN_bin2bn(d, 32, NULL);

	ASSERT_EQ(EC_POINT_mul(g, q, bd, NULL, NULL, NULL), 1);
	ASSERT_EQ(EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, 65, NULL), 65);
	BN_free(bd);
	EC_POINT_free(q);
	EC_GROUP_free(g);
}

/* Does OpenSSL accept r || s over @hash under the public key x || y? */
static int openssl_verify(const u8 pub[64], const u8 hash[32], const u8 sig[64])
{
	EC_KEY *key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
	const EC_GROUP *g = EC_KEY_get0_group(key);
	EC_POINT *q = EC_POINT_new(g);
	ECDSA_SIG *s = ECDSA_SIG_new();
	u8 oct[65] = { 4 };
	int ok;

	memcpy(oct + 1, pub, 64);
	ASSERT_EQ(EC_POINT_oct2point(g, q, oct, 65, NULL), 1);
	ASSERT_EQ(EC_KEY_set_public_key(key, q), 1);
	ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
	ok = ECDSA_do_verify(hash, 32, s, key);
	ECDSA_SIG_free(s);
	EC_POINT_free(q);
	EC_KEY_free(key);
	return ok;
}

TEST(enclave_crypto, sha256_matches_openssl_for_every_length_and_split)
{
	static u8 msg[700];
	u8 a[32], b[32];
	struct sha256 s;
	unsigned int len, cut;

	ASSERT_EQ(RAND_bytes(msg, sizeof(msg)), 1);
	for (len = 0; len <= sizeof(msg); len++) {
		SHA256(msg, len, a);
		sha256(msg, len, b);
		ASSERT_MEMEQ(a, b, 32);
		/* The same digest when the data arrives in two pieces. */
		cut = len / 3;
		sha256_init(&s);
		sha256_update(&s, msg, cut);
		sha256_update(&s, msg + cut, len - cut);
		sha256_final(&s, b);
		ASSERT_MEMEQ(a, b, 32);
	}
	sha256("abc", 3, b);
	ASSERT_EQ(b[0], 0xba);
	ASSERT_EQ(b[31], 0xad);
}

TEST(enclave_crypto, public_keys_match_openssl)
{
	u8 d[32], pub[64], ref[65];
	int i;

	for (i = 0; i < 64; i++) {
		random_scalar(d);
		ASSERT_EQ(p256_public_key(d, pub), 0);
		openssl_pub(d, ref);
		ASSERT_MEMEQ(pub, ref + 1, 64);
	}
}

TEST(enclave_crypto, edge_scalars)
{
	u8 d[32], pub[64], ref[65];
	int i;

	/* 1, 2, 15, 16 (window boundaries) and n - 1. */
	static const u8 small[] = { 1, 2, 15, 16, 17, 255 };
	for (i = 0; i < (int)sizeof(small); i++) {
		memset(d, 0, 32);
		d[31] = small[i];
		ASSERT_EQ(p256_public_key(d, pub), 0);
		openssl_pub(d, ref);
		ASSERT_MEMEQ(pub, ref + 1, 64);
	}
	memcpy(d, order_be, 32);
	d[31] -= 1;
	ASSERT_EQ(p256_public_key(d, pub), 0);
	openssl_pub(d, ref);
	ASSERT_MEMEQ(pub, ref + 1, 64);
	/* 0 and n are not private keys. */
	memset(d, 0, 32);
	ASSERT_EQ(p256_public_key(d, pub), -1);
	ASSERT_EQ(p256_public_key(order_be, pub), -1);
}

TEST(enclave_crypto, signatures_verify_with_openssl)
{
	u8 d[32], k[32], h[32], pub[64], sig[64];
	int i;

	for (i = 0; i < 64; i++) {
		random_scalar(d);
		random_scalar(k);
		ASSERT_EQ(RAND_bytes(h, 32), 1);
		if (i == 0)
			memset(h, 0xff, 32); /* a digest above n */
		ASSERT_EQ(p256_public_key(d, pub), 0);
		ASSERT_EQ(p256_ecdsa_sign(d, h, k, sig), 0);
		ASSERT_EQ(openssl_verify(pub, h, sig), 1);
		/* and not over another digest */
		h[5] ^= 1;
		ASSERT_EQ(openssl_verify(pub, h, sig), 0);
	}
	memset(k, 0, 32);
	ASSERT_EQ(p256_ecdsa_sign(d, h, k, sig), -1);
}
