// SPDX-License-Identifier: MIT
/*
 * Oversubscribed guests (the seed's footnote): VMs whose EPC is larger
 * than their host's, run real enclave workloads while their VMM evicts
 * and reloads their pages underneath, concurrently, and every word of
 * every page comes back as the enclave wrote it.
 */
#include <asm/sgx.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "enclave.h"
#include "harness.h"
#include "sgxemu/sgxemu.h"

#define EENTER 2
#define EEXIT 4
#define HOST_EPC (1 << 20)     /* the test enclave's buffer alone is as large */
#define PASSES 4

struct worker {
	struct sgxemu_enclave *encl;
	unsigned int tcs;
	uint64_t start, pages, seed;
	uint64_t mismatches;
	int err;                /* 0, or the exception vector + 1 */
};

static int ecall(struct sgxemu_enclave *e, unsigned int tcs, struct encl_op *op)
{
	struct sgx_enclave_run run;

	memset(&run, 0, sizeof(run));
	run.tcs = sgxemu_enclave_tcs(e, tcs);
	if (sgxemu_enter_enclave((unsigned long)op, 0, 0, EENTER, 0, 0, &run))
		return -1;
	return run.function == EEXIT ? 0 : run.exception_vector + 1;
}

/* Fill every word of the worker's pages, check them all, again and again
 * with a new seed: what comes back is what the enclave wrote. */
static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned int pass;

	for (pass = 0; pass < PASSES && !w->err; pass++) {
		struct encl_op op = { .type = ENCL_OP_FILL_WORDS, .a = w->start, .b = w->pages,
				      .r4 = w->seed + pass };

		w->err = ecall(w->encl, w->tcs, &op);
		if (w->err)
			break;
		memset(&op, 0, sizeof(op));
		op.type = ENCL_OP_CHECK_WORDS;
		op.a = w->start;
		op.b = w->pages;
		op.r4 = w->seed + pass;
		w->err = ecall(w->encl, w->tcs, &op);
		w->mismatches += op.r0;
	}
	return NULL;
}

static struct sgxemu_enclave *load(struct sgxemu_platform *p, uint64_t *big, uint64_t *pages)
{
	struct encl_op op = { .type = ENCL_OP_BIG };
	struct sgxemu_enclave *e;

	if (sgxemu_enclave_load(p, TEST_ENCLAVES "/test_enclave_c.sgxs",
				TEST_ENCLAVES "/test_enclave_c.sig", &e))
		harness_fail(__FILE__, __LINE__, "load: %s", sgxemu_last_error());
	ASSERT_EQ(ecall(e, 0, &op), 0);
	*big = op.r0;
	*pages = op.r1 / 4096;
	return e;
}

/*
 * Two guests, each with twice the host's EPC, each running a 1 MiB
 * working set with two threads, at once: 0 mismatches, both finish, and
 * each guest's pages went through its VMM (evicted and reloaded).
 */
TEST(oversub, two_guests_twice_the_host_checksummed)
{
	struct sgxemu_platform_options o = { .epc_size = HOST_EPC, .nr_lps = 2 };
	struct sgxemu_platform *h, *g[2];
	struct sgxemu_enclave *e[2];
	struct worker w[4];
	pthread_t th[4];
	uint64_t big, pages;
	unsigned int i;

	ASSERT_EQ(sgxemu_platform_create(&o, &h), 0);
	for (i = 0; i < 2; i++) {
		if (sgxemu_vm_create(h, "epc=2M,lewr", NULL, &g[i]))
			harness_fail(__FILE__, __LINE__, "VM: %s", sgxemu_last_error());
		e[i] = load(g[i], &big, &pages);
	}
	for (i = 0; i < 4; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].encl = e[i / 2];
		w[i].tcs = i % 2;
		w[i].pages = pages / 2;
		w[i].start = big + (i % 2) * (pages / 2) * 4096;
		w[i].seed = 0x1000 * (i + 1);
		ASSERT_EQ(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		if (w[i].err)
			harness_fail(__FILE__, __LINE__, "worker %u: exception %d", i, w[i].err - 1);
		ASSERT_EQ(w[i].mismatches, 0);
	}
	for (i = 0; i < 2; i++) {
		struct sgxemu_vm_stats st;

		ASSERT_EQ(sgxemu_vm_stats(g[i], &st), 0);
		ASSERT_GT(st.vmm_evicted, 0);
		ASSERT_GT(st.vmm_reloaded, 0);
		sgxemu_enclave_destroy(e[i]);
		sgxemu_platform_destroy(g[i]);
	}
	sgxemu_platform_destroy(h);
}

/*
 * The guest's own paging on top of its VMM's: a guest whose EPC is
 * smaller than its enclave (its driver evicts) on a host smaller still
 * (the VMM evicts too); both count, and the data holds.
 */
TEST(oversub, guest_paging_under_vmm_paging)
{
	struct sgxemu_platform_options o = { .epc_size = 256 << 10, .nr_lps = 2 };
	struct sgxemu_platform *h, *g;
	struct sgxemu_enclave *e;
	struct sgxemu_vm_stats st;
	struct worker w;
	uint64_t big, pages, evicted, reloaded;

	ASSERT_EQ(sgxemu_platform_create(&o, &h), 0);
	if (sgxemu_vm_create(h, "epc=512K,lewr", NULL, &g))
		harness_fail(__FILE__, __LINE__, "VM: %s", sgxemu_last_error());
	e = load(g, &big, &pages);
	memset(&w, 0, sizeof(w));
	w.encl = e;
	w.pages = pages;
	w.start = big;
	w.seed = 0x77;
	work(&w);
	ASSERT_EQ(w.err, 0);
	ASSERT_EQ(w.mismatches, 0);
	sgxemu_paging_stats(g, &evicted, &reloaded);
	ASSERT_GT(evicted, 0);
	ASSERT_GT(reloaded, 0);
	ASSERT_EQ(sgxemu_vm_stats(g, &st), 0);
	ASSERT_GT(st.vmm_evicted, 0);
	ASSERT_GT(st.vmm_reloaded, 0);
	sgxemu_enclave_destroy(e);
	sgxemu_platform_destroy(g);
	sgxemu_platform_destroy(h);
}
