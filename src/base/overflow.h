/* SPDX-License-Identifier: MIT */
/* Checked arithmetic for untrusted offsets and lengths. */
#ifndef SGXEMU_BASE_OVERFLOW_H
#define SGXEMU_BASE_OVERFLOW_H

#include "base/types.h"

/* Return true (and leave *d unspecified) when a + b overflows. */
static inline bool check_add_overflow_u64(u64 a, u64 b, u64 *d)
{
	return __builtin_add_overflow(a, b, d);
}

static inline bool check_mul_overflow_u64(u64 a, u64 b, u64 *d)
{
	return __builtin_mul_overflow(a, b, d);
}

#endif
