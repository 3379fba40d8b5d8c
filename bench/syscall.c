// SPDX-License-Identifier: MIT
/*
 * What the shim's seccomp filter costs, each next to its baseline from the
 * same run:
 *  - syscall_under_filter_ns vs syscall_native_ns and
 *    syscall_allow_all_filter_ns: getpid() as a raw system call without a
 *    filter, under a one-instruction allow-all filter (the floor for any
 *    seccomp design: the kernel's entry path), and under the shim's.  The
 *    shim's filter decides by number for calls like this, so the kernel
 *    caches its verdict: target <= 1.1x the allow-all floor;
 *  - open_libc_under_shim_ns vs open_native_ns: open()+close() of /dev/null
 *    through the C library (the shim's fast path, no trap);
 *  - open_raw_trapped_ns vs sigill_roundtrip_ns: the same as raw system
 *    calls, both trapped and answered from the SIGSYS handler.
 * The second half runs in a child started with `sgxemu run`.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define N_GETPID 2000000
#define N_OPEN 100000

static double getpid_ns(void)
{
	double t = bench_now();
	int i;

	for (i = 0; i < N_GETPID; i++)
		syscall(SYS_getpid);
	return (bench_now() - t) * 1e9 / N_GETPID;
}

static double open_ns(int raw)
{
	double t = bench_now();
	long fd;
	int i;

	for (i = 0; i < N_OPEN; i++) {
		if (raw) {
			fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
			syscall(SYS_close, fd);
		} else {
			fd = open("/dev/null", O_RDONLY);
			close((int)fd);
		}
		if (fd < 0)
			exit(1);
	}
	return (bench_now() - t) * 1e9 / N_OPEN;
}

/* getpid() in a child under a filter that allows everything. */
static void allow_all_child(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { 1, &allow };
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
			_exit(1);
		bench_metric("syscall_allow_all_filter_ns", getpid_ns(), "ns");
		fflush(stdout);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
}

int main(int argc, char **argv)
{
	char *args[8];
	pid_t pid;
	int status;

	if (argc > 2 && !strcmp(argv[2], "--under-shim")) {
		bench_open(argc, argv);
		bench_metric("syscall_under_filter_ns", getpid_ns(), "ns");
		bench_metric("open_libc_under_shim_ns", open_ns(0), "ns");
		bench_metric("open_raw_trapped_ns", open_ns(1), "ns");
		return 0;
	}
	bench_open(argc, argv);
	bench_metric("syscall_native_ns", getpid_ns(), "ns");
	bench_metric("open_native_ns", open_ns(1), "ns");
	bench_metric("sigill_roundtrip_ns", bench_signal_roundtrip_ns(N_OPEN), "ns");
	allow_all_child();
	fflush(stdout);
	if (bench_results)
		fclose(bench_results);
	args[0] = (char *)TEST_SGXEMU;
	args[1] = (char *)"run";
	args[2] = (char *)"--";
	args[3] = argv[0];
	args[4] = argc > 1 ? argv[1] : (char *)"/dev/null";
	args[5] = (char *)"--under-shim";
	args[6] = NULL;
	setenv("SGXEMU_CPUID", "off", 1);
	pid = fork();
	if (pid == 0) {
		execv(args[0], args);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	return 0;
}
