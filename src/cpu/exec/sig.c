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
	sigset_t mask;
};

static struct app_action apps[NSIG];
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
	struct app_action prev;
	int err = 0;

	if (sig < 1 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
		return -EINVAL;
	/* What the process inherited (SIG_IGN under nohup, say) until it
	 * sets something else. */
	if (!atomic_load(&known[sig]))
		sig_adopt(sig);
	prev = apps[sig];
	if (act) {
		void *h = (act->sa_flags & SA_SIGINFO) ? (void *)act->sa_sigaction :
							  (void *)act->sa_handler;

		if ((h == SIG_DFL || h == SIG_IGN) && !always_ours(sig)) {
			struct sys_sigaction ka = { .handler = h,
						 .flags = (unsigned long)act->sa_flags | SA_RESTORER_,
						 .restorer = exec_sigreturn,
						 .mask = kmask_of(&act->sa_mask) };

			err = sys_rt_sigaction(sig, &ka, NULL);
			if (err)
				return err;
			atomic_store(&owned[sig], false);
		} else if (!(sig == SIGSYS && exec_syscall_hook_fn)) {
			/* (The shim's SIGSYS handler stays as it is: SA_NODEFER.) */
			err = exec_install(sig, (void (*)(int, siginfo_t *, void *))exec_signal_entry,
					   NULL, act->sa_flags & (SA_RESTART | SA_NOCLDSTOP | SA_NOCLDWAIT));
			if (err)
				return err;
		}
		apps[sig].handler = h;
		apps[sig].flags = act->sa_flags;
		apps[sig].mask = act->sa_mask;
	}
	if (old) {
		memset(old, 0, sizeof(*old));
		if (prev.flags & SA_SIGINFO)
			old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev.handler;
		else
			old->sa_handler = (void (*)(int))prev.handler;
		old->sa_flags = prev.flags;
		old->sa_mask = prev.mask;
	}
	return 0;
}

/* Record the disposition a signal had before sgxemu took it over. */
void sig_adopt(int sig)
{
	struct sys_sigaction cur;
	int s;

	if (sys_rt_sigaction(sig, NULL, &cur))
		return;
	atomic_store(&known[sig], true);
	apps[sig].handler = cur.handler;
	apps[sig].flags = (int)cur.flags;
	sigemptyset(&apps[sig].mask);
	for (s = 1; s < 65 && s < NSIG; s++)
		if (cur.mask & (1ULL << (s - 1)))
			sigaddset(&apps[sig].mask, s);
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

/**
 * sig_dispatch() - hand a host-mode signal to the application.
 *
 * Context: signal handler, host mode, every signal blocked.
 */
void sig_dispatch(int sig, siginfo_t *info, ucontext_t *uc, struct tcb *t)
{
	struct app_action a = apps[sig];
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
		apps[sig].handler = SIG_DFL;
	/* The mask the application asked for, not the emulator's: what it
	 * blocks of the emulator's signals is virtual for the handler's run. */
	mask = kmask_of(&uc->uc_sigmask) | vprev | kmask_of(&a.mask);
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
