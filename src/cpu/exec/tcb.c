// SPDX-License-Identifier: MIT
/* Thread control blocks: one per thread that runs enclave code. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "base/log.h"
#include "base/parse.h"
#include "base/sys.h"
#include "cpu/exec/exec.h"
#include "cpu/platform.h"
#include "cpu/track.h"

STATIC_ASSERT_OFFSET(struct tcb, magic, TCB_OFF_MAGIC);
STATIC_ASSERT_OFFSET(struct tcb, in_enclave, TCB_OFF_IN_ENCLAVE);
STATIC_ASSERT_OFFSET(struct tcb, sud, TCB_OFF_SUD);
STATIC_ASSERT_OFFSET(struct tcb, in_emu, TCB_OFF_IN_EMU);
STATIC_ASSERT_OFFSET(struct tcb, host_fsbase, TCB_OFF_HOST_FS);
STATIC_ASSERT_OFFSET(struct tcb, host_gsbase, TCB_OFF_HOST_GS);
STATIC_ASSERT_OFFSET(struct tcb, encl_fsbase, TCB_OFF_ENCL_FS);
STATIC_ASSERT_OFFSET(struct tcb, encl_gsbase, TCB_OFF_ENCL_GS);
STATIC_ASSERT_OFFSET(struct tcb, load_encl, TCB_OFF_LOAD_ENCL);
STATIC_ASSERT_OFFSET(struct tcb, sig_fsbase, TCB_OFF_SIG_FS);
STATIC_ASSERT_OFFSET(struct tcb, sig_gsbase, TCB_OFF_SIG_GS);
STATIC_ASSERT_OFFSET(struct tcb, tid, TCB_OFF_TID);
STATIC_ASSERT_OFFSET(struct tcb, host_gs_live, TCB_OFF_HOST_GS_LIVE);
STATIC_ASSERT_OFFSET(struct tcb, cur_fsbase, TCB_OFF_CUR_FS);
STATIC_ASSERT_OFFSET(struct tcb, cur_gsbase, TCB_OFF_CUR_GS);
STATIC_ASSERT_OFFSET(struct tcb, entering, TCB_OFF_ENTERING);
STATIC_ASSERT_OFFSET(struct tcb, held, TCB_OFF_HELD);
STATIC_ASSERT_OFFSET(struct exec_frame, xrstor_area, FRAME_OFF_XRSTOR);
STATIC_ASSERT_OFFSET(struct exec_frame, xrstor_mask, FRAME_OFF_XMASK);
STATIC_ASSERT_OFFSET(struct exec_frame, load_bases, FRAME_OFF_LOADB);
STATIC_ASSERT_OFFSET(struct exec_frame, fsbase, FRAME_OFF_FS);
STATIC_ASSERT_OFFSET(struct exec_frame, gsbase, FRAME_OFF_GS);
STATIC_ASSERT_OFFSET(struct exec_frame, tcb, FRAME_OFF_TCB);
STATIC_ASSERT_SIZE(struct exec_frame, FRAME_SIZE);
_Static_assert(sizeof(struct tcb) <= TCB_HDR_SIZE, "the TCB outgrows its header");
_Static_assert(TCB_HDR_SIZE % 4096 == 0 && TCB_STACK_SIZE >= 128 << 10, "bad TCB region");
STATIC_ASSERT_OFFSET(struct tcb_tag, tcb, TCB_TAG_OFF_TCB);
/* entry.S reads uc->uc_stack.ss_sp at offset 16. */
STATIC_ASSERT_OFFSET(ucontext_t, uc_stack.ss_sp, 16);

/*
 * Every TCB, live or left for reuse, for exec_park() and exec_kick().  A
 * thread finds its own from its sigaltstack, never through TLS: a thread
 * made with a raw clone() may share its parent's TLS.
 */
struct tcb *_Atomic exec_tcbs[TCB_MAX];
/* Slots [0, exec_nr_tcbs) may be taken (entry.S scans no further). */
_Atomic unsigned int exec_nr_tcbs;
#define tcbs exec_tcbs

static int gettid_(void)
{
	return (int)sys_call6(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

/*
 * Whether the thread @tid, which took a TCB here, is gone: not in this
 * process, nor anywhere (a process made with clone(CLONE_VM) shares this
 * memory and these TCBs from another thread group).  An id reused
 * elsewhere keeps its region out of reuse until it goes too.
 */
static bool thread_gone(int tid)
{
	return sys_call6(SYS_tgkill, sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0), tid, 0, 0, 0, 0) ==
		       -ESRCH &&
	       sys_call6(SYS_kill, tid, 0, 0, 0, 0, 0) == -ESRCH;
}

static void *tcb_stack(struct tcb *t)
{
	return (u8 *)t + TCB_HDR_SIZE;
}

/* The TCB whose stack is @ss_sp, or NULL: a program's own sigaltstack. */
static struct tcb *tcb_of_stack(void *ss_sp)
{
	struct tcb_tag *tag = ss_sp;

	return tag && tag->magic == TCB_MAGIC ? tag->tcb : NULL;
}

/*
 * Whether the stack of @t, whose thread exited, is still there to reuse,
 * or can be put back.  The exiting thread's program may have unmapped it
 * (the TCB itself is never installed as a stack, so it stays), and what
 * was mapped there since is not ours.
 */
static bool tcb_stack_back(struct tcb *t)
{
	u8 *s = tcb_stack(t), vec[TCB_STACK_SIZE / 4096];
	void *p = sys_mmap(s, TCB_STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == s)
		return true;
	if (!sys_failed(p)) {
		/* A kernel before 4.17 took the flag for a hint. */
		sys_munmap(p, TCB_STACK_SIZE);
		return false;
	}
	/* Something is mapped there: ours, if all of it is and it is tagged. */
	return !sys_call6(SYS_mincore, (long)s, TCB_STACK_SIZE, (long)vec, 0, 0, 0) &&
	       tcb_of_stack(s) == t;
}

/*
 * Take @t for the calling thread if it is free or its thread exited (an
 * exit is not announced: a raw clone() has no pthread destructor).  One
 * compare-and-swap from the id seen decides, so two new threads that find
 * the same region never both take it.  It marks the region claimed, not
 * yet the new thread's: entry.S finds a TCB by its thread's id, and must
 * not find this one before tcb_init() has cleared what the dead thread
 * left in it.  A thread gone while inside an enclave keeps its region:
 * its counts stay where they are.
 */
static bool tcb_claim(struct tcb *t)
{
	int tid = atomic_load(&t->tid);

	if (!tid || tid == TCB_TID_CLAIMED)
		return false;
	if (tid != TCB_TID_FREE && (tcb_in_enclave(t) || !thread_gone(tid)))
		return false;
	return atomic_compare_exchange_strong(&t->tid, &tid, TCB_TID_CLAIMED);
}

/*
 * A TCB region a thread that exited left, claimed, or a new one.  Regions
 * stay mapped: exec_kick() may be reading one from another thread right
 * now.
 */
static void *tcb_region(bool *registered)
{
	void *p;
	int i;

	for (i = 0; i < TCB_MAX; i++) {
		struct tcb *t = atomic_load(&tcbs[i]);

		if (!t || !tcb_claim(t))
			continue;
		if (tcb_stack_back(t)) {
			*registered = true;
			return t;
		}
		/* Retired for good: nobody's, and never free again. */
		atomic_store(&t->tid, 0);
	}
	*registered = false;
	p = sys_mmap(NULL, TCB_REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		     0);
	return sys_failed(p) ? NULL : p;
}

/* The calling thread's TCB, from its sigaltstack (in *@cur, if not NULL);
 * NULL if it has none. */
static struct tcb *tcb_lookup(stack_t *cur)
{
	stack_t ss, *p = cur ? cur : &ss;

	if (sys_sigaltstack(NULL, p)) {
		p->ss_flags = SS_DISABLE;
		return NULL;
	}
	return (p->ss_flags & SS_DISABLE) ? NULL : tcb_of_stack(p->ss_sp);
}

/*
 * Clear a new or reused region @p for a new thread.  No signal can find it
 * yet: it is in no thread's sigaltstack, and its id is TCB_TID_CLAIMED (a
 * reused one) or it is in no slot of the registry (a new one).  So what a
 * dead thread left there (its virtual mask, what it held pending, its
 * bases) is gone before any handler can read it.
 */
static struct tcb *tcb_init(void *p)
{
	struct tcb *t = p;
	struct tcb_tag *tag = tcb_stack(t);

	/* What other threads read (in_enclave, tid: the claim) is left to
	 * atomics. */
	memset(&t->sud, 0, offsetof(struct tcb, tid) - offsetof(struct tcb, sud));
	memset((u8 *)t + offsetof(struct tcb, tid) + sizeof(t->tid), 0,
	       offsetof(struct tcb, parked) - offsetof(struct tcb, tid) - sizeof(t->tid));
	tcb_set_in_enclave(t, 0);
	atomic_store(&t->parked, false);
	atomic_store(&t->kicked, false);
	t->magic = TCB_MAGIC;
	tag->magic = TCB_MAGIC;
	tag->tcb = t;
	return t;
}

/* Give the cleared TCB @t to the calling thread @me: its id from now on. */
static void tcb_own(struct tcb *t, int me)
{
	int i;

	/* A thread that exited left its id behind, and ids are reused: the
	 * region that still carries ours is retired, before ours carries it
	 * too and entry.S could find either. */
	for (i = 0; i < TCB_MAX; i++) {
		struct tcb *o = atomic_load(&tcbs[i]);
		int dup = me;

		if (o && o != t)
			atomic_compare_exchange_strong(&o->tid, &dup, 0);
	}
	atomic_store(&t->tid, me);
}

/* The rest of the calling thread's setup of @t, which signals may see. */
static void tcb_register(struct tcb *t, bool registered)
{
	int i;

	/* System calls from enclave code become SIGSYS (then #UD) while the
	 * selector blocks; ours, from exec_sud_start on, always pass. */
	if (exec_sud_len)
		sys_call6(SYS_prctl, 59 /* PR_SET_SYSCALL_USER_DISPATCH */, 1 /* ON */,
			  (long)exec_sud_start, (long)exec_sud_len, (long)&t->sud, 0);
	for (i = 0; !registered && i < TCB_MAX; i++) {
		struct tcb *none = NULL;

		if (atomic_compare_exchange_strong(&tcbs[i], &none, t)) {
			unsigned int n = atomic_load(&exec_nr_tcbs);

			while (n < (unsigned int)i + 1 &&
			       !atomic_compare_exchange_weak(&exec_nr_tcbs, &n, (unsigned int)i + 1))
				;
			break;
		}
	}
}

static void tcb_giveup(void *p, bool registered)
{
	if (registered)
		atomic_store(&((struct tcb *)p)->tid, TCB_TID_FREE);
	else
		sys_munmap(p, TCB_REGION_SIZE);
}

/**
 * tcb_current() - the calling thread's TCB, created on first use.
 *
 * The TCB lives at the base of a fresh sigaltstack, which this installs; the
 * emulator's handlers find it there from the ucontext.
 *
 * Context: normal context, not on a sigaltstack.
 * Return: the TCB, or NULL if memory or the sigaltstack cannot be had.
 */
struct tcb *tcb_current(void)
{
	stack_t ss, app;
	bool registered;
	struct tcb *t;
	void *p;
	int me;

	t = tcb_lookup(&app);
	if (t)
		return t;
	me = gettid_();
	p = tcb_region(&registered);
	if (!p)
		return NULL;
	/* Cleared before it is ours, and ours before it is the sigaltstack:
	 * a signal may come at any point and find it by either. */
	t = tcb_init(p);
	t->app_ss = app;
	tcb_own(t, me);
	ss.ss_sp = tcb_stack(p);
	ss.ss_size = TCB_STACK_SIZE;
	ss.ss_flags = 0;
	/* What the thread had is the application's from now on. */
	if (sys_sigaltstack(&ss, &app)) {
		tcb_giveup(p, registered);
		return NULL;
	}
	t->app_ss = app;
	tcb_register(t, registered);
	exec_adopt_mask(t, NULL);
	return t;
}

/**
 * tcb_current_in_handler() - tcb_current() from a signal handler.
 * @uc: the handler's context
 *
 * A thread's first raw ENCLU arrives as a signal, maybe on the program's
 * own sigaltstack, where no other may be installed, and the sigreturn that
 * ends the handler restores the sigaltstack from @uc.  So the new stack is
 * put in @uc, for the sigreturn to install, and the one the thread had
 * becomes the program's recorded one.
 *
 * Return: the TCB, or NULL when no memory can be had.
 */
struct tcb *tcb_current_in_handler(ucontext_t *uc)
{
	int me = gettid_();
	struct tcb *t;
	bool registered;
	void *p;

	p = tcb_region(&registered);
	if (!p)
		return NULL;
	t = tcb_init(p);
	t->app_ss = uc->uc_stack;
	t->app_ss.ss_flags &= ~SS_ONSTACK;
	tcb_own(t, me);
	tcb_register(t, registered);
	uc->uc_stack.ss_sp = tcb_stack(p);
	uc->uc_stack.ss_size = TCB_STACK_SIZE;
	uc->uc_stack.ss_flags = 0;
	exec_adopt_mask(t, (u64 *)(void *)&uc->uc_sigmask);
	return t;
}

/*
 * The TCB of the calling thread if it runs on its sigaltstack, the TCB's
 * own region, as in the emulator's handlers (which park and unpark the
 * thread for every page they reload): no system call.  NULL otherwise.
 */
static struct tcb *tcb_on_stack(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	unsigned int i, n = atomic_load(&exec_nr_tcbs);

	for (i = 0; i < n && i < TCB_MAX; i++) {
		struct tcb *t = atomic_load(&tcbs[i]);

		if (t && sp - (uintptr_t)t < TCB_REGION_SIZE)
			return t->magic == TCB_MAGIC ? t : NULL;
	}
	return NULL;
}

static struct tcb *tcb_of(int tid)
{
	struct tcb *t;
	int i;

	if (!tid) {
		t = tcb_on_stack();
		return t ? t : tcb_lookup(NULL);
	}
	for (i = 0; i < TCB_MAX; i++) {
		t = atomic_load(&tcbs[i]);
		if (t && t->tid == tid)
			return t;
	}
	return NULL;
}

bool exec_park(int tid)
{
	struct tcb *t = tcb_of(tid);

	if (!t || !tcb_in_enclave(t) || atomic_exchange(&t->parked, true))
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
	track_enter_unheld(t->plat, t->secs, t->tcs);
}

struct tcb *tcb_from_ucontext(const ucontext_t *uc)
{
	if (uc->uc_stack.ss_flags & SS_DISABLE)
		return NULL;
	return tcb_of_stack(uc->uc_stack.ss_sp);
}

/* Linux's flag for a stack that is disarmed while a handler runs on it. */
#define SS_AUTODISARM_ (1U << 31)

int tcb_sigaltstack(struct tcb *t, const stack_t *ss, stack_t *old)
{
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

/* Interrupt @t if it runs enclave code: it takes an AEX.  One kick at a
 * time per thread: queued signals are limited.  Return: whether sent. */
static bool kick_one(struct tcb *t, const struct epc_page *secs, int pid)
{
	siginfo_t si;

	if (!t || !tcb_in_enclave(t) || (secs && t->secs != secs) || atomic_load(&t->parked) ||
	    atomic_exchange(&t->kicked, true))
		return false;
	memset(&si, 0, sizeof(si));
	si.si_signo = EXEC_KICK_SIG;
	si.si_code = SI_QUEUE;
	si.si_pid = pid;
	si.si_value.sival_ptr = EXEC_KICK_MAGIC;
	return !sys_call6(SYS_rt_tgsigqueueinfo, pid, t->tid, EXEC_KICK_SIG, (long)&si, 0, 0);
}

unsigned int exec_kick(struct platform *plat, void *secs)
{
	struct epc_page *page = epc_page_peek(plat, secs);
	unsigned int i, n = 0, nr = atomic_load(&exec_nr_tcbs);
	int pid = (int)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);

	for (i = 0; i < nr && page; i++)
		n += kick_one(atomic_load(&tcbs[i]), page, pid);
	return n;
}

bool exec_kick_thread(int pid, int tid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = EXEC_KICK_SIG;
	si.si_code = SI_QUEUE;
	si.si_pid = (int)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	si.si_uid = (uid_t)sys_call6(SYS_getuid, 0, 0, 0, 0, 0, 0);
	si.si_value.sival_ptr = EXEC_KICK_REMOTE_MAGIC;
	return !sys_call6(SYS_rt_tgsigqueueinfo, pid, tid, EXEC_KICK_SIG, (long)&si, 0, 0);
}

/*
 * The timer interrupt.  On hardware every interrupt a core takes while it
 * runs enclave code is an AEX (the enclave sees them: AEX-Notify counts
 * them); here the host's interrupts never reach enclave code, so a thread
 * interrupts every thread in enclave mode SGXEMU_TICK_HZ times a second
 * (250 by default, 0 for none), as a 250 Hz kernel's tick would.
 */
static atomic_bool ticker_running;
static unsigned int tick_hz = 250;

static void *ticker(void *arg)
{
	struct timespec ts = { 0, 1000000000L / tick_hz };

	(void)arg;
	for (;;) {
		int pid = (int)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);
		unsigned int i, nr = atomic_load(&exec_nr_tcbs);

		for (i = 0; i < nr; i++)
			kick_one(atomic_load(&tcbs[i]), NULL, pid);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

void exec_ticker_start(void)
{
	sigset_t all, old;
	pthread_t th;

	if (atomic_exchange(&ticker_running, true))
		return;
	tick_hz = (unsigned int)parse_env_count("SGXEMU_TICK_HZ", 0, EXEC_MAX_TICK_HZ, 250);
	if (!tick_hz)
		return;
	/* Signals are the program's business, not the ticker's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&th, NULL, ticker, NULL))
		atomic_store(&ticker_running, false);
	else
		pthread_detach(th);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * In a child of fork(): only the forking thread exists.  Every other TCB
 * is left for reuse, and the forking thread's carries its new id.
 */
void exec_fork_child(void)
{
	/* The parent's ticker is not the child's. */
	atomic_store(&ticker_running, false);
	sig_fork_child();
	int tid = (int)sys_call6(SYS_gettid, 0, 0, 0, 0, 0, 0), i;
	struct tcb *self = tcb_lookup(NULL);
	for (i = 0; i < TCB_MAX; i++) {
		struct tcb *t = atomic_load(&tcbs[i]);

		if (!t)
			continue;
		if (t == self) {
			atomic_store(&t->tid, tid);
			continue;
		}
		tcb_set_in_enclave(t, 0);
		t->in_emu = 0;
		atomic_store(&t->parked, false);
		atomic_store(&t->kicked, false);
		atomic_store(&t->tid, TCB_TID_FREE);
	}
}
