// SPDX-License-Identifier: MIT
/*
 * The virtualization layer leaf by leaf: a guest's ENCLS on its virtual
 * EPC, the ECREATE and EINIT exits, what a guest cannot reach, and
 * virtual EPC teardown with live SECS children.
 */
#include <sys/mman.h>

#include "../cpu/fixture.h"
#include "drv/drv.h"
#include "virt/virt.h"

#define GUEST_PAGES 32

struct vfx {
	struct fx fx;               /* the guest, as the cpu fixture sees it */
	struct platform *host;
	struct drv *drv;
	struct vepc *vepc;
	struct vm *vm;
	void *window;
	u64 host_free;
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
	ASSERT_EQ(drv_epc_free_pages(v.drv), v.host_free - 7);
	vfx_teardown(&v);
}
