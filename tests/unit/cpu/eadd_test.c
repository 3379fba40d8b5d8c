// SPDX-License-Identifier: MIT
/*
 * ENCLS[EADD] conformance, in the order of the SDM pseudocode
 * (/work/notes/sdm/eadd.md).  Failing cases check that the EADD left no
 * trace: the target page is still invalid and free, MRENCLAVE did not move
 * and the SECS did not count a child.
 */
#include "fixture.h"

#define TARGET 1 /* the EPC page the tests EADD into */

static void *epc(struct fx *fx, u64 index)
{
	return platform_epc_page(fx->plat, index);
}

static int eadd_prepared(struct fx *fx, u64 index)
{
	return encls_eadd(fx->lp, &fx->pginfo, epc(fx, index));
}

/*
 * The failed EADD into @index left no trace: the page is invalid, takes a
 * good EADD, MRENCLAVE holds exactly ECREATE + that EADD, and the SECS has
 * exactly that one child.  Destroys the platform.
 */
static void assert_no_trace(struct fx *fx, u64 index)
{
	struct sgx_measure_eadd rec;
	u64 v;

	ASSERT_FAULT(encls_edbgrd(fx->lp, epc(fx, index), &v), fx->lp, X86_VEC_PF);
	ASSERT_STATUS(fx_eadd(fx, index, 0, FX_REG_RW), SGX_SUCCESS);
	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_EADD;
	rec.offset = 0;
	rec.secinfo_flags = FX_REG_RW;
	ASSERT_STATUS(fx_einit(fx, &rec, sizeof(rec)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx->lp, fx->secs), SGX_CHILD_PRESENT);
	ASSERT_STATUS(encls_eremove(fx->lp, epc(fx, index)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx->lp, fx->secs), SGX_SUCCESS);
	platform_destroy(fx->plat);
}

/* The prepared EADD into TARGET must #GP(0) and leave no trace. */
static void assert_gp_no_trace(struct fx *fx)
{
	ASSERT_FAULT(eadd_prepared(fx, TARGET), fx->lp, X86_VEC_GP);
	assert_no_trace(fx, TARGET);
}

/* ---- 1, 2: operand alignment -------------------------------------------- */

/* SDM: IF (DS:RBX is not 32Byte Aligned) THEN #GP(0) */
TEST(eadd, gp_pageinfo_not_32_aligned)
{
	struct fx fx;
	struct {
		struct sgx_pageinfo pi[2];
	} __aligned(32) buf;
	struct sgx_pageinfo *misaligned = (struct sgx_pageinfo *)(void *)((u8 *)&buf + 8);

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	memcpy(misaligned, &fx.pginfo, sizeof(fx.pginfo));
	ASSERT_FAULT(encls_eadd(fx.lp, misaligned, epc(&fx, TARGET)), fx.lp, X86_VEC_GP);
	assert_no_trace(&fx, TARGET);
}

/* SDM: IF (DS:RCX is not 4KByte Aligned) THEN #GP(0) */
TEST(eadd, gp_epc_not_4k_aligned)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	ASSERT_FAULT(encls_eadd(fx.lp, &fx.pginfo, (u8 *)epc(&fx, TARGET) + 8), fx.lp,
		     X86_VEC_GP);
	assert_no_trace(&fx, TARGET);
}

/* ---- 3: "IF (DS:RCX does not resolve within an EPC) THEN #PF(DS:RCX)" --- */

/* SDM: IF (DS:RCX does not resolve within an EPC) THEN #PF(DS:RCX) */
TEST(eadd, pf_epc_not_in_epc)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	ASSERT_FAULT(encls_eadd(fx.lp, &fx.pginfo, host), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	assert_no_trace(&fx, TARGET);
}

/* SDM order: #PF(DS:RCX) (step 3) before the PAGEINFO field #GPs (step 5) */
TEST(eadd, order_pf_rcx_before_gp_fields)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.pginfo.linaddr += 8;
	ASSERT_FAULT(encls_eadd(fx.lp, &fx.pginfo, host), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	platform_destroy(fx.plat);
}

/* ---- 5: PAGEINFO field alignment ---------------------------------------- */

/* SDM: IF (DS:TMP_SRCPGE is not 4KByte aligned ...) THEN #GP(0) */
TEST(eadd, gp_srcpge_not_4k_aligned)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.pginfo.srcpge += 64;
	assert_gp_no_trace(&fx);
}

/* SDM: IF (... DS:TMP_SECS is not 4KByte aligned ...) THEN #GP(0) */
TEST(eadd, gp_secs_not_4k_aligned)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.pginfo.secs += 64;
	assert_gp_no_trace(&fx);
}

/* SDM: IF (... DS:TMP_SECINFO is not 64Byte aligned ...) THEN #GP(0) */
TEST(eadd, gp_secinfo_not_64_aligned)
{
	struct fx fx;
	u8 buf[2 * sizeof(struct sgx_secinfo)] __aligned(64);

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	/* A good SECINFO at a 32-byte misalignment. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 32, &fx.secinfo.flags, sizeof(fx.secinfo.flags));
	fx.pginfo.secinfo = (u64)(uintptr_t)(buf + 32);
	assert_gp_no_trace(&fx);
}

/* SDM: IF (... TMP_LINADDR is not 4KByte aligned) THEN #GP(0) */
TEST(eadd, gp_linaddr_not_4k_aligned)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.pginfo.linaddr += 0x800;
	assert_gp_no_trace(&fx);
}

/* ---- 6: "IF (DS:TMP_SECS does not resolve within an EPC) THEN #PF(DS:TMP_SECS)" */

/* SDM: IF (DS:TMP_SECS does not resolve within an EPC) THEN #PF(DS:TMP_SECS) */
TEST(eadd, pf_secs_not_in_epc)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.pginfo.secs = (u64)(uintptr_t)host;
	ASSERT_FAULT(eadd_prepared(&fx, TARGET), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	assert_no_trace(&fx, TARGET);
}

/* SDM order: #PF(DS:TMP_SECS) (step 6) before the SECINFO #GP (step 8) */
TEST(eadd, order_pf_secs_before_gp_secinfo)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT);
	fx.pginfo.secs = (u64)(uintptr_t)host;
	ASSERT_FAULT(eadd_prepared(&fx, TARGET), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	platform_destroy(fx.plat);
}

/* ---- 8: SECINFO --------------------------------------------------------- */

/* SDM: IF (SCRATCH_SECINFO reserved fields are not zero) THEN #GP(0) -- FLAGS bits 7:6 */
TEST(eadd, gp_secinfo_reserved_flags_low)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW | BIT_ULL(7));
	assert_gp_no_trace(&fx);
}

/* SDM: IF (SCRATCH_SECINFO reserved fields are not zero) THEN #GP(0) -- FLAGS bits 63:16 */
TEST(eadd, gp_secinfo_reserved_flags_high)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW | BIT_ULL(16));
	assert_gp_no_trace(&fx);
}

/* SDM: IF (SCRATCH_SECINFO reserved fields are not zero) THEN #GP(0) -- bytes 8..63 */
TEST(eadd, gp_secinfo_reserved_bytes)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.secinfo.reserved[0] = 1;
	assert_gp_no_trace(&fx);
}

/* SDM: IF (SCRATCH_SECINFO.FLAGS.PT is not PT_REG or PT_TCS) THEN #GP(0) */
TEST(eadd, gp_secinfo_pt_not_reg_or_tcs)
{
	static const u8 pts[] = { SGX_PT_SECS, SGX_PT_VA, SGX_PT_TRIM, SGX_PT_SS_FIRST,
				  SGX_PT_SS_REST, 0xFF };
	struct fx fx;
	unsigned int i;

	fx_enclave(&fx, 16);
	for (i = 0; i < sizeof(pts); i++) {
		fx_eadd_prepare(&fx, 0, (u64)pts[i] << SGX_SECINFO_PT_SHIFT | SGX_SECINFO_R);
		if (encls_trapnr(eadd_prepared(&fx, TARGET)) != X86_VEC_GP)
			harness_fail(__FILE__, __LINE__, "PT %u accepted", pts[i]);
	}
	assert_no_trace(&fx, TARGET);
}

/* SDM order: the SECINFO #GP (step 8) before the VALID #PF(DS:RCX) (step 10) */
TEST(eadd, order_gp_secinfo_before_pf_valid)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_REG_RW), SGX_SUCCESS);
	fx_eadd_prepare(&fx, 0x1000, FX_REG_RW | BIT_ULL(6));
	ASSERT_FAULT(eadd_prepared(&fx, TARGET), fx.lp, X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* ---- 9: EPC page not available ------------------------------------------ */

/* SDM: IF (EPC page is not available for EADD) THEN #GP(0) -- not reachable:
 * the page's EPCM lock is held only inside another leaf. */

/* ---- 10: "IF (EPCM(DS:RCX).VALID ≠ 0) THEN #PF(DS:RCX)" ----------------- */

/* SDM: IF (EPCM(DS:RCX).VALID ≠ 0) THEN #PF(DS:RCX) -- a REG page */
TEST(eadd, pf_epc_page_valid)
{
	struct fx fx;
	u64 v;

	fx_enclave(&fx, 16);
	memset(fx.page, 0x11, sizeof(fx.page));
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_REG_RW), SGX_SUCCESS);
	memset(fx.page, 0x22, sizeof(fx.page));
	ASSERT_FAULT(fx_eadd(&fx, TARGET, 0x1000, FX_REG_RW), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, TARGET));
	/* The page was not overwritten. */
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc(&fx, TARGET), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0x1111111111111111ULL);
	platform_destroy(fx.plat);
}

/* SDM: IF (EPCM(DS:RCX).VALID ≠ 0) THEN #PF(DS:RCX) -- the SECS page itself */
TEST(eadd, pf_epc_page_is_the_secs)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_FAULT(fx_eadd(&fx, 0, 0, FX_REG_RW), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)fx.secs);
	assert_no_trace(&fx, TARGET);
}

/* SDM order: the VALID #PF(DS:RCX) (step 10) before the SECS #PF(DS:TMP_SECS) (step 12) */
TEST(eadd, order_pf_valid_before_pf_secs)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_REG_RW), SGX_SUCCESS);
	fx_eadd_prepare(&fx, 0x1000, FX_REG_RW);
	fx.pginfo.secs = (u64)(uintptr_t)epc(&fx, 5);
	ASSERT_FAULT(eadd_prepared(&fx, TARGET), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, TARGET));
	platform_destroy(fx.plat);
}

/* ---- 11: SECS not available --------------------------------------------- */

/* SDM: IF (SECS is not available for EADD) THEN #GP(0) -- not reachable:
 * the SECS is held exclusively only inside another leaf (ECREATE, EINIT). */

/* ---- 12: "IF (EPCM(DS:TMP_SECS).VALID = 0 or EPCM(DS:TMP_SECS).PT ≠ PT_SECS)
 * THEN #PF(DS:TMP_SECS)" ---------------------------------------------------- */

/* SDM: IF (EPCM(DS:TMP_SECS).VALID = 0 ...) THEN #PF(DS:TMP_SECS) */
TEST(eadd, pf_secs_not_valid)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.pginfo.secs = (u64)(uintptr_t)epc(&fx, 5);
	ASSERT_FAULT(eadd_prepared(&fx, TARGET), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, 5));
	assert_no_trace(&fx, TARGET);
}

/* SDM: IF (... EPCM(DS:TMP_SECS).PT ≠ PT_SECS) THEN #PF(DS:TMP_SECS) -- a REG page */
TEST(eadd, pf_secs_not_pt_secs_reg)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x1000, FX_REG_RW), SGX_SUCCESS);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.pginfo.secs = (u64)(uintptr_t)epc(&fx, 2);
	ASSERT_FAULT(eadd_prepared(&fx, TARGET), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, 2));
	/* Page 2 is still a child: EREMOVE of the SECS sees it. */
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	platform_destroy(fx.plat);
}

/* SDM: IF (... EPCM(DS:TMP_SECS).PT ≠ PT_SECS) THEN #PF(DS:TMP_SECS) -- a TCS page */
TEST(eadd, pf_secs_not_pt_secs_tcs)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x1000, FX_TCS), SGX_SUCCESS);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.pginfo.secs = (u64)(uintptr_t)epc(&fx, 2);
	ASSERT_FAULT(eadd_prepared(&fx, TARGET), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, 2));
	platform_destroy(fx.plat);
}

/* SDM: EPCM(DS:TMP_SECS).VALID = 0 -- a SECS that EREMOVE has freed */
TEST(eadd, pf_secs_removed)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_FAULT(fx_eadd(&fx, TARGET, 0, FX_REG_RW), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)fx.secs);
	platform_destroy(fx.plat);
}

/* SDM order: the SECS #PF (step 12) before the page-content #GPs (step 14) */
TEST(eadd, order_pf_secs_before_gp_w_without_r)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, ((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) | SGX_SECINFO_W);
	fx.pginfo.secs = (u64)(uintptr_t)epc(&fx, 5);
	ASSERT_FAULT(eadd_prepared(&fx, TARGET), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, 5));
	platform_destroy(fx.plat);
}

/* ---- 14: page type specific checks -------------------------------------- */

/* SDM: IF (SCRATCH_SECINFO.FLAGS.PT = PT_TCS) IF (DS:RCX.RESERVED ≠ 0) #GP(0)
 * -- first reserved byte (offset 72) */
TEST(eadd, gp_tcs_reserved_nonzero)
{
	struct fx fx;
	struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)fx.page;

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	tcs->reserved[0] = 1;
	fx_eadd_prepare(&fx, 0, FX_TCS);
	assert_gp_no_trace(&fx);
}

/* SDM: IF (DS:RCX.RESERVED ≠ 0) #GP(0) -- last byte of the TCS page */
TEST(eadd, gp_tcs_reserved_last_byte)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	fx.page[SGX_PAGE_SIZE - 1] = 0x80;
	fx_eadd_prepare(&fx, 0, FX_TCS);
	assert_gp_no_trace(&fx);
}

/* 32-bit enclave (MODE64BIT = 0) at FX_BASE, in page 0. */
static void enclave_32bit(struct fx *fx)
{
	fx_platform(fx, 16);
	fx_secs_default(fx);
	fx->secs_src.attributes.flags &= ~SGX_ATTR_MODE64BIT;
	ASSERT_STATUS(fx_ecreate_at(fx, fx->secs), SGX_SUCCESS);
}

/* SDM: IF ((SECS.ATTRIBUTES.MODE64BIT = 0) and (TCS.FSLIMIT & 0FFFH ≠ 0FFFH))
 * #GP(0) */
TEST(eadd, gp_tcs_fslimit_32bit)
{
	struct fx fx;
	struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)fx.page;

	enclave_32bit(&fx);
	memset(fx.page, 0, sizeof(fx.page));
	tcs->fslimit = 0x1FFE;
	tcs->gslimit = 0xFFF;
	fx_eadd_prepare(&fx, 0, FX_TCS);
	assert_gp_no_trace(&fx);
}

/* SDM: IF ((SECS.ATTRIBUTES.MODE64BIT = 0) and (TCS.GSLIMIT & 0FFFH ≠ 0FFFH))
 * #GP(0) */
TEST(eadd, gp_tcs_gslimit_32bit)
{
	struct fx fx;
	struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)fx.page;

	enclave_32bit(&fx);
	memset(fx.page, 0, sizeof(fx.page));
	tcs->fslimit = 0xFFF;
	tcs->gslimit = 0x7FF;
	fx_eadd_prepare(&fx, 0, FX_TCS);
	assert_gp_no_trace(&fx);
}

/* SDM: the FSLIMIT/GSLIMIT rule holds only for 32-bit enclaves: limits with
 * low 12 bits set pass in 32-bit mode, and any limits pass in 64-bit mode */
TEST(eadd, success_tcs_limits)
{
	struct fx fx;
	struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)fx.page;

	enclave_32bit(&fx);
	memset(fx.page, 0, sizeof(fx.page));
	tcs->fslimit = 0x3FFF;
	tcs->gslimit = 0xFFF;
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_TCS), SGX_SUCCESS);
	platform_destroy(fx.plat);

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	tcs->fslimit = 0;
	tcs->gslimit = 0x1000;
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_TCS), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF (SCRATCH_SECINFO.FLAGS.PT = PT_REG) IF (SCRATCH_SECINFO.FLAGS.W = 1
 * and SCRATCH_SECINFO.FLAGS.R = 0) #GP(0) */
TEST(eadd, gp_reg_w_without_r)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, ((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) | SGX_SECINFO_W);
	assert_gp_no_trace(&fx);
}

/* SDM: W without R is a #GP for PT_REG only; W|X without R too */
TEST(eadd, gp_reg_wx_without_r)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0,
		     ((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) | SGX_SECINFO_W | SGX_SECINFO_X);
	assert_gp_no_trace(&fx);
}

/* SDM: the W-without-R rule is under "PT = PT_REG": a TCS SECINFO with W
 * alone passes (its RWX are cleared anyway) */
TEST(eadd, success_tcs_w_without_r)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_TCS | SGX_SECINFO_W), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: any other REG permission combination passes (none, R, X, RX, RWX) */
TEST(eadd, success_reg_permissions)
{
	static const u64 perms[] = { 0, SGX_SECINFO_R, SGX_SECINFO_X,
				     SGX_SECINFO_R | SGX_SECINFO_X,
				     SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X };
	struct fx fx;
	unsigned int i;

	fx_enclave(&fx, 16);
	for (i = 0; i < ARRAY_SIZE(perms); i++)
		ASSERT_STATUS(fx_eadd(&fx, 1 + i, i * SGX_PAGE_SIZE,
				      ((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) | perms[i]),
			      SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* ---- 15: LINADDR inside ELRANGE ----------------------------------------- */

/* SDM: IF (TMP_LINADDR < DS:TMP_SECS.BASEADDR ...) THEN #GP(0) */
TEST(eadd, gp_linaddr_below_base)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, 0, FX_REG_RW);
	fx.pginfo.linaddr = FX_BASE - SGX_PAGE_SIZE;
	assert_gp_no_trace(&fx);
}

/* SDM: IF (... TMP_LINADDR ≥ DS:TMP_SECS.BASEADDR + DS:TMP_SECS.SIZE) THEN #GP(0) */
TEST(eadd, gp_linaddr_at_end)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx_eadd_prepare(&fx, FX_SIZE, FX_REG_RW);
	assert_gp_no_trace(&fx);
}

/* SDM: ELRANGE boundaries -- the first and last pages pass */
TEST(eadd, success_linaddr_bounds)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 2, FX_SIZE - SGX_PAGE_SIZE, FX_REG_RW), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: no check that LINADDR is not already mapped by another EPC page --
 * two pages at the same LINADDR pass */
TEST(eadd, success_duplicate_linaddr)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0x2000, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x2000, FX_REG_RW), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* ---- 16: MRENCLAVE busy ------------------------------------------------- */

/* SDM: IF (Other instruction is accessing MRENCLAVE) THEN #GP(0) -- not
 * reachable: the MRENCLAVE lock is held only inside another EADD, EEXTEND
 * or EINIT. */

/* ---- 17: "IF (SECS is initialized) THEN #GP(0)" ------------------------- */

/* SDM: IF (DS:TMP_SECS already initialized) THEN #GP(0) */
TEST(eadd, gp_secs_initialized)
{
	struct fx fx;
	u64 v;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_einit(&fx, NULL, 0), SGX_SUCCESS);
	ASSERT_FAULT(fx_eadd(&fx, TARGET, 0, FX_REG_RW), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_edbgrd(fx.lp, epc(&fx, TARGET), &v), fx.lp, X86_VEC_PF);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* ---- success effects ---------------------------------------------------- */

/* SDM: DS:RCX[32767:0] := DS:TMP_SRCPGE[32767:0] -- the page holds the source */
TEST(eadd, success_copies_source)
{
	struct fx fx;
	unsigned int i;
	u64 v;

	fx_enclave(&fx, 16);
	for (i = 0; i < sizeof(fx.page); i++)
		fx.page[i] = (u8)(i * 7 + 3);
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_REG_RW), SGX_SUCCESS);
	memset(fx.page, 0, sizeof(fx.page));
	for (i = 0; i < SGX_PAGE_SIZE; i += 8) {
		u64 want = 0;
		unsigned int b;

		for (b = 0; b < 8; b++)
			want |= (u64)(u8)((i + b) * 7 + 3) << (8 * b);
		ASSERT_STATUS(encls_edbgrd(fx.lp, (u8 *)epc(&fx, TARGET) + i, &v), SGX_SUCCESS);
		ASSERT_EQ(v, want);
	}
	platform_destroy(fx.plat);
}

/* SDM: EPCM(DS:RCX).VALID := 1, PT := PT_REG, ENCLAVESECS := the SECS -- the
 * page can be EEXTENDed against that SECS and counts as its child */
TEST(eadd, success_reg_page_is_child)
{
	struct fx fx;
	u64 off;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_REG_RW), SGX_SUCCESS);
	for (off = 0; off < SGX_PAGE_SIZE; off += SGX_EEXTEND_CHUNK)
		ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, (u8 *)epc(&fx, TARGET) + off),
			      SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, TARGET)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: EPCM(DS:RCX).PT := PT_TCS -- the TCS can be EEXTENDed and EDBGWR
 * accepts only its FLAGS field */
TEST(eadd, success_tcs_page_type)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_TCS), SGX_SUCCESS);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, epc(&fx, TARGET)), SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgwr(fx.lp, (u8 *)epc(&fx, TARGET) + 8, SGX_TCS_DBGOPTIN),
		      SGX_SUCCESS);
	ASSERT_FAULT(encls_edbgwr(fx.lp, (u8 *)epc(&fx, TARGET) + 16, 0), fx.lp, X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* SDM: IF PT_TCS: DS:RCX.FLAGS.DBGOPTIN := 0; DS:RCX.CSSA := 0;
 * DS:RCX.AEP := 0; DS:RCX.STATE := 0 -- other fields stay as copied */
TEST(eadd, success_tcs_fields_cleared)
{
	struct fx fx;
	struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)fx.page;
	u8 *p;
	u64 v;

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	tcs->state = 0x55;
	tcs->flags = SGX_TCS_DBGOPTIN;
	tcs->ossa = 0x3000;
	tcs->cssa = 3;
	tcs->nssa = 2;
	tcs->oentry = 0x1234;
	tcs->aep = 0xdeadbeef;
	tcs->fslimit = 0xFFF;
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_TCS), SGX_SUCCESS);
	p = epc(&fx, TARGET);
	ASSERT_STATUS(encls_edbgrd(fx.lp, p + offsetof(struct sgx_tcs, state), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0);
	ASSERT_STATUS(encls_edbgrd(fx.lp, p + offsetof(struct sgx_tcs, flags), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0);
	ASSERT_STATUS(encls_edbgrd(fx.lp, p + offsetof(struct sgx_tcs, ossa), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0x3000);
	/* CSSA (low half) cleared, NSSA (high half) kept. */
	ASSERT_STATUS(encls_edbgrd(fx.lp, p + offsetof(struct sgx_tcs, cssa), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 2ULL << 32);
	ASSERT_STATUS(encls_edbgrd(fx.lp, p + offsetof(struct sgx_tcs, oentry), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0x1234);
	ASSERT_STATUS(encls_edbgrd(fx.lp, p + offsetof(struct sgx_tcs, aep), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0);
	ASSERT_STATUS(encls_edbgrd(fx.lp, p + offsetof(struct sgx_tcs, fslimit), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0xFFF);
	platform_destroy(fx.plat);
}

/* SDM: TMPUPDATEFIELD = "EADD", LINADDR - BASEADDR, SECINFO[375:0];
 * MRENCLAVE := SHA256UPDATE -- EINIT accepts exactly that hash */
TEST(eadd, success_measurement)
{
	struct fx fx;
	struct sgx_measure_eadd rec[2];

	fx_enclave(&fx, 16);
	memset(rec, 0, sizeof(rec));
	rec[0].tag = SGX_MEASURE_EADD;
	rec[0].offset = 0x5000;
	rec[0].secinfo_flags = FX_REG_RX;
	rec[1].tag = SGX_MEASURE_EADD;
	rec[1].offset = 0x2000;
	rec[1].secinfo_flags = FX_REG_RW;
	ASSERT_STATUS(fx_eadd(&fx, 1, 0x5000, FX_REG_RX), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x2000, FX_REG_RW), SGX_SUCCESS);
	/* Only the first record, or the wrong order, does not match. */
	ASSERT_STATUS(fx_einit(&fx, rec, sizeof(rec[0])), SGX_INVALID_MEASUREMENT);
	ASSERT_STATUS(fx_einit(&fx, rec, sizeof(rec)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: the page contents are not measured by EADD (only by EEXTEND) */
TEST(eadd, success_contents_not_measured)
{
	struct fx fx;
	struct sgx_measure_eadd rec;

	fx_enclave(&fx, 16);
	memset(fx.page, 0xA5, sizeof(fx.page));
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_EADD;
	rec.secinfo_flags = FX_REG_RW;
	ASSERT_STATUS(fx_einit(&fx, &rec, sizeof(rec)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF PT_TCS: SCRATCH_SECINFO.FLAGS.R/W/X := 0 before measuring -- a TCS
 * added with RWX in SECINFO measures as plain PT_TCS */
TEST(eadd, success_tcs_measured_without_rwx)
{
	struct fx fx;
	struct sgx_measure_eadd rec;

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_TCS | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X),
		      SGX_SUCCESS);
	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_EADD;
	rec.secinfo_flags = FX_TCS | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X;
	ASSERT_STATUS(fx_einit(&fx, &rec, sizeof(rec)), SGX_INVALID_MEASUREMENT);
	rec.secinfo_flags = FX_TCS;
	ASSERT_STATUS(fx_einit(&fx, &rec, sizeof(rec)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}
