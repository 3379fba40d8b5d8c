// SPDX-License-Identifier: MIT
/*
 * ENCLS[EDBGRD] and ENCLS[EDBGWR] conformance, each in the order of the SDM
 * pseudocode (/work/notes/sdm/edbgrd.md, edbgwr.md).
 *
 * The emulated kernel runs in 64-bit mode (TMP_MODE64 = 1), so the 4-byte
 * alignment rows for 32-bit mode are not reachable.
 */
#include "fixture.h"

#define REG 1 /* a REG page at FX_BASE, filled by fill_page() */
#define TCS 2 /* a TCS at FX_BASE + 0x1000 */
#define SENTINEL 0x5e5e5e5e5e5e5e5eULL

static void *epc_at(struct fx *fx, u64 index, u64 off)
{
	return (u8 *)platform_epc_page(fx->plat, index) + off;
}

/* Byte i of the REG page is (u8)(i * 13 + 1). */
static void fill_page(struct fx *fx)
{
	unsigned int i;

	for (i = 0; i < sizeof(fx->page); i++)
		fx->page[i] = (u8)(i * 13 + 1);
}

static u64 page_qword(struct fx *fx, u64 off)
{
	u64 v;

	memcpy(&v, fx->page + off, sizeof(v));
	return v;
}

/* An enclave (debug or not) with the REG page and a TCS whose first
 * qwords after EADD are: STATE 0, FLAGS 0, OSSA 0x2000, CSSA 0 / NSSA 1,
 * OENTRY 0x40, AEP 0, OFSBASE 0x3000, OGSBASE 0x4000, FSLIMIT/GSLIMIT 0xFFF. */
static void setup(struct fx *fx, bool debug)
{
	struct sgx_tcs *tcs = (struct sgx_tcs *)(void *)fx->page;

	fx_platform(fx, 16);
	fx_secs_default(fx);
	if (!debug)
		fx->secs_src.attributes.flags &= ~SGX_ATTR_DEBUG;
	ASSERT_STATUS(fx_ecreate_at(fx, fx->secs), SGX_SUCCESS);
	memset(fx->page, 0, sizeof(fx->page));
	tcs->ossa = 0x2000;
	tcs->nssa = 1;
	tcs->oentry = 0x40;
	tcs->ofsbase = 0x3000;
	tcs->ogsbase = 0x4000;
	tcs->fslimit = 0xFFF;
	tcs->gslimit = 0xFFF;
	ASSERT_STATUS(fx_eadd(fx, TCS, 0x1000, FX_TCS), SGX_SUCCESS);
	fill_page(fx);
	ASSERT_STATUS(fx_eadd(fx, REG, 0, FX_REG_RW), SGX_SUCCESS);
}

/* The expected TCS qword at @off (< 72) after setup(). */
static u64 tcs_qword(u64 off)
{
	switch (off) {
	case 16:
		return 0x2000;
	case 24:
		return 1ULL << 32;
	case 32:
		return 0x40;
	case 48:
		return 0x3000;
	case 56:
		return 0x4000;
	case 64:
		return 0xFFFULL << 32 | 0xFFF;
	default:
		return 0;
	}
}

/* ======================= EDBGRD ========================================= */

/* SDM: IF ((TMP_MODE64 = 1) and (DS:RCX is not 8Byte Aligned)) THEN #GP(0) */
TEST(edbgrd, gp_not_8_aligned)
{
	static const u64 offs[] = { 1, 4, 7, 0xFFC };
	struct fx fx;
	unsigned int i;
	u64 v = SENTINEL;

	setup(&fx, true);
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		ASSERT_FAULT(encls_edbgrd(fx.lp, epc_at(&fx, REG, offs[i]), &v), fx.lp, X86_VEC_GP);
	ASSERT_EQ(v, SENTINEL);
	platform_destroy(fx.plat);
}

/* SDM: IF ((TMP_MODE64 = 0) and (DS:RCX is not 4Byte Aligned)) THEN #GP(0) --
 * not reachable: the emulated kernel always runs in 64-bit mode. */

/* SDM order: the alignment #GP (step 1) before the EPC #PF (step 3) */
TEST(edbgrd, order_gp_alignment_before_pf_not_in_epc)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	u64 v = SENTINEL;

	setup(&fx, true);
	ASSERT_FAULT(encls_edbgrd(fx.lp, host + 4, &v), fx.lp, X86_VEC_GP);
	ASSERT_EQ(v, SENTINEL);
	platform_destroy(fx.plat);
}

/* SDM: IF (DS:RCX does not resolve within an EPC) THEN #PF(DS:RCX) */
TEST(edbgrd, pf_not_in_epc)
{
	struct fx fx;
	static u8 host[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);
	u64 v = SENTINEL;

	setup(&fx, true);
	ASSERT_FAULT(encls_edbgrd(fx.lp, host + 0x28, &v), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)(host + 0x28));
	ASSERT_EQ(v, SENTINEL);
	platform_destroy(fx.plat);
}

/* SDM: IF (Other EPCM modifying instructions executing) THEN #GP(0) -- not
 * reachable: the EPCM entry is held exclusively only inside another leaf. */

/* SDM: IF (EPCM(DS:RCX).VALID = 0) THEN #PF(DS:RCX) */
TEST(edbgrd, pf_page_invalid)
{
	struct fx fx;
	u64 v = SENTINEL;

	setup(&fx, true);
	ASSERT_FAULT(encls_edbgrd(fx.lp, epc_at(&fx, 5, 0x108), &v), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc_at(&fx, 5, 0x108));
	ASSERT_EQ(v, SENTINEL);
	platform_destroy(fx.plat);
}

/* SDM: IF (EPCM(DS:RCX).PT ≠ PT_REG, PT_TCS or PT_VA) THEN #PF(DS:RCX) -- a SECS */
TEST(edbgrd, pf_page_secs)
{
	struct fx fx;
	u64 v = SENTINEL;

	setup(&fx, true);
	ASSERT_FAULT(encls_edbgrd(fx.lp, epc_at(&fx, 0, 0x30), &v), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc_at(&fx, 0, 0x30));
	ASSERT_EQ(v, SENTINEL);
	platform_destroy(fx.plat);
}

/* SDM order: the PT #PF (step 6) comes before the DEBUG #GP (step 9) -- the
 * SECS of a non-debug enclave is a #PF, not a #GP */
TEST(edbgrd, order_pf_secs_before_gp_not_debug)
{
	struct fx fx;
	u64 v = SENTINEL;

	setup(&fx, false);
	ASSERT_FAULT(encls_edbgrd(fx.lp, epc_at(&fx, 0, 0), &v), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc_at(&fx, 0, 0));
	platform_destroy(fx.plat);
}

/* PT_VA (readable, sanitized slot value, no DEBUG check) and PT_TRIM (#PF)
 * pages need EPA and EMODT, not implemented: those rows are not tested. */

/* SDM: IF ((EPCM(DS:RCX).PENDING ≠ 0 or EPCM(DS:RCX).MODIFIED ≠ 0)) THEN
 * RAX := SGX_PAGE_NOT_DEBUGGABLE (not_debuggable_pending/_modified) -- not
 * reachable: PENDING and MODIFIED pages need EAUG/EMODT (SGX2), not
 * implemented. */

/* SDM: IF ((EPCM(DS:RCX).PT = PT_TCS) and ((DS:RCX) & FF8H ≥ SGX_TCS_LIMIT))
 * THEN #GP(0) -- beyond the architectural TCS fields (72 bytes) */
TEST(edbgrd, gp_tcs_beyond_limit)
{
	static const u64 offs[] = { 72, 80, 0x800, 0xFF8 };
	struct fx fx;
	unsigned int i;
	u64 v = SENTINEL;

	setup(&fx, true);
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		ASSERT_FAULT(encls_edbgrd(fx.lp, epc_at(&fx, TCS, offs[i]), &v), fx.lp, X86_VEC_GP);
	ASSERT_EQ(v, SENTINEL);
	platform_destroy(fx.plat);
}

/* SDM: TCS reads below SGX_TCS_LIMIT pass and return the TCS fields */
TEST(edbgrd, success_tcs_fields)
{
	struct fx fx;
	u64 off, v;

	setup(&fx, true);
	for (off = 0; off < 72; off += 8) {
		ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, TCS, off), &v), SGX_SUCCESS);
		ASSERT_EQ(v, tcs_qword(off));
	}
	platform_destroy(fx.plat);
}

/* SDM: IF (TMP_SECS.ATTRIBUTES.DEBUG = 0) THEN #GP(0) -- a REG page */
TEST(edbgrd, gp_not_debug_enclave)
{
	struct fx fx;
	u64 v = SENTINEL;

	setup(&fx, false);
	ASSERT_FAULT(encls_edbgrd(fx.lp, epc_at(&fx, REG, 0), &v), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_edbgrd(fx.lp, epc_at(&fx, REG, 0xFF8), &v), fx.lp, X86_VEC_GP);
	ASSERT_EQ(v, SENTINEL);
	platform_destroy(fx.plat);
}

/* SDM: IF (TMP_SECS.ATTRIBUTES.DEBUG = 0) THEN #GP(0) -- a TCS page */
TEST(edbgrd, gp_not_debug_enclave_tcs)
{
	struct fx fx;
	u64 v = SENTINEL;

	setup(&fx, false);
	ASSERT_FAULT(encls_edbgrd(fx.lp, epc_at(&fx, TCS, 8), &v), fx.lp, X86_VEC_GP);
	ASSERT_EQ(v, SENTINEL);
	platform_destroy(fx.plat);
}

/* SDM: RBX[63:0] := (DS:RCX)[63:0]; RAX := 0 -- every qword of a REG page */
TEST(edbgrd, success_reads_page)
{
	struct fx fx;
	u64 off, v;

	setup(&fx, true);
	for (off = 0; off < SGX_PAGE_SIZE; off += 8) {
		ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, REG, off), &v), SGX_SUCCESS);
		ASSERT_EQ(v, page_qword(&fx, off));
	}
	platform_destroy(fx.plat);
}

/* SDM: EPCM RWX are ignored -- a REG page with no permissions is readable */
TEST(edbgrd, success_ignores_epcm_permissions)
{
	struct fx fx;
	u64 v;

	setup(&fx, true);
	ASSERT_STATUS(fx_eadd(&fx, 3, 0x2000, (u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT),
		      SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, 3, 0x40), &v), SGX_SUCCESS);
	ASSERT_EQ(v, page_qword(&fx, 0x40));
	platform_destroy(fx.plat);
}

/* SDM: no initialized check -- an initialized debug enclave stays readable */
TEST(edbgrd, success_initialized_enclave)
{
	struct fx fx;
	struct sgx_measure_eadd rec[2];
	u64 v;

	setup(&fx, true);
	memset(rec, 0, sizeof(rec));
	rec[0].tag = SGX_MEASURE_EADD;
	rec[0].offset = 0x1000;
	rec[0].secinfo_flags = FX_TCS;
	rec[1].tag = SGX_MEASURE_EADD;
	rec[1].secinfo_flags = FX_REG_RW;
	ASSERT_STATUS(fx_einit(&fx, rec, sizeof(rec)), SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, REG, 0x100), &v), SGX_SUCCESS);
	ASSERT_EQ(v, page_qword(&fx, 0x100));
	platform_destroy(fx.plat);
}

/* ======================= EDBGWR ========================================= */

/* SDM: IF ((TMP_MODE64 = 1) and (DS:RCX is not 8Byte Aligned)) THEN #GP(0) --
 * and nothing is written */
TEST(edbgwr, gp_not_8_aligned)
{
	static const u64 offs[] = { 1, 4, 0x104 };
	struct fx fx;
	unsigned int i;
	u64 v;

	setup(&fx, true);
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		ASSERT_FAULT(encls_edbgwr(fx.lp, epc_at(&fx, REG, offs[i]), SENTINEL), fx.lp,
			     X86_VEC_GP);
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, REG, 0), &v), SGX_SUCCESS);
	ASSERT_EQ(v, page_qword(&fx, 0));
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, REG, 0x100), &v), SGX_SUCCESS);
	ASSERT_EQ(v, page_qword(&fx, 0x100));
	platform_destroy(fx.plat);
}

/* SDM: IF ((TMP_MODE64 = 0) and (DS:RCX is not 4Byte Aligned)) THEN #GP(0) --
 * not reachable: the emulated kernel always runs in 64-bit mode. */

/* SDM: IF (DS:RCX does not resolve within an EPC) THEN #PF(DS:RCX) */
TEST(edbgwr, pf_not_in_epc)
{
	struct fx fx;
	static u64 host[SGX_PAGE_SIZE / 8] __aligned(SGX_PAGE_SIZE);

	setup(&fx, true);
	ASSERT_FAULT(encls_edbgwr(fx.lp, &host[3], SENTINEL), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)&host[3]);
	ASSERT_EQ(host[3], 0);
	platform_destroy(fx.plat);
}

/* SDM: IF (Other EPCM modifying instructions executing) THEN #GP(0) -- not
 * reachable: the EPCM entry is held exclusively only inside another leaf. */

/* SDM: IF (EPCM(DS:RCX).VALID = 0) THEN #PF(DS:RCX) -- and the page stays
 * invalid and free */
TEST(edbgwr, pf_page_invalid)
{
	struct fx fx;

	setup(&fx, true);
	ASSERT_FAULT(encls_edbgwr(fx.lp, epc_at(&fx, 5, 0x10), SENTINEL), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc_at(&fx, 5, 0x10));
	ASSERT_STATUS(fx_eadd(&fx, 5, 0x3000, FX_REG_RW), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF (EPCM(DS:RCX).PT ≠ PT_REG or PT_TCS) THEN #PF(DS:RCX) -- a SECS; the
 * enclave is unharmed (same MRENCLAVE, still takes pages) */
TEST(edbgwr, pf_page_secs)
{
	struct fx fx;
	struct sgx_measure_eadd rec[3];

	setup(&fx, true);
	ASSERT_FAULT(encls_edbgwr(fx.lp, epc_at(&fx, 0, 0), 0), fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(fx.lp)->addr, (u64)(uintptr_t)epc_at(&fx, 0, 0));
	/* ATTRIBUTES.FLAGS: setting INIT here must not have happened. */
	ASSERT_FAULT(encls_edbgwr(fx.lp, epc_at(&fx, 0, 48), SGX_ATTR_INIT | SGX_ATTR_DEBUG |
				  SGX_ATTR_MODE64BIT), fx.lp, X86_VEC_PF);
	ASSERT_STATUS(fx_eadd(&fx, 3, 0x2000, FX_REG_RW), SGX_SUCCESS);
	memset(rec, 0, sizeof(rec));
	rec[0].tag = SGX_MEASURE_EADD;
	rec[0].offset = 0x1000;
	rec[0].secinfo_flags = FX_TCS;
	rec[1].tag = SGX_MEASURE_EADD;
	rec[1].secinfo_flags = FX_REG_RW;
	rec[2].tag = SGX_MEASURE_EADD;
	rec[2].offset = 0x2000;
	rec[2].secinfo_flags = FX_REG_RW;
	ASSERT_STATUS(fx_einit(&fx, rec, sizeof(rec)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* PT_VA and PT_TRIM pages (#PF(DS:RCX)) need EPA and EMODT, not implemented:
 * those rows are not tested. */

/* SDM: IF ((EPCM(DS:RCX).PENDING ≠ 0 or EPCM(DS:RCX).MODIFIED ≠ 0)) THEN
 * RAX := SGX_PAGE_NOT_DEBUGGABLE (not_debuggable_pending/_modified) -- not
 * reachable: needs EAUG/EMODT (SGX2), not implemented. */

/* SDM: IF ((EPCM(DS:RCX).PT = PT_TCS) and ((DS:RCX) & FF8H ≠ offset_of_FLAGS &
 * 0FF8H)) THEN #GP(0) -- and the TCS is unchanged */
TEST(edbgwr, gp_tcs_not_flags)
{
	static const u64 offs[] = { 0, 16, 24, 40, 64, 72, 0x808, 0xFF8 };
	struct fx fx;
	unsigned int i;
	u64 off, v;

	setup(&fx, true);
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		ASSERT_FAULT(encls_edbgwr(fx.lp, epc_at(&fx, TCS, offs[i]), SENTINEL), fx.lp,
			     X86_VEC_GP);
	for (off = 0; off < 72; off += 8) {
		ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, TCS, off), &v), SGX_SUCCESS);
		ASSERT_EQ(v, tcs_qword(off));
	}
	platform_destroy(fx.plat);
}

/* SDM: the TCS FLAGS field (offset 8) is writable, the whole qword, and
 * EDBGRD reads it back */
TEST(edbgwr, success_tcs_flags)
{
	struct fx fx;
	u64 v;

	setup(&fx, true);
	ASSERT_STATUS(encls_edbgwr(fx.lp, epc_at(&fx, TCS, 8), SGX_TCS_DBGOPTIN), SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, TCS, 8), &v), SGX_SUCCESS);
	ASSERT_EQ(v, SGX_TCS_DBGOPTIN);
	/* Reserved FLAGS bits are not checked. */
	ASSERT_STATUS(encls_edbgwr(fx.lp, epc_at(&fx, TCS, 8), 1ULL << 40), SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, TCS, 8), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 1ULL << 40);
	/* Neighbours untouched. */
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, TCS, 0), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0);
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, TCS, 16), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0x2000);
	platform_destroy(fx.plat);
}

/* SDM: IF (TMP_SECS.ATTRIBUTES.DEBUG = 0) THEN #GP(0) -- a REG page; nothing
 * is written (EEXTEND then measures the original bytes) */
TEST(edbgwr, gp_not_debug_enclave)
{
	struct fx fx;
	struct {
		struct sgx_measure_eadd eadd[2];
		struct sgx_measure_eextend ext;
		u8 data[SGX_EEXTEND_CHUNK];
	} m;

	setup(&fx, false);
	ASSERT_FAULT(encls_edbgwr(fx.lp, epc_at(&fx, REG, 0x10), SENTINEL), fx.lp, X86_VEC_GP);
	ASSERT_STATUS(encls_eextend(fx.lp, fx.secs, epc_at(&fx, REG, 0)), SGX_SUCCESS);
	memset(&m, 0, sizeof(m));
	m.eadd[0].tag = SGX_MEASURE_EADD;
	m.eadd[0].offset = 0x1000;
	m.eadd[0].secinfo_flags = FX_TCS;
	m.eadd[1].tag = SGX_MEASURE_EADD;
	m.eadd[1].secinfo_flags = FX_REG_RW;
	m.ext.tag = SGX_MEASURE_EEXTEND;
	memcpy(m.data, fx.page, sizeof(m.data));
	ASSERT_STATUS(fx_einit(&fx, &m, sizeof(m)), SGX_SUCCESS);
	platform_destroy(fx.plat);
}

/* SDM: IF (TMP_SECS.ATTRIBUTES.DEBUG = 0) THEN #GP(0) -- also a TCS's FLAGS */
TEST(edbgwr, gp_not_debug_enclave_tcs_flags)
{
	struct fx fx;

	setup(&fx, false);
	ASSERT_FAULT(encls_edbgwr(fx.lp, epc_at(&fx, TCS, 8), SGX_TCS_DBGOPTIN), fx.lp,
		     X86_VEC_GP);
	platform_destroy(fx.plat);
}

/* SDM: (DS:RCX)[63:0] := RBX[63:0]; RAX := 0 -- EDBGRD reads back what
 * EDBGWR wrote, and only that qword changed */
TEST(edbgwr, success_edbgrd_reads_back)
{
	struct fx fx;
	u64 off, v;

	setup(&fx, true);
	ASSERT_STATUS(encls_edbgwr(fx.lp, epc_at(&fx, REG, 0x208), 0xfeedfacecafef00dULL),
		      SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgwr(fx.lp, epc_at(&fx, REG, 0xFF8), 0), SGX_SUCCESS);
	for (off = 0x1F8; off <= 0x218; off += 8) {
		ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, REG, off), &v), SGX_SUCCESS);
		ASSERT_EQ(v, off == 0x208 ? 0xfeedfacecafef00dULL : page_qword(&fx, off));
	}
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, REG, 0xFF8), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 0);
	platform_destroy(fx.plat);
}

/* SDM: EPCM RWX are ignored -- R-only and X-only pages are writable */
TEST(edbgwr, success_ignores_epcm_permissions)
{
	struct fx fx;
	u64 v;

	setup(&fx, true);
	ASSERT_STATUS(fx_eadd(&fx, 3, 0x2000, ((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) |
					       SGX_SECINFO_R),
		      SGX_SUCCESS);
	ASSERT_STATUS(fx_eadd(&fx, 4, 0x3000, ((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) |
					       SGX_SECINFO_X),
		      SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgwr(fx.lp, epc_at(&fx, 3, 0), 11), SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgwr(fx.lp, epc_at(&fx, 4, 0), 22), SGX_SUCCESS);
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, 3, 0), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 11);
	ASSERT_STATUS(encls_edbgrd(fx.lp, epc_at(&fx, 4, 0), &v), SGX_SUCCESS);
	ASSERT_EQ(v, 22);
	platform_destroy(fx.plat);
}

/* SDM: EDBGWR changes neither the EPCM nor MRENCLAVE -- EINIT still matches
 * the EADD-only measurement and the page is still a REG child */
TEST(edbgwr, success_no_measurement_change)
{
	struct fx fx;
	struct sgx_measure_eadd rec[2];

	setup(&fx, true);
	ASSERT_STATUS(encls_edbgwr(fx.lp, epc_at(&fx, REG, 0), 1), SGX_SUCCESS);
	memset(rec, 0, sizeof(rec));
	rec[0].tag = SGX_MEASURE_EADD;
	rec[0].offset = 0x1000;
	rec[0].secinfo_flags = FX_TCS;
	rec[1].tag = SGX_MEASURE_EADD;
	rec[1].secinfo_flags = FX_REG_RW;
	ASSERT_STATUS(fx_einit(&fx, rec, sizeof(rec)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	platform_destroy(fx.plat);
}
