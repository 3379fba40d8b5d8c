// SPDX-License-Identifier: MIT
/*
 * Launch control as the seed designed it: the per-LP IA32_SGXLEPUBKEYHASH
 * cache (write the MSRs only when the signer changes) and the host launch
 * policy (allow every signer, or a list).
 */
#include <asm/sgx.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "arch/x86.h"
#include "base/file.h"
#include "base/hex.h"
#include "cpu/cpu.h"
#include "cpu/crypto.h"
#include "enclave.h"
#include "harness.h"
#include "sgxemu/sgxemu.h"

#define SGXS TEST_ENCLAVES "/test_enclave_a.sgxs"
#define SIG_A TEST_ENCLAVES "/test_enclave_a.sig"
#define SIG_OTHER TEST_ENCLAVES "/test_enclave_a.other.sig"

static struct sgxemu_platform *platform(unsigned int nr_lps, const char *policy, int locked)
{
	/* A small EPC keeps the debug build's EPCM checker quick. */
	struct sgxemu_platform_options o = { .epc_size = 1 << 20, .nr_lps = nr_lps,
					     .launch_policy = policy, .lc_locked = locked };
	struct sgxemu_platform *p;

	if (sgxemu_platform_create(&o, &p))
		harness_fail(__FILE__, __LINE__, "platform: %s", sgxemu_last_error());
	return p;
}

static int load(struct sgxemu_platform *p, const char *sig)
{
	struct sgxemu_enclave *e;
	int err = sgxemu_enclave_load(p, SGXS, sig, &e);

	if (!err)
		sgxemu_enclave_destroy(e);
	return err;
}

/* MRSIGNER of a SIGSTRUCT file, in hex: SHA-256 of its MODULUS. */
static void mrsigner_hex(const char *sig, char hex[65])
{
	u8 *buf, digest[32];
	size_t len;

	ASSERT_EQ(file_read_all(sig, 4096, &buf, &len), 0);
	ASSERT_EQ(len, 1808);
	crypto_sha256(buf + 128, 384, digest);
	hex_encode(hex, digest, sizeof(digest));
	free(buf);
}

static void stats(struct sgxemu_platform *p, struct sgxemu_lp_stats *s)
{
	ASSERT_EQ(sgxemu_lp_stats(p, 0, s), 0);
}

/* The seed: "compare and write the MSRs only when the wanted value
 * differs" -- 1,000 EINITs of one signer on one LP cost 4 writes. */
TEST(launch, one_signer_costs_four_msr_writes)
{
	struct sgxemu_platform *p = platform(1, NULL, 0);
	struct sgxemu_lp_stats s;
	int i;

	for (i = 0; i < 1000; i++)
		ASSERT_EQ(load(p, SIG_A), 0);
	stats(p, &s);
	ASSERT_EQ(s.einits, 1000);
	ASSERT_EQ(s.msr_writes, 4);
	ASSERT_EQ(s.cache_hits, 999);
	ASSERT_EQ(s.refused, 0);
	sgxemu_platform_destroy(p);
}

/* Alternating signers rewrite all four MSRs for every EINIT. */
TEST(launch, alternating_signers_cost_four_per_einit)
{
	struct sgxemu_platform *p = platform(1, NULL, 0);
	struct sgxemu_lp_stats s;
	int i;

	for (i = 0; i < 20; i++)
		ASSERT_EQ(load(p, i % 2 ? SIG_OTHER : SIG_A), 0);
	stats(p, &s);
	ASSERT_EQ(s.einits, 20);
	ASSERT_EQ(s.msr_writes, 80);
	ASSERT_EQ(s.cache_hits, 0);
	sgxemu_platform_destroy(p);
}

/* An allow list launches the listed signer; any other EINIT is -EPERM
 * with one line naming the signer, and costs no MSR write. */
TEST(launch, allow_list)
{
	char a[65], other[65], policy[80], log[1024] = "";
	struct sgxemu_platform *p;
	struct sgxemu_lp_stats s;
	int fd, saved;
	ssize_t n;

	mrsigner_hex(SIG_A, a);
	mrsigner_hex(SIG_OTHER, other);
	snprintf(policy, sizeof(policy), "allow=%s", a);
	p = platform(1, policy, 0);
	ASSERT_EQ(load(p, SIG_A), 0);
	fd = open(harness_tmpdir(), O_TMPFILE | O_RDWR, 0600);
	ASSERT_GE(fd, 0);
	saved = dup(2);
	dup2(fd, 2);
	ASSERT_EQ(load(p, SIG_OTHER), -EPERM);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, log, sizeof(log) - 1, 0);
	ASSERT_GE(n, 0);
	close(fd);
	ASSERT_STR_CONTAINS(log, "refused by the host launch policy");
	ASSERT_STR_CONTAINS(log, other);
	stats(p, &s);
	ASSERT_EQ(s.einits, 1);
	ASSERT_EQ(s.refused, 1);
	ASSERT_EQ(s.msr_writes, 4);
	sgxemu_platform_destroy(p);
	/* Several hashes: both launch. */
	snprintf(log, sizeof(log), "allow=%s,%s", other, a);
	p = platform(1, log, 0);
	ASSERT_EQ(load(p, SIG_A), 0);
	ASSERT_EQ(load(p, SIG_OTHER), 0);
	sgxemu_platform_destroy(p);
}

/* Malformed policies are refused when the platform is made. */
TEST(launch, bad_policies)
{
	static const char *const bad[] = { "allow", "allow=", "allow=12", "deny-all",
					   "allow=0000000000000000000000000000000000000000000000000000000000000000,",
					   "allow=zz00000000000000000000000000000000000000000000000000000000000000" };
	struct sgxemu_platform_options o = { 0 };
	struct sgxemu_platform *p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.launch_policy = bad[i];
		ASSERT_EQ(sgxemu_platform_create(&o, &p), -EINVAL);
		ASSERT_STR_CONTAINS(sgxemu_last_error(), "launch policy");
		ASSERT_EQ(sgxemu_launch_policy_check(bad[i]), -EINVAL);
	}
	ASSERT_EQ(sgxemu_launch_policy_check("allow-all"), 0);
}

/* With the hash locked (IA32_FEATURE_CONTROL.SGX_LC clear) the MSRs keep
 * Intel's value: the cache writes nothing and only that signer launches. */
TEST(launch, locked_hash)
{
	struct sgxemu_platform *p = platform(1, NULL, 1);
	struct sgxemu_lp_stats s;

	ASSERT_EQ(load(p, SIG_A), -EPERM);
	ASSERT_EQ(load(p, SIG_A), -EPERM);
	stats(p, &s);
	ASSERT_EQ(s.msr_writes, 0);
	/* Each EINIT is tried again once with the MSRs read back. */
	ASSERT_EQ(s.einits, 4);
	sgxemu_platform_destroy(p);
}

/* The same policy for unmodified programs: sgxemu run --lc. */
TEST(launch, run_with_policy)
{
	char other[65], policy[80], *argv[8];
	char out[16384], err[4096];
	int status;

	mrsigner_hex(SIG_OTHER, other);
	snprintf(policy, sizeof(policy), "allow=%s", other);
	argv[0] = (char *)TEST_SGXEMU;
	argv[1] = (char *)"run";
	argv[2] = (char *)"--lc";
	argv[3] = policy;
	argv[4] = (char *)"--";
	argv[5] = (char *)TEST_PROGS "/driver_prog";
	argv[6] = (char *)"--libc";
	argv[7] = NULL;
	/* driver_prog takes the enclave paths after the mode. */
	{
		char *full[] = { argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6],
				 (char *)SGXS, (char *)SIG_A, NULL };

		status = harness_run(full, out, sizeof(out), err, sizeof(err));
	}
	ASSERT_NE(status, 0);
	ASSERT_STR_CONTAINS(out, "FAIL r == 0: INIT");
	ASSERT_STR_CONTAINS(err, "refused by the host launch policy");
}

/* sgxemu stat runs the program and reports the cache's counters per LP and
 * the EPC, from the program's own platform. */
TEST(launch, stat_reports_the_counters)
{
	char *argv[] = { (char *)TEST_SGXEMU, (char *)"stat", (char *)"--", (char *)TEST_PROGS "/driver_prog",
			 (char *)"--libc", (char *)SGXS, (char *)SIG_A, NULL };
	char out[16384], err[4096];
	int status;

	setenv("SGXEMU_NR_LPS", "1", 1);
	status = harness_run(argv, out, sizeof(out), err, sizeof(err));
	ASSERT_EQ(status, 0);
	ASSERT_STR_CONTAINS(out, "PASSED");
	ASSERT_STR_CONTAINS(out, "EINITs  MSR writes  cache hits  refused");
	/* One LP, one EINIT, four writes from Intel's reset value. */
	ASSERT_STR_CONTAINS(out, "   0          1           4           0        0");
	/* Everything is free again, the Version Array page too. */
	ASSERT_STR_CONTAINS(out, "EPC 131072 KiB (32768 pages), 32768 pages free at exit; "
				 "0 pages evicted, 0 reloaded");
	argv[2] = (char *)"--help";
	argv[3] = NULL;
	ASSERT_EQ(harness_run(argv, out, sizeof(out), err, sizeof(err)), 0);
	ASSERT_STR_CONTAINS(out, "usage: sgxemu stat");
}

/* The seed: after SGX_INVALID_EINITTOKEN the cache may be stale (the MSRs
 * changed behind it): rewrite them once and try EINIT again. */
TEST(launch, stale_cache_is_rewritten_once)
{
	struct sgxemu_platform *p = platform(1, NULL, 0);
	struct lp *lp = platform_lp(drv_platform(api_drv(p)), 0);
	struct sgxemu_lp_stats s;
	unsigned int i;

	ASSERT_EQ(load(p, SIG_A), 0);
	/* Someone else points the LP at another signer. */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(lp_wrmsr(lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, 0x1111 * (i + 1)), 0);
	ASSERT_EQ(load(p, SIG_A), 0);
	stats(p, &s);
	/* A cache hit, an EINIT refused, four forced writes, the EINIT again. */
	ASSERT_EQ(s.einits, 3);
	ASSERT_EQ(s.cache_hits, 1);
	ASSERT_EQ(s.msr_writes, 8);
	sgxemu_platform_destroy(p);
}

#define LE TEST_ENCLAVES "/launch_enclave"

static struct sgxemu_platform *platform_le(const char *policy, const char *le)
{
	struct sgxemu_platform_options o = { .epc_size = 1 << 20, .nr_lps = 1,
					     .launch_policy = policy, .launch_enclave = le };
	struct sgxemu_platform *p;

	if (sgxemu_platform_create(&o, &p))
		harness_fail(__FILE__, __LINE__, "platform: %s", sgxemu_last_error());
	return p;
}

/*
 * The seed's allow list names launch enclaves: an enclave whose signer is
 * not listed launches with an EINITTOKEN from the shipped launch enclave
 * (EGETKEY(EINITTOKEN), AES-CMAC), whose signer is.  The enclave runs.
 */
TEST(launch, token_from_the_launch_enclave)
{
	struct encl_op op = { .type = ENCL_OP_PUT, .a = 77 };
	struct sgx_enclave_run run;
	struct sgxemu_enclave *e;
	struct sgxemu_lp_stats st;
	struct sgxemu_platform *p;
	char policy[80], le_hex[65];

	mrsigner_hex(LE ".sig", le_hex);
	snprintf(policy, sizeof(policy), "allow=%s", le_hex);
	p = platform_le(policy, LE);
	ASSERT_EQ(sgxemu_enclave_load(p, SGXS, SIG_OTHER, &e), 0);
	memset(&run, 0, sizeof(run));
	run.tcs = sgxemu_enclave_tcs(e, 0);
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run), 0);
	op.type = ENCL_OP_GET;
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run), 0);
	ASSERT_EQ(op.r0, 77);
	sgxemu_enclave_destroy(e);
	/* The LE's EINIT and the enclave's, one hash (the LE's) written once. */
	ASSERT_EQ(sgxemu_lp_stats(p, 0, &st), 0);
	ASSERT_EQ(st.einits, 2);
	ASSERT_EQ(st.msr_writes, 4);
	ASSERT_EQ(st.refused, 0);
	sgxemu_platform_destroy(p);
}

/* Without a launch enclave, or when the LE's own signer is not listed,
 * an unlisted signer is refused (-EPERM, the reason in the last error). */
TEST(launch, no_token_without_an_allowed_le)
{
	struct sgxemu_platform *p;
	char policy[80], hex[65];

	mrsigner_hex(LE ".sig", hex);
	snprintf(policy, sizeof(policy), "allow=%s", hex);
	p = platform_le(policy, NULL);
	ASSERT_EQ(load(p, SIG_OTHER), -EPERM);
	sgxemu_platform_destroy(p);
	/* Listed: the other key only.  The test enclave signed with the
	 * LE's key needs a token, and the LE cannot launch. */
	mrsigner_hex(SIG_OTHER, hex);
	snprintf(policy, sizeof(policy), "allow=%s", hex);
	p = platform_le(policy, LE);
	ASSERT_EQ(load(p, SIG_OTHER), 0);
	ASSERT_EQ(load(p, SIG_A), -EPERM);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "launch enclave's signer");
	sgxemu_platform_destroy(p);
	/* A launch enclave that is not there. */
	mrsigner_hex(LE ".sig", hex);
	snprintf(policy, sizeof(policy), "allow=%s", hex);
	p = platform_le(policy, TEST_ENCLAVES "/no_such_enclave");
	ASSERT_EQ(load(p, SIG_OTHER), -ENOENT);
	sgxemu_platform_destroy(p);
}

/* What the LE writes: a VALID token for exactly the enclave asked about,
 * with the LE's own identity in the LE fields; its policy refuses an
 * enclave that wants EINITTOKENKEY. */
TEST(launch, token_fields_and_le_policy)
{
	struct sgx_sigstruct sig;
	struct sgx_einittoken tok;
	struct sgxemu_platform *p;
	char policy[80], hex[65];
	u8 *buf;
	size_t len;

	mrsigner_hex(LE ".sig", hex);
	snprintf(policy, sizeof(policy), "allow=%s", hex);
	p = platform_le(policy, LE);
	ASSERT_EQ(file_read_all(SIG_OTHER, 4096, &buf, &len), 0);
	memcpy(&sig, buf, sizeof(sig));
	free(buf);
	ASSERT_EQ(sgxemu_launch_token(p, &sig, sig.attributes.flags, sig.attributes.xfrm, &tok), 0);
	ASSERT_EQ(tok.valid, 1);
	ASSERT_EQ(memcmp(tok.mrenclave, sig.enclavehash, 32), 0);
	ASSERT_EQ(tok.attributes.flags, sig.attributes.flags & ~SGX_ATTR_INIT);
	ASSERT_EQ(tok.attributes.xfrm, sig.attributes.xfrm);
	/* The LE's SIGSTRUCT: ISVPRODID 1, ISVSVN 2, DEBUG|MODE64BIT|EINITTOKENKEY. */
	ASSERT_EQ(tok.isvprodidle, 1);
	ASSERT_EQ(tok.isvsvnle, 2);
	ASSERT_EQ(tok.maskedattributesle.flags,
		  SGX_ATTR_INIT | SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_EINITTOKENKEY);
	ASSERT_EQ(sgxemu_launch_token(p, &sig, sig.attributes.flags | SGX_ATTR_EINITTOKENKEY,
				      sig.attributes.xfrm, &tok),
		  -EPERM);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "refused");
	sgxemu_platform_destroy(p);
}
