// SPDX-License-Identifier: MIT
/*
 * Thread control blocks (tcb.c): a thread that takes over the region a
 * dead thread left must never let a signal see that thread's state, from
 * the first instant a signal handler can find the region.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

#include "base/sys.h"
#include "cpu/exec/exec.h"

#define POISON 0x5a5a5a5a5a5a5a5aULL

static atomic_ulong nr_raised, nr_taken, nr_poisoned;
static char poison_why[128];

static bool poisoned(const struct tcb *t)
{
	/* (While the program's handler runs, vmask holds what its action
	 * blocks of the emulator's signals: none here.) */
	return t->host_fsbase == POISON || t->app_mask == POISON || t->retry_la == POISON ||
	       t->mask_forced || (u64)(uintptr_t)t->app_ss.ss_sp == POISON ||
	       (t->vmask & EXEC_VIRTUAL_SIGS) || t->vpending;
}

/* The program's SIGUSR1 handler: whatever TCB the thread has now, by its
 * stack or by its id, must be its own, clean. */
static void on_usr1(int sig, siginfo_t *info, void *ucv)
{
	const ucontext_t *uc = ucv;
	int me = (int)syscall(SYS_gettid);
	const struct tcb *t = tcb_from_ucontext(uc);
	unsigned int i, n = atomic_load(&exec_nr_tcbs);

	(void)sig;
	(void)info;
	atomic_fetch_add(&nr_taken, 1);
	if (t && poisoned(t) && atomic_fetch_add(&nr_poisoned, 1) == 0)
		snprintf(poison_why, sizeof(poison_why), "by its stack, at raise %lu",
			 atomic_load(&nr_raised));
	for (i = 0; i < n; i++) {
		t = atomic_load(&exec_tcbs[i]);
		if (t && atomic_load(&t->tid) == me && poisoned(t) &&
		    atomic_fetch_add(&nr_poisoned, 1) == 0)
			snprintf(poison_why, sizeof(poison_why), "by its id, at raise %lu",
				 atomic_load(&nr_raised));
	}
}

/*
 * Every system call the emulator makes goes through sys_gate when it is
 * set: while the thread sets up its TCB, each is followed by a SIGUSR1,
 * taken right there, so a signal comes at every step.
 */
static __thread bool armed;

static long signal_after_each(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret = syscall(nr, a, b, c, d, e, f);

	/* (The gate answers as the kernel does.) */
	if (ret == -1)
		ret = -errno;

	if (armed) {
		armed = false;
		atomic_fetch_add(&nr_raised, 1);
		syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
		armed = true;
	}
	return ret;
}

struct born {
	struct tcb *t;
	int tid;
};

static void *first_owner(void *arg)
{
	struct born *b = arg;

	b->tid = (int)syscall(SYS_gettid);
	b->t = tcb_current();
	return NULL;
}

static void *second_owner(void *arg)
{
	struct born *b = arg;

	b->tid = (int)syscall(SYS_gettid);
	armed = true;
	b->t = tcb_current();
	armed = false;
	return NULL;
}

/* What a thread may leave behind in its TCB when it exits. */
static void poison(struct tcb *t)
{
	t->vmask = ~0ULL;
	t->host_fsbase = POISON;
	t->app_mask = POISON;
	t->mask_forced = true;
	t->retry_la = POISON;
	t->app_ss.ss_sp = (void *)(uintptr_t)POISON;
}

static void wait_gone(int tid)
{
	/* Gone for the kernel too, or its region is not free to take. */
	while (syscall(SYS_tgkill, getpid(), tid, 0) == 0 || errno != ESRCH)
		usleep(1000);
}

/*
 * A thread's TCB is left for reuse when it exits, poisoned here, and the
 * next thread takes it.  A program may unmap an exiting thread's stack
 * (ASan's runtime does), and a region whose stack place was taken since
 * is retired instead: then another round, with every dead region
 * poisoned.
 */
TEST(tcb, a_reused_tcb_shows_a_signal_nothing_of_its_dead_thread)
{
	struct tcb *self, *t;
	struct sigaction act;
	struct born dead, next;
	unsigned long taken, raised;
	bool reused = false;
	unsigned int i, n, round;
	pthread_t th;

	ASSERT_EQ(exec_init(), 0);
	self = tcb_current();
	memset(&act, 0, sizeof(act));
	act.sa_sigaction = on_usr1;
	act.sa_flags = SA_SIGINFO;
	ASSERT_EQ(sig_action(SIGUSR1, &act, NULL), 0);

	for (round = 0; round < 20 && !reused; round++) {
		ASSERT_EQ(pthread_create(&th, NULL, first_owner, &dead), 0);
		ASSERT_EQ(pthread_join(th, NULL), 0);
		ASSERT_TRUE(dead.t != NULL);
		wait_gone(dead.tid);
		n = atomic_load(&exec_nr_tcbs);
		for (i = 0; i < n; i++) {
			t = atomic_load(&exec_tcbs[i]);
			if (t && t != self)
				poison(t);
		}

		sys_gate = signal_after_each;
		ASSERT_EQ(pthread_create(&th, NULL, second_owner, &next), 0);
		ASSERT_EQ(pthread_join(th, NULL), 0);
		sys_gate = NULL;
		ASSERT_TRUE(next.t != NULL);
		ASSERT_EQ(atomic_load(&next.t->tid), next.tid);
		/* Poisoned a moment ago, unless it is new. */
		for (i = 0; i < n; i++)
			reused |= next.t == atomic_load(&exec_tcbs[i]);
		wait_gone(next.tid);
	}
	if (!reused)
		SKIP("no dead thread's TCB was free to take in 20 rounds");
	ASSERT_GE(atomic_load(&nr_raised), 3);
	if (atomic_load(&nr_poisoned))
		harness_fail(__FILE__, __LINE__, "%lu signals saw the dead thread's state, first %s",
			     atomic_load(&nr_poisoned), poison_why);
	/* None held back as blocked by the dead thread's mask. */
	taken = atomic_load(&nr_taken);
	raised = atomic_load(&nr_raised);
	ASSERT_EQ(taken, raised);
}
