/* SPDX-License-Identifier: MIT */
/* Bit and alignment helpers in the kernel's vocabulary. */
#ifndef SGXEMU_BASE_BITS_H
#define SGXEMU_BASE_BITS_H

#include "base/types.h"

#define BIT(n) (1U << (n))
#define BIT_ULL(n) (1ULL << (n))
/* Bits h..l inclusive, h >= l. */
#define GENMASK_ULL(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096UL
#define PAGE_MASK (~(PAGE_SIZE - 1))

static inline bool is_aligned(u64 x, u64 a)
{
	return (x & (a - 1)) == 0;
}

static inline bool is_power_of_2(u64 x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static inline u64 align_up(u64 x, u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

#endif
