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

#include "ecall.h"

#define N_FORKS 200

/* bench_fork_ns() with an enclave of a platform made under SGXEMU_FORK_SHARE=@share. */
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
	ns = bench_fork_ns(ecall ? sgxemu_enclave_tcs(encl, 1) : 0, N_FORKS);
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
	bare = bench_fork_ns(0, N_FORKS);
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
