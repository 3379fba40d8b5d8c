// SPDX-License-Identifier: MIT
/* EPCM entry locks: shared/exclusive try-locks, never waiting. */
#include "cpu/epc.h"

bool epc_trylock_shared(atomic_int *lock)
{
	int v = atomic_load_explicit(lock, memory_order_relaxed);

	while (v >= 0) {
		if (atomic_compare_exchange_weak_explicit(lock, &v, v + 1, memory_order_acquire,
							  memory_order_relaxed))
			return true;
	}
	return false;
}

bool epc_trylock_exclusive(atomic_int *lock)
{
	int v = 0;

	return atomic_compare_exchange_strong_explicit(lock, &v, -1, memory_order_acquire,
						       memory_order_relaxed);
}

void epc_unlock_shared(atomic_int *lock)
{
	atomic_fetch_sub_explicit(lock, 1, memory_order_release);
}

void epc_unlock_exclusive(atomic_int *lock)
{
	atomic_store_explicit(lock, 0, memory_order_release);
}
