// SPDX-License-Identifier: MIT
/*
 * Enclave transitions and enclave compute, each next to its baseline from
 * the same run:
 *  - ecall_roundtrip_ns: EENTER then EEXIT of an empty enclave function
 *    through the vDSO ABI, beside signal_roundtrip_ns, one SIGILL trap and
 *    return (EEXIT is one such trap; EENTER is a direct call), the two
 *    interleaved in rounds (medians); target <= 1.3x with FSGSBASE, 2.0x
 *    without (two arch_prctl() switch FS, each about a third of a signal
 *    round trip on such hosts);
 *  - function_call_ns: a plain call, the floor;
 *  - ecall_raw_roundtrip_ns: EENTER and EEXIT both by raw ENCLU (two traps);
 *  - enclave_compute_ratio: a fixed loop outside / inside the enclave;
 *    target >= 0.97;
 *  - ecall_roundtrip_isolated_ns: the ECALL with Syscall User Dispatch on
 *    (enclave system calls are #UD), next to ecall_roundtrip_ns measured
 *    with it off (SGXEMU_SUD=off) in a child of the same run; target
 *    <= 1.1x.
 */
#include <asm/sgx.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"
#include "ecall.h"
#include "enclave.h"
#include "mix.h"
#include "sgxemu/sgxemu.h"

#define N_CALLS 200000
/* Rounds of signal round trips and ECALLs, interleaved; medians. */
#define ROUNDS 9
#define COMPUTE_ROUNDS 200000000ULL

__attribute__((noinline)) static uint64_t empty_function(uint64_t x)
{
	__asm__ volatile("" : "+r"(x));
	return x;
}

static double function_call_ns(void)
{
	volatile uint64_t sink = 0;
	double t0 = bench_now();
	int i;

	for (i = 0; i < N_CALLS * 50; i++)
		sink += empty_function((uint64_t)i);
	return (bench_now() - t0) / (N_CALLS * 50) * 1e9;
}

/* EENTER by a raw ENCLU: both transitions trap.  The AEP (RCX) is an
 * ERESUME, as SDK runtimes have it: an interrupt (the emulator's timer
 * tick) makes the thread leave the enclave there and go back in. */
static void raw_eenter(struct encl_op *op, uint64_t tcs)
{
	__asm__ volatile("push %%rbp\n\t"
			 "lea 2f(%%rip), %%rcx\n\t"
			 "mov $2, %%eax\n\t"
			 "enclu\n\t"
			 "jmp 1f\n\t"
			 "2: enclu\n\t"
			 "1: pop %%rbp"
			 : "+D"(op), "+b"(tcs)
			 :
			 : "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13",
			   "r14", "r15", "memory", "cc");
}

static double raw_ecall_ns(uint64_t tcs)
{
	struct encl_op op = { .type = ENCL_OP_NOP };
	double t0;
	int i;

	for (i = 0; i < 1000; i++)
		raw_eenter(&op, tcs);
	t0 = bench_now();
	for (i = 0; i < N_CALLS / 4; i++)
		raw_eenter(&op, tcs);
	return (bench_now() - t0) / (N_CALLS / 4) * 1e9;
}

static double compute_ratio(uint64_t tcs)
{
	struct encl_op op = { .type = ENCL_OP_COMPUTE, .a = COMPUTE_ROUNDS, .b = 12345 };
	struct sgx_enclave_run run;
	volatile uint64_t rounds = COMPUTE_ROUNDS;
	double inside, outside, t0;
	uint64_t out;

	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	t0 = bench_now();
	sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run);
	inside = bench_now() - t0;
	t0 = bench_now();
	out = encl_mix(rounds, 12345);
	outside = bench_now() - t0;
	if (out != op.r0) {
		fprintf(stderr, "compute: results differ inside and outside\n");
		exit(1);
	}
	return outside / inside;
}

/*
 * ECALL round trip with the isolation checks off (SGXEMU_SUD=off), in a
 * child: the emulator reads that setting once per process.  The child
 * measures its own signal baseline, interleaved; *@sig gets it.
 */
static double ecall_unisolated_ns(const char *dir, double *sig)
{
	struct sgxemu_platform_options opts = { .state_dir = dir };
	struct sgxemu_enclave *encl;
	struct sgxemu_platform *plat;
	double ns[2] = { -1, -1 };
	int fds[2], status;
	uint64_t tcs;
	pid_t pid;

	*sig = -1;
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		setenv("SGXEMU_SUD", "off", 1);
		if (!sgxemu_platform_create(&opts, &plat) &&
		    !sgxemu_enclave_load(plat, TEST_ENCLAVES "/test_enclave_a.sgxs",
					 TEST_ENCLAVES "/test_enclave_a.sig", &encl)) {
			tcs = sgxemu_enclave_tcs(encl, 0);
			bench_against_signal(bench_ecall_fn, &tcs, N_CALLS, ROUNDS, &ns[0], &ns[1]);
		}
		if (write(fds[1], ns, sizeof(ns)) != sizeof(ns))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], ns, sizeof(ns)) != sizeof(ns))
		ns[0] = ns[1] = -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	*sig = ns[1];
	return ns[0];
}

int main(int argc, char **argv)
{
	struct sgxemu_platform_options opts = { 0 };
	struct sgxemu_enclave *encl;
	struct sgxemu_platform *plat;
	char dir[] = "/tmp/sgxemu-bench.XXXXXX", cmd[64];
	double sig = -1, call, ecall, isolated, isig, raw, ratio;
	uint64_t tcs;

	bench_open(argc, argv);
	call = function_call_ns();
	if (!mkdtemp(dir))
		return 1;
	ecall = ecall_unisolated_ns(dir, &sig);
	opts.state_dir = dir;
	if (sgxemu_platform_create(&opts, &plat) ||
	    sgxemu_enclave_load(plat, TEST_ENCLAVES "/test_enclave_a.sgxs",
				TEST_ENCLAVES "/test_enclave_a.sig", &encl)) {
		fprintf(stderr, "ecall: %s\n", sgxemu_last_error());
		return 1;
	}
	tcs = sgxemu_enclave_tcs(encl, 0);
	bench_against_signal(bench_ecall_fn, &tcs, N_CALLS, ROUNDS, &isolated, &isig);
	raw = raw_ecall_ns(sgxemu_enclave_tcs(encl, 1));
	ratio = compute_ratio(sgxemu_enclave_tcs(encl, 2));
	bench_metric("function_call_ns", call, "ns");
	bench_metric("signal_roundtrip_ns", sig, "ns");
	bench_metric("ecall_roundtrip_ns", ecall, "ns");
	bench_metric("ecall_over_signal_ratio", ecall / sig, "ratio");
	/* With Syscall User Dispatch making enclave system calls #UD (the
	 * default), beside its own interleaved baseline. */
	bench_metric("ecall_roundtrip_isolated_ns", isolated, "ns");
	bench_metric("ecall_isolated_over_plain_ratio", isolated / ecall, "ratio");
	bench_metric("ecall_isolated_over_signal_ratio", isolated / isig, "ratio");
	bench_metric("ecall_raw_roundtrip_ns", raw, "ns");
	bench_metric("enclave_compute_ratio", ratio, "ratio");
	sgxemu_enclave_destroy(encl);
	sgxemu_platform_destroy(plat);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
