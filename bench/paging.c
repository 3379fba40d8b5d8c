// SPDX-License-Identifier: MIT
/*
 * One page out and back in, next to its cryptographic floor measured in
 * the same run:
 *  - ewb_eldu_page_ns: EBLOCK + ETRACK + EWB of a 4 KiB enclave page, then
 *    ELDU of it into another EPC page (the leaves only, no driver);
 *  - aesgcm_4k_roundtrip_ns: AES-128-GCM encryption and decryption of
 *    4 KiB with 128 bytes of additional data, through the same facade;
 *  target: ewb_eldu_page_ns <= 3 x aesgcm_4k_roundtrip_ns.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/sgx_arch.h"
#include "bench.h"
#include "cpu/cpu.h"
#include "cpu/crypto.h"

#define N 20000

static double gcm_roundtrip_ns(void)
{
	static u8 page[4096], out[4096], aad[128];
	u8 key[16] = { 1 }, iv[12] = { 0 }, tag[16];
	double t0;
	int i;

	memset(page, 0x5A, sizeof(page));
	t0 = bench_now();
	for (i = 0; i < N; i++) {
		iv[4] = (u8)i;
		if (crypto_aes128_gcm_encrypt(key, iv, aad, sizeof(aad), page, out, sizeof(out), tag) ||
		    crypto_aes128_gcm_decrypt(key, iv, aad, sizeof(aad), out, page, sizeof(page), tag))
			exit(1);
	}
	return (bench_now() - t0) * 1e9 / N;
}

static double ewb_eldu_ns(struct platform *plat)
{
	static struct sgx_secs secs __aligned(4096);
	static u8 src[4096] __aligned(4096), back[4096] __aligned(4096);
	static struct sgx_pcmd pcmd;
	static struct sgx_secinfo secinfo;
	struct sgx_pageinfo pginfo = { 0 };
	struct lp *lp = platform_lp(plat, 0);
	u8 *secs_epc = platform_epc_page(plat, 0), *va = platform_epc_page(plat, 1);
	u8 *a = platform_epc_page(plat, 2), *b = platform_epc_page(plat, 3), *t;
	double t0;
	int i;

	memset(&secs, 0, sizeof(secs));
	secs.size = 1 << 20;
	secs.baseaddr = 1 << 20;
	secs.ssaframesize = 1;
	secs.attributes.flags = SGX_ATTR_MODE64BIT;
	secs.attributes.xfrm = 3;
	secinfo.flags = (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT;
	pginfo.srcpge = (u64)(uintptr_t)&secs;
	pginfo.secinfo = (u64)(uintptr_t)&secinfo;
	if (encls_ecreate(lp, &pginfo, secs_epc) || encls_epa(lp, SGX_PT_VA, va))
		exit(1);
	secinfo.flags = ((u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT) | SGX_SECINFO_R | SGX_SECINFO_W;
	pginfo.linaddr = 1 << 20;
	pginfo.srcpge = (u64)(uintptr_t)src;
	pginfo.secs = (u64)(uintptr_t)secs_epc;
	if (encls_eadd(lp, &pginfo, a))
		exit(1);
	t0 = bench_now();
	for (i = 0; i < N; i++) {
		struct sgx_pageinfo pi = { .srcpge = (u64)(uintptr_t)back,
					   .secinfo = (u64)(uintptr_t)&pcmd };

		if (encls_eblock(lp, a) || encls_etrack(lp, secs_epc) ||
		    encls_ewb(lp, &pi, a, (u64 *)(void *)va))
			exit(1);
		pi.secs = (u64)(uintptr_t)secs_epc;
		if (encls_eldu(lp, &pi, b, (u64 *)(void *)va))
			exit(1);
		t = a;
		a = b;
		b = t;
	}
	return (bench_now() - t0) * 1e9 / N;
}

int main(int argc, char **argv)
{
	struct platform_config cfg;
	struct platform *plat;
	char dir[] = "/tmp/sgxemu-bench.XXXXXX", why[256], cmd[64];
	double gcm, page;

	bench_open(argc, argv);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	platform_config_default(&cfg);
	cfg.epc_size = 64 * 4096;
	cfg.state_dir = dir;
	if (platform_create(&cfg, &plat, why, sizeof(why))) {
		fprintf(stderr, "paging: %s\n", why);
		return 1;
	}
	platform_set_epcm_check(plat, false);
	gcm = gcm_roundtrip_ns();
	page = ewb_eldu_ns(plat);
	bench_metric("aesgcm_4k_roundtrip_ns", gcm, "ns");
	bench_metric("ewb_eldu_page_ns", page, "ns");
	bench_metric("ewb_eldu_over_aesgcm_ratio", page / gcm, "ratio");
	platform_destroy(plat);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
