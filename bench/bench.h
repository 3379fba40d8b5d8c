/* SPDX-License-Identifier: MIT */
/* Benchmark output: one JSON line per metric, on stdout and in the results file. */
#ifndef SGXEMU_BENCH_BENCH_H
#define SGXEMU_BENCH_BENCH_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

static FILE *bench_results;

static inline void bench_open(int argc, char **argv)
{
	if (argc > 1) {
		bench_results = fopen(argv[1], "a");
		if (!bench_results) {
			perror(argv[1]);
		}
	}
}

static inline void bench_metric(const char *name, double value, const char *unit)
{
	char line[256];

	snprintf(line, sizeof(line), "{\"metric\": \"%s\", \"value\": %.3f, \"unit\": \"%s\"}", name,
		 value, unit);
	puts(line);
	if (bench_results) {
		fputs(line, bench_results);
		fputc('\n', bench_results);
		fflush(bench_results);
	}
}

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

/* The baseline for anything that traps: one SIGILL (ud2) and return, with
 * an ordinary handler, averaged over @n after a warm-up. */
static inline double bench_signal_roundtrip_ns(int n)
{
	struct sigaction sa, old;
	double t0;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = bench_ud2_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, &old);
	for (i = 0; i < 1000; i++)
		__asm__ volatile("ud2");
	t0 = bench_now();
	for (i = 0; i < n; i++)
		__asm__ volatile("ud2");
	t0 = bench_now() - t0;
	sigaction(SIGILL, &old, NULL);
	return t0 / n * 1e9;
}

#endif
