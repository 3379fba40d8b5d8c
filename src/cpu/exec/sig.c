// SPDX-License-Identifier: MIT
/*
 * Applications' signal dispositions.  sgxemu owns the real handlers for the
 * signals that can arrive in enclave mode (they must run on the sigaltstack
 * and perform an AEX first); the application's handlers are recorded here
 * and called in host mode, as if the signal had arrived at the AEP.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/sys.h"
#include "cpu/exec/exec.h"

#define SA_RESTORER_ 0x04000000

struct app_action {
	void *handler;
	int flags;
	u64 mask;               /* the kernel's layout */
};

/*
 * The program's action for each signal.  sig_dispatch() reads it in
 * signal handlers, on any thread, while sig_action() may be replacing it
 * on another: a handler taken with the other action's flags would be
 * called with the wrong convention.  So each entry carries a sequence
 * count, odd while it is written; readers copy the fields (relaxed
 * atomics) and try again if the count moved, and never wait on a lock,
 * which a handler could not.  Writers take app_lock with every signal
 * blocked, so no handler runs on a thread that is half way through a
 * write: it would spin on the odd count, or on the lock, for ever.
 */
struct app_entry {
	atomic_uint seq;
	_Atomic(void *) handler;
	atomic_int flags;
	_Atomic u64 mask;
};

static struct app_entry apps[NSIG];
static atomic_flag app_lock = ATOMIC_FLAG_INIT;
static atomic_bool owned[NSIG];
/* apps[sig] holds the real disposition (adopted, or set through us). */
static atomic_bool known[NSIG];

static long raw(long nr, long a, long b, long c, long d)
{
	return sys_call6(nr, a, b, c, d, 0, 0);
}

static u64 kmask_of(const sigset_t *set)
{
	u64 m = 0;
	int s;

	for (s = 1; s < 65 && s < NSIG; s++)
		if (sigismember(set, s))
			m |= 1ULL << (s - 1);
	return m;
}

static void sigset_of(u64 m, sigset_t *set)
{
	int s;

	sigemptyset(set);
	for (s = 1; s < 65 && s < NSIG; s++)
		if (m & (1ULL << (s - 1)))
			sigaddset(set, s);
}

/* @sig's action, whole, and in *@seq the count it was read at. */
static struct app_action app_read(int sig, unsigned int *seq)
{
	struct app_entry *e = &apps[sig];
	struct app_action a;
	unsigned int s;

	for (;;) {
		s = atomic_load_explicit(&e->seq, memory_order_acquire);
		if (s & 1) {
			__builtin_ia32_pause();
			continue;
		}
		a.handler = atomic_load_explicit(&e->handler, memory_order_relaxed);
		a.flags = atomic_load_explicit(&e->flags, memory_order_relaxed);
		a.mask = atomic_load_explicit(&e->mask, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&e->seq, memory_order_relaxed) == s)
			break;
	}
	if (seq)
		*seq = s;
	return a;
}

/* Context: app_lock held. */
static void app_write(int sig, const struct app_action *a)
{
	struct app_entry *e = &apps[sig];
	unsigned int s = atomic_load_explicit(&e->seq, memory_order_relaxed);

	atomic_store_explicit(&e->seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&e->handler, a->handler, memory_order_relaxed);
	atomic_store_explicit(&e->flags, a->flags, memory_order_relaxed);
	atomic_store_explicit(&e->mask, a->mask, memory_order_relaxed);
	atomic_store_explicit(&e->seq, s + 2, memory_order_release);
}

/*
 * Take app_lock with every signal blocked; the mask to put back.  (In a
 * handler they are blocked already, and the calls change nothing.)
 * Nothing in the section can fault or make a call the shim traps, which
 * with the signal blocked would end the process.
 */
static u64 app_lock_take(void)
{
	u64 all = ~0ULL, old = 0;

	raw(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, (long)&old, 8);
	while (atomic_flag_test_and_set_explicit(&app_lock, memory_order_acquire))
		__builtin_ia32_pause();
	return old;
}

static void app_lock_drop(u64 old)
{
	atomic_flag_clear_explicit(&app_lock, memory_order_release);
	raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8);
}

/*
 * In a child of fork(): only the forking thread is left, and it was not
 * writing an action (a writer blocks its signals and forks nothing), but
 * another thread may have been.  Its lock is let go and a count it left
 * odd made even, or every reader would wait for it for ever; the fields
 * may then mix two actions, which is all the child can know.
 */
void sig_fork_child(void)
{
	int sig;

	atomic_flag_clear(&app_lock);
	for (sig = 1; sig < NSIG; sig++) {
		unsigned int s = atomic_load(&apps[sig].seq);

		if (s & 1)
			atomic_store(&apps[sig].seq, s + 1);
	}
}

int exec_install(int sig, void (*handler)(int, siginfo_t *, void *), const sigset_t *mask,
		 int flags)
{
	struct sys_sigaction ka = {
		.handler = (void *)handler,
		.flags = (unsigned long)flags | SA_SIGINFO | SA_ONSTACK | SA_RESTORER_,
		.restorer = exec_sigreturn,
		/* Never SIGSYS: a trapped call inside would kill the process. */
		.mask = mask ? kmask_of(mask) : ~(1ULL << (SIGSYS - 1)),
	};
	int err = sys_rt_sigaction(sig, &ka, NULL);

	if (err)
		return err;
	atomic_store(&owned[sig], true);
	return 0;
}

bool sig_is_ours(int sig)
{
	return sig > 0 && sig < NSIG && atomic_load(&owned[sig]);
}

/* The synchronous signals are always ours: an enclave can raise them.  So
 * is SIGSYS once the shim's filter traps calls with it. */
static bool always_ours(int sig)
{
	return sig == SIGILL || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGTRAP ||
	       (sig == SIGSYS && exec_syscall_hook_fn);
}

/*
 * The kernel's side of @sig's new action @a: SIG_DFL and SIG_IGN go to the
 * kernel as they are, a handler is the emulator's, which calls it.
 */
static int install(int sig, const struct app_action *a)
{
	if ((a->handler == SIG_DFL || a->handler == SIG_IGN) && !always_ours(sig)) {
		struct sys_sigaction ka = { .handler = a->handler,
					 .flags = (unsigned long)a->flags | SA_RESTORER_,
					 .restorer = exec_sigreturn,
					 .mask = a->mask };
		int err = sys_rt_sigaction(sig, &ka, NULL);

		if (!err)
			atomic_store(&owned[sig], false);
		return err;
	}
	/* (The shim's SIGSYS handler stays as it is: SA_NODEFER.) */
	if (sig == SIGSYS && exec_syscall_hook_fn)
		return 0;
	return exec_install(sig, (void (*)(int, siginfo_t *, void *))exec_signal_entry, NULL,
			    a->flags & (SA_RESTART | SA_NOCLDSTOP | SA_NOCLDWAIT));
}

/* Context: app_lock held. */
static void adopt_locked(int sig)
{
	struct sys_sigaction cur;
	struct app_action a;

	if (sys_rt_sigaction(sig, NULL, &cur))
		return;
	a.handler = cur.handler;
	a.flags = (int)cur.flags;
	a.mask = cur.mask;
	app_write(sig, &a);
	atomic_store(&known[sig], true);
}

/* Record the disposition a signal had before sgxemu took it over. */
void sig_adopt(int sig)
{
	u64 saved = app_lock_take();

	adopt_locked(sig);
	app_lock_drop(saved);
}

/**
 * sig_action() - sigaction() for applications that run enclaves.
 *
 * The disposition is recorded and the real handler becomes the emulator's,
 * running on the sigaltstack with every signal blocked; the application's
 * handler then runs in host mode with the mask it asked for.
 *
 * Return: 0 or -errno (-EINVAL for SIGKILL, SIGSTOP or a bad number).
 */
int sig_action(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct app_action prev, next;
	u64 saved;
	int err = 0;

	if (sig < 1 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
		return -EINVAL;
	/* The program's memory is read before signals are blocked: a bad
	 * pointer faults here, where its handler can take the fault. */
	if (act) {
		next.handler = (act->sa_flags & SA_SIGINFO) ? (void *)act->sa_sigaction :
							   (void *)act->sa_handler;
		next.flags = act->sa_flags;
		next.mask = kmask_of(&act->sa_mask);
	}
	saved = app_lock_take();
	/* What the process inherited (SIG_IGN under nohup, say) until it
	 * sets something else. */
	if (!atomic_load(&known[sig]))
		adopt_locked(sig);
	prev = app_read(sig, NULL);
	if (act) {
		/* Recorded before the kernel's disposition changes: a signal
		 * that reaches our handler from then on finds the new action,
		 * never the one being replaced (nor SIG_DFL, which would end
		 * the process that is installing a handler). */
		app_write(sig, &next);
		err = install(sig, &next);
		if (err)
			app_write(sig, &prev);
	}
	app_lock_drop(saved);
	if (err)
		return err;
	if (old) {
		memset(old, 0, sizeof(*old));
		if (prev.flags & SA_SIGINFO)
			old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev.handler;
		else
			old->sa_handler = (void (*)(int))prev.handler;
		old->sa_flags = prev.flags;
		sigset_of(prev.mask, &old->sa_mask);
	}
	return 0;
}

/* @sig pending again for the calling thread, with the siginfo it came with. */
static void queue_again(int sig, const siginfo_t *info)
{
	siginfo_t copy = *info;

	raw(SYS_rt_tgsigqueueinfo, getpid(), (long)syscall(SYS_gettid), sig, (long)&copy);
}

void sig_requeue(struct tcb *t, int sig, const siginfo_t *info)
{
	u64 one = 1ULL << (sig - 1);

	/* Blocked now, delivered when the handler's sigreturn restores the
	 * interrupted mask, i.e. at the AEP. */
	raw(SYS_rt_sigprocmask, SIG_BLOCK, (long)&one, 0, 8);
	queue_again(sig, info);
	t->requeued |= one;
}

void sig_hold(struct tcb *t, int sig, const siginfo_t *info, ucontext_t *uc)
{
	u64 one = 1ULL << (sig - 1), mask;

	/* Blocked by the mask sigreturn restores, so pending until entry.S
	 * lets it in, or the entry fails and exec_direct() does. */
	memcpy(&mask, &uc->uc_sigmask, sizeof(mask));
	mask |= one;
	memcpy(&uc->uc_sigmask, &mask, sizeof(mask));
	queue_again(sig, info);
	t->held |= one;
}

static bool default_ignores(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

/* The default action, for a signal the application left at SIG_DFL. */
static void take_default(int sig, const siginfo_t *info, bool refault)
{
	struct sys_sigaction ka = { .handler = SIG_DFL };

	if (default_ignores(sig))
		return;
	sys_rt_sigaction(sig, &ka, NULL);
	atomic_store(&owned[sig], false);
	/* A fault in host code faults again on return and takes the default
	 * action there; anything else is raised again, still blocked until the
	 * handler returns. */
	if (!refault)
		queue_again(sig, info);
}

/*
 * SA_RESETHAND: back to SIG_DFL once delivered, unless the program set
 * another action since it was read (@seq), which stays.
 */
static void reset_hand(int sig, unsigned int seq)
{
	u64 saved = app_lock_take();
	struct app_action a;

	if (atomic_load_explicit(&apps[sig].seq, memory_order_relaxed) == seq) {
		a = app_read(sig, NULL);
		a.handler = SIG_DFL;
		app_write(sig, &a);
	}
	app_lock_drop(saved);
}

/**
 * sig_dispatch() - hand a host-mode signal to the application.
 *
 * Context: signal handler, host mode, every signal blocked.
 */
void sig_dispatch(int sig, siginfo_t *info, ucontext_t *uc, struct tcb *t)
{
	unsigned int seq;
	struct app_action a = app_read(sig, &seq);
	u64 one = 1ULL << (sig - 1), mask, vprev = t ? t->vmask : 0;
	bool requeued = t && (t->requeued & one);
	bool fault = !requeued && info->si_code > 0 && always_ours(sig);

	if (t)
		t->requeued &= ~one;
	/* Blocked as far as the program knows: a fault is fatal, as Linux
	 * makes a blocked synchronous signal; anything else waits. */
	if (vprev & one) {
		if (fault) {
			a.handler = SIG_DFL;
		} else {
			t->vpending |= one;
			t->vpinfo[sig - 1 < 32 ? sig - 1 : 0] = *info;
			return;
		}
	}
	if (a.handler == SIG_IGN)
		return;
	if (a.handler == SIG_DFL) {
		take_default(sig, info, fault);
		return;
	}
	if (a.flags & SA_RESETHAND)
		reset_hand(sig, seq);
	/* The mask the application asked for, not the emulator's: what it
	 * blocks of the emulator's signals is virtual for the handler's run. */
	mask = kmask_of(&uc->uc_sigmask) | vprev | a.mask;
	if (!(a.flags & SA_NODEFER))
		mask |= one;
	if (t) {
		t->vmask = mask & EXEC_VIRTUAL_SIGS;
		mask &= ~EXEC_VIRTUAL_SIGS;
	} else if (exec_syscall_hook_fn) {
		mask &= ~(1ULL << (SIGSYS - 1));
	}
	raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, 8);
	if (a.flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))a.handler)(sig, info, uc);
	else
		((void (*)(int))a.handler)(sig);
	if (t)
		t->vmask = vprev;
}

/* Deliver what waited for the program to unblock it. */
static void release_pending(struct tcb *t)
{
	u64 go = t->vpending & ~t->vmask;
	int sig;

	for (sig = 1; go && sig <= 32; sig++) {
		if (!(go & (1ULL << (sig - 1))))
			continue;
		go &= ~(1ULL << (sig - 1));
		t->vpending &= ~(1ULL << (sig - 1));
		raw(SYS_rt_tgsigqueueinfo, getpid(), t->tid, sig, (long)&t->vpinfo[sig - 1]);
	}
}

int exec_sigprocmask(struct tcb *t, ucontext_t *uc, int how, const u64 *set, u64 *old)
{
	u64 real, cur, want;

	memcpy(&real, &uc->uc_sigmask, sizeof(real));
	cur = real | t->vmask;
	if (old)
		*old = cur;
	if (!set)
		return 0;
	switch (how) {
	case SIG_BLOCK:
		want = cur | *set;
		break;
	case SIG_UNBLOCK:
		want = cur & ~*set;
		break;
	case SIG_SETMASK:
		want = *set;
		break;
	default:
		return -EINVAL;
	}
	want &= ~(EXEC_KSIG(SIGKILL) | EXEC_KSIG(SIGSTOP));
	t->vmask = want & EXEC_VIRTUAL_SIGS;
	want &= ~EXEC_VIRTUAL_SIGS;
	memcpy(&uc->uc_sigmask, &want, sizeof(want));
	release_pending(t);
	return 0;
}

void exec_adopt_mask(struct tcb *t, u64 *frame_mask)
{
	u64 real = 0, open = EXEC_VIRTUAL_SIGS;

	if (frame_mask) {
		t->vmask = *frame_mask & EXEC_VIRTUAL_SIGS;
		*frame_mask &= ~EXEC_VIRTUAL_SIGS;
		return;
	}
	if (raw(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&real, 8))
		return;
	t->vmask = real & EXEC_VIRTUAL_SIGS;
	if (t->vmask)
		raw(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&open, 0, 8);
}
