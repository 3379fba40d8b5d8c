// SPDX-License-Identifier: MIT
/*
 * How the cost of enclaves grows, written as a chart to build/bench/scale.txt
 * (next to the results file) besides the JSON lines:
 *  1. ELRANGE: test enclave C (the same 330 pages) laid out in an ELRANGE
 *     of 1, 4 and 16 GiB, loaded on a 128 MiB EPC, its 256-page buffer
 *     written and read back.  Load time, RSS and mappings must not grow
 *     with ELRANGE, only with pages: scale_elrange_load_16g_over_1g ~ 1.
 *  2. Pages touched: in the 16 GiB enclave, N pages added on touch (EAUG
 *     on the EACCEPT's fault, one ECALL each) for N from 1,024 to 49,152,
 *     the last more than the EPC holds, so they page.  Time and RSS per
 *     page must stay flat: scale_pages_ns_49152_over_1024 ~ 1 (paging adds
 *     an eviction per page past the EPC).
 *  3. Enclaves: 1, 10, 100 and 1,000 copies of test enclave A (74 pages)
 *     in one process, on an EPC that holds them all: time, RSS and
 *     mappings per enclave must stay flat.
 * Part 1 also maps the rest of ELRANGE read/write, as EDMM runtimes do.
 * Times are the process's CPU time (all threads), so other users of a
 * shared machine do not blur the shape; memory is the process's RSS and
 * its number of mappings (/proc/self/maps lines), each after the work,
 * less what it was before.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/sgxs.h"
#include "bench.h"
#include "enclave.h"
#include "sgxemu/sgxemu.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)
#define SECINFO_REG_RW_PENDING ((2ULL << 8) | 0x1 | 0x2 | 0x8)

static char dir[] = "/tmp/sgxemu-scale.XXXXXX";

/* CPU time of the whole process (every thread), in seconds: what the work
 * costs, whoever else shares the machine. */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first offset past the image in @path.sgxs. */
static uint64_t image_end(const char *path)
{
	char file[4200], why[256];
	uint64_t end = 0, i;
	struct sgxs sx;

	snprintf(file, sizeof(file), "%s.sgxs", path);
	if (sgxs_load_file(file, &sx, why, sizeof(why))) {
		fprintf(stderr, "scale: %s\n", why);
		exit(1);
	}
	for (i = 0; i < sx.nr_pages; i++)
		if (sx.pages[i].offset + 4096 > end)
			end = sx.pages[i].offset + 4096;
	sgxs_free(&sx);
	return end;
}
static FILE *chart;

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static long mappings(void)
{
	long n = 0;
	int c;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

struct mem {
	long rss, maps;
};

static struct mem mem_now(void)
{
	return (struct mem){ rss_kib(), mappings() };
}

static void die(const char *what)
{
	fprintf(stderr, "scale: %s: %s\n", what, sgxemu_last_error());
	exit(1);
}

static struct sgxemu_platform *platform(uint64_t epc)
{
	struct sgxemu_platform_options o = { .epc_size = epc, .state_dir = dir };
	struct sgxemu_platform *p;

	if (sgxemu_platform_create(&o, &p))
		die("platform");
	return p;
}

static void ecall(struct sgxemu_enclave *e, struct encl_op *op)
{
	struct sgx_enclave_run run;

	memset(&run, 0, sizeof(run));
	run.tcs = sgxemu_enclave_tcs(e, 0);
	if (sgxemu_enter_enclave((unsigned long)op, 0, 0, 2, 0, 0, &run) || run.function != 4) {
		fprintf(stderr, "scale: op %llu did not complete\n", (unsigned long long)op->type);
		exit(1);
	}
}

/* Test enclave C laid out in an ELRANGE of @size, signed as the build
 * signs it; its path without extension in @out. */
static void make_enclave(uint64_t size, char *out, size_t len)
{
	char cmd[4096];

	snprintf(out, len, "%s/c%llu", dir, (unsigned long long)(size >> 30));
	snprintf(cmd, sizeof(cmd),
		 "%s elf2sgxs --size %llu %s/test_enclave_c.elf -o %s.sgxs && "
		 "%s sign --date 20260101 --isvprodid 1 --isvsvn 2 --debug --miscselect 1 "
		 "--key %s/signing-key.pem %s.sgxs -o %s.sig",
		 TEST_SGXEMU, (unsigned long long)size, TEST_ENCLAVES, out, TEST_SGXEMU, TEST_DATA,
		 out, out);
	if (system(cmd)) {
		fprintf(stderr, "scale: cannot lay out test enclave C in %llu bytes\n",
			(unsigned long long)size);
		exit(1);
	}
}

static struct sgxemu_enclave *load(struct sgxemu_platform *p, const char *path)
{
	char sgxs[4200], sig[4200];
	struct sgxemu_enclave *e;

	snprintf(sgxs, sizeof(sgxs), "%s.sgxs", path);
	snprintf(sig, sizeof(sig), "%s.sig", path);
	if (sgxemu_enclave_load(p, sgxs, sig, &e))
		die(path);
	return e;
}

/* A bar of @v against @max, 40 characters for @max. */
static void bar(const char *label, double v, double max, const char *unit)
{
	int n = max > 0 ? (int)(v / max * 40 + 0.5) : 0;

	fprintf(chart, "  %-22s %10.2f %-7s |%.*s\n", label, v, unit, n,
		"########################################");
}

static double max3(const double *v, int n)
{
	double m = 0;
	int i;

	for (i = 0; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static void elrange_sweep(void)
{
	static const uint64_t sizes[] = { 1 * GIB, 4 * GIB, 16 * GIB };
	double load_ms[3], sweep_ms[3], rss[3], maps[3], map_ms[3], map_rss[3], map_maps[3];
	char path[4096], name[64];
	int i, j;
	int pass;

	/* Twice, the first pass unrecorded: the first loads in a process pay
	 * for what any first use costs (libcrypto, the allocator), not for
	 * ELRANGE. */
	for (pass = 0; pass < 2; pass++)
	for (i = 0; i < 3; i++) {
		struct sgxemu_platform *p = platform(128 * MIB);
		struct encl_op op = { .type = ENCL_OP_BIG };
		struct sgxemu_enclave *e;
		struct mem m0, m1;
		uint64_t big, pages, type;
		double t0;

		make_enclave(sizes[i], path, sizeof(path));
		m0 = mem_now();
		t0 = cpu_now();
		e = load(p, path);
		load_ms[i] = (cpu_now() - t0) * 1e3;
		ecall(e, &op);
		big = op.r0;
		pages = op.r1 / 4096;
		t0 = cpu_now();
		for (type = ENCL_OP_FILL; type <= ENCL_OP_CHECK; type++) {
			op = (struct encl_op){ .type = type, .a = big, .b = pages };
			ecall(e, &op);
		}
		sweep_ms[i] = (cpu_now() - t0) * 1e3;
		m1 = mem_now();
		rss[i] = (double)(m1.rss - m0.rss) / 1024;
		maps[i] = (double)(m1.maps - m0.maps);
		/* As EDMM runtimes do: the rest of ELRANGE mapped read/write,
		 * for pages to be added on touch. */
		t0 = cpu_now();
		if (sgxemu_enclave_mprotect(e, sgxemu_enclave_base(e) + image_end(path),
					    sizes[i] - image_end(path), PROT_READ | PROT_WRITE))
			die("mprotect");
		map_ms[i] = (cpu_now() - t0) * 1e3;
		m0 = mem_now();
		map_rss[i] = (double)(m0.rss - m1.rss) / 1024;
		map_maps[i] = (double)(m0.maps - m1.maps);
		sgxemu_enclave_destroy(e);
		sgxemu_platform_destroy(p);
		if (!pass)
			continue;
		snprintf(name, sizeof(name), "scale_elrange_%llug_load_ms",
			 (unsigned long long)(sizes[i] >> 30));
		bench_metric(name, load_ms[i], "ms");
		snprintf(name, sizeof(name), "scale_elrange_%llug_rss_mib",
			 (unsigned long long)(sizes[i] >> 30));
		bench_metric(name, rss[i], "MiB");
		snprintf(name, sizeof(name), "scale_elrange_%llug_mappings",
			 (unsigned long long)(sizes[i] >> 30));
		bench_metric(name, maps[i], "mappings");
	}
	bench_metric("scale_elrange_load_16g_over_1g", load_ms[2] / load_ms[0], "ratio");
	bench_metric("scale_elrange_rss_16g_minus_1g_mib", rss[2] - rss[0], "MiB");
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "scale_elrange_%llug_map_all_ms",
			 (unsigned long long)(sizes[i] >> 30));
		bench_metric(name, map_ms[i], "ms");
		snprintf(name, sizeof(name), "scale_elrange_%llug_map_all_rss_mib",
			 (unsigned long long)(sizes[i] >> 30));
		bench_metric(name, map_rss[i], "MiB");
	}
	fprintf(chart, "\n1. One enclave, its ELRANGE growing: test enclave C (330 pages), its\n"
		       "   256-page buffer written and read back, 128 MiB EPC\n");
	for (j = 0; j < 7; j++) {
		static const char *const what[] = {
			"load (CPU)", "sweep (CPU)", "RSS after load and sweep",
			"mappings after load and sweep", "then the rest of ELRANGE mapped RW (CPU)",
			"RSS that adds", "mappings that adds"
		};
		static const char *const unit[] = { "ms", "ms", "MiB", "", "ms", "MiB", "" };
		const double *const vs[] = { load_ms, sweep_ms, rss, maps, map_ms, map_rss, map_maps };
		const double *v = vs[j];

		fprintf(chart, " %s\n", what[j]);
		for (i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "%2llu GiB ELRANGE",
				 (unsigned long long)(sizes[i] >> 30));
			bar(name, v[i], max3(v, 3), unit[j]);
		}
	}
}

static void pages_sweep(void)
{
	static const uint64_t counts[] = { 1024, 4096, 16384, 49152 };
	double ns[4], rss[4], maps[4];
	char path[4096], name[64];
	int i, j;

	make_enclave(16 * GIB, path, sizeof(path));
	for (i = 0; i < 4; i++) {
		struct sgxemu_platform *p = platform(128 * MIB);
		struct encl_op op = { .type = ENCL_OP_EACCEPT };
		struct encl_sgx2_in in = { .flags = SECINFO_REG_RW_PENDING };
		struct sgxemu_enclave *e;
		uint64_t base, from, k;
		struct mem m0, m1;
		double t0;

		m0 = mem_now();
		e = load(p, path);
		base = sgxemu_enclave_base(e);
		/* Past the image, half way up ELRANGE. */
		from = 8 * GIB;
		if (sgxemu_enclave_mprotect(e, base + from, counts[i] * 4096, PROT_READ | PROT_WRITE))
			die("mprotect");
		memcpy(op.in, &in, sizeof(in));
		t0 = cpu_now();
		for (k = 0; k < counts[i]; k++) {
			op.a = from + k * 4096;
			ecall(e, &op);
			if (op.r0) {
				fprintf(stderr, "scale: EACCEPT of page %llu: %#llx\n",
					(unsigned long long)k, (unsigned long long)op.r0);
				exit(1);
			}
		}
		ns[i] = (cpu_now() - t0) * 1e9 / (double)counts[i];
		m1 = mem_now();
		rss[i] = (double)(m1.rss - m0.rss) * 1024 / (double)counts[i];
		maps[i] = (double)(m1.maps - m0.maps);
		sgxemu_enclave_destroy(e);
		sgxemu_platform_destroy(p);
		snprintf(name, sizeof(name), "scale_pages_%llu_ns_per_page",
			 (unsigned long long)counts[i]);
		bench_metric(name, ns[i], "ns");
		snprintf(name, sizeof(name), "scale_pages_%llu_rss_bytes_per_page",
			 (unsigned long long)counts[i]);
		bench_metric(name, rss[i], "bytes");
		snprintf(name, sizeof(name), "scale_pages_%llu_mappings",
			 (unsigned long long)counts[i]);
		bench_metric(name, maps[i], "mappings");
	}
	bench_metric("scale_pages_ns_49152_over_1024", ns[3] / ns[0], "ratio");
	fprintf(chart, "\n2. Pages touched: N pages added on touch (EAUG + EACCEPT, one ECALL\n"
		       "   each) in a 16 GiB ELRANGE, 128 MiB EPC (32,768 pages: the last row pages)\n");
	for (j = 0; j < 3; j++) {
		static const char *const what[] = { "CPU time per page", "RSS per page",
						    "mappings" };
		static const char *const unit[] = { "us", "bytes", "" };
		double v[4];

		for (i = 0; i < 4; i++)
			v[i] = j == 0 ? ns[i] / 1e3 : j == 1 ? rss[i] : maps[i];
		fprintf(chart, " %s\n", what[j]);
		for (i = 0; i < 4; i++) {
			snprintf(name, sizeof(name), "%6llu pages", (unsigned long long)counts[i]);
			bar(name, v[i], max3(v, 4), unit[j]);
		}
	}
}

static void enclaves_sweep(void)
{
	static const unsigned int counts[] = { 1, 10, 100, 1000 };
	static struct sgxemu_enclave *e[1000];
	double ms[4], rss[4], maps[4];
	unsigned int done[4];
	char name[64];
	int i, j;

	for (i = 0; i < 4; i++) {
		struct sgxemu_platform *p = platform(512 * MIB);
		struct mem m0, m1;
		unsigned int k, n;
		double t0;

		m0 = mem_now();
		t0 = cpu_now();
		for (n = 0; n < counts[i]; n++) {
			char sgxs[4200], sig[4200];

			snprintf(sgxs, sizeof(sgxs), "%s/test_enclave_a.sgxs", TEST_ENCLAVES);
			snprintf(sig, sizeof(sig), "%s/test_enclave_a.sig", TEST_ENCLAVES);
			if (sgxemu_enclave_load(p, sgxs, sig, &e[n])) {
				fprintf(chart, "\n   enclave %u of %u did not load: %s\n", n + 1,
					counts[i], sgxemu_last_error());
				fprintf(stderr, "scale: enclave %u of %u: %s\n", n + 1, counts[i],
					sgxemu_last_error());
				break;
			}
		}
		done[i] = n;
		ms[i] = n ? (cpu_now() - t0) * 1e3 / n : 0;
		m1 = mem_now();
		rss[i] = n ? (double)(m1.rss - m0.rss) / 1024 / n : 0;
		maps[i] = n ? (double)(m1.maps - m0.maps) / n : 0;
		for (k = 0; k < n; k++)
			sgxemu_enclave_destroy(e[k]);
		sgxemu_platform_destroy(p);
		snprintf(name, sizeof(name), "scale_enclaves_%u_loaded", counts[i]);
		bench_metric(name, n, "enclaves");
		snprintf(name, sizeof(name), "scale_enclaves_%u_ms_per_enclave", counts[i]);
		bench_metric(name, ms[i], "ms");
		snprintf(name, sizeof(name), "scale_enclaves_%u_rss_mib_per_enclave", counts[i]);
		bench_metric(name, rss[i], "MiB");
		snprintf(name, sizeof(name), "scale_enclaves_%u_mappings_per_enclave", counts[i]);
		bench_metric(name, maps[i], "mappings");
	}
	fprintf(chart, "\n3. Enclaves in one process: test enclave A (74 pages) loaded N times,\n"
		       "   512 MiB EPC (per enclave)\n");
	for (j = 0; j < 3; j++) {
		static const char *const what[] = { "load CPU time", "RSS", "mappings" };
		static const char *const unit[] = { "ms", "MiB", "" };
		const double *v = j == 0 ? ms : j == 1 ? rss : maps;

		fprintf(chart, " %s per enclave\n", what[j]);
		for (i = 0; i < 4; i++) {
			snprintf(name, sizeof(name), "%4u enclaves%s", counts[i],
				 done[i] < counts[i] ? " (fewer)" : "");
			bar(name, v[i], max3(v, 4), unit[j]);
		}
	}
}

int main(int argc, char **argv)
{
	char path[4096], cmd[64];
	const char *slash;
	struct rlimit rl;

	bench_open(argc, argv);
	if (!mkdtemp(dir))
		return 1;
	/* An enclave holds a descriptor (its memory file). */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (argc > 1 && (slash = strrchr(argv[1], '/')))
		snprintf(path, sizeof(path), "%.*sscale.txt", (int)(slash + 1 - argv[1]), argv[1]);
	else
		snprintf(path, sizeof(path), "scale.txt");
	chart = fopen(path, "w");
	if (!chart) {
		perror(path);
		return 1;
	}
	fprintf(chart, "sgxemu scale benchmark (bench/scale.c)\nhost: %s\n", bench_host);
	elrange_sweep();
	pages_sweep();
	enclaves_sweep();
	fclose(chart);
	printf("scale: chart in %s\n", path);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
