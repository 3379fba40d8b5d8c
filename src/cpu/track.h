/* SPDX-License-Identifier: MIT */
/*
 * TLB tracking, modelled with epochs (sgx-isa.md section 6).  The SDM
 * leaves the mechanism micro-architectural; what it specifies is that EWB
 * of a blocked page fails with SGX_NOT_TRACKED until an ETRACK after the
 * EBLOCK has completed, i.e. until every thread that was inside the
 * enclave when ETRACK ran has left it.  Here each enclave has an epoch;
 * EENTER/ERESUME count the thread into its entry epoch and EEXIT/AEX out
 * of it; ETRACK moves to the next epoch once nobody from the one before is
 * left.  Threads inside therefore belong to the current epoch or the one
 * before, and two counters suffice.  Internal to src/cpu.
 */
#ifndef SGXEMU_CPU_TRACK_H
#define SGXEMU_CPU_TRACK_H

#include "base/shm.h"
#include "base/sys.h"
#include "cpu/epc.h"

/*
 * A thread enters through @tcs.  Lock-free: an ETRACK that races with us
 * makes us count again in the new epoch.  The TCS records the epoch before
 * the count is made, and track_exit() unmakes the count before it clears
 * the record, so a count always has its record: a thread killed between
 * the two steps leaves a record too many, never a count no TCS accounts
 * for, and platform_recount() can make the counts again from the records
 * of the threads that live.
 */
static inline void track_enter(struct epc_page *secs, struct epc_page *tcs)
{
	for (;;) {
		u64 e = atomic_load(&secs->epoch);

		atomic_store(&tcs->counted, e + 1);
		atomic_fetch_add(&secs->inside[e & 1], 1);
		if (atomic_load(&secs->epoch) == e)
			return;
		atomic_fetch_sub(&secs->inside[e & 1], 1);
	}
}

/* A thread leaves: the exit is signalled after it is out of @inside,
 * which platform_exit_wait()'s callers look at (struct sys_event).  Only
 * the thread on @tcs (or whoever parked it, exec_park()) comes here. */
static inline void track_exit(struct epc_page *secs, struct epc_page *tcs)
{
	u64 e = atomic_load(&tcs->counted);

	if (e) {
		atomic_fetch_sub(&secs->inside[(e - 1) & 1], 1);
		atomic_store(&tcs->counted, 0);
	}
	sys_event_signal(&secs->exits);
}

/*
 * track_enter() for a thread that may not run inside while a VMM holds the
 * enclave (platform_vmm_hold()): it counts itself in first and looks at
 * the hold after, and the VMM sets the hold first and counts threads
 * after, so one of them always sees the other.  Held, the thread counts
 * itself out and sleeps on the hold until platform_vmm_release() lets go
 * of the last one.  The same order again for the wake: the sleeper
 * registers in @hold_waiters before it reads the hold it gives the futex
 * to compare, and the release drops the hold before it reads
 * @hold_waiters, so either the sleeper sees the hold gone, or the futex
 * does, or the release sees the sleeper and wakes it.  Async-signal-safe
 * (an unparked thread comes here from a signal handler): atomics and
 * futex calls only.
 */
struct platform;
/* An evictor that held @secs's threads out is gone (track_enter_unheld()). */
void platform_evictor_died(struct platform *plat, struct epc_page *secs);

static inline void track_enter_unheld(struct platform *plat, struct epc_page *secs,
				      struct epc_page *tcs)
{
	for (;;) {
		u32 hold;

		track_enter(secs, tcs);
		if (!atomic_load(&secs->vmm_hold))
			return;
		track_exit(secs, tcs);
		atomic_fetch_add(&secs->hold_waiters, 1);
		/* The release wakes it; the timeout is a backstop, and looks
		 * for an evictor that died holding (a process of a shared
		 * machine killed): its pages wait for whoever takes its lock
		 * over, the threads no longer. */
		while ((hold = atomic_load(&secs->vmm_hold))) {
			sys_futex_wait(&secs->vmm_hold, hold, 100);
			if ((atomic_load(&secs->vmm_hold) & EPC_EVICT_HOLD) &&
			    !shm_tid_alive(atomic_load(&secs->evict_tid)))
				platform_evictor_died(plat, secs);
		}
		atomic_fetch_sub(&secs->hold_waiters, 1);
	}
}

/* ETRACK: false (SGX_PREV_TRK_INCMPL) while threads of the previous epoch
 * are still inside. */
static inline bool track_advance(struct epc_page *secs)
{
	/* The atomic's own type: clang checks the pointer's. */
	unsigned long long e = atomic_load(&secs->epoch);

	if (e && atomic_load(&secs->inside[(e - 1) & 1]))
		return false;
	return atomic_compare_exchange_strong(&secs->epoch, &e, e + 1);
}

/* EWB: has tracking completed for a page blocked in epoch @bepoch? */
static inline bool track_done(struct epc_page *secs, u64 bepoch)
{
	u64 e = atomic_load(&secs->epoch);

	if (e <= bepoch)
		return false;
	return e > bepoch + 1 || !atomic_load(&secs->inside[bepoch & 1]);
}

/* A SECS that is (re)created or reloaded starts with nobody inside. */
static inline void track_reset(struct epc_page *secs)
{
	atomic_store(&secs->epoch, 0);
	atomic_store(&secs->inside[0], 0);
	atomic_store(&secs->inside[1], 0);
}

#endif
