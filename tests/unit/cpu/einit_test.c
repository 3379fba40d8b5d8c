// SPDX-License-Identifier: MIT
/*
 * EINIT conformance: SIGSTRUCT checks in the SDM's order, launch control
 * with and without an EINITTOKEN, and the effects of a successful EINIT.
 */
#include <stdlib.h>

#include "cpu/crypto.h"
#include "cpu/sigstruct.h"
#include "fixture.h"

#ifndef TEST_DATA
#define TEST_DATA "tests/data"
#endif

struct ei {
	struct fx fx;
	struct crypto_rsa_key *key;
	struct sgx_sigstruct sig __aligned(4096);
	struct sgx_einittoken token __aligned(512);
	u8 mrenclave[32];
	u8 mrsigner[32];
};

static struct crypto_rsa_key *load_key(const char *name)
{
	struct crypto_rsa_key *key;
	char path[512], why[256];

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, name);
	if (crypto_rsa_key_load(path, &key, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "%s: %s", path, why);
	return key;
}

/* An independent MRENCLAVE: the records hashed here by hand. */
static void expected_mrenclave(const u8 *tcs, const u8 *reg, u8 out[32])
{
	struct crypto_sha256 ctx;
	u8 rec[64];
	u64 v;
	int i;

	crypto_sha256_init(&ctx);
	memset(rec, 0, 64);
	memcpy(rec, "ECREATE", 8);
	v = 1;
	memcpy(rec + 8, &v, 4);
	v = FX_SIZE;
	memcpy(rec + 12, &v, 8);
	crypto_sha256_update(&ctx, rec, 64);
	/* TCS at offset 0: flags 0x100 (the CPU clears a TCS's RWX). */
	memset(rec, 0, 64);
	memcpy(rec, "EADD", 4);
	v = 0x100;
	memcpy(rec + 16, &v, 8);
	crypto_sha256_update(&ctx, rec, 64);
	for (i = 0; i < 16; i++) {
		memset(rec, 0, 64);
		memcpy(rec, "EEXTEND", 7);
		v = (u64)i * 256;
		memcpy(rec + 8, &v, 8);
		crypto_sha256_update(&ctx, rec, 64);
		crypto_sha256_update(&ctx, tcs + i * 256, 256);
	}
	/* REG RW at offset 0x1000, measured. */
	memset(rec, 0, 64);
	memcpy(rec, "EADD", 4);
	v = 0x1000;
	memcpy(rec + 8, &v, 8);
	v = FX_REG_RW;
	memcpy(rec + 16, &v, 8);
	crypto_sha256_update(&ctx, rec, 64);
	for (i = 0; i < 16; i++) {
		memset(rec, 0, 64);
		memcpy(rec, "EEXTEND", 7);
		v = 0x1000 + (u64)i * 256;
		memcpy(rec + 8, &v, 8);
		crypto_sha256_update(&ctx, rec, 64);
		crypto_sha256_update(&ctx, reg + i * 256, 256);
	}
	crypto_sha256_final(&ctx, out);
}

static void extend_page(struct ei *e, u64 index)
{
	u8 *epc = platform_epc_page(e->fx.plat, index);
	int i;

	for (i = 0; i < 16; i++)
		ASSERT_STATUS(encls_eextend(e->fx.lp, e->fx.secs, epc + i * 256), SGX_SUCCESS);
}

/* Build a two-page enclave (a TCS and a RW page) and an unsigned SIGSTRUCT. */
static void build(struct ei *e, u64 secs_flags)
{
	static u8 tcs[4096], reg[4096];
	struct sgx_tcs *t = (struct sgx_tcs *)(void *)tcs;
	int i;

	memset(e, 0, sizeof(*e));
	fx_platform(&e->fx, 32);
	fx_secs_default(&e->fx);
	e->fx.secs_src.attributes.flags = secs_flags;
	ASSERT_STATUS(fx_ecreate_at(&e->fx, e->fx.secs), SGX_SUCCESS);
	memset(tcs, 0, sizeof(tcs));
	t->ossa = 0x2000;
	t->nssa = 1;
	t->oentry = 0x1000;
	t->fslimit = t->gslimit = 0xFFFFFFFF;
	for (i = 0; i < 4096; i++)
		reg[i] = (u8)(i * 7 + 3);
	memcpy(e->fx.page, tcs, 4096);
	ASSERT_STATUS(fx_eadd(&e->fx, 1, 0, FX_TCS), SGX_SUCCESS);
	extend_page(e, 1);
	memcpy(e->fx.page, reg, 4096);
	ASSERT_STATUS(fx_eadd(&e->fx, 2, 0x1000, FX_REG_RW), SGX_SUCCESS);
	extend_page(e, 2);
	expected_mrenclave(tcs, reg, e->mrenclave);

	e->key = load_key("signing-key.pem");
	e->sig.attributes.flags = secs_flags;
	e->sig.attributes.xfrm = 3;
	e->sig.attributemask.flags = ~0ULL;
	e->sig.attributemask.xfrm = ~0ULL;
	e->sig.miscmask = ~0U;
	e->sig.isvprodid = 7;
	e->sig.isvsvn = 3;
	memcpy(e->sig.enclavehash, e->mrenclave, 32);
}

static void sign(struct ei *e)
{
	ASSERT_EQ(sigstruct_sign(&e->sig, e->key), 0);
	crypto_sha256(e->sig.modulus, sizeof(e->sig.modulus), e->mrsigner);
}

static void set_lehash(struct lp *lp, const u8 hash[32])
{
	u64 v;
	u32 i;

	for (i = 0; i < 4; i++) {
		memcpy(&v, hash + 8 * i, 8);
		ASSERT_EQ(lp_wrmsr(lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, v), 0);
	}
}

static int einit(struct ei *e)
{
	return encls_einit(e->fx.lp, &e->sig, e->fx.secs, &e->token);
}

/* A signed, launchable enclave: the LP's hash is the enclave's signer. */
static void ready(struct ei *e, u64 flags)
{
	build(e, flags);
	sign(e);
	set_lehash(e->fx.lp, e->mrsigner);
}

#define DEFAULT_FLAGS (SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG)

TEST(einit, success_sets_identity)
{
	struct ei e;
	u64 v;

	ready(&e, DEFAULT_FLAGS);
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
	/* Initialized: no more EADD or EEXTEND (SDM EADD/EEXTEND: #GP(0)). */
	ASSERT_FAULT(fx_eadd(&e.fx, 3, 0x2000, FX_REG_RW), e.fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_eextend(e.fx.lp, e.fx.secs, platform_epc_page(e.fx.plat, 2)), e.fx.lp,
		     X86_VEC_GP);
	/* A second EINIT: "IF (SECS already initialized) THEN #GP(0)". */
	ASSERT_FAULT(einit(&e), e.fx.lp, X86_VEC_GP);
	/* The enclave runs in debug mode: EDBGRD sees the measured content. */
	ASSERT_STATUS(encls_edbgrd(e.fx.lp, platform_epc_page(e.fx.plat, 2), &v), SGX_SUCCESS);
	ASSERT_EQ(v & 0xFF, 3);
}

/* SDM EINIT: "IF (TMP_SIG.HEADER ≠ ...)": SGX_INVALID_SIG_STRUCT. */
TEST(einit, bad_header)
{
	struct ei e;

	ready(&e, DEFAULT_FLAGS);
	e.sig.header[3] ^= 1;
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIG_STRUCT);
}

TEST(einit, bad_header2)
{
	struct ei e;

	ready(&e, DEFAULT_FLAGS);
	e.sig.header2[0] ^= 0x80;
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIG_STRUCT);
}

/* "(TMP_SIG.VENDOR ≠ 0) and (TMP_SIG.VENDOR ≠ 00008086H)". */
TEST(einit, bad_vendor)
{
	struct ei e;

	build(&e, DEFAULT_FLAGS);
	e.sig.vendor = 0x1234;
	sign(&e);
	set_lehash(e.fx.lp, e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIG_STRUCT);
	e.sig.vendor = SGX_SIGSTRUCT_VENDOR_INTEL;
	sign(&e);
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

TEST(einit, bad_exponent)
{
	struct ei e;

	ready(&e, DEFAULT_FLAGS);
	e.sig.exponent = 65537;
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIG_STRUCT);
}

/* "(Reserved space is not 0's)", in every reserved range. */
TEST(einit, reserved_not_zero)
{
	u8 *fields[5];
	struct ei e;
	int i;

	ready(&e, DEFAULT_FLAGS);
	fields[0] = &e.sig.reserved1[83];
	fields[1] = &e.sig.reserved2[1];
	fields[2] = &e.sig.reserved3[0];
	fields[3] = &e.sig.reserved4[11];
	fields[4] = &e.sig.cet_attributes;
	for (i = 0; i < 5; i++) {
		*fields[i] = 1;
		ASSERT_STATUS(einit(&e), SGX_INVALID_SIG_STRUCT);
		*fields[i] = 0;
	}
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

/* The header check comes before the signature check. */
TEST(einit, header_checked_before_signature)
{
	struct ei e;

	ready(&e, DEFAULT_FLAGS);
	e.sig.signature[0] ^= 1;
	e.sig.exponent = 5;
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIG_STRUCT);
}

TEST(einit, flipped_signature_byte)
{
	struct ei e;

	ready(&e, DEFAULT_FLAGS);
	e.sig.signature[100] ^= 0x01;
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIGNATURE);
}

/* A signed byte changed after signing breaks the signature. */
TEST(einit, signed_field_changed)
{
	struct ei e;

	ready(&e, DEFAULT_FLAGS);
	e.sig.isvsvn++;
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIGNATURE);
}

/* Hardware verifies with Q1 and Q2, so wrong ones fail the signature. */
TEST(einit, bad_q1_q2)
{
	struct ei e;

	ready(&e, DEFAULT_FLAGS);
	e.sig.q1[0] ^= 1;
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIGNATURE);
	e.sig.q1[0] ^= 1;
	e.sig.q2[383] ^= 1;
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIGNATURE);
	e.sig.q2[383] ^= 1;
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

/* The signature check comes before the measurement check. */
TEST(einit, signature_checked_before_measurement)
{
	struct ei e;

	ready(&e, DEFAULT_FLAGS);
	e.sig.enclavehash[0] ^= 1; /* also breaks the signature */
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIGNATURE);
}

/* "IF (TMP_MRENCLAVE ≠ TMP_SIG.ENCLAVEHASH)": a measured byte changed. */
TEST(einit, changed_measured_byte)
{
	struct ei e;

	build(&e, DEFAULT_FLAGS);
	e.mrenclave[31] ^= 0x40;
	memcpy(e.sig.enclavehash, e.mrenclave, 32);
	sign(&e);
	set_lehash(e.fx.lp, e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_INVALID_MEASUREMENT);
}

/* Without a token, only the signer named by IA32_SGXLEPUBKEYHASH launches. */
TEST(einit, lehash_not_mrsigner_without_token)
{
	struct ei e;

	build(&e, DEFAULT_FLAGS);
	sign(&e);
	/* The reset value is Intel's LE hash. */
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
	set_lehash(e.fx.lp, e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

/* A failed EINIT leaves the enclave uninitialized and retryable. */
TEST(einit, retry_after_failure)
{
	struct ei e;

	build(&e, DEFAULT_FLAGS);
	sign(&e);
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
	set_lehash(e.fx.lp, e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

/* "(SECS.ATTRIBUTES & ATTRIBUTEMASK) ≠ (SIG.ATTRIBUTES & ATTRIBUTEMASK)". */
TEST(einit, attribute_outside_mask)
{
	struct ei e;

	build(&e, SGX_ATTR_MODE64BIT);
	e.sig.attributes.flags = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	sign(&e);
	set_lehash(e.fx.lp, e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_INVALID_ATTRIBUTE);
	/* The same difference outside the mask is fine. */
	e.sig.attributemask.flags = ~SGX_ATTR_DEBUG;
	sign(&e);
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

TEST(einit, xfrm_outside_mask)
{
	struct ei e;

	build(&e, DEFAULT_FLAGS);
	e.sig.attributes.xfrm = 7;
	sign(&e);
	set_lehash(e.fx.lp, e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_INVALID_ATTRIBUTE);
}

/* "(SECS.MISCSELECT & MISCMASK) ≠ (SIG.MISCSELECT & MISCMASK)". */
TEST(einit, miscselect_outside_mask)
{
	struct ei e;

	build(&e, DEFAULT_FLAGS);
	e.sig.miscselect = SGX_MISC_EXINFO;
	sign(&e);
	set_lehash(e.fx.lp, e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_INVALID_ATTRIBUTE);
}

/* EINITTOKENKEY is controlled: "IF (SECS.ATTRIBUTES.EINITTOKENKEY = 1) and
 * (MRSIGNER ≠ IA32_SGXLEPUBKEYHASH)": SGX_INVALID_ATTRIBUTE. */
TEST(einit, einittokenkey_needs_le_signer)
{
	struct ei e;
	u8 other[32];

	build(&e, DEFAULT_FLAGS | SGX_ATTR_EINITTOKENKEY);
	sign(&e);
	memset(other, 0x5A, 32);
	set_lehash(e.fx.lp, other);
	ASSERT_STATUS(einit(&e), SGX_INVALID_ATTRIBUTE);
	set_lehash(e.fx.lp, e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

/* KSS identities without the KSS attribute: SGX_INVALID_SIG_STRUCT. */
TEST(einit, kss_fields_without_kss)
{
	struct ei e;

	build(&e, DEFAULT_FLAGS);
	e.sig.isvfamilyid[0] = 1;
	sign(&e);
	set_lehash(e.fx.lp, e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_INVALID_SIG_STRUCT);
}

/* EINIT is interruptible: an event gives SGX_UNMASKED_EVENT, and a retry
 * succeeds (what Linux's retry loop relies on). */
TEST(einit, unmasked_event_then_retry)
{
	struct ei e;

	ready(&e, DEFAULT_FLAGS);
	lp_inject_event(e.fx.lp);
	ASSERT_STATUS(einit(&e), SGX_UNMASKED_EVENT);
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

TEST(einit, operand_alignment_and_epc)
{
	struct ei e;
	u8 *raw;

	ready(&e, DEFAULT_FLAGS);
	raw = (u8 *)&e.sig;
	ASSERT_FAULT(encls_einit(e.fx.lp, (struct sgx_sigstruct *)(void *)(raw + 64), e.fx.secs,
				 &e.token),
		     e.fx.lp, X86_VEC_GP);
	ASSERT_FAULT(encls_einit(e.fx.lp, &e.sig, (u8 *)e.fx.secs + 8, &e.token), e.fx.lp,
		     X86_VEC_GP);
	ASSERT_FAULT(encls_einit(e.fx.lp, &e.sig, e.fx.secs,
				 (struct sgx_einittoken *)(void *)((u8 *)&e.token + 16)),
		     e.fx.lp, X86_VEC_GP);
	/* RCX outside the EPC: #PF(RCX). */
	ASSERT_FAULT(encls_einit(e.fx.lp, &e.sig, e.fx.page, &e.token), e.fx.lp, X86_VEC_PF);
	ASSERT_EQ(lp_last_fault(e.fx.lp)->addr, (u64)(uintptr_t)e.fx.page);
	/* RCX a valid EPC page that is not a SECS: #PF(RCX). */
	ASSERT_FAULT(encls_einit(e.fx.lp, &e.sig, platform_epc_page(e.fx.plat, 2), &e.token),
		     e.fx.lp, X86_VEC_PF);
	/* RCX an invalid EPC page. */
	ASSERT_FAULT(encls_einit(e.fx.lp, &e.sig, platform_epc_page(e.fx.plat, 9), &e.token),
		     e.fx.lp, X86_VEC_PF);
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

/* --- the token path ---------------------------------------------------- */

/* What a launch enclave signed by @le_signer would produce for @e. */
static void make_token(struct ei *e, const u8 le_signer[32])
{
	u8 key[16];

	memset(&e->token, 0, sizeof(e->token));
	e->token.valid = 1;
	e->token.attributes.flags = e->fx.secs_src.attributes.flags;
	e->token.attributes.xfrm = e->fx.secs_src.attributes.xfrm;
	memcpy(e->token.mrenclave, e->mrenclave, 32);
	memcpy(e->token.mrsigner, e->mrsigner, 32);
	e->token.isvprodidle = 1;
	e->token.isvsvnle = 2;
	e->token.maskedattributesle.flags = SGX_ATTR_DEBUG | SGX_ATTR_EINITTOKENKEY;
	memset(e->token.keyid, 0xA5, sizeof(e->token.keyid));
	platform_einittoken_key(e->fx.plat, &e->token, le_signer, key);
	crypto_aes128_cmac(key, &e->token, SGX_EINITTOKEN_MACED_LEN, e->token.mac);
}

static void token_ready(struct ei *e, u8 le_signer[32])
{
	memset(le_signer, 0x3C, 32);
	build(e, DEFAULT_FLAGS);
	sign(e);
	set_lehash(e->fx.lp, le_signer);
	make_token(e, le_signer);
}

TEST(einit_token, valid_token_launches_other_signer)
{
	u8 le[32];
	struct ei e;

	token_ready(&e, le);
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

TEST(einit_token, wrong_mac)
{
	u8 le[32];
	struct ei e;

	token_ready(&e, le);
	e.token.mac[5] ^= 1;
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
}

/* The key is bound to the LE signer in the MSRs: another hash, another key. */
TEST(einit_token, token_from_other_le)
{
	u8 le[32], other[32];
	struct ei e;

	token_ready(&e, le);
	memset(other, 0x77, 32);
	set_lehash(e.fx.lp, other);
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
}

/* A MACed field changed after MACing. */
TEST(einit_token, maced_field_changed)
{
	u8 le[32];
	struct ei e;

	token_ready(&e, le);
	e.token.mrenclave[0] ^= 1;
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
}

/* "IF (TMP_TOKEN.CPUSVNLE > CR_CPUSVN)": SGX_INVALID_CPUSVN. */
TEST(einit_token, cpusvn_above_platform)
{
	u8 le[32], key[16];
	struct ei e;

	token_ready(&e, le);
	e.token.cpusvnle[0] = 0xFF;
	platform_einittoken_key(e.fx.plat, &e.token, le, key);
	crypto_aes128_cmac(key, &e.token, SGX_EINITTOKEN_MACED_LEN, e.token.mac);
	ASSERT_STATUS(einit(&e), SGX_INVALID_CPUSVN);
}

/* The token names another enclave: SGX_INVALID_MEASUREMENT. */
TEST(einit_token, token_for_other_enclave)
{
	u8 le[32];
	struct ei e;

	token_ready(&e, le);
	e.mrenclave[0] ^= 1;
	make_token(&e, le);
	ASSERT_STATUS(einit(&e), SGX_INVALID_MEASUREMENT);
}

/* Token ATTRIBUTES must equal the SECS's (SGX_INVALID_EINIT_ATTRIBUTE,
 * reported as SGX_INVALID_ATTRIBUTE). */
TEST(einit_token, token_attributes_differ)
{
	u8 le[32], key[16];
	struct ei e;

	token_ready(&e, le);
	e.token.attributes.flags &= ~SGX_ATTR_DEBUG;
	platform_einittoken_key(e.fx.plat, &e.token, le, key);
	crypto_aes128_cmac(key, &e.token, SGX_EINITTOKEN_MACED_LEN, e.token.mac);
	ASSERT_STATUS(einit(&e), SGX_INVALID_ATTRIBUTE);
}

/* A debug LE's token cannot launch a production enclave. */
TEST(einit_token, debug_le_production_enclave)
{
	u8 le[32];
	struct ei e;

	memset(le, 0x3C, 32);
	build(&e, SGX_ATTR_MODE64BIT);
	sign(&e);
	set_lehash(e.fx.lp, le);
	make_token(&e, le);
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
	e.token.maskedattributesle.flags &= ~SGX_ATTR_DEBUG;
	make_token(&e, le);
	e.token.maskedattributesle.flags = SGX_ATTR_EINITTOKENKEY;
	{
		u8 key[16];

		platform_einittoken_key(e.fx.plat, &e.token, le, key);
		crypto_aes128_cmac(key, &e.token, SGX_EINITTOKEN_MACED_LEN, e.token.mac);
	}
	ASSERT_STATUS(einit(&e), SGX_SUCCESS);
}

/* Reserved token fields, including VALID[31:1], must be zero. */
TEST(einit_token, reserved_not_zero)
{
	u8 le[32];
	struct ei e;

	token_ready(&e, le);
	e.token.valid = 3;
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
	e.token.valid = 1;
	e.token.reserved4[0] = 1; /* not MACed, still checked */
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
}

/* --- MSRs ---------------------------------------------------------------- */

TEST(msr, reset_value_is_intel_hash)
{
	struct fx fx;
	u64 v;
	u32 i;

	fx_platform(&fx, 16);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(lp_rdmsr(fx.lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, &v), 0);
		ASSERT_EQ(v, platform_intel_lehash[i]);
	}
	ASSERT_EQ(lp_rdmsr(fx.lp, MSR_IA32_FEATURE_CONTROL, &v), 0);
	ASSERT_EQ(v, FEAT_CTL_LOCKED | FEAT_CTL_SGX_ENABLED | FEAT_CTL_SGX_LC_ENABLED);
	/* FEATURE_CONTROL is locked; unknown MSRs #GP. */
	ASSERT_FAULT(lp_wrmsr(fx.lp, MSR_IA32_FEATURE_CONTROL, 0), fx.lp, X86_VEC_GP);
	ASSERT_FAULT(lp_rdmsr(fx.lp, 0x10, &v), fx.lp, X86_VEC_GP);
}

/* Locked with SGX_LC clear: the hash MSRs are read-only. */
TEST(msr, locked_launch_control)
{
	struct platform_config cfg;
	struct platform *plat;
	char why[256];
	u64 v;

	platform_config_default(&cfg);
	cfg.epc_size = 16 * 4096;
	cfg.lc_locked = true;
	ASSERT_EQ(platform_create(&cfg, &plat, why, sizeof(why)), 0);
	ASSERT_FAULT(lp_wrmsr(platform_lp(plat, 0), MSR_IA32_SGXLEPUBKEYHASH0, 1),
		     platform_lp(plat, 0), X86_VEC_GP);
	ASSERT_EQ(lp_rdmsr(platform_lp(plat, 0), MSR_IA32_FEATURE_CONTROL, &v), 0);
	ASSERT_EQ(v & FEAT_CTL_SGX_LC_ENABLED, 0);
	platform_destroy(plat);
}

/* Each LP has its own hash: EINIT uses the executing LP's. */
TEST(msr, per_lp_hash)
{
	struct ei e;

	build(&e, DEFAULT_FLAGS);
	sign(&e);
	set_lehash(platform_lp(e.fx.plat, 1), e.mrsigner);
	ASSERT_STATUS(einit(&e), SGX_INVALID_EINITTOKEN);
	ASSERT_STATUS(encls_einit(platform_lp(e.fx.plat, 1), &e.sig, e.fx.secs, &e.token),
		      SGX_SUCCESS);
}
