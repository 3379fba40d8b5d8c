// SPDX-License-Identifier: MIT
/* The crypto facade against published test vectors. */
#include <errno.h>

#include "base/hex.h"
#include "cpu/crypto.h"
#include "harness.h"

static void unhex(void *out, size_t len, const char *hex)
{
	ASSERT_EQ(hex_decode(out, len, hex), 0);
}

/* RFC 4493, section 4: AES-CMAC examples 1-4. */
TEST(crypto, aes128_cmac_rfc4493)
{
	static const char *const macs[] = {
		"bb1d6929e95937287fa37d129b756746",
		"070a16b46b4d4144f79bdd9dd04a287c",
		"dfa66747de9ae63030ca32611497c827",
		"51f0bebf7e3b9d92fc49741779363cfe",
	};
	static const size_t lens[] = { 0, 16, 40, 64 };
	u8 key[16], msg[64], want[16], mac[16];
	size_t i;

	unhex(key, 16, "2b7e151628aed2a6abf7158809cf4f3c");
	unhex(msg, 64,
	      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
	for (i = 0; i < 4; i++) {
		unhex(want, 16, macs[i]);
		crypto_aes128_cmac(key, msg, lens[i], mac);
		ASSERT_MEMEQ(mac, want, 16);
	}
}

/* FIPS 180-2: SHA-256("abc"), also through the streaming interface. */
TEST(crypto, sha256_abc)
{
	struct crypto_sha256 ctx;
	u8 want[32], d[32];

	unhex(want, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256("abc", 3, d);
	ASSERT_MEMEQ(d, want, 32);
	crypto_sha256_init(&ctx);
	crypto_sha256_update(&ctx, "a", 1);
	crypto_sha256_update(&ctx, "bc", 2);
	crypto_sha256_final(&ctx, d);
	ASSERT_MEMEQ(d, want, 32);
}

TEST(crypto, key_must_be_3072_e3)
{
	struct crypto_rsa_key *key = NULL;
	char why[256];

	ASSERT_EQ(crypto_rsa_key_load(TEST_DATA "/rsa2048-key.pem", &key, why, sizeof(why)),
		  -EKEYREJECTED);
	ASSERT_STR_CONTAINS(why, "2048 bits");
	ASSERT_EQ(crypto_rsa_key_load(TEST_DATA "/rsa3072-e65537-key.pem", &key, why, sizeof(why)),
		  -EKEYREJECTED);
	ASSERT_STR_CONTAINS(why, "exponent is not 3");
	ASSERT_EQ(crypto_rsa_key_load(TEST_DATA "/../harness/harness.c", &key, why, sizeof(why)),
		  -EINVAL);
	ASSERT_EQ(crypto_rsa_key_load(TEST_DATA "/missing.pem", &key, why, sizeof(why)), -ENOENT);
	ASSERT_EQ(crypto_rsa_key_load(TEST_DATA "/signing-key.pem", &key, why, sizeof(why)), 0);
	crypto_rsa_key_free(key);
}
