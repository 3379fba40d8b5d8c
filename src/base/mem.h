/* SPDX-License-Identifier: MIT */
/* Small memory predicates. */
#ifndef SGXEMU_BASE_MEM_H
#define SGXEMU_BASE_MEM_H

#include "base/types.h"

static inline bool mem_is_zero(const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

#endif
