// SPDX-License-Identifier: MIT
/*
 * The program's signal dispositions as the emulator keeps them (sig.c):
 * a handler must be called the way the action it came with says, while
 * another thread replaces that action, and a signal that comes while
 * sigaction() runs, or right after it returns, must find the new one.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#include "base/sys.h"
#include "cpu/exec/exec.h"

/*
 * Two actions for SIGUSR1 that differ in every field: A is the plain
 * sa_handler form, blocks SIGUSR1 while it runs and MARK_A with it; B is
 * SA_SIGINFO, SA_NODEFER, and blocks MARK_B.  So each handler can tell
 * from its arguments and the mask it runs with whether it was called with
 * its own action's flags and mask.  The marks are never raised.
 */
#define MARK_A SIGUSR2
#define MARK_B SIGWINCH

static atomic_ulong nr_a, nr_b, nr_bad;
static atomic_int last;         /* 'A' or 'B': who ran last */
static char bad_why[128];

static bool blocked(int sig)
{
	sigset_t cur;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig);
}

static void bad(const char *why)
{
	if (atomic_fetch_add(&nr_bad, 1) == 0)
		snprintf(bad_why, sizeof(bad_why), "%s", why);
}

static void handler_a(int sig)
{
	if (sig != SIGUSR1)
		bad("A: not SIGUSR1");
	else if (!blocked(SIGUSR1))
		bad("A: SIGUSR1 open, as B's SA_NODEFER leaves it");
	else if (!blocked(MARK_A) || blocked(MARK_B))
		bad("A: runs with B's sa_mask");
	atomic_fetch_add(&nr_a, 1);
	atomic_store(&last, 'A');
}

static void handler_b(int sig, siginfo_t *info, void *uc)
{
	if (sig != SIGUSR1 || !info || !uc || info->si_signo != SIGUSR1)
		bad("B: called without its siginfo");
	else if (blocked(SIGUSR1))
		bad("B: SIGUSR1 blocked despite SA_NODEFER");
	else if (!blocked(MARK_B) || blocked(MARK_A))
		bad("B: runs with A's sa_mask");
	atomic_fetch_add(&nr_b, 1);
	atomic_store(&last, 'B');
}

static struct sigaction act_a, act_b;

static void make_actions(void)
{
	memset(&act_a, 0, sizeof(act_a));
	act_a.sa_handler = handler_a;
	sigemptyset(&act_a.sa_mask);
	sigaddset(&act_a.sa_mask, MARK_A);
	memset(&act_b, 0, sizeof(act_b));
	act_b.sa_sigaction = handler_b;
	act_b.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&act_b.sa_mask);
	sigaddset(&act_b.sa_mask, MARK_B);
}

static void raise_self(int sig)
{
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static atomic_bool stop;
static atomic_ulong nr_flips;

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		if (sig_action(SIGUSR1, &act_b, NULL) || sig_action(SIGUSR1, &act_a, NULL))
			bad("sig_action failed");
		atomic_fetch_add(&nr_flips, 1);
	}
	return NULL;
}

/*
 * One thread switches SIGUSR1 between A and B as fast as it can while
 * another raises SIGUSR1 at itself: every call is one of the two actions
 * whole.  The race is a matter of timing, so this runs for
 * SGXEMU_STRESS_SECONDS (3 by default) and stops at the first bad call.
 */
TEST_T(sig, a_handler_replaced_meanwhile_is_called_as_its_own_action_says, 120)
{
	const char *env = getenv("SGXEMU_STRESS_SECONDS");
	double end = now() + (env ? atoi(env) : 3);
	unsigned long raised = 0;
	pthread_t th;

	make_actions();
	ASSERT_EQ(exec_init(), 0);
	ASSERT_EQ(sig_action(SIGUSR1, &act_a, NULL), 0);
	ASSERT_EQ(pthread_create(&th, NULL, flipper, NULL), 0);
	while (now() < end && !atomic_load(&nr_bad)) {
		unsigned int i;

		for (i = 0; i < 1000; i++)
			raise_self(SIGUSR1);
		raised += 1000;
	}
	atomic_store(&stop, true);
	pthread_join(th, NULL);
	if (atomic_load(&nr_bad))
		harness_fail(__FILE__, __LINE__, "%lu of %lu calls inconsistent, first: %s",
			     atomic_load(&nr_bad), raised, bad_why);
	ASSERT_EQ(atomic_load(&nr_a) + atomic_load(&nr_b), raised);
	ASSERT_GT(atomic_load(&nr_flips), 0);
	ASSERT_GT(atomic_load(&nr_a), 0);
	ASSERT_GT(atomic_load(&nr_b), 0);
}

/*
 * The emulator's system calls all go through sys_gate when it is set:
 * this one raises SIGUSR1 at the calling thread just after the kernel's
 * disposition of SIGUSR1 changed, inside sig_action().
 */
static __thread bool in_gate;

static long raise_during_install(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret = syscall(nr, a, b, c, d, e, f);

	/* (The gate answers as the kernel does.) */
	if (ret == -1)
		ret = -errno;

	if (nr == SYS_rt_sigaction && a == SIGUSR1 && b && !in_gate) {
		in_gate = true;
		raise_self(SIGUSR1);
		in_gate = false;
	}
	return ret;
}

static void expect_next(const struct sigaction *act, int who, unsigned long *calls)
{
	ASSERT_EQ(sig_action(SIGUSR1, act, NULL), 0);
	/* The signal the gate raised has been taken by now, and by the
	 * handler just installed. */
	ASSERT_EQ(atomic_load(&nr_a) + atomic_load(&nr_b), ++*calls);
	ASSERT_EQ(atomic_load(&last), who);
	/* And one right after the call returned. */
	raise_self(SIGUSR1);
	ASSERT_EQ(atomic_load(&nr_a) + atomic_load(&nr_b), ++*calls);
	ASSERT_EQ(atomic_load(&last), who);
}

/*
 * A signal that arrives while sigaction() installs a handler is the new
 * handler's (or, had it come a moment earlier, the old one's, which never
 * happens here: the kernel changes the disposition first).  The first
 * install replaces SIG_DFL, whose action for SIGUSR1 ends the process.
 */
TEST(sig, a_signal_during_or_right_after_sigaction_finds_the_new_handler)
{
	unsigned long calls = 0;
	int i;

	make_actions();
	ASSERT_EQ(exec_init(), 0);
	sys_gate = raise_during_install;
	expect_next(&act_a, 'A', &calls);
	for (i = 0; i < 50; i++) {
		expect_next(&act_b, 'B', &calls);
		expect_next(&act_a, 'A', &calls);
	}
	sys_gate = NULL;
	ASSERT_EQ(atomic_load(&nr_bad), 0);
}

/* What sigaction() reports as the old action is what was set. */
TEST(sig, the_old_action_is_the_one_set)
{
	struct sigaction old;

	make_actions();
	ASSERT_EQ(exec_init(), 0);
	ASSERT_EQ(sig_action(SIGUSR1, &act_b, NULL), 0);
	ASSERT_EQ(sig_action(SIGUSR1, &act_a, &old), 0);
	ASSERT_TRUE(old.sa_sigaction == handler_b);
	ASSERT_EQ(old.sa_flags, SA_SIGINFO | SA_NODEFER);
	ASSERT_TRUE(sigismember(&old.sa_mask, MARK_B));
	ASSERT_FALSE(sigismember(&old.sa_mask, MARK_A));
	ASSERT_EQ(sig_action(SIGUSR1, NULL, &old), 0);
	ASSERT_TRUE(old.sa_handler == handler_a);
	ASSERT_EQ(old.sa_flags, 0);
	ASSERT_TRUE(sigismember(&old.sa_mask, MARK_A));
}

/*
 * fork() while another thread is in the middle of sigaction(): the child
 * has only the forking thread, and must still be able to set actions and
 * take signals (the writer's lock is the parent's thread's, gone here).
 */
static atomic_int fork_stage;   /* 1: writer inside; 2: forked */

static long hold_during_install(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret = syscall(nr, a, b, c, d, e, f);

	if (ret == -1)
		ret = -errno;
	if (nr == SYS_rt_sigaction && a == SIGUSR1 && b && !atomic_load(&fork_stage)) {
		atomic_store(&fork_stage, 1);
		while (atomic_load(&fork_stage) != 2)
			usleep(1000);
	}
	return ret;
}

static void *writer(void *arg)
{
	(void)arg;
	if (sig_action(SIGUSR1, &act_b, NULL))
		bad("sig_action failed");
	return NULL;
}

TEST(sig, a_child_forked_during_another_threads_sigaction_can_take_signals)
{
	pthread_t th;
	int status, i;
	pid_t pid;

	make_actions();
	ASSERT_EQ(exec_init(), 0);
	sys_gate = hold_during_install;
	ASSERT_EQ(pthread_create(&th, NULL, writer, NULL), 0);
	while (atomic_load(&fork_stage) != 1)
		usleep(1000);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		sys_gate = NULL;
		exec_fork_child();
		if (sig_action(SIGUSR1, &act_a, NULL))
			_exit(2);
		raise_self(SIGUSR1);
		_exit(atomic_load(&nr_a) == 1 && !atomic_load(&nr_bad) ? 0 : 3);
	}
	atomic_store(&fork_stage, 2);
	pthread_join(th, NULL);
	sys_gate = NULL;
	/* (A child that hangs does so with its signals blocked.) */
	for (i = 0; i < 1000 && !waitpid(pid, &status, WNOHANG); i++)
		usleep(10000);
	if (i == 1000) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		harness_fail(__FILE__, __LINE__, "the child hung");
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
}
