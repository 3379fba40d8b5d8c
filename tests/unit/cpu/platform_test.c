// SPDX-License-Identifier: MIT
/* The platform object: state directory, persisted secrets, CPUID view. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>

#include "base/file.h"
#include "base/mem.h"
#include "cpu/epcm.h"
#include "cpu/platform.h"
#include "cpu/state.h"
#include "fixture.h"

static int create_in(const char *dir, struct platform **plat, char *why, size_t whylen)
{
	struct platform_config cfg;

	platform_config_default(&cfg);
	cfg.epc_size = 16 * 4096;
	cfg.state_dir = dir;
	return platform_create(&cfg, plat, why, whylen);
}

static void secrets_of(const char *dir, u8 *buf, size_t *len)
{
	char path[1024];
	u8 *p;

	snprintf(path, sizeof(path), "%s/platform-secrets", dir);
	ASSERT_EQ(file_read_all(path, 4096, &p, len), 0);
	memcpy(buf, p, *len);
	free(p);
}

TEST(platform, state_dir_created_private_and_stable)
{
	struct platform *plat;
	char dir[1024], why[256], path[1100];
	u8 a[256], b[256];
	size_t la, lb;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/a/b/state", harness_tmpdir());
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	ASSERT_EQ(stat(dir, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/platform-secrets", dir);
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0600);
	secrets_of(dir, a, &la);
	/* A second platform on the same state reuses the secrets. */
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	secrets_of(dir, b, &lb);
	ASSERT_EQ(la, lb);
	ASSERT_MEMEQ(a, b, la);
}

TEST(platform, secrets_differ_between_machines)
{
	struct platform *plat;
	char d1[1024], d2[1024], why[256];
	u8 a[256], b[256];
	size_t la, lb;

	snprintf(d1, sizeof(d1), "%s/m1", harness_tmpdir());
	snprintf(d2, sizeof(d2), "%s/m2", harness_tmpdir());
	ASSERT_EQ(create_in(d1, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	ASSERT_EQ(create_in(d2, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	secrets_of(d1, a, &la);
	secrets_of(d2, b, &lb);
	ASSERT_NE(memcmp(a, b, la), 0);
}

/* A damaged secrets file is reported, never silently replaced. */
TEST(platform, damaged_secrets_kept)
{
	struct platform *plat;
	char dir[1024], path[1100], why[512];
	u8 a[256], b[256];
	size_t la, lb;

	snprintf(dir, sizeof(dir), "%s/s", harness_tmpdir());
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	secrets_of(dir, a, &la);
	a[20] ^= 1;
	snprintf(path, sizeof(path), "%s/platform-secrets", dir);
	ASSERT_EQ(file_write_atomic(path, a, la, 0600, false), 0);
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), -EBADMSG);
	ASSERT_STR_CONTAINS(why, "is damaged");
	secrets_of(dir, b, &lb);
	ASSERT_EQ(lb, la);
	ASSERT_MEMEQ(a, b, la);
	ASSERT_EQ(file_write_atomic(path, "short", 5, 0600, false), 0);
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), -EBADMSG);
}

TEST(platform, bad_state_dir)
{
	struct platform *plat;
	char file[1024], why[512];

	snprintf(file, sizeof(file), "%s/file", harness_tmpdir());
	ASSERT_EQ(file_write_atomic(file, "x", 1, 0600, false), 0);
	ASSERT_NE(create_in(file, &plat, why, sizeof(why)), 0);
	ASSERT_STR_CONTAINS(why, file);
	ASSERT_EQ(create_in("relative/dir", &plat, why, sizeof(why)), -EINVAL);
	ASSERT_STR_CONTAINS(why, "not an absolute path");
	/* The environment variable is honoured, and checked the same way. */
	setenv("SGXEMU_STATE_DIR", "also-relative", 1);
	ASSERT_EQ(create_in(NULL, &plat, why, sizeof(why)), -EINVAL);
}

/* Every way the state can fail gives one line that says what to do, and
 * no file is replaced: a dangling symbolic link used to give "". */
TEST(platform, state_failures_have_reasons)
{
	struct platform *plat;
	char dir[1024], path[1100], target[1100], why[512];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/s", harness_tmpdir());
	ASSERT_EQ(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/platform-secrets", dir);
	snprintf(target, sizeof(target), "%s/elsewhere", harness_tmpdir());
	ASSERT_EQ(symlink(target, path), 0);
	why[0] = '\0';
	ASSERT_NE(create_in(dir, &plat, why, sizeof(why)), 0);
	ASSERT_STR_CONTAINS(why, path);
	ASSERT_STR_CONTAINS(why, "is a symbolic link to");
	ASSERT_STR_CONTAINS(why, "which does not exist");
	ASSERT_TRUE(strchr(why, '\n') == NULL);
	/* Still the link, and nothing created where it points. */
	ASSERT_EQ(lstat(path, &st), 0);
	ASSERT_TRUE(S_ISLNK(st.st_mode));
	ASSERT_NE(stat(target, &st), 0);
	/* A link to a good secrets file is followed. */
	ASSERT_EQ(unlink(path), 0);
	snprintf(target, sizeof(target), "%s/t", harness_tmpdir());
	ASSERT_EQ(create_in(target, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	strcat(target, "/platform-secrets");
	ASSERT_EQ(symlink(target, path), 0);
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	/* Not a file. */
	ASSERT_EQ(unlink(path), 0);
	ASSERT_EQ(mkdir(path, 0700), 0);
	why[0] = '\0';
	ASSERT_NE(create_in(dir, &plat, why, sizeof(why)), 0);
	ASSERT_STR_CONTAINS(why, "platform-secrets is not a regular file");
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_TRUE(S_ISDIR(st.st_mode));
}

/* Like OpenSSH with a private key: secrets others could read or replace
 * are refused, with the chmod that fixes it, and left as they are. */
TEST(platform, state_unsafe_modes)
{
	struct platform *plat;
	char dir[512], path[600], why[1024], fix[2400];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/s", harness_tmpdir());
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	snprintf(path, sizeof(path), "%s/platform-secrets", dir);
	/* A directory others may write: they could swap the secrets. */
	ASSERT_EQ(chmod(dir, 0770), 0);
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), -EPERM);
	snprintf(fix, sizeof(fix), "state directory %s is writable by group or others (mode 0770); "
		 "fix it with: chmod 700 %s", dir, dir);
	ASSERT_STREQ(why, fix);
	ASSERT_EQ(chmod(dir, 0703), 0);
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), -EPERM);
	/* Readable by others is not a secret; writable is refused above. */
	ASSERT_EQ(chmod(dir, 0755), 0);
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	/* Secrets others may read or write. */
	ASSERT_EQ(chmod(path, 0644), 0);
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), -EPERM);
	snprintf(fix, sizeof(fix), "%s is accessible by group or others (mode 0644); keys "
		 "derived from it are not secret; fix it with: chmod 600 %s", path, path);
	ASSERT_STREQ(why, fix);
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0644);
	ASSERT_EQ(chmod(path, 0620), 0);
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), -EPERM);
	ASSERT_EQ(chmod(path, 0400), 0);
	ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), 0);
	platform_destroy(plat);
	/* Someone else's. */
	if (geteuid() == 0) {
		ASSERT_EQ(chown(path, 65534, 65534), 0);
		ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), -EPERM);
		ASSERT_STR_CONTAINS(why, "belongs to uid 65534, not to uid 0");
		ASSERT_EQ(chown(path, 0, 0), 0);
		ASSERT_EQ(chown(dir, 65534, 65534), 0);
		ASSERT_EQ(create_in(dir, &plat, why, sizeof(why)), -EPERM);
		ASSERT_STR_CONTAINS(why, "belongs to uid 65534, not to uid 0");
	}
}

TEST(platform, bad_config)
{
	struct platform_config cfg;
	struct platform *plat;
	char why[256];

	platform_config_default(&cfg);
	cfg.epc_size = 12345;
	ASSERT_EQ(platform_create(&cfg, &plat, why, sizeof(why)), -EINVAL);
	ASSERT_STR_CONTAINS(why, "EPC size");
	platform_config_default(&cfg);
	cfg.nr_lps = 0;
	ASSERT_EQ(platform_create(&cfg, &plat, why, sizeof(why)), -EINVAL);
	platform_config_default(&cfg);
	cfg.max_enclave_size_log2 = 60;
	ASSERT_EQ(platform_create(&cfg, &plat, why, sizeof(why)), -EINVAL);
}

TEST(platform, cpuid_view)
{
	struct platform_config cfg;
	struct platform *plat;
	char why[256];
	u32 r[4];
	u64 base, size;

	platform_config_default(&cfg);
	ASSERT_TRUE(cfg.sgx2);
	cfg.epc_size = 64 << 20;
	cfg.sgx2 = false;
	ASSERT_EQ(platform_create(&cfg, &plat, why, sizeof(why)), 0);
	platform_cpuid(plat, 7, 0, r);
	ASSERT_EQ(r[1], X86_CPUID7_EBX_SGX);
	ASSERT_EQ(r[2], X86_CPUID7_ECX_SGX_LC);
	platform_cpuid(plat, 0x12, 0, r);
	/* SGX1 without SGX2; EDECCSSA comes with AEX-Notify, on by default;
	 * a host has the oversubscription extensions (its VMMs' ENCLV). */
	ASSERT_EQ(r[0], SGX_CPUID_EAX_SGX1 | SGX_CPUID_EAX_EDECCSSA | SGX_CPUID_EAX_ENCLV |
				SGX_CPUID_EAX_OVERSUB);
	ASSERT_EQ(r[1], SGX_MISC_EXINFO);
	ASSERT_EQ((r[3] >> 8) & 0xFF, 47);
	platform_cpuid(plat, 0x12, 1, r);
	ASSERT_EQ(r[0] & (SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT), SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT);
	ASSERT_EQ(r[0] & SGX_ATTR_INIT, 0);
	ASSERT_EQ(r[2] & 3, 3);
	/* The EPC section decodes as Linux decodes it. */
	platform_cpuid(plat, 0x12, 2, r);
	ASSERT_EQ(r[0] & 0xF, 1);
	base = (r[0] & 0xfffff000ULL) + ((u64)(r[1] & 0xfffff) << 32);
	size = (r[2] & 0xfffff000ULL) + ((u64)(r[3] & 0xfffff) << 32);
	ASSERT_NE(base, 0);
	ASSERT_EQ(size, 64 << 20);
	platform_cpuid(plat, 0x12, 3, r);
	ASSERT_EQ(r[0] & 0xF, 0);
	platform_destroy(plat);
	cfg.sgx2 = true;
	ASSERT_EQ(platform_create(&cfg, &plat, why, sizeof(why)), 0);
	platform_cpuid(plat, 0x12, 0, r);
	ASSERT_EQ(r[0], SGX_CPUID_EAX_SGX1 | SGX_CPUID_EAX_SGX2 | SGX_CPUID_EAX_EDECCSSA |
				SGX_CPUID_EAX_ENCLV | SGX_CPUID_EAX_OVERSUB);
	platform_destroy(plat);
	cfg.aexnotify = false;
	ASSERT_EQ(platform_create(&cfg, &plat, why, sizeof(why)), 0);
	platform_cpuid(plat, 0x12, 0, r);
	ASSERT_EQ(r[0], SGX_CPUID_EAX_SGX1 | SGX_CPUID_EAX_SGX2 | SGX_CPUID_EAX_ENCLV |
				SGX_CPUID_EAX_OVERSUB);
	platform_destroy(plat);
}

/* The invariant checker finds a broken EPCM, and in debug builds the next
 * leaf stops the process rather than run on it. */
TEST(platform, epcm_checker_catches_corruption)
{
	struct platform *plat;
	struct fx fx;
	u64 index;
	pid_t pid;
	int st;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	plat = fx.plat;
	ASSERT_TRUE(epcm_check(plat, &index) == NULL);
	atomic_fetch_add(&plat->epc[0].nr_children, 1);
	ASSERT_STREQ(epcm_check(plat, &index), "SECS child count does not match its children");
	ASSERT_EQ(index, 0);
	atomic_fetch_sub(&plat->epc[0].nr_children, 1);
	plat->epc[1].epcm.enclave_address = FX_BASE + FX_SIZE;
	ASSERT_STREQ(epcm_check(plat, &index), "child page is outside its enclave's ELRANGE");
	ASSERT_EQ(index, 1);
	plat->epc[1].epcm.enclave_address = FX_BASE;
	plat->epc[1].epcm.flags = SGX_SECINFO_W;
	ASSERT_STREQ(epcm_check(plat, &index), "page is writable but not readable");
#ifdef SGXEMU_DEBUG
	pid = fork();
	if (pid == 0) {
		int r = fx_eadd(&fx, 2, 0x1000, FX_REG_RW);

		_exit(r == 0 ? 0 : 3);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFSIGNALED(st));
	ASSERT_EQ(WTERMSIG(st), SIGABRT);
#else
	(void)pid;
	(void)st;
#endif
}

TEST(platform, epc_bind_only_invalid_pages)
{
	static u8 mem[4096] __aligned(4096);
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_EQ(platform_epc_bind(fx.plat, fx.secs, mem), -EBUSY);
	ASSERT_EQ(platform_epc_bind(fx.plat, platform_epc_page(fx.plat, 1), mem), 0);
	memset(fx.page, 0x42, 4096);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	/* The contents live where the OS bound them. */
	ASSERT_EQ(mem[100], 0x42);
	ASSERT_EQ(platform_epc_bind(fx.plat, fx.page, mem), -EINVAL);
	platform_destroy(fx.plat);
}

/* CR_REPORT_KEYID belongs to the host's boot: every platform instance on
 * one state directory in one boot has the same, a new boot a new one. */
TEST(platform, report_keyid_is_the_boots)
{
	struct platform *a, *b;
	char dir[1024], why[256];
	u8 k1[32], k2[32], k3[32];

	snprintf(dir, sizeof(dir), "%s/state", harness_tmpdir());
	ASSERT_EQ(create_in(dir, &a, why, sizeof(why)), 0);
	ASSERT_EQ(create_in(dir, &b, why, sizeof(why)), 0);
	ASSERT_MEMEQ(a->report_keyid, b->report_keyid, 32);
	ASSERT_FALSE(mem_is_zero(a->report_keyid, 32));
	platform_destroy(a);
	platform_destroy(b);
	ASSERT_EQ(state_report_keyid_for_boot(dir, "boot-1", k1, why, sizeof(why)), 0);
	ASSERT_EQ(state_report_keyid_for_boot(dir, "boot-1", k2, why, sizeof(why)), 0);
	ASSERT_MEMEQ(k1, k2, 32);
	ASSERT_EQ(state_report_keyid_for_boot(dir, "boot-2", k3, why, sizeof(why)), 0);
	ASSERT_NE(memcmp(k1, k3, 32), 0);
	/* Another machine (state directory) in the same boot has its own. */
	snprintf(dir, sizeof(dir), "%s/other", harness_tmpdir());
	ASSERT_EQ(create_in(dir, &a, why, sizeof(why)), 0);
	ASSERT_EQ(state_report_keyid_for_boot(dir, "boot-2", k2, why, sizeof(why)), 0);
	ASSERT_NE(memcmp(k2, k3, 32), 0);
	platform_destroy(a);
}
