// SPDX-License-Identifier: MIT
/*
 * What real runtimes do, as unmodified programs under `sgxemu run`
 * (tests/integration/prog/runtime_prog.c, one scenario each): threads
 * that take pages on demand and page, fork() with live enclaves.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct run {
	int status;
	char out[16384];
	char err[8192];
};

/* sgxemu run [OPTIONS...] -- runtime_prog SCENARIO (the enclave with the
 * large buffer), OPTIONS NULL-terminated. */
static void scenario(struct run *r, const char *name, ...)
{
	char *argv[24];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)TEST_SGXEMU;
	argv[n++] = (char *)"run";
	va_start(ap, name);
	while (n < 16 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n++] = (char *)"--";
	argv[n++] = (char *)TEST_PROGS "/runtime_prog";
	argv[n++] = (char *)name;
	argv[n++] = (char *)TEST_ENCLAVES "/test_enclave_c.sgxs";
	argv[n++] = (char *)TEST_ENCLAVES "/test_enclave_c.sig";
	argv[n] = NULL;
	r->status = harness_run(argv, r->out, sizeof(r->out), r->err, sizeof(r->err));
	if (r->status)
		fprintf(stderr, "%s\n%s\n", r->out, r->err);
}

/* Four threads, each taking pages on demand (EAUG at its first EACCEPT)
 * and paging its share of a buffer larger than the EPC: the emulator's
 * handlers run on threads whose first allocation would make the C
 * library set up an arena, and that must never look like enclave code
 * making a system call. */
TEST(runtime, threads_take_pages_on_demand_and_page)
{
	struct run r;

	unsetenv("MALLOC_ARENA_MAX");
	scenario(&r, "threads", "--epc", "512K", NULL);
	ASSERT_STR_CONTAINS(r.out, "PASSED");
	ASSERT_EQ(r.status, 0);
}

/* fork() while one thread is inside an enclave that pages: the child
 * builds and pages an enclave of its own without stalling on the thread
 * it does not have and without touching the parent's pages, and the
 * parent's enclave memory is not writable from the child (Linux's fault). */
TEST(runtime, fork_never_corrupts_the_parent)
{
	struct run r;

	scenario(&r, "fork", "--epc", "512K", NULL);
	ASSERT_STR_CONTAINS(r.out, "child: the parent's enclave file: Input/output error");
	ASSERT_STR_CONTAINS(r.err, "a forked child cannot use its parent's enclaves");
	ASSERT_STR_CONTAINS(r.out, "child: faulted on the parent's enclave");
	ASSERT_STR_CONTAINS(r.out, "fork: the parent's enclave is intact");
	ASSERT_STR_CONTAINS(r.out, "PASSED");
	ASSERT_EQ(r.status, 0);
}
