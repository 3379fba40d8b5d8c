// SPDX-License-Identifier: MIT
/*
 * AEX-Notify, one SDM rule per test: its enumeration, ECREATE and EINIT of
 * the attribute, TCS.FLAGS.AEXNOTIFY at EENTER and ERESUME, the SSA
 * frame's AEXNOTIFY byte through an AEX, ERESUME's notification and
 * ENCLU[EDECCSSA].  The leaves run on a thread control block whose "page
 * tables" map enclave page k to EPC page k + 1; no enclave code runs here
 * (tests/integration/aexnotify_test.c does that), but for the three
 * instructions of the host_signal tests, which enter on the vDSO path.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixture.h"

#include "cpu/enclu/enclu.h"
#include "cpu/exec/exec.h"
#include "cpu/platform.h"
#include "cpu/secs.h"

/* Enclave pages 0 .. NSSA-1: the SSA frames (one page each); page NSSA:
 * the TCS. */
#define OENTRY 0x880
#define OFSBASE 0x30000
#define OGSBASE 0x40000
#define AEP 0x7000000ULL
#define NEXT 0x7000103ULL   /* the instruction after the ENCLU */
#define URSP 0x7ff000ULL
#define URBP 0x7ff100ULL
#define ENCL_RIP (FX_BASE + 0x123)

#define ASSERT_GP(ret) ASSERT_EQ((ret), ENCLS_FAULT_FLAG | X86_VEC_GP)
#define ASSERT_PF_AT(ret, s, la)                                 \
	do {                                                     \
		ASSERT_EQ((ret), ENCLS_FAULT_FLAG | X86_VEC_PF); \
		ASSERT_EQ((s)->t.fault.addr, (la));              \
	} while (0)

struct an {
	struct fx fx;
	struct tcb t;
	u32 nssa;
	bool has_hole;
	u64 hole;        /* an enclave offset the page walk does not map */
	u8 xsave[4096] __aligned(64);
};

static u64 tcs_la(const struct an *s)
{
	return FX_BASE + (u64)s->nssa * SGX_PAGE_SIZE;
}

static struct epc_page *page(struct an *s, u64 off)
{
	return epc_page_at(s->fx.plat, platform_epc_page(s->fx.plat, off / SGX_PAGE_SIZE + 1));
}

static struct sgx_tcs *tcs(struct an *s)
{
	return (struct sgx_tcs *)(void *)page(s, (u64)s->nssa * SGX_PAGE_SIZE)->mem;
}

static struct sgx_gprsgx *gpr(struct an *s, u32 frame)
{
	return (struct sgx_gprsgx *)(void *)(page(s, (u64)frame * SGX_PAGE_SIZE)->mem +
					     SGX_PAGE_SIZE - SGX_SSA_GPRS_SIZE);
}

static u64 secs_attributes(struct an *s)
{
	return secs_of(epc_page_at(s->fx.plat, s->fx.secs)->mem)->attributes.flags;
}

static int walk(void *ctx, u64 la, void **epc, unsigned int *prot)
{
	struct an *s = ctx;
	u64 off = la - FX_BASE;

	if (la < FX_BASE || off > (u64)s->nssa * SGX_PAGE_SIZE ||
	    (s->has_hole && off == s->hole))
		return -EFAULT;
	*epc = platform_epc_page(s->fx.plat, off / SGX_PAGE_SIZE + 1);
	*prot = PROT_READ | PROT_WRITE;
	return 0;
}

/* A platform with or without AEX-Notify. */
static void platform(struct an *s, bool aexnotify)
{
	struct platform_config cfg;
	char why[256];

	platform_config_default(&cfg);
	cfg.epc_size = 64 * SGX_PAGE_SIZE;
	cfg.aexnotify = aexnotify;
	if (platform_create(&cfg, &s->fx.plat, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "platform_create: %s", why);
	s->fx.lp = platform_lp(s->fx.plat, 0);
	s->fx.secs = platform_epc_page(s->fx.plat, 0);
}

/*
 * An initialized debug enclave with @nssa one-page SSA frames and a TCS
 * whose FLAGS are @flags, on a platform with AEX-Notify if @aexnotify; the
 * SECS asks for ATTRIBUTES.AEXNOTIFY if @attr.
 */
static void setup(struct an *s, bool aexnotify, bool attr, u64 flags, u32 nssa)
{
	struct sgx_measure_eadd rec[8];
	struct sgx_tcs *t = (struct sgx_tcs *)(void *)s->fx.page;
	u32 i;

	memset(s, 0, sizeof(*s));
	s->nssa = nssa;
	platform(s, aexnotify);
	fx_secs_default(&s->fx);
	if (attr)
		s->fx.secs_src.attributes.flags |= SGX_ATTR_AEXNOTIFY;
	ASSERT_EQ(fx_ecreate_at(&s->fx, s->fx.secs), 0);
	memset(rec, 0, sizeof(rec));
	memset(s->fx.page, 0, sizeof(s->fx.page));
	for (i = 0; i < nssa; i++) {
		ASSERT_STATUS(fx_eadd(&s->fx, i + 1, (u64)i * SGX_PAGE_SIZE, FX_REG_RW),
			      SGX_SUCCESS);
		rec[i].tag = SGX_MEASURE_EADD;
		rec[i].offset = (u64)i * SGX_PAGE_SIZE;
		rec[i].secinfo_flags = FX_REG_RW;
	}
	t->flags = flags;
	t->ossa = 0;
	t->nssa = nssa;
	t->oentry = OENTRY;
	t->ofsbase = OFSBASE;
	t->ogsbase = OGSBASE;
	ASSERT_STATUS(fx_eadd(&s->fx, nssa + 1, (u64)nssa * SGX_PAGE_SIZE, FX_TCS), SGX_SUCCESS);
	rec[nssa].tag = SGX_MEASURE_EADD;
	rec[nssa].offset = (u64)nssa * SGX_PAGE_SIZE;
	rec[nssa].secinfo_flags = FX_TCS;
	ASSERT_STATUS(fx_einit(&s->fx, rec, (nssa + 1) * sizeof(rec[0])), SGX_SUCCESS);
	s->fx.plat->mmu.walk = walk;
	s->fx.plat->mmu.ctx = s;
	exec_register(s->fx.plat);
}

/* What a debugger's EDBGWR of TCS.FLAGS does. */
static void set_tcs_flags(struct an *s, u64 flags)
{
	void *epc = platform_epc_page(s->fx.plat, s->nssa + 1);

	ASSERT_EQ(encls_edbgwr(s->fx.lp, (u8 *)epc + offsetof(struct sgx_tcs, flags), flags), 0);
}

static int eenter(struct an *s, struct cpu_regs *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->rbx = tcs_la(s);
	r->rcx = AEP;
	r->rip = NEXT;
	r->rsp = URSP;
	r->rbp = URBP;
	r->rdx = 0xd0d0;
	ret = enclu_eenter(&s->t, r);
	enclu_unpin_all(&s->t);
	if (!ret)
		s->t.in_enclave = 1;
	return ret;
}

/* An interrupt at ENCL_RIP with known registers. */
static void aex(struct an *s)
{
	struct cpu_regs r = { .rax = 0xaaaa, .rdx = 0xdddd, .r15 = 0xf15, .rsp = FX_BASE + 0x800 };
	struct xstate xs = { NULL, 0 };

	r.rip = ENCL_RIP;
	enclu_aex(&s->t, &r, &xs, NULL);
	enclu_unpin_all(&s->t);
}

static int eresume(struct an *s, struct cpu_regs *r, size_t *xlen)
{
	struct xstate xs = { s->xsave, sizeof(s->xsave) };
	int ret;

	memset(r, 0, sizeof(*r));
	r->rbx = tcs_la(s);
	r->rcx = AEP;
	r->rip = NEXT;
	r->rsp = URSP + 0x40;
	r->rbp = URBP + 0x40;
	r->rdx = 0xd0d0;
	ret = enclu_eresume(&s->t, r, &xs);
	enclu_unpin_all(&s->t);
	if (!ret)
		s->t.in_enclave = 1;
	if (xlen)
		*xlen = xs.len;
	return ret;
}

static int edeccssa(struct an *s)
{
	struct cpu_regs r = { .rax = SGX_ENCLU_EDECCSSA, .rflags = 0x246, .rip = FX_BASE + 0x200 };
	int ret = enclu_in_enclave(&s->t, &r);

	enclu_unpin_all(&s->t);
	/* No register changes (SDM "Flags Affected: None"). */
	ASSERT_EQ(r.rax, SGX_ENCLU_EDECCSSA);
	ASSERT_EQ(r.rflags, 0x246);
	return ret;
}

/* In the enclave on frame 1 with frame 0 holding an AEX: EENTER, an
 * interrupt, then EENTER again (an exception handler's entry). */
static void enter_twice(struct an *s)
{
	struct cpu_regs r;

	ASSERT_EQ(eenter(s, &r), 0);
	aex(s);
	ASSERT_EQ(tcs(s)->cssa, 1);
	ASSERT_EQ(eenter(s, &r), 0);
	ASSERT_EQ(r.rax, 1);
}

/* ---- enumeration, ECREATE, EINIT ------------------------------------------------- */

/* CPUID.(12H,1).EAX[10]: ATTRIBUTES.AEXNOTIFY may be set; CPUID.(12H,0).EAX[11]:
 * ENCLU[EDECCSSA]; neither on a processor without AEX-Notify. */
TEST(aexnotify, cpuid_enumerates_attribute_and_edeccssa)
{
	static struct an s;
	u32 r[4];

	platform(&s, true);
	platform_cpuid(s.fx.plat, SGX_CPUID, 0, r);
	ASSERT_EQ(r[0] & SGX_CPUID_EAX_EDECCSSA, SGX_CPUID_EAX_EDECCSSA);
	platform_cpuid(s.fx.plat, SGX_CPUID, 1, r);
	ASSERT_EQ(r[0] & SGX_ATTR_AEXNOTIFY, SGX_ATTR_AEXNOTIFY);
	platform_destroy(s.fx.plat);
	platform(&s, false);
	platform_cpuid(s.fx.plat, SGX_CPUID, 0, r);
	ASSERT_EQ(r[0] & SGX_CPUID_EAX_EDECCSSA, 0);
	ASSERT_EQ(r[0] & (SGX_CPUID_EAX_SGX1 | SGX_CPUID_EAX_SGX2),
		  SGX_CPUID_EAX_SGX1 | SGX_CPUID_EAX_SGX2);
	platform_cpuid(s.fx.plat, SGX_CPUID, 1, r);
	ASSERT_EQ(r[0] & SGX_ATTR_AEXNOTIFY, 0);
	platform_destroy(s.fx.plat);
}

/* ECREATE: "IF (SECS.ATTRIBUTES and ~CR_SGX_ATTRIBUTES_MASK) THEN #GP(0)":
 * AEXNOTIFY is accepted where CPUID reports it and #GP where it does not. */
TEST(aexnotify, ecreate_attribute_where_enumerated)
{
	static struct an s;

	platform(&s, true);
	fx_secs_default(&s.fx);
	s.fx.secs_src.attributes.flags |= SGX_ATTR_AEXNOTIFY;
	ASSERT_EQ(fx_ecreate_at(&s.fx, s.fx.secs), 0);
	platform_destroy(s.fx.plat);
	platform(&s, false);
	fx_secs_default(&s.fx);
	s.fx.secs_src.attributes.flags |= SGX_ATTR_AEXNOTIFY;
	ASSERT_FAULT(fx_ecreate_at(&s.fx, s.fx.secs), s.fx.lp, X86_VEC_GP);
	ASSERT_FALSE(epc_page_at(s.fx.plat, s.fx.secs)->epcm.valid);
	platform_destroy(s.fx.plat);
}

/* EINIT: AEXNOTIFY is an ordinary attribute, compared under SIGSTRUCT's
 * ATTRIBUTEMASK: an enclave whose signer asks for it initializes with it
 * and not without it (SGX_INVALID_ATTRIBUTE). */
TEST(aexnotify, einit_attribute_under_sigstruct_mask)
{
	static struct an s;

	platform(&s, true);
	s.fx.sig_attributes.flags = SGX_ATTR_AEXNOTIFY;
	s.fx.sig_attributemask.flags = SGX_ATTR_AEXNOTIFY;
	fx_secs_default(&s.fx);
	s.fx.secs_src.attributes.flags |= SGX_ATTR_AEXNOTIFY;
	ASSERT_EQ(fx_ecreate_at(&s.fx, s.fx.secs), 0);
	ASSERT_STATUS(fx_einit(&s.fx, NULL, 0), SGX_SUCCESS);
	ASSERT_EQ(secs_attributes(&s), SGX_ATTR_AEXNOTIFY | SGX_ATTR_INIT | SGX_ATTR_DEBUG |
					       SGX_ATTR_MODE64BIT);
	ASSERT_EQ(encls_eremove(s.fx.lp, s.fx.secs), 0);
	fx_secs_default(&s.fx);
	ASSERT_EQ(fx_ecreate_at(&s.fx, s.fx.secs), 0);
	ASSERT_STATUS(fx_einit(&s.fx, NULL, 0), SGX_INVALID_ATTRIBUTE);
	platform_destroy(s.fx.plat);
}

/* ---- TCS.FLAGS.AEXNOTIFY at EENTER and ERESUME ------------------------------------ */

/* EENTER: "IF ((TCS.FLAGS & FFFFFFFFFFFFFFFCH) ≠ 0) THEN #GP(0)": bit 1 is
 * AEXNOTIFY only on a processor with AEX-Notify; without it the bit is
 * reserved, as in the SDM before AEX-Notify (mask ...FEH). */
TEST(aexnotify, eenter_tcs_flag_reserved_without_aexnotify)
{
	static struct an s;
	struct cpu_regs r;

	setup(&s, false, false, SGX_TCS_AEXNOTIFY, 2);
	ASSERT_GP(eenter(&s, &r));
	ASSERT_FALSE(atomic_load(&page(&s, 2 * SGX_PAGE_SIZE)->tcs_active));
	set_tcs_flags(&s, BIT_ULL(2));
	ASSERT_GP(eenter(&s, &r));
	set_tcs_flags(&s, 0);
	ASSERT_EQ(eenter(&s, &r), 0);
}

/* EENTER: "IF (TCS.FLAGS.DBGOPTIN = 0 and TCS.FLAGS.AEXNOTIFY ≠
 * SECS.ATTRIBUTES.AEXNOTIFY) THEN #GP(0)", in both directions. */
TEST(aexnotify, eenter_tcs_flag_must_match_secs)
{
	static struct an s;
	struct cpu_regs r;

	setup(&s, true, true, 0, 2);
	ASSERT_GP(eenter(&s, &r));
	platform_destroy(s.fx.plat);
	setup(&s, true, false, SGX_TCS_AEXNOTIFY, 2);
	ASSERT_GP(eenter(&s, &r));
	platform_destroy(s.fx.plat);
	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	ASSERT_EQ(eenter(&s, &r), 0);
	ASSERT_EQ(r.rip, FX_BASE + OENTRY);
	ASSERT_EQ(r.rax, 0);
}

/* ... and with DBGOPTIN set (a debugger's EDBGWR) the two may differ. */
TEST(aexnotify, eenter_dbgoptin_lifts_the_match)
{
	static struct an s;
	struct cpu_regs r;

	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	set_tcs_flags(&s, SGX_TCS_DBGOPTIN);
	ASSERT_EQ(eenter(&s, &r), 0);
	platform_destroy(s.fx.plat);
	setup(&s, true, false, 0, 2);
	set_tcs_flags(&s, SGX_TCS_DBGOPTIN | SGX_TCS_AEXNOTIFY);
	ASSERT_EQ(eenter(&s, &r), 0);
}

/* ERESUME makes the same check: a TCS whose flag no longer matches the SECS
 * cannot be resumed; nothing changes. */
TEST(aexnotify, eresume_tcs_flag_must_match_secs)
{
	static struct an s;
	struct cpu_regs r;

	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	ASSERT_EQ(eenter(&s, &r), 0);
	aex(&s);
	set_tcs_flags(&s, 0);
	ASSERT_GP(eresume(&s, &r, NULL));
	ASSERT_EQ(tcs(&s)->cssa, 1);
	ASSERT_FALSE(atomic_load(&page(&s, 2 * SGX_PAGE_SIZE)->tcs_active));
	set_tcs_flags(&s, SGX_TCS_AEXNOTIFY);
	ASSERT_EQ(eresume(&s, &r, NULL), 0);
	ASSERT_EQ(r.rip, ENCL_RIP);
}

/* ---- the SSA frame's AEXNOTIFY byte and AEX ----------------------------------------- */

/* GPRSGX.AEXNOTIFY is byte 167 of GPRSGX, between EXITINFO's reserved bytes
 * and FSBASE; the enclave writes it and AEX leaves it as it was, while
 * writing everything around it. */
TEST(aexnotify, aex_keeps_the_ssa_aexnotify_byte)
{
	static const u8 values[] = { 0, 1, 0xFE, 0xFF };
	static struct an s;
	struct cpu_regs r;
	unsigned int i;

	ASSERT_EQ(offsetof(struct sgx_gprsgx, exitinfo), 160);
	ASSERT_EQ(offsetof(struct sgx_gprsgx, aexnotify), 167);
	ASSERT_EQ(offsetof(struct sgx_gprsgx, fsbase), 168);
	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		gpr(&s, 0)->aexnotify = values[i];
		gpr(&s, 0)->exitinfo = 0xFFFFFFFF;
		ASSERT_EQ(eenter(&s, &r), 0);
		aex(&s);
		ASSERT_EQ(gpr(&s, 0)->aexnotify, values[i]);
		ASSERT_EQ(gpr(&s, 0)->exitinfo, 0);
		ASSERT_EQ(gpr(&s, 0)->rip, ENCL_RIP);
		ASSERT_EQ(gpr(&s, 0)->fsbase, FX_BASE + OFSBASE);
		/* Back out without a notification, for the next round. */
		ASSERT_EQ(tcs(&s)->cssa, 1);
		tcs(&s)->cssa = 0;
	}
}

/* ---- ERESUME with AEX-Notify --------------------------------------------------------- */

/* "IF (TCS.FLAGS.AEXNOTIFY = 1 and GPRSGX.AEXNOTIFY[0] = 1) THEN TMP_NOTIFY":
 * ERESUME enters at OENTRY with RAX = CSSA, on the next SSA frame, as
 * EENTER does (RCX = the instruction after ENCLU, U_RSP/U_RBP saved, FS/GS
 * from the TCS), pops no frame and restores nothing from the SSA. */
TEST(aexnotify, eresume_delivers_a_notification)
{
	static struct an s;
	struct cpu_regs r;
	size_t xlen;

	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	gpr(&s, 0)->aexnotify = SGX_SSA_AEXNOTIFY;
	ASSERT_EQ(eenter(&s, &r), 0);
	aex(&s);
	ASSERT_EQ(eresume(&s, &r, &xlen), 0);
	ASSERT_EQ(r.rip, FX_BASE + OENTRY);
	ASSERT_EQ(r.rax, 1);
	ASSERT_EQ(r.rcx, NEXT);
	ASSERT_EQ(r.rdx, 0xd0d0);      /* not the saved 0xdddd */
	ASSERT_EQ(r.r15, 0);
	ASSERT_EQ(r.rsp, URSP + 0x40);
	ASSERT_EQ(xlen, 0);
	ASSERT_EQ(tcs(&s)->cssa, 1);
	ASSERT_EQ(s.t.encl_fsbase, FX_BASE + OFSBASE);
	ASSERT_EQ(s.t.encl_gsbase, FX_BASE + OGSBASE);
	ASSERT_EQ(s.t.aep, AEP);
	ASSERT_EQ(gpr(&s, 1)->ursp, URSP + 0x40);
	ASSERT_EQ(gpr(&s, 1)->urbp, URBP + 0x40);
	/* The interrupted state is still in frame 0 for the handler. */
	ASSERT_EQ(gpr(&s, 0)->rip, ENCL_RIP);
	ASSERT_EQ(gpr(&s, 0)->rdx, 0xdddd);
	ASSERT_EQ(gpr(&s, 0)->aexnotify, SGX_SSA_AEXNOTIFY);
	ASSERT_TRUE(atomic_load(&page(&s, 2 * SGX_PAGE_SIZE)->tcs_active));
}

/* Only bit 0 of the byte counts: 0xFE resumes as usual. */
TEST(aexnotify, eresume_notification_is_bit_0)
{
	static struct an s;
	struct cpu_regs r;
	size_t xlen;

	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	gpr(&s, 0)->aexnotify = 0xFE;
	ASSERT_EQ(eenter(&s, &r), 0);
	aex(&s);
	ASSERT_EQ(eresume(&s, &r, &xlen), 0);
	ASSERT_EQ(r.rip, ENCL_RIP);
	ASSERT_EQ(r.rdx, 0xdddd);
	ASSERT_GT(xlen, 0);
	ASSERT_EQ(tcs(&s)->cssa, 0);
}

/* No TCS.FLAGS.AEXNOTIFY (a debugger opted the thread out, or the enclave
 * has no AEX-Notify): the SSA's byte is ignored and ERESUME resumes. */
TEST(aexnotify, eresume_without_tcs_flag_resumes)
{
	static struct an s;
	struct cpu_regs r;

	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	set_tcs_flags(&s, SGX_TCS_DBGOPTIN);
	gpr(&s, 0)->aexnotify = SGX_SSA_AEXNOTIFY;
	ASSERT_EQ(eenter(&s, &r), 0);
	aex(&s);
	ASSERT_EQ(eresume(&s, &r, NULL), 0);
	ASSERT_EQ(r.rip, ENCL_RIP);
	ASSERT_EQ(tcs(&s)->cssa, 0);
	platform_destroy(s.fx.plat);
	setup(&s, true, false, 0, 2);
	gpr(&s, 0)->aexnotify = SGX_SSA_AEXNOTIFY;
	ASSERT_EQ(eenter(&s, &r), 0);
	aex(&s);
	ASSERT_EQ(eresume(&s, &r, NULL), 0);
	ASSERT_EQ(r.rip, ENCL_RIP);
	ASSERT_EQ(tcs(&s)->cssa, 0);
}

/* A notification needs a free frame: "IF (TCS.CSSA ≥ TCS.NSSA) THEN #GP(0)";
 * nothing changes and the TCS is free again. */
TEST(aexnotify, eresume_notification_needs_a_frame)
{
	static struct an s;
	struct cpu_regs r;

	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 1);
	gpr(&s, 0)->aexnotify = SGX_SSA_AEXNOTIFY;
	ASSERT_EQ(eenter(&s, &r), 0);
	aex(&s);
	ASSERT_GP(eresume(&s, &r, NULL));
	ASSERT_EQ(tcs(&s)->cssa, 1);
	ASSERT_FALSE(atomic_load(&page(&s, SGX_PAGE_SIZE)->tcs_active));
	/* Without the request the same thread resumes. */
	gpr(&s, 0)->aexnotify = 0;
	ASSERT_EQ(eresume(&s, &r, NULL), 0);
	ASSERT_EQ(r.rip, ENCL_RIP);
}

/* The next frame's pages must be there: #PF at the page that is not. */
TEST(aexnotify, eresume_notification_frame_pf)
{
	static struct an s;
	struct cpu_regs r;

	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	gpr(&s, 0)->aexnotify = SGX_SSA_AEXNOTIFY;
	ASSERT_EQ(eenter(&s, &r), 0);
	aex(&s);
	s.has_hole = true;
	s.hole = SGX_PAGE_SIZE;
	ASSERT_PF_AT(eresume(&s, &r, NULL), &s, FX_BASE + SGX_PAGE_SIZE);
	ASSERT_EQ(tcs(&s)->cssa, 1);
	ASSERT_FALSE(atomic_load(&page(&s, 2 * SGX_PAGE_SIZE)->tcs_active));
	/* An EPCM entry that is not writable: #PF too. */
	s.has_hole = false;
	page(&s, SGX_PAGE_SIZE)->epcm.flags &= ~EPCM_W;
	ASSERT_PF_AT(eresume(&s, &r, NULL), &s, FX_BASE + SGX_PAGE_SIZE);
	page(&s, SGX_PAGE_SIZE)->epcm.flags |= EPCM_W;
	ASSERT_EQ(eresume(&s, &r, NULL), 0);
	ASSERT_EQ(r.rip, FX_BASE + OENTRY);
}

/* The handler's way back: EDECCSSA, then an AEX saves into frame 0 again
 * and a second notification is delivered from it. */
TEST(aexnotify, notification_round_trip)
{
	static struct an s;
	struct cpu_regs r;

	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	gpr(&s, 0)->aexnotify = SGX_SSA_AEXNOTIFY;
	ASSERT_EQ(eenter(&s, &r), 0);
	aex(&s);
	ASSERT_EQ(eresume(&s, &r, NULL), 0);
	ASSERT_EQ(edeccssa(&s), 0);
	ASSERT_EQ(tcs(&s)->cssa, 0);
	aex(&s);
	ASSERT_EQ(tcs(&s)->cssa, 1);
	ASSERT_EQ(eresume(&s, &r, NULL), 0);
	ASSERT_EQ(r.rax, 1);
	ASSERT_EQ(r.rip, FX_BASE + OENTRY);
}

/* ---- EDECCSSA ------------------------------------------------------------------------- */

/* ENCLU: "IF (EAX is invalid leaf number) THEN #GP(0)": EDECCSSA exists
 * only where CPUID.(12H,0).EAX[11] reports it. */
TEST(aexnotify, edeccssa_gp_unless_enumerated)
{
	static struct an s;

	setup(&s, false, false, 0, 2);
	enter_twice(&s);
	ASSERT_GP(edeccssa(&s));
	ASSERT_EQ(tcs(&s)->cssa, 1);
	platform_destroy(s.fx.plat);
	/* It does not need the attribute, only the leaf. */
	setup(&s, true, false, 0, 2);
	enter_twice(&s);
	ASSERT_EQ(edeccssa(&s), 0);
	ASSERT_EQ(tcs(&s)->cssa, 0);
}

/* "IF (CR_TCS_PA.CSSA = 0) THEN #GP(0)". */
TEST(aexnotify, edeccssa_gp_at_cssa_0)
{
	static struct an s;
	struct cpu_regs r;

	setup(&s, true, true, SGX_TCS_AEXNOTIFY, 2);
	ASSERT_EQ(eenter(&s, &r), 0);
	ASSERT_GP(edeccssa(&s));
	ASSERT_EQ(tcs(&s)->cssa, 0);
}

/* The frame that becomes current (CSSA - 1): a page the OS does not map,
 * or one the EPCM does not let the enclave write, is #PF at that page;
 * CSSA does not change. */
TEST(aexnotify, edeccssa_pf_on_the_target_frame)
{
	static struct an s;

	setup(&s, true, false, 0, 2);
	enter_twice(&s);
	s.has_hole = true;
	s.hole = 0;
	ASSERT_PF_AT(edeccssa(&s), &s, FX_BASE);
	ASSERT_EQ(tcs(&s)->cssa, 1);
	s.has_hole = false;
	page(&s, 0)->epcm.flags &= ~EPCM_W;
	ASSERT_PF_AT(edeccssa(&s), &s, FX_BASE);
	ASSERT_EQ(tcs(&s)->cssa, 1);
	page(&s, 0)->epcm.flags |= EPCM_W;
	page(&s, 0)->epcm.flags |= EPCM_BLOCKED;
	ASSERT_PF_AT(edeccssa(&s), &s, FX_BASE);
	page(&s, 0)->epcm.flags &= ~EPCM_BLOCKED;
	ASSERT_EQ(edeccssa(&s), 0);
	ASSERT_EQ(tcs(&s)->cssa, 0);
}

/* After EDECCSSA the AEX that follows saves into the frame it made current,
 * and the thread stays in the enclave throughout. */
TEST(aexnotify, edeccssa_moves_the_next_aex)
{
	static struct an s;

	setup(&s, true, false, 0, 2);
	enter_twice(&s);
	gpr(&s, 0)->rip = 0;
	ASSERT_EQ(edeccssa(&s), 0);
	ASSERT_EQ(s.t.in_enclave, 1);
	aex(&s);
	ASSERT_EQ(gpr(&s, 0)->rip, ENCL_RIP);
	ASSERT_EQ(tcs(&s)->cssa, 1);
}

/* ---- a signal in host code while a leaf runs ------------------------------------ */

static unsigned int pins, unpins, unpins_in_leaf, ept_gets, ept_puts, ept_puts_in_leaf;
static bool in_leaf;

/* A VMM's EPT: guest page k is EPC page k. */
static void *ept_get(void *ctx, u64 index)
{
	ept_gets++;
	return platform_epc_page(((struct an *)ctx)->fx.plat, index);
}

static void ept_put(void *ctx, u64 index)
{
	(void)ctx;
	(void)index;
	ept_puts++;
	ept_puts_in_leaf += in_leaf;
}

/*
 * A kick meant for the calling thread's last stay in the enclave, as
 * exec_kick() sends it, arriving now, in host code: kicks go to threads in
 * enclave mode, and a thread may leave as one is sent.
 */
static void late_kick(struct tcb *t)
{
	siginfo_t si;

	atomic_store(&t->kicked, true);
	memset(&si, 0, sizeof(si));
	si.si_signo = EXEC_KICK_SIG;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_value.sival_ptr = EXEC_KICK_MAGIC;
	ASSERT_EQ(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), EXEC_KICK_SIG, &si), 0);
}

/* The OS holds each operand, and the leaf a guest page through the EPT;
 * a late kick arrives as the page walk follows the first operand's pin. */
static int pin_and_ept(void *ctx, u64 la)
{
	struct an *s = ctx;

	(void)la;
	if (++pins == 1)
		ASSERT_TRUE(ept_page_get(s->fx.plat, 1) != NULL);
	return 0;
}

static int walk_and_kick(void *ctx, u64 la, void **epc, unsigned int *prot)
{
	static bool kicked;

	if (pins == 1 && !kicked) {
		kicked = true;
		late_kick(tcb_current());
	}
	return walk(ctx, la, epc, prot);
}

static void unpin_count(void *ctx, u64 la)
{
	(void)ctx;
	(void)la;
	unpins++;
	unpins_in_leaf += in_leaf;
}

/* A signal that lands in host code while a leaf runs (a late kick, the
 * program's own) must leave the leaf its operands: the OS could evict an
 * operand the leaf is still writing.  The leaf runs on the thread's own
 * TCB here, the one the signal handler finds. */
TEST(host_signal, a_late_kick_leaves_a_leaf_its_operands)
{
	static struct an s;
	struct cpu_regs r;
	struct tcb *t;

	setup(&s, false, false, 0, 1);
	ASSERT_EQ(exec_init(), 0);
	t = tcb_current();
	ASSERT_TRUE(t != NULL);
	s.fx.plat->mmu.walk = walk_and_kick;
	s.fx.plat->mmu.pin = pin_and_ept;
	s.fx.plat->mmu.unpin = unpin_count;
	s.fx.plat->ept.get = ept_get;
	s.fx.plat->ept.put = ept_put;
	s.fx.plat->ept.ctx = &s;
	memset(&r, 0, sizeof(r));
	r.rbx = tcs_la(&s);
	r.rcx = AEP;
	r.rip = NEXT;
	r.rsp = URSP;
	in_leaf = true;
	ASSERT_EQ(enclu_eenter(t, &r), 0);
	in_leaf = false;
	ASSERT_GE(pins, 1);
	ASSERT_EQ(unpins_in_leaf, 0);
	ASSERT_EQ(ept_puts_in_leaf, 0);
	enclu_unpin_all(t);
	ASSERT_EQ(unpins, pins);
	ASSERT_EQ(ept_puts, ept_gets);
	exec_unregister(s.fx.plat);
}

/* exec_kick() sends one kick at a time to a thread; one that arrives after
 * the thread left lets the next be sent, or a thread that enters again and
 * stays inside could never be kicked out (paging would wait on it). */
TEST(host_signal, a_kick_that_finds_the_thread_outside_lets_the_next_go)
{
	struct tcb *t;

	ASSERT_EQ(exec_init(), 0);
	t = tcb_current();
	ASSERT_TRUE(t != NULL);
	late_kick(t);
	ASSERT_FALSE(atomic_load(&t->kicked));
}

/* ---- a program's signal while EENTER runs (the vDSO path) ---------------------------- */

/* What the program's handler saw of the entry it interrupted. */
struct seen {
	int calls;
	bool in_enclave;
	bool tcs_busy;
	u32 cssa;
	unsigned int nr_active;
	u64 rip;
};

static struct an *entering_s;
static struct seen seen;
static bool raise_at_unpin, jump_out;
static sigjmp_buf jump_back;

/*
 * The enclave: "mov %rcx, %rbx; mov $EEXIT, %eax; enclu", back to the
 * instruction after EENTER.  The host maps it at OENTRY, where enclave
 * code runs; the leaves reach the SSA and TCS through the page walk.
 */
static void map_enclave_code(void)
{
	static const u8 code[] = { 0x48, 0x89, 0xcb, 0xb8, 0x04, 0x00, 0x00, 0x00,
				   0x0f, 0x01, 0xd7 };
	u8 *p = mmap((void *)FX_BASE, SGX_PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	ASSERT_EQ((u64)(uintptr_t)p, FX_BASE);
	memcpy(p + OENTRY, code, sizeof(code));
}

static void usr1_program(int sig, siginfo_t *info, void *ucv)
{
	struct an *s = entering_s;
	ucontext_t *uc = ucv;

	(void)sig;
	(void)info;
	seen.calls++;
	seen.in_enclave = tcb_in_enclave(tcb_current());
	seen.tcs_busy = atomic_load(&page(s, (u64)s->nssa * SGX_PAGE_SIZE)->tcs_active);
	seen.cssa = tcs(s)->cssa;
	seen.nr_active = atomic_load(&epc_page_at(s->fx.plat, s->fx.secs)->nr_active);
	seen.rip = (u64)uc->uc_mcontext.gregs[REG_RIP];
	if (jump_out)
		siglongjmp(jump_back, 1);
}

/* The OS lets go of the leaf's first operand once EENTER has claimed the
 * TCS and counted the thread in: the program's signal arrives now. */
static void unpin_and_raise(void *ctx, u64 la)
{
	(void)ctx;
	(void)la;
	if (raise_at_unpin) {
		raise_at_unpin = false;
		ASSERT_EQ(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1), 0);
	}
}

static unsigned int entering_pins;
static bool raise_and_fail;

/* Or the signal comes as the leaf asks the OS for an operand (a page the
 * thread holds already is not asked for twice: one ask here), which the
 * OS cannot give: EENTER fails (#PF) with the signal held. */
static int pin_maybe_fail(void *ctx, u64 la)
{
	(void)ctx;
	(void)la;
	if (!raise_and_fail)
		return 0;
	if (++entering_pins == 1)
		ASSERT_EQ(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1), 0);
	return -EFAULT;
}

/* An enclave with two SSA frames whose entry the program's SIGUSR1
 * interrupts on the vDSO path. */
static void setup_entering(struct an *s)
{
	struct sigaction sa;

	setup(s, false, false, 0, 2);
	ASSERT_EQ(exec_init(), 0);
	map_enclave_code();
	entering_s = s;
	s->fx.plat->mmu.pin = pin_maybe_fail;
	s->fx.plat->mmu.unpin = unpin_and_raise;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = usr1_program;
	sa.sa_flags = SA_SIGINFO;
	ASSERT_EQ(sig_action(SIGUSR1, &sa, NULL), 0);
}

/* Linux's struct sgx_enclave_run (exec_vdso_enter's last argument). */
struct vdso_run {
	u64 tcs;
	u32 function;
	u16 vector, error_code;
	u64 addr, user_handler, user_data;
	u64 reserved[27];
};

static int vdso_eenter(struct an *s, struct vdso_run *run)
{
	memset(run, 0, sizeof(*run));
	run->tcs = tcs_la(s);
	return exec_vdso_enter(0, 0, 0, SGX_ENCLU_EENTER, 0, 0, run);
}

/* The program's handler ran once, outside: the thread in host mode, the
 * TCS free at CSSA @cssa, the thread counted out of the enclave. */
static void assert_seen_outside(u32 cssa)
{
	ASSERT_EQ(seen.calls, 1);
	ASSERT_FALSE(seen.in_enclave);
	ASSERT_FALSE(seen.tcs_busy);
	ASSERT_EQ(seen.cssa, cssa);
	ASSERT_EQ(seen.nr_active, 0);
}

/* The same now, with its tracking epoch empty and nothing the emulator
 * held for the entry still blocked. */
static void assert_outside(struct an *s, u32 cssa)
{
	struct epc_page *secs = epc_page_at(s->fx.plat, s->fx.secs);
	sigset_t cur;

	ASSERT_FALSE(tcb_in_enclave(tcb_current()));
	ASSERT_FALSE(atomic_load(&page(s, (u64)s->nssa * SGX_PAGE_SIZE)->tcs_active));
	ASSERT_EQ(tcs(s)->cssa, cssa);
	ASSERT_EQ(atomic_load(&secs->nr_active), 0);
	ASSERT_EQ(atomic_load(&secs->inside[0]) + atomic_load(&secs->inside[1]), 0);
	ASSERT_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	ASSERT_FALSE(sigismember(&cur, SIGUSR1));
}

/* EENTER on the vDSO path, with the program's SIGUSR1 raised where @when
 * says (raise_at_unpin, raise_and_fail); the program's handler saw CSSA
 * @cssa, the vDSO reports @function, and the thread is out at CSSA 0. */
static void eenter_signalled(struct an *s, bool *when, u32 cssa, u32 function,
			     struct vdso_run *run)
{
	setup_entering(s);
	*when = true;
	ASSERT_EQ(vdso_eenter(s, run), 0);
	assert_seen_outside(cssa);
	ASSERT_EQ(run->function, function);
	assert_outside(s, 0);
}

/*
 * ENCLU is one instruction: a signal comes before it (the handler runs in
 * host mode, the TCS free) or after (an AEX, then the handler at the AEP).
 * One that arrives while the emulator's EENTER runs is held until enclave
 * mode begins and taken there: the program's handler runs after the AEX,
 * and the enclave then resumes and leaves.
 */
TEST(host_signal, a_signal_during_eenter_comes_after_the_aex)
{
	static struct an s;
	struct vdso_run run;

	/* The vDSO's ERESUME took it back in, and the enclave left. */
	eenter_signalled(&s, &raise_at_unpin, 1, SGX_ENCLU_EEXIT, &run);
	ASSERT_EQ(seen.rip, (u64)(uintptr_t)exec_vdso_aep);
	exec_unregister(s.fx.plat);
}

/* The alarm() idiom: a handler that leaves with siglongjmp() abandons the
 * entry after its AEX, so the TCS is free, the thread is out of the
 * enclave's tracking epoch (ETRACK completes), and the same TCS can be
 * entered again. */
TEST(host_signal, a_handler_that_jumps_out_of_eenter_leaves_the_tcs_free)
{
	static struct an s;
	struct vdso_run run;

	setup_entering(&s);
	jump_out = true;
	if (!sigsetjmp(jump_back, 1)) {
		raise_at_unpin = true;
		vdso_eenter(&s, &run);
		harness_fail(__FILE__, __LINE__, "the handler did not run");
	}
	jump_out = false;
	assert_seen_outside(1);
	/* The AEX left CSSA at 1; the next entry uses frame 1. */
	assert_outside(&s, 1);
	ASSERT_EQ(encls_etrack(s.fx.lp, s.fx.secs), 0);
	ASSERT_EQ(encls_etrack(s.fx.lp, s.fx.secs), 0);
	ASSERT_EQ(vdso_eenter(&s, &run), 0);
	ASSERT_EQ(run.function, SGX_ENCLU_EEXIT);
	assert_outside(&s, 1);
	exec_unregister(s.fx.plat);
}

/* An EENTER that faults after the signal came never reaches enclave mode:
 * the program's handler runs in host mode with the TCS free again, as for
 * a signal just after an ENCLU that faulted, and the vDSO reports the
 * fault. */
TEST(host_signal, a_signal_during_a_failing_eenter_comes_after_the_fault)
{
	static struct an s;
	struct vdso_run run;

	eenter_signalled(&s, &raise_and_fail, 0, SGX_ENCLU_EENTER, &run);
	ASSERT_EQ(run.vector, X86_VEC_PF);
	exec_unregister(s.fx.plat);
}
