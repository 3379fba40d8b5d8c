// SPDX-License-Identifier: MIT
/* EPCM entry locks: shared/exclusive try-locks, never waiting. */
#include "cpu/epc.h"

#include "base/shm.h"

bool epc_trylock_shared(atomic_int *lock)
{
	int v = atomic_load_explicit(lock, memory_order_relaxed);

	for (;;) {
		if (v < 0 && !epc_unlock_dead(lock))
			return false;
		if (v < 0)
			v = 0;
		if (atomic_compare_exchange_weak_explicit(lock, &v, v + 1, memory_order_acquire,
							  memory_order_relaxed))
			return true;
	}
}

/* Exclusive holds hold the holder's kernel thread id, negated: a leaf of
 * a process that died in it is found out (epc_unlock_dead()). */
bool epc_trylock_exclusive(atomic_int *lock)
{
	int me = -shm_self_tid(), v = 0;

	if (atomic_compare_exchange_strong_explicit(lock, &v, me, memory_order_acquire,
						    memory_order_relaxed))
		return true;
	/* A conflict, as on hardware, unless the holder is a thread that
	 * died in its leaf (a process killed): then the entry is free. */
	if (v >= 0 || !epc_unlock_dead(lock))
		return false;
	v = 0;
	return atomic_compare_exchange_strong_explicit(lock, &v, me, memory_order_acquire,
						       memory_order_relaxed);
}

bool epc_unlock_dead(atomic_int *lock)
{
	int v = atomic_load(lock);

	return v < 0 && !shm_tid_alive(-v) && atomic_compare_exchange_strong(lock, &v, 0);
}

void epc_unlock_shared(atomic_int *lock)
{
	atomic_fetch_sub_explicit(lock, 1, memory_order_release);
}

void epc_unlock_exclusive(atomic_int *lock)
{
	atomic_store_explicit(lock, 0, memory_order_release);
}
