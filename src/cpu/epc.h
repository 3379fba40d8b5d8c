/* SPDX-License-Identifier: MIT */
/*
 * EPC pages and their EPCM entries.  Internal to src/cpu.
 *
 * Each EPC page has an address in the platform's EPC window (the analogue
 * of the kernel's direct map of EPC) and host storage for its contents,
 * @mem, which is the window page itself unless the OS bound other memory.
 */
#ifndef SGXEMU_CPU_EPC_H
#define SGXEMU_CPU_EPC_H

#include <stdatomic.h>

#include "arch/sgx_arch.h"
#include "base/sys.h"
#include "base/types.h"

/* EPCM permission and state bits use the SECINFO.FLAGS positions. */
#define EPCM_R SGX_SECINFO_R
#define EPCM_W SGX_SECINFO_W
#define EPCM_X SGX_SECINFO_X
#define EPCM_PENDING SGX_SECINFO_PENDING
#define EPCM_MODIFIED SGX_SECINFO_MODIFIED
#define EPCM_PR SGX_SECINFO_PR
#define EPCM_BLOCKED BIT(8)

/* In epc_page.vmm_hold: the driver's eviction hold, above any number of
 * the VMM's (platform_evict_hold()). */
#define EPC_EVICT_HOLD (1U << 31)

struct epc_page;

/* The architectural EPCM entry (SDM "EPCM"), plus nothing else. */
struct epcm_entry {
	bool valid;
	u8 pt;                   /* enum sgx_page_type */
	u16 flags;               /* EPCM_* */
	struct epc_page *secs;   /* ENCLAVESECS; NULL for SECS and VA pages */
	u64 enclave_address;     /* ENCLAVEADDRESS */
};

struct epc_page {
	u8 *mem;
	struct epcm_entry epcm;
	/* The EPCM entry lock that SGX leaves take shared or exclusive: 0 free,
	 * n > 0 shared holders, -tid exclusive (the holder's thread).  Leaves never wait on it; a
	 * conflict is a #GP or SGX_EPC_PAGE_CONFLICT, as on hardware. */
	atomic_int lock;
	/* For SECS pages: child pages in EPC, threads inside, and the lock on
	 * MRENCLAVE/initialized state (EADD, EEXTEND and EINIT take it). */
	atomic_uint nr_children;
	atomic_uint nr_active;
	atomic_int mr_lock;
	/* For SECS pages: a VMM holds the enclave's threads out while it
	 * evicts pages of it (platform_vmm_hold()); EENTER, ERESUME and an
	 * unparked thread sleep until it lets go.  The holds (nested), a
	 * futex word, and the threads sleeping on it (track_enter_unheld()). */
	_Atomic u32 vmm_hold;
	atomic_uint hold_waiters;
	/* The driver's own hold (EPC_EVICT_HOLD in @vmm_hold) and its
	 * thread, for the waiters to let go of if that thread dies. */
	_Atomic s32 evict_tid;
	/* For TCS pages: a thread is inside through this TCS, and its kernel
	 * thread id from before it is counted in the SECS's nr_active until
	 * after it is counted out (0 else; -1 while a reaper clears it), for
	 * a process that dies with threads inside (platform_reap_inside()). */
	atomic_bool tcs_active;
	_Atomic s32 tcs_tid;
	/* Tracking (src/cpu/track.h).  SECS pages: the current epoch, which
	 * ETRACK advances, and the threads inside by entry epoch (only the
	 * current and the previous one can have any).  TCS pages: the entry
	 * epoch of the thread inside plus one while it is counted in
	 * (@counted, else 0).  BLOCKED pages: the epoch EBLOCK saw. */
	atomic_ullong epoch;
	atomic_uint inside[2];
	/* SECS pages: threads that left (EEXIT, AEX), for those that wait
	 * for one (platform_exit_wait()). */
	struct sys_event exits;
	atomic_ullong counted;
	u64 block_epoch;
	/* EMODPR and EMODT: EACCEPT waits (SGX_NOT_TRACKED) for an ETRACK
	 * after @modify_epoch to complete while @track_pending. */
	u64 modify_epoch;
	bool track_pending;
};

bool epc_trylock_shared(atomic_int *lock);
bool epc_trylock_exclusive(atomic_int *lock);
void epc_unlock_shared(atomic_int *lock);
void epc_unlock_exclusive(atomic_int *lock);
/* Let go of an exclusive hold whose thread is gone.  Return: whether. */
bool epc_unlock_dead(atomic_int *lock);

#endif
