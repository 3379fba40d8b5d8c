/* SPDX-License-Identifier: MIT */
/*
 * Invariant checks.  BUG_ON is only for conditions no input can trigger;
 * input from a user or guest becomes a status, a fault or -errno instead.
 */
#ifndef SGXEMU_BASE_BUG_H
#define SGXEMU_BASE_BUG_H

#include "base/compiler.h"

__noreturn void bug_fail(const char *file, int line, const char *cond);
void warn_once_fail(const char *file, int line, const char *cond);

#define BUG_ON(cond)                                             \
	do {                                                     \
		if (unlikely(cond))                              \
			bug_fail(__FILE__, __LINE__, #cond);     \
	} while (0)

/* Evaluates to the condition, so it can guard an error return. */
#define WARN_ON_ONCE(cond)                                                      \
	__extension__({                                                         \
		static int warned_;                                             \
		int c_ = !!(cond);                                              \
		if (unlikely(c_) && !__atomic_exchange_n(&warned_, 1, __ATOMIC_RELAXED)) \
			warn_once_fail(__FILE__, __LINE__, #cond);              \
		c_;                                                             \
	})

#endif
