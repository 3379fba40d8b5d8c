// SPDX-License-Identifier: MIT
/*
 * EPC paging through the driver: enclaves several times the EPC size run
 * with pages evicted and reloaded underneath them, the process keeps few
 * mappings, and a page whose backing store was altered or replayed is
 * never accepted.
 */
#include <asm/sgx.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "drv/encl.h"
#include "enclave.h"
#include "harness.h"
#include "sgxemu/sgxemu.h"

#define EENTER 2
#define EEXIT 4
#define EPC_PAGES 32   /* the test enclave's 330 pages are 10x that */

struct pg {
	struct sgxemu_platform *plat;
	struct sgxemu_enclave *encl;
	u64 big, big_pages;
};

static int call(struct pg *g, unsigned int tcs, struct encl_op *op, struct sgx_enclave_run *run)
{
	memset(run, 0, sizeof(*run));
	run->tcs = sgxemu_enclave_tcs(g->encl, tcs);
	return sgxemu_enter_enclave((unsigned long)op, 0, 0, EENTER, 0, 0, run);
}

/* An ECALL that must come back by EEXIT. */
static u64 ecall(struct pg *g, unsigned int tcs, u64 type, u64 a, u64 b, u64 seed)
{
	struct encl_op op = { .type = type, .a = a, .b = b, .r4 = seed };
	struct sgx_enclave_run run;

	ASSERT_EQ(call(g, tcs, &op, &run), 0);
	if (run.function != EEXIT)
		harness_fail(__FILE__, __LINE__, "op %llu: exception %u (error code %#x) at %#llx",
			     (unsigned long long)type, run.exception_vector, run.exception_error_code,
			     (unsigned long long)run.exception_addr);
	return op.r0;
}

static void pg_setup(struct pg *g, u64 epc_pages)
{
	struct sgxemu_platform_options o = { .epc_size = epc_pages * 4096, .nr_lps = 2 };
	struct encl_op op = { .type = ENCL_OP_BIG };
	struct sgx_enclave_run run;

	memset(g, 0, sizeof(*g));
	if (sgxemu_platform_create(&o, &g->plat))
		harness_fail(__FILE__, __LINE__, "platform: %s", sgxemu_last_error());
	if (sgxemu_enclave_load(g->plat, TEST_ENCLAVES "/test_enclave_c.sgxs",
				TEST_ENCLAVES "/test_enclave_c.sig", &g->encl))
		harness_fail(__FILE__, __LINE__, "load: %s", sgxemu_last_error());
	ASSERT_EQ(call(g, 0, &op, &run), 0);
	ASSERT_EQ(op.r1, ENCL_BIG_SIZE);
	g->big = op.r0;
	g->big_pages = op.r1 / 4096;
}

static void pg_teardown(struct pg *g)
{
	sgxemu_enclave_destroy(g->encl);
	sgxemu_platform_destroy(g->plat);
}

static unsigned int count_maps(void)
{
	char line[512];
	unsigned int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* An enclave ten times the EPC is built (EADD evicts as it goes), runs
 * through its whole working set again and again, and the process keeps
 * fewer than 1,000 mappings. */
TEST(paging, enclave_larger_than_epc_few_mappings)
{
	struct pg g;
	u64 evicted, reloaded, pass;
	unsigned int maps;

	pg_setup(&g, EPC_PAGES);
	for (pass = 0; pass < 4; pass++) {
		ecall(&g, 0, ENCL_OP_FILL, g.big, g.big_pages, pass * 0x1000001);
		ASSERT_EQ(ecall(&g, 0, ENCL_OP_CHECK, g.big, g.big_pages, pass * 0x1000001), 0);
	}
	sgxemu_paging_stats(g.plat, &evicted, &reloaded);
	ASSERT_GT(evicted, 4 * g.big_pages);
	ASSERT_GT(reloaded, 4 * g.big_pages);
	maps = count_maps();
	ASSERT_LT(maps, 1000);
	pg_teardown(&g);
}

/* What the driver says of the page at ELRANGE page index @idx. */
static int page_state(struct pg *g, u64 idx)
{
	struct encl *e = api_enclave_encl(g->encl);

	return drv_page_state(api_drv(g->plat), encl_base(e) + idx * 4096);
}

/* The first evicted page of the big buffer, or -1. */
static s64 evicted_page(struct pg *g)
{
	u64 i;

	for (i = 0; i < g->big_pages; i++) {
		u64 idx = (g->big + i * 4096) / 4096;

		if (page_state(g, idx) == DRV_PAGE_EVICTED)
			return (s64)idx;
	}
	return -1;
}

/* Read the page at @idx through TCS @tcs (whose SSA frame an exception
 * then holds); return the exception vector (0: it read). */
static unsigned int touch(struct pg *g, unsigned int tcs, u64 idx)
{
	struct encl_op op = { .type = ENCL_OP_READ, .a = idx * 4096 };
	struct sgx_enclave_run run;

	ASSERT_EQ(call(g, tcs, &op, &run), 0);
	return run.function == EEXIT ? 0 : run.exception_vector;
}

/* A changed byte of ciphertext, PCMD or version: the page never comes back,
 * the access faults (#PF through the vDSO), and the rest still works. */
TEST(paging, tampered_page_is_refused)
{
	static const int what[] = { 0, 1, 2 };
	struct encl *e;
	struct pg g;
	size_t k;

	for (k = 0; k < sizeof(what) / sizeof(what[0]); k++) {
		s64 idx;

		pg_setup(&g, EPC_PAGES);
		e = api_enclave_encl(g.encl);
		ecall(&g, 0, ENCL_OP_FILL, g.big, g.big_pages, 7);
		idx = evicted_page(&g);
		ASSERT_GE(idx, 0);
		if (what[k] == 0)
			e->backing[idx * 4096 + 100] ^= 1;
		else if (what[k] == 1)
			e->pcmds[idx].secinfo.flags ^= SGX_SECINFO_W;
		else
			e->pcmds[idx].mac[3] ^= 0x10;
		ASSERT_EQ(touch(&g, 1, (u64)idx), 14);
		ASSERT_EQ(touch(&g, 2, (u64)idx), 14);
		ASSERT_EQ(page_state(&g, (u64)idx), DRV_PAGE_EVICTED);
		/* Every other page of the buffer is intact. */
		ASSERT_EQ(ecall(&g, 0, ENCL_OP_CHECK, g.big, (u64)idx - g.big / 4096, 7), 0);
		pg_teardown(&g);
	}
}

/* Replay: the ciphertext and PCMD of an older eviction of a page, put back
 * after the page was evicted again, do not load. */
TEST(paging, replayed_page_is_refused)
{
	static u8 old_data[4096];
	struct sgx_pcmd old_pcmd;
	struct encl *e;
	struct pg g;
	s64 idx;
	u64 i;

	pg_setup(&g, EPC_PAGES);
	e = api_enclave_encl(g.encl);
	ecall(&g, 0, ENCL_OP_FILL, g.big, g.big_pages, 1);
	idx = evicted_page(&g);
	ASSERT_GE(idx, 0);
	memcpy(old_data, e->backing + idx * 4096, sizeof(old_data));
	old_pcmd = e->pcmds[idx];
	/* New contents everywhere, so the page is evicted again with others. */
	ecall(&g, 0, ENCL_OP_FILL, g.big, g.big_pages, 2);
	for (i = 0; i < 8 && page_state(&g, (u64)idx) != DRV_PAGE_EVICTED; i++)
		ecall(&g, 0, ENCL_OP_CHECK, g.big, g.big_pages, 2);
	ASSERT_EQ(page_state(&g, (u64)idx), DRV_PAGE_EVICTED);
	memcpy(e->backing + idx * 4096, old_data, sizeof(old_data));
	e->pcmds[idx] = old_pcmd;
	ASSERT_EQ(touch(&g, 1, (u64)idx), 14);
	pg_teardown(&g);
}

struct worker {
	struct pg *g;
	unsigned int tcs;
	u64 first, n;           /* pages of the buffer this thread owns */
	double seconds;
	u64 ops, mismatches;
};

/* Random reads and writes of this thread's pages against a shadow copy. */
static void *stress(void *arg)
{
	struct worker *w = arg;
	u64 *shadow = calloc(w->n, sizeof(*shadow)), p;
	unsigned int seed = w->tcs * 7919 + 1;
	double end;
	struct timespec ts;

	/* What ENCL_OP_FILL with seed 0 left: each page's offset. */
	for (p = 0; p < w->n; p++)
		shadow[p] = w->g->big + (w->first + p) * 4096;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (double)ts.tv_sec + ts.tv_nsec / 1e9 + w->seconds;
	for (;;) {
		u64 off;
		struct encl_op op = { 0 };

		p = (u64)rand_r(&seed) % w->n;
		off = w->g->big + (w->first + p) * 4096;
		struct sgx_enclave_run run;

		if (rand_r(&seed) & 1) {
			op.type = ENCL_OP_WRITE;
			op.a = off;
			op.b = shadow[p] = ((u64)rand_r(&seed) << 32) | (u64)rand_r(&seed);
		} else {
			op.type = ENCL_OP_READ;
			op.a = off;
		}
		if (call(w->g, w->tcs, &op, &run) || run.function != EEXIT) {
			w->mismatches++;
			break;
		}
		if (op.type == ENCL_OP_READ && op.r0 != shadow[p])
			w->mismatches++;
		if (++w->ops % 256 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if ((double)ts.tv_sec + ts.tv_nsec / 1e9 > end)
				break;
		}
	}
	free(shadow);
	return NULL;
}

/* The stress test: an enclave 4 times the EPC, two threads doing
 * random reads and writes with per-page shadow copies while pages move out
 * and back, zero mismatches.  SGXEMU_STRESS_SECONDS sets the length
 * (default 30). */
TEST_T(paging, stress_two_threads, 120)
{
	const char *env = getenv("SGXEMU_STRESS_SECONDS");
	struct worker w[2];
	pthread_t th[2];
	u64 evicted, reloaded;
	struct pg g;
	int i;

	/* 330 enclave pages; 80 EPC pages hold the 18 pinned ones and ~60 more. */
	pg_setup(&g, 80);
	ecall(&g, 0, ENCL_OP_FILL, g.big, g.big_pages, 0);
	for (i = 0; i < 2; i++) {
		w[i] = (struct worker){ .g = &g, .tcs = (unsigned int)i,
					.first = (u64)i * g.big_pages / 2, .n = g.big_pages / 2,
					.seconds = env ? atof(env) : 30.0 };
		/* Start from known contents. */
		ecall(&g, (unsigned int)i, ENCL_OP_FILL, g.big + w[i].first * 4096, w[i].n, 0);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, stress, &w[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	sgxemu_paging_stats(g.plat, &evicted, &reloaded);
	fprintf(stderr, "# %llu + %llu operations, %llu pages evicted, %llu reloaded\n",
		(unsigned long long)w[0].ops, (unsigned long long)w[1].ops,
		(unsigned long long)evicted, (unsigned long long)reloaded);
	ASSERT_EQ(w[0].mismatches, 0);
	ASSERT_EQ(w[1].mismatches, 0);
	ASSERT_GT(w[0].ops, 1000);
	ASSERT_GT(evicted, 1000);
	pg_teardown(&g);
}

/* Two enclaves paging at once share the driver's VA pages: a reload in
 * one must not fail for an eviction or reload of the other using the same
 * VA page (the leaves conflict on its EPCM entry: #GP, and the reload
 * failed for good). */
TEST_T(paging, two_enclaves_page_at_once, 120)
{
	struct worker w[2];
	pthread_t th[2];
	struct pg g[2];
	int i;

	pg_setup(&g[0], 80);
	g[1] = g[0];
	if (sgxemu_enclave_load(g[0].plat, TEST_ENCLAVES "/test_enclave_c.sgxs",
				TEST_ENCLAVES "/test_enclave_c.sig", &g[1].encl))
		harness_fail(__FILE__, __LINE__, "load: %s", sgxemu_last_error());
	for (i = 0; i < 2; i++) {
		w[i] = (struct worker){ .g = &g[i], .n = g[i].big_pages, .seconds = 3.0 };
		ecall(&g[i], 0, ENCL_OP_FILL, g[i].big, w[i].n, 0);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, stress, &w[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ASSERT_EQ(w[0].mismatches, 0);
	ASSERT_EQ(w[1].mismatches, 0);
	ASSERT_GT(w[0].ops, 1000);
	ASSERT_GT(w[1].ops, 1000);
	sgxemu_enclave_destroy(g[1].encl);
	pg_teardown(&g[0]);
}

struct spinner {
	struct pg *g;
	volatile u64 flags[2];  /* [0]: go home; [1]: set by the enclave once inside */
	u64 spins;
	bool block_all;         /* enter with every signal blocked */
};

static void *spin(void *arg)
{
	struct spinner *s = arg;
	struct encl_op op = { .type = ENCL_OP_SPIN, .a = (u64)(uintptr_t)s->flags };
	struct sgx_enclave_run run;
	sigset_t all;

	if (s->block_all) {
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, NULL);
	}

	if (!call(s->g, 1, &op, &run) && run.function == EEXIT)
		s->spins = op.r0;
	return NULL;
}

/* A thread that stays inside the enclave (never EEXITs, never faults)
 * would hold up every eviction from it forever; like Linux's IPI, a kick
 * makes it AEX and resume, and paging goes on. */
static void kicked(bool block_all)
{
	static struct spinner s;
	pthread_t th;
	struct pg g;
	int i;

	pg_setup(&g, EPC_PAGES);
	memset((void *)&s, 0, sizeof(s));
	s.g = &g;
	s.block_all = block_all;
	ASSERT_EQ(pthread_create(&th, NULL, spin, &s), 0);
	for (i = 0; i < 1000 && !s.flags[1]; i++)
		usleep(1000);
	ASSERT_EQ(s.flags[1], 1);
	ecall(&g, 0, ENCL_OP_FILL, g.big, g.big_pages, 5);
	ASSERT_EQ(ecall(&g, 0, ENCL_OP_CHECK, g.big, g.big_pages, 5), 0);
	s.flags[0] = 1;
	pthread_join(th, NULL);
	/* The spinner was still spinning, through its AEXes, when told to stop. */
	ASSERT_GT(s.spins, 0);
	pg_teardown(&g);
}

TEST(paging, threads_that_stay_inside_are_kicked)
{
	kicked(false);
}

/* Host code may block every signal; enclave code still takes its faults
 * and kicks (the emulator unblocks them for enclave mode only). */
TEST(paging, threads_that_block_signals_are_kicked_too)
{
	kicked(true);
}

/* Enclaves come and go: the Version Array pages they needed go with them,
 * so the EPC does not shrink over time. */
TEST(paging, enclaves_come_and_go_without_leaking_epc)
{
	struct sgxemu_platform_options o = { .epc_size = 64 * 4096 };
	struct sgxemu_platform *p;
	struct sgxemu_enclave *e;
	u64 total, before, after;
	int i;

	ASSERT_EQ(sgxemu_platform_create(&o, &p), 0);
	sgxemu_epc_stats(p, &total, &before);
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(sgxemu_enclave_load(p, TEST_ENCLAVES "/test_enclave_c.sgxs",
					      TEST_ENCLAVES "/test_enclave_c.sig", &e),
			  0);
		sgxemu_enclave_destroy(e);
	}
	sgxemu_epc_stats(p, &total, &after);
	ASSERT_EQ(after, before);
	sgxemu_platform_destroy(p);
}

/* The background reclaimer keeps EPC free between its marks (an eighth and
 * a quarter of a small EPC), so a fault need not evict first. */
TEST(paging, background_reclaimer_keeps_pages_free)
{
	u64 total, nfree = 0;
	struct pg g;
	int i;

	pg_setup(&g, 128);
	ecall(&g, 0, ENCL_OP_FILL, g.big, g.big_pages, 3);
	for (i = 0; i < 200 && nfree < 128 / 8; i++) {
		sgxemu_epc_stats(g.plat, &total, &nfree);
		usleep(10000);
	}
	ASSERT_GE(nfree, 128 / 8);
	ASSERT_EQ(ecall(&g, 0, ENCL_OP_CHECK, g.big, g.big_pages, 3), 0);
	pg_teardown(&g);
}

/* EREPORT under pressure: its operand pages are evicted between calls and
 * come back while the leaf runs; each is held until the leaf is done, so
 * every REPORT is the same and nothing the enclave wrote is lost. */
TEST(paging, ereport_operands_under_pressure)
{
	static struct encl_op op, first;
	struct sgx_enclave_run run;
	struct pg g;
	int i;

	pg_setup(&g, EPC_PAGES);
	for (i = 0; i < 40; i++) {
		ecall(&g, 0, ENCL_OP_FILL, g.big, g.big_pages, (u64)i);
		memset(&op, 0, sizeof(op));
		op.type = ENCL_OP_REPORT;
		memset(op.data, 0x5A, sizeof(op.data));
		ASSERT_EQ(call(&g, 0, &op, &run), 0);
		ASSERT_EQ(run.function, EEXIT);
		ASSERT_EQ(op.r0, 0);
		if (!i)
			first = op;
		ASSERT_EQ(memcmp(op.out, first.out, 432), 0);
		ASSERT_EQ(ecall(&g, 0, ENCL_OP_CHECK, g.big, g.big_pages, (u64)i), 0);
	}
	pg_teardown(&g);
}
