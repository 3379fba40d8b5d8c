// SPDX-License-Identifier: MIT
/*
 * ENCLS[EEXTEND] conformance, in the order of the SDM pseudocode
 * (/work/notes/sdm/eextend.md).  Every enclave here has one REG page,
 * EADDed at FX_BASE into EPC page TARGET; failing cases check that
 * MRENCLAVE did not move (EINIT still matches ECREATE + that EADD).
 */
#include "fixture.h"

#define TARGET 1
#define OTHER_SECS 8 /* EPC page for a second enclave */

static void *epc(struct fx *fx, u64 index)
{
	return platform_epc_page(fx->plat, index);
}

static void *chunk(struct fx *fx, u64 index, u64 off)
{
	return (u8 *)epc(fx, index) + off;
}

/* The default enclave with one zeroed REG page at offset 0 in TARGET. */
static void setup(struct fx *fx)
{
	fx_enclave(fx, 16);
	memset(fx->page, 0, sizeof(fx->page));
	ASSERT_STATUS(fx_eadd(fx, TARGET, 0, FX_REG_RW), SGX_SUCCESS);
}

/* MRENCLAVE is still ECREATE + the EADD of setup(): no EEXTEND counted.
 * Destroys the platform. */
static void assert_mr_unchanged(struct fx *fx)
{
	struct sgx_measure_eadd rec;

	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_EADD;
	rec.secinfo_flags = FX_REG_RW;
	ASSERT_STATUS(fx_einit(fx, &rec, sizeof(rec)), SGX_SUCCESS);
	platform_destroy(fx->plat);
}

/* ---- 1, 2: RBX (the SECS) ----------------------------------------------- */

/* SDM: IF (DS:RBX is not 4096 Byte Aligned) THEN #GP(0) */
TEST(eextend, gp_secs_not_4k_aligned)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_eextend(fx.lp, (u8 *)fx.secs + 8, chunk(&fx, TARGET, 0)), fx.lp,
		     X86_VEC_GP);
	assert_mr_unchanged(&fx);
}

/* SDM: IF (DS:RBX does not resolve to an EPC page) THEN #PF(DS:RBX) */
TEST(eextend, pf_secs_not_in_epc)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	setup(&fx);
	ASSERT_FAULT(encls_eextend(fx.lp, host, chunk(&fx, TARGET, 0)), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	assert_mr_unchanged(&fx);
}

/* SDM order: #PF(DS:RBX) (step 2) before the RCX alignment #GP (step 3) */
TEST(eextend, order_pf_secs_before_gp_addr_alignment)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	setup(&fx);
	ASSERT_FAULT(encls_eextend(fx.lp, host, chunk(&fx, TARGET, 8)), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)host);
	platform_destroy(fx.plat);
}

/* ---- 3, 4: RCX (the chunk) ---------------------------------------------- */

/* SDM: IF (DS:RCX is not 256Byte Aligned) THEN #GP(0) */
TEST(eextend, gp_addr_not_256_aligned)
{
	static const u64 offs[] = { 8, 128, 255, 0x1F0 };
	struct fx fx;
	unsigned int i;

	setup(&fx);
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		ASSERT_FAULT(encls_eextend(fx.lp, fx.secs, chunk(&fx, TARGET, offs[i])), fx.lp,
			     X86_VEC_GP);
	assert_mr_unchanged(&fx);
}

/* SDM: IF (DS:RCX does not resolve within an EPC) THEN #PF(DS:RCX) */
TEST(eextend, pf_addr_not_in_epc)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

	setup(&fx);
	ASSERT_FAULT(encls_eextend(fx.lp, fx.secs, host + 0x300), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)(host + 0x300));
	assert_mr_unchanged(&fx);
}

/* SDM: IF (Other instructions accessing EPCM) THEN #GP(0) -- not reachable:
 * the EPCM entry is held exclusively only inside another leaf. */

/* ---- 6: "IF (EPCM(DS:RCX).VALID = 0) THEN #PF(DS:RCX)" ------------------ */

/* SDM: IF (EPCM(DS:RCX).VALID = 0) THEN #PF(DS:RCX) -- a never-used page */
TEST(eextend, pf_addr_page_invalid)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_eextend(fx.lp, fx.secs, chunk(&fx, 5, 0x200)), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)chunk(&fx, 5, 0x200));
	assert_mr_unchanged(&fx);
}

/* SDM: IF (EPCM(DS:RCX).VALID = 0) THEN #PF(DS:RCX) -- a page EREMOVE freed */
TEST(eextend, pf_addr_page_removed)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x1000, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, epc(&fx, 2)), SGX_SUCCESS);
	ASSERT_FAULT(encls_eextend(fx.lp, fx.secs, epc(&fx, 2)), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, 2));
	platform_destroy(fx.plat);
}

/* SDM order: the VALID #PF (step 6) before the SECS-mismatch #GP (step 8) */
TEST(eextend, order_pf_invalid_before_gp_secs_mismatch)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_eextend(fx.lp, epc(&fx, TARGET), epc(&fx, 5)), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc(&fx, 5));
	platform_destroy(fx.plat);
}

/* ---- 7: "IF (EPCM(DS:RCX).PT is not PT_REG or PT_TCS) THEN #PF(DS:RCX)" -- */

/* SDM: IF (EPCM(DS:RCX).PT ≠ PT_REG and ≠ PT_TCS) THEN #PF(DS:RCX) -- a SECS */
TEST(eextend, pf_addr_page_secs)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_eextend(fx.lp, fx.secs, chunk(&fx, 0, 0x100)), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)chunk(&fx, 0, 0x100));
	assert_mr_unchanged(&fx);
}

/* PT_VA (needs EPA) and PT_TRIM (needs EMODT) pages cannot be made through
 * the API yet, so their #PF(DS:RCX) rows are not tested. */

/* SDM order: the PT #PF (step 7) before the SECS-mismatch #GP (step 8) */
TEST(eextend, order_pf_type_before_gp_secs_mismatch)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_eextend(fx.lp, epc(&fx, TARGET), fx.secs), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)fx.secs);
	platform_destroy(fx.plat);
}

/* ---- 8: "IF (DS:RBX does not resolve to TMP_SECS) THEN #GP(0)" ----------- */

/* SDM: IF (DS:RBX does not resolve to TMP_SECS) THEN #GP(0) -- another enclave's SECS */
TEST(eextend, gp_secs_of_other_enclave)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(fx_ecreate_at(&fx, epc(&fx, OTHER_SECS)), SGX_SUCCESS);
	ASSERT_FAULT(encls_eextend(fx.lp, epc(&fx, OTHER_SECS), chunk(&fx, TARGET, 0)), fx.lp,
		     X86_VEC_GP);
	assert_mr_unchanged(&fx);
}

/* SDM: IF (DS:RBX does not resolve to TMP_SECS) THEN #GP(0) -- RBX is a REG page */
TEST(eextend, gp_secs_is_reg_page)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x1000, FX_REG_RW), SGX_SUCCESS);
	ASSERT_FAULT(encls_eextend(fx.lp, epc(&fx, 2), chunk(&fx, TARGET, 0)), fx.lp, X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:RBX does not resolve to TMP_SECS) THEN #GP(0) -- RBX is an
 * invalid EPC page (no EPCM check on RBX: a mismatch, not a #PF) */
TEST(eextend, gp_secs_is_invalid_page)
{
	struct fx fx;

	setup(&fx);
	ASSERT_FAULT(encls_eextend(fx.lp, epc(&fx, 5), chunk(&fx, TARGET, 0)), fx.lp, X86_VEC_GP);
	assert_mr_unchanged(&fx);
}

/* SDM: RBX must be the SECS the page was EADDed with -- the other enclave's
 * own page extends fine against its own SECS only */
TEST(eextend, success_each_page_against_its_secs)
{
	struct fx fx;

	setup(&fx);
	fx.secs = epc(&fx, OTHER_SECS);
	ASSERT_STATUS(fx_ecreate_at(&fx, fx.secs), SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0, FX_REG_RW), SGX_SUCCESS);
	fx.secs = epc(&fx, 0);
	ASSERT_STATUS(encls_eextend(fx.lp, epc(&fx, OTHER_SECS), epc(&fx, 2)), SGX_SUCCESS);
	ASSERT_FAULT(encls_eextend(fx.lp, fx.secs, epc(&fx, 2)), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_eextend(fx.lp, epc(&fx, OTHER_SECS), epc(&fx, TARGET)), fx.lp,
		     X86_VEC_GP);
	assert_mr_unchanged(&fx);
}

/* ---- 9, 10: MRENCLAVE busy, enclave initialized ------------------------- */

/* SDM: IF ((Other instruction accessing MRENCLAVE) or (Other instructions
 * checking or updating the initialized state of the SECS)) THEN #GP(0) --
 * not reachable: that lock is held only inside another EADD/EEXTEND/EINIT. */

/* SDM (description, #GP list): "If the enclave is already initialized" #GP(0) */
TEST(eextend, gp_enclave_initialized)
{
	struct fx fx;
	struct sgx_measure_eadd rec;

	setup(&fx);
	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_EADD;
	rec.secinfo_flags = FX_REG_RW;
	ASSERT_STATUS(fx_einit(&fx, &rec, sizeof(rec)), SGX_SUCCESS);
	ASSERT_FAULT(encls_eextend(fx.lp, fx.secs, chunk(&fx, TARGET, 0)), fx.lp, X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* ---- success effects ---------------------------------------------------- */

/* SDM: every 256-byte chunk of a REG page (RCX & 0FFFH = 0 .. F00H) passes */
TEST(eextend, success_every_chunk)
{
	struct fx fx;
	u64 off;

	setup(&fx);
	for (off = 0; off < SGX_PAGE_SIZE; off += SGX_EEXTEND_CHUNK)
		ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, chunk(&fx, TARGET, off)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: EPCM(DS:RCX).PT = PT_TCS passes */
TEST(eextend, success_tcs_page)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x1000, FX_TCS), SGX_SUCCESS);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, chunk(&fx, 2, 0xF00)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: EEXTEND ignores EPCM RWX -- a page with no permissions passes */
TEST(eextend, success_page_without_permissions)
{
	struct fx fx;

	setup(&fx);
	ASSERT_STATUS(fx_eadd(&fx, 2, 0x1000, (u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT),
		      SGX_SUCCESS);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, epc(&fx, 2)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

struct eextend_measure {
	struct sgx_measure_eadd eadd;
	struct sgx_measure_eextend ext;
	u8 data[SGX_EEXTEND_CHUNK];
};

/* SDM: TMP_ENCLAVEOFFSET := EPCM(DS:RCX).ENCLAVEADDRESS - BASEADDR + (RCX &
 * 0FFFH); MRENCLAVE := SHA256UPDATE("EEXTEND", offset, 0...) then the 256
 * data bytes -- EINIT accepts exactly that hash */
TEST(eextend, success_measurement)
{
	struct fx fx;
	struct eextend_measure m;
	unsigned int i;

	fx_enclave(&fx, 16);
	for (i = 0; i < sizeof(fx.page); i++)
		fx.page[i] = (u8)(i ^ (i >> 8));
	ASSERT_STATUS(fx_eadd(&fx, 3, 0x7000, FX_REG_RX), SGX_SUCCESS);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, chunk(&fx, 3, 0x300)), SGX_SUCCESS);

	memset(&m, 0, sizeof(m));
	m.eadd.tag = SGX_MEASURE_EADD;
	m.eadd.offset = 0x7000;
	m.eadd.secinfo_flags = FX_REG_RX;
	m.ext.tag = SGX_MEASURE_EEXTEND;
	m.ext.offset = 0x7000;
	memcpy(m.data, fx.page + 0x300, sizeof(m.data));
	/* Without the in-page offset the hash is wrong. */
	ASSERT_STATUS(fx_einit(&fx, &m, sizeof(m)), SGX_INVALID_MEASUREMENT);
	m.ext.offset = 0x7300;
	ASSERT_STATUS(fx_einit(&fx, &m, sizeof(m)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: the data is read from the EPC page as it is now -- a qword EDBGWR
 * wrote before EEXTEND is what gets measured */
TEST(eextend, success_measures_current_contents)
{
	struct fx fx;
	struct eextend_measure m;
	u64 val = 0x0123456789abcdefULL;

	setup(&fx);
	ASSERT_STATUS(encls_edbgwr(fx.lp, chunk(&fx, TARGET, 0x108), val), SGX_SUCCESS);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, chunk(&fx, TARGET, 0x100)), SGX_SUCCESS);
	memset(&m, 0, sizeof(m));
	m.eadd.tag = SGX_MEASURE_EADD;
	m.eadd.secinfo_flags = FX_REG_RW;
	m.ext.tag = SGX_MEASURE_EEXTEND;
	m.ext.offset = 0x100;
	ASSERT_STATUS(fx_einit(&fx, &m, sizeof(m)), SGX_INVALID_MEASUREMENT);
	memcpy(m.data + 8, &val, sizeof(val));
	ASSERT_STATUS(fx_einit(&fx, &m, sizeof(m)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: EEXTEND changes nothing but MRENCLAVE -- the page contents and its
 * EPCM entry are as before */
TEST(eextend, success_page_unchanged)
{
	struct fx fx;
	u64 v;

	fx_enclave(&fx, 16);
	memset(fx.page, 0x5A, sizeof(fx.page));
	ASSERT_STATUS(fx_eadd(&fx, TARGET, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, chunk(&fx, TARGET, 0)), SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgrd(fx.lp, chunk(&fx, TARGET, 0x10), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0x5A5A5A5A5A5A5A5AULL);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, chunk(&fx, TARGET, 0)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	platform_destroy(fx.plat);
}
