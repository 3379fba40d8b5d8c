// SPDX-License-Identifier: MIT
/*
 * Bad input never crashes: thousands of mutated SGXS streams and random
 * SIGSTRUCTs and EINITTOKENs, each either accepted or refused with a clear
 * error.  Deterministic (a fixed seed); run under ASan and UBSan in CI.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "api/sgxs.h"
#include "arch/sgx_status.h"
#include "base/file.h"
#include "cpu/cpu.h"
#include "harness.h"
#include "sgxemu/sgxemu.h"

static u64 rng = 0x9E3779B97F4A7C15ULL;

static u64 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

TEST_T(robust, sgxs_mutations, 120)
{
	char path[1024], why[512];
	size_t len, n;
	struct sgxs s;
	u8 *orig, *buf;
	int i, j, ok = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/fortanix-sgx-detect-test-enclave/test_enclave.sgxs",
		 harness_vectors());
	ASSERT_EQ(file_read_all(path, 1 << 20, &orig, &len), 0);
	buf = malloc(len);
	for (i = 0; i < 3000; i++) {
		memcpy(buf, orig, len);
		n = len;
		switch (next() % 4) {
		case 0: /* flip bytes in record headers, where the structure is */
			for (j = 0; j < 1 + (int)(next() % 4); j++)
				buf[(next() % (len / 64)) * 64 + next() % 24] ^= (u8)(1 << (next() % 8));
			break;
		case 1: /* truncate anywhere */
			n = next() % len;
			break;
		case 2: /* random bytes anywhere */
			for (j = 0; j < 8; j++)
				buf[next() % len] = (u8)next();
			break;
		default: /* a plausible tag with random operands */
			j = (int)(next() % (len / 64)) * 64;
			memcpy(buf + j, (next() & 1) ? "EADD\0\0\0\0" : "EEXTEND", 8);
			for (int k = 8; k < 24; k++)
				buf[j + k] = (u8)next();
			break;
		}
		memset(why, 0, sizeof(why));
		if (sgxs_parse(buf, n, &s, why, sizeof(why)) == 0) {
			ok++;
			sgxs_free(&s);
		} else {
			bad++;
			/* Every refusal says where and what. */
			ASSERT_STR_CONTAINS(why, "record ");
		}
	}
	ASSERT_GT(bad, 1000);
	(void)ok;
	free(buf);
	free(orig);
}

/* Random SIGSTRUCTs and tokens reach every EINIT check; none may crash or
 * initialize the enclave. */
TEST_T(robust, einit_random_inputs, 120)
{
	static struct sgx_sigstruct sig __aligned(4096);
	static struct sgx_einittoken token __aligned(512);
	static struct sgx_secs secs __aligned(4096);
	static struct sgx_secinfo si;
	static const u8 hdr[16] = SGX_SIGSTRUCT_HEADER, hdr2[16] = SGX_SIGSTRUCT_HEADER2;
	struct sgx_pageinfo pg = { 0 };
	struct platform_config cfg;
	struct platform *plat;
	struct lp *lp;
	char why[256];
	size_t k;
	int i, ret;

	platform_config_default(&cfg);
	cfg.epc_size = 16 * 4096;
	ASSERT_EQ(platform_create(&cfg, &plat, why, sizeof(why)), 0);
	lp = platform_lp(plat, 0);
	secs.size = 0x10000;
	secs.baseaddr = 0x10000;
	secs.ssaframesize = 1;
	secs.attributes.flags = SGX_ATTR_MODE64BIT;
	secs.attributes.xfrm = 3;
	pg.srcpge = (u64)(uintptr_t)&secs;
	pg.secinfo = (u64)(uintptr_t)&si;
	ASSERT_EQ(encls_ecreate(lp, &pg, platform_epc_page(plat, 0)), 0);
	for (i = 0; i < 400; i++) {
		for (k = 0; k < sizeof(sig); k++)
			((u8 *)&sig)[k] = (u8)next();
		for (k = 0; k < sizeof(token); k++)
			((u8 *)&token)[k] = (u8)next();
		/* Half of them past the header checks, into the RSA and token code. */
		if (i & 1) {
			memcpy(sig.header, hdr, 16);
			memcpy(sig.header2, hdr2, 16);
			sig.vendor = 0;
			sig.exponent = 3;
			memset(sig.reserved1, 0, sizeof(sig.reserved1));
			sig.cet_attributes = sig.cet_attributes_mask = 0;
			memset(sig.reserved2, 0, sizeof(sig.reserved2));
			memset(sig.reserved3, 0, sizeof(sig.reserved3));
			memset(sig.reserved4, 0, sizeof(sig.reserved4));
			token.valid = (u32)(next() & 1);
		}
		ret = encls_einit(lp, &sig, platform_epc_page(plat, 0), &token);
		ASSERT_TRUE(ret == SGX_INVALID_SIG_STRUCT || ret == SGX_INVALID_SIGNATURE);
	}
	platform_destroy(plat);
}

/*
 * fuzz_ioctl found it: SGX_IOC_ENCLAVE_CREATE with a SIZE the processor
 * refuses allocated the driver's per-page array for all of it first (6 GiB
 * for 2^40) before ECREATE said no.  Now it is -EIO, as ECREATE's refusal
 * is, with nothing allocated (tests/fuzz/corpus/ioctl/huge_secs_size).
 */
TEST(robust, ecreate_huge_size_allocates_nothing)
{
	static const u64 sizes[] = { 1ULL << 30, 1ULL << 36, 1ULL << 40, 1ULL << 46, 1ULL << 47 };
	static struct sgx_secs secs __aligned(4096);
	struct sgx_enclave_create c = { .src = (u64)(uintptr_t)&secs };
	struct sgxemu_platform_options o = { .epc_size = 1 << 20, .max_enclave_size_log2 = 30 };
	struct sgxemu_platform *p;
	size_t i;
	int fd;

#ifndef SGXEMU_ASAN /* ASan's shadow needs more address space */
	struct rlimit rl = { 4ULL << 30, 4ULL << 30 };

	ASSERT_EQ(setrlimit(RLIMIT_AS, &rl), 0);
#endif
	ASSERT_EQ(sgxemu_platform_create(&o, &p), 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&secs, 0, sizeof(secs));
		secs.size = sizes[i];
		secs.baseaddr = sizes[i];
		secs.ssaframesize = 1;
		secs.attributes.flags = SGX_ATTR_MODE64BIT;
		secs.attributes.xfrm = 3;
		fd = sgxemu_open(p, "/dev/sgx_enclave", O_RDWR);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(sgxemu_ioctl(fd, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&c), -EIO);
		ASSERT_EQ(sgxemu_close(fd), 0);
	}
	/* The largest the platform takes still works. */
	secs.size = 1ULL << 29;
	secs.baseaddr = 1ULL << 29;
	fd = sgxemu_open(p, "/dev/sgx_enclave", O_RDWR);
	ASSERT_EQ(sgxemu_ioctl(fd, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&c), 0);
	ASSERT_EQ(sgxemu_close(fd), 0);
	sgxemu_platform_destroy(p);
}
