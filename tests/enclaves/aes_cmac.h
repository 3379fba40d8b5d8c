/* SPDX-License-Identifier: MIT */
/*
 * AES-128 and AES-CMAC (RFC 4493) for freestanding enclave code, from the
 * CPU's AES-NI instructions (build with -maes).  Needs memcpy and memset
 * (tests/enclaves/rt.c) and the u8/u64 types declared first.
 */
#ifndef SGXEMU_TESTS_ENCLAVES_AES_CMAC_H
#define SGXEMU_TESTS_ENCLAVES_AES_CMAC_H

#include <wmmintrin.h>

struct aes {
	__m128i k[11];
};

#define EXPAND(i, rcon)                                                            \
	do {                                                                       \
		__m128i t = _mm_aeskeygenassist_si128(a->k[i - 1], rcon);          \
		__m128i x = a->k[i - 1];                                           \
		t = _mm_shuffle_epi32(t, 0xFF);                                    \
		x = _mm_xor_si128(x, _mm_slli_si128(x, 4));                        \
		x = _mm_xor_si128(x, _mm_slli_si128(x, 4));                        \
		x = _mm_xor_si128(x, _mm_slli_si128(x, 4));                        \
		a->k[i] = _mm_xor_si128(x, t);                                     \
	} while (0)

static void aes_init(struct aes *a, const u8 key[16])
{
	a->k[0] = _mm_loadu_si128((const __m128i *)key);
	EXPAND(1, 0x01);
	EXPAND(2, 0x02);
	EXPAND(3, 0x04);
	EXPAND(4, 0x08);
	EXPAND(5, 0x10);
	EXPAND(6, 0x20);
	EXPAND(7, 0x40);
	EXPAND(8, 0x80);
	EXPAND(9, 0x1B);
	EXPAND(10, 0x36);
}

static void aes_block(const struct aes *a, const u8 in[16], u8 out[16])
{
	__m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)in), a->k[0]);
	int i;

	for (i = 1; i < 10; i++)
		b = _mm_aesenc_si128(b, a->k[i]);
	_mm_storeu_si128((__m128i *)out, _mm_aesenclast_si128(b, a->k[10]));
}

static void dbl(u8 b[16])
{
	u8 carry = b[0] >> 7;
	int i;

	for (i = 0; i < 15; i++)
		b[i] = (u8)(b[i] << 1 | b[i + 1] >> 7);
	b[15] = (u8)(b[15] << 1);
	if (carry)
		b[15] ^= 0x87;
}

/* AES-CMAC (RFC 4493). */
static void cmac(const u8 key[16], const u8 *m, u64 len, u8 mac[16])
{
	u8 k1[16] = { 0 }, x[16] = { 0 }, last[16];
	u64 n = len ? (len + 15) / 16 : 1, i, j;
	struct aes a;

	aes_init(&a, key);
	aes_block(&a, k1, k1);
	dbl(k1);
	for (i = 0; i + 1 < n; i++) {
		for (j = 0; j < 16; j++)
			x[j] ^= m[16 * i + j];
		aes_block(&a, x, x);
	}
	memset(last, 0, 16);
	if (len && len % 16 == 0) {
		memcpy(last, m + 16 * i, 16);
	} else {
		memcpy(last, m + 16 * i, len - 16 * i);
		last[len - 16 * i] = 0x80;
		dbl(k1);
	}
	for (j = 0; j < 16; j++)
		x[j] ^= last[j] ^ k1[j];
	aes_block(&a, x, mac);
}

#endif
