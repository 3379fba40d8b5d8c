// SPDX-License-Identifier: MIT
/*
 * One page out and back in, next to its cryptographic floor measured in
 * the same run:
 *  - ewb_eldu_page_ns: EBLOCK + ETRACK + EWB of a 4 KiB enclave page, then
 *    ELDU of it into another EPC page (the leaves only, no driver);
 *  - aesgcm_4k_roundtrip_ns: AES-128-GCM encryption and decryption of
 *    4 KiB with 128 bytes of additional data, through the same facade;
 *  target: ewb_eldu_page_ns <= 3 x aesgcm_4k_roundtrip_ns;
 *  - sweep_2x_epc_pages_per_s: an enclave writing, then reading back, one
 *    word of every page of a 256-page working set that is twice what the
 *    EPC can hold for it, so every pass evicts and reloads most of it; next
 *    to sweep_in_epc_pages_per_s, the same sweep with an EPC large enough
 *    (no paging: the baseline), and reload_ns, the time per page moved,
 *    eviction included; target: reload_ns <= 2 x (signal_roundtrip_ns +
 *    aesgcm_4k_roundtrip_ns), and sigbus_uffd_fill_ns, what a SIGBUS from
 *    a userfaultfd hole and UFFDIO_COPY cost without any emulator, for
 *    scale.
 */
#include <asm/sgx.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "arch/sgx_arch.h"
#include "bench.h"
#include "cpu/cpu.h"
#include "cpu/crypto.h"
#include "ecall.h"
#include "platform.h"
#include "enclave.h"
#include "sgxemu/sgxemu.h"

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

/* Pages touched per second by FILL + CHECK passes over the big buffer of
 * test enclave C with an EPC of @epc_pages (secrets in @dir); *@per_reload
 * the time per page reloaded, if any were. */
static double sweep_pages_per_s(u64 epc_pages, const char *dir, double *per_reload)
{
	struct sgxemu_platform_options o = { .epc_size = epc_pages * 4096, .state_dir = dir };
	struct sgxemu_platform *p;
	struct sgxemu_enclave *e;
	u64 passes, pages, ev, rl;
	double t;

	if (sgxemu_platform_create(&o, &p) ||
	    sgxemu_enclave_load(p, TEST_ENCLAVES "/test_enclave_c.sgxs",
				TEST_ENCLAVES "/test_enclave_c.sig", &e)) {
		fprintf(stderr, "paging: %s\n", sgxemu_last_error());
		exit(1);
	}
	t = bench_sweeps(e, "paging", 1.0, &passes, &pages);
	sgxemu_paging_stats(p, &ev, &rl);
	*per_reload = rl ? t * 1e9 / (double)rl : 0;
	sgxemu_enclave_destroy(e);
	sgxemu_platform_destroy(p);
	/* Each pass writes and reads every page once. */
	return (double)(passes * pages * 2) / t;
}

/*
 * The operating system's floor for demand paging through a userfaultfd in
 * SIGBUS mode, as the driver uses it: a load from a hole in a registered
 * shared mapping, the SIGBUS, UFFDIO_COPY of a page from the handler, and
 * the load again.  Per page.
 */
static int uffd = -1;
static u8 uffd_src[4096] __aligned(4096);

static void fill_hole(int sig, siginfo_t *info, void *ucv)
{
	struct uffdio_copy c = { .dst = (u64)(uintptr_t)info->si_addr & ~4095ULL,
				 .src = (u64)(uintptr_t)uffd_src, .len = 4096 };

	(void)sig;
	(void)ucv;
	if (ioctl(uffd, UFFDIO_COPY, &c))
		_exit(1);
}

static double sigbus_uffd_ns(int n)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_MISSING_SHMEM };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct sigaction sa, old;
	size_t len = (size_t)n * 4096;
	int fd = memfd_create("bench", MFD_CLOEXEC);
	volatile u8 *m;
	double t0;
	int i;

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0 || uffd < 0 || ftruncate(fd, (off_t)len) || ioctl(uffd, UFFDIO_API, &api))
		return -1;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	reg.range.start = (u64)(uintptr_t)m;
	reg.range.len = len;
	if (m == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fill_hole;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, &old);
	t0 = bench_now();
	for (i = 0; i < n; i++)
		(void)m[(size_t)i * 4096];
	t0 = bench_now() - t0;
	sigaction(SIGBUS, &old, NULL);
	munmap((void *)m, len);
	close(uffd);
	close(fd);
	return t0 / n * 1e9;
}

int main(int argc, char **argv)
{
	struct platform *plat;
	char dir[] = BENCH_DIR_TEMPLATE;
	double gcm, page, sig, bus;

	bench_open(argc, argv);
	plat = bench_platform("paging", 64 * 4096, dir);
	if (!plat)
		return 1;
	gcm = gcm_roundtrip_ns();
	page = ewb_eldu_ns(plat);
	bench_metric("aesgcm_4k_roundtrip_ns", gcm, "ns");
	bench_metric("ewb_eldu_page_ns", page, "ns");
	bench_metric("ewb_eldu_over_aesgcm_ratio", page / gcm, "ratio");
	/* 256 buffer pages; about 28 pages of the EPC are pinned (SECS, VA,
	 * TCS, SSA, code), so 28 + 128 leaves room for half the working set. */
	bench_metric("sweep_in_epc_pages_per_s", sweep_pages_per_s(1024, dir, &page), "pages/s");
	bench_metric("sweep_2x_epc_pages_per_s", sweep_pages_per_s(28 + 128, dir, &page),
		     "pages/s");
	bench_metric("sweep_2x_epc_reload_ns", page, "ns");
	/* Its baselines, from the same run: the target is 2x a signal round
	 * trip and an AES-GCM round trip of a page; the OS's own floor (a
	 * SIGBUS from a userfaultfd hole and UFFDIO_COPY) is shown too. */
	sig = bench_signal_roundtrip_ns(20000);
	bus = sigbus_uffd_ns(20000);
	bench_metric("signal_roundtrip_ns", sig, "ns");
	bench_metric("sigbus_uffd_fill_ns", bus, "ns");
	bench_metric("reload_over_signal_plus_aesgcm_ratio", page / (sig + gcm), "ratio");
	bench_metric("reload_over_sigbus_fill_plus_aesgcm_ratio", page / (bus + gcm), "ratio");
	return bench_platform_done(plat, dir);
}
