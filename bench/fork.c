// SPDX-License-Identifier: MIT
/*
 * What fork() costs a process with an enclave, each next to its baseline
 * from the same run:
 *  - fork_bare_ns: fork(), a child that exits at once, and waitpid(), in a
 *    process without sgxemu (the floor);
 *  - fork_enclave_detached_ns: the same with an enclave loaded and
 *    SGXEMU_FORK_SHARE=0: the child lets go of the enclave at fork;
 *  - fork_enclave_shared_ns: the default, the child joins the enclave
 *    (its userfaultfd over ELRANGE, its tick and reclaimer threads) and
 *    leaves it when it exits;
 *  - fork_shared_child_ecall_ns: the same, the child making one ECALL
 *    into the enclave it shares before it exits.
 */
#include <asm/sgx.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "enclave.h"
#include "sgxemu/sgxemu.h"

#define N_FORKS 200

/* fork() and wait for a child that exits (after an ECALL through @tcs if
 * not 0), averaged over N_FORKS after a warm-up. */
static double fork_ns(uint64_t tcs)
{
	double t0 = 0;
	int i, st;

	for (i = -N_FORKS / 10; i < N_FORKS; i++) {
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
	return (bench_now() - t0) / N_FORKS * 1e9;
}

/* fork_ns() with an enclave of a platform made under SGXEMU_FORK_SHARE=@share. */
static double fork_with_enclave_ns(const char *dir, const char *share, bool ecall)
{
	struct sgxemu_platform_options opts = { .state_dir = dir };
	struct sgxemu_enclave *encl;
	struct sgxemu_platform *plat;
	double ns;

	setenv("SGXEMU_FORK_SHARE", share, 1);
	if (sgxemu_platform_create(&opts, &plat) ||
	    sgxemu_enclave_load(plat, TEST_ENCLAVES "/test_enclave_a.sgxs",
				TEST_ENCLAVES "/test_enclave_a.sig", &encl)) {
		fprintf(stderr, "fork: %s\n", sgxemu_last_error());
		exit(1);
	}
	ns = fork_ns(ecall ? sgxemu_enclave_tcs(encl, 1) : 0);
	sgxemu_enclave_destroy(encl);
	sgxemu_platform_destroy(plat);
	return ns;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/sgxemu-bench.XXXXXX", cmd[64];
	double bare, detached, shared, ecall;

	bench_open(argc, argv);
	if (!mkdtemp(dir))
		return 1;
	bare = fork_ns(0);
	detached = fork_with_enclave_ns(dir, "0", false);
	shared = fork_with_enclave_ns(dir, "1", false);
	ecall = fork_with_enclave_ns(dir, "1", true);
	bench_metric("fork_bare_ns", bare, "ns");
	bench_metric("fork_enclave_detached_ns", detached, "ns");
	bench_metric("fork_enclave_shared_ns", shared, "ns");
	bench_metric("fork_shared_over_bare_ratio", shared / bare, "ratio");
	bench_metric("fork_shared_child_ecall_ns", ecall, "ns");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
