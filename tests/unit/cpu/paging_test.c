// SPDX-License-Identifier: MIT
/*
 * EPA, EBLOCK, ETRACK, EWB and ELDB/ELDU conformance: each condition of the
 * SDM pseudocode (sgx-isa.md section 6), the tracking model, and the
 * bindings that make a tampered or replayed page fail SGX_MAC_COMPARE_FAIL.
 */
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cpu/epc.h"
#include "cpu/platform.h"
#include "cpu/secs.h"
#include "cpu/track.h"
#include "fixture.h"

#define VA_INDEX 15

struct evicted {
	u8 data[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	struct sgx_pcmd pcmd;
	struct sgx_pageinfo pginfo;
	u64 linaddr;
};

static void *epc(struct fx *fx, u64 index)
{
	return platform_epc_page(fx->plat, index);
}

static struct epc_page *page_of(struct fx *fx, u64 index)
{
	return epc_page_at(fx->plat, epc(fx, index));
}

static u64 *slot(struct fx *fx, unsigned int i)
{
	return (u64 *)epc(fx, VA_INDEX) + i;
}

/* An enclave with REG pages 1 and 2 (page 1 full of 0xA5) and a VA page. */
static void setup(struct fx *fx)
{
	fx_enclave(fx, 16);
	memset(fx->page, 0xA5, sizeof(fx->page));
	ASSERT_STATUS(fx_eadd(fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	memset(fx->page, 0x3C, sizeof(fx->page));
	ASSERT_STATUS(fx_eadd(fx, 2, SGX_PAGE_SIZE, FX_REG_RX), SGX_SUCCESS);
	ASSERT_STATUS(encls_epa(fx->lp, SGX_PT_VA, epc(fx, VA_INDEX)), SGX_SUCCESS);
}

/* An enclave with a TCS at EPC page 3: its SECS and TCS pages in *@secs
 * and *@tcs, for the tracking tests. */
static void setup_tcs(struct fx *fx, struct epc_page **secs, struct epc_page **tcs)
{
	setup(fx);
	memset(fx->page, 0, sizeof(fx->page));
	ASSERT_STATUS(fx_eadd(fx, 3, 2 * SGX_PAGE_SIZE, FX_TCS), SGX_SUCCESS);
	*secs = page_of(fx, 0);
	*tcs = page_of(fx, 3);
}

static int ewb(struct fx *fx, u64 index, unsigned int s, struct evicted *ev)
{
	memset(&ev->pginfo, 0, sizeof(ev->pginfo));
	ev->pginfo.srcpge = (u64)(uintptr_t)ev->data;
	ev->pginfo.secinfo = (u64)(uintptr_t)&ev->pcmd;
	return encls_ewb(fx->lp, &ev->pginfo, epc(fx, index), slot(fx, s));
}

/* EBLOCK, ETRACK, EWB: the driver's eviction sequence. */
static void evict(struct fx *fx, u64 index, unsigned int s, struct evicted *ev)
{
	ASSERT_STATUS(encls_eblock(fx->lp, epc(fx, index)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(fx->lp, fx->secs), SGX_SUCCESS);
	ASSERT_STATUS(ewb(fx, index, s, ev), SGX_SUCCESS);
	ev->linaddr = ev->pginfo.linaddr;
}

static int eldu(struct fx *fx, u64 index, unsigned int s, struct evicted *ev, void *secs)
{
	memset(&ev->pginfo, 0, sizeof(ev->pginfo));
	ev->pginfo.linaddr = ev->linaddr;
	ev->pginfo.srcpge = (u64)(uintptr_t)ev->data;
	ev->pginfo.secinfo = (u64)(uintptr_t)&ev->pcmd;
	ev->pginfo.secs = (u64)(uintptr_t)secs;
	return encls_eldu(fx->lp, &ev->pginfo, epc(fx, index), slot(fx, s));
}

/* ---- EPA ------------------------------------------------------------------ */

/* SDM: IF (RBX ≠ PT_VA or DS:RCX is not 4KByte aligned) THEN #GP(0) */
TEST(epa, gp_not_pt_va_or_unaligned)
{
	struct fx fx;

	fx_platform(&fx, 16);
	ASSERT_FAULT(encls_epa(fx.lp, SGX_PT_REG, epc(&fx, 3)), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_epa(fx.lp, SGX_PT_VA, (u8 *)epc(&fx, 3) + 8), fx.lp, X86_VEC_GP);
	ASSERT_FALSE(page_of(&fx, 3)->epcm.valid);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:RCX does not resolve within an EPC) THEN #PF(DS:RCX);
 * IF (EPCM(DS:RCX).VALID ≠ 0) THEN #PF(DS:RCX) */
TEST(epa, pf_not_epc_or_valid)
{
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_FAULT(encls_epa(fx.lp, SGX_PT_VA, host), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(encls_epa(fx.lp, SGX_PT_VA, fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_EQ(page_of(&fx, 0)->epcm.pt, SGX_PT_SECS);
	platform_destroy(fx.plat);
}

/* EPA makes 512 empty slots; EREMOVE takes the page back. */
TEST(epa, empty_va_page)
{
	struct fx fx;
	unsigned int i;

	fx_platform(&fx, 16);
	memset(epc(&fx, VA_INDEX), 0x77, SGX_PAGE_SIZE);
	ASSERT_STATUS(encls_epa(fx.lp, SGX_PT_VA, epc(&fx, VA_INDEX)), SGX_SUCCESS);
	ASSERT_EQ(page_of(&fx, VA_INDEX)->epcm.pt, SGX_PT_VA);
	for (i = 0; i < SGX_VA_SLOT_COUNT; i++)
		ASSERT_EQ(*slot(&fx, i), 0);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, VA_INDEX)), SGX_SUCCESS);
	ASSERT_FALSE(page_of(&fx, VA_INDEX)->epcm.valid);
	platform_destroy(fx.plat);
}

/* ---- EBLOCK --------------------------------------------------------------- */

/* SDM: invalid → SGX_PG_INVLD; SECS → SGX_PG_IS_SECS; not REG/TCS/TRIM →
 * SGX_NOTBLOCKABLE; blocked → SGX_BLKSTATE; else BLOCKED = 1 */
TEST(eblock, statuses_in_order)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 5)), SGX_PG_INVLD);
	ASSERT_STATUS(encls_eblock(fx.lp, fx.secs), SGX_PG_IS_SECS);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, VA_INDEX)), SGX_NOTBLOCKABLE);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_TRUE(page_of(&fx, 1)->epcm.flags & EPCM_BLOCKED);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 1)), SGX_BLKSTATE);
	platform_destroy(fx.plat);
}

/* SDM: #GP(0) unaligned, #PF(DS:RCX) outside the EPC */
TEST(eblock, faults)
{
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_eblock(fx.lp, (u8 *)epc(&fx, 1) + 64), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_eblock(fx.lp, host), fx.lp, X86_VEC_PF);
	ASSERT_FALSE(page_of(&fx, 1)->epcm.flags & EPCM_BLOCKED);
	platform_destroy(fx.plat);
}

/* ---- ETRACK ----------------------------------------------------------------- */

/* SDM: #PF(DS:RCX) unless a valid SECS */
TEST(etrack, pf_not_secs)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_etrack(fx.lp, epc(&fx, 1)), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(encls_etrack(fx.lp, epc(&fx, 6)), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(encls_etrack(fx.lp, (u8 *)fx.secs + 8), fx.lp, X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* SDM: a tracking cycle is not complete while a thread that was inside
 * when it started is still inside → SGX_PREV_TRK_INCMPL */
TEST(etrack, prev_trk_incmpl_until_the_thread_leaves)
{
	struct epc_page *secs, *tcs;
	struct fx fx;

	setup_tcs(&fx, &secs, &tcs);
	track_enter(secs, tcs);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_PREV_TRK_INCMPL);
	track_exit(secs, tcs);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

struct leaver {
	struct epc_page *secs, *tcs;
};

static void *leave(void *arg)
{
	struct leaver *l = arg;

	track_exit(l->secs, l->tcs);
	return NULL;
}

/* Whoever waits for a tracking cycle sleeps until a thread leaves: the
 * exit wakes it (the hour's bound is never reached; the harness's timeout
 * would fail the test first). */
TEST(etrack, a_waiter_wakes_when_the_thread_leaves)
{
	struct leaver l;
	struct fx fx;
	pthread_t t;
	u32 seen;

	setup_tcs(&fx, &l.secs, &l.tcs);
	track_enter(l.secs, l.tcs);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	seen = platform_exit_seq(fx.plat, fx.secs);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_PREV_TRK_INCMPL);
	ASSERT_EQ(pthread_create(&t, NULL, leave, &l), 0);
	platform_exit_wait(fx.plat, fx.secs, seen, 3600 * 1000);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_NE(platform_exit_seq(fx.plat, fx.secs), seen);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	/* A count already past returns at once. */
	platform_exit_wait(fx.plat, fx.secs, seen, 3600 * 1000);
	platform_destroy(fx.plat);
}

/* ---- a VMM's hold ------------------------------------------------------------ */

struct enterer {
	struct platform *plat;
	struct epc_page *secs, *tcs;
	atomic_int tid;
	atomic_bool entered;
	unsigned int inside;
};

static void *enter_held(void *arg)
{
	struct enterer *e = arg;

	atomic_store(&e->tid, (int)syscall(SYS_gettid));
	track_enter_unheld(e->plat, e->secs, e->tcs);
	e->inside = atomic_load(&e->secs->inside[0]) + atomic_load(&e->secs->inside[1]);
	atomic_store(&e->entered, true);
	track_exit(e->secs, e->tcs);
	return NULL;
}

/* A thread that enters while a VMM holds the enclave sleeps until the
 * release, without waking in between (a nap loop woke some 2000 times in
 * the 200 ms), and enters once the hold goes. */
TEST(vmm_hold, an_entering_thread_sleeps_until_the_release)
{
	struct timespec hold = { 0, 200 * 1000 * 1000 };
	struct enterer e = { 0 };
	long before, after;
	struct fx fx;
	pthread_t t;
	u32 seen;

	setup_tcs(&fx, &e.secs, &e.tcs);
	e.plat = fx.plat;
	platform_vmm_hold(fx.plat, fx.secs);
	platform_vmm_hold(fx.plat, fx.secs);
	seen = platform_exit_seq(fx.plat, fx.secs);
	ASSERT_EQ(pthread_create(&t, NULL, enter_held, &e), 0);
	/* It counted itself in, saw the hold and counted itself out. */
	while (platform_exit_seq(fx.plat, fx.secs) == seen)
		platform_exit_wait(fx.plat, fx.secs, seen, 1000);
	before = harness_voluntary_switches(atomic_load(&e.tid));
	ASSERT_GE(before, 0);
	nanosleep(&hold, NULL);
	after = harness_voluntary_switches(atomic_load(&e.tid));
	ASSERT_LE(after - before, 10);
	ASSERT_FALSE(atomic_load(&e.entered));
	/* Holds nest: the first release leaves it held. */
	platform_vmm_release(fx.plat, fx.secs);
	nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	ASSERT_FALSE(atomic_load(&e.entered));
	platform_vmm_release(fx.plat, fx.secs);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_TRUE(atomic_load(&e.entered));
	ASSERT_EQ(e.inside, 1);
	platform_destroy(fx.plat);
}

/* ---- EWB -------------------------------------------------------------------- */

/* SDM: #GP(0) for PAGEINFO not 32-byte aligned, RCX not 4K aligned, RDX not
 * 8-byte aligned, RCX and RDX in one page, PAGEINFO.LINADDR or SECS ≠ 0,
 * PCMD not 128-byte or SRCPGE not 4K aligned */
TEST(ewb, gp_operands)
{
	static struct evicted ev;
	struct sgx_pageinfo *pi = &ev.pginfo;
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	memset(pi, 0, sizeof(*pi));
	pi->srcpge = (u64)(uintptr_t)ev.data;
	pi->secinfo = (u64)(uintptr_t)&ev.pcmd;
	ASSERT_FAULT(encls_ewb(fx.lp, (void *)((u8 *)pi + 8), epc(&fx, 1), slot(&fx, 0)), fx.lp,
		     X86_VEC_GP);
	ASSERT_FAULT(encls_ewb(fx.lp, pi, (u8 *)epc(&fx, 1) + 8, slot(&fx, 0)), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_ewb(fx.lp, pi, epc(&fx, 1), (u64 *)(void *)((u8 *)slot(&fx, 0) + 4)), fx.lp,
		     X86_VEC_GP);
	ASSERT_FAULT(encls_ewb(fx.lp, pi, epc(&fx, VA_INDEX), slot(&fx, 1)), fx.lp, X86_VEC_GP);
	pi->linaddr = FX_BASE;
	ASSERT_FAULT(encls_ewb(fx.lp, pi, epc(&fx, 1), slot(&fx, 0)), fx.lp, X86_VEC_GP);
	pi->linaddr = 0;
	pi->secs = (u64)(uintptr_t)fx.secs;
	ASSERT_FAULT(encls_ewb(fx.lp, pi, epc(&fx, 1), slot(&fx, 0)), fx.lp, X86_VEC_GP);
	pi->secs = 0;
	pi->secinfo += 64;
	ASSERT_FAULT(encls_ewb(fx.lp, pi, epc(&fx, 1), slot(&fx, 0)), fx.lp, X86_VEC_GP);
	pi->secinfo -= 64;
	pi->srcpge += 128;
	ASSERT_FAULT(encls_ewb(fx.lp, pi, epc(&fx, 1), slot(&fx, 0)), fx.lp, X86_VEC_GP);
	/* Nothing happened: the page is still there, the slot empty. */
	ASSERT_TRUE(page_of(&fx, 1)->epcm.valid);
	ASSERT_EQ(*slot(&fx, 0), 0);
	platform_destroy(fx.plat);
}

/* SDM: #PF for RCX or RDX outside the EPC, RCX invalid, RDX's page not a
 * valid VA page */
TEST(ewb, pf_operands)
{
	static struct evicted ev;
	static u64 host_slot[512] __aligned(SGX_PAGE_SIZE);
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	struct fx fx;

	setup(&fx);
	memset(&ev.pginfo, 0, sizeof(ev.pginfo));
	ev.pginfo.srcpge = (u64)(uintptr_t)ev.data;
	ev.pginfo.secinfo = (u64)(uintptr_t)&ev.pcmd;
	ASSERT_FAULT(encls_ewb(fx.lp, &ev.pginfo, host, slot(&fx, 0)), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(encls_ewb(fx.lp, &ev.pginfo, epc(&fx, 1), host_slot), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(encls_ewb(fx.lp, &ev.pginfo, epc(&fx, 6), slot(&fx, 0)), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(encls_ewb(fx.lp, &ev.pginfo, epc(&fx, 1), (u64 *)epc(&fx, 2)), fx.lp,
		     X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, 2));
	platform_destroy(fx.plat);
}

/* SDM: a REG/TCS/TRIM page must be blocked (SGX_PAGE_NOT_BLOCKED) and
 * tracked (SGX_NOT_TRACKED); the page stays in the EPC */
TEST(ewb, not_blocked_then_not_tracked)
{
	static struct evicted ev;
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(ewb(&fx, 1, 0, &ev), SGX_PAGE_NOT_BLOCKED);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(ewb(&fx, 1, 0, &ev), SGX_NOT_TRACKED);
	ASSERT_TRUE(page_of(&fx, 1)->epcm.valid);
	ASSERT_EQ(*slot(&fx, 0), 0);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(ewb(&fx, 1, 0, &ev), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* A thread that entered before the ETRACK and is still inside may still
 * reach the page: SGX_NOT_TRACKED until it leaves. */
TEST(ewb, not_tracked_while_an_old_thread_is_inside)
{
	static struct evicted ev;
	struct epc_page *secs, *tcs;
	struct fx fx;

	setup_tcs(&fx, &secs, &tcs);
	track_enter(secs, tcs);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(ewb(&fx, 1, 0, &ev), SGX_NOT_TRACKED);
	track_exit(secs, tcs);
	ASSERT_STATUS(ewb(&fx, 1, 0, &ev), SGX_SUCCESS);
	/* A thread entering after the ETRACK does not hold the page up. */
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 2)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	track_enter(secs, tcs);
	ASSERT_STATUS(ewb(&fx, 2, 1, &ev), SGX_SUCCESS);
	track_exit(secs, tcs);
	platform_destroy(fx.plat);
}

/* SDM: EWB writes PCMD {SECINFO (PT, RWX), ENCLAVEID = SECS.EID, MAC},
 * PAGEINFO.LINADDR, a non-zero version into the slot, and invalidates the
 * page; ELDU brings back content, type, permissions and address, and clears
 * the slot. */
TEST(ewb, eldu_round_trip)
{
	static struct evicted ev;
	struct epc_page *p;
	u8 want[SGX_PAGE_SIZE];
	u32 children;
	struct fx fx;

	setup(&fx);
	memcpy(want, page_of(&fx, 1)->mem, sizeof(want));
	children = atomic_load(&page_of(&fx, 0)->nr_children);
	evict(&fx, 1, 7, &ev);
	p = page_of(&fx, 1);
	ASSERT_FALSE(p->epcm.valid);
	ASSERT_EQ(atomic_load(&page_of(&fx, 0)->nr_children), children - 1);
	ASSERT_EQ(ev.pginfo.linaddr, FX_BASE);
	ASSERT_EQ(ev.pcmd.secinfo.flags, FX_REG_RW);
	ASSERT_EQ(ev.pcmd.enclaveid, secs_private(page_of(&fx, 0)->mem)->eid);
	ASSERT_NE(*slot(&fx, 7), 0);
	ASSERT_NE(memcmp(ev.data, want, sizeof(want)), 0);
	/* Back into another EPC page. */
	ASSERT_STATUS(eldu(&fx, 9, 7, &ev, fx.secs), SGX_SUCCESS);
	p = page_of(&fx, 9);
	ASSERT_TRUE(p->epcm.valid);
	ASSERT_EQ(p->epcm.pt, SGX_PT_REG);
	ASSERT_EQ(p->epcm.flags, SGX_SECINFO_R | SGX_SECINFO_W);
	ASSERT_EQ(p->epcm.enclave_address, FX_BASE);
	ASSERT_TRUE(p->epcm.secs == page_of(&fx, 0));
	ASSERT_EQ(memcmp(p->mem, want, sizeof(want)), 0);
	ASSERT_EQ(*slot(&fx, 7), 0);
	ASSERT_EQ(atomic_load(&page_of(&fx, 0)->nr_children), children);
	/* The reloaded page is unblocked and can go round again. */
	evict(&fx, 9, 7, &ev);
	ASSERT_STATUS(eldu(&fx, 1, 7, &ev, fx.secs), SGX_SUCCESS);
	ASSERT_EQ(memcmp(page_of(&fx, 1)->mem, want, sizeof(want)), 0);
	platform_destroy(fx.plat);
}

/* SDM: an occupied slot gives SGX_VA_SLOT_OCCUPIED (CF), and the page is
 * evicted all the same with the new version in the slot. */
TEST(ewb, va_slot_occupied_still_evicts)
{
	static struct evicted a, b;
	struct fx fx;
	u64 first;

	setup(&fx);
	evict(&fx, 1, 3, &a);
	first = *slot(&fx, 3);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 2)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(ewb(&fx, 2, 3, &b), SGX_VA_SLOT_OCCUPIED);
	ASSERT_FALSE(page_of(&fx, 2)->epcm.valid);
	ASSERT_NE(*slot(&fx, 3), first);
	/* The first page's version is gone: it can no longer be loaded. */
	ASSERT_STATUS(eldu(&fx, 4, 3, &a, fx.secs), SGX_MAC_COMPARE_FAIL);
	platform_destroy(fx.plat);
}

/* SDM: a SECS with child pages in the EPC → SGX_CHILD_PRESENT; without,
 * it is evicted (PCMD.ENCLAVEID = its EID) and reloads with SECS = 0; its
 * children then reload against the new SECS page. */
TEST(ewb, secs_only_without_children)
{
	static struct evicted c1, c2, s;
	u64 eid;
	struct fx fx;

	setup(&fx);
	eid = secs_private(page_of(&fx, 0)->mem)->eid;
	ASSERT_STATUS(ewb(&fx, 0, 0, &s), SGX_CHILD_PRESENT);
	evict(&fx, 1, 1, &c1);
	evict(&fx, 2, 2, &c2);
	ASSERT_STATUS(ewb(&fx, 0, 0, &s), SGX_SUCCESS);
	ASSERT_EQ(s.pcmd.enclaveid, eid);
	ASSERT_EQ(s.pcmd.secinfo.flags, (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT);
	s.linaddr = 0;
	ASSERT_FAULT(eldu(&fx, 10, 0, &s, epc(&fx, 0)), fx.lp, X86_VEC_GP);
	ASSERT_STATUS(eldu(&fx, 10, 0, &s, NULL), SGX_SUCCESS);
	ASSERT_EQ(secs_private(page_of(&fx, 10)->mem)->eid, eid);
	/* Children must name the SECS where it now is. */
	ASSERT_FAULT(eldu(&fx, 1, 1, &c1, epc(&fx, 0)), fx.lp, X86_VEC_PF);
	ASSERT_STATUS(eldu(&fx, 1, 1, &c1, epc(&fx, 10)), SGX_SUCCESS);
	ASSERT_STATUS(eldu(&fx, 2, 2, &c2, epc(&fx, 10)), SGX_SUCCESS);
	ASSERT_EQ(atomic_load(&page_of(&fx, 10)->nr_children), 2);
	platform_destroy(fx.plat);
}

/* A VA page is evicted like any other (EID 0) and reloads with its slots. */
TEST(ewb, va_page_round_trip)
{
	static struct evicted c, v;
	struct fx fx;
	u64 ver;

	setup(&fx);
	ASSERT_STATUS(encls_epa(fx.lp, SGX_PT_VA, epc(&fx, 14)), SGX_SUCCESS);
	/* Page 1's version in VA page 15; VA page 15's own in VA page 14. */
	evict(&fx, 1, 5, &c);
	ver = *slot(&fx, 5);
	memset(&v.pginfo, 0, sizeof(v.pginfo));
	v.pginfo.srcpge = (u64)(uintptr_t)v.data;
	v.pginfo.secinfo = (u64)(uintptr_t)&v.pcmd;
	ASSERT_STATUS(encls_ewb(fx.lp, &v.pginfo, epc(&fx, VA_INDEX), (u64 *)epc(&fx, 14)),
		      SGX_SUCCESS);
	ASSERT_EQ(v.pcmd.enclaveid, 0);
	v.pginfo.secs = 0;
	v.pginfo.linaddr = 0;
	ASSERT_STATUS(encls_eldu(fx.lp, &v.pginfo, epc(&fx, VA_INDEX), (u64 *)epc(&fx, 14)),
		      SGX_SUCCESS);
	ASSERT_EQ(*slot(&fx, 5), ver);
	ASSERT_STATUS(eldu(&fx, 1, 5, &c, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* ---- ELDB/ELDU -------------------------------------------------------------- */

/* SDM: #PF(DS:RCX) if the destination is valid; #PF(DS:RDX) if the slot's
 * page is not VA; #GP(0) for a SECS/VA page with PAGEINFO.SECS ≠ 0 or an
 * unknown page type in the PCMD; #PF(SECS) if SECS is not a SECS */
TEST(eldu, faults)
{
	static struct evicted ev, bad;
	struct fx fx;

	setup(&fx);
	evict(&fx, 1, 0, &ev);
	ASSERT_FAULT(eldu(&fx, 2, 0, &ev, fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, 2));
	ev.pginfo.secs = (u64)(uintptr_t)fx.secs;
	ASSERT_FAULT(encls_eldu(fx.lp, &ev.pginfo, epc(&fx, 4), (u64 *)epc(&fx, 2)), fx.lp,
		     X86_VEC_PF);
	ASSERT_FAULT(eldu(&fx, 4, 0, &ev, epc(&fx, 2)), fx.lp, X86_VEC_PF);
	bad = ev;
	bad.pcmd.secinfo.flags = (u64)7 << SGX_SECINFO_PT_SHIFT;
	ASSERT_FAULT(eldu(&fx, 4, 0, &bad, fx.secs), fx.lp, X86_VEC_GP);
	/* None of that spent the version. */
	ASSERT_STATUS(eldu(&fx, 4, 0, &ev, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* Every input EWB bound is checked: ciphertext, PCMD SECINFO and reserved
 * bytes, LINADDR, MAC, the enclave (EID) and the version. */
TEST(eldu, mac_compare_fail_on_any_change)
{
	static struct evicted ev, t;
	struct fx fx, other;

	setup(&fx);
	evict(&fx, 1, 0, &ev);
	t = ev;
	t.data[100] ^= 1;
	ASSERT_STATUS(eldu(&fx, 4, 0, &t, fx.secs), SGX_MAC_COMPARE_FAIL);
	t = ev;
	t.pcmd.secinfo.flags |= SGX_SECINFO_X;
	ASSERT_STATUS(eldu(&fx, 4, 0, &t, fx.secs), SGX_MAC_COMPARE_FAIL);
	t = ev;
	t.pcmd.reserved[3] = 1;
	ASSERT_STATUS(eldu(&fx, 4, 0, &t, fx.secs), SGX_MAC_COMPARE_FAIL);
	t = ev;
	t.linaddr += SGX_PAGE_SIZE;
	ASSERT_STATUS(eldu(&fx, 4, 0, &t, fx.secs), SGX_MAC_COMPARE_FAIL);
	t = ev;
	t.pcmd.mac[0] ^= 0x80;
	ASSERT_STATUS(eldu(&fx, 4, 0, &t, fx.secs), SGX_MAC_COMPARE_FAIL);
	*slot(&fx, 0) += 1;
	ASSERT_STATUS(eldu(&fx, 4, 0, &ev, fx.secs), SGX_MAC_COMPARE_FAIL);
	*slot(&fx, 0) -= 1;
	/* Another enclave on the same platform: a different EID. */
	other = fx;
	other.secs = epc(&fx, 12);
	fx_secs_default(&other);
	ASSERT_STATUS(fx_ecreate_at(&other, other.secs), SGX_SUCCESS);
	ASSERT_STATUS(eldu(&fx, 4, 0, &ev, other.secs), SGX_MAC_COMPARE_FAIL);
	/* Nothing reached the EPC page, and the right inputs still load. */
	ASSERT_FALSE(page_of(&fx, 4)->epcm.valid);
	ASSERT_STATUS(eldu(&fx, 4, 0, &ev, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* Replay: a page's older ciphertext does not load once it was evicted
 * again, and a loaded version cannot be loaded twice. */
TEST(eldu, replay_fails)
{
	static struct evicted v1, v2;
	struct fx fx;

	setup(&fx);
	evict(&fx, 1, 0, &v1);
	ASSERT_STATUS(eldu(&fx, 1, 0, &v1, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(eldu(&fx, 4, 0, &v1, fx.secs), SGX_MAC_COMPARE_FAIL);
	page_of(&fx, 1)->mem[0] ^= 0xFF;
	evict(&fx, 1, 0, &v2);
	ASSERT_STATUS(eldu(&fx, 4, 0, &v1, fx.secs), SGX_MAC_COMPARE_FAIL);
	ASSERT_STATUS(eldu(&fx, 4, 0, &v2, fx.secs), SGX_SUCCESS);
	ASSERT_EQ(page_of(&fx, 4)->mem[0], 0xA5 ^ 0xFF);
	platform_destroy(fx.plat);
}

/* SDM: ELDB sets BLOCKED for a REG/TCS/TRIM page, ELDU clears it. */
TEST(eldu, eldb_leaves_blocked)
{
	static struct evicted ev;
	struct fx fx;

	setup(&fx);
	evict(&fx, 1, 0, &ev);
	ev.pginfo.linaddr = ev.linaddr;
	ev.pginfo.srcpge = (u64)(uintptr_t)ev.data;
	ev.pginfo.secinfo = (u64)(uintptr_t)&ev.pcmd;
	ev.pginfo.secs = (u64)(uintptr_t)fx.secs;
	ASSERT_STATUS(encls_eldb(fx.lp, &ev.pginfo, epc(&fx, 4), slot(&fx, 0)), SGX_SUCCESS);
	ASSERT_TRUE(page_of(&fx, 4)->epcm.flags & EPCM_BLOCKED);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 4)), SGX_BLKSTATE);
	/* Blocked in the current epoch: EWB needs another ETRACK. */
	ASSERT_STATUS(ewb(&fx, 4, 0, &ev), SGX_NOT_TRACKED);
	ASSERT_STATUS(encls_etrack(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(ewb(&fx, 4, 0, &ev), SGX_SUCCESS);
	platform_destroy(fx.plat);
}
