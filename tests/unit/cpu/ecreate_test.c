// SPDX-License-Identifier: MIT
/*
 * ENCLS[ECREATE] conformance, in the order of the SDM pseudocode
 * (/work/notes/sdm/ecreate.md).  Every failing case also checks that the
 * destination EPC page is still invalid afterwards: a good ECREATE into it
 * must succeed.
 */
#include "fixture.h"

/* PAGEINFO and SECINFO for a good ECREATE of fx->secs_src, not yet issued. */
static void ecreate_prepare(struct fx *fx)
{
	memset(&fx->secinfo, 0, sizeof(fx->secinfo));
	fx->secinfo.flags = (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT;
	memset(&fx->pginfo, 0, sizeof(fx->pginfo));
	fx->pginfo.srcpge = (u64)(uintptr_t)&fx->secs_src;
	fx->pginfo.secinfo = (u64)(uintptr_t)&fx->secinfo;
}

/* A failed ECREATE left no trace: the page still takes a good ECREATE. */
static void assert_secs_page_still_free(struct fx *fx)
{
	fx_secs_default(fx);
	ASSERT_STATUS(fx_ecreate_at(fx, fx->secs), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
}

/* ECREATE of fx->secs_src as it stands must #GP(0) and leave no trace. */
static void assert_secs_image_gp(struct fx *fx)
{
	ASSERT_FAULT(fx_ecreate_at(fx, fx->secs), fx->lp, X86_VEC_GP);
	assert_secs_page_still_free(fx);
	platform_destroy(fx->plat);
}

/* A platform with the default SECS image ready in fx->secs_src. */
static void setup(struct fx *fx)
{
	fx_platform(fx, 16);
	fx_secs_default(fx);
}

/* ---- 1. "IF (DS:RBX is not 32Byte Aligned) THEN #GP(0)" ---------------- */

/* SDM: IF (DS:RBX is not 32Byte Aligned) THEN #GP(0) */
TEST(ecreate, gp_pageinfo_not_32_aligned)
{
	struct fx fx;
	struct {
		struct sgx_pageinfo pi[2];
	} __aligned(32) buf;
	struct sgx_pageinfo *misaligned = (struct sgx_pageinfo *)(void *)((u8 *)&buf + 16);

	setup(&fx);
	ecreate_prepare(&fx);
	/* A good PAGEINFO, just at the wrong alignment. */
	memcpy(misaligned, &fx.pginfo, sizeof(fx.pginfo));
	ASSERT_FAULT(encls_ecreate(fx.lp, misaligned, fx.secs), fx.lp, X86_VEC_GP);
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* ---- 2. "IF (DS:RCX is not 4KByte Aligned) THEN #GP(0)" ---------------- */

/* SDM: IF (DS:RCX is not 4KByte Aligned) THEN #GP(0) */
TEST(ecreate, gp_secs_not_4k_aligned)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(fx_ecreate_at(&fx, (u8 *)fx.secs + 64), fx.lp, X86_VEC_GP);
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* ---- 3. "IF (DS:RCX does not resolve within an EPC) THEN #PF(DS:RCX)" -- */

/* SDM: IF (DS:RCX does not resolve within an EPC) THEN #PF(DS:RCX) */
TEST(ecreate, pf_secs_not_in_epc)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	setup(&fx);
	ASSERT_FAULT(fx_ecreate_at(&fx, host), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:RCX does not resolve within an EPC) THEN #PF(DS:RCX) -- the
 * first page past the end of the EPC */
TEST(ecreate, pf_secs_past_epc_end)
{
	struct fx fx;
	void *past;

	setup(&fx);
	past = (u8 *)platform_epc_page(fx.plat, platform_epc_pages(fx.plat) - 1) + SGX_PAGE_SIZE;
	ASSERT_FAULT(fx_ecreate_at(&fx, past), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)past);
	platform_destroy(fx.plat);
}

/* SDM order: the #PF(DS:RCX) of step 3 comes before the PAGEINFO #GPs of step 5 */
TEST(ecreate, order_pf_rcx_before_gp_srcpge)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	setup(&fx);
	ecreate_prepare(&fx);
	fx.pginfo.srcpge += 8;
	ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, host), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	platform_destroy(fx.plat);
}

/* Step 4 (ordinary #PF on the non-enclave reads of PAGEINFO, SRCPGE and
 * SECINFO) cannot happen through the API: operands are host pointers. */

/* ---- 5. SRCPGE / SECINFO alignment -------------------------------------- */

/* SDM: IF (DS:TMP_SRCPGE is not 4KByte aligned or DS:TMP_SECINFO is not
 * 64Byte aligned) THEN #GP(0) -- SRCPGE */
TEST(ecreate, gp_srcpge_not_4k_aligned)
{
	struct fx fx;

	setup(&fx);
	ecreate_prepare(&fx);
	fx.pginfo.srcpge += 512;
	ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, fx.secs), fx.lp, X86_VEC_GP);
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:TMP_SRCPGE is not 4KByte aligned or DS:TMP_SECINFO is not
 * 64Byte aligned) THEN #GP(0) -- SECINFO */
TEST(ecreate, gp_secinfo_not_64_aligned)
{
	struct fx fx;
	struct {
		struct sgx_secinfo si[2];
	} buf;

	setup(&fx);
	ecreate_prepare(&fx);
	/* A good SECINFO at a 32-byte misalignment. */
	memset(&buf, 0, sizeof(buf));
	buf.si[0].flags = (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT;
	memmove((u8 *)&buf + 32, &buf.si[0], 32);
	fx.pginfo.secinfo = (u64)(uintptr_t)&buf + 32;
	ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, fx.secs), fx.lp, X86_VEC_GP);
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* ---- 6. LINADDR and SECS must be zero ----------------------------------- */

/* SDM: IF (DS:RBX.LINADDR ! = 0 or DS:RBX.SECS ≠ 0) THEN #GP(0) -- LINADDR */
TEST(ecreate, gp_pageinfo_linaddr_nonzero)
{
	struct fx fx;

	setup(&fx);
	ecreate_prepare(&fx);
	fx.pginfo.linaddr = FX_BASE;
	ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, fx.secs), fx.lp, X86_VEC_GP);
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:RBX.LINADDR ! = 0 or DS:RBX.SECS ≠ 0) THEN #GP(0) -- SECS */
TEST(ecreate, gp_pageinfo_secs_nonzero)
{
	struct fx fx;

	setup(&fx);
	ecreate_prepare(&fx);
	fx.pginfo.secs = (u64)(uintptr_t)platform_epc_page(fx.plat, 2);
	ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, fx.secs), fx.lp, X86_VEC_GP);
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* ---- 7. SECINFO reserved fields and PT ---------------------------------- */

/* SDM: IF (TMP_SECINFO reserved fields are not zero) THEN #GP(0) -- FLAGS bits 7:6 */
TEST(ecreate, gp_secinfo_reserved_flags_low)
{
	struct fx fx;

	setup(&fx);
	ecreate_prepare(&fx);
	fx.secinfo.flags |= BIT_ULL(6);
	ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, fx.secs), fx.lp, X86_VEC_GP);
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* SDM: IF (TMP_SECINFO reserved fields are not zero) THEN #GP(0) -- FLAGS bits 63:16 */
TEST(ecreate, gp_secinfo_reserved_flags_high)
{
	struct fx fx;

	setup(&fx);
	ecreate_prepare(&fx);
	fx.secinfo.flags |= BIT_ULL(63);
	ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, fx.secs), fx.lp, X86_VEC_GP);
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* SDM: IF (TMP_SECINFO reserved fields are not zero) THEN #GP(0) -- bytes 8..63 */
TEST(ecreate, gp_secinfo_reserved_bytes)
{
	struct fx fx;

	setup(&fx);
	ecreate_prepare(&fx);
	fx.secinfo.reserved[55] = 1;
	ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, fx.secs), fx.lp, X86_VEC_GP);
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* SDM: IF (TMP_SECINFO.FLAGS.PT ≠ PT_SECS) THEN #GP(0) */
TEST(ecreate, gp_secinfo_pt_not_secs)
{
	static const u8 pts[] = { SGX_PT_TCS, SGX_PT_REG, SGX_PT_VA, SGX_PT_TRIM, 0xFF };
	struct fx fx;
	unsigned int i;

	setup(&fx);
	for (i = 0; i < sizeof(pts); i++) {
		ecreate_prepare(&fx);
		fx.secinfo.flags = (u64)pts[i] << SGX_SECINFO_PT_SHIFT;
		ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, fx.secs), fx.lp, X86_VEC_GP);
	}
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* ---- 8. EPC entry in use ------------------------------------------------ */

/* SDM: IF (EPC entry in use) THEN #GP(0) -- not reachable: the EPCM entry
 * lock is only held while another leaf runs, and leaves do not interleave
 * deterministically through the API. */

/* ---- 9. "IF (EPCM(DS:RCX).VALID = 1) THEN #PF(DS:RCX)" ----------------- */

/* SDM: IF (EPCM(DS:RCX).VALID = 1) THEN #PF(DS:RCX) -- a SECS */
TEST(ecreate, pf_epc_page_valid_secs)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_FAULT(fx_ecreate_at(&fx, fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)fx.secs);
	/* The existing enclave is untouched: it still takes pages. */
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF (EPCM(DS:RCX).VALID = 1) THEN #PF(DS:RCX) -- a REG page */
TEST(ecreate, pf_epc_page_valid_reg)
{
	struct fx fx;
	void *reg;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	reg = platform_epc_page(fx.plat, 1);
	ASSERT_FAULT(fx_ecreate_at(&fx, reg), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)reg);
	/* Still a REG page of the first enclave: EEXTEND accepts it. */
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, reg), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM order: the SECINFO #GP of step 7 comes before the VALID #PF of step 9 */
TEST(ecreate, order_gp_secinfo_before_pf_valid)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ecreate_prepare(&fx);
	fx.secinfo.flags = (u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT;
	ASSERT_FAULT(encls_ecreate(fx.lp, &fx.pginfo, fx.secs), fx.lp, X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* SDM order: the VALID #PF of step 9 comes before the SECS-content #GPs (11..24) */
TEST(ecreate, order_pf_valid_before_gp_secs_content)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	fx.secs_src.attributes.xfrm = 0;
	ASSERT_FAULT(fx_ecreate_at(&fx, fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)fx.secs);
	platform_destroy(fx.plat);
}

/* ---- 11..24: checks on the copied SECS ---------------------------------- */

/* SDM: IF (DS:TMP_SECS.ATTRIBUTES.XFRM[1:0] ≠ 3) THEN #GP(0) -- x87 missing */
TEST(ecreate, gp_xfrm_x87_clear)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.attributes.xfrm = 0x2;
	assert_secs_image_gp(&fx);
}

/* SDM: IF (DS:TMP_SECS.ATTRIBUTES.XFRM[1:0] ≠ 3) THEN #GP(0) -- SSE missing */
TEST(ecreate, gp_xfrm_sse_clear)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.attributes.xfrm = 0x1;
	assert_secs_image_gp(&fx);
}

/* SDM: IF (XFRM is illegal) THEN #GP(0) -- a component CPUID.(12H,1).ECX:EDX
 * does not report (bit 63 is reserved in XCR0) */
TEST(ecreate, gp_xfrm_unsupported)
{
	struct fx fx;
	u32 regs[4];

	setup(&fx);
	platform_cpuid(fx.plat, SGX_CPUID, 1, regs);
	ASSERT_EQ(regs[3] & BIT(31), 0);
	fx.secs_src.attributes.xfrm = 3 | BIT_ULL(63);
	assert_secs_image_gp(&fx);
}

/* SDM: IF (XFRM is illegal) THEN #GP(0) -- AVX-512 state only in part
 * (XCR0 takes opmask, ZMM_Hi256 and Hi16_ZMM together) */
TEST(ecreate, gp_xfrm_avx512_partial)
{
	struct fx fx;
	u32 regs[4];

	setup(&fx);
	platform_cpuid(fx.plat, SGX_CPUID, 1, regs);
	if ((regs[2] & 0xE4) != 0xE4) {
		platform_destroy(fx.plat);
		SKIP("host XCR0 has no AVX-512 state");
	}
	fx.secs_src.attributes.xfrm = 0x7 | 0x20;
	assert_secs_image_gp(&fx);
}

/* The XFRM legality rule "AVX needs SSE" cannot be reached: step 11
 * already requires XFRM[1:0] = 3. */

/* SDM (CET): IF ((DS:TMP_SECS.ATTRIBUTES.CET = 0) and
 * (DS:TMP_SECS.CET_ATTRIBUTES ≠ 0)) THEN #GP(0) */
TEST(ecreate, gp_cet_attributes_without_cet)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.cet_attributes = 1;
	assert_secs_image_gp(&fx);
}

/* SDM (CET): IF ((DS:TMP_SECS.ATTRIBUTES.CET = 0) and
 * (DS:TMP_SECS.CET_LEG_BITMAP_OFFSET ≠ 0)) THEN #GP(0) */
TEST(ecreate, gp_cet_leg_bitmap_offset_without_cet)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.cet_leg_bitmap_offset = SGX_PAGE_SIZE;
	assert_secs_image_gp(&fx);
}

/* SDM: IF (Unsupported MISCSELECT) THEN #GP(0) -- a bit CPUID.(12H,0).EBX lacks */
TEST(ecreate, gp_miscselect_unsupported)
{
	struct fx fx;
	u32 regs[4];

	setup(&fx);
	platform_cpuid(fx.plat, SGX_CPUID, 0, regs);
	ASSERT_EQ(regs[1] & SGX_MISC_CPINFO, 0);
	fx.secs_src.miscselect = SGX_MISC_CPINFO;
	assert_secs_image_gp(&fx);
}

/* SDM: IF (Unsupported MISCSELECT) THEN #GP(0) -- a supported MISCSELECT
 * (EXINFO) passes, and so does 0 (the literal "!(EBX & MISCSELECT)" would
 * reject it; the emulator follows the intent) */
TEST(ecreate, success_miscselect_supported)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.miscselect = SGX_MISC_EXINFO;
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	fx_secs_default(&fx);
	ASSERT_EQ(fx.secs_src.miscselect, 0);
	ASSERT_STATUS(fx_ecreate_at(&fx, platform_epc_page(fx.plat, 1)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:TMP_SECS.SSAFRAMESIZE * 4096 < TMP_XSIZE) THEN #GP(0) */
TEST(ecreate, gp_ssaframesize_too_small)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.ssaframesize = 0;
	assert_secs_image_gp(&fx);
}

/* SDM: IF ((DS:TMP_SECS.ATTRIBUTES.MODE64BIT = 1) and (DS:TMP_SECS.BASEADDR
 * not canonical)) THEN #GP(0) */
TEST(ecreate, gp_baseaddr_not_canonical_64)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.baseaddr = 0x0000800000000000ULL;
	assert_secs_image_gp(&fx);
}

/* SDM: BASEADDR canonical -- the top of the lower half and a kernel-half
 * address both pass */
TEST(ecreate, success_baseaddr_canonical_64)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.baseaddr = 0x00007FFFFFF00000ULL;
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	fx.secs_src.baseaddr = 0xFFFF800000000000ULL;
	ASSERT_STATUS(fx_ecreate_at(&fx, platform_epc_page(fx.plat, 1)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF ((DS:TMP_SECS.ATTRIBUTES.MODE64BIT = 0) and (DS:TMP_SECS.BASEADDR and
 * 0FFFFFFFF00000000H)) THEN #GP(0) */
TEST(ecreate, gp_baseaddr_above_4g_32bit)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.attributes.flags &= ~SGX_ATTR_MODE64BIT;
	fx.secs_src.baseaddr = 1ULL << 32;
	assert_secs_image_gp(&fx);
}

/* SDM: IF ((DS:TMP_SECS.ATTRIBUTES.MODE64BIT = 0) and (DS:TMP_SECS.SIZE ≥
 * 2 ^ (CPUID.(EAX=12H, ECX=0):EDX[7:0]))) THEN #GP(0) */
TEST(ecreate, gp_size_too_big_32bit)
{
	struct fx fx;
	u32 regs[4];

	setup(&fx);
	platform_cpuid(fx.plat, SGX_CPUID, 0, regs);
	ASSERT_EQ(regs[3] & 0xFF, 31);
	fx.secs_src.attributes.flags &= ~SGX_ATTR_MODE64BIT;
	fx.secs_src.baseaddr = 0;
	fx.secs_src.size = 1ULL << 31;
	assert_secs_image_gp(&fx);
}

/* SDM: 32-bit SIZE < 2^EDX[7:0] -- the largest 32-bit enclave passes */
TEST(ecreate, success_size_max_32bit)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.attributes.flags &= ~SGX_ATTR_MODE64BIT;
	fx.secs_src.baseaddr = 0;
	fx.secs_src.size = 1ULL << 30;
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF ((DS:TMP_SECS.ATTRIBUTES.MODE64BIT = 1) and (DS:TMP_SECS.SIZE ≥
 * 2 ^ (CPUID.(EAX=12H, ECX=0):EDX[15:8]))) THEN #GP(0) */
TEST(ecreate, gp_size_too_big_64bit)
{
	struct fx fx;
	u32 regs[4];
	unsigned int log2;

	setup(&fx);
	platform_cpuid(fx.plat, SGX_CPUID, 0, regs);
	log2 = (regs[3] >> 8) & 0xFF;
	ASSERT_EQ(log2, PLATFORM_DEFAULT_MAX_ENCLAVE_SIZE_LOG2);
	fx.secs_src.baseaddr = 0;
	fx.secs_src.size = 1ULL << log2;
	assert_secs_image_gp(&fx);
}

/* SDM: 64-bit SIZE < 2^EDX[15:8] -- the largest 64-bit enclave passes */
TEST(ecreate, success_size_max_64bit)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.baseaddr = 1ULL << 35;
	fx.secs_src.size = 1ULL << 35;
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:TMP_SECS.SIZE < 8KBytes) THEN #GP(0) */
TEST(ecreate, gp_size_below_8k)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.size = SGX_PAGE_SIZE;
	assert_secs_image_gp(&fx);
}

/* SDM: IF (DS:TMP_SECS.SIZE is not a power of 2) THEN #GP(0) */
TEST(ecreate, gp_size_not_power_of_2)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.baseaddr = 0;
	fx.secs_src.size = 3 * 8192;
	assert_secs_image_gp(&fx);
}

/* SDM: SIZE = 8 KiB is the smallest size that passes */
TEST(ecreate, success_size_8k)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.size = 8192;
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:TMP_SECS.BASEADDR and (DS:TMP_SECS.SIZE – 1)) THEN #GP(0) */
TEST(ecreate, gp_baseaddr_not_size_aligned)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.baseaddr = FX_BASE + FX_SIZE / 2;
	assert_secs_image_gp(&fx);
}

/* SDM: IF (DS:TMP_SECS.ATTRIBUTES and (~CR_SGX_ATTRIBUTES_MASK)) THEN #GP(0)
 * -- INIT may not be set by software */
TEST(ecreate, gp_attributes_init)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.attributes.flags |= SGX_ATTR_INIT;
	assert_secs_image_gp(&fx);
}

/* SDM: IF (DS:TMP_SECS.ATTRIBUTES and (~CR_SGX_ATTRIBUTES_MASK)) THEN #GP(0)
 * -- reserved bit 3 */
TEST(ecreate, gp_attributes_reserved)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.attributes.flags |= BIT_ULL(3);
	assert_secs_image_gp(&fx);
}

/* SDM: IF (DS:TMP_SECS.ATTRIBUTES and (~CR_SGX_ATTRIBUTES_MASK)) THEN #GP(0)
 * -- CET, which CPUID.(12H,1).EAX does not report here, and a reserved bit
 * (AEXNOTIFY without AEX-Notify: tests/unit/cpu/aexnotify_test.c) */
TEST(ecreate, gp_attributes_unsupported)
{
	static const u64 bits[] = { SGX_ATTR_CET, BIT_ULL(63) };
	struct fx fx;
	u32 regs[4];
	unsigned int i;

	setup(&fx);
	platform_cpuid(fx.plat, SGX_CPUID, 1, regs);
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		ASSERT_EQ(((u64)regs[1] << 32 | regs[0]) & bits[i], 0);
		fx_secs_default(&fx);
		fx.secs_src.attributes.flags |= bits[i];
		ASSERT_FAULT(fx_ecreate_at(&fx, fx.secs), fx.lp, X86_VEC_GP);
	}
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:TMP_SECS reserved fields are not zero) THEN #GP(0) -- one
 * byte in each reserved area */
TEST(ecreate, gp_secs_reserved_nonzero)
{
	static const size_t offs[] = {
		offsetof(struct sgx_secs, reserved1),
		offsetof(struct sgx_secs, reserved1) + 14,
		offsetof(struct sgx_secs, reserved2),
		offsetof(struct sgx_secs, reserved2) + 31,
		offsetof(struct sgx_secs, reserved3),
		offsetof(struct sgx_secs, reserved3) + 31,
		offsetof(struct sgx_secs, reserved4),
		offsetof(struct sgx_secs, reserved4) + 1000,
		sizeof(struct sgx_secs) - 1,
	};
	struct fx fx;
	unsigned int i;

	setup(&fx);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		fx_secs_default(&fx);
		((u8 *)&fx.secs_src)[offs[i]] = 0x80;
		if (encls_trapnr(fx_ecreate_at(&fx, fx.secs)) != X86_VEC_GP)
			harness_fail(__FILE__, __LINE__, "reserved SECS byte %zu accepted", offs[i]);
	}
	assert_secs_page_still_free(&fx);
	platform_destroy(fx.plat);
}

/* SDM: IF ((DS:TMP_SECS.CONFIGID ≠ 0 or DS:TMP_SECS.CONFIGSVN ≠ 0) and
 * DS:TMP_SECS.ATTRIBUTES.KSS = 0) THEN #GP(0) -- CONFIGID */
TEST(ecreate, gp_configid_without_kss)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.configid[SGX_CONFIGID_SIZE - 1] = 1;
	assert_secs_image_gp(&fx);
}

/* SDM: IF ((DS:TMP_SECS.CONFIGID ≠ 0 or DS:TMP_SECS.CONFIGSVN ≠ 0) and
 * DS:TMP_SECS.ATTRIBUTES.KSS = 0) THEN #GP(0) -- CONFIGSVN */
TEST(ecreate, gp_configsvn_without_kss)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.configsvn = 1;
	assert_secs_image_gp(&fx);
}

/* SDM: CONFIGID/CONFIGSVN are allowed when ATTRIBUTES.KSS = 1 */
TEST(ecreate, success_configid_with_kss)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.attributes.flags |= SGX_ATTR_KSS;
	fx.secs_src.configid[0] = 1;
	fx.secs_src.configsvn = 7;
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* ---- success effects ---------------------------------------------------- */

/* SDM: EPCM(DS:RCX).PT := PT_SECS; VALID := 1 -- the page is now a SECS:
 * it takes EADDs, cannot be ECREATEd again, and EREMOVE frees it */
TEST(ecreate, success_page_becomes_secs)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, platform_epc_page(fx.plat, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	ASSERT_STATUS(encls_eremove(fx.lp, platform_epc_page(fx.plat, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	/* EREMOVE made it invalid again: ECREATE succeeds anew. */
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: EPCM(DS:RCX).R/W/X := 0 and the SECS is not accessible to software:
 * EDBGRD of the new SECS, even of a debug enclave, is #PF(RCX) */
TEST(ecreate, success_secs_not_debug_readable)
{
	struct fx fx;
	u64 v = 0;

	fx_enclave(&fx, 16);
	ASSERT_FAULT(encls_edbgrd(fx.lp, fx.secs, &v), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)fx.secs);
	platform_destroy(fx.plat);
}

/* SDM: "Clear DS:TMP_SECS to Uninitialized"; MRENCLAVE := SHA256 of the
 * ECREATE record (SSAFRAMESIZE, SIZE) -- EINIT with that hash succeeds */
TEST(ecreate, success_measurement)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_einit(&fx, NULL, 0), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: the ECREATE record measures SSAFRAMESIZE -- a different one gives a
 * different MRENCLAVE */
TEST(ecreate, success_measurement_covers_ssaframesize)
{
	struct fx fx;

	setup(&fx);
	fx.secs_src.ssaframesize = 2;
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	fx.secs_src.ssaframesize = 1;
	ASSERT_STATUS(fx_einit(&fx, NULL, 0), SGX_INVALID_MEASUREMENT);
	fx.secs_src.ssaframesize = 2;
	ASSERT_STATUS(fx_einit(&fx, NULL, 0), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: two SECS pages are two independent enclaves -- the child count of
 * one does not hold the other */
TEST(ecreate, success_independent_enclaves)
{
	struct fx fx;
	void *secs2;

	fx_enclave(&fx, 16);
	secs2 = platform_epc_page(fx.plat, 8);
	ASSERT_STATUS(fx_ecreate_at(&fx, secs2), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, secs2), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	platform_destroy(fx.plat);
}
