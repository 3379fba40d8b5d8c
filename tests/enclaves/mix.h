/* SPDX-License-Identifier: MIT */
/* A fixed CPU-bound loop, compiled the same way inside and outside the
 * enclave for the compute benchmark. */
#ifndef SGXEMU_TESTS_ENCLAVES_MIX_H
#define SGXEMU_TESTS_ENCLAVES_MIX_H

#include <stdint.h>

static inline uint64_t encl_mix(uint64_t rounds, uint64_t x)
{
	uint64_t i;

	for (i = 0; i < rounds; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		x ^= x >> 33;
	}
	return x;
}

#endif
