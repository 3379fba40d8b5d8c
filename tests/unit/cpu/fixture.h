/* SPDX-License-Identifier: MIT */
/* Helpers for cpu-layer tests: a small platform and a way to build enclaves
 * leaf by leaf. */
#ifndef SGXEMU_TESTS_UNIT_CPU_FIXTURE_H
#define SGXEMU_TESTS_UNIT_CPU_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "cpu/cpu.h"
#include "cpu/crypto.h"
#include "cpu/sigstruct.h"
#include "harness.h"

#define FX_BASE 0x100000ULL
#define FX_SIZE 0x100000ULL

struct fx {
	struct platform *plat;
	struct lp *lp;
	void *secs;   /* EPC page 0 */
	struct sgx_secs secs_src __aligned(4096);
	u8 page[4096] __aligned(4096);
	struct sgx_secinfo secinfo;
	struct sgx_pageinfo pginfo;
	/* SIGSTRUCT's ATTRIBUTES and ATTRIBUTEMASK for fx_einit() (0: any). */
	struct sgx_attributes sig_attributes, sig_attributemask;
};

static inline void fx_platform(struct fx *fx, u64 epc_pages)
{
	struct platform_config cfg;
	char why[256];

	memset(fx, 0, sizeof(*fx));
	platform_config_default(&cfg);
	cfg.epc_size = epc_pages * 4096;
	if (platform_create(&cfg, &fx->plat, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "platform_create: %s", why);
	fx->lp = platform_lp(fx->plat, 0);
	fx->secs = platform_epc_page(fx->plat, 0);
}

/* A SECS image the platform accepts: 64-bit, XFRM 3, one SSA page. */
static inline void fx_secs_default(struct fx *fx)
{
	memset(&fx->secs_src, 0, sizeof(fx->secs_src));
	fx->secs_src.size = FX_SIZE;
	fx->secs_src.baseaddr = FX_BASE;
	fx->secs_src.ssaframesize = 1;
	fx->secs_src.attributes.flags = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	fx->secs_src.attributes.xfrm = 3;
}

static inline int fx_ecreate_at(struct fx *fx, void *epc)
{
	memset(&fx->secinfo, 0, sizeof(fx->secinfo));
	fx->secinfo.flags = (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT;
	memset(&fx->pginfo, 0, sizeof(fx->pginfo));
	fx->pginfo.srcpge = (u64)(uintptr_t)&fx->secs_src;
	fx->pginfo.secinfo = (u64)(uintptr_t)&fx->secinfo;
	return encls_ecreate(fx->lp, &fx->pginfo, epc);
}

/* Platform with @epc_pages pages and a default enclave created in page 0. */
static inline void fx_enclave(struct fx *fx, u64 epc_pages)
{
	int ret;

	fx_platform(fx, epc_pages);
	fx_secs_default(fx);
	ret = fx_ecreate_at(fx, fx->secs);
	if (ret)
		harness_fail(__FILE__, __LINE__, "ECREATE failed: %#x", ret);
}

/* PAGEINFO/SECINFO for a good EADD of fx->page at FX_BASE + @offset, not issued. */
static inline void fx_eadd_prepare(struct fx *fx, u64 offset, u64 flags)
{
	memset(&fx->secinfo, 0, sizeof(fx->secinfo));
	fx->secinfo.flags = flags;
	memset(&fx->pginfo, 0, sizeof(fx->pginfo));
	fx->pginfo.linaddr = FX_BASE + offset;
	fx->pginfo.srcpge = (u64)(uintptr_t)fx->page;
	fx->pginfo.secinfo = (u64)(uintptr_t)&fx->secinfo;
	fx->pginfo.secs = (u64)(uintptr_t)fx->secs;
}

/* EADD fx->page at FX_BASE + @offset into EPC page @index with @flags. */
static inline int fx_eadd(struct fx *fx, u64 index, u64 offset, u64 flags)
{
	fx_eadd_prepare(fx, offset, flags);
	return encls_eadd(fx->lp, &fx->pginfo, platform_epc_page(fx->plat, index));
}

/* The signer fx_einit() uses (RSA-3072, e = 3); make check runs from the top. */
#define FX_SIGNING_KEY "tests/data/signing-key.pem"

/*
 * EINIT the enclave at fx->secs, created from fx->secs_src, without a token:
 * the LP's IA32_SGXLEPUBKEYHASH is pointed at the test signer first.
 * SIGSTRUCT's ENCLAVEHASH is SHA-256 of the ECREATE record followed by the
 * @len bytes at @measured (the EADD/EEXTEND records and data the caller
 * expects, laid out as the SDM gives them).
 * Return: what EINIT returned.
 */
static inline int fx_einit(struct fx *fx, const void *measured, size_t len)
{
	struct sgx_measure_ecreate rec;
	struct crypto_rsa_key *key;
	struct crypto_sha256 mr;
	struct sgx_sigstruct *sig;
	struct sgx_einittoken *token;
	u8 mrsigner[SGX_HASH_SIZE];
	char why[256];
	unsigned int i;
	int ret;

	if (crypto_rsa_key_load(FX_SIGNING_KEY, &key, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "%s: %s", FX_SIGNING_KEY, why);
	sig = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	token = aligned_alloc(512, 512);
	if (!sig || !token)
		harness_fail(__FILE__, __LINE__, "out of memory");
	memset(sig, 0, SGX_PAGE_SIZE);
	memset(token, 0, 512);

	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_ECREATE;
	rec.ssaframesize = fx->secs_src.ssaframesize;
	rec.size = fx->secs_src.size;
	crypto_sha256_init(&mr);
	crypto_sha256_update(&mr, &rec, sizeof(rec));
	if (len)
		crypto_sha256_update(&mr, measured, len);
	crypto_sha256_final(&mr, sig->enclavehash);
	sig->attributes = fx->sig_attributes;
	sig->attributemask = fx->sig_attributemask;
	if (sigstruct_sign(sig, key))
		harness_fail(__FILE__, __LINE__, "sigstruct_sign failed");
	crypto_rsa_key_free(key);

	crypto_sha256(sig->modulus, sizeof(sig->modulus), mrsigner);
	for (i = 0; i < 4; i++) {
		u64 q;

		memcpy(&q, mrsigner + 8 * i, sizeof(q));
		if (lp_wrmsr(fx->lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, q))
			harness_fail(__FILE__, __LINE__, "WRMSR LEPUBKEYHASH%u", i);
	}
	ret = encls_einit(fx->lp, sig, fx->secs, token);
	free(token);
	free(sig);
	return ret;
}

#define FX_REG_RW (((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) | SGX_SECINFO_R | SGX_SECINFO_W)
#define FX_REG_RX (((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) | SGX_SECINFO_R | SGX_SECINFO_X)
#define FX_TCS ((u64)SGX_PT_TCS << SGX_SECINFO_PT_SHIFT)

/* Expect a leaf result to be the fault @vec (and for #PF, at @addr). */
#define ASSERT_FAULT(ret, lp, vec)                                                    \
	do {                                                                          \
		int r_ = (ret);                                                       \
		if (!encls_faulted(r_) || encls_trapnr(r_) != (vec))                  \
			harness_fail(__FILE__, __LINE__, "%s: got %#x, want fault %d", \
				     #ret, r_, (vec));                                \
		ASSERT_EQ(lp_last_fault(lp)->vector, (vec));                          \
	} while (0)

#define ASSERT_STATUS(ret, status)                                                      \
	do {                                                                            \
		int r_ = (ret);                                                         \
		if (r_ != (status))                                                     \
			harness_fail(__FILE__, __LINE__, "%s: got %#x (%s), want %s", #ret, \
				     r_, sgx_status_name(r_) ? sgx_status_name(r_) : "?",  \
				     #status);                                          \
	} while (0)

#endif
