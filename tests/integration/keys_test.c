// SPDX-License-Identifier: MIT
/*
 * ENCLU[EREPORT] and ENCLU[EGETKEY] run by a real enclave: the REPORT's
 * contents, its MAC checked on the host with the target's REPORT key, local
 * attestation between two enclaves, and the SEAL key's dependencies, SVN
 * gates, status codes and #GP cases (SDM EREPORT / EGETKEY).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_fixture.h"

#include "api/sgxs.h"
#include "arch/sgx_arch.h"
#include "cpu/crypto.h"

#define KEYNAME_EINITTOKEN 0
#define KEYNAME_PROVISION 1
#define KEYNAME_PROVISION_SEAL 2
#define KEYNAME_REPORT 3
#define KEYNAME_SEAL 4

#define POLICY_MRENCLAVE 0x1
#define POLICY_MRSIGNER 0x2
#define POLICY_NOISVPRODID 0x4

#define ST_INVALID_ATTRIBUTE 2
#define ST_INVALID_CPUSVN 32
#define ST_INVALID_ISVSVN 64
#define ST_INVALID_KEYNAME 256

#define SIGSTRUCT_SIZE 1808
#define SIGSTRUCT_MODULUS_OFF 128

/* --- helpers ----------------------------------------------------------------- */

/* EREPORT on @tcs of @ti and @data; asserts a normal exit. */
static void report(uint64_t tcs, const struct sgx_targetinfo *ti, const uint8_t data[64],
		   struct sgx_report *rep)
{
	static struct encl_op op;
	struct sgx_enclave_run run;

	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_REPORT;
	if (ti)
		memcpy(op.in, ti, sizeof(*ti));
	if (data)
		memcpy(op.data, data, 64);
	ASSERT_EQ(xf_call(tcs, &op, &run), 0);
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_EQ(op.r0, 0);
	memcpy(rep, op.out, sizeof(*rep));
}

/* EGETKEY on @tcs; asserts a normal exit; returns the status. */
static uint64_t getkey(uint64_t tcs, const struct sgx_keyrequest *kr, uint8_t key[16])
{
	static struct encl_op op;
	struct sgx_enclave_run run;

	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_GETKEY;
	memcpy(op.in, kr, sizeof(*kr));
	memset(op.out, 0xA5, sizeof(op.out));
	ASSERT_EQ(xf_call(tcs, &op, &run), 0);
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_EQ(run.exception_vector, 0);
	memcpy(key, op.out, 16);
	return op.r0;
}

/* EGETKEY on @tcs that must succeed. */
static void getkey_ok(uint64_t tcs, const struct sgx_keyrequest *kr, uint8_t key[16])
{
	ASSERT_EQ(getkey(tcs, kr, key), 0);
}

/* EGETKEY on @tcs that must #GP: an AEX with vector 13. */
static void getkey_gp(uint64_t tcs, const struct sgx_keyrequest *kr)
{
	static struct encl_op op;
	struct sgx_enclave_run run;

	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_GETKEY;
	op.r0 = 0x1234;
	memcpy(op.in, kr, sizeof(*kr));
	ASSERT_EQ(xf_call(tcs, &op, &run), 0);
	ASSERT_EQ(run.function, ERESUME);
	ASSERT_EQ(run.exception_vector, 13);
	/* The enclave never got past the ENCLU. */
	ASSERT_EQ(op.r0, 0x1234);
}

/* The TARGETINFO that names the enclave that produced @rep. */
static void targetinfo_of(const struct sgx_report *rep, struct sgx_targetinfo *ti)
{
	memset(ti, 0, sizeof(*ti));
	memcpy(ti->measurement, rep->mrenclave, sizeof(ti->measurement));
	ti->attributes = rep->attributes;
	ti->miscselect = rep->miscselect;
	ti->configsvn = rep->configsvn;
	memcpy(ti->configid, rep->configid, sizeof(ti->configid));
}

/* The platform's CPUSVN, as an enclave sees it in its REPORT. */
static void platform_cpusvn(uint64_t tcs, uint8_t cpusvn[16])
{
	struct sgx_report rep;

	report(tcs, NULL, NULL, &rep);
	memcpy(cpusvn, rep.cpusvn, 16);
}

/* A SEAL request at the current SVNs (ISVSVN 2, the platform's CPUSVN). */
static void seal_req(uint64_t tcs, uint16_t policy, struct sgx_keyrequest *kr)
{
	memset(kr, 0, sizeof(*kr));
	kr->keyname = KEYNAME_SEAL;
	kr->keypolicy = policy;
	kr->isvsvn = 2;
	platform_cpusvn(tcs, kr->cpusvn);
}

static void seal_key(uint64_t tcs, uint16_t policy, uint8_t key[16])
{
	struct sgx_keyrequest kr;

	seal_req(tcs, policy, &kr);
	getkey_ok(tcs, &kr, key);
}

/* The REPORT key of the enclave behind @tcs for @keyid. */
static void report_key(uint64_t tcs, const uint8_t keyid[32], uint8_t key[16])
{
	struct sgx_keyrequest kr;

	memset(&kr, 0, sizeof(kr));
	kr.keyname = KEYNAME_REPORT;
	memcpy(kr.keyid, keyid, sizeof(kr.keyid));
	getkey_ok(tcs, &kr, key);
}

static bool mac_ok(const uint8_t key[16], const struct sgx_report *rep)
{
	uint8_t mac[16];

	crypto_aes128_cmac(key, rep, 384, mac);
	return !memcmp(mac, rep->mac, sizeof(mac));
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

static void read_file_exact(const char *path, void *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, len);
	close(fd);
	ASSERT_EQ(n, len);
}

/* The SHA-256 of the SIGSTRUCT's modulus in @sig (under TEST_ENCLAVES). */
static void signer_of(const char *sig, uint8_t mrsigner[32])
{
	static uint8_t buf[SIGSTRUCT_SIZE];
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", TEST_ENCLAVES, sig);
	read_file_exact(path, buf, sizeof(buf));
	crypto_sha256(buf + SIGSTRUCT_MODULUS_OFF, 384, mrsigner);
}

/* --- EREPORT ------------------------------------------------------------------ */

TEST(ereport, fields)
{
	static struct xf x;
	static struct sgxs sgxs;
	struct sgx_report rep;
	uint8_t data[64], mrsigner[32];
	char why[256];
	unsigned int i;

	xf_setup(&x);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0x40 + i);
	report(xf_tcs(&x, 0), NULL, data, &rep);

	ASSERT_EQ(sgxs_load_file(TEST_ENCLAVES "/test_enclave_a.sgxs", &sgxs, why, sizeof(why)),
		  0);
	ASSERT_MEMEQ(rep.mrenclave, sgxs.mrenclave, 32);
	sgxs_free(&sgxs);
	signer_of("test_enclave_a.sig", mrsigner);
	ASSERT_MEMEQ(rep.mrsigner, mrsigner, 32);
	ASSERT_EQ(rep.isvprodid, 1);
	ASSERT_EQ(rep.isvsvn, 2);
	ASSERT_EQ(rep.attributes.flags, SGX_ATTR_INIT | SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT);
	ASSERT_EQ(rep.attributes.xfrm, 3);
	ASSERT_EQ(rep.miscselect, 1);
	ASSERT_MEMEQ(rep.reportdata, data, sizeof(data));
	ASSERT_FALSE(all_zero(rep.keyid, sizeof(rep.keyid)));
	ASSERT_FALSE(all_zero(rep.cpusvn, sizeof(rep.cpusvn)));
	/* No KSS: the KSS identities and CONFIGID are zero. */
	ASSERT_EQ(rep.configsvn, 0);
	ASSERT_TRUE(all_zero(rep.configid, sizeof(rep.configid)));
	ASSERT_TRUE(all_zero(rep.isvfamilyid, sizeof(rep.isvfamilyid)));
	ASSERT_TRUE(all_zero(rep.isvextprodid, sizeof(rep.isvextprodid)));
	ASSERT_FALSE(all_zero(rep.mac, sizeof(rep.mac)));
}

/* A different enclave build reports a different MRENCLAVE and the same
 * MRSIGNER; the other key gives another MRSIGNER for the same MRENCLAVE. */
TEST(ereport, identities_of_other_builds)
{
	static struct xf x;
	struct sgxemu_enclave *b, *a2;
	struct sgx_report ra, rb, ra2;
	uint8_t other[32];

	xf_setup(&x);
	b = xf_load(&x, "test_enclave_b", "test_enclave_b.sig");
	a2 = xf_load(&x, "test_enclave_a", "test_enclave_a.other.sig");
	report(xf_tcs(&x, 0), NULL, NULL, &ra);
	report(sgxemu_enclave_tcs(b, 0), NULL, NULL, &rb);
	report(sgxemu_enclave_tcs(a2, 0), NULL, NULL, &ra2);
	ASSERT_NE(memcmp(ra.mrenclave, rb.mrenclave, 32), 0);
	ASSERT_MEMEQ(ra.mrsigner, rb.mrsigner, 32);
	ASSERT_MEMEQ(ra.mrenclave, ra2.mrenclave, 32);
	ASSERT_NE(memcmp(ra.mrsigner, ra2.mrsigner, 32), 0);
	signer_of("test_enclave_a.other.sig", other);
	ASSERT_MEMEQ(ra2.mrsigner, other, 32);
	/* One platform, one report KEYID. */
	ASSERT_MEMEQ(ra.keyid, rb.keyid, 32);
}

/* A report for the enclave itself verifies with its own REPORT key. */
TEST(ereport, mac_self)
{
	static struct xf x;
	struct sgx_report self, rep;
	struct sgx_targetinfo ti;
	uint8_t data[64], key[16];

	xf_setup(&x);
	report(xf_tcs(&x, 0), NULL, NULL, &self);
	targetinfo_of(&self, &ti);
	memset(data, 0x5C, sizeof(data));
	report(xf_tcs(&x, 1), &ti, data, &rep);
	report_key(xf_tcs(&x, 2), rep.keyid, key);
	ASSERT_TRUE(mac_ok(key, &rep));
	/* The key is bound to the KEYID. */
	rep.keyid[0] ^= 1;
	report_key(xf_tcs(&x, 2), rep.keyid, key);
	rep.keyid[0] ^= 1;
	ASSERT_FALSE(mac_ok(key, &rep));
}

/* The MAC depends on the target: a report aimed elsewhere does not verify
 * with the enclave's own REPORT key. */
TEST(ereport, mac_depends_on_target)
{
	static struct xf x;
	struct sgx_report self, rep;
	struct sgx_targetinfo ti;
	uint8_t key[16];

	xf_setup(&x);
	report(xf_tcs(&x, 0), NULL, NULL, &self);
	targetinfo_of(&self, &ti);
	ti.measurement[31] ^= 0x80;
	report(xf_tcs(&x, 1), &ti, NULL, &rep);
	report_key(xf_tcs(&x, 2), rep.keyid, key);
	ASSERT_FALSE(mac_ok(key, &rep));
	/* Attributes of the target matter too. */
	targetinfo_of(&self, &ti);
	ti.attributes.flags &= ~SGX_ATTR_DEBUG;
	report(xf_tcs(&x, 1), &ti, NULL, &rep);
	ASSERT_FALSE(mac_ok(key, &rep));
	/* And MISCSELECT. */
	targetinfo_of(&self, &ti);
	ti.miscselect = 0;
	report(xf_tcs(&x, 1), &ti, NULL, &rep);
	ASSERT_FALSE(mac_ok(key, &rep));
	/* Control: the true TARGETINFO verifies. */
	targetinfo_of(&self, &ti);
	report(xf_tcs(&x, 1), &ti, NULL, &rep);
	ASSERT_TRUE(mac_ok(key, &rep));
}

/* Local attestation: A reports to B, B's REPORT key verifies it. */
TEST(ereport, local_attestation)
{
	static struct xf x;
	struct sgxemu_enclave *b;
	struct sgx_report rb, rep;
	struct sgx_targetinfo ti;
	uint8_t data[64], kb[16], ka[16];

	xf_setup(&x);
	b = xf_load(&x, "test_enclave_b", "test_enclave_b.sig");
	report(sgxemu_enclave_tcs(b, 0), NULL, NULL, &rb);
	targetinfo_of(&rb, &ti);
	memset(data, 0xAB, sizeof(data));
	report(xf_tcs(&x, 0), &ti, data, &rep);
	/* The report describes A, not B. */
	ASSERT_NE(memcmp(rep.mrenclave, rb.mrenclave, 32), 0);
	ASSERT_MEMEQ(rep.reportdata, data, sizeof(data));

	report_key(sgxemu_enclave_tcs(b, 1), rep.keyid, kb);
	ASSERT_TRUE(mac_ok(kb, &rep));
	report_key(xf_tcs(&x, 1), rep.keyid, ka);
	ASSERT_NE(memcmp(ka, kb, 16), 0);
	ASSERT_FALSE(mac_ok(ka, &rep));
	/* Any change to the body breaks the MAC. */
	rep.isvsvn ^= 1;
	ASSERT_FALSE(mac_ok(kb, &rep));
	rep.isvsvn ^= 1;
	rep.reportdata[63] ^= 0x01;
	ASSERT_FALSE(mac_ok(kb, &rep));
	rep.reportdata[63] ^= 0x01;
	ASSERT_TRUE(mac_ok(kb, &rep));
}

/* SDM EREPORT: TARGETINFO outside ELRANGE -> #GP(0). */
TEST(ereport, targetinfo_outside_elrange_gp)
{
	static struct xf x;
	static struct encl_op op;
	static uint8_t host_ti[1024] __attribute__((aligned(512)));
	struct sgx_enclave_run run;
	uint64_t a = ((uint64_t)(uintptr_t)host_ti + 511) & ~511ULL;

	xf_setup(&x);
	ASSERT_TRUE(a < sgxemu_enclave_base(x.encl) ||
		    a >= sgxemu_enclave_base(x.encl) + sgxemu_enclave_size(x.encl));
	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_EREPORT_AT;
	op.a = a;
	op.r0 = 0x1234;
	ASSERT_EQ(xf_call(xf_tcs(&x, 0), &op, &run), 0);
	ASSERT_EQ(run.function, ERESUME);
	ASSERT_EQ(run.exception_vector, 13);
	ASSERT_EQ(op.r0, 0x1234);
	/* Another TCS still works. */
	{
		struct sgx_report rep;

		report(xf_tcs(&x, 1), NULL, NULL, &rep);
	}
}

/* A misaligned TARGETINFO inside the enclave -> #GP(0) as well. */
TEST(ereport, targetinfo_misaligned_gp)
{
	static struct xf x;
	static struct encl_op op;
	struct sgx_enclave_run run;

	xf_setup(&x);
	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_EREPORT_AT;
	op.a = sgxemu_enclave_base(x.encl) + 0x100;
	ASSERT_EQ(xf_call(xf_tcs(&x, 0), &op, &run), 0);
	ASSERT_EQ(run.function, ERESUME);
	ASSERT_EQ(run.exception_vector, 13);
}

/* --- EGETKEY: SEAL key dependencies -------------------------------------------- */

TEST(egetkey, seal_deterministic)
{
	static struct xf x;
	uint8_t k1[16], k2[16];

	xf_setup(&x);
	seal_key(xf_tcs(&x, 0), POLICY_MRENCLAVE, k1);
	seal_key(xf_tcs(&x, 1), POLICY_MRENCLAVE, k2);
	ASSERT_MEMEQ(k1, k2, 16);
	ASSERT_FALSE(all_zero(k1, 16));
	/* The enclave really wrote the key (getkey prefills 0xA5). */
	memset(k2, 0xA5, sizeof(k2));
	ASSERT_NE(memcmp(k1, k2, 16), 0);
}

/* A new platform on the same state dir, in another process, gives the same
 * SEAL key: the sealing secrets persist. */
TEST(egetkey, seal_stable_across_processes)
{
	static struct xf x;
	uint8_t k1[16], k2[16];
	int fds[2], status;
	pid_t pid;

	xf_setup(&x);
	seal_key(xf_tcs(&x, 0), POLICY_MRENCLAVE, k1);
	ASSERT_EQ(pipe(fds), 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		static struct xf y;
		uint8_t k[16];

		close(fds[0]);
		memset(&y, 0, sizeof(y));
		if (sgxemu_platform_create(NULL, &y.plat))
			_exit(2);
		if (sgxemu_enclave_load(y.plat, TEST_ENCLAVES "/test_enclave_a.sgxs",
					TEST_ENCLAVES "/test_enclave_a.sig", &y.encl))
			_exit(3);
		seal_key(xf_tcs(&y, 0), POLICY_MRENCLAVE, k);
		if (write(fds[1], k, sizeof(k)) != (ssize_t)sizeof(k))
			_exit(4);
		_exit(0);
	}
	close(fds[1]);
	ASSERT_EQ(read(fds[0], k2, sizeof(k2)), sizeof(k2));
	close(fds[0]);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	ASSERT_MEMEQ(k1, k2, 16);
}

/* Another machine (another state dir) has other fuses: another key. */
TEST(egetkey, seal_other_machine)
{
	static struct xf x, y;
	struct sgxemu_platform_options opts;
	char dir[1024];
	uint8_t k1[16], k2[16];

	xf_setup(&x);
	seal_key(xf_tcs(&x, 0), POLICY_MRENCLAVE, k1);
	snprintf(dir, sizeof(dir), "%s/other-machine", harness_tmpdir());
	ASSERT_EQ(mkdir(dir, 0700), 0);
	memset(&opts, 0, sizeof(opts));
	opts.state_dir = dir;
	memset(&y, 0, sizeof(y));
	if (sgxemu_platform_create(&opts, &y.plat))
		harness_fail(__FILE__, __LINE__, "platform: %s", sgxemu_last_error());
	y.encl = xf_load(&y, "test_enclave_a", "test_enclave_a.sig");
	seal_key(xf_tcs(&y, 0), POLICY_MRENCLAVE, k2);
	ASSERT_NE(memcmp(k1, k2, 16), 0);
	/* ... while the same machine still agrees with itself. */
	seal_key(xf_tcs(&x, 1), POLICY_MRENCLAVE, k2);
	ASSERT_MEMEQ(k1, k2, 16);
}

TEST(egetkey, seal_mrenclave_differs_between_enclaves)
{
	static struct xf x;
	struct sgxemu_enclave *b;
	uint8_t ka[16], kb[16];

	xf_setup(&x);
	b = xf_load(&x, "test_enclave_b", "test_enclave_b.sig");
	seal_key(xf_tcs(&x, 0), POLICY_MRENCLAVE, ka);
	seal_key(sgxemu_enclave_tcs(b, 0), POLICY_MRENCLAVE, kb);
	ASSERT_NE(memcmp(ka, kb, 16), 0);
}

TEST(egetkey, seal_mrsigner_shared_by_signer)
{
	static struct xf x;
	struct sgxemu_enclave *b;
	uint8_t ka[16], kb[16];

	xf_setup(&x);
	b = xf_load(&x, "test_enclave_b", "test_enclave_b.sig");
	seal_key(xf_tcs(&x, 0), POLICY_MRSIGNER, ka);
	seal_key(sgxemu_enclave_tcs(b, 0), POLICY_MRSIGNER, kb);
	ASSERT_MEMEQ(ka, kb, 16);
}

/* Same MRENCLAVE, other signer: the MRSIGNER key changes, the MRENCLAVE key
 * does not (the MRENCLAVE policy leaves MRSIGNER out). */
TEST(egetkey, seal_other_signer)
{
	static struct xf x;
	struct sgxemu_enclave *a2;
	uint8_t ka[16], ko[16];

	xf_setup(&x);
	a2 = xf_load(&x, "test_enclave_a", "test_enclave_a.other.sig");
	seal_key(xf_tcs(&x, 0), POLICY_MRSIGNER, ka);
	seal_key(sgxemu_enclave_tcs(a2, 0), POLICY_MRSIGNER, ko);
	ASSERT_NE(memcmp(ka, ko, 16), 0);
	seal_key(xf_tcs(&x, 1), POLICY_MRENCLAVE, ka);
	seal_key(sgxemu_enclave_tcs(a2, 1), POLICY_MRENCLAVE, ko);
	ASSERT_MEMEQ(ka, ko, 16);
}

TEST(egetkey, seal_policies_differ)
{
	static struct xf x;
	uint8_t ke[16], ks[16], kb[16], kn[16];

	xf_setup(&x);
	seal_key(xf_tcs(&x, 0), POLICY_MRENCLAVE, ke);
	seal_key(xf_tcs(&x, 0), POLICY_MRSIGNER, ks);
	seal_key(xf_tcs(&x, 0), POLICY_MRENCLAVE | POLICY_MRSIGNER, kb);
	seal_key(xf_tcs(&x, 0), 0, kn);
	ASSERT_NE(memcmp(ke, ks, 16), 0);
	ASSERT_NE(memcmp(kb, ke, 16), 0);
	ASSERT_NE(memcmp(kb, ks, 16), 0);
	ASSERT_NE(memcmp(kn, ke, 16), 0);
	ASSERT_NE(memcmp(kn, ks, 16), 0);
}

TEST(egetkey, seal_keyid)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k1[16], k2[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE, &kr);
	getkey_ok(xf_tcs(&x, 0), &kr, k1);
	kr.keyid[31] = 1;
	getkey_ok(xf_tcs(&x, 0), &kr, k2);
	ASSERT_NE(memcmp(k1, k2, 16), 0);
}

/* ATTRIBUTEMASK / MISCMASK select what the key binds; the mask itself is a
 * dependency (SDM: ATTRIBUTEMASK, ~MISCMASK). */
TEST(egetkey, seal_masks)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k0[16], k1[16], k2[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE, &kr);
	getkey_ok(xf_tcs(&x, 0), &kr, k0);
	/* Binding MODE64BIT and the XFRM changes TMP_ATTRIBUTES. */
	kr.attributemask.flags = SGX_ATTR_MODE64BIT;
	kr.attributemask.xfrm = 3;
	getkey_ok(xf_tcs(&x, 0), &kr, k1);
	ASSERT_NE(memcmp(k0, k1, 16), 0);
	/* PROVISIONKEY is not set: TMP_ATTRIBUTES stays, the mask changes. */
	kr.attributemask.flags |= SGX_ATTR_PROVISIONKEY;
	getkey_ok(xf_tcs(&x, 0), &kr, k2);
	ASSERT_NE(memcmp(k1, k2, 16), 0);
	/* Likewise MISCMASK: bit 0 is in MISCSELECT, bit 1 is not. */
	kr.miscmask = 1;
	getkey_ok(xf_tcs(&x, 0), &kr, k1);
	ASSERT_NE(memcmp(k1, k2, 16), 0);
	kr.miscmask = 3;
	getkey_ok(xf_tcs(&x, 0), &kr, k0);
	ASSERT_NE(memcmp(k0, k1, 16), 0);
	/* INIT and DEBUG are always bound: asking for them changes only the mask. */
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE, &kr);
	getkey_ok(xf_tcs(&x, 0), &kr, k0);
	kr.attributemask.flags = SGX_ATTR_INIT | SGX_ATTR_DEBUG;
	getkey_ok(xf_tcs(&x, 0), &kr, k1);
	ASSERT_NE(memcmp(k0, k1, 16), 0);
}

/* --- EGETKEY: SVN gates --------------------------------------------------------- */

TEST(egetkey, isvsvn_lower_allowed)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k2[16], k1[16], k0[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE, &kr);
	getkey_ok(xf_tcs(&x, 0), &kr, k2);
	kr.isvsvn = 1;
	getkey_ok(xf_tcs(&x, 0), &kr, k1);
	ASSERT_NE(memcmp(k1, k2, 16), 0);
	kr.isvsvn = 0;
	getkey_ok(xf_tcs(&x, 0), &kr, k0);
	ASSERT_NE(memcmp(k0, k1, 16), 0);
	ASSERT_NE(memcmp(k0, k2, 16), 0);
}

TEST(egetkey, isvsvn_higher_rejected)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE, &kr);
	kr.isvsvn = 3;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), ST_INVALID_ISVSVN);
	kr.isvsvn = 0xFFFF;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), ST_INVALID_ISVSVN);
	kr.isvsvn = 2;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), 0);
}

TEST(egetkey, cpusvn_lower_allowed)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t kcur[16], kzero[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE, &kr);
	ASSERT_FALSE(all_zero(kr.cpusvn, 16));
	getkey_ok(xf_tcs(&x, 0), &kr, kcur);
	memset(kr.cpusvn, 0, sizeof(kr.cpusvn));
	getkey_ok(xf_tcs(&x, 0), &kr, kzero);
	ASSERT_NE(memcmp(kcur, kzero, 16), 0);
}

TEST(egetkey, cpusvn_higher_rejected)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE, &kr);
	ASSERT_NE(kr.cpusvn[0], 0xFF);
	kr.cpusvn[0] = 0xFF;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), ST_INVALID_CPUSVN);
	/* CPUSVN wins over ISVSVN when both are too high. */
	kr.isvsvn = 3;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), ST_INVALID_CPUSVN);
}

/* --- EGETKEY: key names ----------------------------------------------------------- */

TEST(egetkey, invalid_keyname)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k[16];

	xf_setup(&x);
	memset(&kr, 0, sizeof(kr));
	kr.keyname = 5;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), ST_INVALID_KEYNAME);
	kr.keyname = 0xFFFF;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), ST_INVALID_KEYNAME);
}

/* The enclave has neither EINITTOKENKEY nor PROVISIONKEY. */
TEST(egetkey, privileged_keys_need_attributes)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), 0, &kr);
	kr.keyname = KEYNAME_EINITTOKEN;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), ST_INVALID_ATTRIBUTE);
	kr.keyname = KEYNAME_PROVISION;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), ST_INVALID_ATTRIBUTE);
	kr.keyname = KEYNAME_PROVISION_SEAL;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), ST_INVALID_ATTRIBUTE);
	/* The same request for a SEAL key succeeds. */
	kr.keyname = KEYNAME_SEAL;
	ASSERT_EQ(getkey(xf_tcs(&x, 0), &kr, k), 0);
}

/* REPORT key: KEYPOLICY, ISVSVN and CPUSVN of the request do not matter. */
TEST(egetkey, report_key_ignores_request_fields)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k0[16], k1[16], kid[16];

	xf_setup(&x);
	memset(&kr, 0, sizeof(kr));
	kr.keyname = KEYNAME_REPORT;
	getkey_ok(xf_tcs(&x, 0), &kr, k0);
	kr.keypolicy = POLICY_MRENCLAVE | POLICY_MRSIGNER;
	getkey_ok(xf_tcs(&x, 0), &kr, k1);
	ASSERT_MEMEQ(k0, k1, 16);
	kr.isvsvn = 1;
	memset(kr.cpusvn, 0, sizeof(kr.cpusvn));
	kr.attributemask.flags = ~0ULL;
	kr.miscmask = ~0U;
	getkey_ok(xf_tcs(&x, 0), &kr, k1);
	ASSERT_MEMEQ(k0, k1, 16);
	/* ... but KEYID does. */
	kr.keyid[0] = 1;
	getkey_ok(xf_tcs(&x, 0), &kr, kid);
	ASSERT_NE(memcmp(k0, kid, 16), 0);
	/* And it is not the SEAL key. */
	seal_key(xf_tcs(&x, 0), POLICY_MRENCLAVE, k1);
	ASSERT_NE(memcmp(k0, k1, 16), 0);
}

/* --- EGETKEY: #GP ----------------------------------------------------------------- */

TEST(egetkey, reserved_policy_bit_gp)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE | 0x40, &kr);
	getkey_gp(xf_tcs(&x, 0), &kr);
	kr.keypolicy = POLICY_MRENCLAVE | 0x8000;
	getkey_gp(xf_tcs(&x, 1), &kr);
	/* Control, on a fresh TCS: without the bit the request is fine. */
	kr.keypolicy = POLICY_MRENCLAVE;
	getkey_ok(xf_tcs(&x, 2), &kr, k);
}

/* NOISVPRODID is a KSS policy: #GP without ATTRIBUTES.KSS. */
TEST(egetkey, kss_policy_without_kss_gp)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE | POLICY_NOISVPRODID, &kr);
	getkey_gp(xf_tcs(&x, 0), &kr);
	/* CONFIGSVN > 0 needs KSS too. */
	kr.keypolicy = POLICY_MRENCLAVE;
	kr.configsvn = 1;
	getkey_gp(xf_tcs(&x, 1), &kr);
	kr.configsvn = 0;
	getkey_ok(xf_tcs(&x, 2), &kr, k);
}

TEST(egetkey, reserved_bytes_gp)
{
	static struct xf x;
	struct sgx_keyrequest kr;
	uint8_t k[16];

	xf_setup(&x);
	seal_req(xf_tcs(&x, 0), POLICY_MRENCLAVE, &kr);
	kr.reserved2[100] = 1;
	getkey_gp(xf_tcs(&x, 0), &kr);
	kr.reserved2[100] = 0;
	kr.reserved1 = 1;
	getkey_gp(xf_tcs(&x, 1), &kr);
	kr.reserved1 = 0;
	kr.reserved2[sizeof(kr.reserved2) - 1] = 0x80;
	getkey_gp(xf_tcs(&x, 2), &kr);
	kr.reserved2[sizeof(kr.reserved2) - 1] = 0;
	getkey_ok(xf_tcs(&x, 3), &kr, k);
}
