// SPDX-License-Identifier: MIT
/*
 * The SGX2 leaves, one state transition or error path per test, in the
 * order of the SDM pseudocode: EAUG, EACCEPT, EMODPR, EMODT, EMODPE,
 * EACCEPTCOPY.  The ENCLU leaves run on a thread control block whose
 * "page tables" map enclave page k to EPC page k + 1, so no enclave code
 * runs here: tests/integration/edmm_test.c does that.
 */
#include <errno.h>
#include <sys/mman.h>

#include "fixture.h"

#include "cpu/enclu/enclu.h"
#include "cpu/platform.h"
#include "cpu/secs.h"
#include "cpu/track.h"

/* Enclave page 0 (EPC page 1) is an EADDed RW page holding the SECINFOs
 * the ENCLU leaves read; page 1 (EPC page 2) an EADDed TCS; pages 2 and up
 * come from EAUG. */
#define DATA 0
#define TCS_OFF SGX_PAGE_SIZE
#define SECINFO_OFF 0x100
#define AUG(k) ((2 + (u64)(k)) * SGX_PAGE_SIZE)

#define REG(f) (((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) | (f))
#define TRIM ((u64)SGX_PT_TRIM << SGX_SECINFO_PT_SHIFT)
#define R SGX_SECINFO_R
#define W SGX_SECINFO_W
#define X SGX_SECINFO_X
#define PENDING SGX_SECINFO_PENDING
#define MODIFIED SGX_SECINFO_MODIFIED
#define PR SGX_SECINFO_PR

struct sgx2 {
	struct fx fx;
	struct tcb t;
	unsigned int updates;   /* platform_mmu.update calls */
	u64 updated;            /* the last one's address */
	struct sgx_secinfo si __aligned(64);
};

static void *epc_of(struct sgx2 *s, u64 off)
{
	return platform_epc_page(s->fx.plat, off / SGX_PAGE_SIZE + 1);
}

static struct epc_page *page(struct sgx2 *s, u64 off)
{
	return epc_page_at(s->fx.plat, epc_of(s, off));
}

static int walk(void *ctx, u64 la, void **epc, unsigned int *prot)
{
	struct sgx2 *s = ctx;

	if (la < FX_BASE || la - FX_BASE >= FX_SIZE)
		return -EFAULT;
	*epc = epc_of(s, la - FX_BASE);
	*prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	return 0;
}

static void update(void *ctx, u64 la)
{
	struct sgx2 *s = ctx;

	s->updates++;
	s->updated = la;
}

/* An enclave with the data page and the TCS, initialized, and a thread in
 * it as far as the ENCLU leaves can tell (t), though not counted inside. */
static void setup(struct sgx2 *s)
{
	struct sgx_measure_eadd rec[2];
	struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)s->fx.page;

	memset(s, 0, sizeof(*s));
	fx_enclave(&s->fx, 64);
	memset(s->fx.page, 0, sizeof(s->fx.page));
	ASSERT_STATUS(fx_eadd(&s->fx, 1, DATA, FX_REG_RW), SGX_SUCCESS);
	tcs->nssa = 1;
	tcs->ossa = DATA;
	ASSERT_STATUS(fx_eadd(&s->fx, 2, TCS_OFF, FX_TCS), SGX_SUCCESS);
	memset(rec, 0, sizeof(rec));
	rec[0].tag = SGX_MEASURE_EADD;
	rec[0].offset = DATA;
	rec[0].secinfo_flags = FX_REG_RW;
	rec[1].tag = SGX_MEASURE_EADD;
	rec[1].offset = TCS_OFF;
	rec[1].secinfo_flags = FX_TCS;
	ASSERT_STATUS(fx_einit(&s->fx, rec, sizeof(rec)), SGX_SUCCESS);
	s->fx.plat->mmu.walk = walk;
	s->fx.plat->mmu.update = update;
	s->fx.plat->mmu.ctx = s;
	s->t.plat = s->fx.plat;
	s->t.secs = epc_page_at(s->fx.plat, s->fx.secs);
	s->t.base = FX_BASE;
	s->t.size = FX_SIZE;
}

static int eaug(struct sgx2 *s, u64 off)
{
	struct sgx_pageinfo *pi = &s->fx.pginfo;

	memset(pi, 0, sizeof(*pi));
	pi->linaddr = FX_BASE + off;
	pi->secs = (u64)(uintptr_t)s->fx.secs;
	return encls_eaug(s->fx.lp, pi, epc_of(s, off));
}

/* ENCLU[@leaf] inside the enclave: RBX = a SECINFO with @flags in the data
 * page, RCX = the page at @off, RDX = the page at @src. */
static int enclu(struct sgx2 *s, u32 leaf, u64 flags, u64 off, u64 src)
{
	struct sgx_secinfo *si = (struct sgx_secinfo *)(void *)(page(s, DATA)->mem + SECINFO_OFF);
	struct cpu_regs r;
	int ret;

	memset(si, 0, sizeof(*si));
	si->flags = flags;
	memset(&r, 0, sizeof(r));
	r.rax = leaf;
	r.rbx = FX_BASE + SECINFO_OFF;
	r.rcx = FX_BASE + off;
	r.rdx = FX_BASE + src;
	ret = enclu_in_enclave(&s->t, &r);
	enclu_unpin_all(&s->t);
	return ret;
}

static int eaccept(struct sgx2 *s, u64 flags, u64 off)
{
	return enclu(s, SGX_ENCLU_EACCEPT, flags, off, 0);
}

static int emodpr(struct sgx2 *s, u64 perms, u64 off)
{
	s->fx.secinfo.flags = perms;
	memset(s->fx.secinfo.reserved, 0, sizeof(s->fx.secinfo.reserved));
	return encls_emodpr(s->fx.lp, &s->fx.secinfo, epc_of(s, off));
}

static int emodt(struct sgx2 *s, u64 type, u64 off)
{
	s->fx.secinfo.flags = type << SGX_SECINFO_PT_SHIFT;
	memset(s->fx.secinfo.reserved, 0, sizeof(s->fx.secinfo.reserved));
	return encls_emodt(s->fx.lp, &s->fx.secinfo, epc_of(s, off));
}

/* EAUG and EACCEPT: an ordinary RW page at @off. */
static void grow(struct sgx2 *s, u64 off)
{
	ASSERT_STATUS(eaug(s, off), SGX_SUCCESS);
	ASSERT_STATUS(eaccept(s, REG(R | W | PENDING), off), SGX_SUCCESS);
}

#define EPCM_STATE(s, off) (page(s, off)->epcm.flags & (R | W | X | PENDING | MODIFIED | PR))
#define ASSERT_PF_AT(ret, s, la)                                    \
	do {                                                        \
		ASSERT_EQ((ret), ENCLS_FAULT_FLAG | X86_VEC_PF);    \
		ASSERT_EQ((s)->t.fault.addr, (la));                 \
	} while (0)
#define ASSERT_GP(ret) ASSERT_EQ((ret), ENCLS_FAULT_FLAG | X86_VEC_GP)

/* ---- EAUG ------------------------------------------------------------------ */

/* SDM: #GP(0) for misaligned operands, a source page or SECINFO (CET is not
 * enumerated), a LINADDR outside ELRANGE, an enclave not yet initialized;
 * #PF for operands that are not (valid) EPC pages.  The page stays free. */
TEST(eaug, gp_and_pf)
{
	static struct sgx2 s;
	struct sgx_pageinfo *pi = &s.fx.pginfo;
	struct lp *lp;
	u8 *target;

	setup(&s);
	lp = s.fx.lp;
	target = epc_of(&s, AUG(0));
	memset(pi, 0, sizeof(*pi));
	pi->linaddr = FX_BASE + AUG(0);
	pi->secs = (u64)(uintptr_t)s.fx.secs;
	ASSERT_FAULT(encls_eaug(lp, (struct sgx_pageinfo *)((u8 *)pi + 8), target), lp, X86_VEC_GP);
	ASSERT_FAULT(encls_eaug(lp, pi, target + 64), lp, X86_VEC_GP);
	ASSERT_FAULT(encls_eaug(lp, pi, s.fx.page), lp, X86_VEC_PF);
	pi->srcpge = (u64)(uintptr_t)s.fx.page;
	ASSERT_FAULT(encls_eaug(lp, pi, target), lp, X86_VEC_GP);
	pi->srcpge = 0;
	pi->secinfo = (u64)(uintptr_t)&s.si;
	ASSERT_FAULT(encls_eaug(lp, pi, target), lp, X86_VEC_GP);
	pi->secinfo = 0;
	pi->linaddr = FX_BASE + AUG(0) + 8;
	ASSERT_FAULT(encls_eaug(lp, pi, target), lp, X86_VEC_GP);
	/* Beyond ELRANGE, at either end. */
	pi->linaddr = FX_BASE + FX_SIZE;
	ASSERT_FAULT(encls_eaug(lp, pi, target), lp, X86_VEC_GP);
	pi->linaddr = FX_BASE - SGX_PAGE_SIZE;
	ASSERT_FAULT(encls_eaug(lp, pi, target), lp, X86_VEC_GP);
	pi->linaddr = FX_BASE + AUG(0);
	pi->secs = (u64)(uintptr_t)s.fx.page;
	ASSERT_FAULT(encls_eaug(lp, pi, target), lp, X86_VEC_PF);
	pi->secs = (u64)(uintptr_t)epc_of(&s, DATA);
	ASSERT_FAULT(encls_eaug(lp, pi, target), lp, X86_VEC_PF);
	pi->secs = (u64)(uintptr_t)s.fx.secs;
	ASSERT_FAULT(encls_eaug(lp, pi, epc_of(&s, DATA)), lp, X86_VEC_PF);
	ASSERT_FALSE(page(&s, AUG(0))->epcm.valid);
	ASSERT_STATUS(encls_eaug(lp, pi, target), SGX_SUCCESS);
	platform_destroy(s.fx.plat);
}

/* SDM: "IF (SECS.ATTRIBUTES.INIT = 0) #GP(0)": before EINIT pages are EADDed. */
TEST(eaug, gp_before_einit)
{
	struct fx fx;
	struct sgx_pageinfo pi __aligned(32) = { 0 };

	fx_enclave(&fx, 16);
	pi.linaddr = FX_BASE;
	pi.secs = (u64)(uintptr_t)fx.secs;
	ASSERT_FAULT(encls_eaug(fx.lp, &pi, platform_epc_page(fx.plat, 1)), fx.lp, X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* SGX2 leaves are #GP(0) where CPUID.(12H,0).EAX[1] is clear, ENCLU ones too. */
TEST(eaug, gp_without_sgx2)
{
	struct platform_config cfg;
	struct platform *plat;
	struct sgx_pageinfo pi __aligned(32) = { 0 };
	struct sgx_secinfo si __aligned(64) = { 0 };
	char why[256];
	void *p1;

	platform_config_default(&cfg);
	cfg.epc_size = 16 * SGX_PAGE_SIZE;
	cfg.sgx2 = false;
	ASSERT_EQ(platform_create(&cfg, &plat, why, sizeof(why)), 0);
	p1 = platform_epc_page(plat, 1);
	ASSERT_FAULT(encls_eaug(platform_lp(plat, 0), &pi, p1), platform_lp(plat, 0), X86_VEC_GP);
	ASSERT_FAULT(encls_emodpr(platform_lp(plat, 0), &si, p1), platform_lp(plat, 0),
		     X86_VEC_GP);
	ASSERT_FAULT(encls_emodt(platform_lp(plat, 0), &si, p1), platform_lp(plat, 0), X86_VEC_GP);
	platform_destroy(plat);
}

/* SDM: the page is zeroed and becomes PT_REG, RW, PENDING at LINADDR; the
 * SECS counts it; nothing is measured. */
TEST(eaug, adds_a_pending_zeroed_page)
{
	static struct sgx2 s;
	u8 mr[SGX_HASH_SIZE];
	const u8 *m;
	unsigned int before;
	u64 i;

	setup(&s);
	memcpy(mr, secs_of(s.t.secs->mem)->mrenclave, sizeof(mr));
	before = atomic_load(&s.t.secs->nr_children);
	memset(page(&s, AUG(0))->mem, 0xCC, SGX_PAGE_SIZE);
	ASSERT_STATUS(eaug(&s, AUG(0)), SGX_SUCCESS);
	ASSERT_EQ(page(&s, AUG(0))->epcm.pt, SGX_PT_REG);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R | W | PENDING);
	ASSERT_EQ(page(&s, AUG(0))->epcm.enclave_address, FX_BASE + AUG(0));
	ASSERT_EQ(atomic_load(&s.t.secs->nr_children), before + 1);
	m = page(&s, AUG(0))->mem;
	for (i = 0; i < SGX_PAGE_SIZE; i++)
		ASSERT_EQ(m[i], 0);
	ASSERT_EQ(memcmp(mr, secs_of(s.t.secs->mem)->mrenclave, sizeof(mr)), 0);
	/* Nothing usable yet: the EPCM gives no access to a pending page. */
	ASSERT_EQ(platform_epcm_prot(s.fx.plat, epc_of(&s, AUG(0))), 0);
	platform_destroy(s.fx.plat);
}

/* ---- EACCEPT --------------------------------------------------------------- */

/* SDM: the EPCM's type, R/W/X, PENDING and MODIFIED must equal the
 * SECINFO's, else SGX_PAGE_ATTRIBUTES_MISMATCH; then the page is usable and
 * the OS hears that its EPCM entry changed. */
TEST(eaccept, pending_page)
{
	static struct sgx2 s;

	setup(&s);
	ASSERT_STATUS(eaug(&s, AUG(0)), SGX_SUCCESS);
	ASSERT_STATUS(eaccept(&s, REG(R | PENDING), AUG(0)), SGX_PAGE_ATTRIBUTES_MISMATCH);
	ASSERT_STATUS(eaccept(&s, REG(R | W | X | PENDING), AUG(0)), SGX_PAGE_ATTRIBUTES_MISMATCH);
	ASSERT_STATUS(eaccept(&s, REG(R | W | PR), AUG(0)), SGX_PAGE_ATTRIBUTES_MISMATCH);
	ASSERT_EQ(s.updates, 0);
	ASSERT_STATUS(eaccept(&s, REG(R | W | PENDING), AUG(0)), SGX_SUCCESS);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R | W);
	ASSERT_EQ(platform_epcm_prot(s.fx.plat, epc_of(&s, AUG(0))), PROT_READ | PROT_WRITE);
	ASSERT_EQ(s.updates, 1);
	ASSERT_EQ(s.updated, FX_BASE + AUG(0));
	/* Accepted once: no longer pending. */
	ASSERT_STATUS(eaccept(&s, REG(R | W | PENDING), AUG(0)), SGX_PAGE_ATTRIBUTES_MISMATCH);
	platform_destroy(s.fx.plat);
}

/* SDM: #GP(0) for a request that names no change the OS can make (REG with
 * MODIFIED, TCS/TRIM without it, PENDING with PR on TCS...), for reserved
 * SECINFO bits, misaligned or out-of-ELRANGE operands; #PF for a page that
 * is not a valid child of this enclave. */
TEST(eaccept, wrong_flags_and_operands)
{
	static struct sgx2 s;
	struct cpu_regs r;

	setup(&s);
	ASSERT_STATUS(eaug(&s, AUG(0)), SGX_SUCCESS);
	ASSERT_GP(eaccept(&s, REG(R | W | MODIFIED), AUG(0)));
	ASSERT_GP(eaccept(&s, REG(R | W), AUG(0)));
	ASSERT_GP(eaccept(&s, TRIM | PENDING, AUG(0)));
	ASSERT_GP(eaccept(&s, TRIM | MODIFIED | PR, AUG(0)));
	ASSERT_GP(eaccept(&s, ((u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT) | MODIFIED, AUG(0)));
	ASSERT_GP(eaccept(&s, REG(R | W | PENDING) | BIT_ULL(6), AUG(0)));
	ASSERT_GP(eaccept(&s, REG(R | W | PENDING), AUG(0) + 8));
	ASSERT_GP(eaccept(&s, REG(R | W | PENDING), FX_SIZE));
	/* A page never added; a page of another type. */
	ASSERT_PF_AT(eaccept(&s, REG(R | W | PENDING), AUG(1)), &s, FX_BASE + AUG(1));
	ASSERT_STATUS(eaccept(&s, REG(R | W | PENDING), TCS_OFF), SGX_PAGE_ATTRIBUTES_MISMATCH);
	/* SECINFO: 64-byte aligned, inside ELRANGE, in a readable REG page. */
	memset(&r, 0, sizeof(r));
	r.rax = SGX_ENCLU_EACCEPT;
	r.rcx = FX_BASE + AUG(0);
	r.rbx = FX_BASE + SECINFO_OFF + 8;
	ASSERT_GP(enclu_in_enclave(&s.t, &r));
	r.rbx = FX_BASE + FX_SIZE;
	ASSERT_GP(enclu_in_enclave(&s.t, &r));
	r.rbx = FX_BASE + AUG(0);
	ASSERT_EQ(enclu_in_enclave(&s.t, &r), ENCLS_FAULT_FLAG | X86_VEC_PF);
	ASSERT_EQ(s.t.fault.addr, FX_BASE + AUG(0));
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R | W | PENDING);
	platform_destroy(s.fx.plat);
}

/* ---- EMODPR ---------------------------------------------------------------- */

/* SDM: R/W/X AND the SECINFO's, PR set; EACCEPT then waits for tracking:
 * SGX_NOT_TRACKED until an ETRACK after the EMODPR has completed. */
TEST(emodpr, restrict_track_accept)
{
	static struct sgx2 s;

	setup(&s);
	grow(&s, AUG(0));
	ASSERT_STATUS(emodpr(&s, R | X, AUG(0)), SGX_SUCCESS);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R | PR);
	ASSERT_EQ(platform_epcm_prot(s.fx.plat, epc_of(&s, AUG(0))), PROT_READ);
	ASSERT_STATUS(eaccept(&s, REG(R | PR), AUG(0)), SGX_NOT_TRACKED);
	ASSERT_STATUS(encls_etrack(s.fx.lp, s.fx.secs), SGX_SUCCESS);
	/* The request must name the restricted permissions. */
	ASSERT_STATUS(eaccept(&s, REG(R | W | PR), AUG(0)), SGX_PAGE_ATTRIBUTES_MISMATCH);
	ASSERT_STATUS(eaccept(&s, REG(R | PR), AUG(0)), SGX_SUCCESS);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R);
	/* PR is not compared: accepting a "restriction" that never happened
	 * succeeds when the permissions match. */
	ASSERT_STATUS(eaccept(&s, REG(R | PR), AUG(0)), SGX_SUCCESS);
	/* Restricting to what it has still enters PR. */
	ASSERT_STATUS(emodpr(&s, R | W | X, AUG(0)), SGX_SUCCESS);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R | PR);
	platform_destroy(s.fx.plat);
}

/* A thread that entered before the ETRACK may still use the old
 * permissions: SGX_NOT_TRACKED until it leaves, even after the ETRACK. */
TEST(emodpr, not_tracked_while_an_old_thread_is_inside)
{
	static struct sgx2 s;
	struct epc_page *tcs;

	setup(&s);
	tcs = page(&s, TCS_OFF);
	grow(&s, AUG(0));
	track_enter(s.t.secs, tcs);
	ASSERT_STATUS(emodpr(&s, R, AUG(0)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(s.fx.lp, s.fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(eaccept(&s, REG(R | PR), AUG(0)), SGX_NOT_TRACKED);
	track_exit(s.t.secs, tcs);
	ASSERT_STATUS(eaccept(&s, REG(R | PR), AUG(0)), SGX_SUCCESS);
	platform_destroy(s.fx.plat);
}

/* SDM order: VALID (#PF), then PENDING or MODIFIED (SGX_PAGE_NOT_MODIFIABLE),
 * then the type (#PF); SECINFO W without R or reserved bits: #GP(0). */
TEST(emodpr, error_paths)
{
	static struct sgx2 s;

	setup(&s);
	ASSERT_FAULT(emodpr(&s, R, AUG(0)), s.fx.lp, X86_VEC_PF);
	ASSERT_STATUS(eaug(&s, AUG(0)), SGX_SUCCESS);
	ASSERT_STATUS(emodpr(&s, R, AUG(0)), SGX_PAGE_NOT_MODIFIABLE);
	ASSERT_FAULT(emodpr(&s, R, TCS_OFF), s.fx.lp, X86_VEC_PF);
	ASSERT_FAULT(emodpr(&s, W, DATA), s.fx.lp, X86_VEC_GP);
	s.fx.secinfo.flags = R;
	s.fx.secinfo.reserved[0] = 1;
	ASSERT_FAULT(encls_emodpr(s.fx.lp, &s.fx.secinfo, epc_of(&s, DATA)), s.fx.lp,
		     X86_VEC_GP);
	ASSERT_FAULT(encls_emodpr(s.fx.lp, (struct sgx_secinfo *)((u8 *)&s.fx.secinfo + 8),
				  epc_of(&s, DATA)),
		     s.fx.lp, X86_VEC_GP);
	/* A trimmed page: NOT_MODIFIABLE before EACCEPT, #PF after (how the
	 * Linux driver tells them apart in SGX_IOC_ENCLAVE_REMOVE_PAGES). */
	grow(&s, AUG(1));
	ASSERT_STATUS(emodt(&s, SGX_PT_TRIM, AUG(1)), SGX_SUCCESS);
	ASSERT_STATUS(emodpr(&s, R | W | X, AUG(1)), SGX_PAGE_NOT_MODIFIABLE);
	ASSERT_STATUS(encls_etrack(s.fx.lp, s.fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(eaccept(&s, TRIM | MODIFIED, AUG(1)), SGX_SUCCESS);
	ASSERT_FAULT(emodpr(&s, R | W | X, AUG(1)), s.fx.lp, X86_VEC_PF);
	platform_destroy(s.fx.plat);
}

/* SDM: #GP(0) when the enclave is not initialized (checked last). */
TEST(emodpr, gp_before_einit)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	fx.secinfo.flags = SGX_SECINFO_R;
	ASSERT_FAULT(encls_emodpr(fx.lp, &fx.secinfo, platform_epc_page(fx.plat, 1)), fx.lp,
		     X86_VEC_GP);
	fx.secinfo.flags = (u64)SGX_PT_TRIM << SGX_SECINFO_PT_SHIFT;
	ASSERT_FAULT(encls_emodt(fx.lp, &fx.secinfo, platform_epc_page(fx.plat, 1)), fx.lp,
		     X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* ---- EMODT ----------------------------------------------------------------- */

/* SDM: REG becomes TRIM: no permissions, MODIFIED; accepted after tracking;
 * then EREMOVE takes it even with threads inside. */
TEST(emodt, trim_accept_remove)
{
	static struct sgx2 s;

	setup(&s);
	grow(&s, AUG(0));
	grow(&s, AUG(1));
	ASSERT_STATUS(emodt(&s, SGX_PT_TRIM, AUG(0)), SGX_SUCCESS);
	ASSERT_EQ(page(&s, AUG(0))->epcm.pt, SGX_PT_TRIM);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), MODIFIED);
	ASSERT_STATUS(emodt(&s, SGX_PT_TRIM, AUG(1)), SGX_SUCCESS);
	ASSERT_STATUS(eaccept(&s, TRIM | MODIFIED, AUG(0)), SGX_NOT_TRACKED);
	ASSERT_STATUS(encls_etrack(s.fx.lp, s.fx.secs), SGX_SUCCESS);
	ASSERT_GP(eaccept(&s, TRIM, AUG(0)));
	ASSERT_STATUS(eaccept(&s, TRIM | MODIFIED, AUG(0)), SGX_SUCCESS);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), 0);
	/* A thread inside: an accepted trim goes, one not accepted does not. */
	atomic_fetch_add(&s.t.secs->nr_active, 1);
	ASSERT_STATUS(encls_eremove(s.fx.lp, epc_of(&s, AUG(1))), SGX_ENCLAVE_ACT);
	ASSERT_STATUS(encls_eremove(s.fx.lp, epc_of(&s, AUG(0))), SGX_SUCCESS);
	atomic_fetch_sub(&s.t.secs->nr_active, 1);
	ASSERT_FALSE(page(&s, AUG(0))->epcm.valid);
	platform_destroy(s.fx.plat);
}

/* SDM: only REG → TCS, REG → TRIM and TCS → TRIM; the type is checked
 * before the state (the other way round from EMODPR); SECINFO.PT other than
 * TCS or TRIM is #GP(0). */
TEST(emodt, transitions)
{
	static struct sgx2 s;

	setup(&s);
	grow(&s, AUG(0));
	ASSERT_FAULT(emodt(&s, SGX_PT_REG, AUG(0)), s.fx.lp, X86_VEC_GP);
	ASSERT_FAULT(emodt(&s, SGX_PT_SECS, AUG(0)), s.fx.lp, X86_VEC_GP);
	ASSERT_FAULT(emodt(&s, SGX_PT_TCS, TCS_OFF), s.fx.lp, X86_VEC_PF);
	ASSERT_FAULT(emodt(&s, SGX_PT_TRIM, AUG(1)), s.fx.lp, X86_VEC_PF);
	ASSERT_STATUS(eaug(&s, AUG(1)), SGX_SUCCESS);
	ASSERT_STATUS(emodt(&s, SGX_PT_TRIM, AUG(1)), SGX_PAGE_NOT_MODIFIABLE);
	ASSERT_STATUS(emodt(&s, SGX_PT_TRIM, AUG(0)), SGX_SUCCESS);
	/* MODIFIED, then trimmed for good. */
	ASSERT_FAULT(emodt(&s, SGX_PT_TCS, AUG(0)), s.fx.lp, X86_VEC_PF);
	ASSERT_FAULT(emodt(&s, SGX_PT_TRIM, AUG(0)), s.fx.lp, X86_VEC_PF);
	ASSERT_STATUS(emodt(&s, SGX_PT_TRIM, TCS_OFF), SGX_SUCCESS);
	ASSERT_EQ(page(&s, TCS_OFF)->epcm.pt, SGX_PT_TRIM);
	platform_destroy(s.fx.plat);
}

/* A REG page becomes a TCS: EACCEPT checks what EENTER will rely on (#GP
 * for CSSA >= NSSA, AEP, STATE, DBGOPTIN, reserved bytes), then the page is
 * a TCS with no permissions. */
TEST(emodt, tcs_from_a_reg_page)
{
	static struct sgx2 s;
	struct sgx_tcs *tcs;

	setup(&s);
	grow(&s, AUG(0));
	tcs = (struct sgx_tcs *)(void *)page(&s, AUG(0))->mem;
	ASSERT_STATUS(emodt(&s, SGX_PT_TCS, AUG(0)), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(s.fx.lp, s.fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(eaccept(&s, ((u64)SGX_PT_TCS << SGX_SECINFO_PT_SHIFT) | R | MODIFIED, AUG(0)),
		      SGX_PAGE_ATTRIBUTES_MISMATCH);
	/* NSSA 0: CSSA >= NSSA. */
	ASSERT_GP(eaccept(&s, ((u64)SGX_PT_TCS << SGX_SECINFO_PT_SHIFT) | MODIFIED, AUG(0)));
	tcs->nssa = 1;
	tcs->aep = 1;
	ASSERT_GP(eaccept(&s, ((u64)SGX_PT_TCS << SGX_SECINFO_PT_SHIFT) | MODIFIED, AUG(0)));
	tcs->aep = 0;
	tcs->reserved[100] = 1;
	ASSERT_GP(eaccept(&s, ((u64)SGX_PT_TCS << SGX_SECINFO_PT_SHIFT) | MODIFIED, AUG(0)));
	tcs->reserved[100] = 0;
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), MODIFIED);
	ASSERT_STATUS(eaccept(&s, ((u64)SGX_PT_TCS << SGX_SECINFO_PT_SHIFT) | MODIFIED, AUG(0)),
		      SGX_SUCCESS);
	ASSERT_EQ(page(&s, AUG(0))->epcm.pt, SGX_PT_TCS);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), 0);
	platform_destroy(s.fx.plat);
}

/* SDM: EMODT has no check for a TCS a thread is using; the trim takes
 * effect, and EACCEPT waits (SGX_NOT_TRACKED) until that thread is out. */
TEST(emodt, tcs_in_use)
{
	static struct sgx2 s;
	struct epc_page *tcs;

	setup(&s);
	tcs = page(&s, TCS_OFF);
	track_enter(s.t.secs, tcs);
	atomic_store(&tcs->tcs_active, true);
	ASSERT_STATUS(emodt(&s, SGX_PT_TRIM, TCS_OFF), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(s.fx.lp, s.fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(eaccept(&s, TRIM | MODIFIED, TCS_OFF), SGX_NOT_TRACKED);
	ASSERT_STATUS(encls_etrack(s.fx.lp, s.fx.secs), SGX_PREV_TRK_INCMPL);
	atomic_store(&tcs->tcs_active, false);
	track_exit(s.t.secs, tcs);
	ASSERT_STATUS(eaccept(&s, TRIM | MODIFIED, TCS_OFF), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(s.fx.lp, epc_of(&s, TCS_OFF)), SGX_SUCCESS);
	platform_destroy(s.fx.plat);
}

/* ---- EMODPE ---------------------------------------------------------------- */

/* SDM: R/W/X OR the SECINFO's: asking for less narrows nothing. */
TEST(emodpe, extends_never_narrows)
{
	static struct sgx2 s;

	setup(&s);
	grow(&s, AUG(0));
	ASSERT_EQ(enclu(&s, SGX_ENCLU_EMODPE, R, AUG(0), 0), 0);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R | W);
	ASSERT_EQ(enclu(&s, SGX_ENCLU_EMODPE, 0, AUG(0), 0), 0);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R | W);
	s.updates = 0;
	ASSERT_EQ(enclu(&s, SGX_ENCLU_EMODPE, X, AUG(0), 0), 0);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R | W | X);
	ASSERT_EQ(s.updates, 1);
	platform_destroy(s.fx.plat);
}

/* SDM: #PF for a page that is pending, modified, not REG; #GP for reserved
 * SECINFO bits and for W on a page that would stay unreadable.  PR is
 * neither checked nor cleared. */
TEST(emodpe, error_paths)
{
	static struct sgx2 s;

	setup(&s);
	ASSERT_STATUS(eaug(&s, AUG(0)), SGX_SUCCESS);
	ASSERT_PF_AT(enclu(&s, SGX_ENCLU_EMODPE, X, AUG(0), 0), &s, FX_BASE + AUG(0));
	ASSERT_PF_AT(enclu(&s, SGX_ENCLU_EMODPE, X, TCS_OFF, 0), &s, FX_BASE + TCS_OFF);
	ASSERT_GP(enclu(&s, SGX_ENCLU_EMODPE, X | BIT_ULL(7), DATA, 0));
	grow(&s, AUG(1));
	ASSERT_STATUS(emodpr(&s, 0, AUG(1)), SGX_SUCCESS);
	ASSERT_EQ(EPCM_STATE(&s, AUG(1)), PR);
	ASSERT_GP(enclu(&s, SGX_ENCLU_EMODPE, W, AUG(1), 0));
	ASSERT_EQ(enclu(&s, SGX_ENCLU_EMODPE, R | W, AUG(1), 0), 0);
	ASSERT_EQ(EPCM_STATE(&s, AUG(1)), R | W | PR);
	ASSERT_STATUS(emodt(&s, SGX_PT_TRIM, AUG(1)), SGX_SUCCESS);
	ASSERT_PF_AT(enclu(&s, SGX_ENCLU_EMODPE, R, AUG(1), 0), &s, FX_BASE + AUG(1));
	platform_destroy(s.fx.plat);
}

/* ---- EACCEPTCOPY ----------------------------------------------------------- */

/* SDM: copy the source into the pending page, give it the SECINFO's
 * permissions (code, after EINIT), clear PENDING. */
TEST(eacceptcopy, fills_and_accepts)
{
	static struct sgx2 s;
	u8 *src;

	setup(&s);
	grow(&s, AUG(0));
	src = page(&s, AUG(0))->mem;
	memset(src, 0x5A, SGX_PAGE_SIZE);
	ASSERT_STATUS(eaug(&s, AUG(1)), SGX_SUCCESS);
	s.updates = 0;
	ASSERT_STATUS(enclu(&s, SGX_ENCLU_EACCEPTCOPY, REG(R | X), AUG(1), AUG(0)), SGX_SUCCESS);
	ASSERT_EQ(memcmp(page(&s, AUG(1))->mem, src, SGX_PAGE_SIZE), 0);
	ASSERT_EQ(EPCM_STATE(&s, AUG(1)), R | X);
	ASSERT_EQ(s.updates, 1);
	/* Once: the page is no longer pending. */
	ASSERT_STATUS(enclu(&s, SGX_ENCLU_EACCEPTCOPY, REG(R | X), AUG(1), AUG(0)),
		      SGX_PAGE_ATTRIBUTES_MISMATCH);
	platform_destroy(s.fx.plat);
}

/* SDM: #GP for misaligned operands, SECINFO.PT other than REG, W without R;
 * #PF(RDX) for a source that is not an accepted readable page;
 * SGX_PAGE_ATTRIBUTES_MISMATCH for a destination that is not pending. */
TEST(eacceptcopy, error_paths)
{
	static struct sgx2 s;

	setup(&s);
	grow(&s, AUG(0));
	ASSERT_STATUS(eaug(&s, AUG(1)), SGX_SUCCESS);
	ASSERT_STATUS(eaug(&s, AUG(2)), SGX_SUCCESS);
	ASSERT_GP(enclu(&s, SGX_ENCLU_EACCEPTCOPY, REG(R), AUG(1) + 64, AUG(0)));
	ASSERT_GP(enclu(&s, SGX_ENCLU_EACCEPTCOPY, REG(R), AUG(1), AUG(0) + 64));
	ASSERT_GP(enclu(&s, SGX_ENCLU_EACCEPTCOPY, FX_TCS, AUG(1), AUG(0)));
	ASSERT_GP(enclu(&s, SGX_ENCLU_EACCEPTCOPY, REG(W), AUG(1), AUG(0)));
	ASSERT_PF_AT(enclu(&s, SGX_ENCLU_EACCEPTCOPY, REG(R), AUG(1), AUG(2)), &s,
		     FX_BASE + AUG(2));
	ASSERT_STATUS(enclu(&s, SGX_ENCLU_EACCEPTCOPY, REG(R), DATA, AUG(0)),
		      SGX_PAGE_ATTRIBUTES_MISMATCH);
	ASSERT_STATUS(enclu(&s, SGX_ENCLU_EACCEPTCOPY, REG(R), TCS_OFF, AUG(0)),
		      SGX_PAGE_ATTRIBUTES_MISMATCH);
	ASSERT_EQ(EPCM_STATE(&s, AUG(1)), R | W | PENDING);
	platform_destroy(s.fx.plat);
}

/* ---- paging ---------------------------------------------------------------- */

/* EWB and ELDU carry PENDING, MODIFIED and PR; a page that went out and
 * came back was tracked on the way (EWB needed it). */
TEST(sgx2, states_survive_paging)
{
	static struct sgx2 s;
	static u8 data[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	struct sgx_pcmd pcmd __aligned(128);
	struct sgx_pageinfo pi __aligned(32);
	u64 *slot;

	setup(&s);
	grow(&s, AUG(0));
	ASSERT_STATUS(encls_epa(s.fx.lp, SGX_PT_VA, platform_epc_page(s.fx.plat, 63)),
		      SGX_SUCCESS);
	slot = platform_epc_page(s.fx.plat, 63);
	ASSERT_STATUS(emodpr(&s, R, AUG(0)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eblock(s.fx.lp, epc_of(&s, AUG(0))), SGX_SUCCESS);
	ASSERT_STATUS(encls_etrack(s.fx.lp, s.fx.secs), SGX_SUCCESS);
	memset(&pi, 0, sizeof(pi));
	pi.srcpge = (u64)(uintptr_t)data;
	pi.secinfo = (u64)(uintptr_t)&pcmd;
	ASSERT_STATUS(encls_ewb(s.fx.lp, &pi, epc_of(&s, AUG(0)), slot), SGX_SUCCESS);
	/* Back into another EPC page, mapped at the same address. */
	memset(&pi, 0, sizeof(pi));
	pi.linaddr = FX_BASE + AUG(0);
	pi.srcpge = (u64)(uintptr_t)data;
	pi.secinfo = (u64)(uintptr_t)&pcmd;
	pi.secs = (u64)(uintptr_t)s.fx.secs;
	ASSERT_STATUS(encls_eldu(s.fx.lp, &pi, epc_of(&s, AUG(0)), slot), SGX_SUCCESS);
	ASSERT_EQ(EPCM_STATE(&s, AUG(0)), R | PR);
	ASSERT_STATUS(eaccept(&s, REG(R | PR), AUG(0)), SGX_SUCCESS);
	platform_destroy(s.fx.plat);
}

/* The SDM checks every operand's alignment and range (#GP) before it
 * resolves any (#PF), and the SECINFO's contents before the source page. */
TEST(sgx2, operand_check_order)
{
	static struct sgx2 s;
	struct sgx_secinfo *si;
	struct cpu_regs r;

	setup(&s);
	ASSERT_STATUS(eaug(&s, AUG(0)), SGX_SUCCESS);
	grow(&s, AUG(1));
	ASSERT_STATUS(eaug(&s, AUG(2)), SGX_SUCCESS);
	/* EMODPE: a SECINFO in a pending page would be #PF(RBX), but RCX is
	 * misaligned: #GP first. */
	memset(&r, 0, sizeof(r));
	r.rax = SGX_ENCLU_EMODPE;
	r.rbx = FX_BASE + AUG(0);
	r.rcx = FX_BASE + AUG(1) + 8;
	ASSERT_GP(enclu_in_enclave(&s.t, &r));
	r.rcx = FX_BASE + AUG(1);
	ASSERT_EQ(enclu_in_enclave(&s.t, &r), ENCLS_FAULT_FLAG | X86_VEC_PF);
	ASSERT_EQ(s.t.fault.addr, FX_BASE + AUG(0));
	enclu_unpin_all(&s.t);
	/* EACCEPTCOPY: a source outside ELRANGE is #GP before anything
	 * resolves; reserved SECINFO bits are #GP before a pending source's
	 * #PF(RDX). */
	si = (struct sgx_secinfo *)(void *)(page(&s, DATA)->mem + SECINFO_OFF);
	memset(si, 0, sizeof(*si));
	si->flags = REG(R) | BIT_ULL(6);
	memset(&r, 0, sizeof(r));
	r.rax = SGX_ENCLU_EACCEPTCOPY;
	r.rbx = FX_BASE + SECINFO_OFF;
	r.rcx = FX_BASE + AUG(2);
	r.rdx = FX_BASE + FX_SIZE;
	ASSERT_GP(enclu_in_enclave(&s.t, &r));
	r.rdx = FX_BASE + AUG(0);
	ASSERT_GP(enclu_in_enclave(&s.t, &r));
	enclu_unpin_all(&s.t);
	si->flags = REG(R);
	ASSERT_EQ(enclu_in_enclave(&s.t, &r), ENCLS_FAULT_FLAG | X86_VEC_PF);
	ASSERT_EQ(s.t.fault.addr, FX_BASE + AUG(0));
	enclu_unpin_all(&s.t);
	platform_destroy(s.fx.plat);
}
