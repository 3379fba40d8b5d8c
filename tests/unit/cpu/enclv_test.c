// SPDX-License-Identifier: MIT
/*
 * The SGX oversubscription extensions, clause by clause: the ENCLV
 * instruction and its leaves EDECVIRTCHILD, EINCVIRTCHILD and ESETCONTEXT
 * (SDM order), what SECS.VIRTCHILDCNT changes for a guest's EWB, EREMOVE
 * and ERDINFO, and the ENCLS leaves that come with them: ERDINFO, ETRACKC,
 * ELDBC/ELDUC.  Guests here run on a fixed EPT (guest page i is host page
 * GUEST_BASE + i).
 */
#include <errno.h>
#include <sys/mman.h>

#include "arch/sgx_leaf.h"
#include "cpu/epc.h"
#include "cpu/platform.h"
#include "cpu/secs.h"
#include "cpu/track.h"
#include "fixture.h"

#define VA_INDEX 15
#define GUEST_BASE 16
#define GUEST_PAGES 16

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

static u64 virtchildcnt(struct fx *fx)
{
	return secs_private(page_of(fx, 0)->mem)->virtchildcnt;
}

/* An enclave with REG pages 1 (RW) and 2 (RX), a TCS at 3 and a VA page,
 * on a host in VMX operation (a VMM runs). */
static void setup(struct fx *fx)
{
	fx_enclave(fx, 32);
	memset(fx->page, 0xA5, sizeof(fx->page));
	ASSERT_STATUS(fx_eadd(fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(fx, 2, SGX_PAGE_SIZE, FX_REG_RX), SGX_SUCCESS);
	memset(fx->page, 0, sizeof(fx->page));
	ASSERT_STATUS(fx_eadd(fx, 3, 2 * SGX_PAGE_SIZE, FX_TCS), SGX_SUCCESS);
	ASSERT_STATUS(encls_epa(fx->lp, SGX_PT_VA, epc(fx, VA_INDEX)), SGX_SUCCESS);
	ASSERT_EQ(platform_vmxon(fx->plat), 0);
}

/* --- a guest on a fixed EPT -------------------------------------------------- */

static void *fixed_get(void *ctx, u64 index)
{
	return index < GUEST_PAGES ? platform_epc_page(ctx, GUEST_BASE + index) : NULL;
}

static void fixed_put(void *ctx, u64 index)
{
	(void)ctx;
	(void)index;
}

struct guest {
	struct fx fx;        /* the guest, as the fixture sees it */
	void *window;
};

/* A guest of @host whose EPC is host pages GUEST_BASE onwards, with the EPC
 * virtualization extensions on or off, and an enclave in its page 0. */
static void guest_setup(struct guest *g, struct platform *host, bool virt_ext)
{
	struct platform_ept ept = { .get = fixed_get, .put = fixed_put, .peek = fixed_get,
				    .ctx = host, .virt_ext = virt_ext };
	struct platform_config cfg;
	char why[256];

	memset(g, 0, sizeof(*g));
	g->window = mmap(NULL, GUEST_PAGES * SGX_PAGE_SIZE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_TRUE(g->window != MAP_FAILED);
	platform_config_default(&cfg);
	cfg.epc_size = GUEST_PAGES * SGX_PAGE_SIZE;
	if (platform_create_guest(host, &cfg, g->window, &ept, NULL, &g->fx.plat, why,
				  sizeof(why)))
		harness_fail(__FILE__, __LINE__, "guest: %s", why);
	g->fx.lp = platform_lp(g->fx.plat, 0);
	g->fx.secs = epc(&g->fx, 0);
	fx_secs_default(&g->fx);
	ASSERT_STATUS(fx_ecreate_at(&g->fx, g->fx.secs), SGX_SUCCESS);
	memset(g->fx.page, 0x5A, sizeof(g->fx.page));
	ASSERT_STATUS(fx_eadd(&g->fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_epa(g->fx.lp, SGX_PT_VA, epc(&g->fx, VA_INDEX)), SGX_SUCCESS);
}

/* The guest goes, and its VMM takes its pages back (children first). */
static void guest_teardown(struct guest *g, struct fx *host)
{
	unsigned int pass, i;

	platform_destroy(g->fx.plat);
	munmap(g->window, GUEST_PAGES * SGX_PAGE_SIZE);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < GUEST_PAGES; i++)
			if (encls_eremove(host->lp, epc(host, GUEST_BASE + i)))
				(void)0;
}

/* ---- ENCLV ------------------------------------------------------------------ */

/* SDM ENCLV: "#UD ... if not in VMX operation": every leaf, and the
 * instruction, before anything else is looked at. */
TEST(enclv, ud_outside_vmx_root)
{
	struct fx fx;
	u64 ctx = 0;

	fx_enclave(&fx, 16);
	ASSERT_FALSE(lp_vmx_root(fx.lp));
	ASSERT_FAULT(enclv(fx.lp, SGX_ENCLV_EINCVIRTCHILD, (u64)(uintptr_t)fx.secs,
			   (u64)(uintptr_t)fx.secs, 0),
		     fx.lp, X86_VEC_UD);
	ASSERT_FAULT(enclv(fx.lp, 7, 0, 0, 0), fx.lp, X86_VEC_UD);
	ASSERT_FAULT(enclv_eincvirtchild(fx.lp, fx.secs, fx.secs), fx.lp, X86_VEC_UD);
	ASSERT_FAULT(enclv_edecvirtchild(fx.lp, fx.secs, fx.secs), fx.lp, X86_VEC_UD);
	ASSERT_FAULT(enclv_esetcontext(fx.lp, fx.secs, &ctx), fx.lp, X86_VEC_UD);
	ASSERT_EQ(virtchildcnt(&fx), 0);
	/* VMXON makes it run; the last VMXOFF makes it #UD again. */
	ASSERT_EQ(platform_vmxon(fx.plat), 0);
	ASSERT_EQ(platform_vmxon(fx.plat), 0);
	ASSERT_STATUS(enclv_eincvirtchild(fx.lp, fx.secs, fx.secs), SGX_SUCCESS);
	platform_vmxoff(fx.plat);
	ASSERT_STATUS(enclv_edecvirtchild(fx.lp, fx.secs, fx.secs), SGX_SUCCESS);
	platform_vmxoff(fx.plat);
	ASSERT_FAULT(enclv_eincvirtchild(fx.lp, fx.secs, fx.secs), fx.lp, X86_VEC_UD);
	platform_destroy(fx.plat);
}

/* SDM ENCLV: a guest runs in VMX non-root operation, where ENCLV without
 * the "enable ENCLV" execution control is #UD, even while its host's VMM
 * is in VMX operation; and a guest cannot turn VMX on (no nesting). */
TEST(enclv, ud_in_vmx_non_root)
{
	static struct guest g;
	struct fx fx;
	u64 ctx = 0;

	setup(&fx);
	guest_setup(&g, fx.plat, true);
	ASSERT_FALSE(lp_vmx_root(g.fx.lp));
	ASSERT_FAULT(enclv(g.fx.lp, SGX_ENCLV_EINCVIRTCHILD, (u64)(uintptr_t)epc(&g.fx, 1),
			   (u64)(uintptr_t)g.fx.secs, 0),
		     g.fx.lp, X86_VEC_UD);
	ASSERT_FAULT(enclv_esetcontext(g.fx.lp, g.fx.secs, &ctx), g.fx.lp, X86_VEC_UD);
	ASSERT_EQ(platform_vmxon(g.fx.plat), -EINVAL);
	guest_teardown(&g, &fx);
	platform_destroy(fx.plat);
}

/* SDM ENCLV: "#GP ... if an attempt is made to invoke an undefined leaf
 * function"; #GP(0) unless IA32_FEATURE_CONTROL is locked with SGX on. */
TEST(enclv, gp_undefined_leaf_and_sgx_off)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(enclv(fx.lp, 3, 0, 0, 0), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(enclv(fx.lp, 0xFFFF, 0, 0, 0), fx.lp, X86_VEC_GP);
	/* The instruction dispatches on EAX to the leaves. */
	ASSERT_STATUS(enclv(fx.lp, SGX_ENCLV_EINCVIRTCHILD, (u64)(uintptr_t)epc(&fx, 1),
			    (u64)(uintptr_t)fx.secs, 0),
		      SGX_SUCCESS);
	ASSERT_STATUS(enclv(fx.lp, SGX_ENCLV_EDECVIRTCHILD, (u64)(uintptr_t)epc(&fx, 1),
			    (u64)(uintptr_t)fx.secs, 0),
		      SGX_SUCCESS);
	fx.lp->feature_control &= ~FEAT_CTL_SGX_ENABLED;
	ASSERT_FAULT(enclv(fx.lp, SGX_ENCLV_EINCVIRTCHILD, 0, 0, 0), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(enclv_eincvirtchild(fx.lp, epc(&fx, 1), fx.secs), fx.lp, X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* ---- EDECVIRTCHILD ------------------------------------------------------------ */

/* SDM EDECVIRTCHILD: "IF (DS:RBX is not 4K aligned) THEN #GP(0)"; "IF
 * (DS:RBX does not resolve within an EPC) THEN #PF(DS:RBX)"; the same for
 * DS:RCX */
TEST(edecvirtchild, gp_unaligned_pf_not_epc)
{
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(enclv_edecvirtchild(fx.lp, (u8 *)epc(&fx, 1) + 8, fx.secs), fx.lp,
		     X86_VEC_GP);
	ASSERT_FAULT(enclv_edecvirtchild(fx.lp, host, fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	ASSERT_FAULT(enclv_edecvirtchild(fx.lp, epc(&fx, 1), host), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	platform_destroy(fx.plat);
}

/* SDM EDECVIRTCHILD: "IF (EPCPAGE is being modified) THEN RAX =
 * SGX_EPC_PAGE_CONFLICT" (a status, not #GP) */
TEST(edecvirtchild, epc_page_conflict)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(enclv_eincvirtchild(fx.lp, epc(&fx, 1), fx.secs), SGX_SUCCESS);
	ASSERT_TRUE(epc_trylock_exclusive(&page_of(&fx, 1)->lock));
	ASSERT_STATUS(enclv_edecvirtchild(fx.lp, epc(&fx, 1), fx.secs), SGX_EPC_PAGE_CONFLICT);
	epc_unlock_exclusive(&page_of(&fx, 1)->lock);
	ASSERT_EQ(virtchildcnt(&fx), 1);
	platform_destroy(fx.plat);
}

/* SDM EDECVIRTCHILD: "IF (EPCM(DS:RBX).VALID = 0) THEN #PF"; a page that is
 * neither REG, TCS, TRIM nor SECS (a VA page) is #PF(DS:RBX) */
TEST(edecvirtchild, pf_invalid_or_wrong_type)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(enclv_edecvirtchild(fx.lp, epc(&fx, 5), fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, 5));
	ASSERT_FAULT(enclv_edecvirtchild(fx.lp, epc(&fx, VA_INDEX), fx.secs), fx.lp, X86_VEC_PF);
	platform_destroy(fx.plat);
}

/* SDM EDECVIRTCHILD: "IF (TMP_SECS ≠ Physical_Address(DS:RCX)) THEN #GP(0)":
 * RCX another enclave's SECS, not a SECS, or inside the SECS page */
TEST(edecvirtchild, gp_not_the_pages_secs)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(enclv_eincvirtchild(fx.lp, epc(&fx, 1), fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(fx_ecreate_at(&fx, epc(&fx, 8)), SGX_SUCCESS);
	ASSERT_FAULT(enclv_edecvirtchild(fx.lp, epc(&fx, 1), epc(&fx, 8)), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(enclv_edecvirtchild(fx.lp, epc(&fx, 1), epc(&fx, 2)), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(enclv_edecvirtchild(fx.lp, epc(&fx, 1), (u8 *)fx.secs + 64), fx.lp,
		     X86_VEC_GP);
	ASSERT_EQ(virtchildcnt(&fx), 1);
	platform_destroy(fx.plat);
}

/* SDM EDECVIRTCHILD: "Locked_Decrement ...; IF (There was an underflow)
 * THEN Locked_Increment; RAX ← SGX_INVALID_COUNTER": the count stays 0 */
TEST(edecvirtchild, invalid_counter_on_underflow)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(enclv_edecvirtchild(fx.lp, epc(&fx, 1), fx.secs), SGX_INVALID_COUNTER);
	ASSERT_EQ(virtchildcnt(&fx), 0);
	ASSERT_STATUS(enclv_eincvirtchild(fx.lp, epc(&fx, 3), fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(enclv_edecvirtchild(fx.lp, epc(&fx, 3), fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(enclv_edecvirtchild(fx.lp, epc(&fx, 3), fx.secs), SGX_INVALID_COUNTER);
	ASSERT_EQ(virtchildcnt(&fx), 0);
	platform_destroy(fx.plat);
}

/* ---- EINCVIRTCHILD ------------------------------------------------------------ */

/* SDM EINCVIRTCHILD: the same operand checks as EDECVIRTCHILD, in order:
 * #GP unaligned RBX, #PF RBX or RCX outside the EPC, conflict status,
 * #PF invalid or VA, #GP RCX not RBX's SECS; nothing counted */
TEST(eincvirtchild, operand_checks_in_order)
{
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(enclv_eincvirtchild(fx.lp, (u8 *)epc(&fx, 1) + 8, host), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(enclv_eincvirtchild(fx.lp, host, fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(enclv_eincvirtchild(fx.lp, epc(&fx, 1), host), fx.lp, X86_VEC_PF);
	ASSERT_TRUE(epc_trylock_exclusive(&page_of(&fx, 1)->lock));
	ASSERT_STATUS(enclv_eincvirtchild(fx.lp, epc(&fx, 1), fx.secs), SGX_EPC_PAGE_CONFLICT);
	epc_unlock_exclusive(&page_of(&fx, 1)->lock);
	ASSERT_FAULT(enclv_eincvirtchild(fx.lp, epc(&fx, 5), fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(enclv_eincvirtchild(fx.lp, epc(&fx, VA_INDEX), fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(enclv_eincvirtchild(fx.lp, epc(&fx, 1), epc(&fx, 2)), fx.lp, X86_VEC_GP);
	ASSERT_EQ(virtchildcnt(&fx), 0);
	platform_destroy(fx.plat);
}

/* SDM EINCVIRTCHILD: REG, TCS and TRIM pages count against their SECS, a
 * SECS against itself ("TMP_SECS ← Physical_Address(DS:RBX)") */
TEST(eincvirtchild, counts_children_and_the_secs)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(enclv_eincvirtchild(fx.lp, epc(&fx, 1), fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(enclv_eincvirtchild(fx.lp, epc(&fx, 3), fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(enclv_eincvirtchild(fx.lp, fx.secs, fx.secs), SGX_SUCCESS);
	ASSERT_EQ(virtchildcnt(&fx), 3);
	platform_destroy(fx.plat);
}

/*
 * The child-count cases.  SDM EWB and EREMOVE: "treat SECS as having a
 * child page when VIRTCHILDCNT is non-zero" in VMX non-root operation with
 * the EPC virtualization extensions (SGX_CHILD_PRESENT); SDM ERDINFO:
 * there CHILDPRESENT includes the virtual children.  The VMM (VMX root)
 * and a guest without the extensions see only CHLDCNT.
 */
TEST(eincvirtchild, guest_secs_with_virtual_children)
{
	static struct guest g;
	static u8 data[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	static struct sgx_pcmd pcmd;
	struct sgx_pageinfo pi __aligned(32) = { 0 };
	struct sgx_rdinfo info;
	void *hsecs, *hchild;
	struct fx host;

	setup(&host);
	guest_setup(&g, host.plat, true);
	hsecs = epc(&host, GUEST_BASE);
	hchild = epc(&host, GUEST_BASE + 1);
	/* The VMM takes the guest's page 1: one virtual child, no real one. */
	ASSERT_STATUS(encls_eblock(host.lp, hchild), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrackc(host.lp, hchild), SGX_SUCCESS);
	ASSERT_STATUS(enclv_eincvirtchild(host.lp, hchild, hsecs), SGX_SUCCESS);
	pi.srcpge = (u64)(uintptr_t)data;
	pi.secinfo = (u64)(uintptr_t)&pcmd;
	ASSERT_STATUS(encls_ewb(host.lp, &pi, hchild, slot(&host, 0)), SGX_SUCCESS);
	/* The guest cannot evict or remove its SECS, and sees a child. */
	ASSERT_STATUS(encls_eremove(g.fx.lp, g.fx.secs), SGX_CHILD_PRESENT);
	memset(&pi, 0, sizeof(pi));
	pi.srcpge = (u64)(uintptr_t)data;
	pi.secinfo = (u64)(uintptr_t)&pcmd;
	ASSERT_STATUS(encls_ewb(g.fx.lp, &pi, g.fx.secs, (u64 *)epc(&g.fx, VA_INDEX)),
		      SGX_CHILD_PRESENT);
	ASSERT_STATUS(encls_erdinfo(host.lp, &info, hsecs), SGX_SUCCESS);
	ASSERT_EQ(info.status, SGX_RDINFO_VIRTCHILDPRESENT);
	/* ERDINFO is the VMM's: a guest, not offered it, gets #GP. */
	ASSERT_FAULT(encls_erdinfo(g.fx.lp, &info, g.fx.secs), g.fx.lp, X86_VEC_GP);
	ASSERT_TRUE(page_of(&g.fx, 0)->epcm.valid);
	/* The VMM itself may evict the SECS: VMX root ignores VIRTCHILDCNT,
	 * and the count travels with the page. */
	memset(&pi, 0, sizeof(pi));
	pi.srcpge = (u64)(uintptr_t)data;
	pi.secinfo = (u64)(uintptr_t)&pcmd;
	ASSERT_STATUS(encls_ewb(host.lp, &pi, hsecs, slot(&host, 1)), SGX_SUCCESS);
	memset(&pi, 0, sizeof(pi));
	pi.srcpge = (u64)(uintptr_t)data;
	pi.secinfo = (u64)(uintptr_t)&pcmd;
	ASSERT_STATUS(encls_elduc(host.lp, &pi, hsecs, slot(&host, 1)), SGX_SUCCESS);
	ASSERT_EQ(secs_private(page_of(&host, GUEST_BASE)->mem)->virtchildcnt, 1);
	guest_teardown(&g, &host);

	/* Without the extensions the guest sees only CHLDCNT. */
	guest_setup(&g, host.plat, false);
	ASSERT_STATUS(enclv_eincvirtchild(host.lp, hsecs, hsecs), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(g.fx.lp, epc(&g.fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(g.fx.lp, g.fx.secs), SGX_SUCCESS);
	guest_teardown(&g, &host);
	platform_destroy(host.plat);
}

/* ---- ESETCONTEXT ---------------------------------------------------------------- */

/* SDM ESETCONTEXT: "IF (DS:RCX is not 4KByte Aligned) THEN #GP(0)"; "IF
 * (DS:RCX does not resolve within an EPC) THEN #PF"; "IF (DS:RDX is not
 * 8Byte Aligned) THEN #GP(0)" */
TEST(esetcontext, gp_unaligned_pf_not_epc)
{
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	static u64 ctx[2];
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(enclv_esetcontext(fx.lp, (u8 *)fx.secs + 8, ctx), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(enclv_esetcontext(fx.lp, host, ctx), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(enclv_esetcontext(fx.lp, fx.secs, (u64 *)((u8 *)ctx + 4)), fx.lp,
		     X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* SDM ESETCONTEXT: conflict → SGX_EPC_PAGE_CONFLICT; "IF (EPCM(DS:RCX).VALID
 * = 0) THEN #PF"; "IF (EPCM(DS:RCX).PT is not PT_SECS) THEN #PF" */
TEST(esetcontext, conflict_then_pf_not_a_secs)
{
	static u64 ctx = 0x1234000;
	struct fx fx;

	setup(&fx);
	ASSERT_TRUE(epc_trylock_exclusive(&page_of(&fx, 0)->lock));
	ASSERT_STATUS(enclv_esetcontext(fx.lp, fx.secs, &ctx), SGX_EPC_PAGE_CONFLICT);
	epc_unlock_exclusive(&page_of(&fx, 0)->lock);
	ASSERT_FAULT(enclv_esetcontext(fx.lp, epc(&fx, 5), &ctx), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(enclv_esetcontext(fx.lp, epc(&fx, 1), &ctx), fx.lp, X86_VEC_PF);
	platform_destroy(fx.plat);
}

/* SDM ESETCONTEXT and ECREATE: ECREATE (and ELD of a SECS) store the SECS's
 * physical address in ENCLAVECONTEXT; ESETCONTEXT overwrites it; ERDINFO
 * reports it for the SECS and its children, and 0 for a VA page */
TEST(esetcontext, enclavecontext_through_erdinfo)
{
	static u64 ctx = 0xC0DE000;
	struct sgx_rdinfo info;
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(encls_erdinfo(fx.lp, &info, fx.secs), SGX_SUCCESS);
	ASSERT_EQ(info.enclavecontext, platform_epc_pa(fx.plat, fx.secs));
	ASSERT_STATUS(enclv_esetcontext(fx.lp, fx.secs, &ctx), SGX_SUCCESS);
	ASSERT_STATUS(encls_erdinfo(fx.lp, &info, fx.secs), SGX_SUCCESS);
	ASSERT_EQ(info.enclavecontext, ctx);
	ASSERT_STATUS(encls_erdinfo(fx.lp, &info, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_EQ(info.enclavecontext, ctx);
	ASSERT_STATUS(encls_erdinfo(fx.lp, &info, epc(&fx, VA_INDEX)), SGX_SUCCESS);
	ASSERT_EQ(info.enclavecontext, 0);
	platform_destroy(fx.plat);
}

/* ---- ERDINFO ---------------------------------------------------------------------- */

/* SDM ERDINFO: #GP(0) for RBX not 32-byte or RCX not 4K aligned; a
 * non-EPC RCX is SGX_PG_NONEPC, not a fault; conflict → status; invalid →
 * SGX_PG_INVLD */
TEST(erdinfo, statuses_in_order)
{
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	struct sgx_rdinfo info[2];
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_erdinfo(fx.lp, (struct sgx_rdinfo *)((u8 *)info + 8), fx.secs), fx.lp,
		     X86_VEC_GP);
	ASSERT_FAULT(encls_erdinfo(fx.lp, info, (u8 *)fx.secs + 64), fx.lp, X86_VEC_GP);
	ASSERT_STATUS(encls_erdinfo(fx.lp, info, host), SGX_PG_NONEPC);
	ASSERT_TRUE(epc_trylock_exclusive(&page_of(&fx, 1)->lock));
	ASSERT_STATUS(encls_erdinfo(fx.lp, info, epc(&fx, 1)), SGX_EPC_PAGE_CONFLICT);
	epc_unlock_exclusive(&page_of(&fx, 1)->lock);
	ASSERT_STATUS(encls_erdinfo(fx.lp, info, epc(&fx, 5)), SGX_PG_INVLD);
	platform_destroy(fx.plat);
}

/* SDM ERDINFO: FLAGS = RWX, PENDING, MODIFIED, PR, PAGE_TYPE and BLOCKED;
 * STATUS.CHILDPRESENT for a SECS with children */
TEST(erdinfo, flags_and_status)
{
	struct sgx_rdinfo info;
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(encls_erdinfo(fx.lp, &info, epc(&fx, 2)), SGX_SUCCESS);
	ASSERT_EQ(info.flags, FX_REG_RX);
	ASSERT_EQ(info.status, 0);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_erdinfo(fx.lp, &info, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_EQ(info.flags, FX_REG_RW | SGX_RDINFO_BLOCKED);
	ASSERT_STATUS(encls_erdinfo(fx.lp, &info, epc(&fx, 3)), SGX_SUCCESS);
	ASSERT_EQ(info.flags, FX_TCS);
	ASSERT_STATUS(encls_erdinfo(fx.lp, &info, fx.secs), SGX_SUCCESS);
	ASSERT_EQ(info.flags, (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT);
	ASSERT_EQ(info.status, SGX_RDINFO_CHILDPRESENT);
	ASSERT_STATUS(encls_erdinfo(fx.lp, &info, epc(&fx, VA_INDEX)), SGX_SUCCESS);
	ASSERT_EQ(info.flags, (u64)SGX_PT_VA << SGX_SECINFO_PT_SHIFT);
	platform_destroy(fx.plat);
}

/* ---- ETRACKC ---------------------------------------------------------------------- */

/* SDM ETRACKC: #GP(0) unaligned, #PF not EPC; conflict → status; invalid →
 * SGX_PG_INVLD; a page that is neither a child nor a SECS →
 * SGX_TRACK_NOT_REQUIRED */
TEST(etrackc, statuses_in_order)
{
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_etrackc(fx.lp, (u8 *)epc(&fx, 1) + 8), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_etrackc(fx.lp, host), fx.lp, X86_VEC_PF);
	ASSERT_TRUE(epc_trylock_exclusive(&page_of(&fx, 1)->lock));
	ASSERT_STATUS(encls_etrackc(fx.lp, epc(&fx, 1)), SGX_EPC_PAGE_CONFLICT);
	epc_unlock_exclusive(&page_of(&fx, 1)->lock);
	ASSERT_STATUS(encls_etrackc(fx.lp, epc(&fx, 5)), SGX_PG_INVLD);
	ASSERT_STATUS(encls_etrackc(fx.lp, epc(&fx, VA_INDEX)), SGX_TRACK_NOT_REQUIRED);
	platform_destroy(fx.plat);
}

/* SDM ETRACKC: tracks the enclave of a child page (or of the SECS itself);
 * "IF ((TMP_SECS).TRACKING ≠ 0) ... SGX_PREV_TRK_INCMPL" while a thread of
 * the previous cycle is inside; an EWB after it is tracked */
TEST(etrackc, tracks_through_a_child_page)
{
	static u8 data[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	static struct sgx_pcmd pcmd;
	struct sgx_pageinfo pi __aligned(32) = { 0 };
	struct epc_page *secs, *tcs;
	struct fx fx;

	setup(&fx);
	secs = page_of(&fx, 0);
	tcs = page_of(&fx, 3);
	track_enter(secs, tcs);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrackc(fx.lp, epc(&fx, 2)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrackc(fx.lp, epc(&fx, 1)), SGX_PREV_TRK_INCMPL);
	track_exit(secs, tcs);
	pi.srcpge = (u64)(uintptr_t)data;
	pi.secinfo = (u64)(uintptr_t)&pcmd;
	ASSERT_STATUS(encls_ewb(fx.lp, &pi, epc(&fx, 1), slot(&fx, 0)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrackc(fx.lp, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* ---- ELDBC/ELDUC ------------------------------------------------------------------- */

/* SDM ELDBC/ELDUC: where ELDB/ELDU give #GP for a page, VA page or SECS
 * another leaf holds, the C variants return SGX_EPC_PAGE_CONFLICT; ELDBC
 * loads the page blocked, ELDUC unblocked; a guest, not offered them, #GP */
TEST(elduc, conflict_is_a_status)
{
	static u8 data[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	static struct sgx_pcmd pcmd;
	struct sgx_pageinfo pi __aligned(32) = { 0 };
	static struct guest g;
	u64 linaddr;
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(encls_eblock(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrackc(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	pi.srcpge = (u64)(uintptr_t)data;
	pi.secinfo = (u64)(uintptr_t)&pcmd;
	ASSERT_STATUS(encls_ewb(fx.lp, &pi, epc(&fx, 1), slot(&fx, 0)), SGX_SUCCESS);
	linaddr = pi.linaddr;
	pi.secs = (u64)(uintptr_t)fx.secs;
	ASSERT_TRUE(epc_trylock_exclusive(&page_of(&fx, 0)->lock));
	ASSERT_FAULT(encls_eldu(fx.lp, &pi, epc(&fx, 6), slot(&fx, 0)), fx.lp, X86_VEC_GP);
	ASSERT_STATUS(encls_elduc(fx.lp, &pi, epc(&fx, 6), slot(&fx, 0)), SGX_EPC_PAGE_CONFLICT);
	epc_unlock_exclusive(&page_of(&fx, 0)->lock);
	ASSERT_TRUE(epc_trylock_exclusive(&page_of(&fx, VA_INDEX)->lock));
	ASSERT_STATUS(encls_eldbc(fx.lp, &pi, epc(&fx, 6), slot(&fx, 0)), SGX_EPC_PAGE_CONFLICT);
	epc_unlock_exclusive(&page_of(&fx, VA_INDEX)->lock);
	ASSERT_FALSE(page_of(&fx, 6)->epcm.valid);
	ASSERT_NE(*slot(&fx, 0), 0);
	pi.linaddr = linaddr;
	ASSERT_STATUS(encls_eldbc(fx.lp, &pi, epc(&fx, 6), slot(&fx, 0)), SGX_SUCCESS);
	ASSERT_TRUE(page_of(&fx, 6)->epcm.flags & EPCM_BLOCKED);
	guest_setup(&g, fx.plat, true);
	ASSERT_FAULT(encls_elduc(g.fx.lp, &pi, epc(&g.fx, 6), (u64 *)epc(&g.fx, VA_INDEX)),
		     g.fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_etrackc(g.fx.lp, g.fx.secs), g.fx.lp, X86_VEC_GP);
	guest_teardown(&g, &fx);
	platform_destroy(fx.plat);
}
