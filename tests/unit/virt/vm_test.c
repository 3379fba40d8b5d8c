// SPDX-License-Identifier: MIT
/*
 * The virtualization layer leaf by leaf: a guest's ENCLS on its virtual
 * EPC, the ECREATE and EINIT exits, what a guest cannot reach, and
 * virtual EPC teardown with live SECS children.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../cpu/fixture.h"
#include "cpu/epc.h"
#include "cpu/platform.h"
#include "cpu/track.h"
#include "drv/drv.h"
#include "virt/virt.h"
#include "virt/vmm.h"

#define GUEST_PAGES 32

struct vfx {
	struct fx fx;               /* the guest, as the cpu fixture sees it */
	struct platform *host;
	struct drv *drv;
	struct vepc *vepc;
	struct vm *vm;
	void *window;
	u64 host_free;              /* before the VM */
	u64 vm_free;                /* after it: its VMM's version arrays taken */
};

static void vfx_setup(struct vfx *v, const char *sgx, u64 attributes)
{
	struct platform_config cfg;
	struct vm_config vc;
	char why[256];

	memset(v, 0, sizeof(*v));
	platform_config_default(&cfg);
	cfg.epc_size = 64 * SGX_PAGE_SIZE;
	cfg.nr_lps = 1;
	if (platform_create(&cfg, &v->host, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "platform_create: %s", why);
	ASSERT_EQ(drv_create(v->host, &v->drv), 0);
	v->host_free = drv_epc_free_pages(v->drv);
	ASSERT_EQ(vepc_create(v->drv, &v->vepc), 0);
	v->window = mmap(NULL, GUEST_PAGES * SGX_PAGE_SIZE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_TRUE(v->window != MAP_FAILED);
	ASSERT_EQ(vm_config_parse(sgx, &vc, why, sizeof(why)), 0);
	platform_config_default(&cfg);
	cfg.nr_lps = 1;
	cfg.attributes = attributes;
	if (vm_create(v->drv, v->vepc, v->window, &vc, &cfg, &v->vm, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "vm_create: %s", why);
	v->vm_free = drv_epc_free_pages(v->drv);
	v->fx.plat = vm_platform(v->vm);
	v->fx.lp = platform_lp(v->fx.plat, 0);
	v->fx.secs = platform_epc_page(v->fx.plat, 0);
}

static void vfx_teardown(struct vfx *v)
{
	vm_destroy(v->vm);
	vepc_destroy(v->vepc);
	ASSERT_EQ(drv_epc_free_pages(v->drv), v->host_free);
	munmap(v->window, GUEST_PAGES * SGX_PAGE_SIZE);
	drv_destroy(v->drv);
	platform_destroy(v->host);
}

/* Guest ECREATE exits: beyond the guest's CPUID it is #GP(0) in the guest
 * and costs the host nothing; within it, the host EPC page becomes the SECS. */
TEST(vm, ecreate_exit)
{
	static struct vfx v;
	struct sgx_pageinfo *pginfo;

	vfx_setup(&v, "epc=128K,lewr", SGX_ATTR_MODE64BIT);
	fx_secs_default(&v.fx);          /* a DEBUG enclave */
	ASSERT_FAULT(fx_ecreate_at(&v.fx, v.fx.secs), v.fx.lp, X86_VEC_GP);
	ASSERT_EQ(vepc_nr_pages(v.vepc), 0);
	/* XFRM without x87 and SSE, and a size at the 2^36 limit. */
	v.fx.secs_src.attributes.flags = SGX_ATTR_MODE64BIT;
	v.fx.secs_src.attributes.xfrm = 2;
	ASSERT_FAULT(fx_ecreate_at(&v.fx, v.fx.secs), v.fx.lp, X86_VEC_GP);
	v.fx.secs_src.attributes.xfrm = 3;
	v.fx.secs_src.size = 1ULL << 36;
	ASSERT_FAULT(fx_ecreate_at(&v.fx, v.fx.secs), v.fx.lp, X86_VEC_GP);
	v.fx.secs_src.size = FX_SIZE;
	/* A misaligned PAGEINFO is the leaf's own #GP. */
	pginfo = (struct sgx_pageinfo *)(void *)((u8 *)&v.fx.pginfo + 8);
	ASSERT_FAULT(encls_ecreate(v.fx.lp, pginfo, v.fx.secs), v.fx.lp, X86_VEC_GP);
	/* An operand inside a page is the leaf's #GP too: the exit keeps
	 * the offset that translating to a host page would lose. */
	ASSERT_FAULT(fx_ecreate_at(&v.fx, (u8 *)v.fx.secs + 0x10), v.fx.lp, X86_VEC_GP);
	ASSERT_EQ(fx_ecreate_at(&v.fx, v.fx.secs), 0);
	ASSERT_EQ(vepc_nr_pages(v.vepc), 1);
	/* The host's leaf judged the page: a second ECREATE there is the
	 * guest's #PF at the guest's address, never the host page's. */
	ASSERT_FAULT(fx_ecreate_at(&v.fx, v.fx.secs), v.fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(v.fx.lp)->addr, (u64)(uintptr_t)v.fx.secs);
	/* A SECS source the guest cannot read is its #PF, not a crash. */
	v.fx.pginfo.srcpge = 0x1000;
	ASSERT_FAULT(encls_ecreate(v.fx.lp, &v.fx.pginfo, platform_epc_page(v.fx.plat, 1)),
		     v.fx.lp, X86_VEC_PF);
	/* EINIT's exit checks its operands' alignment before anything. */
	{
		static struct sgx_sigstruct sig __aligned(4096);
		static struct sgx_einittoken token __aligned(512);

		ASSERT_FAULT(encls_einit(v.fx.lp, &sig, (u8 *)v.fx.secs + 0x40, &token), v.fx.lp,
			     X86_VEC_GP);
	}
	vfx_teardown(&v);
}

/* A whole enclave built in the guest: EADD, EEXTEND run directly, EINIT
 * exits and runs with the guest's virtual hash, which with lewr the guest
 * sets itself. */
TEST(vm, guest_builds_an_enclave)
{
	static struct vfx v;

	vfx_setup(&v, "epc=128K,lewr", 0);
	fx_secs_default(&v.fx);
	ASSERT_EQ(fx_ecreate_at(&v.fx, v.fx.secs), 0);
	memset(v.fx.page, 0x5a, sizeof(v.fx.page));
	ASSERT_EQ(fx_eadd(&v.fx, 1, 0, FX_REG_RW), 0);
	ASSERT_EQ(fx_eadd(&v.fx, 2, 0x1000, FX_REG_RW), 0);
	ASSERT_EQ(vepc_nr_pages(v.vepc), 3);
	{
		struct sgx_measure_eadd rec[2];

		memset(rec, 0, sizeof(rec));
		rec[0].tag = SGX_MEASURE_EADD;
		rec[0].offset = 0;
		rec[0].secinfo_flags = FX_REG_RW;
		rec[1] = rec[0];
		rec[1].offset = 0x1000;
		ASSERT_EQ(fx_einit(&v.fx, rec, sizeof(rec)), 0);
	}
	/* The enclave's pages are held: EREMOVE of the SECS reports them. */
	ASSERT_EQ(vepc_remove_all(v.vepc), 1);
	ASSERT_EQ(vepc_remove_all(v.vepc), 0);
	vfx_teardown(&v);
}

/* Without lewr the guest's hash MSRs are fixed at lehash (Intel's by
 * default) and WRMSR is #GP, as with FEATURE_CONTROL.SGX_LC clear.  (What
 * EINIT then refuses: tests/integration/vm_test.c.) */
TEST(vm, fixed_hash)
{
	static struct vfx v;
	u64 q;

	vfx_setup(&v, "epc=128K", 0);
	ASSERT_EQ(lp_rdmsr(v.fx.lp, MSR_IA32_SGXLEPUBKEYHASH0, &q), 0);
	ASSERT_EQ(q, platform_intel_lehash[0]);
	ASSERT_FAULT(lp_wrmsr(v.fx.lp, MSR_IA32_SGXLEPUBKEYHASH0, 1), v.fx.lp, X86_VEC_GP);
	ASSERT_EQ(lp_rdmsr(v.fx.lp, MSR_IA32_FEATURE_CONTROL, &q), 0);
	ASSERT_EQ(q & FEAT_CTL_SGX_LC_ENABLED, 0);
	vfx_teardown(&v);
}

/* The guest reaches only its own EPC: a host EPC address, or one past its
 * window, is not EPC to it (#PF), and nothing of the host changes. */
TEST(vm, guest_cannot_reach_host_epc)
{
	static struct vfx v;
	void *host_page;

	vfx_setup(&v, "epc=128K,lewr", 0);
	fx_secs_default(&v.fx);
	host_page = platform_epc_page(v.host, 63);
	ASSERT_FAULT(fx_ecreate_at(&v.fx, host_page), v.fx.lp, X86_VEC_PF);
	ASSERT_FAULT(encls_eremove(v.fx.lp, host_page), v.fx.lp, X86_VEC_PF);
	ASSERT_FAULT(encls_eremove(v.fx.lp, (u8 *)v.window + GUEST_PAGES * SGX_PAGE_SIZE),
		     v.fx.lp, X86_VEC_PF);
	ASSERT_EQ(vepc_nr_pages(v.vepc), 0);
	vfx_teardown(&v);
}

/* Teardown with live SECS children: children go first, then their SECS,
 * and every page returns to the host (vfx_teardown checks). */
TEST(vm, vepc_teardown_with_live_children)
{
	static struct vfx v;
	u64 i;

	vfx_setup(&v, "epc=128K,lewr", 0);
	fx_secs_default(&v.fx);
	ASSERT_EQ(fx_ecreate_at(&v.fx, v.fx.secs), 0);
	/* Children in higher slots than their SECS, and a second enclave
	 * whose SECS comes after its children. */
	for (i = 1; i < 5; i++)
		ASSERT_EQ(fx_eadd(&v.fx, i, (i - 1) * 0x1000, FX_REG_RW), 0);
	v.fx.secs = platform_epc_page(v.fx.plat, 20);
	ASSERT_EQ(fx_ecreate_at(&v.fx, v.fx.secs), 0);
	ASSERT_EQ(fx_eadd(&v.fx, 10, 0, FX_REG_RW), 0);
	ASSERT_EQ(vepc_nr_pages(v.vepc), 7);
	ASSERT_EQ(drv_epc_free_pages(v.drv), v.vm_free - 7);
	vfx_teardown(&v);
}

/* ---- the VMM pages its guests' EPC ------------------------------------------- */

/* A guest enclave with @n REG pages, page i holding 0x1000 * i + 7 in its
 * first word (a DEBUG enclave, so EDBGRD can look). */
static void guest_enclave(struct vfx *v, unsigned int n)
{
	unsigned int i;

	fx_secs_default(&v->fx);
	ASSERT_EQ(fx_ecreate_at(&v->fx, v->fx.secs), 0);
	for (i = 1; i <= n; i++) {
		u64 word = 0x1000ULL * i + 7;

		memset(v->fx.page, 0, sizeof(v->fx.page));
		memcpy(v->fx.page, &word, sizeof(word));
		ASSERT_EQ(fx_eadd(&v->fx, i, (i - 1) * 0x1000ULL, FX_REG_RW), 0);
	}
}

/* What the guest reads at the start of its page @i (EDBGRD): the leaf's
 * result, the word in *@word. */
static int guest_read(struct vfx *v, u64 i, u64 *word)
{
	return encls_edbgrd(v->fx.lp, platform_epc_page(v->fx.plat, i), word);
}

static struct vepc_stats stats(struct vfx *v)
{
	struct vepc_stats st;

	vepc_stats(v->vepc, &st);
	return st;
}

/*
 * The VMM takes a guest's pages (EBLOCK, ETRACKC, EINCVIRTCHILD, EWB) and
 * gives each back (ELDUC, EDECVIRTCHILD) when a guest leaf next names it:
 * the guest sees its pages as it left them, and the host its EPC back.
 */
TEST(vmm, evicts_and_reloads_transparently)
{
	static struct vfx v;
	struct vepc_stats st;
	unsigned int i;
	u64 word, held;

	vfx_setup(&v, "epc=128K,lewr", 0);
	guest_enclave(&v, 8);
	held = vepc_nr_pages(v.vepc);
	ASSERT_EQ(held, 9);
	ASSERT_GE(vepc_reclaim(v.vepc, 8), 8);
	st = stats(&v);
	ASSERT_EQ(st.evicted, 8);      /* the children; the SECS has them */
	ASSERT_EQ(st.host_pages, 1);
	ASSERT_EQ(drv_epc_free_pages(v.drv), v.vm_free - 1);
	/* The SECS counts the VMM's children as virtual ones. */
	{
		struct sgx_rdinfo info;

		ASSERT_EQ(encls_erdinfo(drv_lp(v.drv), &info, vepc_get(v.vepc, 0)), 0);
		vepc_put(v.vepc, 0);
		ASSERT_EQ(info.status, SGX_RDINFO_VIRTCHILDPRESENT);
	}
	for (i = 1; i <= 8; i++) {
		ASSERT_EQ(guest_read(&v, i, &word), 0);
		ASSERT_EQ(word, 0x1000ULL * i + 7);
	}
	st = stats(&v);
	ASSERT_EQ(st.reloaded, 8);
	ASSERT_EQ(st.host_pages, 9);
	vfx_teardown(&v);
}

/*
 * With every child out, the SECS may go too (VMX root ignores
 * VIRTCHILDCNT), and comes back first when a child is named; meanwhile
 * the guest cannot EREMOVE its SECS (SGX_CHILD_PRESENT) until it has
 * removed the children, each brought back for it.
 */
TEST(vmm, secs_goes_last_and_comes_back_first)
{
	static struct vfx v;
	u64 word;
	unsigned int i;

	vfx_setup(&v, "epc=128K,lewr", 0);
	guest_enclave(&v, 4);
	ASSERT_GE(vepc_reclaim(v.vepc, 8), 5);
	ASSERT_EQ(vepc_nr_pages(v.vepc), 0);
	ASSERT_EQ(guest_read(&v, 3, &word), 0);
	ASSERT_EQ(word, 0x3007);
	ASSERT_EQ(vepc_nr_pages(v.vepc), 2);
	ASSERT_EQ(encls_eremove(v.fx.lp, v.fx.secs), SGX_CHILD_PRESENT);
	for (i = 1; i <= 4; i++)
		ASSERT_EQ(encls_eremove(v.fx.lp, platform_epc_page(v.fx.plat, i)), 0);
	ASSERT_EQ(encls_eremove(v.fx.lp, v.fx.secs), 0);
	vfx_teardown(&v);
}

/*
 * A page the guest itself blocked is still blocked after the VMM evicted
 * and reloaded it (EBLOCK said SGX_BLKSTATE; ELDBC brings it back), so the
 * guest's own eviction on top goes on: its ETRACK and EWB work, and its
 * ELDU brings the page back.
 */
TEST(vmm, guest_paging_on_top)
{
	static struct vfx v;
	static u8 data[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	static struct sgx_pcmd pcmd;
	struct sgx_pageinfo pi __aligned(32) = { 0 };
	void *page2 = NULL, *va = NULL;
	u64 word;

	vfx_setup(&v, "epc=128K,lewr", 0);
	guest_enclave(&v, 4);
	page2 = platform_epc_page(v.fx.plat, 2);
	va = platform_epc_page(v.fx.plat, 20);
	ASSERT_EQ(encls_epa(v.fx.lp, SGX_PT_VA, va), 0);
	ASSERT_EQ(encls_eblock(v.fx.lp, page2), 0);
	ASSERT_GE(vepc_reclaim(v.vepc, 8), 4);
	ASSERT_EQ(encls_eblock(v.fx.lp, page2), SGX_BLKSTATE);
	ASSERT_EQ(encls_etrack(v.fx.lp, v.fx.secs), 0);
	pi.srcpge = (u64)(uintptr_t)data;
	pi.secinfo = (u64)(uintptr_t)&pcmd;
	ASSERT_EQ(encls_ewb(v.fx.lp, &pi, page2, va), 0);
	pi.secs = (u64)(uintptr_t)v.fx.secs;
	ASSERT_EQ(encls_eldu(v.fx.lp, &pi, platform_epc_page(v.fx.plat, 9), va), 0);
	ASSERT_EQ(guest_read(&v, 9, &word), 0);
	ASSERT_EQ(word, 0x2007);
	ASSERT_EQ(guest_read(&v, 1, &word), 0);
	ASSERT_EQ(word, 0x1007);
	vfx_teardown(&v);
}

/*
 * A changed byte of the VMM's copy, or of its PCMD: the page never comes
 * back (the guest's leaf faults instead, with one line from the VMM), and
 * the guest's other pages do.
 */
TEST(vmm, tampered_copy_is_never_loaded)
{
	static struct vfx v;
	struct sgx_pcmd *pcmd;
	void *data;
	u64 word;

	vfx_setup(&v, "epc=128K,lewr", 0);
	guest_enclave(&v, 4);
	ASSERT_GE(vepc_reclaim(v.vepc, 8), 4);
	ASSERT_EQ(vepc_evicted_copy(v.vepc, 2, &data, &pcmd), 0);
	((u8 *)data)[100] ^= 1;
	ASSERT_EQ(vepc_evicted_copy(v.vepc, 3, &data, &pcmd), 0);
	pcmd->secinfo.flags |= SGX_SECINFO_X;
	ASSERT_FAULT(guest_read(&v, 2, &word), v.fx.lp, X86_VEC_PF);
	ASSERT_FAULT(guest_read(&v, 3, &word), v.fx.lp, X86_VEC_PF);
	ASSERT_FAULT(guest_read(&v, 2, &word), v.fx.lp, X86_VEC_PF);
	ASSERT_EQ(guest_read(&v, 4, &word), 0);
	ASSERT_EQ(word, 0x4007);
	/* Page 4 and the SECS it needed, nothing else. */
	ASSERT_EQ(stats(&v).reloaded, 2);
	vfx_teardown(&v);
}

/*
 * An old copy of a page (and its PCMD) put back after the page went out
 * again with new contents: its version was spent when it came back the
 * first time, so it never loads.
 */
TEST(vmm, replayed_copy_is_never_loaded)
{
	static struct vfx v;
	static u8 old[SGX_PAGE_SIZE];
	static struct sgx_pcmd old_pcmd;
	struct sgx_pcmd *pcmd;
	void *data;
	u64 word;

	vfx_setup(&v, "epc=128K,lewr", 0);
	guest_enclave(&v, 4);
	ASSERT_GE(vepc_reclaim(v.vepc, 8), 4);
	ASSERT_EQ(vepc_evicted_copy(v.vepc, 1, &data, &pcmd), 0);
	memcpy(old, data, sizeof(old));
	old_pcmd = *pcmd;
	ASSERT_EQ(encls_edbgwr(v.fx.lp, platform_epc_page(v.fx.plat, 1), 0xBAD), 0);
	ASSERT_GE(vepc_reclaim(v.vepc, 8), 1);
	ASSERT_EQ(vepc_evicted_copy(v.vepc, 1, &data, &pcmd), 0);
	memcpy(data, old, sizeof(old));
	*pcmd = old_pcmd;
	ASSERT_FAULT(guest_read(&v, 1, &word), v.fx.lp, X86_VEC_PF);
	ASSERT_EQ(guest_read(&v, 2, &word), 0);
	ASSERT_EQ(word, 0x2007);
	vfx_teardown(&v);
}

/* ---- the VMM's waits sleep until what they wait for happens ------------------ */

/* A thread that waits on the VMM: vepc_get() of slot @index, or (@reclaim)
 * vepc_reclaim(); @tid for its switch count, @started when it is about to. */
struct waiter {
	struct vfx *v;
	u64 index;
	bool reclaim;
	atomic_int tid;
	sem_t started;
	atomic_bool done;
	void *page;
	unsigned int evicted;
};

static void *wait_on_vmm(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->tid, (int)syscall(SYS_gettid));
	sem_post(&w->started);
	if (w->reclaim)
		w->evicted = vepc_reclaim(w->v->vepc, 8);
	else
		w->page = vepc_get(w->v->vepc, w->index);
	atomic_store(&w->done, true);
	return NULL;
}

static void waiter_start(struct waiter *w, pthread_t *t)
{
	ASSERT_EQ(sem_init(&w->started, 0, 0), 0);
	ASSERT_EQ(pthread_create(t, NULL, wait_on_vmm, w), 0);
	while (sem_wait(&w->started))
		;
}

/* How often @w's thread slept in 200 ms of waiting on the VMM. */
static long waiter_sleeps(struct waiter *w)
{
	struct timespec hold = { 0, 200 * 1000 * 1000 };
	long before = harness_voluntary_switches(atomic_load(&w->tid)), after;

	ASSERT_GE(before, 0);
	nanosleep(&hold, NULL);
	after = harness_voluntary_switches(atomic_load(&w->tid));
	ASSERT_FALSE(atomic_load(&w->done));
	return after - before;
}

/* A guest leaf that needs a host page while another thread reclaims sleeps
 * until that one is done (a nap loop woke some 1000 times in the 200 ms),
 * then takes what it freed. */
TEST(vmm, an_allocation_sleeps_while_another_reclaims)
{
	static struct vfx v;
	static void *drained[64];
	struct waiter w = { .v = &v, .index = 5 };
	unsigned int n = 0;
	pthread_t t;

	vfx_setup(&v, "epc=128K,lewr", 0);
	while (n < 64 && (drained[n] = drv_epc_alloc(v.drv)))
		n++;
	ASSERT_EQ(drv_epc_free_pages(v.drv), 0);
	vmm_reclaim_lock(v.vepc->vmm);
	waiter_start(&w, &t);
	ASSERT_LE(waiter_sleeps(&w), 10);
	/* What the other reclaimer freed. */
	drv_epc_free(v.drv, drained[--n]);
	vmm_reclaim_unlock(v.vepc->vmm);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_TRUE(w.page != NULL);
	vepc_put(v.vepc, 5);
	while (n)
		drv_epc_free(v.drv, drained[--n]);
	vfx_teardown(&v);
}

/* A guest leaf that names a page the VMM is working on sleeps until the
 * VMM is done with it, then has it. */
TEST(vmm, a_leaf_sleeps_while_the_vmm_has_its_page)
{
	static struct vfx v;
	struct waiter w = { .v = &v, .index = 1 };
	struct vepc_slot *s;
	pthread_t t;

	vfx_setup(&v, "epc=128K,lewr", 0);
	guest_enclave(&v, 2);
	s = &v.vepc->slots[1];
	ASSERT_TRUE(vepc_slot_claim(v.vepc, s));
	waiter_start(&w, &t);
	ASSERT_LE(waiter_sleeps(&w), 10);
	vepc_slot_unclaim(v.vepc, s);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_TRUE(w.page != NULL);
	ASSERT_TRUE(w.page == atomic_load(&s->page));
	vepc_put(v.vepc, 1);
	vfx_teardown(&v);
}

/* The VMM evicting pages of an enclave a thread is inside sleeps until the
 * thread leaves (it kicks again every 10 ms, for a kick that landed as the
 * thread entered; a nap loop woke some 1000 times in the 200 ms), and
 * evicts once it has. */
TEST(vmm, eviction_sleeps_until_the_threads_leave)
{
	static struct vfx v;
	struct waiter w = { .v = &v, .reclaim = true };
	struct epc_page *secs, *tcs;
	pthread_t t;

	vfx_setup(&v, "epc=128K,lewr", 0);
	guest_enclave(&v, 4);
	memset(v.fx.page, 0, sizeof(v.fx.page));
	ASSERT_EQ(fx_eadd(&v.fx, 5, 4 * 0x1000ULL, FX_TCS), 0);
	secs = epc_page_at(v.host, vepc_get(v.vepc, 0));
	tcs = epc_page_at(v.host, vepc_get(v.vepc, 5));
	vepc_put(v.vepc, 0);
	vepc_put(v.vepc, 5);
	/* A thread inside, as the host sees it. */
	track_enter(secs, tcs);
	waiter_start(&w, &t);
	ASSERT_LE(waiter_sleeps(&w), 40);
	ASSERT_EQ(stats(&v).evicted, 0);
	track_exit(secs, tcs);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_GE(w.evicted, 4);
	vfx_teardown(&v);
}
