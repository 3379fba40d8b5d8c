/* SPDX-License-Identifier: MIT */
/* Benchmark output: one JSON line per metric, on stdout and in the results file. */
#ifndef SGXEMU_BENCH_BENCH_H
#define SGXEMU_BENCH_BENCH_H

#include <stdio.h>
#include <time.h>

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

#endif
