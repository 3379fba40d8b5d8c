/* SPDX-License-Identifier: MIT */
/* The ECALL round trip, the baseline of the benchmarks that enter enclaves. */
#ifndef SGXEMU_BENCH_ECALL_H
#define SGXEMU_BENCH_ECALL_H

#include <asm/sgx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "enclave.h"
#include "sgxemu/sgxemu.h"

/* EENTER then EEXIT of the test enclave's empty operation through TCS
 * @tcs, the vDSO way, averaged over @n after a warm-up of n / 10. */
static inline double bench_ecall_ns(uint64_t tcs, int n)
{
	struct encl_op op = { .type = ENCL_OP_NOP };
	struct sgx_enclave_run run;
	double t0;
	int i;

	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	for (i = 0; i < n / 10 + 1; i++)
		sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run);
	t0 = bench_now();
	for (i = 0; i < n; i++)
		sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run);
	t0 = bench_now() - t0;
	if (run.function != 4) {
		fprintf(stderr, "ecall: the enclave did not EEXIT\n");
		exit(1);
	}
	return t0 / n * 1e9;
}

/* bench_ecall_ns() for bench_against_signal(): @ctx points to the TCS. */
static inline double bench_ecall_fn(void *ctx, int n)
{
	return bench_ecall_ns(*(const uint64_t *)ctx, n);
}

/*
 * FILL then CHECK passes over test enclave C's large buffer (ENCL_OP_BIG),
 * through TCS 0, for at least @seconds: the seconds taken, *@passes the
 * passes and *@pages the buffer's pages.  A pass that fails or finds a
 * page wrong ends the run with a line naming @who.
 */
static inline double bench_sweeps(struct sgxemu_enclave *e, const char *who, double seconds,
				  uint64_t *passes, uint64_t *pages)
{
	struct encl_op op = { .type = ENCL_OP_BIG };
	struct sgx_enclave_run run;
	uint64_t big, type;
	double t0, t;

	memset(&run, 0, sizeof(run));
	run.tcs = sgxemu_enclave_tcs(e, 0);
	if (sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run) || run.function != 4) {
		fprintf(stderr, "%s: the enclave has no buffer to sweep\n", who);
		exit(1);
	}
	big = op.r0;
	*pages = op.r1 / 4096;
	*passes = 0;
	t0 = bench_now();
	do {
		for (type = ENCL_OP_FILL; type <= ENCL_OP_CHECK; type++) {
			op = (struct encl_op){ .type = type, .a = big, .b = *pages, .r4 = *passes };
			memset(&run, 0, sizeof(run));
			run.tcs = sgxemu_enclave_tcs(e, 0);
			if (sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run) ||
			    run.function != 4 || (type == ENCL_OP_CHECK && op.r0)) {
				fprintf(stderr, "%s: the sweep failed\n", who);
				exit(1);
			}
		}
		++*passes;
		t = bench_now() - t0;
	} while (t < seconds);
	return t;
}

/* fork() and waitpid() for a child that exits, after an ECALL through
 * @tcs if not 0: ns per fork, averaged over @n after a warm-up of n / 10. */
static inline double bench_fork_ns(uint64_t tcs, int n)
{
	double t0 = 0;
	int i, st;

	for (i = -n / 10; i < n; i++) {
		pid_t pid;

		if (!i)
			t0 = bench_now();
		pid = fork();
		if (pid < 0)
			exit(1);
		if (!pid) {
			struct encl_op op = { .type = ENCL_OP_NOP };
			struct sgx_enclave_run run;

			memset(&run, 0, sizeof(run));
			run.tcs = tcs;
			if (tcs)
				sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run);
			_exit(tcs && run.function != 4);
		}
		if (waitpid(pid, &st, 0) != pid || st) {
			fprintf(stderr, "fork: a child failed (%#x)\n", st);
			exit(1);
		}
	}
	return (bench_now() - t0) / n * 1e9;
}

#endif
