// SPDX-License-Identifier: MIT
/*
 * FS and GS bases across enclave transitions, at the cost the host allows.
 *
 * Where the kernel enables FSGSBASE (HWCAP2 bit 1), RDFSBASE and friends
 * cost a few cycles: entries read the host's bases and exits write them
 * back exactly.  Elsewhere every read or write is an arch_prctl(), which
 * on these hosts costs 3 to 8 us, more than a signal's round trip with
 * two of them.  So each TCB records the bases the thread has loaded
 * (cur_*), and a switch to the value already loaded is skipped; the host's
 * FS is read once per thread; and GS is switched only for host code that
 * uses it.
 *
 * How the record stays true without FSGSBASE.  User space changes a base
 * only with arch_prctl(ARCH_SET_FS/ARCH_SET_GS) (WRFSBASE is #UD without
 * the kernel's consent, inside an enclave too).  Under the preload shim
 * the seccomp filter traps the program's such calls and
 * fsgs_arch_prctl() makes them, updating the TCB; the emulator's own
 * carry FSGS_MAGIC, which the filter lets through.  A program linked with
 * libsgxemu has no filter, so each entry also checks the host's FS against
 * the word at %fs:0, which the x86-64 TLS ABI (glibc, musl) makes the
 * thread pointer itself: a thread whose FS moved is read again.
 *
 * When host code uses GS.  Linux user space normally leaves GS at 0, and
 * a thread's GS is inherited from the thread that created it.  GS is
 * "live" (restored at every exit) for a thread whose GS, when the emulator
 * first met it, was neither 0 nor an enclave's base that another thread
 * left loaded (recorded in left_gs below), and for one the program gives a
 * GS through the shim.  Without the shim (libsgxemu linked directly), a
 * program that sets GS with its own arch_prctl() on a thread that has
 * already entered an enclave is not seen: doc/decisions.md says what such
 * a program does.  Under the shim without its filter (fsgs_exact), GS is
 * always live and read at every entry: slow, but exact.
 */
#include <asm/prctl.h>
#include <errno.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "base/sys.h"
#include "cpu/exec/exec.h"

/* Enclave GS bases that threads left loaded in host mode, direct-mapped:
 * a thread created by such a thread inherits one.  A lost entry only
 * makes that thread restore GS at its exits. */
bool fsgs_exact;

#define LEFT_GS_SLOTS 64
static _Atomic u64 left_gs[LEFT_GS_SLOTS];

static unsigned int left_slot(u64 gs)
{
	return (unsigned int)((gs >> 12) ^ (gs >> 24)) % LEFT_GS_SLOTS;
}

static bool left_by_a_thread(u64 gs)
{
	return atomic_load_explicit(&left_gs[left_slot(gs)], memory_order_relaxed) == gs;
}

static void note_left(u64 gs)
{
	_Atomic u64 *slot = &left_gs[left_slot(gs)];

	if (atomic_load_explicit(slot, memory_order_relaxed) != gs)
		atomic_store_explicit(slot, gs, memory_order_relaxed);
}

static u64 get_base(int code)
{
	u64 v = 0;

	sys_call6(SYS_arch_prctl, code, (long)&v, (long)FSGS_MAGIC, 0, 0, 0);
	return v;
}

/* The thread pointer by the TLS ABI: the word at %fs:0 holds FS's base. */
static u64 fs_self(void)
{
	u64 v;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

/* First meeting with the thread (or its FS moved without the shim seeing
 * it): read what it has loaded. */
static void learn(struct tcb *t)
{
	u64 gs = get_base(ARCH_GET_GS);

	t->host_fsbase = t->cur_fsbase = get_base(ARCH_GET_FS);
	t->cur_gsbase = gs;
	t->host_gs_live = fsgs_exact || (gs && !left_by_a_thread(gs));
	t->host_gsbase = t->host_gs_live ? gs : 0;
	t->fsgs_known = 1;
}

/**
 * fsgs_enter() - the host's bases, for the exit of the entry that just
 * succeeded on @t.
 * @t: the calling thread's TCB, in host mode (its host bases loaded, or GS
 *     left as an earlier exit left it)
 *
 * Context: host mode, normal context or a signal handler that entry.S
 * entered in host mode.
 */
void fsgs_enter(struct tcb *t)
{
	/* The shim's filter shows us the program's own changes. */
	bool watched = sys_gate && !fsgs_exact;

	if (exec_have_fsgsbase) {
		__asm__ volatile("rdfsbase %0" : "=r"(t->host_fsbase));
		__asm__ volatile("rdgsbase %0" : "=r"(t->host_gsbase));
		t->cur_fsbase = t->host_fsbase;
		t->cur_gsbase = t->host_gsbase;
		t->host_gs_live = 1;
		t->fsgs_known = 1;
		return;
	}
	if (!t->fsgs_known || (!watched && fs_self() != t->host_fsbase))
		learn(t);
	else if (t->host_gs_live && !watched)
		/* Host code that uses GS may have moved it unseen. */
		t->host_gsbase = t->cur_gsbase = get_base(ARCH_GET_GS);
	if (!t->host_gs_live)
		note_left(t->encl_gsbase);
}

long fsgs_arch_prctl(struct tcb *t, int code, u64 arg, u64 *val)
{
	long err;

	if (t && t->in_enclave) {
		/* An enclave's system call (SUD off): its own bases, loaded on
		 * the way out of this handler. */
		if (code == ARCH_SET_FS)
			t->sig_fsbase = arg;
		else if (code == ARCH_SET_GS)
			t->sig_gsbase = arg;
		else
			*val = t->sig_gsbase;
		return 0;
	}
	if (code == ARCH_GET_GS) {
		/* GS left as an enclave's is 0 for host code, as after EEXIT. */
		*val = t && t->fsgs_known && !t->host_gs_live ? 0 : get_base(ARCH_GET_GS);
		return 0;
	}
	if (t && t->fsgs_known) {
		/* The record first, as entry.S does. */
		if (code == ARCH_SET_FS) {
			t->host_fsbase = t->cur_fsbase = arg;
		} else {
			t->host_gsbase = t->cur_gsbase = arg;
			t->host_gs_live = fsgs_exact || arg != 0;
		}
	}
	err = sys_call6(SYS_arch_prctl, code, (long)arg, (long)FSGS_MAGIC, 0, 0, 0);
	if (err && t)
		t->fsgs_known = 0;
	return err;
}
