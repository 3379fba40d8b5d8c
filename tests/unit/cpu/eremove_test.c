// SPDX-License-Identifier: MIT
/*
 * ENCLS[EREMOVE] conformance, in the order of the SDM pseudocode
 * (/work/notes/sdm/eremove.md).
 */
#include "fixture.h"

static void *epc(struct fx *fx, u64 index)
{
	return platform_epc_page(fx->plat, index);
}

/* ---- 1: "IF (DS:RCX is not 4KByte Aligned) THEN #GP(0)" ----------------- */

/* SDM: IF (DS:RCX is not 4KByte Aligned) THEN #GP(0) */
TEST(eremove, gp_not_4k_aligned)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_FAULT(encls_eremove(fx.lp, (u8 *)epc(&fx, 1) + 8), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_eremove(fx.lp, (u8 *)fx.secs + 0x800), fx.lp, X86_VEC_GP);
	/* Nothing was removed: page 1 is still a child, the SECS still valid. */
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, epc(&fx, 1)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM order: the alignment #GP (step 1) before the EPC #PF (step 2) */
TEST(eremove, order_gp_alignment_before_pf_not_in_epc)
{
	struct fx fx;
	static u8 host[2 * SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	fx_platform(&fx, 16);
	ASSERT_FAULT(encls_eremove(fx.lp, host + 16), fx.lp, X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* ---- 2: "IF (DS:RCX does not resolve to an EPC page) THEN #PF(DS:RCX)" -- */

/* SDM: IF (DS:RCX does not resolve to an EPC page) THEN #PF(DS:RCX) */
TEST(eremove, pf_not_in_epc)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	fx_platform(&fx, 16);
	ASSERT_FAULT(encls_eremove(fx.lp, host), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:RCX does not resolve to an EPC page) THEN #PF(DS:RCX) -- the
 * pages just outside both ends of the EPC */
TEST(eremove, pf_just_outside_epc)
{
	struct fx fx;
	u8 *first, *past, *before;

	fx_platform(&fx, 16);
	first = epc(&fx, 0);
	past = (u8 *)((uintptr_t)first + platform_epc_pages(fx.plat) * SGX_PAGE_SIZE);
	before = (u8 *)((uintptr_t)first - SGX_PAGE_SIZE);
	ASSERT_FAULT(encls_eremove(fx.lp, past), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)past);
	ASSERT_FAULT(encls_eremove(fx.lp, before), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)before);
	/* The last page inside is fine. */
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, platform_epc_pages(fx.plat) - 1)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* ---- 4: page in use ----------------------------------------------------- */

/* SDM: IF (EPC page being referenced by another Intel SGX instruction) THEN
 * #GP(0) -- not reachable: the EPCM entry lock is held only inside another
 * leaf. */

/* ---- 5: "IF ((EPCM(DS:RCX).VALID = 0) ...) THEN GOTO DONE" -------------- */

/* SDM: IF (EPCM(DS:RCX).VALID = 0) THEN GOTO DONE -- an invalid page
 * "removes" successfully and stays free */
TEST(eremove, success_invalid_page)
{
	struct fx fx;

	fx_platform(&fx, 16);
	fx_secs_default(&fx);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: VALID = 0 -> DONE -- removing an already removed child again
 * succeeds and does not decrement the SECS's child count twice */
TEST(eremove, success_already_removed_child)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x1000, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	/* Page 2 still counts. */
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	platform_destroy(fx.plat);
}

/* SDM: (EPCM.PT = PT_TRIM and EPCM.MODIFIED = 0) -> DONE -- not reachable:
 * PT_TRIM pages need EMODT/EACCEPT (SGX2), not implemented. */

/* ---- 6: "IF ((EPCM.PT = PT_VA) ...) THEN EPCM.VALID := 0" --------------- */

/* SDM: IF (EPCM(DS:RCX).PT = PT_VA) THEN VALID := 0; GOTO DONE -- not
 * reachable: VA pages need EPA, not implemented. */

/* ---- 7: PT_SECS --------------------------------------------------------- */

/* SDM: IF (EPCM(DS:RCX).PT = PT_SECS) IF (DS:RCX has an EPC page associated
 * with it) THEN RFLAGS.ZF := 1; RAX := SGX_CHILD_PRESENT -- a REG child */
TEST(eremove, child_present)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	/* The SECS is untouched: it still takes EADD and EEXTEND. */
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x1000, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, epc(&fx, 1)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: SGX_CHILD_PRESENT -- a TCS child counts too */
TEST(eremove, child_present_tcs)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_TCS), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: SGX_CHILD_PRESENT while any child remains; success after the last */
TEST(eremove, child_present_until_last_child)
{
	struct fx fx;
	u64 i;

	fx_enclave(&fx, 16);
	for (i = 1; i <= 4; i++)
		ASSERT_STATUS(fx_eadd(&fx, i, i * SGX_PAGE_SIZE, FX_REG_RW), SGX_SUCCESS);
	for (i = 1; i <= 4; i++) {
		ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
		ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, i)), SGX_SUCCESS);
	}
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: SGX_CHILD_PRESENT counts only this SECS's pages -- another
 * enclave's children do not hold it */
TEST(eremove, child_present_per_enclave)
{
	struct fx fx;
	void *secs2;

	fx_enclave(&fx, 16);
	secs2 = epc(&fx, 8);
	ASSERT_STATUS(fx_ecreate_at(&fx, secs2), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, secs2), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	platform_destroy(fx.plat);
}

/* SDM: IF (VMX non-root and SECS.VIRTCHILDCNT ≠ 0) THEN SGX_CHILD_PRESENT --
 * not reachable: no VMX / EPC oversubscription extensions are emulated. */

/* SDM: PT_SECS without children: EPCM(DS:RCX).VALID := 0 -- the SECS is gone:
 * EADD against it is #PF(SECS), and the page takes a new ECREATE */
TEST(eremove, success_secs_without_children)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_FAULT(fx_eadd(&fx, 1, 0, FX_REG_RW), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)fx.secs);
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: PT_SECS: no SGX_ENCLAVE_ACT check, no initialized check -- an
 * initialized enclave's SECS is removed once it has no children */
TEST(eremove, success_initialized_secs)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_einit(&fx, NULL, 0), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* ---- 8: "IF (Other threads active using SECS) THEN SGX_ENCLAVE_ACT" ----- */

/* SDM: IF (other threads active using SECS) THEN RFLAGS.ZF := 1;
 * RAX := SGX_ENCLAVE_ACT -- not reachable: threads enter an enclave only
 * through ENCLU[EENTER], which the API does not offer. */

/* ---- 9: PT_REG / PT_TCS: "EPCM(DS:RCX).VALID := 0" ---------------------- */

/* SDM: IF (EPCM(DS:RCX).PT is PT_REG) THEN EPCM(DS:RCX).VALID := 0 -- the page
 * is invalid (EDBGRD #PF) and free (a new EADD succeeds) */
TEST(eremove, success_reg_page)
{
	struct fx fx;
	u64 v;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_FAULT(encls_edbgrd(fx.lp, epc(&fx, 1), &v), fx.lp, X86_VEC_PF);
	ASSERT_FAULT(encls_eextend(fx.lp, fx.secs, epc(&fx, 1)), fx.lp, X86_VEC_PF);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0x1000, FX_REG_RW), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF (EPCM(DS:RCX).PT is PT_TCS) THEN EPCM(DS:RCX).VALID := 0 */
TEST(eremove, success_tcs_page)
{
	struct fx fx;
	u64 v;

	fx_enclave(&fx, 16);
	memset(fx.page, 0, sizeof(fx.page));
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_TCS), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_FAULT(encls_edbgrd(fx.lp, epc(&fx, 1), &v), fx.lp, X86_VEC_PF);
	ASSERT_STATUS(fx_ecreate_at(&fx, epc(&fx, 1)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: no initialized check for REG pages -- a child of an initialized
 * enclave is removed */
TEST(eremove, success_child_of_initialized_enclave)
{
	struct fx fx;
	struct sgx_measure_eadd rec;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0x4000, FX_REG_RX), SGX_SUCCESS);
	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_EADD;
	rec.offset = 0x4000;
	rec.secinfo_flags = FX_REG_RX;
	ASSERT_STATUS(fx_einit(&fx, &rec, sizeof(rec)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: removing a child does not touch its SECS -- the enclave keeps taking
 * pages, and the page can join another enclave */
TEST(eremove, success_page_reusable_elsewhere)
{
	struct fx fx;
	void *secs2;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0, FX_REG_RW), SGX_SUCCESS);
	secs2 = epc(&fx, 8);
	ASSERT_STATUS(fx_ecreate_at(&fx, secs2), SGX_SUCCESS);
	fx.secs = secs2;
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eextend(fx.lp, secs2, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, secs2), SGX_CHILD_PRESENT);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, secs2), SGX_SUCCESS);
	platform_destroy(fx.plat);
}
