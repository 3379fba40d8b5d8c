// SPDX-License-Identifier: MIT
/*
 * Virtualization (architecture.md section 6): VMs whose EPC is a virtual
 * EPC of their host, their trapped ECREATE and EINIT, the seed's VM
 * creation rules, and /dev/sgx_vepc.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "api/api.h"
#include "base/file.h"
#include "base/hex.h"
#include "cpu/crypto.h"
#include "exec_fixture.h"
#include "sgxemu/sgx_seed.h"

#define SIG_A "test_enclave_a.sig"
#define SIG_OTHER "test_enclave_a.other.sig"
#define LE TEST_ENCLAVES "/launch_enclave"

/* The Intel launch key's hash, as lehash= spells it (MSR0's bytes first). */
#define INTEL_HEX "acb77012053e05a63d413b8bbae8fb6c5d73b3f2996d91c43bbbf90959c0f8d4"

static struct sgxemu_platform *host(const char *policy, unsigned int nr_lps, int locked)
{
	struct sgxemu_platform_options o = { .epc_size = 4 << 20, .nr_lps = nr_lps,
					     .launch_policy = policy, .lc_locked = locked };
	struct sgxemu_platform *p;

	if (sgxemu_platform_create(&o, &p))
		harness_fail(__FILE__, __LINE__, "host: %s", sgxemu_last_error());
	return p;
}

static struct sgxemu_platform *guest(struct sgxemu_platform *h, const char *sgx,
				     const struct sgxemu_platform_options *o)
{
	struct sgxemu_platform *g;

	if (sgxemu_vm_create(h, sgx, o, &g))
		harness_fail(__FILE__, __LINE__, "VM %s: %s", sgx, sgxemu_last_error());
	return g;
}

/* MRSIGNER of a signature in the test enclave directory, in hex. */
static void signer_hex(const char *sig, char hex[65])
{
	char path[1024];
	u8 *buf, digest[32];
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", TEST_ENCLAVES, sig);
	ASSERT_EQ(file_read_all(path, 4096, &buf, &len), 0);
	ASSERT_EQ(len, 1808);
	crypto_sha256(buf + 128, 384, digest);
	hex_encode(hex, digest, sizeof(digest));
	free(buf);
}

static int try_load(struct sgxemu_platform *p, const char *sig, struct sgxemu_enclave **out)
{
	char sgxs[1024], sigp[1024];
	struct sgxemu_enclave *e;
	int err;

	snprintf(sgxs, sizeof(sgxs), "%s/test_enclave_a.sgxs", TEST_ENCLAVES);
	snprintf(sigp, sizeof(sigp), "%s/%s", TEST_ENCLAVES, sig);
	err = sgxemu_enclave_load(p, sgxs, sigp, &e);
	if (err)
		return err;
	if (out)
		*out = e;
	else
		sgxemu_enclave_destroy(e);
	return 0;
}

/* PUT then GET through two TCSs: the enclave runs and keeps its state. */
static void run_once(struct sgxemu_enclave *e, u64 value)
{
	struct sgx_enclave_run run;
	struct encl_op op = { .type = ENCL_OP_PUT, .a = value };

	ASSERT_EQ(xf_call(sgxemu_enclave_tcs(e, 0), &op, &run), 0);
	ASSERT_EQ(run.function, EEXIT);
	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_GET;
	ASSERT_EQ(xf_call(sgxemu_enclave_tcs(e, 1), &op, &run), 0);
	ASSERT_EQ(op.r0, value);
	ASSERT_EQ(op.r1, ENCLAVE_VARIANT_A);
}

static u64 host_free(struct sgxemu_platform *p)
{
	uint64_t total, free_pages;

	sgxemu_epc_stats(p, &total, &free_pages);
	return free_pages;
}

static u64 vm_pages(struct sgxemu_platform *g)
{
	struct sgxemu_vm_stats st;

	ASSERT_EQ(sgxemu_vm_stats(g, &st), 0);
	return st.host_pages;
}

/* A host and two guests in one process share one EPC: what a guest uses
 * comes off the host's free pages, from its first use, and goes back when
 * the VM goes. */
TEST(vm, host_and_two_guests_share_one_epc)
{
	struct sgxemu_platform *h = host(NULL, 2, 0), *g1, *g2;
	struct sgxemu_enclave *eh, *e1, *e2;
	u64 free0 = host_free(h), free1, used;
	char a[65], sgx[160];

	signer_hex(SIG_A, a);
	snprintf(sgx, sizeof(sgx), "epc=1M,lehash=%s", a);
	g1 = guest(h, sgx, NULL);
	g2 = guest(h, "epc=1M,lewr", NULL);
	/* Mapping a virtual EPC takes nothing yet but its VMM's version
	 * array: a page per 512 guest pages, so the VMM can always evict. */
	ASSERT_EQ(host_free(h), free0 - 2);
	ASSERT_EQ(vm_pages(g1), 0);
	free0 -= 2;
	ASSERT_EQ(try_load(h, SIG_A, &eh), 0);
	free1 = host_free(h);
	used = free0 - free1;
	ASSERT_GT(used, 0);
	ASSERT_EQ(try_load(g1, SIG_A, &e1), 0);
	ASSERT_EQ(try_load(g2, SIG_A, &e2), 0);
	/* Each guest's enclave costs the host what it costs a host enclave. */
	ASSERT_EQ(vm_pages(g1), used);
	ASSERT_EQ(vm_pages(g2), used);
	ASSERT_EQ(host_free(h), free1 - 2 * used);
	run_once(eh, 0x1111);
	run_once(e1, 0x2222);
	run_once(e2, 0x3333);
	run_once(eh, 0x4444);
	sgxemu_enclave_destroy(e1);
	sgxemu_enclave_destroy(e2);
	/* Freed in the guest, the pages stay the VM's until it goes. */
	ASSERT_EQ(vm_pages(g1), used);
	sgxemu_platform_destroy(g1);
	sgxemu_platform_destroy(g2);
	ASSERT_EQ(host_free(h), free1 + 2);
	sgxemu_enclave_destroy(eh);
	ASSERT_EQ(host_free(h), free0 + 2);
	sgxemu_platform_destroy(h);
}

/*
 * A guest's EPC may be larger than its host's, and its enclave too: the
 * VMM pages it, down to a host of 16 pages (the smallest EPC), which
 * holds what the guest enclave keeps in the EPC (SECS, TCSs, SSA frames,
 * code, the version arrays) with room to spare.
 */
TEST(vm, guest_epc_larger_than_the_host)
{
	static const u64 host_sizes[] = { 256 << 10, 64 << 10 };
	struct sgxemu_platform_options o = { .nr_lps = 1 };
	struct sgxemu_platform *h, *g;
	struct sgxemu_enclave *e;
	struct sgxemu_vm_stats st;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		o.epc_size = host_sizes[i];
		ASSERT_EQ(sgxemu_platform_create(&o, &h), 0);
		g = guest(h, "epc=1M,lewr", NULL);
		ASSERT_EQ(try_load(g, SIG_A, &e), 0);
		run_once(e, 0x5151 + i);
		ASSERT_EQ(sgxemu_vm_stats(g, &st), 0);
		ASSERT_GT(st.vmm_evicted, 0);
		ASSERT_GT(st.vmm_reloaded, 0);
		ASSERT_LE(st.host_pages, host_sizes[i] / 4096);
		sgxemu_enclave_destroy(e);
		sgxemu_platform_destroy(g);
		sgxemu_platform_destroy(h);
	}
}

/*
 * The seed's creation rules as a full matrix: hosts that allow every
 * signer, one hash, several hashes, and locked MSRs, against lehash
 * (default, listed, unlisted) with and without lewr.
 */
TEST(vm, creation_rules_matrix)
{
	char a[65], o[65], one[80], several[160], cfg[200];
	const char *hashes[3];
	struct {
		const char *policy;
		int locked;
		/* expected for lehash = Intel's, a, o; then each with lewr */
		int ok[6];
		const char *why;
	} hosts[] = {
		{ NULL, 0, { 1, 1, 1, 1, 1, 1 }, NULL },
		{ one, 0, { 0, 1, 0, 0, 0, 0 }, "allow list" },
		{ several, 0, { 0, 1, 1, 0, 0, 0 }, "allow list" },
		{ NULL, 1, { 1, 0, 0, 0, 0, 0 }, "locked" },
	};
	unsigned int i, j;

	signer_hex(SIG_A, a);
	signer_hex(SIG_OTHER, o);
	snprintf(one, sizeof(one), "allow=%s", a);
	snprintf(several, sizeof(several), "allow=%s,%s", o, a);
	hashes[0] = INTEL_HEX;
	hashes[1] = a;
	hashes[2] = o;
	for (i = 0; i < ARRAY_SIZE(hosts); i++) {
		struct sgxemu_platform *h = host(hosts[i].policy, 1, hosts[i].locked), *g;

		for (j = 0; j < 6; j++) {
			int err;

			snprintf(cfg, sizeof(cfg), "epc=64K,lehash=%s%s", hashes[j % 3],
				 j >= 3 ? ",lewr" : "");
			err = sgxemu_vm_create(h, cfg, NULL, &g);
			if (hosts[i].ok[j]) {
				if (err)
					harness_fail(__FILE__, __LINE__, "host %u, %s: %s", i, cfg,
						     sgxemu_last_error());
				sgxemu_platform_destroy(g);
				continue;
			}
			if (err != -EPERM)
				harness_fail(__FILE__, __LINE__, "host %u, %s: got %d", i, cfg, err);
			ASSERT_STR_CONTAINS(sgxemu_last_error(), "VM refused");
			ASSERT_STR_CONTAINS(sgxemu_last_error(), hosts[i].why);
		}
		sgxemu_platform_destroy(h);
	}
}

TEST(vm, bad_configurations)
{
	static const char *const bad[] = { "", "epc=", "epc=0", "epc=1000", "epc=4Q", "lewr",
					   "epc=64K,lehash=12", "epc=64K,lehash=" INTEL_HEX "00",
					   "epc=64K,colour=blue", "epc=99999999999999999999" };
	struct sgxemu_platform *h = host(NULL, 1, 0), *g;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (sgxemu_vm_create(h, bad[i], NULL, &g) != -EINVAL)
			harness_fail(__FILE__, __LINE__, "'%s' was accepted", bad[i]);
		ASSERT_EQ(sgxemu_vm_config_check(bad[i]), -EINVAL);
		ASSERT_STR_CONTAINS(sgxemu_last_error(), "--sgx");
	}
	ASSERT_EQ(sgxemu_vm_config_check("epc=64K,lehash=" INTEL_HEX ",lewr"), 0);
	sgxemu_platform_destroy(h);
	/* A guest's CPUID limits default to its host's, the ELRANGE limit
	 * too. */
	{
		struct sgxemu_platform_options o = { .epc_size = 1 << 20,
						     .max_enclave_size_log2 = 32 };
		u32 regs[4];

		ASSERT_EQ(sgxemu_platform_create(&o, &h), 0);
		g = guest(h, "epc=64K", NULL);
		sgxemu_cpuid(g, 0x12, 0, regs);
		ASSERT_EQ((regs[3] >> 8) & 0xFF, 32);
		sgxemu_platform_destroy(g);
	}
	ASSERT_EQ(sgxemu_vm_vepc_fd(h), -EINVAL);
	sgxemu_platform_destroy(h);
}

/*
 * Guest ECREATE exits and is checked against the guest's CPUID.(12H,*):
 * what the host would take, the guest refuses with #GP when its CPUID
 * does not offer it.
 */
TEST(vm, guest_ecreate_checked_against_guest_cpuid)
{
	struct sgxemu_platform *h = host(NULL, 1, 0), *g;
	struct sgxemu_platform_options o = { 0 };
	struct sgxemu_vm_stats st;
	struct sgxemu_enclave *e;
	u32 regs[4];

	/* An ELRANGE limit below the test enclave's size. */
	o.max_enclave_size_log2 = 16;
	g = guest(h, "epc=1M,lewr", &o);
	sgxemu_cpuid(g, 0x12, 0, regs);
	ASSERT_EQ((regs[3] >> 8) & 0xFF, 16);
	ASSERT_EQ(try_load(g, SIG_A, NULL), -EIO);
	ASSERT_EQ(sgxemu_vm_stats(g, &st), 0);
	ASSERT_EQ(st.ecreate_exits, 1);
	ASSERT_EQ(st.gp_injected, 1);
	ASSERT_EQ(st.einit_exits, 0);
	sgxemu_platform_destroy(g);
	/* No DEBUG attribute in the guest's CPUID.(12H,1): the debug enclave
	 * cannot be created there, while the host runs it. */
	o.max_enclave_size_log2 = 0;
	o.attributes = SGX_ATTR_MODE64BIT | SGX_ATTR_PROVISIONKEY | SGX_ATTR_EINITTOKENKEY;
	g = guest(h, "epc=1M,lewr", &o);
	sgxemu_cpuid(g, 0x12, 1, regs);
	ASSERT_EQ(regs[0] & SGX_ATTR_DEBUG, 0);
	ASSERT_EQ(try_load(g, SIG_A, NULL), -EIO);
	ASSERT_EQ(sgxemu_vm_stats(g, &st), 0);
	ASSERT_EQ(st.gp_injected, 1);
	sgxemu_platform_destroy(g);
	/* The same limits with room for it: it runs. */
	g = guest(h, "epc=1M,lewr", NULL);
	sgxemu_cpuid(g, 0x12, 2, regs);
	ASSERT_EQ(regs[2] & 0xFFFFF000, 1 << 20);   /* the guest's EPC section */
	ASSERT_EQ(try_load(g, SIG_A, &e), 0);
	run_once(e, 7);
	ASSERT_EQ(sgxemu_vm_stats(g, &st), 0);
	ASSERT_EQ(st.ecreate_exits, 1);
	ASSERT_EQ(st.einit_exits, 1);
	ASSERT_EQ(st.gp_injected, 0);
	sgxemu_enclave_destroy(e);
	sgxemu_platform_destroy(g);
	ASSERT_EQ(try_load(h, SIG_A, NULL), 0);
	sgxemu_platform_destroy(h);
}

/*
 * Guest EINIT runs with the guest's virtual hash: a guest fixed at one
 * signer's hash launches that signer only (others need a token), a guest
 * with lewr launches any signer its own driver points the MSRs at, and
 * under a host allow list only a listed hash gets a VM at all.
 */
TEST(vm, guest_einit_verdicts_under_host_policies)
{
	char a[65], o[65], policy[80], sgx[160];
	struct sgxemu_platform *h, *g;

	signer_hex(SIG_A, a);
	signer_hex(SIG_OTHER, o);
	/* Host allows every signer. */
	h = host(NULL, 1, 0);
	g = guest(h, "epc=1M", NULL);       /* Intel's hash, fixed */
	ASSERT_EQ(try_load(g, SIG_A, NULL), -EPERM);
	sgxemu_platform_destroy(g);
	snprintf(sgx, sizeof(sgx), "epc=1M,lehash=%s", a);
	g = guest(h, sgx, NULL);
	ASSERT_EQ(try_load(g, SIG_A, NULL), 0);
	ASSERT_EQ(try_load(g, SIG_OTHER, NULL), -EPERM);
	sgxemu_platform_destroy(g);
	g = guest(h, "epc=1M,lewr", NULL);
	ASSERT_EQ(try_load(g, SIG_A, NULL), 0);
	ASSERT_EQ(try_load(g, SIG_OTHER, NULL), 0);
	sgxemu_platform_destroy(g);
	sgxemu_platform_destroy(h);
	/* Host allows a's signer: so does its guest, and nothing else. */
	snprintf(policy, sizeof(policy), "allow=%s", a);
	h = host(policy, 1, 0);
	g = guest(h, sgx, NULL);
	ASSERT_EQ(try_load(g, SIG_A, NULL), 0);
	ASSERT_EQ(try_load(g, SIG_OTHER, NULL), -EPERM);
	sgxemu_platform_destroy(g);
	ASSERT_EQ(try_load(h, SIG_OTHER, NULL), -EPERM);
	sgxemu_platform_destroy(h);
	/* Host with locked MSRs at Intel's hash: its guests have that hash. */
	h = host(NULL, 1, 1);
	g = guest(h, "epc=1M", NULL);
	ASSERT_EQ(try_load(g, SIG_A, NULL), -EPERM);
	sgxemu_platform_destroy(g);
	sgxemu_platform_destroy(h);
}

/*
 * A host that launches a single LE's signer (an allow list of one hash,
 * or hash MSRs locked at one) gives a guest configured without lehash=
 * that hash, not Intel's: the VM is accepted and launches that signer.  A
 * given lehash= stays; a host with two hashes keeps Intel's default.
 */
TEST(vm, single_le_host_gives_guests_its_hash)
{
	char a[65], o[65], policy[160];
	struct sgxemu_platform *h, *g;

	signer_hex(SIG_A, a);
	signer_hex(SIG_OTHER, o);
	snprintf(policy, sizeof(policy), "allow=%s", a);
	h = host(policy, 1, 0);
	g = guest(h, "epc=1M", NULL);
	ASSERT_EQ(try_load(g, SIG_A, NULL), 0);
	ASSERT_EQ(try_load(g, SIG_OTHER, NULL), -EPERM);
	sgxemu_platform_destroy(g);
	ASSERT_EQ(sgxemu_vm_create(h, "epc=1M,lehash=" INTEL_HEX, NULL, &g), -EPERM);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "allow list");
	ASSERT_EQ(sgxemu_vm_create(h, "epc=1M,lewr", NULL, &g), -EPERM);
	sgxemu_platform_destroy(h);
	/* Locked at a's hash: the host launches a alone, and so does its guest. */
	snprintf(policy, sizeof(policy), "locked=%s", a);
	h = host(policy, 1, 0);
	ASSERT_EQ(try_load(h, SIG_A, NULL), 0);
	ASSERT_EQ(try_load(h, SIG_OTHER, NULL), -EPERM);
	g = guest(h, "epc=1M", NULL);
	ASSERT_EQ(try_load(g, SIG_A, NULL), 0);
	ASSERT_EQ(try_load(g, SIG_OTHER, NULL), -EPERM);
	sgxemu_platform_destroy(g);
	ASSERT_EQ(sgxemu_vm_create(h, "epc=1M,lehash=" INTEL_HEX, NULL, &g), -EPERM);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "locked");
	sgxemu_platform_destroy(h);
	/* Two hashes: no single one, so Intel's, which the list lacks. */
	snprintf(policy, sizeof(policy), "allow=%s,%s", o, a);
	h = host(policy, 1, 0);
	ASSERT_EQ(sgxemu_vm_create(h, "epc=1M", NULL, &g), -EPERM);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "(Intel's, the default)");
	sgxemu_platform_destroy(h);
}

/*
 * "locked[=HASH]" is a launch policy like the others: the hash MSRs
 * read-only at HASH (Intel's by default).  A guest's own policy cannot be
 * locked (its lock is !lewr).
 */
TEST(vm, locked_launch_policy)
{
	struct sgxemu_platform_options go = { .launch_policy = "locked" };
	struct sgxemu_platform *h, *g;
	char a[65], policy[80];

	signer_hex(SIG_A, a);
	snprintf(policy, sizeof(policy), "locked=%s", a);
	ASSERT_EQ(sgxemu_launch_policy_check("locked"), 0);
	ASSERT_EQ(sgxemu_launch_policy_check(policy), 0);
	ASSERT_EQ(sgxemu_launch_policy_check("locked=12"), -EINVAL);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "locked");
	ASSERT_EQ(sgxemu_launch_policy_check("lockedx"), -EINVAL);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "locked[=HASH]");
	/* Locked at Intel's: a's signer cannot launch without a token. */
	h = host("locked", 1, 0);
	ASSERT_EQ(try_load(h, SIG_A, NULL), -EPERM);
	g = guest(h, "epc=1M", NULL);
	sgxemu_platform_destroy(g);
	ASSERT_EQ(sgxemu_vm_create(h, "epc=1M,lewr", NULL, &g), -EPERM);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "locked");
	ASSERT_EQ(sgxemu_vm_create(h, "epc=1M", &go, &g), -EINVAL);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "cannot be locked");
	sgxemu_platform_destroy(h);
}

/*
 * A vEPC the VMM made itself (the seed's SGX_IOC_CREATE_VIRTUAL_EPC, or
 * /dev/sgx_vepc) backs a VM: the guest's pages are that file's, the
 * descriptor stays the VMM's, and a file backs one VM at most.
 */
TEST(vm, vmm_made_vepc_backs_a_vm)
{
	struct sgxemu_platform *h = host(NULL, 1, 0), *other = host(NULL, 1, 0), *g, *g2;
	struct sgxemu_enclave *e;
	char sgx[160], a[65];
	int dev, v, w, encl, ov;
	u64 free0 = host_free(h);

	signer_hex(SIG_A, a);
	snprintf(sgx, sizeof(sgx), "epc=1M,lehash=%s", a);
	dev = sgxemu_open(h, "/dev/sgx", O_RDWR);
	ASSERT_GE(dev, 0);
	v = sgxemu_ioctl(dev, SGX_IOC_CREATE_VIRTUAL_EPC, 0);
	ASSERT_GE(v, 0);
	ASSERT_EQ(sgxemu_vm_create_vepc(h, v, sgx, NULL, &g), 0);
	ASSERT_EQ(sgxemu_vm_vepc_fd(g), v);
	ASSERT_EQ(try_load(g, SIG_A, &e), 0);
	run_once(e, 0x5eed);
	ASSERT_GT(vm_pages(g), 0);
	ASSERT_LE(host_free(h), free0 - vm_pages(g));
	/* One VM per file. */
	ASSERT_EQ(sgxemu_vm_create_vepc(h, v, "epc=1M", NULL, &g2), -EBUSY);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "backs a VM already");
	sgxemu_enclave_destroy(e);
	sgxemu_platform_destroy(g);
	/* The VMM's descriptor outlives the VM, and its file backs another. */
	ASSERT_EQ(sgxemu_ioctl(v, SGX_IOC_VEPC_REMOVE_ALL, 0), 0);
	ASSERT_EQ(sgxemu_vm_create_vepc(h, v, sgx, NULL, &g), 0);
	ASSERT_EQ(try_load(g, SIG_A, NULL), 0);
	sgxemu_platform_destroy(g);
	ASSERT_EQ(sgxemu_close(v), 0);
	ASSERT_EQ(host_free(h), free0);
	/* /dev/sgx_vepc; the VMM closes its descriptor while the VM runs. */
	w = sgxemu_open(h, "/dev/sgx_vepc", O_RDWR);
	ASSERT_GE(w, 0);
	ASSERT_EQ(sgxemu_vm_create_vepc(h, w, sgx, NULL, &g), 0);
	ASSERT_EQ(sgxemu_close(w), 0);
	ASSERT_EQ(try_load(g, SIG_A, &e), 0);
	run_once(e, 0xfeed);
	sgxemu_enclave_destroy(e);
	sgxemu_platform_destroy(g);
	ASSERT_EQ(host_free(h), free0);
	/* Not a vEPC, or another host's: refused. */
	ASSERT_EQ(sgxemu_vm_create_vepc(h, -1, sgx, NULL, &g), -EBADF);
	encl = sgxemu_open(h, "/dev/sgx_enclave", O_RDWR);
	ASSERT_GE(encl, 0);
	ASSERT_EQ(sgxemu_vm_create_vepc(h, encl, sgx, NULL, &g), -EINVAL);
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "not a virtual EPC of this host");
	ASSERT_EQ(sgxemu_vm_create_vepc(h, dev, sgx, NULL, &g), -EINVAL);
	ov = sgxemu_open(other, "/dev/sgx_vepc", O_RDWR);
	ASSERT_GE(ov, 0);
	ASSERT_EQ(sgxemu_vm_create_vepc(h, ov, sgx, NULL, &g), -EINVAL);
	/* The rules hold for it too. */
	ASSERT_EQ(sgxemu_vm_create_vepc(other, ov, "epc=1M,lehash=12", NULL, &g), -EINVAL);
	ASSERT_EQ(sgxemu_close(ov), 0);
	ASSERT_EQ(sgxemu_close(encl), 0);
	ASSERT_EQ(sgxemu_close(dev), 0);
	sgxemu_platform_destroy(other);
	sgxemu_platform_destroy(h);
}

/*
 * The VMM's own mapping of its vEPC, as on Linux: a page's first touch
 * takes it from the host's EPC (the guest's page at that offset), reads
 * see the abort page (all ones) whatever the guest keeps there, writes are
 * dropped.
 */
TEST(vm, vmm_touches_its_vepc_mapping)
{
	struct sgxemu_platform *h = host(NULL, 1, 0), *g;
	struct sgxemu_enclave *e;
	volatile u64 *m;
	char sgx[160], a[65];
	u64 free0 = host_free(h), i, pages;
	int v;

	v = sgxemu_open(h, "/dev/sgx_vepc", O_RDWR);
	ASSERT_GE(v, 0);
	ASSERT_EQ(sgxemu_mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, v, 0,
			      (void **)&m),
		  0);
	ASSERT_EQ(host_free(h), free0);
	/* A read takes the page and sees ones. */
	ASSERT_EQ(m[0], ~0ULL);
	ASSERT_EQ(host_free(h), free0 - 1);
	ASSERT_EQ(m[1], ~0ULL);
	/* A write goes nowhere, and takes no other page. */
	m[1] = 0x1234;
	ASSERT_EQ(m[1], ~0ULL);
	ASSERT_EQ(host_free(h), free0 - 1);
	/* A write first: the page is taken, the write dropped. */
	m[512 + 3] = 42;
	ASSERT_EQ(m[512 + 3], ~0ULL);
	ASSERT_EQ(host_free(h), free0 - 2);
	/* A locked read-modify-write reads ones.  (Not under TSan: its
	 * runtime performs the atomic with its own lock held, which the
	 * fault handler's atomics then wait for.) */
#ifndef SGXEMU_TSAN
	ASSERT_EQ(__atomic_fetch_add(&m[1], 1, __ATOMIC_SEQ_CST), ~0ULL);
	ASSERT_EQ(m[1], ~0ULL);
#endif
	/* A write that straddles two pages. */
	memset((char *)m + 4 * 4096 - 3, 0, 6);
	ASSERT_EQ(m[4 * 512 - 1], ~0ULL);
	ASSERT_EQ(m[4 * 512], ~0ULL);
	/* A guest on the file: its enclave's pages read as ones too. */
	signer_hex(SIG_A, a);
	snprintf(sgx, sizeof(sgx), "epc=1M,lehash=%s", a);
	ASSERT_EQ(sgxemu_vm_create_vepc(h, v, sgx, NULL, &g), 0);
	ASSERT_EQ(try_load(g, SIG_A, &e), 0);
	run_once(e, 0x5eed);
	pages = vm_pages(g);
	for (i = 0; i < 256; i++)
		ASSERT_EQ(m[i * 512 + 7], ~0ULL);
	/* Every page is the VM's now, and the enclave still runs. */
	ASSERT_EQ(vm_pages(g), 256);
	ASSERT_GT(pages, 4);
	run_once(e, 0xbeef);
	sgxemu_enclave_destroy(e);
	sgxemu_platform_destroy(g);
	ASSERT_EQ(sgxemu_munmap((void *)m, 1 << 20), 0);
	ASSERT_EQ(sgxemu_close(v), 0);
	ASSERT_EQ(host_free(h), free0);
	sgxemu_platform_destroy(h);
}

/*
 * A guest whose hash is its launch enclave's key runs other signers
 * through that LE's tokens: the LE (EGETKEY(EINITTOKEN) in the guest) and
 * EINIT (trapped, on a host LP) derive the same key.  (The LE and
 * test_enclave_a.sig share a signer; .other.sig does not.)
 */
TEST(vm, launch_enclave_in_a_guest)
{
	struct sgxemu_platform_options o = { 0 };
	char le[65], policy[80], sgx[160];
	struct sgxemu_platform *h, *g;
	struct sgxemu_enclave *e;
	char path[1024];
	u8 *buf, digest[32];
	size_t len;

	snprintf(path, sizeof(path), "%s.sig", LE);
	ASSERT_EQ(file_read_all(path, 4096, &buf, &len), 0);
	crypto_sha256(buf + 128, 384, digest);
	hex_encode(le, digest, sizeof(digest));
	free(buf);
	snprintf(policy, sizeof(policy), "allow=%s", le);
	h = host(policy, 1, 0);
	snprintf(sgx, sizeof(sgx), "epc=2M,lehash=%s", le);
	o.launch_policy = policy;
	o.launch_enclave = LE;
	g = guest(h, sgx, &o);
	ASSERT_EQ(try_load(g, SIG_OTHER, &e), 0);
	run_once(e, 0xABCD);
	sgxemu_enclave_destroy(e);
	ASSERT_EQ(try_load(g, SIG_A, NULL), 0);
	sgxemu_platform_destroy(g);
	/* Without the LE the same guest refuses the other signer. */
	g = guest(h, sgx, NULL);
	ASSERT_EQ(try_load(g, SIG_OTHER, NULL), -EPERM);
	ASSERT_EQ(try_load(g, SIG_A, NULL), 0);
	sgxemu_platform_destroy(g);
	sgxemu_platform_destroy(h);
}

/*
 * Guests' EINITs go through the host's per-LP cache: nothing is written
 * on VM entry or exit, a guest that keeps one hash costs 4 writes in all,
 * and two guests with different hashes alternating on one LP cost 4 per
 * EINIT.
 */
TEST(vm, guest_einit_through_the_host_lp_cache)
{
	char a[65], o[65], sgx[160];
	struct sgxemu_platform *h = host(NULL, 1, 0), *ga, *go;
	struct sgxemu_lp_stats s;
	int i;

	signer_hex(SIG_A, a);
	signer_hex(SIG_OTHER, o);
	snprintf(sgx, sizeof(sgx), "epc=1M,lehash=%s", a);
	ga = guest(h, sgx, NULL);
	snprintf(sgx, sizeof(sgx), "epc=1M,lehash=%s", o);
	go = guest(h, sgx, NULL);
	ASSERT_EQ(sgxemu_lp_stats(h, 0, &s), 0);
	ASSERT_EQ(s.msr_writes, 0);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(try_load(ga, SIG_A, NULL), 0);
	ASSERT_EQ(sgxemu_lp_stats(h, 0, &s), 0);
	ASSERT_EQ(s.einits, 10);
	ASSERT_EQ(s.msr_writes, 4);
	ASSERT_EQ(s.cache_hits, 9);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(try_load(i % 2 ? ga : go, i % 2 ? SIG_A : SIG_OTHER, NULL), 0);
	ASSERT_EQ(sgxemu_lp_stats(h, 0, &s), 0);
	ASSERT_EQ(s.einits, 20);
	ASSERT_EQ(s.msr_writes, 4 + 40);
	/* The guests' own (virtual) MSRs are fixed: their drivers write none. */
	ASSERT_EQ(sgxemu_lp_stats(ga, 0, &s), 0);
	ASSERT_EQ(s.msr_writes, 0);
	sgxemu_platform_destroy(ga);
	sgxemu_platform_destroy(go);
	sgxemu_platform_destroy(h);
}

/*
 * SGX_IOC_VEPC_REMOVE_ALL with a live guest enclave: the SECS still has
 * children when its turn comes, so the first call reports 1 and the
 * second, with the children gone, 0 -- as Linux's, which QEMU calls on
 * reset until it returns 0.
 */
TEST(vm, vepc_remove_all_with_live_secs)
{
	struct sgxemu_platform *h = host(NULL, 2, 0), *g;
	struct sgxemu_enclave *e;
	u64 free_start = host_free(h), free0, used;
	int fd;

	g = guest(h, "epc=1M,lewr", NULL);
	free0 = host_free(h);
	ASSERT_EQ(try_load(g, SIG_A, &e), 0);
	run_once(e, 1);
	used = vm_pages(g);
	fd = sgxemu_vm_vepc_fd(g);
	ASSERT_GE(fd, 0);
	ASSERT_STREQ(sgxemu_fd_path(fd), "/dev/sgx_vepc");
	ASSERT_EQ(sgxemu_ioctl(fd, SGX_IOC_VEPC_REMOVE_ALL, 0), 1);
	ASSERT_EQ(sgxemu_ioctl(fd, SGX_IOC_VEPC_REMOVE_ALL, 0), 0);
	/* The pages stay the VM's, and the guest's enclave is gone (its
	 * TCS is no longer a TCS: EENTER faults). */
	ASSERT_EQ(vm_pages(g), used);
	ASSERT_EQ(host_free(h), free0 - used);
	{
		struct sgx_enclave_run run;
		struct encl_op op = { .type = ENCL_OP_NOP };

		ASSERT_EQ(xf_call(sgxemu_enclave_tcs(e, 0), &op, &run), 0);
		ASSERT_EQ(run.function, EENTER);
		ASSERT_EQ(run.exception_vector, 14);
	}
	sgxemu_enclave_destroy(e);
	/* The VMM's descriptor may go (a program closing every fd): the
	 * VM holds its virtual EPC, as a mapping holds the file on Linux. */
	ASSERT_EQ(sgxemu_close(fd), 0);
	ASSERT_EQ(try_load(g, SIG_A, &e), 0);   /* the guest goes on */
	run_once(e, 2);
	ASSERT_EQ(vm_pages(g), used);
	sgxemu_enclave_destroy(e);
	sgxemu_platform_destroy(g);
	ASSERT_EQ(host_free(h), free_start);
	sgxemu_platform_destroy(h);
}

/* /dev/sgx_vepc and the seed's SGX_IOC_CREATE_VIRTUAL_EPC. */
TEST(vm, vepc_device)
{
	struct sgxemu_platform *h = host(NULL, 1, 0);
	u64 free0 = host_free(h);
	int sgx, v1, v2;
	void *m;

	sgx = sgxemu_open(h, "/dev/sgx", O_RDWR);
	ASSERT_GE(sgx, 0);
	v1 = sgxemu_ioctl(sgx, SGX_IOC_CREATE_VIRTUAL_EPC, 0);
	ASSERT_GE(v1, 0);
	ASSERT_STREQ(sgxemu_fd_path(v1), "/dev/sgx_vepc");
	v2 = sgxemu_open(h, "/dev/sgx_vepc", O_RDWR);
	ASSERT_GE(v2, 0);
	ASSERT_EQ(sgxemu_mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE, v1, 0, &m),
		  -EINVAL);
	ASSERT_EQ(sgxemu_mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, v1, 100, &m),
		  -EINVAL);
	ASSERT_EQ(sgxemu_mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, v1, 0, &m), 0);
	/* Pages come on first use, not with the mapping. */
	ASSERT_EQ(host_free(h), free0);
	ASSERT_EQ(sgxemu_ioctl(v1, SGX_IOC_VEPC_REMOVE_ALL, 0), 0);
	ASSERT_EQ(sgxemu_ioctl(v1, SGX_IOC_ENCLAVE_CREATE, 0), -ENOTTY);
	ASSERT_EQ(sgxemu_ioctl(v2, 0xdead, 0), -ENOTTY);
	ASSERT_EQ(sgxemu_munmap(m, 1 << 20), 0);
	ASSERT_EQ(sgxemu_close(v1), 0);
	ASSERT_EQ(sgxemu_close(v2), 0);
	ASSERT_EQ(sgxemu_close(sgx), 0);
	sgxemu_platform_destroy(h);
}

static int run_vm(char **args, char *out, size_t outlen, char *err, size_t errlen)
{
	char *argv[16] = { (char *)TEST_SGXEMU, (char *)"vm" };
	unsigned int i;

	for (i = 0; args[i] && i < 13; i++)
		argv[2 + i] = args[i];
	argv[2 + i] = NULL;
	return harness_run(argv, out, outlen, err, errlen);
}

/*
 * sgxemu vm: the program sees the guest's CPUID (its EPC, not the
 * host's) and runs its enclave through the guest's driver; refused VMs
 * and bad configurations are one line and a non-zero exit each.
 */
TEST(vm, cli)
{
	char a[65], policy[80], sgx[160], out[16384], err[4096];
	char *cpuid[] = { (char *)"--host-epc", (char *)"8M", (char *)"--sgx", (char *)"epc=2M",
			  (char *)"--", (char *)TEST_PROGS "/cpuid_prog", NULL };
	char *drive[] = { (char *)"--sgx", sgx, (char *)"--host-lc", policy, (char *)"--",
			  (char *)TEST_PROGS "/driver_prog", (char *)"--libc",
			  (char *)TEST_ENCLAVES "/test_enclave_a.sgxs",
			  (char *)TEST_ENCLAVES "/" SIG_A, NULL };
	char *refused[] = { (char *)"--host-lc", policy, (char *)"--sgx", (char *)"epc=1M,lewr",
			    (char *)"--", (char *)"true", NULL };
	char *bad[] = { (char *)"--sgx", (char *)"epc=1M,lehash=xyz", (char *)"--",
			(char *)"true", NULL };
	char *none[] = { (char *)"--", (char *)"true", NULL };
	char *locked[] = { (char *)"--host-lc", (char *)"locked", (char *)"--sgx", sgx,
			   (char *)"--", (char *)"true", NULL };
	char *guest_locked[] = { (char *)"--lc", (char *)"locked", (char *)"--sgx",
				 (char *)"epc=1M", (char *)"--", (char *)"true", NULL };
	char *help[] = { (char *)"--help", NULL };

	signer_hex(SIG_A, a);
	snprintf(policy, sizeof(policy), "allow=%s", a);
	ASSERT_EQ(run_vm(cpuid, out, sizeof(out), err, sizeof(err)), 0);
	ASSERT_STR_CONTAINS(out, "sgx=1 lc=1");
	ASSERT_STR_CONTAINS(out, "epc=2097152");
	/* The guest fixed at a's signer, on a host that allows only it. */
	snprintf(sgx, sizeof(sgx), "epc=2M,lehash=%s", a);
	ASSERT_EQ(run_vm(drive, out, sizeof(out), err, sizeof(err)), 0);
	ASSERT_STR_CONTAINS(out, "PASSED");
	/* Without lehash=: that host allows one signer, whose hash the guest
	 * gets. */
	snprintf(sgx, sizeof(sgx), "epc=2M");
	ASSERT_EQ(run_vm(drive, out, sizeof(out), err, sizeof(err)), 0);
	ASSERT_STR_CONTAINS(out, "PASSED");
	/* The same guest with another signer's enclave: its EINIT fails. */
	drive[8] = (char *)TEST_ENCLAVES "/" SIG_OTHER;
	ASSERT_NE(run_vm(drive, out, sizeof(out), err, sizeof(err)), 0);
	ASSERT_STR_CONTAINS(out, "FAIL r == 0: INIT");
	ASSERT_EQ(run_vm(refused, out, sizeof(out), err, sizeof(err)), 1);
	ASSERT_STR_CONTAINS(err, "VM refused: lewr needs a host that allows every signer");
	ASSERT_EQ(run_vm(bad, out, sizeof(out), err, sizeof(err)), 2);
	ASSERT_STR_CONTAINS(err, "lehash=xyz");
	/* --host-lc locked: a host locked at Intel's hash takes a guest with
	 * that hash (the default), and no other. */
	snprintf(sgx, sizeof(sgx), "epc=1M");
	ASSERT_EQ(run_vm(locked, out, sizeof(out), err, sizeof(err)), 0);
	snprintf(sgx, sizeof(sgx), "epc=1M,lehash=%s", a);
	ASSERT_EQ(run_vm(locked, out, sizeof(out), err, sizeof(err)), 1);
	ASSERT_STR_CONTAINS(err, "VM refused: the host's hash MSRs are locked");
	locked[1] = (char *)"locked=12";
	ASSERT_EQ(run_vm(locked, out, sizeof(out), err, sizeof(err)), 2);
	ASSERT_STR_CONTAINS(err, "--host-lc");
	ASSERT_EQ(run_vm(guest_locked, out, sizeof(out), err, sizeof(err)), 2);
	ASSERT_STR_CONTAINS(err, "cannot be locked");
	ASSERT_EQ(run_vm(none, out, sizeof(out), err, sizeof(err)), 2);
	ASSERT_STR_CONTAINS(err, "expected --sgx");
	ASSERT_EQ(run_vm(help, out, sizeof(out), err, sizeof(err)), 0);
	ASSERT_STR_CONTAINS(out, "usage: sgxemu vm");
	ASSERT_STR_CONTAINS(out, "locked[=HASH]");
}
