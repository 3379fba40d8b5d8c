/* SPDX-License-Identifier: MIT */
/*
 * Benchmark output: one JSON line per metric, on stdout and in the results
 * file, each carrying the facts about the host that set the floor for it
 * (the FSGSBASE instructions, what a system call and a signal cost, the
 * CPU's SHA and AES instructions, page-table isolation, the CPU and the
 * kernel).  The first benchmark of a run measures them, prints them once
 * and leaves them in host.json beside the results; the others read them.
 */
#ifndef SGXEMU_BENCH_BENCH_H
#define SGXEMU_BENCH_BENCH_H

#include <cpuid.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static FILE *bench_results;
static char bench_host[1024] = "{}";

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void bench_ud2_handler(int sig, siginfo_t *info, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)info;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

/* The kernel's struct sigaction: what is saved is restored exactly (the
 * emulator's handler has its own restorer and flags). */
struct bench_ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

/*
 * The baseline for anything that traps: one SIGILL (ud2) and return, with
 * an ordinary handler, averaged over @n after a warm-up.  Whatever handled
 * SIGILL before (the emulator's, say) does again afterwards.
 */
static inline double bench_signal_roundtrip_ns(int n)
{
	struct bench_ksigaction old;
	struct sigaction sa;
	double t0;
	int i;

	syscall(SYS_rt_sigaction, SIGILL, NULL, &old, 8);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = bench_ud2_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, NULL);
	for (i = 0; i < n / 10 + 1; i++)
		__asm__ volatile("ud2");
	t0 = bench_now();
	for (i = 0; i < n; i++)
		__asm__ volatile("ud2");
	t0 = bench_now() - t0;
	syscall(SYS_rt_sigaction, SIGILL, &old, NULL, 8);
	return t0 / n * 1e9;
}

static inline double bench_getpid_ns(int n)
{
	double t0 = bench_now();
	int i;

	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	return (bench_now() - t0) / n * 1e9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define BENCH_MAX_ROUNDS 32

/*
 * @fn (@n operations on @ctx, returning ns per operation) beside the signal
 * round trip, interleaved in @rounds rounds so that the load other users
 * put on a shared machine weighs on both alike; the medians in *@fn_ns and
 * *@sig_ns.
 */
static inline void bench_against_signal(double (*fn)(void *ctx, int n), void *ctx, int n,
					int rounds, double *fn_ns, double *sig_ns)
{
	double f[BENCH_MAX_ROUNDS], s[BENCH_MAX_ROUNDS];
	int r;

	if (rounds > BENCH_MAX_ROUNDS)
		rounds = BENCH_MAX_ROUNDS;
	for (r = 0; r < rounds; r++) {
		s[r] = bench_signal_roundtrip_ns(n / rounds);
		f[r] = fn(ctx, n / rounds);
	}
	qsort(f, (size_t)rounds, sizeof(f[0]), bench_cmp_double);
	qsort(s, (size_t)rounds, sizeof(s[0]), bench_cmp_double);
	*fn_ns = f[rounds / 2];
	*sig_ns = s[rounds / 2];
}

/* The first line of @path that starts with @key, after ": ", into @out. */
static inline void bench_read_field(const char *path, const char *key, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "r");

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strstr(line, ": ");

		if (strncmp(line, key, strlen(key)) || !v)
			continue;
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, len, "%s", v + 2);
		break;
	}
	fclose(f);
}

/* Page-table isolation: "true", "false", or "unknown". */
static inline const char *bench_pti(void)
{
	char line[256] = "";
	FILE *f = fopen("/sys/devices/system/cpu/vulnerabilities/meltdown", "r");

	if (!f)
		return "\"unknown\"";
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	if (strstr(line, "PTI"))
		return "true";
	return strstr(line, "Not affected") ? "false" : "\"unknown\"";
}

/* Measure the host's facts into bench_host, and print them. */
static inline void bench_measure_host(void)
{
	unsigned int a, b, c, d;
	bool sha = false, aes = false;
	char cpu[128], flags[4096];
	struct utsname u;
	double load = -1;
	FILE *f;

	if (__get_cpuid(1, &a, &b, &c, &d))
		aes = c & (1U << 25);
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
		sha = b & (1U << 29);
	bench_read_field("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	bench_read_field("/proc/cpuinfo", "flags", flags, sizeof(flags));
	uname(&u);
	f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = -1;
		fclose(f);
	}
	snprintf(bench_host, sizeof(bench_host),
		 "{\"cpu\": \"%s\", \"cores\": %ld, \"kernel\": \"%s\", \"fsgsbase\": %s, "
		 "\"pti\": %s, \"pcid\": %s, \"sha_ni\": %s, \"aes_ni\": %s, "
		 "\"getpid_ns\": %.0f, \"signal_roundtrip_ns\": %.0f, \"loadavg\": %.2f}",
		 cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release,
		 getauxval(AT_HWCAP2) & 2 ? "true" : "false", bench_pti(),
		 strstr(flags, " pcid") ? "true" : "false", sha ? "true" : "false",
		 aes ? "true" : "false", bench_getpid_ns(20000), bench_signal_roundtrip_ns(20000),
		 load);
	printf("{\"host\": %s}\n", bench_host);
}

/*
 * argv[1]: the results file (appended to).  The host's facts come from
 * host.json in its directory, measured now if this is the run's first
 * benchmark.
 */
static inline void bench_open(int argc, char **argv)
{
	char path[4096];
	const char *slash;
	FILE *f;

	/* Each benchmark says which machine it measures: a private one unless
	 * it starts its own (bench/machine.c), never one the user runs. */
	setenv("SGXEMU_MACHINE", "none", 1);
	/* An option is not a results file (`--help` made one once). */
	if (argc >= 2 && argv[1][0] == '-') {
		printf("usage: %s [RESULTS.jsonl]\n"
		       "Runs this benchmark: JSON lines on stdout, appended to RESULTS.jsonl\n"
		       "if given, with the host's facts in host.json beside it.\n",
		       argv[0]);
		exit(strcmp(argv[1], "--help") && strcmp(argv[1], "-h") ? 2 : 0);
	}
	if (argc < 2) {
		bench_measure_host();
		return;
	}
	bench_results = fopen(argv[1], "a");
	if (!bench_results)
		perror(argv[1]);
	slash = strrchr(argv[1], '/');
	snprintf(path, sizeof(path), "%.*shost.json", slash ? (int)(slash + 1 - argv[1]) : 0,
		 argv[1]);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(bench_host, sizeof(bench_host), f))
			snprintf(bench_host, sizeof(bench_host), "{}");
		bench_host[strcspn(bench_host, "\n")] = '\0';
		fclose(f);
		return;
	}
	bench_measure_host();
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s\n", bench_host);
		fclose(f);
	}
}

static inline void bench_metric(const char *name, double value, const char *unit)
{
	char line[2048];

	snprintf(line, sizeof(line), "{\"metric\": \"%s\", \"value\": %.3f, \"unit\": \"%s\"}", name,
		 value, unit);
	puts(line);
	if (bench_results) {
		/* The file gets the host's facts beside every figure. */
		snprintf(line, sizeof(line),
			 "{\"metric\": \"%s\", \"value\": %.3f, \"unit\": \"%s\", \"host\": %s}", name,
			 value, unit, bench_host);
		fputs(line, bench_results);
		fputc('\n', bench_results);
		fflush(bench_results);
	}
}

#endif
