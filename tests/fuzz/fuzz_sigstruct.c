// SPDX-License-Identifier: MIT
/*
 * SIGSTRUCT verification (src/cpu/sigstruct.c) and EINIT's use of it, on
 * arbitrary 1808-byte structures: no crash, and EINIT succeeds only for
 * one sigstruct_verify() finds well formed and correctly signed.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "arch/sgx_status.h"
#include "cpu/cpu.h"
#include "cpu/sigstruct.h"

static struct platform *plat;
static struct lp *lp;

/* One enclave, created once: EINIT then refuses or initializes it. */
static void *secs_page;

static void setup(void)
{
	static struct sgx_secs secs __aligned(4096);
	static struct sgx_secinfo si __aligned(64);
	struct sgx_pageinfo pg __aligned(32) = { 0 };
	struct platform_config cfg;
	char why[256];

	fuzz_private_state();
	platform_config_default(&cfg);
	cfg.epc_size = 16 * SGX_PAGE_SIZE;
	if (platform_create(&cfg, &plat, why, sizeof(why)))
		abort();
	lp = platform_lp(plat, 0);
	secs.size = 0x10000;
	secs.baseaddr = 0x10000;
	secs.ssaframesize = 1;
	secs.attributes.flags = SGX_ATTR_MODE64BIT;
	secs.attributes.xfrm = 3;
	pg.srcpge = (u64)(uintptr_t)&secs;
	pg.secinfo = (u64)(uintptr_t)&si;
	secs_page = platform_epc_page(plat, 0);
	if (encls_ecreate(lp, &pg, secs_page))
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t len)
{
	static struct sgx_sigstruct sig __aligned(4096);
	static struct sgx_einittoken token __aligned(512);
	struct sigstruct_verdict v;
	int ret;

	if (!plat)
		setup();
	memset(&sig, 0, sizeof(sig));
	memset(&token, 0, sizeof(token));
	memcpy(&sig, data, len < sizeof(sig) ? len : sizeof(sig));
	if (len > sizeof(sig))
		memcpy(&token, data + sizeof(sig),
		       len - sizeof(sig) < sizeof(token) ? len - sizeof(sig) : sizeof(token));
	if (sigstruct_verify(&sig, &v))
		return 0;
	ret = encls_einit(lp, &sig, secs_page, &token);
	/* An enclave with no pages cannot match a signed measurement unless
	 * the signer signed exactly that; either way only a verified SIGSTRUCT
	 * gets past the signature check. */
	if ((ret == 0 || ret == SGX_INVALID_MEASUREMENT) &&
	    !(v.header_ok && v.signature_ok && v.q1_ok && v.q2_ok))
		abort();
	return 0;
}
