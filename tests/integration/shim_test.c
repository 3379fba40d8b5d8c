// SPDX-License-Identifier: MIT
/*
 * The preload shim as unmodified programs meet it under `sgxemu run`: the
 * same enclave flow through the C library and through raw system calls,
 * and a process that keeps becoming other programs (execve, scripts,
 * static binaries, a cleared environment) while the seccomp filter holds.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/build.h"
#include "harness.h"

struct run {
	int status;
	char out[16384];
	char err[4096];
};

/* sgxemu run -- PROG ARGS... (NULL-terminated). */
static void run(struct run *r, const char *prog, ...)
{
	char *argv[16];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)TEST_SGXEMU;
	argv[n++] = (char *)"run";
	argv[n++] = (char *)"--";
	argv[n++] = (char *)prog;
	va_start(ap, prog);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	r->status = harness_run(argv, r->out, sizeof(r->out), r->err, sizeof(r->err));
}

/* An executable file @name in the test's directory; its path in @path. */
static void write_exec(char *path, size_t len, const char *name, const char *content)
{
	FILE *f;

	snprintf(path, len, "%s/%s", harness_tmpdir(), name);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(content, f);
	ASSERT_EQ(fchmod(fileno(f), 0755), 0);
	fclose(f);
}

static void driver(struct run *r, const char *how)
{
	/* Our own program: its leaks count (sanitizer builds). */
	setenv("ASAN_OPTIONS", "detect_leaks=1", 1);
	run(r, TEST_PROGS "/driver_prog", how, TEST_ENCLAVES "/test_enclave_a.sgxs",
	    TEST_ENCLAVES "/test_enclave_a.sig", NULL);
}

/* Every driver call through the C library: the fast path. */
TEST(shim, driver_through_libc)
{
	struct run r;

	driver(&r, "--libc");
	ASSERT_STR_CONTAINS(r.out, "PASSED");
	ASSERT_EQ(r.status, 0);
}

/* Every driver call, the handlers and the exec with raw syscall(): seen by
 * the filter, answered exactly as through the C library. */
TEST(shim, driver_through_raw_syscalls)
{
	struct run raw, libc;

	driver(&raw, "--raw");
	ASSERT_STR_CONTAINS(raw.out, "PASSED");
	ASSERT_EQ(raw.status, 0);
	ASSERT_STR_CONTAINS(raw.out, "mprotect beyond EPCM: Permission denied");
	ASSERT_STR_CONTAINS(raw.out, "read with PTE none: vector 14");
	ASSERT_STR_CONTAINS(raw.out, "fd in [896, 1024): yes");
	ASSERT_STR_CONTAINS(raw.out, "execve of a data file: Permission denied");
	ASSERT_STR_CONTAINS(raw.out, "GS in the enclave: its own");
	ASSERT_STR_CONTAINS(raw.out, "GS for host code after an ECALL: 0\n");
	ASSERT_STR_CONTAINS(raw.out, "the program's own GS after an ECALL: kept");
	driver(&libc, "--libc");
	ASSERT_STREQ(raw.out, libc.out);
}

/* An enclave that asks for AEX-Notify, through Linux 6.2's uAPI: the
 * attribute needs no permission and is not reserved, so the whole flow
 * passes; on a processor without AEX-Notify ECREATE refuses it (-EIO). */
TEST(shim, driver_aexnotify_enclave)
{
	struct run r;

	run(&r, TEST_PROGS "/driver_prog", "--libc", TEST_ENCLAVES "/test_enclave_d.sgxs",
	    TEST_ENCLAVES "/test_enclave_d.sig", NULL);
	ASSERT_STR_CONTAINS(r.out, "PASSED");
	ASSERT_EQ(r.status, 0);
	setenv("SGXEMU_AEXNOTIFY", "0", 1);
	run(&r, TEST_PROGS "/driver_prog", "--libc", TEST_ENCLAVES "/test_enclave_d.sgxs",
	    TEST_ENCLAVES "/test_enclave_d.sig", NULL);
	ASSERT_NE(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "create: -5");
}

/* Without the filter (SGXEMU_SECCOMP=off) the C library path still works
 * and the raw calls reach a kernel with no SGX driver: the test above is
 * what the filter buys. */
TEST(shim, raw_syscalls_need_the_filter)
{
	struct run r;

	setenv("SGXEMU_SECCOMP", "off", 1);
	driver(&r, "--libc");
	ASSERT_STR_CONTAINS(r.out, "PASSED");
	ASSERT_EQ(r.status, 0);
	driver(&r, "--raw");
	ASSERT_NE(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "open: -2");
}

/* A process that becomes other programs keeps the shim: shells, scripts,
 * a statically linked program (mapped by the exec helper), and a program
 * started with an empty environment. */
TEST(shim, exec_chain)
{
	char cmd[2048], script[1024];
	struct run r;

	write_exec(script, sizeof(script), "script.sh",
		   "#!/bin/sh -e\nls -l /dev/sgx_provision\necho \"script $1\"\n");
	snprintf(cmd, sizeof(cmd),
		 "%s one && %s/static_prog /proc/self/comm && "
		 "env -i /bin/ls -l /dev/sgx_enclave && grep SigBlk /proc/self/status && "
		 "exec /bin/sh -c 'exec /bin/ls -l /dev/sgx'",
		 script, TEST_PROGS);
	run(&r, "/bin/sh", "-c", cmd, NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "10, 126");
	ASSERT_STR_CONTAINS(r.out, "script one");
	ASSERT_STR_CONTAINS(r.out, "static: static_prog");
	ASSERT_STR_CONTAINS(r.out, "10, 125");
	ASSERT_STR_CONTAINS(r.out, "10, 124");
	/* A program exec'd from the SIGSYS handler starts with its caller's
	 * signal mask, not the handler's. */
	ASSERT_STR_CONTAINS(r.out, "SigBlk:\t0000000000000000");
}

/* What execve() refuses comes back as the kernel's errno, in the caller. */
TEST(shim, exec_errors)
{
	char cmd[2048], garbage[1024];
	struct run r;

	write_exec(garbage, sizeof(garbage), "garbage", "not a program\n");
	/* The shell runs a file execve() refused with ENOEXEC itself. */
	snprintf(cmd, sizeof(cmd),
		 "%s; echo \"status $?\"; /nonexistent/x; echo \"status $?\"; %s; "
		 "echo \"status $?\"",
		 garbage, harness_tmpdir());
	run(&r, "/bin/bash", "-c", cmd, NULL);
	ASSERT_STR_CONTAINS(r.err, "not: command not found");
	ASSERT_STR_CONTAINS(r.out, "status 127");
	ASSERT_STR_CONTAINS(r.out, "status 126");
}

/* Raw calls with pointers to nothing get EFAULT, as from the kernel, also
 * those the shim answers itself; the program lives on. */
TEST(shim, bad_pointers_are_efault)
{
	static const char *const calls[] = {
		"openat(bad path)",	    "stat(node, bad buffer)", "statx(node, bad buffer)",
		"fstat(device, bad buffer)", "ioctl(CREATE, bad arg)", "rt_sigaction(bad act)",
		"rt_sigaction(bad old)",    "sigaltstack(bad)",	      "rt_sigprocmask(bad set)",
		"execve(bad path)",	    "execve(bad argv)",
	};
	char want[128];
	struct run r;
	size_t i;

	run(&r, TEST_PROGS "/driver_prog", "--bad-pointers", NULL);
	ASSERT_EQ(r.status, 0);
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		snprintf(want, sizeof(want), "%s: Bad address", calls[i]);
		ASSERT_STR_CONTAINS(r.out, want);
	}
	ASSERT_STR_CONTAINS(r.out, "close: 0");
}

/* An unmodified program whose enclave is larger than the EPC: the build
 * evicts as it adds, and every later touch reloads (sgxemu stat counts). */
TEST(shim, driver_with_paging)
{
	char *argv[] = { (char *)TEST_SGXEMU, (char *)"stat", (char *)"--epc", (char *)"128K",
			 (char *)"--", (char *)TEST_PROGS "/driver_prog", (char *)"--raw",
			 (char *)TEST_ENCLAVES "/test_enclave_a.sgxs",
			 (char *)TEST_ENCLAVES "/test_enclave_a.sig", NULL };
	struct run r;
	unsigned long long ev = 0, rl = 0;
	const char *p;

	r.status = harness_run(argv, r.out, sizeof(r.out), r.err, sizeof(r.err));
	ASSERT_STR_CONTAINS(r.out, "PASSED");
	ASSERT_EQ(r.status, 0);
	p = strstr(r.out, "pages free at exit; ");
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(sscanf(p, "pages free at exit; %llu pages evicted, %llu reloaded", &ev, &rl), 2);
	ASSERT_GT(ev, 30);
	ASSERT_GT(rl, 0);
	/* Per enclave too: the one enclave, 512 KiB, holds all of it. */
	ASSERT_STR_CONTAINS(r.out, "512 KiB: ");
}

/* The program's own CPUID reports the emulated platform (CPUID faulting
 * where the host has it, the program's CPUIDs patched where not):
 * test_sgx sizes its oversubscribed heap this way. */
TEST(shim, cpuid_reports_the_platform)
{
	char *argv[] = { (char *)TEST_SGXEMU, (char *)"run", (char *)"--epc", (char *)"4M",
			 (char *)"--", (char *)TEST_PROGS "/cpuid_prog", NULL };
	struct run r;

	r.status = harness_run(argv, r.out, sizeof(r.out), r.err, sizeof(r.err));
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "sgx=1 lc=1");
	ASSERT_STR_CONTAINS(r.out, "sgx1=1");
	ASSERT_STR_CONTAINS(r.out, "epc=4194304");
	/* SGXEMU_CPUID=off: the host's own answer again. */
	setenv("SGXEMU_CPUID", "off", 1);
	r.status = harness_run(argv, r.out, sizeof(r.out), r.err, sizeof(r.err));
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(strstr(r.out, "epc=4194304") == NULL);
}

/* CPUID in libraries: one linked at start, and one loaded with dlopen (by
 * a bare name the program's RUNPATH finds and by $ORIGIN, which the shim's
 * dlopen must resolve as the caller's, and by path, stripped to .dynsym
 * and .eh_frame), closed and opened again.  Each reports the platform's leaf 0x12 (SGX1,
 * SGX2, EDECCSSA), from an exported function and from a local one.  Without
 * CPUID faulting (this is how) the shim says what it patched. */
TEST(shim, cpuid_in_libraries)
{
	static const char want[] = "exported=0x863 local=0x863\n";
	const char *lib = *SGXEMU_SANITIZER_RUNTIME ? TEST_PROGS "/libcpuid_lib.so" : "libcpuid_lib.so";
	char twice[64];
	struct run r;
	bool patching;

	snprintf(twice, sizeof(twice), "%s%s", want, want);
	run(&r, TEST_PROGS "/cpuid_linked_prog", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out, want);
	patching = strstr(r.err, "no CPUID faulting") != NULL;
	/* (A sanitizer's runtime brings libraries of its own.) */
	if (patching)
		ASSERT_STR_CONTAINS(r.err, "(no CPUID faulting): libcpuid_lib.so 2");
	/* A sanitizer's runtime, preloaded before the shim, intercepts
	 * dlopen() first: the caller the shim sees is that runtime, whose
	 * RUNPATH is not the program's.  So bare names only without one. */
	run(&r, TEST_PROGS "/cpuid_dl_prog", lib, NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out, twice);
	if (patching)
		ASSERT_STR_CONTAINS(r.err, "sgxemu: dlopen: CPUIDs patched: libcpuid_lib.so 2\n");
	run(&r, TEST_PROGS "/cpuid_dl_prog", TEST_PROGS "/libcpuid_lib_stripped.so", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out, twice);
	if (patching)
		ASSERT_STR_CONTAINS(r.err, "CPUIDs patched: libcpuid_lib_stripped.so 2\n");
	/* $ORIGIN is the caller's directory, not the shim's. */
	if (!*SGXEMU_SANITIZER_RUNTIME) {
		run(&r, TEST_PROGS "/cpuid_dl_prog", "$ORIGIN/libcpuid_lib_stripped.so", NULL);
		ASSERT_EQ(r.status, 0);
		ASSERT_STREQ(r.out, twice);
	}
	/* SGXEMU_CPUID=off: the real CPU's answer, no note. */
	setenv("SGXEMU_CPUID", "off", 1);
	run(&r, TEST_PROGS "/cpuid_dl_prog", lib, NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(strstr(r.out, want) == NULL);
	ASSERT_TRUE(strstr(r.err, "patched") == NULL);
}

/* Executions without an ordinary path: /proc/self/exe (which would name the
 * exec helper) and fexecve() of a memfd (which has no path at all). */
TEST(shim, exec_self_and_memfd)
{
	struct run r;

	run(&r, TEST_PROGS "/reexec_prog", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "child via-proc-self-exe");
	ASSERT_STR_CONTAINS(r.out, "from-memfd");
}
