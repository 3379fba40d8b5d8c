// SPDX-License-Identifier: MIT
/*
 * Growing an initialized enclave (SGX2), next to its baselines from the
 * same run:
 *  - eaug_eaccept_page_ns: one page added on demand, the way runtimes grow
 *    their heaps: an ECALL whose EACCEPT names a page that is not there,
 *    so the driver EAUGs it from the processor's page walk first;
 *  - ecall_roundtrip_ns: the same ECALL doing nothing, the floor;
 *  - anon_page_fault_ns: a native first touch of an anonymous page, what
 *    growing a heap costs outside an enclave.
 * Target: eaug_eaccept_over_ecall_ratio <= 3.  The ECALL traps once (its
 * EEXIT), the growing one twice (EACCEPT, then EEXIT), and on these
 * machines a trap is most of an ECALL; the rest is EAUG, the first touch
 * of the page's memory and one mprotect when EACCEPT opens the page.
 */
#include <asm/sgx.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "api/sgxs.h"
#include "bench.h"
#include "ecall.h"
#include "enclave.h"
#include "sgxemu/sgxemu.h"

#define ENCLAVE TEST_ENCLAVES "/test_enclave_c"
#define ROUNDS 20
#define N_CALLS 100000
#define N_FAULTS 20000

#define SECINFO_REG_RW_PENDING ((2ULL << 8) | 0x1 | 0x2 | 0x8)

static double anon_fault_ns(void)
{
	size_t len = (size_t)N_FAULTS * 4096;
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0;
	size_t i;

	if (p == MAP_FAILED) {
		perror("edmm: mmap");
		exit(1);
	}
	t0 = bench_now();
	for (i = 0; i < len; i += 4096)
		p[i] = 1;
	t0 = bench_now() - t0;
	munmap((void *)p, len);
	return t0 / N_FAULTS * 1e9;
}

/* The first offset past the enclave's image: pages from there on are
 * holes an initialized enclave can grow into. */
static uint64_t image_end(void)
{
	struct sgxs s;
	uint64_t end = 0, i;
	char why[256];

	if (sgxs_load_file(ENCLAVE ".sgxs", &s, why, sizeof(why))) {
		fprintf(stderr, "edmm: %s\n", why);
		exit(1);
	}
	for (i = 0; i < s.nr_pages; i++)
		if (s.pages[i].offset + 4096 > end)
			end = s.pages[i].offset + 4096;
	sgxs_free(&s);
	return end;
}

/* Load a fresh enclave, map its holes and accept each; return the time per
 * page and add the pages to *@pages. */
static double grow_round(struct sgxemu_platform *plat, uint64_t from, uint64_t *pages)
{
	struct encl_op op = { .type = ENCL_OP_EACCEPT };
	struct encl_sgx2_in in = { .flags = SECINFO_REG_RW_PENDING };
	struct sgxemu_enclave *encl;
	struct sgx_enclave_run run;
	uint64_t base, size, off, n = 0;
	double t0, t;

	if (sgxemu_enclave_load(plat, ENCLAVE ".sgxs", ENCLAVE ".sig", &encl)) {
		fprintf(stderr, "edmm: %s\n", sgxemu_last_error());
		exit(1);
	}
	base = sgxemu_enclave_base(encl);
	size = sgxemu_enclave_size(encl);
	if (sgxemu_enclave_mprotect(encl, base + from, size - from, PROT_READ | PROT_WRITE)) {
		fprintf(stderr, "edmm: %s\n", sgxemu_last_error());
		exit(1);
	}
	memcpy(op.in, &in, sizeof(in));
	memset(&run, 0, sizeof(run));
	run.tcs = sgxemu_enclave_tcs(encl, 0);
	t0 = bench_now();
	for (off = from; off < size; off += 4096, n++) {
		op.a = off;
		sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run);
		if (run.function != 4 || op.r0) {
			fprintf(stderr, "edmm: EACCEPT of a new page at +%#llx failed (%llu)\n",
				(unsigned long long)off, (unsigned long long)op.r0);
			exit(1);
		}
	}
	t = bench_now() - t0;
	sgxemu_enclave_destroy(encl);
	*pages += n;
	return t;
}

int main(int argc, char **argv)
{
	struct sgxemu_platform_options opts = { 0 };
	struct sgxemu_platform *plat;
	struct sgxemu_enclave *encl;
	char dir[] = "/tmp/sgxemu-bench.XXXXXX", cmd[64];
	uint64_t from = image_end(), pages = 0;
	double ecall, fault, total = 0;
	int i;

	bench_open(argc, argv);
	if (!mkdtemp(dir))
		return 1;
	opts.state_dir = dir;
	if (sgxemu_platform_create(&opts, &plat) ||
	    sgxemu_enclave_load(plat, ENCLAVE ".sgxs", ENCLAVE ".sig", &encl)) {
		fprintf(stderr, "edmm: %s\n", sgxemu_last_error());
		return 1;
	}
	ecall = bench_ecall_ns(sgxemu_enclave_tcs(encl, 0), N_CALLS);
	sgxemu_enclave_destroy(encl);
	fault = anon_fault_ns();
	for (i = 0; i < ROUNDS; i++)
		total += grow_round(plat, from, &pages);
	bench_metric("ecall_roundtrip_ns", ecall, "ns");
	bench_metric("anon_page_fault_ns", fault, "ns");
	bench_metric("eaug_eaccept_page_ns", total / (double)pages * 1e9, "ns");
	bench_metric("eaug_eaccept_over_ecall_ratio", total / (double)pages * 1e9 / ecall, "ratio");
	sgxemu_platform_destroy(plat);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
