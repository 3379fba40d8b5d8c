// SPDX-License-Identifier: MIT
/* Thread control blocks: one per thread that runs enclave code. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "base/sys.h"
#include "cpu/exec/exec.h"
#include "cpu/platform.h"
#include "cpu/track.h"

STATIC_ASSERT_OFFSET(struct tcb, magic, TCB_OFF_MAGIC);
STATIC_ASSERT_OFFSET(struct tcb, in_enclave, TCB_OFF_IN_ENCLAVE);
STATIC_ASSERT_OFFSET(struct tcb, sud, TCB_OFF_SUD);
STATIC_ASSERT_OFFSET(struct tcb, host_fsbase, TCB_OFF_HOST_FS);
STATIC_ASSERT_OFFSET(struct tcb, host_gsbase, TCB_OFF_HOST_GS);
STATIC_ASSERT_OFFSET(struct tcb, encl_fsbase, TCB_OFF_ENCL_FS);
STATIC_ASSERT_OFFSET(struct tcb, encl_gsbase, TCB_OFF_ENCL_GS);
STATIC_ASSERT_OFFSET(struct tcb, load_encl, TCB_OFF_LOAD_ENCL);
STATIC_ASSERT_OFFSET(struct tcb, sig_fsbase, TCB_OFF_SIG_FS);
STATIC_ASSERT_OFFSET(struct tcb, sig_gsbase, TCB_OFF_SIG_GS);
STATIC_ASSERT_OFFSET(struct exec_frame, xrstor_area, FRAME_OFF_XRSTOR);
STATIC_ASSERT_OFFSET(struct exec_frame, xrstor_mask, FRAME_OFF_XMASK);
STATIC_ASSERT_OFFSET(struct exec_frame, load_bases, FRAME_OFF_LOADB);
STATIC_ASSERT_OFFSET(struct exec_frame, fsbase, FRAME_OFF_FS);
STATIC_ASSERT_OFFSET(struct exec_frame, gsbase, FRAME_OFF_GS);
STATIC_ASSERT_OFFSET(struct exec_frame, tcb, FRAME_OFF_TCB);
STATIC_ASSERT_SIZE(struct exec_frame, FRAME_SIZE);
_Static_assert(sizeof(struct tcb) < TCB_REGION_SIZE / 4, "TCB leaves too little stack");
/* entry.S reads uc->uc_stack.ss_sp at offset 16. */
STATIC_ASSERT_OFFSET(ucontext_t, uc_stack.ss_sp, 16);

static __thread struct tcb *tcb_self;
/* Every TCB, live or left for reuse, for exec_park() and exec_kick(). */
#define TCB_MAX 4096
static _Atomic(struct tcb *) tcbs[TCB_MAX];
static pthread_key_t tcb_key;
static pthread_once_t tcb_once = PTHREAD_ONCE_INIT;

/*
 * At thread exit: stop using the sigaltstack and SUD.  The region stays
 * mapped, marked unused, for the next new thread: exec_kick() may be
 * reading it from another thread right now.
 */
static void tcb_destroy(void *p)
{
	stack_t off = { .ss_flags = SS_DISABLE };
	struct tcb *t = p;

	/* The kernel reads the SUD selector in the TCB on every system call. */
	if (exec_sud_len)
		sys_call6(SYS_prctl, 59 /* PR_SET_SYSCALL_USER_DISPATCH */, 0, 0, 0, 0, 0);
	sys_sigaltstack(&off, NULL);
	t->tid = 0;
	atomic_store(&t->unused, true);
}

/* A TCB region an exited thread left, or a new one. */
static void *tcb_region(bool *registered)
{
	void *p;
	int i;

	for (i = 0; i < TCB_MAX; i++) {
		struct tcb *t = atomic_load(&tcbs[i]);

		if (t && atomic_exchange(&t->unused, false)) {
			*registered = true;
			return t;
		}
	}
	*registered = false;
	p = sys_mmap(NULL, TCB_REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		     0);
	return sys_failed(p) ? NULL : p;
}

static void tcb_key_init(void)
{
	pthread_key_create(&tcb_key, tcb_destroy);
}

/**
 * tcb_current() - the calling thread's TCB, created on first use.
 *
 * The TCB lives at the base of a fresh sigaltstack, which this installs; the
 * emulator's handlers find it there from the ucontext.
 *
 * Context: host mode (uses TLS).
 * Return: the TCB, or NULL if memory or the sigaltstack cannot be had.
 */
struct tcb *tcb_current(void)
{
	stack_t ss;
	struct tcb *t;
	void *p;

	bool registered;

	if (tcb_self)
		return tcb_self;
	pthread_once(&tcb_once, tcb_key_init);
	p = tcb_region(&registered);
	if (!p)
		return NULL;
	t = p;
	/* A reused region starts afresh; its registry slot stays. */
	memset(t, 0, offsetof(struct tcb, xsave));
	t->magic = TCB_MAGIC;
	ss.ss_sp = p;
	ss.ss_size = TCB_REGION_SIZE;
	ss.ss_flags = 0;
	/* What the thread had is the application's from now on. */
	if (sys_sigaltstack(&ss, &t->app_ss)) {
		if (registered)
			atomic_store(&t->unused, true);
		else
			sys_munmap(p, TCB_REGION_SIZE);
		return NULL;
	}
	pthread_setspecific(tcb_key, p);
	t->tid = (int)sys_call6(SYS_gettid, 0, 0, 0, 0, 0, 0);
	/* System calls from enclave code become SIGSYS (then #UD) while the
	 * selector blocks; ours, from exec_sud_start on, always pass. */
	if (exec_sud_len)
		sys_call6(SYS_prctl, 59 /* PR_SET_SYSCALL_USER_DISPATCH */, 1 /* ON */,
			  (long)exec_sud_start, (long)exec_sud_len, (long)&t->sud, 0);
	for (int i = 0; !registered && i < TCB_MAX; i++) {
		struct tcb *none = NULL;

		if (atomic_compare_exchange_strong(&tcbs[i], &none, t))
			break;
	}
	tcb_self = t;
	return t;
}

static struct tcb *tcb_of(int tid)
{
	int i;

	if (!tid)
		return tcb_self;
	for (i = 0; i < TCB_MAX; i++) {
		struct tcb *t = atomic_load(&tcbs[i]);

		if (t && t->tid == tid)
			return t;
	}
	return NULL;
}

bool exec_park(int tid)
{
	struct tcb *t = tcb_of(tid);

	if (!t || !t->in_enclave || atomic_exchange(&t->parked, true))
		return false;
	track_exit(t->secs, t->tcs);
	return true;
}

void exec_unpark(int tid)
{
	struct tcb *t = tcb_of(tid);

	/* An AEX while parked already counted it out for good. */
	if (!t || !atomic_exchange(&t->parked, false))
		return;
	track_enter_unheld(t->secs, t->tcs);
}

struct tcb *tcb_from_ucontext(const ucontext_t *uc)
{
	struct tcb *t = uc->uc_stack.ss_sp;

	if (!t || (uc->uc_stack.ss_flags & SS_DISABLE) || t->magic != TCB_MAGIC)
		return NULL;
	return t;
}

/* Linux's flag for a stack that is disarmed while a handler runs on it. */
#define SS_AUTODISARM_ (1U << 31)

int tcb_sigaltstack(const stack_t *ss, stack_t *old)
{
	struct tcb *t = tcb_self;

	if (!t)
		return sys_sigaltstack(ss, old);
	if (ss && (ss->ss_flags & ~(SS_DISABLE | (int)SS_AUTODISARM_)))
		return -EINVAL;
	if (ss && !(ss->ss_flags & SS_DISABLE) && ss->ss_size < (size_t)MINSIGSTKSZ)
		return -ENOMEM;
	if (old)
		*old = t->app_ss;
	if (ss) {
		t->app_ss = *ss;
		if (ss->ss_flags & SS_DISABLE) {
			t->app_ss.ss_sp = NULL;
			t->app_ss.ss_size = 0;
			t->app_ss.ss_flags = SS_DISABLE;
		}
	}
	return 0;
}

unsigned int exec_kick(struct platform *plat, void *secs)
{
	struct epc_page *page = epc_page_peek(plat, secs);
	unsigned int i, n = 0;
	int pid = (int)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);

	for (i = 0; i < TCB_MAX && page; i++) {
		struct tcb *t = atomic_load(&tcbs[i]);
		siginfo_t si;

		/* One kick at a time per thread: queued signals are limited. */
		if (!t || !t->in_enclave || t->secs != page || atomic_load(&t->parked) ||
		    atomic_exchange(&t->kicked, true))
			continue;
		memset(&si, 0, sizeof(si));
		si.si_signo = EXEC_KICK_SIG;
		si.si_code = SI_QUEUE;
		si.si_pid = pid;
		si.si_value.sival_ptr = EXEC_KICK_MAGIC;
		if (!sys_call6(SYS_rt_tgsigqueueinfo, pid, t->tid, EXEC_KICK_SIG, (long)&si, 0, 0))
			n++;
	}
	return n;
}
