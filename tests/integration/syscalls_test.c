// SPDX-License-Identifier: MIT
/*
 * What enclave transitions and demand paging cost in system calls, counted
 * so the figures cannot creep back: each test runs its work in a child
 * that this process traces (ptrace, every thread), and counts the calls
 * the child makes between two marks (getppid(), which nothing else here
 * calls).  On hosts without FSGSBASE each arch_prctl() costs several
 * system calls' time (doc/benchmarks.md), so they are what is counted most.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enclave.h"
#include "harness.h"
#include "sgxemu/sgxemu.h"

#define EENTER 2
#define EEXIT 4
#define NR_CALLS 64
#define MAX_NR 512

struct counts {
	unsigned long n[MAX_NR];
	unsigned long total;
	unsigned long long reloaded;
};

void raw_eenter(struct encl_op *op, uint64_t tcs);

static void mark(void)
{
	syscall(SYS_getppid);
}

/* The child's report (paging statistics) travels in a pipe. */
static int report_fd = -1;

static void report(unsigned long long v)
{
	if (write(report_fd, &v, sizeof(v)) != sizeof(v))
		_exit(3);
}

/*
 * Run @body in a traced child; count the system calls between its two
 * mark()s by number, over all its threads.  Skips where the host forbids
 * ptrace.
 */
static void count_calls(void (*body)(void), struct counts *c)
{
	int fds[2], status;
	pid_t child, pid;
	unsigned int marks = 0;

	memset(c, 0, sizeof(*c));
	ASSERT_EQ(pipe(fds), 0);
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		close(fds[0]);
		report_fd = fds[1];
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		raise(SIGSTOP);
		body();
		_exit(0);
	}
	close(fds[1]);
	ASSERT_EQ(waitpid(child, &status, 0), child);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		SKIP("ptrace is not allowed here, so system calls cannot be counted");
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(ptrace(PTRACE_SETOPTIONS, child, NULL,
			 (void *)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL)),
		  0);
	ASSERT_EQ(ptrace(PTRACE_SYSCALL, child, NULL, NULL), 0);
	for (;;) {
		int sig = 0;

		pid = waitpid(-1, &status, __WALL);
		if (pid < 0 && errno == EINTR)
			continue;
		ASSERT_GT(pid, 0);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == child)
				break;
			continue;
		}
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info si;

			if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(si), &si) > 0 &&
			    si.op == PTRACE_SYSCALL_INFO_ENTRY) {
				if (si.entry.nr == SYS_getppid)
					marks++;
				else if (marks == 1 && si.entry.nr < MAX_NR)
					c->n[si.entry.nr]++, c->total++;
			}
		} else if (WSTOPSIG(status) != SIGTRAP && WSTOPSIG(status) != SIGSTOP) {
			/* A signal for the tracee (SIGILL, SIGBUS, ...): deliver it. */
			sig = WSTOPSIG(status);
		}
		ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig);
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	ASSERT_EQ(marks, 2);
	if (read(fds[0], &c->reloaded, sizeof(c->reloaded)) != sizeof(c->reloaded))
		c->reloaded = 0;
	close(fds[0]);
}

static struct sgxemu_platform *plat;
static struct sgxemu_enclave *encl;

static void load(const char *name, unsigned long long epc_size)
{
	struct sgxemu_platform_options o = { .epc_size = epc_size };
	char sgxs[512], sig[512];

	/* No timer interrupts (SGXEMU_TICK_HZ): they would add AEXes at
	 * random to what is counted. */
	setenv("SGXEMU_TICK_HZ", "0", 1);

	snprintf(sgxs, sizeof(sgxs), "%s/%s.sgxs", TEST_ENCLAVES, name);
	snprintf(sig, sizeof(sig), "%s/%s.sig", TEST_ENCLAVES, name);
	if (sgxemu_platform_create(&o, &plat) || sgxemu_enclave_load(plat, sgxs, sig, &encl)) {
		fprintf(stderr, "%s\n", sgxemu_last_error());
		_exit(4);
	}
}

static void ecall(unsigned int tcs, struct encl_op *op)
{
	struct sgx_enclave_run run;

	memset(&run, 0, sizeof(run));
	run.tcs = sgxemu_enclave_tcs(encl, tcs);
	if (sgxemu_enter_enclave((unsigned long)op, 0, 0, EENTER, 0, 0, &run) ||
	    run.function != EEXIT)
		_exit(5);
}

static void vdso_ecalls(void)
{
	struct encl_op op = { .type = ENCL_OP_NOP };
	int i;

	load("test_enclave_a", 0);
	ecall(0, &op);
	mark();
	for (i = 0; i < NR_CALLS; i++)
		ecall(0, &op);
	mark();
}

static void print(const char *what, const struct counts *c, unsigned long per)
{
	fprintf(stderr, "%s, per %lu: arch_prctl %lu, rt_sigreturn %lu, rt_sigprocmask %lu, "
			"sigaltstack %lu, mprotect %lu, ioctl %lu, fallocate %lu, all %lu\n",
		what, per, c->n[SYS_arch_prctl], c->n[SYS_rt_sigreturn], c->n[SYS_rt_sigprocmask],
		c->n[SYS_sigaltstack], c->n[SYS_mprotect], c->n[SYS_ioctl], c->n[SYS_fallocate],
		c->total);
	/* And what else there was, so a count over the bound says why. */
	{
		unsigned int nr;

		fprintf(stderr, "  other:");
		for (nr = 0; nr < MAX_NR; nr++)
			if (c->n[nr] && nr != SYS_arch_prctl && nr != SYS_rt_sigreturn &&
			    nr != SYS_rt_sigprocmask && nr != SYS_sigaltstack && nr != SYS_mprotect &&
			    nr != SYS_ioctl && nr != SYS_fallocate)
				fprintf(stderr, " #%u %lu", nr, c->n[nr]);
		fprintf(stderr, "\n");
	}
}

/*
 * Without FSGSBASE an ECALL switches FS twice (in, out) and leaves GS
 * alone (host code does not use it).  Its only other calls: EEXIT's
 * signal return, the check that the enclave's signals are open
 * (rt_sigprocmask) and the TCB's lookup without TLS (sigaltstack).
 */
TEST(syscalls, an_ecall_without_fsgsbase_makes_two_arch_prctl)
{
	struct counts c;

	setenv("SGXEMU_NO_FSGSBASE", "1", 1);
	count_calls(vdso_ecalls, &c);
	print("vDSO ECALL", &c, NR_CALLS);
	ASSERT_EQ(c.n[SYS_arch_prctl], 2 * NR_CALLS);
	ASSERT_EQ(c.n[SYS_rt_sigreturn], NR_CALLS);
	ASSERT_LE(c.total, 5 * NR_CALLS);
}

/* With FSGSBASE the bases move without any system call. */
TEST(syscalls, an_ecall_with_fsgsbase_makes_no_arch_prctl)
{
	struct counts c;

	if (!(getauxval(AT_HWCAP2) & 2))
		SKIP("the kernel does not enable FSGSBASE for user space on this host");
	count_calls(vdso_ecalls, &c);
	print("vDSO ECALL", &c, NR_CALLS);
	ASSERT_EQ(c.n[SYS_arch_prctl], 0);
	ASSERT_LE(c.total, 3 * NR_CALLS);
}

static void raw_ecalls(void)
{
	struct encl_op op = { .type = ENCL_OP_NOP };
	int i;

	load("test_enclave_a", 0);
	raw_eenter(&op, sgxemu_enclave_tcs(encl, 1));
	mark();
	for (i = 0; i < NR_CALLS; i++)
		raw_eenter(&op, sgxemu_enclave_tcs(encl, 1));
	mark();
}

/* EENTER and EEXIT by raw ENCLU trap twice; still one FS switch each way,
 * and the handlers find the TCB from the signal frame. */
TEST(syscalls, a_raw_enclu_ecall_without_fsgsbase_makes_two_arch_prctl)
{
	struct counts c;

	setenv("SGXEMU_NO_FSGSBASE", "1", 1);
	count_calls(raw_ecalls, &c);
	print("raw ENCLU ECALL", &c, NR_CALLS);
	ASSERT_EQ(c.n[SYS_arch_prctl], 2 * NR_CALLS);
	ASSERT_EQ(c.n[SYS_rt_sigreturn], 2 * NR_CALLS);
	ASSERT_LE(c.total, 4 * NR_CALLS);
}

/* Two passes over test enclave C's buffer, twice what the EPC holds. */
static void sweeps(void)
{
	struct encl_op op = { .type = ENCL_OP_BIG };
	unsigned long long ev0, rl0, ev, rl;
	unsigned long long big, pages, pass, type;

	load("test_enclave_c", (28 + 128) * 4096);
	ecall(0, &op);
	big = op.r0;
	pages = op.r1 / 4096;
	op = (struct encl_op){ .type = ENCL_OP_FILL, .a = big, .b = pages };
	ecall(0, &op);
	sgxemu_paging_stats(plat, (uint64_t *)&ev0, (uint64_t *)&rl0);
	mark();
	for (pass = 1; pass < 3; pass++) {
		for (type = ENCL_OP_FILL; type <= ENCL_OP_CHECK; type++) {
			op = (struct encl_op){ .type = type, .a = big, .b = pages, .r4 = pass };
			ecall(0, &op);
			if (type == ENCL_OP_CHECK && op.r0)
				_exit(6);
		}
	}
	mark();
	sgxemu_paging_stats(plat, (uint64_t *)&ev, (uint64_t *)&rl);
	report(rl - rl0);
}

/*
 * A demand reload is one SIGBUS (its signal return), two FS switches and
 * one UFFDIO_COPY; eviction punches its holes once per run of pages in a
 * batch of 16 and changes no mapping (the enclave's threads are held out
 * instead).
 */
TEST(syscalls, a_demand_reload_is_one_signal_and_one_ioctl)
{
	struct counts c;
	unsigned long r;

	setenv("SGXEMU_NO_FSGSBASE", "1", 1);
	count_calls(sweeps, &c);
	r = (unsigned long)c.reloaded;
	print("demand reload", &c, r);
	ASSERT_GE(r, 100);
	/* Every signal round trip costs at most two FS switches. */
	ASSERT_LE(c.n[SYS_arch_prctl], 2 * c.n[SYS_rt_sigreturn]);
	/* One SIGBUS per reload, plus the ECALLs' EEXITs (and kicks, if the
	 * background reclaimer had to interrupt us). */
	ASSERT_LE(c.n[SYS_rt_sigreturn], r + r / 8 + 8);
	ASSERT_LE(c.n[SYS_ioctl], r + r / 16);
	ASSERT_LE(c.n[SYS_mprotect], r / 64);
	ASSERT_LE(c.n[SYS_fallocate], r / 8);
	/* And nothing else of note (the ECALLs' few aside). */
	ASSERT_LE(c.total, 4 * r + r / 2);
}

static void *thread_ecalls(void *arg)
{
	struct encl_op op = { .type = ENCL_OP_NOP };
	int i;

	(void)arg;
	ecall(1, &op);
	mark();
	for (i = 0; i < NR_CALLS; i++)
		ecall(1, &op);
	mark();
	return NULL;
}

static void ecalls_in_a_new_thread(void)
{
	struct encl_op op = { .type = ENCL_OP_NOP };
	pthread_t th;

	load("test_enclave_a", 0);
	ecall(0, &op);
	if (pthread_create(&th, NULL, thread_ecalls, NULL) || pthread_join(th, NULL))
		_exit(7);
}

/* A thread created after an exit inherits TCS 0's GS, which its host code
 * does not use: entering through TCS 1 it switches FS only, as the first
 * thread does, rather than restore TCS 0's GS at every exit. */
TEST(syscalls, a_thread_made_after_an_exit_switches_only_fs)
{
	struct counts c;

	setenv("SGXEMU_NO_FSGSBASE", "1", 1);
	count_calls(ecalls_in_a_new_thread, &c);
	print("vDSO ECALL in a new thread", &c, NR_CALLS);
	ASSERT_EQ(c.n[SYS_arch_prctl], 2 * NR_CALLS);
}
